"""A state DB written by the previous release (schema 1) opens, upgraded, on every backend.

The version-1 tables below are those of cells-migrate before issue 12 (commit a65ffdf),
frozen here with rows as that release wrote them: an apply run with done items (images
included), a failed one, and the lock row. Opening it with this release upgrades it to
the current schema in place; its runs are then resumed, reported and rolled back as usual.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from migrate.load.checkpoint import CheckpointDB, ItemStatus, LockHolder, RunStatus
from migrate.load.checkpoint_schema import SCHEMA_VERSION, PasswordState, RunCommand, schema_version
from tests.support.checkpoint import Clock, fresh_url
from tests.support.databases import TestDatabase

pytestmark = pytest.mark.integration

ME = LockHolder(host="box", pid=4242, user="ops")

_TIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
_JSON_TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

V1 = sa.MetaData()
V1_VERSION = sa.Table(
    "schema_version",
    V1,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.Integer, nullable=False),
)
V1_RUNS = sa.Table(
    "runs",
    V1,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("command", sa.String(32), nullable=False),
    sa.Column("fingerprint", sa.String(128), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("started_at", _TIME, nullable=False),
    sa.Column("finished_at", _TIME, nullable=True),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("username", sa.String(255), nullable=False),
    sa.Column("summary", _JSON_TEXT, nullable=True),
)
V1_ITEMS = sa.Table(
    "items",
    V1,
    sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("stage", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("natural_key", sa.String(1024), nullable=False),
    sa.Column("cells_id", sa.String(255), nullable=True),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("last_error", sa.String(308), nullable=True),
    sa.Column("before_image", _JSON_TEXT, nullable=True),
    sa.Column("after_image", _JSON_TEXT, nullable=True),
    sa.Column("updated_at", _TIME, nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=True),
    sa.UniqueConstraint("run_id", "position", name="uq_items_run_position"),
    sa.Index("ix_items_run_status", "run_id", "status"),
    sa.Index("ix_items_seq", "seq"),
)
V1_LOCK = sa.Table(
    "run_lock",
    V1,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("holder_run", sa.Integer, nullable=True),
    sa.Column("host", sa.String(255), nullable=True),
    sa.Column("pid", sa.Integer, nullable=True),
    sa.Column("username", sa.String(255), nullable=True),
    sa.Column("acquired_at", _TIME, nullable=True),
    sa.Column("heartbeat", _TIME, nullable=True),
)
STAMP = datetime(2026, 1, 2, 3, 4, 5)


@pytest.fixture
def url(dialect: TestDatabase, tmp_path: Path) -> Iterator[str]:
    yield from fresh_url(dialect, tmp_path)


def _item(
    run: int, pos: int, kind: str, key: str, status: str, **extra: object
) -> dict[str, object]:
    row: dict[str, object] = {
        "run_id": run,
        "position": pos,
        "stage": f"{kind}s",
        "kind": kind,
        "natural_key": key,
        "cells_id": None,
        "action": "create",
        "status": status,
        "attempts": 1,
        "last_error": None,
        "before_image": None,
        "after_image": None,
        "updated_at": STAMP,
        "seq": None,
    }
    row.update(extra)
    return row


def write_v1(url: str) -> None:
    """A schema-1 state DB with two apply runs, as the previous release left it."""
    engine = sa.create_engine(url)
    try:
        V1.create_all(engine)
        with engine.begin() as conn:
            conn.execute(sa.insert(V1_VERSION).values(id=1, version=1))
            conn.execute(sa.insert(V1_LOCK).values(id=1))
            for run_id, status in ((1, "done"), (2, "partial")):
                conn.execute(
                    sa.insert(V1_RUNS).values(
                        id=run_id,
                        command=RunCommand.APPLY,
                        fingerprint="fp",
                        status=status,
                        started_at=STAMP,
                        finished_at=STAMP,
                        host="box",
                        pid=1,
                        username="ops",
                        summary='{"done":2}',
                    )
                )
            conn.execute(
                sa.insert(V1_ITEMS),
                [
                    _item(
                        1,
                        0,
                        "group",
                        "/sales",
                        "done",
                        seq=1,
                        cells_id="g-1",
                        after_image='{"Path":"/sales","Uuid":"g-1"}',
                    ),
                    _item(
                        1,
                        1,
                        "user",
                        "alice",
                        "done",
                        seq=2,
                        cells_id="u-1",
                        after_image='{"Login":"alice"}',
                    ),
                    _item(2, 0, "user", "bob", "failed", last_error="refused"),
                ],
            )
    finally:
        engine.dispose()


def test_a_schema_1_state_db_is_upgraded_in_place_and_keeps_its_runs(url: str) -> None:
    write_v1(url)
    clock = Clock()
    with CheckpointDB.open(url, now=clock, create=False) as db:
        assert [(r.id, r.status) for r in db.runs()] == [
            (2, RunStatus.PARTIAL),
            (1, RunStatus.DONE),
        ]
        done = list(db.done_items_newest_first(1))
        assert [(i.key, i.cells_id, i.after) for i in done] == [
            ("alice", "u-1", {"Login": "alice"}),
            ("/sales", "g-1", {"Path": "/sales", "Uuid": "g-1"}),
        ]
        assert {(i.wave, i.password) for i in db.items(1)} == {(0, None)}
        # the upgraded DB works as a new one: resume the partial run, record, report
        db.resume_run(2, holder=ME)
        (bob,) = db.resumable_items(2)
        with db.writer(2, holder=ME) as writer:
            writer.mark_done(bob.id, cells_id="u-2", after={"Login": "bob"})
            writer.mark_password(bob.id, PasswordState.DONE)
        db.finish_run(2, holder=ME, status=RunStatus.DONE)
        (bob,) = db.items(2)
        assert (bob.status, bob.password, bob.seq) == (ItemStatus.DONE, PasswordState.DONE, 3)
        report = db.status_report()
        runs = report["runs"]
        assert isinstance(runs, list)
        assert [r["status"] for r in runs if isinstance(r, dict)] == ["done", "done"]
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            (row,) = conn.execute(sa.select(schema_version)).all()
    finally:
        engine.dispose()
    assert row.version == SCHEMA_VERSION
    assert len(str(row.instance)) == 36
    # opening it again changes nothing (the upgrade ran once)
    with CheckpointDB.open(url, now=clock, create=False) as again:
        assert len(again.runs()) == 2


def test_an_upgrade_cut_short_is_finished_by_the_next_open(url: str) -> None:
    """MariaDB commits each ALTER TABLE at once: a crash between two leaves some columns
    added and the version at 1; the next open adds the rest."""
    write_v1(url)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE items ADD COLUMN wave INTEGER DEFAULT 0 NOT NULL")
    finally:
        engine.dispose()
    with CheckpointDB.open(url, now=Clock(), create=False) as db:
        assert {i.wave for i in db.items(1)} == {0}
        assert {i.password for i in db.items(1)} == {None}
