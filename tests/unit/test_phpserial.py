"""PHP unserialize: a table of real legacy values and of every edge the format has."""

from __future__ import annotations

import math

import pytest

from migrate.errors import LegacyFormatError
from migrate.legacy.phpserial import PhpArray, PhpObject, PhpValue, as_text, loads, loads_entries

ROLE = "Pydio\\Conf\\Core\\AJXP_Role"
MASK = "Pydio\\Access\\Core\\Filter\\AJXP_PermissionMask"
PERM = "Pydio\\Access\\Core\\Filter\\AJXP_Permission"

# Real rows of /work/shared/samples/pydio8-sqlite (Pydio 8.2.5 on PHP 7.4), ajxp_roles.
TEAM_ROLE = (
    b'O:25:"Pydio\\Conf\\Core\\AJXP_Role":9:{s:12:"\x00*\x00groupPath";N;s:9:"\x00*\x00roleId";'
    b's:14:"curie-team-521";s:7:"\x00*\x00acls";a:0:{}s:13:"\x00*\x00parameters";a:1:{'
    b's:19:"AJXP_REPO_SCOPE_ALL";a:1:{s:9:"core.conf";a:1:{s:17:"ROLE_DISPLAY_NAME";'
    b's:10:"Curie Team";}}}s:10:"\x00*\x00actions";a:0:{}s:14:"\x00*\x00autoApplies";a:0:{}'
    b's:8:"\x00*\x00masks";a:0:{}s:14:"\x00*\x00lastUpdated";i:0;s:10:"\x00*\x00ownerId";'
    b's:5:"marie";}'
)
GROUP_ROLE = (
    b'O:25:"Pydio\\Conf\\Core\\AJXP_Role":9:{s:12:"\x00*\x00groupPath";s:1:"/";'
    b's:9:"\x00*\x00roleId";s:20:"AJXP_GRP_/lab/optics";s:7:"\x00*\x00acls";a:3:{'
    b's:32:"1179c09f20781016581bbfff28afad0f";s:2:"rw";s:32:"b5a04297fd595b7e4d4e296805ce3846";'
    b's:16:"AJXP_VALUE_CLEAR";s:32:"54808ec162d0f21335527efa6067741d";s:2:"rw";}'
    b's:13:"\x00*\x00parameters";a:0:{}s:10:"\x00*\x00actions";a:0:{}'
    b's:14:"\x00*\x00autoApplies";a:0:{}s:8:"\x00*\x00masks";a:0:{}'
    b's:14:"\x00*\x00lastUpdated";i:1795826563;s:10:"\x00*\x00ownerId";N;}'
)
# ajxp_repo_options / ajxp_user_rights / ajxp_simple_store of the same sample.
META_SOURCES = (
    b'a:5:{s:16:"metastore.serial";a:2:{s:22:"METADATA_FILE_LOCATION";s:9:"infolders";'
    b's:13:"METADATA_FILE";s:10:".ajxp_meta";}s:10:"meta.watch";a:0:{}s:13:"meta.syncable";'
    b'a:3:{s:13:"REPO_SYNCABLE";s:4:"true";s:23:"OBSERVE_STORAGE_CHANGES";s:5:"false";'
    b's:21:"OBSERVE_STORAGE_EVERY";s:1:"5";}s:15:"meta.filehasher";a:0:{}s:12:"index.lucene";'
    b'a:1:{s:13:"index_content";s:5:"false";}}'
)
SHARE = (
    b'a:6:{s:8:"OWNER_ID";s:5:"marie";s:17:"DOWNLOAD_DISABLED";b:0;s:21:"AJXP_APPLICATION_BASE";'
    b's:22:"http://127.0.0.1:8082/";s:12:"PRESET_LOGIN";s:12:"e6bec0edd06d";s:10:"REPOSITORY";'
    b's:32:"12f50f8ba53db5d54567471b2203ed30";s:10:"SHARE_TYPE";s:8:"minisite";}'
)
# legacy-model.md §5.2, the constructed 8.x personal role with a C: mask (lengths checked).
SPEC_MASK_ROLE = (
    rb'O:25:"Pydio\Conf\Core\AJXP_Role":9:{s:12:"\0*\0groupPath";N;s:9:"\0*\0roleId";'
    rb's:15:"AJXP_USR_/alice";s:7:"\0*\0acls";a:5:{i:1;s:2:"rw";s:9:"ajxp_home";s:2:"rw";'
    rb's:5:"inbox";s:2:"rw";s:32:"8a1f1c2b3d4e5f60718293a4b5c6d7e8";s:1:"r";'
    rb's:32:"c0ffee00c0ffee00c0ffee00c0ffee00";s:16:"AJXP_VALUE_CLEAR";}'
    rb's:13:"\0*\0parameters";a:1:{s:19:"AJXP_REPO_SCOPE_ALL";a:1:{s:9:"core.conf";a:3:{'
    rb's:17:"USER_DISPLAY_NAME";s:9:"Alice Doe";s:5:"email";s:17:"alice@example.com";'
    rb's:4:"lang";s:2:"fr";}}}s:10:"\0*\0actions";a:1:{s:19:"AJXP_REPO_SCOPE_ALL";a:1:{'
    rb's:12:"action.share";a:1:{s:5:"share";b:0;}}}s:14:"\0*\0autoApplies";a:0:{}'
    rb's:8:"\0*\0masks";a:1:{s:32:"8a1f1c2b3d4e5f60718293a4b5c6d7e8";'
    rb'C:44:"Pydio\Access\Core\Filter\AJXP_PermissionMask":272:{a:2:{s:4:"docs";a:1:{'
    rb's:7:"private";O:40:"Pydio\Access\Core\Filter\AJXP_Permission":1:{'
    rb's:47:"\0Pydio\Access\Core\Filter\AJXP_Permission\0value";i:4;}}s:6:"public";'
    rb'O:40:"Pydio\Access\Core\Filter\AJXP_Permission":1:{'
    rb's:47:"\0Pydio\Access\Core\Filter\AJXP_Permission\0value";i:1;}}}}'
    rb's:14:"\0*\0lastUpdated";i:1574242000;s:10:"\0*\0ownerId";N;}'
).replace(b"\\0", b"\0")
# legacy-model.md §5.2, the real 6.0-era ROOT_ROLE of dist/docker/create.mysql.
ROOT_ROLE_60 = (
    rb'O:9:"AJXP_Role":6:{s:12:"\0*\0groupPath";N;s:9:"\0*\0roleId";s:9:"ROOT_ROLE";'
    rb's:7:"\0*\0acls";a:3:{i:1;s:2:"rw";s:9:"ajxp_user";s:2:"rw";s:9:"ajxp_home";s:2:"rw";}'
    rb's:13:"\0*\0parameters";a:1:{s:19:"AJXP_REPO_SCOPE_ALL";a:3:{s:9:"core.conf";a:2:{'
    rb's:17:"ROLE_DISPLAY_NAME";s:9:"Root Role";s:24:"DEFAULT_START_REPOSITORY";'
    rb's:9:"ajxp_home";}s:17:"action.disclaimer";a:1:{s:19:"DISCLAIMER_ACCEPTED";s:2:"no";}'
    rb's:13:"meta.syncable";a:1:{s:13:"REPO_SYNCABLE";s:4:"true";}}}s:10:"\0*\0actions";a:0:{}'
    rb's:14:"\0*\0autoApplies";a:2:{i:0;s:8:"standard";i:1;s:5:"admin";}}'
).replace(b"\\0", b"\0")

