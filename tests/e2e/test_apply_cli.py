"""``apply`` → ``verify`` → ``plan`` → ``rollback`` end to end through ``cli.main`` on the emulator.

Issue 6 "Done when": a full apply of a test install (built on SQLite by
``migrate.sample.build_install``, and the real Pydio 8 sample), then verify ok, then a plan
with nothing left to write; rollback returns the emulator's state to exactly what it was
before the run, updates included; the CLI's confirmation and stage-order rules.
"""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from migrate import commands
from migrate.cells.client import CellsClient
from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.config import AuthConfig, AuthMethod, CellsConfig, load_config
from migrate.sample import BuiltInstall, InstallSpec, build_install
from migrate.secret import Secret
from tests.support.cli import PASSWORD, make_folders, run, run_json, write_config
from tests.support.emulator_state import comparable

pytestmark = pytest.mark.e2e

SPEC = InstallSpec(users=8, groups=2, roles=2, teams=1, workspaces=4, rights=12, real_hashes=2)
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "pydio8-sqlite"


@pytest.fixture
def install(tmp_path: Path) -> BuiltInstall:
    return build_install(tmp_path / "p8", dialect="sqlite", spec=SPEC)


@pytest.fixture
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=7, index_delay_s=0.0)) as server:
        yield server


def plan_actions(config: Path) -> list[dict[str, Any]]:
    code, out, err = run(config, "plan", "--format", "json")
    assert code == 0, err
    actions: list[dict[str, Any]] = json.loads(out)["actions"]
    return actions


def test_full_apply_then_verify_then_plan_has_nothing_to_write(
    install: BuiltInstall, emu: EmulatorServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, install.root, emu)
    assert make_folders(config) > 0
    wanted = [a for a in plan_actions(config) if a["action"] in ("create", "update", "adopt")]
    code, result = run_json(config, "apply", "--yes")
    assert code == 0, result
    assert result["schema"] == "cells-migrate/apply/1"
    assert result["status"] == "done"
    assert result["counts"]["failed"] == 0
    assert result["counts"]["done"] >= len(wanted) > 20
    code, report = run_json(config, "verify")
    assert (code, report["ok"], report["missing"], report["different"]) == (0, True, [], [])
    assert report["checked"] >= len(wanted)
    left = [a for a in plan_actions(config) if a["action"] not in ("noop", "skip")]
    assert left == []
    code, _, _ = run(config, "plan", "--detailed-exitcode")
    assert code == 0
    # the account the tool logs in with was never written
    writes = [r for r in emu.requests() if r["method"] == "PUT" and r["path"] == "/a/user/admin"]
    assert writes == []


def test_second_apply_changes_nothing(
    install: BuiltInstall, emu: EmulatorServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, install.root, emu)
    make_folders(config)
    assert run_json(config, "apply", "--yes")[0] == 0
    state = emu.state()
    code, result = run_json(config, "apply", "--yes")
    assert code == 0
    assert result["counts"]["failed"] == 0
    assert emu.state() == state


def test_rollback_restores_the_state_before_the_run_including_updates(
    install: BuiltInstall, emu: EmulatorServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, install.root, emu)
    make_folders(config)
    # Part of the install exists already, some of it drifted by hand: the run updates those.
    assert run_json(config, "apply", "--yes", "--stage", "datasources")[0] == 0
    assert run_json(config, "apply", "--yes", "--stage", "groups", "--stage", "roles")[0] == 0
    code, rolled = run_json(config, "rollback", "--all", "--yes")
    assert code == 0, rolled
    pristine = comparable(emu.state())
    assert run_json(config, "apply", "--yes", "--stage", "datasources")[0] == 0
    assert run_json(config, "apply", "--yes", "--stage", "groups", "--stage", "roles")[0] == 0
    _drift_roles_and_groups(emu, config)
    before = comparable(emu.state())
    code, result = run_json(config, "apply", "--yes")
    assert code == 0, result
    assert comparable(emu.state()) != before
    code, report = run_json(config, "rollback", "--yes")
    assert code == 0, report
    assert report["undone"] > 20
    assert comparable(emu.state()) == before
    # The earlier runs: the objects changed by hand since they wrote them are refused …
    code, report = run_json(config, "rollback", "--all", "--yes")
    assert code == 3, report
    assert len(report["refused"]) == 2
    assert all("changed since run" in r for r in report["refused"])
    # … each naming the field changed, as the run wrote it → as it is now
    assert any("label: " in r and " → " in r for r in report["refused"]), report["refused"]
    # … unless forced: back to a fresh Cells
    code, report = run_json(config, "rollback", "--all", "--yes", "--force")
    assert code == 0, report
    assert comparable(emu.state()) == pristine


def _drift_roles_and_groups(emu: EmulatorServer, config: Path) -> None:
    """Change one of our roles' label and a group's display name by hand (the run will
    update them back)."""
    desired = commands.desired(load_config(config, {"PW": PASSWORD}), look_at_folders=False).desired
    auth = AuthConfig(method=AuthMethod.PAT, token=Secret(emu.mint_pat("admin")))
    with CellsClient(CellsConfig(url=emu.url, auth=auth), read_only=False) as client:
        role = client.get_role(desired.roles[0].uuid)
        assert role is not None
        client.put_role(replace(role, label="Renamed by hand", policies=()))
        group = client.list_groups()[0]
        client.put_group(replace(group, attributes=(("displayName", "Hand"),), policies=()))


