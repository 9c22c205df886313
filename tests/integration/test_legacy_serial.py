"""conf.serial/auth.serial installs, 4.x and 6.4 layouts, read end to end into exact objects.

The installs are written at test time by tests/builders/ser_install.py (a test-side PHP
serializer) into a temporary folder, with traps: a truncated personal role.ser, a roles.ser
entry that is not a role, a right on a workspace that does not exist, a login with a space,
a login and a display name that are not UTF-8, a rights.ser with a wrong string length, a
user folder without a users.ser entry, a users.ser entry without a folder.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.cli import main
from migrate.config import LegacyConfig
from migrate.errors import LegacyError
from migrate.legacy.bootstrap import discover_install
from migrate.legacy.model import (
    DENY,
    Era,
    FindingKind,
    HashFormat,
    Inventory,
    LegacyAcl,
    LegacyGroup,
    LegacyMap,
    LegacyMask,
    LegacyRole,
    LegacyUser,
    LegacyWorkspace,
    MaskRule,
    RoleKind,
    Severity,
    WorkspaceSource,
)
from migrate.legacy.serial import read_inventory_serial
from migrate.progress import NullProgress
from migrate.secret import Secret
from tests.builders import ser_install as ser

pytestmark = pytest.mark.integration

PROJECTS, ARCHIVE, SHARED, GONE = ser.WS_PROJECTS, ser.WS_ARCHIVE, ser.WS_SHARED, ser.WS_GONE
RENE = "ren\ufffd"


def read(root: Path, progress: NullProgress | None = None) -> Inventory:
    return read_inventory_serial(
        discover_install(LegacyConfig(install_path=root)), progress=progress
    )


@pytest.fixture(scope="module")
def pydio64(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pydio64")
    ser.build_pydio64(root)
    return root


@pytest.fixture(scope="module")
def ajxp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ajxp4")
    ser.build_ajxp4(root)
    return root


def user(login: str, **fields: object) -> LegacyUser:
    return LegacyUser(login=login, login_lower=login.lower(), **fields)  # type: ignore[arg-type]


def acl(workspace_id: str, right: str) -> LegacyAcl:
    return LegacyAcl(workspace_id=workspace_id, right=right)


def core(**params: str) -> LegacyMap:
    return LegacyMap.from_python({"AJXP_REPO_SCOPE_ALL": {"core.conf": params}})


def test_64_users_exact(pydio64: Path) -> None:
    progress = NullProgress()
    inventory = read(pydio64, progress)
    assert inventory.users == (
        user("admin", password_hash=Secret(ser.HASH_ADMIN), hash_format=HashFormat.PBKDF2,
             is_admin=True, display_name="Administrator", email="admin@example.org",
             roles=("AJXP_USR_/admin",)),
        user("alice", password_hash=Secret(ser.HASH_ALICE), hash_format=HashFormat.PBKDF2,
             group_path="/sales", profile="standard", display_name="Alice Martin",
             email="alice@example.org", lang="fr", roles=("AJXP_USR_/alice", "editors"),
             role_order=(("AJXP_USR_/alice", 0), ("editors", 1))),
        user("bob", password_hash=Secret(ser.HASH_BOB_MD5), hash_format=HashFormat.MD5,
             group_path="/sales/emea"),
        user("ghost", password_hash=Secret(ser.HASH_GHOST), hash_format=HashFormat.PBKDF2,
             has_conf_row=False),
        user("john doe", password_hash=Secret(ser.HASH_JOHN), hash_format=HashFormat.PBKDF2,
             profile="shared", parent_user="alice", display_name="John \ufffd Doe"),
        user(RENE, password_hash=Secret(ser.HASH_RENE_MD5), hash_format=HashFormat.MD5),
        user("zed", has_auth_row=False),
    )  # fmt: skip
    assert progress.phases == [("serial users", 6)]  # user folders; ghost has none
    assert progress.done == 6


def test_64_groups_roles_workspaces_exact(pydio64: Path) -> None:
    inventory = read(pydio64)
    assert inventory.source.kind == "serial"
    assert inventory.source.era is Era.PYDIO_6_2
    assert inventory.groups == (
        LegacyGroup(path="/sales", label="Sales"),
        LegacyGroup(path="/sales/emea", label="EMEA"),
    )
    roles = inventory.roles_by_id()
    assert sorted(roles) == [
        "AJXP_GRP_/",
        "AJXP_GRP_/sales",
        "AJXP_USR_/admin",
        "AJXP_USR_/alice",
        "AJXP_USR_/john doe",
        "AJXP_USR_/zed",
        "editors",
    ]  # fmt: skip  -- bob's role.ser is corrupt, "broken" is not a role
    assert roles["AJXP_USR_/alice"] == LegacyRole(
        role_id="AJXP_USR_/alice",
        kind=RoleKind.USER,
        label="AJXP_USR_/alice",  # role.ser wins over the stale roles.ser copy
        acls=(acl(PROJECTS, "rw"), acl(ARCHIVE, DENY)),
        parameters=core(USER_DISPLAY_NAME="Alice Martin", email="alice@example.org", lang="fr"),
        masks=(LegacyMask(workspace_id=PROJECTS, rules=(
            MaskRule(path="/docs/private", permission=4),
            MaskRule(path="/public", permission=1))),),
        class_name="AJXP_Role",
        last_updated=ser.UPDATED,
    )  # fmt: skip
    assert roles["editors"] == LegacyRole(
        role_id="editors",
        kind=RoleKind.ROLE,
        label="Editors",
        acls=(acl(PROJECTS, "rw"), acl(GONE, "r")),
        parameters=core(ROLE_DISPLAY_NAME="Editors"),
        auto_applies=("standard",),
        class_name="AJXP_Role",
        last_updated=ser.UPDATED,
    )  # fmt: skip
    assert roles["AJXP_GRP_/sales"].group_path == "/"
    assert roles["AJXP_GRP_/"].label == "Root Group"
    workspaces = inventory.workspaces_by_id()
    assert sorted(workspaces) == sorted(
        ["0", "1", "ajxp_user", "ajxp_home", "inbox", "ajxp_conf", "fs_template",
         PROJECTS, ARCHIVE, SHARED]
    )  # fmt: skip
    assert workspaces[ARCHIVE] == LegacyWorkspace(
        workspace_id=ARCHIVE, slug="archive", display="Archive", driver="s3",
        source=WorkspaceSource.SERIAL,
        options=LegacyMap.from_python({"API_KEY": "AKIAFIXTURE", "CONTAINER": "archive"}),
        secret_options=(("SECRET_KEY", Secret("fixture/secret")),), create=True,
    )  # fmt: skip
    assert workspaces[SHARED] == LegacyWorkspace(
        workspace_id=SHARED, slug="alice-share", display="Alice's share", driver="fs",
        source=WorkspaceSource.SERIAL, path="/srv/data/projects/alice",
        options=LegacyMap.from_python({"PATH": "/srv/data/projects/alice"}),
        parent_id=PROJECTS, owner="alice", group_path="/sales", infer_options_from_parent=True,
        create=True,
    )  # fmt: skip
    assert workspaces[SHARED].shared_child
    assert workspaces[PROJECTS].slug == "projects"
    assert workspaces["0"].source is WorkspaceSource.STATIC
    assert inventory.shares == ()


def test_64_findings_exact(pydio64: Path) -> None:
    inventory = read(pydio64)
    assert [(f.severity, f.kind, f.key, f.code) for f in inventory.findings] == [
        # a role that cannot be decoded may hold a deny: a blocker (issue 12)
        (Severity.BLOCKER, FindingKind.ROLE, "AJXP_USR_/bob", "corrupt-role"),
        (Severity.BLOCKER, FindingKind.ROLE, "broken", "corrupt-role"),
        (Severity.WARNING, FindingKind.ACL, f"editors#{GONE}", "dangling-right"),
        (Severity.WARNING, FindingKind.ROLE, "AJXP_USR_/john doe", "invalid-utf8"),
        (Severity.WARNING, FindingKind.USER, "john doe", "unsafe-login"),
        (Severity.WARNING, FindingKind.USER, RENE, "invalid-utf8"),
        (Severity.WARNING, FindingKind.USER, RENE, "unsafe-login"),
        (Severity.WARNING, FindingKind.USER, "zed", "no-password"),
        (Severity.INFO, FindingKind.USER, "ghost", "no-conf-row"),
    ]
    shown = repr(inventory) + "".join(f.message for f in inventory.findings)
    for secret in (ser.HASH_ADMIN, ser.HASH_ALICE, ser.HASH_BOB_MD5, "fixture/secret"):
        assert secret not in shown


def test_4x_install_exact(ajxp4: Path) -> None:
    inventory = read(ajxp4)
    assert inventory.source.era is Era.AJXP_4
    rights = (("0", "rw"), ("1", "rw"), ("ajxp_conf", "rw"), (PROJECTS, "rw"), (GONE, "r"))
    legacy = [acl(w, r) for w, r in rights]
    assert inventory.users == (
        user("Paul", password_hash=Secret(ser.HASH_RENE_MD5), hash_format=HashFormat.MD5,
             roles=("readers",), legacy_rights=tuple(legacy[3:])),
        user("admin", password_hash=Secret(ser.HASH_BOB_MD5), hash_format=HashFormat.MD5,
             is_admin=True, roles=("readers",), legacy_rights=tuple(legacy[:3])),
        user("eve", password_hash=Secret("5ebe2294ecd0e0f08eab7690d2a6ee69"),
             hash_format=HashFormat.MD5, has_conf_row=False),
    )  # fmt: skip
    assert inventory.roles == (
        LegacyRole(
            role_id="readers",
            kind=RoleKind.ROLE,
            label="readers",
            acls=(acl(PROJECTS, "r"), acl("1", "rw")),
            actions=LegacyMap.from_python({PROJECTS: {"plugin.all": {"upload": False}}}),
            auto_applies=("all",),
            class_name="AjxpRole",
        ),
    )  # fmt: skip
    workspaces = inventory.workspaces_by_id()
    assert workspaces[PROJECTS] == LegacyWorkspace(
        workspace_id=PROJECTS, slug="team-projects", display="Team Projects", driver="fs",
        source=WorkspaceSource.SERIAL, path="/var/ajxp/projects",
        options=LegacyMap.from_python({"PATH": "/var/ajxp/projects", "CREATE": False}),
        create=True,
    )  # fmt: skip
    assert workspaces["predefined_ftp"].secret_option("PASS") == Secret("guest@example.com")
    assert inventory.groups == ()
    assert [(f.severity, f.kind, f.key, f.code) for f in inventory.findings] == [
        (Severity.WARNING, FindingKind.ACL, f"AJXP_USR_/Paul#{GONE}", "dangling-right"),
        (Severity.WARNING, FindingKind.USER, "eve", "corrupt-value"),
        (Severity.WARNING, FindingKind.WORKSPACE, "predefined_ftp", "unsupported-driver"),
        (Severity.INFO, FindingKind.USER, "Paul", "legacy-rights"),
        (Severity.INFO, FindingKind.USER, "admin", "legacy-rights"),
        (Severity.INFO, FindingKind.USER, "eve", "no-conf-row"),
        (Severity.INFO, FindingKind.WORKSPACE, PROJECTS, "missing-slug"),
    ]
    assert "rights.ser cannot be decoded (PHP serial: expected '\"' at byte 36)" in (
        inventory.findings[1].message
    )


def test_corrupt_users_ser_is_a_blocker_finding(tmp_path: Path) -> None:
    ser.build_ajxp4(tmp_path)
    users = tmp_path / "data" / "plugins" / "auth.serial" / "users.ser"
    users.write_bytes(users.read_bytes()[:-7])
    inventory = read(tmp_path)
    blockers = [f for f in inventory.findings if f.severity is Severity.BLOCKER]
    assert [(f.key, f.code) for f in blockers] == [("users.ser", "corrupt-file")]
    assert [u.login for u in inventory.users] == ["Paul", "admin"]  # still read, without hashes
    assert all(not u.has_auth_row for u in inventory.users)


@pytest.mark.parametrize("install", ["6.4", "4.x"])
def test_a_truncated_repo_ser_is_a_blocker_and_check_names_it(tmp_path: Path, install: str) -> None:
    """Issue 12: users migrated with no workspace (apply exited 0) when repo.ser was cut."""
    (ser.build_pydio64 if install == "6.4" else ser.build_ajxp4)(tmp_path)
    (repo,) = tmp_path.rglob("repo.ser")
    repo.write_bytes(repo.read_bytes()[:40])
    inventory = read(tmp_path)
    blockers = [f for f in inventory.findings if f.severity is Severity.BLOCKER]
    assert [(f.kind, f.key, f.code) for f in blockers if f.code == "workspace-store"] == [
        (FindingKind.WORKSPACE, str(repo), "workspace-store")
    ]
    config = tmp_path / "config.yaml"
    with EmulatorServer(EmulatorConfig(seed=1)) as emu:
        config.write_text(
            f"legacy:\n  install_path: {tmp_path}\ncells:\n  url: {emu.url}\n"
            "  auth:\n    method: pat\n    token: ${T}\n",
            encoding="utf-8",
        )
        out, err = io.StringIO(), io.StringIO()
        env = {"T": emu.mint_pat("admin")}
        code = main(["-q", "check", "-c", str(config)], env=env, stdout=out, stderr=err)
    assert code == 1
    assert f"workspace:{repo}" in out.getvalue()
    assert "cannot be decoded" in out.getvalue()


def test_reading_twice_gives_the_same_inventory(pydio64: Path) -> None:
    assert read(pydio64) == read(pydio64)


def test_sql_install_is_refused(tmp_path: Path) -> None:
    sample = Path(__file__).resolve().parents[1] / "data" / "pydio8-sqlite"
    install = discover_install(LegacyConfig(install_path=sample))
    with pytest.raises(LegacyError, match=r"uses conf\.sql, not conf\.serial"):
        read_inventory_serial(install)
