"""Test-side PHP ``serialize()`` and builders of conf.serial/auth.serial installs.

This module is written independently of ``migrate.legacy.phpserial`` (it only writes, the
library only reads), so a round trip through both checks one against the other. The install
builders write the file layouts of legacy-model.md §11 (4.x and 5.0-6.4) with deliberate traps.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migrate.legacy.phpserial import PhpArray, PhpObject

# --- serializer ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Raw:
    """Bytes copied verbatim into the output (references ``R:2;``, deliberately broken data)."""

    data: bytes


@dataclass(frozen=True)
class RawObj:
    """An ``O:`` object whose property keys are given exactly as PHP writes them (mangled)."""

    class_name: str
    props: Sequence[tuple[bytes, Any]]


@dataclass(frozen=True)
class Custom:
    """A ``C:`` (Serializable) object with its payload bytes."""

    class_name: str
    payload: bytes


def protected(name: str) -> bytes:
    """PHP's key for a protected property."""
    return b"\0*\0" + name.encode()


def private(class_name: str, name: str) -> bytes:
    """PHP's key for a private property of ``class_name``."""
    return b"\0" + class_name.encode() + b"\0" + name.encode()


def _s(raw: bytes) -> bytes:
    return b's:%d:"%s";' % (len(raw), raw)


def _float(value: float) -> bytes:
    if math.isnan(value):
        return b"NAN"
    if math.isinf(value):
        return b"INF" if value > 0 else b"-INF"
    if value == 0.0 and math.copysign(1.0, value) < 0:
        return b"-0"
    return repr(value).encode()


def _key(key: int | str | bytes) -> bytes:
    if isinstance(key, int):
        return b"i:%d;" % key
    return _s(key.encode() if isinstance(key, str) else key)


def _pairs(pairs: Sequence[tuple[Any, Any]]) -> bytes:
    return b"%d:{%s}" % (len(pairs), b"".join(_key(k) + dumps(v) for k, v in pairs))


def dumps(value: Any) -> bytes:
    """Serialize Python / PhpValue data as PHP 7 would (``str`` is written as UTF-8)."""
    if value is None:
        return b"N;"
    if isinstance(value, bool):
        return b"b:1;" if value else b"b:0;"
    if isinstance(value, int):
        return b"i:%d;" % value
    if isinstance(value, float):
        return b"d:" + _float(value) + b";"
    if isinstance(value, str):
        return _s(value.encode())
    if isinstance(value, bytes):
        return _s(value)
    if isinstance(value, Raw):
        return value.data
    if isinstance(value, PhpArray):
        return b"a:" + _pairs(value.items)
    if isinstance(value, Mapping):
        return b"a:" + _pairs(list(value.items()))
    if isinstance(value, list | tuple):
        return b"a:" + _pairs(list(enumerate(value)))
    if isinstance(value, PhpObject):
        return _object(value.class_name, [(n.encode(), v) for n, v in value.properties])
    if isinstance(value, RawObj):
        return _object(value.class_name, list(value.props))
    if isinstance(value, Custom):
        name = value.class_name.encode()
        head = b'C:%d:"%s":%d:{' % (len(name), name, len(value.payload))
        return head + value.payload + b"}"
    raise TypeError(f"cannot serialize {type(value).__name__}")


def _object(class_name: str, props: Sequence[tuple[bytes, Any]]) -> bytes:
    name = class_name.encode()
    return b'O:%d:"%s":' % (len(name), name) + _pairs(props)


# --- install builders ----------------------------------------------------------------------

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "ser"