REAL_PAYLOADS = (TEAM_ROLE, GROUP_ROLE, META_SOURCES, SHARE, SPEC_MASK_ROLE, ROOT_ROLE_60)


def arr(*items: tuple[int | bytes, PhpValue]) -> PhpArray:
    return PhpArray(items)


EMPTY = arr()


def test_real_team_role_decodes_exactly() -> None:
    assert loads(TEAM_ROLE) == PhpObject(
        ROLE,
        (
            ("groupPath", None),
            ("roleId", b"curie-team-521"),
            ("acls", EMPTY),
            (
                "parameters",
                arr(
                    (
                        b"AJXP_REPO_SCOPE_ALL",
                        arr((b"core.conf", arr((b"ROLE_DISPLAY_NAME", b"Curie Team")))),
                    )
                ),
            ),
            ("actions", EMPTY),
            ("autoApplies", EMPTY),
            ("masks", EMPTY),
            ("lastUpdated", 0),
            ("ownerId", b"marie"),
        ),
    )


def test_real_group_role_acls_keep_order_and_deny() -> None:
    role = loads(GROUP_ROLE)
    assert isinstance(role, PhpObject)
    acls = role.get("acls")
    assert isinstance(acls, PhpArray)
    assert acls.to_dict() == {
        "1179c09f20781016581bbfff28afad0f": b"rw",
        "b5a04297fd595b7e4d4e296805ce3846": b"AJXP_VALUE_CLEAR",
        "54808ec162d0f21335527efa6067741d": b"rw",
    }
    assert role.get("groupPath") == b"/"
    assert role.get("lastUpdated") == 1795826563