def test_real_pydio8_sample_applies_and_verifies(emu: EmulatorServer, tmp_path: Path) -> None:
    root = tmp_path / "sample"
    shutil.copytree(SAMPLE, root)
    config = write_config(tmp_path, root, emu)
    make_folders(config)
    code, result = run_json(config, "apply", "--yes")
    assert code in (0, 3), result
    failed = [f for f in result["failures"] if f["status"] == "failed"]
    assert failed == [] or code == 3
    code, report = run_json(config, "verify")
    missing = {(m["kind"], m["key"]) for m in report["missing"]}
    failed_keys = {(f["kind"], f["key"]) for f in result["failures"]}
    assert missing <= failed_keys
    assert report["different"] == []


def test_apply_refuses_to_ask_without_a_terminal(
    install: BuiltInstall, emu: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path, install.root, emu)
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    code, _out, err = run(config, "apply")
    assert code == 1
    assert "--yes" in err
    assert [r for r in emu.requests() if r["method"] in ("PUT", "DELETE")] == []


def test_later_stage_refused_before_earlier_ones_unless_forced(
    install: BuiltInstall, emu: EmulatorServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, install.root, emu)
    make_folders(config)
    code, _out, err = run(config, "apply", "--yes", "--stage", "users")
    assert code == 1
    assert "earlier stage(s) not completed: datasources" in err
    assert "--stage datasources" in err
    code, result = run_json(config, "apply", "--yes", "--stage", "groups", "--force")
    assert code == 0
    assert set(result["by_stage"]) == {"groups"}


def test_saved_plan_applied_exactly_and_refused_when_stale(
    install: BuiltInstall, emu: EmulatorServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, install.root, emu)
    make_folders(config)
    saved = tmp_path / "plan.json"
    assert run(config, "plan", "--out", str(saved), "--stage", "datasources")[0] == 0
    code, result = run_json(config, "apply", str(saved))
    assert code == 0
    assert set(result["by_stage"]) == {"datasources"}
    code, _out, err = run(config, "apply", str(saved))
    assert code == 1
    assert "stale" in err


def test_blockers_in_the_legacy_data_refuse_apply_unless_forced(
    install: BuiltInstall, emu: EmulatorServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, install.root, emu)
    make_folders(config)
    db = install.data_path / "plugins" / "conf.sql" / "pydio.db"
    with sqlite3.connect(db) as conn:  # a login that differs from another only by case
        conn.execute(
            "INSERT INTO ajxp_users (login, password, groupPath) VALUES ('USER00001', 'x', '/')"
        )
    code, _out, err = run(config, "apply", "--yes")
    assert code == 1
    assert "blocker(s) in the legacy data must be fixed first" in err
    assert "login-clash" in err or "differ only by case" in err
    assert [r for r in emu.requests() if r["method"] in ("PUT", "DELETE")] == []
    code, result = run_json(config, "apply", "--yes", "--force")
    assert code in (0, 3)
    assert result["counts"]["done"] > 20


def test_status_resume_and_rollback_by_stage(
    install: BuiltInstall, emu: EmulatorServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, install.root, emu)
    make_folders(config)
    code, out, _err = run(config, "status")
    assert (code, out) == (0, "No runs recorded yet.\n")
    code, _out, err = run(config, "resume")
    assert code == 1
    assert "nothing has run yet" in err
    assert run_json(config, "apply", "--yes")[0] == 0
    code, out, _err = run(config, "status")
    assert code == 0
    assert out.startswith("run 1  apply  done  started ")
    assert "    acls        " in out
    code, _out, err = run(config, "resume")
    assert code == 1
    assert "nothing to resume" in err
    code, report = run_json(config, "rollback", "--stage", "acls", "--yes")
    assert code == 0
    assert report["undone"] > 10
    code, verdict = run_json(config, "verify")
    assert code == 1
    assert verdict["missing"]
    assert {m["kind"] for m in verdict["missing"]} == {"acl"}
    assert verdict["different"] == []
    status = json.loads(run(config, "status", "--json")[1])
    assert [r["command"] for r in status["runs"]] == ["rollback", "apply"]
    assert status["runs"][1]["counts"]["rolled_back"] == report["undone"]


def test_rollback_never_deletes_a_group_that_still_holds_users(
    install: BuiltInstall, emu: EmulatorServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, install.root, emu)
    make_folders(config)
    assert run_json(config, "apply", "--yes")[0] == 0
    users = len(emu.state()["users"])
    code, report = run_json(config, "rollback", "--stage", "groups", "--yes")
    assert code == 3
    assert report["refused"]
    assert all("deleting it would delete them too" in r for r in report["refused"])
    assert len(emu.state()["users"]) == users


def test_a_legacy_team_keeps_its_owner_as_cells_gives_a_teams_owner(
    install: BuiltInstall, emu: EmulatorServer, tmp_path: Path
) -> None:
    """Issue 17: the team role gets the owner's policies (role-autoapplies-and-teams.yaml:
    OWNER <owner Uuid>, READ/WRITE user:<login>, READ/WRITE profile:admin), and a second
    plan finds nothing to change."""
    config = write_config(tmp_path, install.root, emu)
    make_folders(config)
    desired = commands.desired(load_config(config, {"PW": PASSWORD}), look_at_folders=False)
    (team,) = [r for r in desired.desired.roles if r.owner]
    assert run_json(config, "apply", "--yes")[0] == 0
    state = emu.state()
    owner_uuid = next(u["Uuid"] for u in state["users"] if u["Login"] == team.owner)
    role = next(r for r in state["roles"] if r["Uuid"] == team.uuid)
    policies = {(p["Action"], p["Subject"]) for p in role["Policies"]}
    assert policies == {
        ("OWNER", owner_uuid),
        ("READ", f"user:{team.owner}"),
        ("WRITE", f"user:{team.owner}"),
        ("READ", "profile:admin"),
        ("WRITE", "profile:admin"),
    }
    assert role["IsTeam"] is True
    roles = [a for a in plan_actions(config) if a["kind"] == "role"]
    assert {a["action"] for a in roles} <= {"noop", "skip"}
