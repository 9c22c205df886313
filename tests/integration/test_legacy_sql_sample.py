"""The real Pydio 8.2.5 sample must be read exactly as its ``expected.json`` says.

The sample is a SQLite file written by Pydio itself; for MariaDB and PostgreSQL its rows are
copied into tables made by the real create scripts of those dialects, so the same assertions
run on every backend (camelCase quoting, bytea/TEXT roles with NULs, booleans per dialect).
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa

from migrate.legacy.model import DENY, Era, HashFormat, Inventory, LegacyMap, RoleKind
from migrate.legacy.sql import read_inventory_sql
from migrate.sample.writer import BatchWriter, create_schema

if TYPE_CHECKING:
    from tests.support.databases import TestDatabase

pytestmark = pytest.mark.integration

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "pydio8-sqlite"
SAMPLE_DB = SAMPLE / "data" / "plugins" / "conf.sql" / "pydio.db"
EXPECTED: dict[str, Any] = json.loads((SAMPLE / "expected.json").read_text(encoding="utf-8"))
COPIED_TABLES = (
    "ajxp_users",
    "ajxp_user_rights",
    "ajxp_roles",
    "ajxp_groups",
    "ajxp_repo",
    "ajxp_repo_options",
    "ajxp_simple_store",
    "ajxp_user_teams",
)
BOOLEAN_COLUMNS = {"bcreate", "writeable", "enabled", "isTemplate", "inferOptionsFromParent"}


def _copy_sample(db: TestDatabase) -> None:
    """Put the sample's rows into ``db`` (a file copy for SQLite, row copy for servers)."""
    if db.name == "sqlite":
        shutil.copyfile(SAMPLE_DB, sa.engine.make_url(db.url).database or "")
        return
    source = sa.create_engine(f"sqlite:///{SAMPLE_DB}")
    target = sa.create_engine(db.url)
    try:
        with source.connect() as src, target.begin() as dst:
            create_schema(dst)
            writer = BatchWriter(dst, 500)
            for table in COPIED_TABLES:
                query = f"SELECT * FROM {table}"  # noqa: S608 - fixed table names
                for row in src.exec_driver_sql(query).mappings():
                    values = dict(row)
                    if table == "ajxp_repo" and db.name == "postgresql":
                        for col in BOOLEAN_COLUMNS:
                            values[col] = None if values[col] is None else bool(values[col])
                    writer.add(table, values)
            writer.close()
    finally:
        source.dispose()
        target.dispose()


@pytest.fixture(scope="module")
def inventory(dialect: TestDatabase) -> Inventory:
    _copy_sample(dialect)
    return read_inventory_sql(dialect.url)


def _verifies(password: str, stored: str) -> bool:
    """legacy-model.md §12 check (PBKDF2 with the salt as text, or bare MD5)."""
    parts = stored.split(":")
    if len(parts) < 4:
        return hashlib.md5(password.encode(), usedforsecurity=False).hexdigest() == stored
    algo, iterations, salt, digest = parts[:4]
    want = base64.b64decode(digest)
    got = hashlib.pbkdf2_hmac(algo, password.encode(), salt.encode(), int(iterations), len(want))
    return got == want


def _php_json(value: object) -> object:
    """What PHP's json_encode gives for a decoded value (objects carry their class)."""
    if isinstance(value, LegacyMap):
        if value.class_name is not None:
            out: dict[str, object] = {"__PHP_Incomplete_Class_Name": value.class_name}
            out.update({k: _php_json(v) for k, v in value.items})
            return out
        if value.is_list():
            return [_php_json(v) for _, v in value.items]
        return {k: _php_json(v) for k, v in value.items}
    return value


def test_source_and_counts(inventory: Inventory, dialect: TestDatabase) -> None:
    assert inventory.source.era is Era.PYDIO_8
    assert inventory.source.dialect == ("mysql" if dialect.name == "mariadb" else dialect.name)
    assert inventory.findings == ()
    assert inventory.counts() == {
        "users": 14,
        "groups": 2,
        "roles": 25,
        "workspaces": 11,
        "rights": len(EXPECTED["acls"]),
        "shares": 3,
    }


def test_users(inventory: Inventory) -> None:
    users = inventory.users_by_login()
    assert sorted(users) == sorted(u["login"] for u in EXPECTED["users"])
    for want in EXPECTED["users"]:
        user = users[want["login"]]
        requested = want["requested_login"]
        assert user.login_lower == (requested or want["login"]).lower()
        assert user.group_path == want["group_path"]
        assert user.profile == want["profile"]
        assert user.is_admin is want["is_admin"]
        assert user.display_name == want["display_name"]
        assert user.email == want["email"]
        assert sorted(user.roles) == sorted(want["roles"])
        assert dict(user.role_order) == (want["roles_order"] or {})
        assert [r for r in user.roles] == sorted(
            user.roles, key=lambda r: (want["roles_order"] or {}).get(r, 1 << 62)
        )
        assert user.parent_user == want.get("parent_user")
        assert user.hidden is want.get("hidden", False)
        assert user.hash_format is HashFormat.PBKDF2
        assert user.password_hash is not None
        if want["password"] is not None:
            ok = _verifies(want["password"], user.password_hash.reveal())
            assert ok, f"the stored password of {user.login} does not verify"


def test_effective_profiles(inventory: Inventory) -> None:
    users = inventory.users_by_login()
    assert users["root-admin"].effective_profile == "admin"
    assert users["student.ext"].effective_profile == "shared"
    assert users["e6bec0edd06d"].effective_profile == "shared"
    assert users["kent"].effective_profile == "standard"


