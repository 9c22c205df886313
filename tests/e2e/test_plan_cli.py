"""``cells-migrate plan`` end to end: configuration → legacy install → mapping → plan.

Runs ``migrate.commands.plan`` (what the ``plan`` command calls) on a sample
Pydio 8 install built on SQLite, against the emulator: the plan of an empty Cells only
creates, no write request is sent, the outputs hold no secret, and a saved plan becomes
stale when the legacy database or Cells changes.
"""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from migrate import commands
from migrate.cells.client import CellsClient
from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.cells.http import is_write
from migrate.config import Config, load_config
from migrate.errors import PlanError, StalePlanError
from migrate.plan import (
    PLAN_SCHEMA,
    ActionType,
    DesiredIndex,
    Stage,
    check_fresh,
    make_plan,
    plan_to_json,
    read_plan_file,
    render_markdown,
    render_text,
    write_plan_file,
)
from migrate.progress import NullProgress
from migrate.sample import BuiltInstall, InstallSpec, build_install

pytestmark = pytest.mark.e2e

SPEC = InstallSpec(
    users=8, groups=2, roles=2, teams=1, workspaces=4, rights=12, real_hashes=2, damage=True
)


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory) -> BuiltInstall:
    return build_install(tmp_path_factory.mktemp("p8"), dialect="sqlite", spec=SPEC)


@pytest.fixture
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=5, index_delay_s=0.0)) as server:
        yield server


def _config(install: BuiltInstall, emu: EmulatorServer) -> Config:
    return load_config(
        None,
        {},
        {
            "legacy.install_path": str(install.root),
            "cells.url": emu.url,
            "cells.auth.method": "pat",
            "cells.auth.token": emu.mint_pat("admin"),
        },
    )


def _no_writes(emu: EmulatorServer) -> None:
    sent = emu.requests()
    assert sent
    assert [r for r in sent if is_write(r["method"], r["path"])] == []


def test_plan_of_an_empty_cells_creates_and_writes_nothing(
    install: BuiltInstall, emu: EmulatorServer
) -> None:
    emu.configure(forbid_writes=True)
    progress = NullProgress()
    config = _config(install, emu)
    plan = commands.plan(config, progress=progress)
    _no_writes(emu)
    desired = commands.desired(config).desired
    kinds = {a.action for a in plan.actions}
    assert kinds == {ActionType.CREATE, ActionType.SKIP}
    # the only thing a fresh Cells already has is its own admin: the account the PAT belongs
    # to, so never adopted or modified (issue 13), and its legacy rights are left out
    admin = [a for a in plan.actions if (a.kind.value, a.key) == ("user", "admin")]
    assert [(a.action, "logs in with" in a.reason) for a in admin] == [(ActionType.SKIP, True)]
    own_acls = [a for a in plan.actions if a.kind.value == "acl" and "logs in with" in a.reason]
    assert plan.has_changes  # --detailed-exitcode: 2
    # bad legacy data (the sample's traps) are skips with the extractor's message
    skips = {(a.kind.value, a.key): a.reason for a in plan.actions if a.action is ActionType.SKIP}
    assert "cannot be decoded" in skips[("role", "broken-role")]
    assert ("share", "deadshare") in skips
    # apply finds the object behind every action that writes
    index = DesiredIndex.build(desired)
    assert [a for a in plan.actions if a.action.changes_cells and index.get(a) is None] == []
    counts = plan.by_kind()
    assert counts["user"]["create"] + 1 == len(desired.users) > 1
    assert counts["workspace"]["create"] == len(desired.workspaces) > 0
    assert counts["acl"]["create"] + len(own_acls) == len(desired.acls) > 0
    assert ("reading Cells", None) in progress.phases
    # the JSON document has the documented fields
    doc = plan_to_json(plan)
    assert doc["schema"] == PLAN_SCHEMA
    assert set(doc) >= {"schema", "fingerprint", "summary", "by_kind", "actions", "findings"}
    summary = doc["summary"]
    assert isinstance(summary, dict)
    assert set(summary) >= {"create", "update", "noop", "skip", "conflict"}
    actions = doc["actions"]
    assert isinstance(actions, list)
    assert all(set(a) >= {"stage", "kind", "key", "action", "changes", "reason"} for a in actions)
    json.dumps(doc)  # serialisable as is


def test_outputs_carry_no_password_hash(install: BuiltInstall, emu: EmulatorServer) -> None:
    plan = commands.plan(_config(install, emu))
    text, md = io.StringIO(), io.StringIO()
    render_text(plan, text)
    render_markdown(plan, md)
    outputs = text.getvalue() + md.getvalue() + json.dumps(plan_to_json(plan))
    with sqlite3.connect(install.db_url.removeprefix("sqlite:///")) as db:
        hashes = [row[0] for row in db.execute("SELECT password FROM ajxp_users")]
    assert hashes
    for value in hashes:
        if value:
            assert value not in outputs
    assert "Plan:" in text.getvalue()
    assert "| **total** |" in md.getvalue()


def test_saved_plan_is_stale_after_a_legacy_change(
    install: BuiltInstall, emu: EmulatorServer, tmp_path: Path
) -> None:
    config = _config(install, emu)
    path = tmp_path / "plan.json"
    write_plan_file(commands.plan(config, stages=[Stage.USERS]), path)
    saved = read_plan_file(path)
    assert saved.stages == (Stage.USERS,)
    check_fresh(saved, commands.plan(config, stages=saved.stages).fingerprint)
    db_path = install.db_url.removeprefix("sqlite:///")
    with sqlite3.connect(db_path) as db:
        (login, old) = db.execute("SELECT login, password FROM ajxp_users LIMIT 1").fetchone()
        db.execute("UPDATE ajxp_users SET password = ? WHERE login = ?", ("0" * 32, login))
    try:
        again = commands.plan(config, stages=saved.stages)
        with pytest.raises(StalePlanError, match="legacy install") as err:
            check_fresh(saved, again.fingerprint)
        assert "0" * 32 not in str(err.value)
        # strategy "reset": the hash is not part of the desired state, only of the inventory
        assert saved.fingerprint.changed_parts(again.fingerprint) == ["inputs"]
        assert saved.fingerprint.live == again.fingerprint.live
    finally:
        with sqlite3.connect(db_path) as db:
            db.execute("UPDATE ajxp_users SET password = ? WHERE login = ?", (old, login))


def test_a_read_write_client_is_refused(install: BuiltInstall, emu: EmulatorServer) -> None:
    config = _config(install, emu)
    with (
        CellsClient(config.cells, read_only=False) as client,
        pytest.raises(PlanError, match="read-only"),
    ):
        make_plan(commands.desired(config), client)
    assert emu.requests() == []  # refused before anything was read or sent
