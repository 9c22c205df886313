"""The executor's behaviour against the emulator, through ``apply_for_config`` (the library).

Report-and-continue (a user refused by Cells fails alone; its ACLs are skipped with the
reason), Ctrl-C (in-flight items recorded, run resumable), the wait for a datasource to be
indexed (a fake clock shared by the emulator and the waiter: no real sleeps), ``--only``,
and rollback's cleanup of the ``.pydio`` marker files.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from migrate import commands
from migrate.cells.client import CellsClient
from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.cells.models import User
from migrate.commands import ApplyOptions, Hooks
from migrate.config import AuthConfig, AuthMethod, Config, load_config
from migrate.errors import RunLockedError
from migrate.kinds.registry import handler_for
from migrate.kinds.vocabulary import ActionType, Kind
from migrate.load.apply import Applier, Refs
from migrate.load.checkpoint import LockHolder, RunStatus
from migrate.load.checkpoint_schema import RunCommand
from migrate.mapping.desired import NodeKind
from migrate.plan import Plan, Stage
from migrate.sample import BuiltInstall, InstallSpec, build_install
from migrate.secret import Secret
from tests.support.databases import TestDatabase
from tests.support.fakeclock import FakeClock

pytestmark = pytest.mark.integration

SPEC = InstallSpec(users=10, groups=2, roles=2, teams=1, workspaces=4, rights=20, real_hashes=1)


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def install(tmp_path: Path) -> BuiltInstall:
    return build_install(tmp_path / "p8", dialect="sqlite", spec=SPEC)


@pytest.fixture
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=13, index_delay_s=0.0)) as server:
        yield server


def _config(install: BuiltInstall, emu: EmulatorServer, tmp: Path) -> Config:
    config = load_config(
        None,
        {},
        {
            "legacy.install_path": str(install.root),
            "cells.url": emu.url,
            "cells.auth.method": "pat",
            "cells.auth.token": emu.mint_pat("admin", ttl_s=10**9),
            "state.url": f"sqlite:///{tmp / 'state.db'}",
        },
    )
    desired = commands.desired(config, look_at_folders=False).desired
    folders = {d.name: Path(d.folder) for d in desired.datasources if d.folder}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    for node in [a.node for a in desired.acls] + [
        n for w in desired.workspaces for n in w.root_nodes
    ]:
        name, _, sub = node.path.partition("/")
        if node.kind is NodeKind.FOLDER and name in folders:
            (folders[name] / sub).mkdir(parents=True, exist_ok=True)
    return config


def test_user_refused_by_cells_fails_alone_and_its_acls_are_skipped(
    install: BuiltInstall, emu: EmulatorServer, tmp_path: Path
) -> None:
    config = _config(install, emu, tmp_path)
    victim: list[str] = []

    def confirm(plan: Plan) -> bool:
        # Someone creates the login between plan and apply: Cells refuses ours (403).
        login = next(
            a.key
            for a in plan.actions
            if a.kind.value == "user"
            and a.action.value == "create"
            and any(b.key.startswith(f"user:{a.key}@") for b in plan.actions)
        )
        victim.append(login)
        with CellsClient(config.cells, read_only=False) as cells:
            cells.put_user(User(login=login, attributes=(("profile", "standard"),)))
        return True

    result = commands.apply(config, ApplyOptions(), now=_now, confirm=confirm)
    assert result.status is RunStatus.PARTIAL
    assert result.exit_code == 3
    (login,) = victim
    failed = [f for f in result.failures if f.status == "failed"]
    assert [(f.kind, f.key) for f in failed] == [("user", login)]
    assert "already exists" in failed[0].error
    skipped = [f for f in result.failures if f.status == "skipped" and "not sent:" in f.error]
    assert skipped
    # its ACLs are skipped, and so is what depends on it (a shared user it owns, that
    # user's ACLs), each naming the failed object
    assert any(f.kind == "acl" and f.key.startswith(f"user:{login}@") for f in skipped)
    blocked = {("user", login)} | {(f.kind, f.key) for f in skipped}
    for f in skipped:
        named = f.error.split("'")[1]
        assert ("user", named) in blocked, f
        assert f.kind == "acl" or f.kind == "user"
    assert result.counts["users"]["done"] >= SPEC.users - 1
    assert result.counts["acls"]["done"] > 0


def test_ctrl_c_records_in_flight_items_and_resume_finishes(
    install: BuiltInstall, emu: EmulatorServer, tmp_path: Path
) -> None:
    config = _config(install, emu, tmp_path)
    done = [0]

    def interrupt_after_ten() -> None:
        done[0] += 1
        if done[0] == 10:
            raise KeyboardInterrupt

    result = commands.apply(
        config, ApplyOptions(), now=_now, hooks=Hooks(on_done=interrupt_after_ten)
    )
    assert result.status is RunStatus.INTERRUPTED
    assert result.exit_code == 130
    with commands.open_state(config, now=_now) as db:
        (run,) = db.runs()
        assert run.status is RunStatus.INTERRUPTED
        statuses = [i.status.value for i in db.items(run.id)]
    assert statuses.count("done") >= 10  # everything Cells confirmed was recorded
    assert "pending" in statuses
    resumed = commands.resume(config, run_id=None, now=_now)
    assert resumed.status is RunStatus.DONE
    with commands.open_state(config, now=_now) as db:
        assert {i.status.value for i in db.items(run.id)} <= {"done", "skipped"}
    acls = emu.state()["acls"]
    keys = [
        (a.get("NodeID"), a["Action"]["Name"], a.get("RoleID"), a.get("WorkspaceID")) for a in acls
    ]
    assert len(keys) == len(set(keys))


def test_waits_for_a_new_datasource_to_be_indexed(install: BuiltInstall, tmp_path: Path) -> None:
    clock = FakeClock()
    slow = EmulatorConfig(seed=13, index_delay_s=30.0)
    with EmulatorServer(slow, clock=clock.time) as emu:
        config = _config(install, emu, tmp_path)
        hooks = Hooks(sleep=clock.sleep, clock=clock.time)
        options = ApplyOptions(ready_timeout_s=600.0)
        result = commands.apply(config, options, now=_now, hooks=hooks)
        assert result.status is RunStatus.DONE, result.failures
        assert sum(clock.slept) >= 30.0  # it polled until Cells had indexed the datasource
        assert sum(clock.slept) < 600.0
        folder_acls = [a for a in emu.state()["acls"] if "-" in str(a.get("NodeID", ""))]
        assert folder_acls


def test_readiness_timeout_fails_only_the_items_that_need_the_folders(
    install: BuiltInstall, tmp_path: Path
) -> None:
    clock = FakeClock()
    with EmulatorServer(EmulatorConfig(seed=13, index_delay_s=10_000.0), clock=clock.time) as emu:
        config = _config(install, emu, tmp_path)
        hooks = Hooks(sleep=clock.sleep, clock=clock.time)
        result = commands.apply(config, ApplyOptions(ready_timeout_s=60.0), now=_now, hooks=hooks)
    assert result.status is RunStatus.PARTIAL
    failed = [f for f in result.failures if f.status == "failed"]
    assert failed
    assert all("not indexed" in f.error for f in failed)
    assert result.counts["users"].get("failed", 0) == 0


def test_only_applies_just_those_objects(
    install: BuiltInstall, emu: EmulatorServer, tmp_path: Path
) -> None:
    config = _config(install, emu, tmp_path)
    groups = [g.path for g in commands.desired(config).desired.groups]
    options = ApplyOptions(only=(f"group:{groups[0]}",), force=True)
    result = commands.apply(config, options, now=_now)
    assert result.status is RunStatus.DONE
    assert result.counts == {"groups": {"done": 1}}
    assert [g["Path"] for g in emu.state()["groups"]] == [groups[0]]


def test_rollback_removes_marker_files_of_a_deleted_datasource(
    install: BuiltInstall, emu: EmulatorServer, tmp_path: Path
) -> None:
    config = _config(install, emu, tmp_path)
    before = [d["Name"] for d in emu.state()["datasources"]]
    result = commands.apply(config, ApplyOptions(stages=(Stage.DATASOURCES,)), now=_now)
    assert result.status is RunStatus.DONE
    assert len(emu.state()["datasources"]) > len(before)
    folders = [Path(d.folder) for d in commands.desired(config).desired.datasources if d.folder]
    for folder in folders:  # what a real Cells writes into every folder it indexes
        (folder / ".pydio").write_text("{}", encoding="utf-8")
    report = commands.rollback(config, now=_now)
    assert report.exit_code == 0
    assert not [f for f in folders if (f / ".pydio").exists()]
    assert any("removed 1 .pydio file(s)" in n for n in report.notes)
    assert [d["Name"] for d in emu.state()["datasources"]] == before


def test_apply_and_rollback_with_every_state_backend(
    install: BuiltInstall, emu: EmulatorServer, tmp_path: Path, dialect: TestDatabase
) -> None:
    """The same run on a SQLite, MariaDB and PostgreSQL state DB (one module DB each, so
    this is the only test here that uses ``dialect``)."""
    config = _config(install, emu, tmp_path)
    config = replace(config, state=replace(config.state, url=Secret(dialect.url)))
    pristine = emu.state()
    result = commands.apply(config, ApplyOptions(), now=_now)
    assert result.status is RunStatus.DONE, result.failures[:3]
    with commands.open_state(config, now=_now) as db:
        run = db.runs()[0]
        assert run.status is RunStatus.DONE
        assert not [i for i in db.items(run.id) if i.status.value == "pending"]
    report = commands.rollback(config, now=_now)
    assert report.exit_code == 0, report.refused + report.failed
    assert [d["Name"] for d in emu.state()["datasources"]] == [
        d["Name"] for d in pristine["datasources"]
    ]
    assert emu.state()["users"] == pristine["users"]
    assert emu.state()["acls"] == pristine["acls"]
    with commands.open_state(config, now=_now) as db:
        assert db.get_run(run.id).status is RunStatus.ROLLED_BACK


def test_an_adopted_user_keeps_its_password(
    install: BuiltInstall, emu: EmulatorServer, tmp_path: Path
) -> None:
    config = _config(install, emu, tmp_path)
    login = sorted(
        u.login for u in commands.desired(config).desired.users if u.profile == "standard"
    )[0]
    with CellsClient(config.cells, read_only=False) as cells:
        cells.put_user(
            User(login=login, attributes=(("profile", "standard"),), password=Secret("Own-pass-1"))
        )
    result = commands.apply(config, ApplyOptions(), now=_now)
    assert result.status is RunStatus.DONE, result.failures[:3]
    with commands.open_state(config, now=_now) as db:
        (item,) = [i for i in db.items(db.runs()[0].id) if i.kind == "user" and i.key == login]
    assert (item.action.value, item.status.value) == ("adopt", "done")
    auth = AuthConfig(method=AuthMethod.PASSWORD, login=login, password=Secret("Own-pass-1"))
    own = replace(config.cells, auth=auth)
    with CellsClient(own, read_only=True) as as_user:
        me = as_user.get_user(login)
    assert me is not None
    assert me.login == login


def test_lock_of_another_host_refuses_until_force_unlock(
    install: BuiltInstall, emu: EmulatorServer, tmp_path: Path
) -> None:
    config = _config(install, emu, tmp_path)
    elsewhere = LockHolder(host="other-host.example", pid=4242, user="ops")
    with commands.open_state(config, now=_now) as db:
        stuck = db.start_run(command=RunCommand.APPLY, holder=elsewhere)
    with pytest.raises(RunLockedError, match=r"other-host\.example"):
        commands.apply(config, ApplyOptions(), now=_now)
    assert [r for r in emu.requests() if r["method"] in ("PUT", "DELETE")] == []
    result = commands.apply(config, ApplyOptions(force_unlock=True), now=_now)
    assert result.status is RunStatus.DONE
    with commands.open_state(config, now=_now) as db:
        assert db.get_run(stuck.id).status is RunStatus.INTERRUPTED
        assert db.lock_state().free


def test_the_inverse_of_a_create_is_a_delete_the_applier_runs(
    install: BuiltInstall, emu: EmulatorServer, tmp_path: Path
) -> None:
    """``Action.inverse()`` of what a run created runs through the kind's handler like any
    action (what a future incremental sync plans for objects no longer wanted): the object
    is gone, the image it had is what ``before`` returned, and a second delete is a no-op."""
    config = _config(install, emu, tmp_path)
    assert commands.apply(config, ApplyOptions(), now=_now).status is RunStatus.DONE
    with commands.open_state(config, now=_now, create=False) as db:
        created = [i for i in db.done_items_newest_first(None) if i.action.value == "create"]
    picked = {i.kind: i for i in created if i.kind in (Kind.ACL, Kind.USER, Kind.ROLE)}
    assert set(picked) == {Kind.ACL, Kind.USER, Kind.ROLE}
    with CellsClient(config.cells, read_only=False) as client:
        applier = Applier(client, Refs())
        for item in picked.values():
            recorded = item.as_action()
            assert recorded is not None
            delete = recorded.inverse()
            assert delete is not None
            assert delete.action is ActionType.DELETE
            handler = handler_for(item.kind)
            assert handler.read(client, item.ref) is not None
            before = applier.before(delete, None)
            assert before is not None
            assert not handler.changed_since(before, handler.from_image(item.after or {}))
            applier.write(delete, None)
            assert handler.read(client, item.ref) is None
            applier.write(delete, None)  # already gone: nothing to do
