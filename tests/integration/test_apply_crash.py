"""Crash, resume, faults and the run lock of ``apply`` against the emulator (issue 6 "Done when").

``python -m migrate apply`` runs as a real subprocess and is killed with SIGKILL at chosen
points of a ~2,000-object apply: :mod:`tests.support.kill_after` runs the command line with
an executor hook that sends SIGKILL to its own process after that many confirmed items, so
the kill points are deterministic (no sleeps, no timing). The batched checkpoint writer then
has unflushed outcomes for objects Cells already holds, which is exactly the case ``resume``
must handle: every object ends present exactly once, and no item is lost.
"""

from __future__ import annotations

import json
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migrate import commands
from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.config import load_config
from migrate.errors import RunLockedError
from migrate.load.checkpoint import CheckpointDB, this_process
from migrate.load.checkpoint_schema import RunCommand
from migrate.sample import BuiltInstall, InstallSpec, build_install
from tests.support.cli import PASSWORD, make_folders, run_cli, run_json, write_config
from tests.support.emulator_state import comparable

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# ~2,000 objects: users, groups, roles, workspaces, datasources and ~1,400 ACLs
BIG = InstallSpec(users=400, groups=12, roles=6, teams=2, workspaces=20, rights=1400, real_hashes=2)


@pytest.fixture(scope="module")
def big_install(tmp_path_factory: pytest.TempPathFactory) -> BuiltInstall:
    return build_install(tmp_path_factory.mktemp("big"), dialect="sqlite", spec=BIG)


@pytest.fixture
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=3, index_delay_s=0.0)) as server:
        yield server


def _desired_count(config: Path) -> int:
    desired = commands.desired(load_config(config, {"PW": PASSWORD})).desired
    return sum(desired.counts().values())


def _assert_each_once(state: dict[str, Any]) -> None:
    acl_keys = Counter(
        (a.get("NodeID"), a["Action"]["Name"], a.get("RoleID"), a.get("WorkspaceID"))
        for a in state["acls"]
    )
    assert [k for k, n in acl_keys.items() if n > 1] == []
    slugs = [w["Slug"] for w in state["workspaces"]]
    assert len(slugs) == len(set(slugs))
    logins = [u["Login"] for u in state["users"]]
    assert len(logins) == len(set(logins))


def test_sigkill_at_several_points_then_resume_loses_and_duplicates_nothing(
    big_install: BuiltInstall, emu: EmulatorServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, big_install.root, emu)
    make_folders(config)
    assert _desired_count(config) >= 1900
    first = run_cli(config, "apply", "--yes", kill_after=5)
    assert first.returncode == -signal.SIGKILL, first.stderr
    kills = [first]
    for point in (300, 600, 400):  # per process: 5 + 1,300 of ~2,450 writes before the last
        kills.append(run_cli(config, "resume", kill_after=point))
        assert kills[-1].returncode == -signal.SIGKILL, kills[-1].stderr
    # each resume noticed the killed holder on this host and took its lock over
    assert all("lost the lock" in k.stderr for k in kills[1:]), kills[1].stderr
    final = run_cli(config, "resume", "--json")
    assert final.returncode == 0, final.stderr
    result = json.loads(final.stdout)
    assert result["status"] == "done"
    _assert_each_once(emu.state())
    wrong_slugs = [w["Slug"] for w in emu.state()["workspaces"] if w["Slug"].endswith("-1")]
    expected = {
        w.slug for w in commands.desired(load_config(config, {"PW": PASSWORD})).desired.workspaces
    }
    assert [s for s in wrong_slugs if s not in expected] == []
    code, report = run_json(config, "verify")
    assert (code, report["missing"], report["different"]) == (0, [], [])
    status = json.loads(run_cli(config, "status", "--json").stdout)
    (run,) = status["runs"]
    assert run["status"] == "done"
    assert run["counts"]["pending"] == 0
    assert run["counts"]["failed"] == 0
    assert run["counts"]["done"] + run["counts"]["skipped"] >= _desired_count(config)


def test_apply_completes_with_faults_and_short_tokens(
    big_install: BuiltInstall, tmp_path: Path
) -> None:
    emu_config = EmulatorConfig(seed=9, index_delay_s=0.0, fault_rate=0.05, token_ttl_s=2.0)
    with EmulatorServer(emu_config) as emu:
        config = write_config(tmp_path, big_install.root, emu)
        make_folders(config)
        code, result = run_json(config, "apply", "--yes")
        assert code == 0, result["failures"][:5]
        faults = [r for r in emu.requests() if r["status"] >= 429]
        assert len(faults) > 20
        emu.configure(fault_rate=0.0)
        _assert_each_once(emu.state())
        code, report = run_json(config, "verify")
        assert (code, report["missing"], report["different"]) == (0, [], [])


def test_second_concurrent_apply_is_refused(
    big_install: BuiltInstall, emu: EmulatorServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, big_install.root, emu)
    state_url = load_config(config, {"PW": PASSWORD}).state.url
    # A live run on this host holds the lock (this very process: its pid is alive).
    with CheckpointDB.open(state_url, now=_now) as db:
        run = db.start_run(command=RunCommand.APPLY, holder=this_process())
        other = run_cli(config, "apply", "--yes")
        assert other.returncode == 1
        assert "error:" in other.stderr
        assert f"run {run.id}" in other.stderr or "lock" in other.stderr
        assert [r for r in emu.requests() if r["method"] in ("PUT", "DELETE")] == []
        with pytest.raises(RunLockedError):
            db.start_run(command=RunCommand.APPLY, holder=this_process())


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


# ~450 objects: big enough for kills inside a stage, small enough to roll back quickly
MID = InstallSpec(users=100, groups=6, roles=4, teams=1, workspaces=8, rights=250, real_hashes=2)


def test_rollback_after_kills_and_resumes_restores_the_exact_dump(
    tmp_path: Path, emu: EmulatorServer
) -> None:
    """Issue 12 point 1: SIGKILL during apply (outcomes not yet flushed for objects Cells
    holds), then inside a resume while it re-checks those objects, then later in another
    resume; resume until done; ``rollback --all`` gives back the emulator's full dump."""
    install = build_install(tmp_path / "p8", dialect="sqlite", spec=MID)
    config = write_config(tmp_path, install.root, emu)
    make_folders(config)
    pristine = comparable(emu.state())
    first = run_cli(config, "apply", "--yes", kill_after=150)  # batch of 500: none flushed yet
    assert first.returncode == -signal.SIGKILL, first.stderr
    inside = run_cli(config, "resume", kill_after=20)  # while confirming what the kill left
    assert inside.returncode == -signal.SIGKILL, inside.stderr
    later = run_cli(config, "resume", kill_after=100)
    assert later.returncode == -signal.SIGKILL, later.stderr
    final = run_cli(config, "resume")
    assert final.returncode == 0, final.stderr
    status = json.loads(run_cli(config, "status", "--json").stdout)
    (run,) = status["runs"]
    assert (run["status"], run["counts"]["pending"], run["counts"]["failed"]) == ("done", 0, 0)
    # every done item that changed Cells carries the object's image
    with CheckpointDB.open(load_config(config, {"PW": PASSWORD}).state.url, now=_now) as db:
        changed = [i for i in db.done_items_newest_first(run["id"]) if i.action.value == "create"]
        assert len(changed) > 400
        assert [i.key for i in changed if i.after is None] == []
    rolled = run_cli(config, "rollback", "--all", "--yes", "--json")
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    report = json.loads(rolled.stdout)
    assert (report["refused"], report["failed"]) == ([], [])
    assert comparable(emu.state()) == pristine