# workspace ids (32 hex, md5(microtime()) style) and fixed hashes (§12; never real passwords)
WS_PROJECTS = "8a1f1c2b3d4e5f60718293a4b5c6d7e8"
WS_ARCHIVE = "c0ffee00c0ffee00c0ffee00c0ffee00"
WS_SHARED = "5ba4ed0000000000000000000000beef"
WS_GONE = "deadbeefdeadbeefdeadbeefdeadbeef"  # referenced by a right, never defined
HASH_ADMIN = "sha256:1000:iIXMGiDqOm07EBukueeHbLBxnc0/KI2E:lewIfJkpI8G7ZUmBIIxLRQlKEIhoP7Kg"
HASH_ALICE = "sha256:1000:QWxpY2VTYWx0U2FsdFNhbHRTYWx0U2Fs:YWxpY2UtaGFzaC0xMjM0NTY3ODkwYWJj"
HASH_JOHN = "sha256:1000:Sm9obkRvZVNhbHRTYWx0U2FsdFNhbHRT:am9obi1oYXNoLTEyMzQ1Njc4OTBhYmNk"
HASH_BOB_MD5 = "9f9d51bc70ef21ca5c14f307980a29d8"
HASH_RENE_MD5 = "5f4dcc3b5aa765d61d8327deb882cf99"
HASH_GHOST = "sha256:1000:R2hvc3RTYWx0U2FsdFNhbHRTYWx0U2Fs:Z2hvc3QtaGFzaC0xMjM0NTY3ODkwYWJj"
RENE = b"ren\xe9"  # a Latin-1 login: not valid UTF-8
UPDATED = 1466000000


