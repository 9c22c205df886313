"""A state DB written by the previous release (schema 2) reads into this release's typed
records, unchanged, on every backend, and its runs roll back through the kind handlers.

``tests/data/state-v2/state.db`` was written by cells-migrate at commit 6910fc9 (an apply of
the datasources stage, an apply of the rest, a rollback of the ACL stage, on the emulator);
``status.json`` is that release's ``status --json`` of it. Issue 14 made stage, kind, item
action, status and run command enums end to end; their stored form (the value) did not
change, so schema 2 needs no migration: this release reads the same rows, reports the same
document, and judges the after-images that release wrote with its managed fields.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from migrate.cells.client import CellsClient
from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.config import AuthConfig, AuthMethod, CellsConfig
from migrate.kinds.keys import AclId
from migrate.kinds.registry import handler_for
from migrate.kinds.vocabulary import ActionType, Kind, Stage
from migrate.load.checkpoint import CheckpointDB, ItemStatus, LockHolder, RunCommand
from migrate.load.checkpoint_schema import SCHEMA_VERSION, metadata, schema_version
from migrate.load.rollback import rollback
from migrate.secret import Secret
from tests.support.checkpoint import Clock, fresh_url
from tests.support.databases import TestDatabase
from tests.support.emulator_state import comparable

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[1] / "data" / "state-v2"
ME = LockHolder(host="box", pid=4242, user="ops")
RECORDED_ROOT = "/tmp/i14/fixture"  # where that release's test install was


def _copy_rows(source: Path, url: str) -> None:
    """The previous release's rows, as they are, into a schema-2 database at ``url``."""
    src = sa.create_engine(f"sqlite:///{source}")
    dst = sa.create_engine(url)
    try:
        metadata.create_all(dst)
        with src.connect() as read, dst.begin() as write:
            for table in metadata.sorted_tables:
                rows = [dict(r._mapping) for r in read.execute(sa.select(table))]
                if rows:
                    write.execute(sa.insert(table), rows)
            if dst.dialect.name == "postgresql":  # explicit ids do not move the sequences
                for name in ("runs", "items"):
                    write.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                        f"(SELECT max(id) FROM {name}))"
                    )
    finally:
        src.dispose()
        dst.dispose()


@pytest.fixture
def url(dialect: TestDatabase, tmp_path: Path) -> Iterator[str]:
    for target in fresh_url(dialect, tmp_path):
        if dialect.name == "sqlite":
            shutil.copy(DATA / "state.db", tmp_path / "state.db")
        else:
            _copy_rows(DATA / "state.db", target)
        yield target


def test_the_previous_release_state_db_reads_into_typed_records_unchanged(url: str) -> None:
    expected = json.loads((DATA / "status.json").read_text(encoding="utf-8"))
    with CheckpointDB.open(url, now=Clock(), create=False) as db:
        assert json.loads(json.dumps(db.status_report())) == expected
        assert [(r.id, r.command) for r in db.runs()] == [
            (3, RunCommand.ROLLBACK),
            (2, RunCommand.APPLY),
            (1, RunCommand.APPLY),
        ]
        items = list(db.items(2))
        assert {type(i.stage) for i in items} == {Stage}
        assert all(i.kind.stage is i.stage for i in items)
        acls = [i for i in items if i.kind is Kind.ACL and i.cells_id]
        assert acls
        for item in acls:
            parsed = AclId.parse(item.cells_id or "")
            assert str(parsed) == item.cells_id
            assert parsed.role_known
            assert parsed.node_id
            assert not parsed.node_id.startswith("path:")
        done = list(db.done_items_newest_first(2))
        recorded = [i.as_action() for i in done]
        inverses = [a.inverse() for a in recorded if a is not None]
        assert {u.action for u in inverses if u is not None} == {ActionType.DELETE}
        assert len(inverses) == 19  # its creates; the datasources were noops by then
        assert {i.kind for i in done} == {
            Kind.DATASOURCE,
            Kind.GROUP,
            Kind.ROLE,
            Kind.USER,
            Kind.WORKSPACE,
        }
        assert {i.status for i in db.items(2) if i.kind is Kind.ACL} == {
            ItemStatus.ROLLED_BACK,
            ItemStatus.SKIPPED,
        }
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.select(schema_version.c.version)).scalar() == SCHEMA_VERSION
    finally:
        engine.dispose()


def _move_folders(url: str, root: Path) -> None:
    """The datasource folders that release recorded (under its own temporary folder) moved
    under ``root`` and created there: the emulator, like Cells, refuses a datasource over a
    folder that does not exist."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE items SET after_image = REPLACE(after_image, :old, :new)"),
                {"old": RECORDED_ROOT, "new": str(root)},
            )
            images = conn.execute(
                sa.text("SELECT after_image FROM items WHERE kind = 'datasource'")
            ).scalars()
            for image in images:
                if image:
                    Path(json.loads(image)["StorageConfiguration"]["folder"]).mkdir(
                        parents=True, exist_ok=True
                    )
    finally:
        engine.dispose()


def test_its_runs_roll_back_through_the_handlers(url: str, tmp_path: Path) -> None:
    """Cells holds what the previous release wrote (its after-images, written back); this
    release finds nothing changed since, undoes every run, and Cells is as it was."""
    _move_folders(url, tmp_path / "install")
    with EmulatorServer(EmulatorConfig(seed=2, index_delay_s=0.0)) as emu:
        pristine = comparable(emu.state())
        auth = AuthConfig(method=AuthMethod.PAT, token=Secret(emu.mint_pat("admin")))
        with (
            CheckpointDB.open(url, now=lambda: datetime.now(UTC), create=False) as db,
            CellsClient(CellsConfig(url=emu.url, auth=auth), read_only=False) as client,
        ):
            written = [i for i in db.done_items_newest_first(None) if i.after is not None]
            for item in sorted(written, key=lambda i: (i.stage.rank, i.wave)):
                handler_for(item.kind).restore(client, item.ref, item.after or {})
            assert comparable(emu.state()) != pristine
            report = rollback(db, client, holder=ME, every_run=True, concurrency=2)
            assert (report.refused, report.failed) == ([], [])
            assert report.undone == len(written) == 25
            statuses = {r.id: r.status.value for r in db.runs()}
            assert [statuses[i] for i in (1, 2, 3)] == ["rolled_back", "rolled_back", "done"]
        assert comparable(emu.state()) == pristine
