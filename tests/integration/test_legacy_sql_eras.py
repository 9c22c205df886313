"""Older schemas read through the same extractor: AjaXplorer 4.2.3 (MariaDB) and Pydio 6.4.2
(every backend), created from their real create scripts and filled with era-typical rows."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from migrate.legacy.model import Era, FindingKind, HashFormat, LegacyAcl, MaskRule, RoleKind
from migrate.legacy.sql import read_inventory_sql
from migrate.sample.phpwrite import PhpCustom, PhpObj, dumps
from migrate.sample.sqlscript import run_script
from migrate.sample.writer import BatchWriter

if TYPE_CHECKING:
    from tests.support.databases import TestDatabase

pytestmark = pytest.mark.integration

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "legacy-schema"
SUFFIX = {"sqlite": "sqlite", "mariadb": "mysql", "postgresql": "pgsql"}


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _load(url: str, scripts: list[Path], rows: list[tuple[str, dict[str, object]]]) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for script in scripts:
                run_script(conn, script.read_text(encoding="utf-8"))
            writer = BatchWriter(conn, 100)
            for table, row in rows:
                writer.add(table, row)
            writer.close()
    finally:
        engine.dispose()


def test_ajaxplorer_423_on_mariadb(mariadb: TestDatabase) -> None:
    """4.x: no groupPath, md5 passwords, per-workspace rights rows, bare-serialized roles."""
    editors = dumps(
        PhpObj(
            "AjxpRole",
            (
                ("id", "private", "editors"),
                ("rights", "private", {"0": "rw", "ajxp.actions": {"0": {"upload": False}}}),
                ("default", "private", False),
            ),
        )
    )
    rows: list[tuple[str, dict[str, object]]] = [
        ("ajxp_users", {"login": "admin", "password": _md5("admin-pass")}),
        ("ajxp_users", {"login": "bob", "password": _md5("bob-pass")}),
        ("ajxp_roles", {"role_id": "editors", "serial_role": editors}),
        ("ajxp_user_rights", {"login": "admin", "repo_uuid": "ajxp.admin", "rights": "1"}),
        ("ajxp_user_rights", {"login": "admin", "repo_uuid": "0", "rights": "rw"}),
        ("ajxp_user_rights", {"login": "admin", "repo_uuid": "1", "rights": "rw"}),
        ("ajxp_user_rights", {"login": "bob", "repo_uuid": "ajxp.admin", "rights": "0"}),
        ("ajxp_user_rights", {"login": "bob", "repo_uuid": "0", "rights": "r"}),
        (
            "ajxp_user_rights",
            {
                "login": "bob",
                "repo_uuid": "ajxp.roles",
                "rights": dumps({"editors": True}).decode(),
            },
        ),
        (
            "ajxp_user_rights",
            {"login": "bob", "repo_uuid": "ajxp.actions", "rights": "a:1:{i:0;a:0:{}}"},
        ),
    ]
    folder = SCHEMAS / "ajaxplorer-core-4.2.3"
    _load(mariadb.url, [folder / "conf.sql__create.sql", folder / "auth.sql__create.sql"], rows)
    inventory = read_inventory_sql(mariadb.url)
    assert inventory.source.era is Era.AJXP_4
    users = inventory.users_by_login()
    admin, bob = users["admin"], users["bob"]
    assert (admin.is_admin, admin.group_path, admin.hash_format) == (True, "/", HashFormat.MD5)
    assert admin.legacy_rights == (
        LegacyAcl(workspace_id="0", right="rw"),
        LegacyAcl(workspace_id="1", right="rw"),
    )
    assert bob.legacy_rights == (LegacyAcl(workspace_id="0", right="r"),)
    assert bob.roles == ("editors",)
    assert bob.effective_profile == "standard"
    (role,) = inventory.roles
    assert (role.role_id, role.class_name, role.auto_applies) == ("editors", "AjxpRole", ())
    assert role.acls == (LegacyAcl(workspace_id="0", right="rw"),)
    assert {(f.code, f.kind, f.key) for f in inventory.findings} == {
        ("legacy-rights", FindingKind.USER, "admin"),
        ("legacy-rights", FindingKind.USER, "bob"),
    }
    assert inventory.counts()["rights"] == 4


def test_pydio_642_on_every_backend(dialect: TestDatabase) -> None:
    """6.2-6.4: short AJXP_Role class with 8 properties, C: masks, last_updated, no owner."""
    mask = PhpCustom(
        "AJXP_PermissionMask",
        {"docs": PhpObj("AJXP_Permission", (("value", "private", 1),))},
    )
    role = PhpObj(
        "AJXP_Role",
        (
            ("groupPath", "protected", "/"),
            ("roleId", "protected", "AJXP_GRP_/sales"),
            ("acls", "protected", {"ws1": "rw"}),
            ("parameters", "protected", {}),
            ("actions", "protected", {}),
            ("autoApplies", "protected", []),
            ("masks", "protected", {"ws1": mask}),
            ("lastUpdated", "protected", 1450000000),
        ),
    )
    rows: list[tuple[str, dict[str, object]]] = [
        ("ajxp_users", {"login": "ann", "password": _md5("x"), "groupPath": "/sales"}),
        ("ajxp_user_rights", {"login": "ann", "repo_uuid": "ajxp.admin", "rights": "0"}),
        ("ajxp_groups", {"groupPath": "/sales", "groupLabel": "Sales"}),
        (
            "ajxp_roles",
            {"role_id": "AJXP_GRP_/sales", "serial_role": dumps(role), "last_updated": 1450000001},
        ),
        (
            "ajxp_repo",
            {
                "uuid": "ws1",
                "display": "Sales",
                "accessType": "fs",
                "slug": "sales",
                "path": "/srv/sales",
                "isTemplate": False,
            },
        ),
        ("ajxp_repo_options", {"uuid": "ws1", "name": "PATH", "val": b"/srv/sales"}),
    ]
    folder = SCHEMAS / "pydio-core-6.4.2"
    suffix = SUFFIX[dialect.name]
    scripts = [folder / f"conf.sql__create.{suffix}", folder / f"auth.sql__create.{suffix}"]
    _load(dialect.url, scripts, rows)
    inventory = read_inventory_sql(dialect.url)
    assert inventory.source.era is Era.PYDIO_6_2
    assert inventory.findings == ()
    (group_role,) = inventory.roles
    assert group_role.kind is RoleKind.GROUP
    assert group_role.last_updated == 1450000001
    assert group_role.masks[0].rules == (MaskRule(path="/docs", permission=1),)
    (ann,) = inventory.users
    assert (ann.group_path, ann.group_role_ids[-1]) == ("/sales", "AJXP_GRP_/sales")
    (ws,) = inventory.workspaces
    assert (ws.workspace_id, ws.slug, ws.path, ws.is_template) == (
        "ws1",
        "sales",
        "/srv/sales",
        False,
    )


@pytest.mark.parametrize(
    ("folder", "era"),
    [
        ("ajaxplorer-core-5.0.3", Era.PYDIO_5),
        ("pydio-core-5.3.4", Era.PYDIO_5),
        ("pydio-core-6.0.8", Era.PYDIO_6_0),
        ("pydio-core-6.4.2", Era.PYDIO_6_2),
    ],
)
def test_era_of_each_release_schema(folder: str, era: Era, tmp_path: Path) -> None:
    """The era comes from the tables and columns the release's own SQLite scripts create."""
    url = f"sqlite:///{tmp_path / 'pydio.db'}"
    scripts = [
        SCHEMAS / folder / "conf.sql__create.sqlite",
        SCHEMAS / folder / "auth.sql__create.sqlite",
    ]
    _load(url, [s for s in scripts if s.exists()], [])
    inventory = read_inventory_sql(url)
    assert inventory.source.era is era
    assert inventory.users == ()
    assert inventory.findings == ()