def test_spec_mask_role_c_form_becomes_object_with_tree() -> None:
    role = loads(SPEC_MASK_ROLE)
    assert isinstance(role, PhpObject)
    masks = role.get("masks")
    assert isinstance(masks, PhpArray)
    assert masks.get("8a1f1c2b3d4e5f60718293a4b5c6d7e8") == PhpObject(
        MASK,
        (
            ("docs", arr((b"private", PhpObject(PERM, (("value", 4),))))),
            ("public", PhpObject(PERM, (("value", 1),))),
        ),
    )
    acls = role.get("acls")
    assert isinstance(acls, PhpArray)
    assert acls.items[0] == (1, b"rw")  # workspace id 1 is an int key
    assert acls.get("1") == b"rw"  # and found by its text, as PHP does


def test_spec_root_role_60_auto_applies_is_a_list() -> None:
    role = loads(ROOT_ROLE_60)
    assert isinstance(role, PhpObject)
    assert role.class_name == "AJXP_Role"
    auto = role.get("autoApplies")
    assert isinstance(auto, PhpArray)
    assert auto.is_list()
    assert auto.values() == (b"standard", b"admin")


def test_real_meta_sources_and_share() -> None:
    meta = loads(META_SOURCES)
    assert isinstance(meta, PhpArray)
    assert meta.keys() == (
        "metastore.serial",
        "meta.watch",
        "meta.syncable",
        "meta.filehasher",
        "index.lucene",
    )
    assert loads(SHARE) == arr(
        (b"OWNER_ID", b"marie"),
        (b"DOWNLOAD_DISABLED", False),
        (b"AJXP_APPLICATION_BASE", b"http://127.0.0.1:8082/"),
        (b"PRESET_LOGIN", b"e6bec0edd06d"),
        (b"REPOSITORY", b"12f50f8ba53db5d54567471b2203ed30"),
        (b"SHARE_TYPE", b"minisite"),
    )


SCALARS: list[tuple[bytes, PhpValue]] = [
    (b"N;", None),
    (b"b:0;", False),
    (b"b:1;", True),
    (b"i:0;", 0),
    (b"i:-42;", -42),
    (b"i:+7;", 7),
    (b"i:9223372036854775807;", 2**63 - 1),
    (b"i:-9223372036854775808;", -(2**63)),
    (b"d:0.1;", 0.1),
    (b"d:-1.5E+25;", -1.5e25),
    (b"d:1.0E-7;", 1e-7),
    (b"d:.5;", 0.5),
    (b"d:3;", 3.0),
    (b"d:INF;", math.inf),
    (b"d:-INF;", -math.inf),
    (b's:0:"";', b""),
    (b's:5:"\xc3\xa9t\xc3\xa9";', "été".encode()),  # 3 chars, 5 bytes
    (b's:3:"a"b";', b'a"b'),  # a quote inside: only the length counts
    (b's:3:"\x00;}";', b"\x00;}"),
    (b's:2:"\xff\xfe";', b"\xff\xfe"),  # not UTF-8: kept as bytes
    (b'S:3:"\\41\\00c";', b"A\x00c"),
]


@pytest.mark.parametrize(("data", "expected"), SCALARS, ids=[repr(d) for d, _ in SCALARS])
def test_scalar(data: bytes, expected: PhpValue) -> None:
    value = loads(data)
    assert value == expected
    assert type(value) is type(expected)


def test_negative_zero_and_nan() -> None:
    zero = loads(b"d:-0;")
    assert isinstance(zero, float)
    assert zero == 0.0
    assert math.copysign(1.0, zero) == -1.0
    nan = loads(b"d:NAN;")
    assert isinstance(nan, float)
    assert math.isnan(nan)


def test_str_input_is_utf8_bytes() -> None:
    assert loads('s:2:"é";') == "é".encode()


def test_protected_and_private_names_stripped() -> None:
    data = b'O:3:"Foo":3:{s:1:"a";i:1;s:4:"\x00*\x00b";i:2;s:6:"\x00Foo\x00c";i:3;}'
    assert loads(data) == PhpObject("Foo", (("a", 1), ("b", 2), ("c", 3)))


def test_array_keys_normalised_as_php_does() -> None:
    data = b'a:4:{s:1:"5";s:1:"x";s:2:"05";s:1:"y";s:2:"-3";s:1:"z";i:5;s:1:"w";}'
    value = loads(data)
    assert value == arr((5, b"w"), (b"05", b"y"), (-3, b"z"))
    assert isinstance(value, PhpArray)
    assert value.get(5) == b"w"
    assert value.get("05") == b"y"
    assert "-3" in value
    assert value.get("missing", b"d") == b"d"


def test_references_r_and_big_r() -> None:
    # slots: 1 = the array, 2 = "x", 3 = the inner array; keys take no slot
    data = b'a:4:{i:0;s:1:"x";i:1;a:1:{i:0;i:7;}i:2;R:2;i:3;r:3;}'
    inner = arr((0, 7))
    assert loads(data) == arr((0, b"x"), (1, inner), (2, b"x"), (3, inner))