def write_ser(path: Path, value: Any) -> None:
    """Write ``serialize(value)`` to ``path`` (folders created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(dumps(value))


def role_62(
    role_id: str,
    *,
    acls: Mapping[Any, str] | None = None,
    label: str | bytes | None = None,
    core: Mapping[str, Any] | None = None,
    auto: Sequence[str] = (),
    group_path: str | None = None,
    masks: Mapping[str, Any] | None = None,
) -> RawObj:
    """An ``AJXP_Role`` as Pydio 6.2-6.4 serialized it (8 protected properties, §5.1)."""
    params: dict[str, Any] = dict(core or {})
    if label is not None:
        params["ROLE_DISPLAY_NAME"] = label
    parameters = {"AJXP_REPO_SCOPE_ALL": {"core.conf": params}} if params else {}
    return RawObj(
        "AJXP_Role",
        [
            (protected("groupPath"), group_path),
            (protected("roleId"), role_id),
            (protected("acls"), dict(acls or {})),
            (protected("parameters"), parameters),
            (protected("actions"), {}),
            (protected("autoApplies"), list(auto)),
            (protected("masks"), dict(masks or {})),
            (protected("lastUpdated"), UPDATED),
        ],
    )


def mask_62(tree: Mapping[str, Any]) -> Custom:
    """An ``AJXP_PermissionMask`` (``C:`` form) whose leaves are permission bit-fields."""

    def convert(node: Any) -> Any:
        if isinstance(node, int):
            return RawObj("AJXP_Permission", [(private("AJXP_Permission", "value"), node)])
        return {k: convert(v) for k, v in node.items()}

    return Custom("AJXP_PermissionMask", dumps(convert(tree)))


def repository_6x(
    uuid: str,
    *,
    display: str,
    driver: str,
    options: Mapping[str, Any],
    slug: str | None,
    owner: str | None = None,
    parent: str | None = None,
    group_path: str | None = None,
) -> RawObj:
    """A ``Repository`` with the 25 properties of 6.x (§8.5)."""
    pub = [
        ("uuid", uuid),
        ("id", None),
        ("path", None),
        ("display", display),
        ("displayStringId", None),
        ("accessType", driver),
        ("recycle", ""),
        ("create", True),
        ("writeable", True),
        ("enabled", True),
        ("options", dict(options)),
        ("slug", slug),
        ("isTemplate", False),
        ("streamData", None),
        ("driverInstance", None),
    ]
    prot = [
        ("repositoryType", "local"),
        ("accessStatus", None),
        ("groupPath", group_path),
        ("contentFilter", None),
    ]
    priv = [
        ("owner", owner),
        ("parentId", parent),
        ("uniqueUser", None),
        ("inferOptionsFromParent", parent is not None),
        ("parentTemplateObject", None),
        ("contentFilterData", None),
    ]
    props = [(n.encode(), v) for n, v in pub]
    props += [(protected(n), v) for n, v in prot]
    props += [(private("Repository", n), v) for n, v in priv]
    return RawObj("Repository", props)


def _copy_conf(source: Path, root: Path) -> None:
    (root / "conf").mkdir(parents=True, exist_ok=True)
    for file in sorted((source / "conf").iterdir()):
        (root / "conf" / file.name).write_bytes(file.read_bytes())


def build_pydio64(root: Path) -> None:
    """A Pydio 6.4 conf.serial/auth.serial install with traps (see the integration test)."""
    _copy_conf(FIXTURES / "pydio-6.4", root)
    boot = root / "data" / "plugins" / "boot.conf"
    boot.mkdir(parents=True)
    (boot / "bootstrap.json").write_bytes(
        (FIXTURES / "pydio-6.4/boot.conf/bootstrap.json").read_bytes()
    )
    auth = root / "data" / "plugins" / "auth.serial"
    conf = root / "data" / "plugins" / "conf.serial"
    write_ser(
        auth / "users.ser",
        {
            "admin": HASH_ADMIN,
            "alice": HASH_ALICE,
            "bob": HASH_BOB_MD5,
            "john doe": HASH_JOHN,
            RENE: HASH_RENE_MD5,
            "ghost": HASH_GHOST,
        },
    )
    write_ser(
        auth / "groups.ser",
        {
            "AJXP_GROUP:Sales": "/sales",
            "AJXP_GROUP:EMEA": "/sales/emea",
            "admin": "/",
            "alice": "/sales",
            "bob": "/sales/emea",
        },
    )
    write_ser(
        auth / "roles.ser",
        {
            "AJXP_GRP_/": role_62(
                "AJXP_GRP_/", acls={"1": "rw", "ajxp_home": "rw"}, label="Root Group"
            ),
            "AJXP_GRP_/sales": role_62("AJXP_GRP_/sales", acls={WS_PROJECTS: "rw"}, group_path="/"),
            "editors": role_62(
                "editors",
                acls={WS_PROJECTS: "rw", WS_GONE: "r"},
                label="Editors",
                auto=["standard"],
            ),
            "broken": "not a role",
            "AJXP_USR_/alice": role_62("AJXP_USR_/alice", label="stale copy, role.ser wins"),
        },
    )
    write_ser(
        conf / "repo.ser",
        {
            WS_PROJECTS: repository_6x(
                WS_PROJECTS,
                display="Projects",
                driver="fs",
                slug="projects",
                options={"PATH": "/srv/data/projects", "CREATE": True, "DEFAULT_RIGHTS": ""},
            ),
            WS_ARCHIVE: repository_6x(
                WS_ARCHIVE,
                display="Archive",
                driver="s3",
                slug=None,
                options={
                    "API_KEY": "AKIAFIXTURE",
                    "SECRET_KEY": "fixture/secret",
                    "CONTAINER": "archive",
                },
            ),
            WS_SHARED: repository_6x(
                WS_SHARED,
                display="Alice's share",
                driver="fs",
                slug="alice-share",
                options={"PATH": "/srv/data/projects/alice"},
                owner="alice",
                parent=WS_PROJECTS,
                group_path="/sales",
            ),
        },
    )
    write_ser(conf / "aliases.ser", {"projects": WS_PROJECTS, "archive": WS_ARCHIVE})
    _user(
        auth / "admin",
        {"ajxp.admin": True, "ajxp.roles": {"AJXP_USR_/admin": True}, "ajxp.group_path": "/"},
        role_62(
            "AJXP_USR_/admin",
            acls={"ajxp_conf": "rw", "1": "rw"},
            core={"USER_DISPLAY_NAME": "Administrator", "email": "admin@example.org"},
        ),
    )
    _user(
        auth / "sales" / "alice",
        {
            "ajxp.admin": False,
            "ajxp.profile": "standard",
            "ajxp.group_path": "/sales",
            "ajxp.roles": {"editors": True, "AJXP_USR_/alice": True, "AJXP_GRP_/sales": True},
            "ajxp.roles.order": {"AJXP_USR_/alice": 0, "editors": 1},
        },
        role_62(
            "AJXP_USR_/alice",
            acls={WS_PROJECTS: "rw", WS_ARCHIVE: "AJXP_VALUE_CLEAR"},
            core={"USER_DISPLAY_NAME": "Alice Martin", "email": "alice@example.org", "lang": "fr"},
            masks={WS_PROJECTS: mask_62({"docs": {"private": 4}, "public": 1})},
        ),
    )
    _user(
        auth / "sales" / "emea" / "bob",
        {"ajxp.admin": False, "ajxp.group_path": "/sales/emea"},
        None,
    )
    (auth / "sales" / "emea" / "bob" / "role.ser").write_bytes(
        dumps(role_62("AJXP_USR_/bob", core={"USER_DISPLAY_NAME": "Bob"}))[:-40]  # truncated
    )
    _user(
        auth / "john doe",
        {"ajxp.admin": False, "ajxp.parent_user": "alice", "ajxp.profile": "shared"},
        role_62("AJXP_USR_/john doe", core={"USER_DISPLAY_NAME": b"John \xff Doe"}),
    )
    _user(auth / os.fsdecode(RENE), {"ajxp.admin": False}, None)
    _user(auth / "zed", {"ajxp.admin": False}, role_62("AJXP_USR_/zed"))  # no users.ser entry


def _user(folder: Path, rights: Mapping[str, Any], role: RawObj | None) -> None:
    write_ser(folder / "rights.ser", rights)
    write_ser(folder / "prefs.ser", {"lang": "en"})
    if role is not None:
        write_ser(folder / "role.ser", role)


def ajxp_role_4x(role_id: str, rights: Mapping[Any, Any], *, default: bool) -> RawObj:
    """An ``AjxpRole`` of AjaXplorer 4.x (private id, rights, default; §5.1)."""
    return RawObj(
        "AjxpRole",
        [
            (private("AjxpRole", "id"), role_id),
            (private("AjxpRole", "rights"), dict(rights)),
            (private("AjxpRole", "default"), default),
        ],
    )


def repository_4x(uuid: str, *, display: str, driver: str, options: Mapping[str, Any]) -> RawObj:
    """A 4.x ``Repository``: public properties only, no slug property."""
    props = [
        ("uuid", uuid),
        ("id", None),
        ("path", None),
        ("display", display),
        ("accessType", driver),
        ("recycle", ""),
        ("create", True),
        ("writeable", True),
        ("enabled", True),
        ("options", dict(options)),
        ("isTemplate", False),
        ("owner", None),
        ("parentId", None),
        ("uniqueUser", None),
        ("inferOptionsFromParent", False),
    ]
    return RawObj("Repository", [(n.encode(), v) for n, v in props])


def build_ajxp4(root: Path) -> None:
    """An AjaXplorer 4.2 install (conf/bootstrap_plugins.php, serial) with traps."""
    _copy_conf(FIXTURES / "ajxp-4.2.3", root)
    auth = root / "data" / "plugins" / "auth.serial"
    conf = root / "data" / "plugins" / "conf.serial"
    write_ser(
        auth / "users.ser",
        {"admin": HASH_BOB_MD5, "Paul": HASH_RENE_MD5, "eve": "5ebe2294ecd0e0f08eab7690d2a6ee69"},
    )
    write_ser(
        auth / "roles.ser",
        {
            "readers": ajxp_role_4x(
                "readers",
                {WS_PROJECTS: "r", 1: "rw", "ajxp.actions": {WS_PROJECTS: {"upload": False}}},
                default=True,
            ),
        },
    )
    write_ser(
        conf / "repo.ser",
        {
            WS_PROJECTS: repository_4x(
                WS_PROJECTS,
                display="Team Projects",
                driver="fs",
                options={"PATH": "/var/ajxp/projects", "CREATE": False},
            ),
        },
    )
    write_ser(
        auth / "admin" / "rights.ser",
        {"ajxp.admin": True, 0: "rw", 1: "rw", "ajxp_conf": "rw", "ajxp.roles": {"readers": True}},
    )
    write_ser(
        auth / "Paul" / "rights.ser",
        {"ajxp.admin": False, WS_PROJECTS: "rw", WS_GONE: "r", "ajxp.roles": {"readers": True}},
    )
    (auth / "eve").mkdir(parents=True)
    (auth / "eve" / "rights.ser").write_bytes(b'a:2:{s:10:"ajxp.admin";b:0;s:4:"0";s:2:"rw";}')