def test_groups_roles_and_team(inventory: Inventory) -> None:
    assert [(g.path, g.label) for g in inventory.groups] == [
        (g["group_path"], g["label"]) for g in EXPECTED["groups"]
    ]
    roles = inventory.roles_by_id()
    assert sorted(roles) == EXPECTED["all_role_ids_in_db"]
    for want in EXPECTED["custom_roles"]:
        role = roles[want["role_id"]]
        assert role.label == want["label"]
        assert list(role.auto_applies) == want["autoApplies"]
        assert role.owner == want["owner_user_id"]
        assert role.acl_map() == want["acl"]
    for team in EXPECTED["teams"]:
        role = roles[team["team_role_id"]]
        assert (role.kind, role.label, role.owner) == (RoleKind.TEAM, team["label"], team["owner"])
        members = sorted(u.login for u in inventory.users if role.role_id in u.roles)
        assert members == team["members"]
    assert roles["AJXP_GRP_/lab/optics"].kind is RoleKind.GROUP
    assert roles["AJXP_USR_/kent"].kind is RoleKind.USER
    assert roles["MINISITE"].reserved
    assert not roles["visitors"].reserved


def test_acls(inventory: Inventory) -> None:
    got = sorted(
        (role.role_id, acl.workspace_id, acl.right, acl.deny)
        for role in inventory.roles
        for acl in role.acls
    )
    want = sorted(
        (a["role_id"], a["workspace_id"], a["value"], a["deny"]) for a in EXPECTED["acls"]
    )
    assert got == want
    assert all((right == DENY) is deny for _, _, right, deny in got)


def test_workspaces(inventory: Inventory) -> None:
    workspaces = inventory.workspaces_by_id()
    assert sorted(workspaces) == sorted(w["uuid"] for w in EXPECTED["workspaces"])
    for want in EXPECTED["workspaces"]:
        ws = workspaces[want["uuid"]]
        assert (ws.slug, ws.display, ws.driver, ws.path) == (
            want["slug"],
            want["label"],
            want["driver"],
            want["path"],
        )
        assert ws.is_template is want["is_template"]
        assert ws.infer_options_from_parent is want["infer_options_from_parent"]
        assert (ws.parent_id, ws.owner) == (want["parent_uuid"], want["owner_user_id"])
        assert ws.create is (want["bcreate"] == "1")
        assert ws.writeable is (want["writeable"] == "1")
        assert ws.default_rights == want["default_rights"]
        secret_names = {k for k, _ in ws.secret_options}
        options = {k: _php_json(v) for k, v in ws.options.items}
        assert options == {k: v for k, v in want["options"].items() if k not in secret_names}
        assert secret_names <= {"SECRET_KEY"}
        ok = all(s.reveal() == want["options"][k] for k, s in ws.secret_options)
        assert ok, f"a secret option of workspace {ws.workspace_id} differs"
    s3 = workspaces["43a67bf83ae393128d7a8277fd933a8f"]
    assert "SECRET_KEY" not in s3.options
    assert "fakeLabSecret" not in repr(s3)
    assert workspaces["90b5634b61f9fa510dc6537bd65955e4"].shared_child
    assert workspaces["54808ec162d0f21335527efa6067741d"].template_child


def test_shares(inventory: Inventory) -> None:
    shares = {s.share_id: s for s in inventory.shares}
    users = inventory.users_by_login()
    assert sorted(shares) == sorted(s["share_id"] for s in EXPECTED["shares"])
    for want in EXPECTED["shares"]:
        share = shares[want["share_id"]]
        assert share.share_type.value == want["type"]
        assert share.owner == want["owner"]
        assert share.parent_workspace_id == want["parent_workspace"]
        assert share.workspace_id == want["share_workspace"]
        assert share.path == want["path_in_parent_workspace"]
        assert share.guest_user == want["guest_user"]
        assert share.password_protected is want["password_protected"]
        assert share.expire_time == want["expire_time"]
        assert share.download_limit == want["download_limit"]
        assert share.insertion_date == want["insertion_date"]
        assert share.data.to_python() == want["raw"]
        if "link_password" in want:
            guest = users[want["guest_user"]].password_hash
            assert guest is not None
            ok = _verifies(want["link_password"], guest.reveal())
            assert ok, f"the link password of share {share.share_id} does not verify"
        if "shared_with" in want:
            shared_with = {
                role.role_id.removeprefix("AJXP_USR_/"): role.acl_map()[share.workspace_id or ""]
                for role in inventory.roles
                if role.kind is RoleKind.USER
                and share.workspace_id in role.acl_map()
                and role.role_id.removeprefix("AJXP_USR_/") != want["guest_user"]
            }
            assert shared_with == want["shared_with"]


def test_external_users(inventory: Inventory) -> None:
    users = inventory.users_by_login()
    for want in EXPECTED["external_users"]:
        user = users[want["login"]]
        assert (user.parent_user, user.display_name, user.email) == (
            want["parent_user"],
            want["display_name"],
            want["email"],
        )
        assert user.shared
        assert not user.hidden


def test_no_secret_in_reprs(inventory: Inventory) -> None:
    text = repr(inventory)
    leaked = "sha256:1000:" in text
    assert not leaked, "the inventory repr shows a password hash"
    assert "fakeLabSecret" not in text