def test_reference_inside_object_counts_object_slot() -> None:
    data = b'a:2:{i:0;O:1:"A":1:{s:1:"p";s:2:"hi";}i:1;r:3;}'
    assert loads(data) == arr((0, PhpObject("A", (("p", b"hi"),))), (1, b"hi"))


def test_custom_payload_not_a_single_value_kept_raw() -> None:
    payload = b"x:i:0;a:0:{};m:a:0:{}"
    data = b'C:11:"ArrayObject":%d:{%s}' % (len(payload), payload)
    assert loads(data) == PhpObject("ArrayObject", (("__serialized__", payload),))


def test_custom_payload_scalar_becomes_value_property() -> None:
    assert loads(b'C:1:"K":6:{i:123;}') == PhpObject("K", (("__value__", 123),))


def test_depth_limit_is_exact() -> None:
    def nested(levels: int) -> bytes:
        return b"a:1:{i:0;" * levels + b"N;" + b"}" * levels

    assert isinstance(loads(nested(256)), PhpArray)
    with pytest.raises(LegacyFormatError, match="nesting deeper than 256") as info:
        loads(nested(257))
    assert info.value.offset == 9 * 256
    assert isinstance(loads(nested(3), max_depth=3), PhpArray)
    with pytest.raises(LegacyFormatError):
        loads(nested(4), max_depth=3)


BAD: list[tuple[bytes, int, str]] = [
    (b"", 0, "unexpected end"),
    (b"i:1", 2, "bad integer"),
    (b"i:1;x", 4, "trailing data"),
    (b"b:2;", 2, "bad boolean"),
    (b"d:1.2.3;", 2, "bad float"),
    (b'a:1:{s:1:"a";', 13, "unexpected end"),
    (b's:10:"abc";', 6, "runs past the end"),
    (b's:3:"abcd";', 8, "expected '\"'"),
    (b"a:1:{N;i:1;}", 5, "array key"),
    (b"a:99999:{}", 8, "cannot fit"),
    (b'O:2:"1x":0:{}', 2, "bad class name"),
    (b"R:1;", 0, "to no value"),  # R: takes no slot itself
    (b"a:1:{i:0;r:1;}", 9, "cyclic reference"),
    (b"a:1:{i:0;R:1;}", 9, "cyclic reference"),
    (b"a:1:{i:0;r:5;}", 9, "to no value"),
    (b"R:0;", 0, "to no value"),
    (b"x:1;", 0, "unknown type"),
    (b'C:1:"K":99:{i:1;}', 12, "runs past the end"),
    (b"i:" + b"9" * 30 + b";", 2, "bad integer"),
    (b"s:" + b"9" * 30 + b':"";', 2, "bad string length"),
    (b'S:2:"\\zz";', 5, "bad escape"),
]


@pytest.mark.parametrize(("data", "offset", "message"), BAD, ids=[repr(d[:20]) for d, _, _ in BAD])
def test_malformed_raises_with_offset(data: bytes, offset: int, message: str) -> None:
    with pytest.raises(LegacyFormatError, match=message) as info:
        loads(data)
    assert info.value.offset == offset


def test_every_truncation_of_real_payload_fails_cleanly() -> None:
    for cut in range(len(SPEC_MASK_ROLE)):
        with pytest.raises(LegacyFormatError) as info:
            loads(SPEC_MASK_ROLE[:cut])
        assert info.value.offset is not None
        assert 0 <= info.value.offset <= cut


def test_as_text() -> None:
    assert as_text(None) is None
    assert as_text(b"Ada Lovelace") == "Ada Lovelace"
    assert as_text("é".encode()) == "é"
    assert as_text(5) == "5"
    with pytest.raises(LegacyFormatError, match="invalid UTF-8") as info:
        as_text(b"ok\xff")
    assert info.value.offset == 2


def test_array_helpers() -> None:
    value = arr((0, b"a"), (1, b"b"))
    assert value.is_list()
    assert len(value) == 2
    assert not arr((1, b"a")).is_list()
    assert value.to_dict() == {0: b"a", 1: b"b"}
    obj = PhpObject("X", (("p", 1),))
    assert obj.get("p") == 1
    assert obj.get("q", 9) == 9
    assert "p" in obj
    assert obj.to_dict() == {"p": 1}


def test_loads_entries_gives_raw_values_per_key() -> None:
    data = b'a:3:{s:1:"a";a:1:{i:0;s:1:"x";}i:5;O:1:"A":0:{}s:1:"a";N;}'
    assert loads_entries(data) == ((b"a", b"N;"), (5, b'O:1:"A":0:{}'))  # repeated key: last
    with pytest.raises(LegacyFormatError, match="not an array"):
        loads_entries(b"i:1;")
    with pytest.raises(LegacyFormatError, match="runs past the end"):
        loads_entries(b'a:1:{i:0;s:9:"x";}')
