"""Pure parts of legacy/model.py: the immutable map, hash detection, derived properties."""

from __future__ import annotations

import pytest

from migrate.legacy.model import (
    DENY,
    EMPTY_MAP,
    HashFormat,
    Inventory,
    LegacyAcl,
    LegacyMap,
    LegacyRole,
    LegacySource,
    LegacyUser,
    LegacyWorkspace,
    RoleKind,
    detect_hash_format,
    role_kind,
)
from migrate.secret import Secret

SPEC_HASH = "sha256:1000:iIXMGiDqOm07EBukueeHbLBxnc0/KI2E:lewIfJkpI8G7ZUmBIIxLRQlKEIhoP7Kg"


def test_legacy_map_lookups() -> None:
    m = LegacyMap.from_python({"a": {"b": "x"}, "list": [1, 2], "n": None})
    assert m.get("n", "default") is None
    assert m.get("missing", "default") == "default"
    assert m.get_map("a").get_str("b") == "x"
    assert m.get_map("list").is_list()
    assert m.get_map("n") is EMPTY_MAP
    assert m.get_str("a") is None
    assert m.keys() == ("a", "list", "n")
    assert "list" in m
    assert "zzz" not in m
    assert len(m) == 3


def test_legacy_map_to_python_follows_json_encode() -> None:
    m = LegacyMap.from_python({"empty": [], "obj": {"k": 1}, "seq": ["a", "b"]})
    assert m.to_python() == {"empty": [], "obj": {"k": 1}, "seq": ["a", "b"]}
    obj = LegacyMap(items=(("0", "x"),), class_name="ContentFilter")
    assert obj.to_python() == {"0": "x"}  # an object is always a dict
    with pytest.raises(TypeError):
        LegacyMap.from_python({"bad": object()})


def test_legacy_map_is_hashable_and_compares_by_value() -> None:
    a = LegacyMap.from_python({"x": [1, {"y": True}]})
    b = LegacyMap.from_python({"x": [1, {"y": True}]})
    assert a == b
    assert hash(a) == hash(b)


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (SPEC_HASH, HashFormat.PBKDF2),
        ("5f4dcc3b5aa765d61d8327deb882cf99", HashFormat.MD5),
        ("5F4DCC3B5AA765D61D8327DEB882CF99", HashFormat.UNKNOWN),
        ("", HashFormat.NONE),
        (None, HashFormat.NONE),
        ("plaintext", HashFormat.UNKNOWN),
        ("sha256:abc:salt:hash", HashFormat.UNKNOWN),
    ],
    ids=["pbkdf2", "md5", "md5-upper", "empty", "none", "plain", "bad-iterations"],
)
def test_detect_hash_format(stored: str | None, expected: HashFormat) -> None:
    assert detect_hash_format(stored) is expected


@pytest.mark.parametrize(
    ("role_id", "owner", "kind"),
    [
        ("AJXP_USR_/alice", None, RoleKind.USER),
        ("AJXP_GRP_/", None, RoleKind.GROUP),
        ("AJXP_GRP_/sales/emea", None, RoleKind.GROUP),
        ("my-team-412", "alice", RoleKind.TEAM),
        ("ROOT_ROLE", None, RoleKind.ROLE),
        ("editors", None, RoleKind.ROLE),
    ],
)
def test_role_kind(role_id: str, owner: str | None, kind: RoleKind) -> None:
    assert role_kind(role_id, owner) is kind


@pytest.mark.parametrize(
    ("role_id", "kind", "reserved"),
    [
        ("MINISITE", RoleKind.ROLE, True),
        ("EXTERNAL_USERS", RoleKind.ROLE, True),
        ("AJXP_SHARED-0123", RoleKind.ROLE, True),
        ("AJXP_CUSTOM", RoleKind.ROLE, True),
        ("editors", RoleKind.ROLE, False),
        ("AJXP_GRP_/sales", RoleKind.GROUP, False),
        ("AJXP_USR_/bob", RoleKind.USER, False),
    ],
)
def test_reserved_roles(role_id: str, kind: RoleKind, reserved: bool) -> None:
    assert LegacyRole(role_id=role_id, kind=kind, label=role_id).reserved is reserved


def _user(**kw: object) -> LegacyUser:
    fields: dict[str, object] = {"login": "bob", "login_lower": "bob"}
    fields.update(kw)
    return LegacyUser(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "profile"),
    [
        ({"profile": "shared"}, "shared"),
        ({"is_admin": True}, "admin"),
        ({"parent_user": "alice"}, "shared"),
        ({"login": "guest", "login_lower": "guest"}, "guest"),
        ({}, "standard"),
    ],
    ids=["stored", "admin", "has-parent", "guest", "default"],
)
def test_effective_profile(fields: dict[str, object], profile: str) -> None:
    assert _user(**fields).effective_profile == profile


def test_user_roles_and_secrets() -> None:
    user = _user(group_path="/sales/emea", password_hash=Secret(SPEC_HASH))
    assert user.personal_role_id == "AJXP_USR_/bob"
    assert user.group_role_ids == ("AJXP_GRP_/", "AJXP_GRP_/sales", "AJXP_GRP_/sales/emea")
    leaked = SPEC_HASH in repr(user) or "password_hash" in repr(user)
    assert not leaked, "the repr of a user shows its password hash"


@pytest.mark.parametrize(
    ("right", "read", "write", "deny"),
    [
        ("r", True, False, False),
        ("w", False, True, False),
        ("rw", True, True, False),
        (DENY, False, False, True),
    ],
)
def test_acl_flags(right: str, read: bool, write: bool, deny: bool) -> None:
    acl = LegacyAcl(workspace_id="1", right=right)
    assert (acl.read, acl.write, acl.deny) == (read, write, deny)


def test_workspace_properties_and_secret_options() -> None:
    ws = LegacyWorkspace(
        workspace_id="abc",
        slug="s3",
        display="S3",
        driver="s3",
        path="/bucket/AJXP_USER",
        options=LegacyMap.from_python({"DEFAULT_RIGHTS": "rw"}),
        secret_options=(("SECRET_KEY", Secret("very-secret")),),
        parent_id="parent",
        owner="alice",
    )
    assert ws.default_rights == "rw"
    assert ws.per_user
    assert ws.shared_child
    assert not ws.template_child
    assert not ws.system
    assert ws.secret_option("SECRET_KEY") == Secret("very-secret")
    assert ws.secret_option("PASS") is None
    assert ws.option("SECRET_KEY") is None
    assert "very-secret" not in repr(ws)
    home = LegacyWorkspace(workspace_id="ajxp_home", slug="welcome", display="W", driver="x")
    assert home.system
    assert home.default_rights == ""


def test_inventory_counts_include_unmigrated_rights() -> None:
    acl = LegacyAcl(workspace_id="1", right="rw")
    inventory = Inventory(
        source=LegacySource(kind="sql"),
        users=(_user(legacy_rights=(acl, acl)),),
        roles=(LegacyRole(role_id="r", kind=RoleKind.ROLE, label="r", acls=(acl,)),),
    )
    assert inventory.counts() == {
        "users": 1,
        "groups": 0,
        "roles": 1,
        "workspaces": 0,
        "rights": 3,
        "shares": 0,
    }
    assert inventory.users_by_login()["bob"].login == "bob"
