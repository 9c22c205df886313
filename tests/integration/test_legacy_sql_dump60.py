"""The real 6.0-era mysqldump of pydio-core (``dist/docker/create.mysql``) loads into MariaDB
and extracts correctly: admin user, PBKDF2 hash of ``P@ssw0rd``, 6-property ``AJXP_Role``
rows with NULs, ``ROOT_ROLE``, rights on the stock static workspaces only."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from migrate.legacy.model import (
    Era,
    HashFormat,
    Inventory,
    LegacyAcl,
    LegacyWorkspace,
    RoleKind,
    WorkspaceSource,
)
from migrate.legacy.sql import read_inventory_sql
from migrate.sample.sqlscript import run_script

if TYPE_CHECKING:
    from tests.support.databases import TestDatabase

pytestmark = pytest.mark.integration

DUMP = Path(__file__).resolve().parents[1] / "data" / "legacy-schema" / "dist-docker__create.mysql"

# conf/bootstrap_repositories.php of 6.0 (legacy-model.md §8.4: 0, 1, ajxp_user, ajxp_home,
# ajxp_conf, fs_template), as the install-discovery layer hands them over
STATIC_60 = tuple(
    LegacyWorkspace(
        workspace_id=key, slug=slug, display=label, driver=driver, source=WorkspaceSource.STATIC
    )
    for key, slug, label, driver in (
        ("0", "default", "Default Files", "fs"),
        ("1", "my-files", "My Files", "fs"),
        ("ajxp_user", "dashboard", "Dashboard", "ajxp_user"),
        ("ajxp_home", "welcome", "Welcome", "ajxp_home"),
        ("ajxp_conf", "settings", "Settings", "ajxp_conf"),
        ("fs_template", "", "Sample Template", "fs"),
    )
)


@pytest.fixture(scope="module")
def inventory(mariadb: TestDatabase) -> Inventory:
    engine = sa.create_engine(mariadb.url)
    try:
        with engine.begin() as conn:
            run_script(conn, DUMP.read_text(encoding="utf-8"))
    finally:
        engine.dispose()
    return read_inventory_sql(mariadb.url, static_workspaces=STATIC_60)


def test_era_and_build(inventory: Inventory) -> None:
    assert inventory.source.era is Era.PYDIO_6_0
    assert inventory.source.db_build == 60
    assert "ajxp_roles.last_updated" not in inventory.source.features
    assert inventory.findings == ()


def test_admin_user(inventory: Inventory) -> None:
    (admin,) = inventory.users
    assert (admin.login, admin.group_path, admin.is_admin) == ("admin", "/", True)
    assert admin.effective_profile == "admin"
    assert admin.roles == ("ROOT_ROLE", "AJXP_USR_/admin")
    assert admin.display_name == "admin"
    assert admin.hash_format is HashFormat.PBKDF2
    assert admin.password_hash is not None
    algo, iterations, salt, digest = admin.password_hash.reveal().split(":")
    want = base64.b64decode(digest)
    got = hashlib.pbkdf2_hmac(algo, b"P@ssw0rd", salt.encode(), int(iterations), len(want))
    ok = got == want
    assert ok, "the admin hash does not verify with the documented password"


def test_roles(inventory: Inventory) -> None:
    roles = inventory.roles_by_id()
    assert sorted(roles) == [
        "AJXP_USR_/admin",
        "GUEST",
        "MINISITE",
        "MINISITE_NODOWNLOAD",
        "ROOT_ROLE",
    ]
    assert {r.class_name for r in roles.values()} == {"AJXP_Role"}
    root = roles["ROOT_ROLE"]
    assert root.label == "Root Role"
    assert root.auto_applies == ("standard", "admin")
    assert root.acls == (
        LegacyAcl(workspace_id="1", right="rw"),
        LegacyAcl(workspace_id="ajxp_user", right="rw"),
        LegacyAcl(workspace_id="ajxp_home", right="rw"),
    )
    assert roles["GUEST"].auto_applies == ("guest",)
    assert roles["AJXP_USR_/admin"].kind is RoleKind.USER
    assert [a.workspace_id for a in roles["AJXP_USR_/admin"].acls] == [
        "1",
        "ajxp_user",
        "ajxp_home",
        "ajxp_conf",
        "0",
        "fs_template",
    ]
    assert roles["MINISITE"].actions.get_map("AJXP_REPO_SCOPE_SHARED").keys()[0] == "access.fs"


def test_workspaces_are_the_static_ones(inventory: Inventory) -> None:
    assert inventory.workspaces == tuple(sorted(STATIC_60, key=lambda w: w.workspace_id))
    assert inventory.counts() == {
        "users": 1,
        "groups": 0,
        "roles": 5,
        "workspaces": 6,
        "rights": 9,
        "shares": 0,
    }
