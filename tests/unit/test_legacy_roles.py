"""Role and value decoding (legacy/roles.py) on the spec's real and constructed examples."""

from __future__ import annotations

import pytest

from migrate.errors import LegacyFormatError
from migrate.legacy.model import LegacyAcl, MaskRule, RoleKind
from migrate.legacy.phpserial import PhpArray
from migrate.legacy.roles import Problems, decode_role, decode_stored, to_value

# legacy-model.md §5.2: real 6.0-era row of dist/docker/create.mysql
ROOT_ROLE_60 = (
    b'O:9:"AJXP_Role":6:{s:12:"\0*\0groupPath";N;s:9:"\0*\0roleId";s:9:"ROOT_ROLE";'
    b's:7:"\0*\0acls";a:3:{i:1;s:2:"rw";s:9:"ajxp_user";s:2:"rw";s:9:"ajxp_home";s:2:"rw";}'
    b's:13:"\0*\0parameters";a:1:{s:19:"AJXP_REPO_SCOPE_ALL";a:3:{s:9:"core.conf";a:2:{'
    b's:17:"ROLE_DISPLAY_NAME";s:9:"Root Role";s:24:"DEFAULT_START_REPOSITORY";'
    b's:9:"ajxp_home";}s:17:"action.disclaimer";a:1:{s:19:"DISCLAIMER_ACCEPTED";s:2:"no";}'
    b's:13:"meta.syncable";a:1:{s:13:"REPO_SYNCABLE";s:4:"true";}}}s:10:"\0*\0actions";'
    b'a:0:{}s:14:"\0*\0autoApplies";a:2:{i:0;s:8:"standard";i:1;s:5:"admin";}}'
)

# legacy-model.md §5.2: constructed 8.x personal role with a C: permission mask
ALICE_8X = (
    b'O:25:"Pydio\\Conf\\Core\\AJXP_Role":9:{s:12:"\0*\0groupPath";N;s:9:"\0*\0roleId";'
    b's:15:"AJXP_USR_/alice";s:7:"\0*\0acls";a:5:{i:1;s:2:"rw";s:9:"ajxp_home";s:2:"rw";'
    b's:5:"inbox";s:2:"rw";s:32:"8a1f1c2b3d4e5f60718293a4b5c6d7e8";s:1:"r";'
    b's:32:"c0ffee00c0ffee00c0ffee00c0ffee00";s:16:"AJXP_VALUE_CLEAR";}s:13:"\0*\0parameters";'
    b'a:1:{s:19:"AJXP_REPO_SCOPE_ALL";a:1:{s:9:"core.conf";a:3:{s:17:"USER_DISPLAY_NAME";'
    b's:9:"Alice Doe";s:5:"email";s:17:"alice@example.com";s:4:"lang";s:2:"fr";}}}'
    b's:10:"\0*\0actions";a:1:{s:19:"AJXP_REPO_SCOPE_ALL";a:1:{s:12:"action.share";a:1:{'
    b's:5:"share";b:0;}}}s:14:"\0*\0autoApplies";a:0:{}s:8:"\0*\0masks";a:1:{'
    b's:32:"8a1f1c2b3d4e5f60718293a4b5c6d7e8";'
    b'C:44:"Pydio\\Access\\Core\\Filter\\AJXP_PermissionMask":272:{a:2:{s:4:"docs";a:1:{'
    b's:7:"private";O:40:"Pydio\\Access\\Core\\Filter\\AJXP_Permission":1:{'
    b's:47:"\0Pydio\\Access\\Core\\Filter\\AJXP_Permission\0value";i:4;}}s:6:"public";'
    b'O:40:"Pydio\\Access\\Core\\Filter\\AJXP_Permission":1:{'
    b's:47:"\0Pydio\\Access\\Core\\Filter\\AJXP_Permission\0value";i:1;}}}}'
    b's:14:"\0*\0lastUpdated";i:1574242000;s:10:"\0*\0ownerId";N;}'
)

# ≤4.x AjxpRole: private properties, rights incl. ajxp.actions, "default" = apply to all
LEGACY_4X = (
    b'O:8:"AjxpRole":3:{s:12:"\0AjxpRole\0id";s:7:"editors";s:16:"\0AjxpRole\0rights";'
    b'a:2:{i:0;s:2:"rw";s:12:"ajxp.actions";a:1:{i:0;a:1:{s:6:"upload";b:0;}}}'
    b's:17:"\0AjxpRole\0default";b:1;}'
)


def test_real_60_root_role() -> None:
    problems = Problems()
    role = decode_role("ROOT_ROLE", ROOT_ROLE_60, problems=problems)
    assert (role.kind, role.label, role.class_name) == (RoleKind.ROLE, "Root Role", "AJXP_Role")
    assert role.acls == (
        LegacyAcl(workspace_id="1", right="rw"),
        LegacyAcl(workspace_id="ajxp_user", right="rw"),
        LegacyAcl(workspace_id="ajxp_home", right="rw"),
    )
    assert role.auto_applies == ("standard", "admin")
    assert role.masks == ()
    assert role.last_updated is None
    assert role.parameter("DEFAULT_START_REPOSITORY") == "ajxp_home"
    assert role.parameter("DISCLAIMER_ACCEPTED", "action.disclaimer") == "no"
    assert problems == Problems()


