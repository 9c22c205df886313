"""Legacy damage that would change someone's access is a blocker naming the object (issue 12).

Each case damages a freshly built Pydio 8 install (SQLite, as Pydio's own code wrote it) the
way real installs get damaged: a role cut short, the workspace table or the static
workspaces file gone, ``..`` in a group path or a workspace folder, bytes that are not UTF-8
in a TEXT column (a login). (A truncated ``repo.ser``: tests/integration/test_legacy_serial.py.)
``check`` exits 1 and names the object and the fix; ``inventory`` and ``plan`` show the same
blocker; ``apply`` refuses it unless ``--force``, and then applies the rest.
"""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.cli import main
from migrate.sample import BuiltInstall, InstallSpec, build_install

pytestmark = pytest.mark.e2e

SPEC = InstallSpec(
    users=5, groups=2, roles=1, teams=0, workspaces=2, rights=4, real_hashes=1, traps=False
)
Damage = Callable[[BuiltInstall, sqlite3.Connection], None]


def _cut_role(install: BuiltInstall, db: sqlite3.Connection) -> None:
    db.execute(
        "UPDATE ajxp_roles SET serial_role = substr(serial_role, 1, 60) "
        "WHERE role_id = (SELECT min(role_id) FROM ajxp_roles WHERE role_id LIKE 'role%')"
    )


def _drop_repo(install: BuiltInstall, db: sqlite3.Connection) -> None:
    db.execute("DROP TABLE ajxp_repo")


def _no_statics(install: BuiltInstall, db: sqlite3.Connection) -> None:
    (install.conf_path / "bootstrap_repositories.php").unlink()


def _dotdot_group(install: BuiltInstall, db: sqlite3.Connection) -> None:
    db.execute("UPDATE ajxp_users SET groupPath = '/staff/../admins' WHERE login = 'user00002'")


def _dotdot_folder(install: BuiltInstall, db: sqlite3.Connection) -> None:
    db.execute(
        "UPDATE ajxp_repo_options SET val = 'AJXP_DATA_PATH/../../../etc' WHERE name = 'PATH' "
        "AND uuid = (SELECT min(uuid) FROM ajxp_repo_options WHERE name = 'PATH')"
    )


def _bad_login(install: BuiltInstall, db: sqlite3.Connection) -> None:
    for table in ("ajxp_users", "ajxp_user_rights"):
        db.execute(
            f"UPDATE {table} SET login = CAST(x'757365722d72e96e65' AS TEXT) "  # noqa: S608
            "WHERE login = 'user00003'"
        )


CASES: dict[str, tuple[Damage, str, str, str]] = {
    # name: (damage, finding code, the object named, a word of the fix)
    "undecodable role": (_cut_role, "corrupt-role", "role:role", "Re-save it"),
    "ajxp_repo missing": (_drop_repo, "workspace-store", "workspace:ajxp_repo", "backup"),
    "no bootstrap_repositories.php": (
        _no_statics,
        "workspace-store",
        "bootstrap_repositories.php",
        "backup",
    ),
    "dotdot group": (_dotdot_group, "unsafe-path", "group:/staff/..", "Move its users"),
    "dotdot folder": (_dotdot_folder, "unsafe-path", "/../../../etc", "PATH"),
    "invalid utf-8 login": (
        _bad_login,
        "invalid-utf8",
        "ajxp_users.login of row user-r\\xe9ne",
        "Correct the value",
    ),
}


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=6, index_delay_s=0.0)) as server:
        yield server


def _config(tmp: Path, root: Path, emu: EmulatorServer) -> Path:
    path = tmp / "config.yaml"
    path.write_text(
        f"legacy:\n  install_path: {root}\ncells:\n  url: {emu.url}\n"
        "  auth:\n    method: password\n    login: admin\n    password: ${PW}\n"
        f"state:\n  url: sqlite:///{tmp / 'state.db'}\n",
        encoding="utf-8",
    )
    return path


def _run(config: Path, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    command, *rest = argv
    code = main(
        ["-q", command, "-c", str(config), *rest], env={"PW": "admin"}, stdout=out, stderr=err
    )
    return code, out.getvalue(), err.getvalue()


def _damaged(tmp: Path, damage: Damage) -> BuiltInstall:
    install = build_install(tmp / "p8", dialect="sqlite", spec=SPEC)
    with sqlite3.connect(install.data_path / "plugins" / "conf.sql" / "pydio.db") as db:
        damage(install, db)
    return install


def _blockers(document: str) -> list[dict[str, str]]:
    return [f for f in json.loads(document)["findings"] if f["severity"] == "blocker"]


@pytest.mark.parametrize("case", list(CASES))
def test_damage_that_changes_access_is_a_blocker_in_check_inventory_and_plan(
    case: str, emu: EmulatorServer, tmp_path: Path
) -> None:
    damage, code, named, fix = CASES[case]
    config = _config(tmp_path, _damaged(tmp_path, damage).root, emu)
    exit_code, out, err = _run(config, "check")
    assert exit_code == 1, out + err
    lines = [line for line in out.splitlines() if code in line or named in line]
    assert any(named in line and fix in line for line in lines), out
    exit_code, out, _ = _run(config, "check", "--json")
    assert exit_code == 1
    assert code in {b["code"] for b in _blockers(out)}
    _, out, _ = _run(config, "inventory", "--json")
    assert code in {b["code"] for b in _blockers(out)}
    _, out, _ = _run(config, "plan")
    assert "Findings: 0 blocker(s)" not in out  # the findings section, as inventory's
    assert any(line.startswith("  [blocker] ") and named in line for line in out.splitlines())


def test_apply_refuses_the_blocker_unless_forced(emu: EmulatorServer, tmp_path: Path) -> None:
    config = _config(tmp_path, _damaged(tmp_path, _cut_role).root, emu)
    code, _, err = _run(config, "apply", "--yes", "--stage", "groups")
    assert code == 1
    assert "corrupt" in err or "cannot be decoded" in err
    assert [r for r in emu.requests() if r["method"] in ("PUT", "DELETE")] == []
    code, out, _ = _run(config, "apply", "--yes", "--force", "--stage", "groups", "--json")
    assert code == 0, out
    assert json.loads(out)["counts"]["done"] > 0


def test_a_label_that_is_not_utf8_is_a_warning_and_everything_is_read(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    def bad_label(install: BuiltInstall, db: sqlite3.Connection) -> None:
        db.execute("UPDATE ajxp_groups SET groupLabel = CAST(x'53e974e9' AS TEXT)")

    config = _config(tmp_path, _damaged(tmp_path, bad_label).root, emu)
    code, out, err = _run(config, "inventory", "--json")
    assert code == 0, err
    report = json.loads(out)
    labels = [f for f in report["findings"] if f["code"] == "invalid-utf8"]
    assert labels
    assert {f["severity"] for f in labels} == {"warning"}
    assert "ajxp_groups.grouplabel of row /" in labels[0]["message"]
    assert "(S\\xe9t\\xe9)" in labels[0]["message"]
    assert report["counts"]["groups"] == SPEC.groups
    assert _run(config, "check")[0] == 0
