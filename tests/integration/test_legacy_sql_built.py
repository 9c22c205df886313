"""A built sample install (every trap included) is extracted exactly, on every backend.

The builder writes through the real pydio-core create scripts and real row shapes; its
ground truth (``BuiltInstall.expected``) holds the objects and the findings an extractor
must return: nothing missing, nothing extra.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from migrate.legacy.findings import acl_key
from migrate.legacy.model import (
    Era,
    FindingKind,
    HashFormat,
    Inventory,
    RoleKind,
    Severity,
)
from migrate.legacy.sql import read_inventory_sql
from migrate.sample import BuiltInstall, InstallSpec, build_install
from migrate.sample.ids import DEAD_WORKSPACE, login_of

if TYPE_CHECKING:
    from tests.support.databases import TestDatabase

pytestmark = pytest.mark.integration

SPEC = InstallSpec(users=12, groups=3, roles=2, teams=1, workspaces=10, rights=40, damage=True)


@pytest.fixture(scope="module")
def built(dialect: TestDatabase, tmp_path_factory: pytest.TempPathFactory) -> BuiltInstall:
    root = tmp_path_factory.mktemp("install")
    url = None if dialect.name == "sqlite" else dialect.url
    return build_install(root, dialect=dialect.name, db_url=url, spec=SPEC)


@pytest.fixture(scope="module")
def inventory(built: BuiltInstall) -> Inventory:
    return read_inventory_sql(built.db_url, static_workspaces=built.static_workspaces)


def test_objects_are_exactly_the_ground_truth(built: BuiltInstall, inventory: Inventory) -> None:
    expected = built.expected
    assert expected is not None
    assert inventory.users == expected.users
    assert inventory.groups == expected.groups
    assert inventory.roles == expected.roles
    assert inventory.workspaces == expected.workspaces
    assert inventory.shares == expected.shares


def test_every_trap_is_reported_and_nothing_else(built: BuiltInstall, inventory: Inventory) -> None:
    assert built.expected is not None
    got = {(f.code, f.kind, f.key) for f in inventory.findings}
    want = {(f.code, f.kind, f.key) for f in built.expected.findings}
    assert got == want
    codes = {f.code for f in inventory.findings}
    assert codes == {
        "corrupt-role",
        "dangling-right",
        "dangling-role",
        "orphan-role",
        "unsupported-driver",
        "unsafe-login",
        "slug-clash",
        "no-password",
        "invalid-utf8",
        "legacy-rights",
        "dangling-share",
    }


def test_findings_tell_the_admin_what_to_do(inventory: Inventory) -> None:
    by_code = {f.code: f for f in inventory.findings}
    dangling = by_code["dangling-right"]
    assert dangling.key == acl_key(f"AJXP_USR_/{login_of(1)}", DEAD_WORKSPACE)
    assert dangling.severity is Severity.WARNING
    assert "not migrated" in dangling.message
    assert "Re-save it" in by_code["corrupt-role"].message
    assert by_code["no-password"].kind is FindingKind.USER
    for finding in inventory.findings:
        leaked = "sha256:" in finding.message  # never shown: a hash must not be printed
        assert not leaked, f"finding {finding.code} on {finding.key} shows a password hash"
        assert "secret" not in finding.message.lower()


def test_values_of_every_era_and_shape(inventory: Inventory) -> None:
    users = inventory.users_by_login()
    roles = inventory.roles_by_id()
    assert inventory.source.era is Era.PYDIO_8
    assert {r.class_name for r in inventory.roles} == {
        "Pydio\\Conf\\Core\\AJXP_Role",
        "AJXP_Role",
        "AjxpRole",
    }
    assert roles["legacy-role"].auto_applies == ("all",)
    assert roles["ROOT_ROLE"].auto_applies == ("standard", "admin")
    mask = roles["role-00"].masks[0]
    assert [(r.path, r.permission, r.deny) for r in mask.rules] == [
        ("/docs/private", 4, True),
        ("/public", 1, False),
    ]
    assert roles["team-0-100"].kind is RoleKind.TEAM
    assert users["user00004"].roles == ("AJXP_USR_/user00004", "role-01")  # $json$ roles
    assert [a.workspace_id for a in users["user00003"].legacy_rights] != []
    assert users["user00003"].hash_format is HashFormat.MD5
    assert users["ldap.user"].password_hash is None
    assert users["ldap.user"].hash_format is HashFormat.NONE
    assert users["Mixed.Case"].login_lower == "mixed.case"
    assert users["Mixed.Case"].personal_role_id == "AJXP_USR_/Mixed.Case"
    leaked = "sha256" in repr(users["admin"])
    assert not leaked, "the repr of a user shows its password hash"


def test_counts(built: BuiltInstall, inventory: Inventory) -> None:
    assert built.expected is not None
    counts = inventory.counts()
    assert counts["users"] == len(built.expected.users) == SPEC.users + 5
    assert counts["groups"] == SPEC.groups
    assert counts["shares"] == 3
    rights = sum(len(r.acls) for r in built.expected.roles) + 1  # + one 4.x right
    assert counts["rights"] == rights


def test_install_layout(built: BuiltInstall) -> None:
    bootstrap = json.loads(
        (built.data_path / "plugins" / "boot.conf" / "bootstrap.json").read_text("utf-8")
    )
    assert bootstrap["core.conf"]["UNIQUE_INSTANCE_CONFIG"]["instance_name"] == "conf.sql"
    dibi = bootstrap["core.conf"]["DIBI_PRECONFIGURATION"]
    switch = {"sqlite": "sqlite3", "mysql": "mysql", "postgresql": "postgre"}[built.dialect]
    assert dibi["group_switch_value"] == switch
    assert (built.conf_path / "bootstrap_repositories.php").read_text("utf-8").startswith("<?php")
    assert (built.storage_path / "project-00000" / "README.txt").is_file()


def test_dialect_specific_storage(built: BuiltInstall) -> None:
    """MySQL roles are TEXT holding NULs; PostgreSQL columns are quoted camelCase."""
    engine = sa.create_engine(built.db_url)
    try:
        with engine.connect() as conn:
            if built.dialect == "mysql":
                sql = "SELECT COUNT(*) FROM ajxp_roles WHERE LOCATE(CHAR(0), serial_role) > 0"
                assert (conn.exec_driver_sql(sql).scalar() or 0) > 0
            if built.dialect == "postgresql":
                sql = 'SELECT COUNT(*) FROM ajxp_users WHERE "groupPath" IS NOT NULL'
                assert (conn.exec_driver_sql(sql).scalar() or 0) > 0
            options = conn.exec_driver_sql(
                "SELECT COUNT(*) FROM ajxp_repo_options WHERE name = 'META_SOURCES'"
            ).scalar()
            assert (options or 0) > 0
    finally:
        engine.dispose()


def test_reading_twice_gives_the_same_inventory(built: BuiltInstall, inventory: Inventory) -> None:
    again = read_inventory_sql(built.db_url, static_workspaces=built.static_workspaces)
    assert again == inventory


def test_builder_refuses_a_non_empty_database(built: BuiltInstall, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not empty"):
        build_install(tmp_path, dialect=built.dialect, db_url=built.db_url, spec=SPEC)