def test_constructed_8x_personal_role_with_mask() -> None:
    role = decode_role("AJXP_USR_/alice", ALICE_8X, problems=Problems())
    assert role.kind is RoleKind.USER
    assert role.label == "AJXP_USR_/alice"  # no ROLE_DISPLAY_NAME on a personal role
    assert role.acl_map() == {
        "1": "rw",
        "ajxp_home": "rw",
        "inbox": "rw",
        "8a1f1c2b3d4e5f60718293a4b5c6d7e8": "r",
        "c0ffee00c0ffee00c0ffee00c0ffee00": "AJXP_VALUE_CLEAR",
    }
    assert role.parameter("email") == "alice@example.com"
    (mask,) = role.masks
    assert mask.workspace_id == "8a1f1c2b3d4e5f60718293a4b5c6d7e8"
    assert mask.rules == (
        MaskRule(path="/docs/private", permission=4),
        MaskRule(path="/public", permission=1),
    )
    assert role.last_updated == 1574242000
    share = role.actions.get_map("AJXP_REPO_SCOPE_ALL").get_map("action.share")
    assert share.get("share") is False


def test_row_columns_win_over_properties() -> None:
    role = decode_role("team-1", ALICE_8X, owner="bob", last_updated=7, problems=Problems())
    assert (role.kind, role.owner, role.last_updated) == (RoleKind.TEAM, "bob", 7)


def test_legacy_ajxprole_is_converted() -> None:
    role = decode_role("editors", LEGACY_4X, last_updated=5, problems=Problems())
    assert role.class_name == "AjxpRole"
    assert role.acls == (LegacyAcl(workspace_id="0", right="rw"),)
    assert role.auto_applies == ("all",)
    assert role.actions.get_map("0").to_python() == {"plugin.all": {"upload": False}}
    assert role.last_updated == 5


def test_bad_acl_values_are_dropped_and_noted() -> None:
    raw = ROOT_ROLE_60.replace(b's:9:"ajxp_user";s:2:"rw"', b's:9:"ajxp_user";s:2:"zz"')
    problems = Problems()
    role = decode_role("ROOT_ROLE", raw, problems=problems)
    assert [a.workspace_id for a in role.acls] == ["1", "ajxp_home"]
    assert problems.notes == ["ACL on workspace 'ajxp_user' has invalid value 'zz'"]


def test_unreadable_mask_is_noted() -> None:
    raw = (
        b'O:9:"AJXP_Role":2:{s:9:"\0*\0roleId";s:1:"x";s:8:"\0*\0masks";a:1:{s:1:"w";'
        b'C:19:"AJXP_PermissionMask":3:{x:y}}}'
    )
    problems = Problems()
    role = decode_role("x", raw, problems=problems)
    assert role.masks == ()
    assert problems.notes == ["permission mask on workspace 'w' is unreadable"]


def test_invalid_utf8_is_replaced_and_flagged() -> None:
    raw = ROOT_ROLE_60.replace(b's:9:"Root Role"', b's:9:"R\xe9ot Role"')
    problems = Problems()
    role = decode_role("ROOT_ROLE", raw, problems=problems)
    assert role.label == "R\ufffdot Role"
    assert problems.invalid_utf8


@pytest.mark.parametrize(
    "raw",
    [
        ROOT_ROLE_60[:-30],  # truncated TEXT
        b'a:1:{i:0;s:1:"x";}',  # an array, not a role
        b'O:8:"stdClass":0:{}',  # another class
        b"",
    ],
    ids=["truncated", "array", "other-class", "empty"],
)
def test_corrupt_roles_raise(raw: bytes) -> None:
    with pytest.raises(LegacyFormatError):
        decode_role("x", raw, problems=Problems())


def test_decode_stored_prefixes() -> None:
    assert decode_stored(b"$phpserial$b:1;") is True
    assert decode_stored("$phpserial$i:500;") == 500
    json_value = decode_stored(b'$json${"AJXP_USR_/a":true}')
    assert isinstance(json_value, PhpArray)
    assert json_value.to_dict() == {"AJXP_USR_/a": True}
    assert decode_stored(b"plain text") == b"plain text"
    assert decode_stored(b'a:1:{i:0;s:1:"x";}') == b'a:1:{i:0;s:1:"x";}'
    bare = decode_stored(b'a:1:{i:0;s:1:"x";}', bare_serial=True)
    assert to_value(bare, Problems()) == to_value(PhpArray(((0, b"x"),)), Problems())
    assert decode_stored(b"a:broken", bare_serial=True) == b"a:broken"
    with pytest.raises(LegacyFormatError):
        decode_stored(b"$phpserial$a:9:{")
    with pytest.raises(LegacyFormatError):
        decode_stored(b"$json${nope")
