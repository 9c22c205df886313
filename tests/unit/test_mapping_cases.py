"""Table-driven tests of every rule in mappings/default.yaml (one table per rule family).

Inventories are built by hand; the rules are the real built-in ``default.yaml``
(``rulesfile.load_rules()``), changed with ``dataclasses.replace`` where a case needs it.
The builders at the top are reused by ``test_mapping_properties.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from migrate.legacy.model import (
    HashFormat,
    Inventory,
    LegacyAcl,
    LegacyGroup,
    LegacyMap,
    LegacyMask,
    LegacyRole,
    LegacySource,
    LegacyUser,
    LegacyWorkspace,
    MaskRule,
    RoleKind,
    Severity,
    role_kind,
)
from migrate.mapping import (
    DesiredState,
    NodeKind,
    PasswordAction,
    PasswordStrategy,
    RoleTarget,
    map_inventory,
)
from migrate.mapping.rules import DefaultRightsMode, MappingRules, Overrides, PathRewrite
from migrate.rulesfile import load_rules
from migrate.secret import Secret

RULES = load_rules()
HEX = "0123456789abcdef0123456789abcdef"
HEX2 = "fedcba9876543210fedcba9876543210"

# --- builders ---------------------------------------------------------------------------------


def ws(
    wid: str,
    path: str | None = "/srv/data/files",
    *,
    driver: str = "fs",
    slug: str | None = None,
    display: str | None = None,
    options: dict[str, object] | None = None,
    secrets: tuple[tuple[str, str], ...] = (),
    **kw: Any,
) -> LegacyWorkspace:
    """A legacy workspace with PATH in its options."""
    opts: dict[str, object] = {"PATH": path} if path is not None else {}
    opts.update(options or {})
    return LegacyWorkspace(
        workspace_id=wid,
        slug=slug if slug is not None else wid,
        display=display or wid,
        driver=driver,
        path=path,
        options=LegacyMap.from_python(opts),
        secret_options=tuple((k, Secret(v)) for k, v in secrets),
        **kw,
    )


def user(
    login: str, *, group: str = "/", profile: str | None = "standard", **kw: Any
) -> LegacyUser:
    """A legacy user (stored login as given; ``login_lower`` derived)."""
    kw.setdefault("password_hash", Secret("sha256:1000:c2FsdA==:aGFzaA=="))
    kw.setdefault("hash_format", HashFormat.PBKDF2)
    return LegacyUser(
        login=login, login_lower=login.lower(), group_path=group, profile=profile, **kw
    )


def role(rid: str, acls: dict[str, str] | None = None, **kw: Any) -> LegacyRole:
    """A legacy role with rights ``{workspace id: right}``."""
    kind = kw.pop("kind", None) or role_kind(rid, kw.get("owner"))
    return LegacyRole(
        role_id=rid,
        kind=kind,
        label=kw.pop("label", rid),
        acls=tuple(LegacyAcl(workspace_id=w, right=r) for w, r in (acls or {}).items()),
        **kw,
    )


def inventory(*objects: object) -> Inventory:
    """An Inventory from a mix of records."""

    def of(cls: type) -> tuple[Any, ...]:
        return tuple(o for o in objects if isinstance(o, cls))

    return Inventory(
        source=LegacySource(kind="sql", dialect="sqlite"),
        users=of(LegacyUser),
        groups=of(LegacyGroup),
        roles=of(LegacyRole),
        workspaces=of(LegacyWorkspace),
    )


def run(
    *objects: object,
    rules: MappingRules = RULES,
    strategy: PasswordStrategy = PasswordStrategy.RESET,
) -> DesiredState:
    """Map a hand-built inventory."""
    return map_inventory(inventory(*objects), rules, password_strategy=strategy)


def with_rules(**changes: Any) -> MappingRules:
    """The default rules with some sections replaced (``workspaces=dict(...)`` style)."""
    updates: dict[str, Any] = {}
    for name, value in changes.items():
        current = getattr(RULES, name)
        if isinstance(value, dict) and dataclasses.is_dataclass(current):
            updates[name] = dataclasses.replace(current, **value)  # type: ignore[type-var]
        else:
            updates[name] = value
    return dataclasses.replace(RULES, **updates)


def codes(state: DesiredState) -> set[tuple[str, str]]:
    """``{(code, key)}`` of the findings."""
    return {(f.code, f.key) for f in state.findings}


def acl_set(state: DesiredState) -> set[tuple[str, str, str, str]]:
    """``{(role target, role key, node path, action)}``."""
    return {(a.role.target.value, a.role.key, a.node.path, a.action) for a in state.acls}


# --- drivers ------------------------------------------------------------------------------------

DRIVER_CASES = [(d.driver, (d.storage.value, d.reason)) for d in RULES.drivers] + [
    ("nfs_magic", ("skip", RULES.unknown_driver_reason))
]


@pytest.mark.parametrize(("legacy", "expected"), DRIVER_CASES, ids=[c[0] for c in DRIVER_CASES])
def test_driver_rule(legacy: str, expected: tuple[str, str]) -> None:
    storage, reason = expected
    workspace = ws(
        HEX,
        "/srv/data/files",
        driver=legacy,
        options={"CONTAINER": "bucket-one"},
        secrets=(("API_KEY", "k"), ("SECRET_KEY", "s")),
    )
    state = run(workspace)
    if storage == "skip":
        assert state.datasources == ()
        assert state.workspaces == ()
        found = [f for f in state.findings if f.code == "driver-unsupported"]
        assert len(found) == 1
        assert reason in found[0].message
    else:
        assert [d.storage_type for d in state.datasources] == [storage]
        assert [w.uuid for w in state.workspaces] == [HEX]


# --- rights -----------------------------------------------------------------------------------

RIGHT_CASES = [
    ("r", {"read"}),
    ("w", {"write"}),
    ("rw", {"read", "write"}),
    ("AJXP_VALUE_CLEAR", {"deny"}),
    ("x", set()),
]


@pytest.mark.parametrize(("legacy", "expected"), RIGHT_CASES, ids=[c[0] for c in RIGHT_CASES])
def test_right_rule(legacy: str, expected: set[str]) -> None:
    state = run(ws(HEX), user("alice"), role("AJXP_USR_/alice", {HEX: legacy}))
    assert {a.action for a in state.acls} == expected
    assert all(a.value == "1" and a.workspace_uuid == HEX for a in state.acls)
    if not expected:
        assert ("right-invalid", f"AJXP_USR_/alice#{HEX}") in codes(state)


# --- profiles ---------------------------------------------------------------------------------

PROFILE_CASES = [
    ("admin", {}, "admin"),
    ("standard", {}, "standard"),
    ("shared", {"parent_user": "bob"}, "shared"),
    ("guest", {}, None),
    (None, {"is_admin": True}, "admin"),
    (None, {"parent_user": "bob"}, "shared"),
    (None, {}, "standard"),
]


@pytest.mark.parametrize(
    ("legacy", "flags", "expected"),
    PROFILE_CASES,
    ids=["admin", "standard", "shared", "guest", "none-admin", "none-parent", "none"],
)
def test_profile_rule(legacy: str | None, flags: dict[str, Any], expected: str | None) -> None:
    state = run(user("bob"), user("carol", profile=legacy, **flags))
    carol = [u for u in state.users if u.legacy_key == "carol"]
    if expected is None:
        assert carol == []
        assert ("profile-unmapped", "carol") in codes(state)
    else:
        assert [u.profile for u in carol] == [expected]
        assert dict(carol[0].attributes())["profile"] == expected  # always sent explicitly


# --- special role ids -------------------------------------------------------------------------

ROLE_ID_CASES: list[tuple[str, LegacyRole, dict[str, Any]]] = [
    ("root-group-rw", role("AJXP_GRP_/", {HEX: "rw"}), {"default_rights": "rw", "acls": set()}),
    ("root-role-r", role("ROOT_ROLE", {HEX: "r"}), {"default_rights": "r", "acls": set()}),
    (
        "root-group-deny",
        role("AJXP_GRP_/", {HEX: "AJXP_VALUE_CLEAR"}),
        {"default_rights": "", "acls": {("root-group", "ROOT_GROUP", "files", "deny")}},
    ),
    (
        "user-role",
        role("AJXP_USR_/alice", {HEX: "r"}),
        {"acls": {("user", "alice", "files", "read")}, "roles": set()},
    ),
    (
        "group-role",
        role("AJXP_GRP_/sales", {HEX: "w"}),
        {"acls": {("group", "/sales", "files", "write")}, "roles": set()},
    ),
    (
        "admin-role",
        role("accounting", {HEX: "r"}, label="Accounting"),
        {"acls": {("role", "accounting", "files", "read")}, "roles": {"accounting"}},
    ),
    (
        "cells-reserved-id",
        role("ADMINS", {HEX: "r"}),
        {"acls": {("role", "p8-ADMINS", "files", "read")}, "roles": {"p8-ADMINS"}},
    ),
    *[
        (
            f"reserved-{rid}",
            role(rid, {HEX: "r"}),
            {"acls": set(), "roles": set(), "code": "reserved-role"},
        )
        for rid in (
            "MINISITE",
            "MINISITE_NODOWNLOAD",
            "GUEST",
            "EXTERNAL_USERS",
            "AJXP_SHARED-abc",
            "AJXP_OTHER",
        )
    ],
]


@pytest.mark.parametrize(
    ("legacy", "expected"), [c[1:] for c in ROLE_ID_CASES], ids=[c[0] for c in ROLE_ID_CASES]
)
def test_role_id_rule(legacy: LegacyRole, expected: dict[str, Any]) -> None:
    state = run(
        ws(HEX, "/srv/data/files"),
        user("alice", group="/sales"),
        LegacyGroup(path="/sales", label="Sales"),
        legacy,
    )
    assert acl_set(state) == expected["acls"]
    if "default_rights" in expected:
        assert state.workspaces[0].attribute("DEFAULT_RIGHTS") == expected["default_rights"]
    if "roles" in expected:
        assert {r.uuid for r in state.roles} == expected["roles"]
    if "code" in expected:
        assert (expected["code"], legacy.role_id) in codes(state)
    # every right is accounted for: an ACL or a finding with its key
    keys = {a.legacy_key for a in state.acls} | {f.key for f in state.findings}
    assert all(f"{legacy.role_id}#{a.workspace_id}" in keys for a in legacy.acls)


# --- special workspace ids and workspace UUIDs --------------------------------------------------

WORKSPACE_ID_CASES = [
    *[(wid, ws(wid, None, driver=wid), None) for wid in sorted(RULES.workspaces.skip_ids)],
    ("hex-id-kept", ws(HEX), HEX),
    ("static-0-uuidv5", ws("0"), "9d5d0cf1-240e-54a6-951a-3db64c4e70c3"),
    (
        "canonical-uuid-kept",
        ws("1b4e28ba-2fa1-11d2-883f-0016d3cca427"),
        "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
    ),
]


@pytest.mark.parametrize(
    ("legacy", "expected"),
    [c[1:] for c in WORKSPACE_ID_CASES],
    ids=[c[0] for c in WORKSPACE_ID_CASES],
)
def test_workspace_id_rule(legacy: LegacyWorkspace, expected: str | None) -> None:
    state = run(legacy)
    if expected is None:
        assert state.workspaces == ()
        assert state.datasources == ()
        assert ("system-workspace", legacy.workspace_id) in codes(state)
    else:
        assert [w.uuid for w in state.workspaces] == [expected]
        assert state.workspaces[0].legacy_key == legacy.workspace_id


# --- datasources: folding, Cells' folder rules, naming ------------------------------------------

DS_CASES: list[tuple[str, tuple[LegacyWorkspace, ...], MappingRules, dict[str, Any]]] = [
    (
        "one-root",
        (ws("a", "/srv/data/projects"),),
        RULES,
        {"ds": {("projects", "/srv/data/projects")}, "roots": {"a": ("datasource", "projects")}},
    ),
    (
        "nested-folded",
        (ws("a", "/srv/data/exp"), ws("b", "/srv/data/exp/laser/2026")),
        RULES,
        {
            "ds": {("exp", "/srv/data/exp")},
            "roots": {"a": ("datasource", "exp"), "b": ("folder", "exp/laser/2026")},
        },
    ),
    (
        "siblings",
        (ws("a", "/srv/data/one"), ws("b", "/srv/data/two")),
        RULES,
        {"ds": {("one", "/srv/data/one"), ("two", "/srv/data/two")}},
    ),
    (
        "same-root-twice",
        (ws("a", "/srv/data/one"), ws("b", "/srv/data/one/")),
        RULES,
        {
            "ds": {("one", "/srv/data/one")},
            "roots": {"a": ("datasource", "one"), "b": ("datasource", "one")},
        },
    ),
    (
        "bad-bucket-widened",
        (ws("a", "/srv/data/My_Files"),),
        RULES,
        {
            "ds": {("data", "/srv/data")},
            "roots": {"a": ("folder", "data/My_Files")},
            "codes": {("datasource-folder-widened", "/srv/data/My_Files")},
        },
    ),
    (
        "too-shallow",
        (ws("a", "/data"),),
        RULES,
        {"ds": set(), "codes": {("datasource-folder-invalid", "/data")}},
    ),
    (
        "reserved-name",
        (ws("a", "/srv/old/personal"),),
        RULES,
        {"ds": {("p8personal", "/srv/old/personal")}},
    ),
    (
        "name-clash",
        (ws("a", "/srv/xx/lab-one"), ws("b", "/srv/yy/labone")),
        RULES,
        {"ds": {("labone", "/srv/xx/lab-one"), ("labone2", "/srv/yy/labone")}},
    ),
    (
        "name-prefix",
        (ws("a", "/srv/data/one"),),
        with_rules(datasources={"name_prefix": "p8"}),
        {"ds": {("p8one", "/srv/data/one")}},
    ),
    (
        "rename",
        (ws("a", "/srv/data/one"),),
        with_rules(datasources={"rename": (("/srv/data/one", "legacyone"),)}),
        {"ds": {("legacyone", "/srv/data/one")}},
    ),
    (
        "min-depth-3",
        (ws("a", "/srv/data"),),
        with_rules(datasources={"min_depth": 3}),
        {"ds": set(), "codes": {("datasource-folder-invalid", "/srv/data")}},
    ),
]


@pytest.mark.parametrize(
    ("legacy", "rules", "expected"), [c[1:] for c in DS_CASES], ids=[c[0] for c in DS_CASES]
)
def test_datasource_rule(
    legacy: tuple[LegacyWorkspace, ...], rules: MappingRules, expected: dict[str, Any]
) -> None:
    state = run(*legacy, rules=rules)
    assert {(d.name, d.folder) for d in state.datasources} == expected["ds"]
    assert all(d.flat_storage is False and d.storage_type == "LOCAL" for d in state.datasources)
    roots = {
        w.legacy_key: (w.root_nodes[0].kind.value, w.root_nodes[0].path) for w in state.workspaces
    }
    for wid, root in expected.get("roots", {}).items():
        assert roots[wid] == root
    assert expected.get("codes", set()) <= codes(state)
    for d in state.datasources:
        assert dict(d.storage_configuration)["normalize"] == "false"


def test_s3_datasource_carries_keys_as_secrets() -> None:
    s3 = ws(
        HEX,
        "/raw-data",
        driver="s3",
        options={
            "CONTAINER": "lab-archive",
            "REGION": "eu-west-1",
            "API_KEY": "AKIAKEY",
            "SIGNATURE_VERSION": "v4",
        },
        secrets=(("SECRET_KEY", "very-secret"),),
    )
    state = run(s3)
    (ds,) = state.datasources
    assert (ds.name, ds.storage_type, ds.objects_bucket) == ("labarchive", "S3", "lab-archive")
    assert dict(ds.storage_configuration) == {"customRegion": "eu-west-1", "signatureVersion": "v4"}
    assert ds.api_key == Secret("AKIAKEY")
    assert ds.api_secret == Secret("very-secret")
    assert state.workspaces[0].root_nodes[0].path == "labarchive/raw-data"
    text = state.to_json() + repr(state)
    assert "very-secret" not in text
    assert "AKIAKEY" not in text


def test_s3_without_keys_is_a_blocker() -> None:
    state = run(ws(HEX, "/", driver="s3", options={"CONTAINER": "lab-archive"}))
    assert ("s3-keys-missing", HEX) in codes(state)
    assert state.workspaces[0].root_nodes[0].kind is NodeKind.DATASOURCE


# --- paths: variables and rewrites ------------------------------------------------------------

PATH_CASES = [
    (
        "variable",
        "AJXP_DATA_PATH/files",
        with_rules(path_variables=(("AJXP_DATA_PATH", "/var/lib/pydio"),)),
        "/var/lib/pydio/files",
    ),
    (
        "rewrite",
        "/var/lib/pydio/files",
        with_rules(path_rewrite=(PathRewrite(source="/var/lib/pydio", target="/srv/p8"),)),
        "/srv/p8/files",
    ),
    (
        "longest-prefix-wins",
        "/var/lib/pydio/files",
        with_rules(
            path_rewrite=(
                PathRewrite(source="/var", target="/x/y"),
                PathRewrite(source="/var/lib/pydio", target="/srv/p8"),
            )
        ),
        "/srv/p8/files",
    ),
    (
        "segment-boundary",
        "/var/lib/pydio2/files",
        with_rules(path_rewrite=(PathRewrite(source="/var/lib/pydio", target="/srv/p8"),)),
        "/var/lib/pydio2/files",
    ),
    ("unresolved-variable", "AJXP_INSTALL_PATH/data/files", RULES, None),
    ("relative", "data/files", RULES, None),
]


@pytest.mark.parametrize(
    ("legacy", "rules", "expected"), [c[1:] for c in PATH_CASES], ids=[c[0] for c in PATH_CASES]
)
def test_path_rule(legacy: str, rules: MappingRules, expected: str | None) -> None:
    state = run(ws(HEX, legacy), rules=rules)
    if expected is None:
        assert state.workspaces == ()
        assert ("path-unresolved", HEX) in codes(state)
    else:
        assert [d.folder for d in state.datasources] == [expected]


# --- logins -------------------------------------------------------------------------------------

LOGIN_CASES: list[tuple[str, tuple[LegacyUser, ...], MappingRules, dict[str, str | None]]] = [
    ("lower-cased", (user("KenT"),), RULES, {"KenT": "kent"}),
    ("case-kept", (user("KenT"),), with_rules(users={"lowercase_logins": False}), {"KenT": "KenT"}),
    (
        "renamed",
        (user("bob"),),
        with_rules(users={"overrides": Overrides(rename=(("bob", "robert"),))}),
        {"bob": "robert"},
    ),
    ("clash", (user("Ann"), user("ann")), RULES, {"Ann": "ann", "ann": None}),
    ("slash", (user("a/b"),), RULES, {"a/b": None}),
    ("email-login", (user("lise@lab.example"),), RULES, {"lise@lab.example": "lise@lab.example"}),
    (
        "hidden-link-user",
        (user("e6bec0edd06d", hidden=True, parent_user="m"),),
        RULES,
        {"e6bec0edd06d": None},
    ),
    (
        "hidden-forced",
        (user("e6bec0edd06d", hidden=True, parent_user="m"),),
        with_rules(users={"overrides": Overrides(force=frozenset({"e6bec0edd06d"}))}),
        {"e6bec0edd06d": "e6bec0edd06d"},
    ),
    (
        "excluded",
        (user("bob"),),
        with_rules(users={"overrides": Overrides(exclude=frozenset({"bob"}))}),
        {"bob": None},
    ),
]


@pytest.mark.parametrize(
    ("legacy", "rules", "expected"), [c[1:] for c in LOGIN_CASES], ids=[c[0] for c in LOGIN_CASES]
)
def test_login_rule(
    legacy: tuple[LegacyUser, ...], rules: MappingRules, expected: dict[str, str | None]
) -> None:
    state = run(*legacy, rules=rules)
    got = {u.legacy_key: u.login for u in state.users}
    assert {k: got.get(k) for k in expected} == expected
    skipped = {k for k, v in expected.items() if v is None}
    assert skipped <= {f.key for f in state.findings}


# --- per-key overrides: rename, exclude, force ------------------------------------------------

TEMPLATE = ws(HEX, "/srv/data/homes", is_template=True, slug="tpl")
SHARE = ws(
    HEX2,
    "AJXP_PARENT_OPTION:PATH:/sub",
    owner="alice",
    parent_id=HEX,
    infer_options_from_parent=True,
    slug="shared",
)
OVERRIDE_CASES: list[
    tuple[str, tuple[object, ...], MappingRules, Callable[[DesiredState], object], object]
] = [
    (
        "workspace-rename",
        (ws(HEX, slug="old"),),
        with_rules(workspaces={"overrides": Overrides(rename=((HEX, "new-slug"),))}),
        lambda s: [w.slug for w in s.workspaces],
        ["new-slug"],
    ),
    (
        "workspace-exclude",
        (ws(HEX),),
        with_rules(workspaces={"overrides": Overrides(exclude=frozenset({HEX}))}),
        lambda s: (s.workspaces, ("excluded", HEX) in codes(s)),
        ((), True),
    ),
    (
        "template-skipped",
        (TEMPLATE,),
        RULES,
        lambda s: (s.workspaces, ("template", HEX) in codes(s)),
        ((), True),
    ),
    (
        "template-forced",
        (TEMPLATE,),
        with_rules(workspaces={"overrides": Overrides(force=frozenset({HEX}))}),
        lambda s: [w.uuid for w in s.workspaces],
        [HEX],
    ),
    (
        "share-skipped",
        (ws(HEX, "/srv/data/exp"), SHARE),
        RULES,
        lambda s: ([w.uuid for w in s.workspaces], ("shared-child", HEX2) in codes(s)),
        ([HEX], True),
    ),
    (
        "share-forced",
        (ws(HEX, "/srv/data/exp"), SHARE),
        with_rules(workspaces={"overrides": Overrides(force=frozenset({HEX2}))}),
        lambda s: sorted(w.root_nodes[0].path for w in s.workspaces),
        ["exp", "exp/sub"],
    ),
    (
        "group-rename",
        (LegacyGroup(path="/a", label="A"), LegacyGroup(path="/a/b", label="B")),
        with_rules(groups=Overrides(rename=(("/a", "alpha"),))),
        lambda s: [(g.path, g.parent_path, g.label) for g in s.groups],
        [("/alpha", "/", "alpha"), ("/alpha/b", "/alpha", "b")],
    ),
    (
        "group-exclude-subtree",
        (
            LegacyGroup(path="/a", label="A"),
            LegacyGroup(path="/a/b", label="B"),
            user("u", group="/a/b"),
        ),
        with_rules(groups=Overrides(exclude=frozenset({"/a"}))),
        lambda s: (s.groups, [u.group_path for u in s.users]),
        ((), ["/"]),
    ),
    (
        "group-force",
        (),
        with_rules(groups=Overrides(force=frozenset({"/x/y"}))),
        lambda s: [g.path for g in s.groups],
        ["/x", "/x/y"],
    ),
    (
        "group-implied",
        (user("u", group="/sales/emea"),),
        RULES,
        lambda s: ([g.path for g in s.groups], [u.group_path for u in s.users]),
        (["/sales", "/sales/emea"], ["/sales/emea"]),
    ),
    (
        "role-rename",
        (role("acc", {}),),
        with_rules(
            roles=dataclasses.replace(RULES.roles, overrides=Overrides(rename=(("acc", "p8-acc"),)))
        ),
        lambda s: [r.uuid for r in s.roles],
        ["p8-acc"],
    ),
    (
        "role-exclude",
        (role("acc", {}),),
        with_rules(
            roles=dataclasses.replace(RULES.roles, overrides=Overrides(exclude=frozenset({"acc"})))
        ),
        lambda s: s.roles,
        (),
    ),
    (
        "reserved-role-forced",
        (role("GUEST", {}, label="Guest"),),
        with_rules(
            roles=dataclasses.replace(RULES.roles, overrides=Overrides(force=frozenset({"GUEST"})))
        ),
        lambda s: [r.uuid for r in s.roles],
        ["GUEST"],
    ),
]


@pytest.mark.parametrize(
    ("legacy", "rules", "project", "expected"),
    [c[1:] for c in OVERRIDE_CASES],
    ids=[c[0] for c in OVERRIDE_CASES],
)
def test_override_rule(
    legacy: tuple[object, ...],
    rules: MappingRules,
    project: Callable[[DesiredState], object],
    expected: object,
) -> None:
    assert project(run(*legacy, rules=rules)) == expected


# --- workspace details --------------------------------------------------------------------------


def test_per_user_workspace_is_rooted_on_the_personal_template() -> None:
    state = run(ws(HEX, "/srv/data/notebooks/AJXP_USER/docs", slug="notebooks"))
    (workspace,) = state.workspaces
    assert workspace.root_nodes[0].kind is NodeKind.TEMPLATE
    assert workspace.root_nodes[0].uuid == "my-files"
    assert workspace.template_resolution == 'DataSources.notebooks + "/" + User.Name + "/docs"'
    assert [d.folder for d in state.datasources] == ["/srv/data/notebooks"]
    (found,) = [f for f in state.findings if f.code == "personal-files"]
    assert "Cells Home" in found.message
    assert "Enterprise" in found.message


def test_template_child_reads_its_templates_path() -> None:
    template = ws(HEX, "/srv/data/homes/AJXP_USER", is_template=True, slug="tpl")
    child = LegacyWorkspace(
        workspace_id=HEX2,
        slug="optics-home",
        display="Optics Home",
        driver=f"ajxp_template_{HEX}",
        parent_id=HEX,
        infer_options_from_parent=True,
    )
    state = run(template, child)
    assert [(w.uuid, w.root_nodes[0].uuid, w.datasource) for w in state.workspaces] == [
        (HEX2, "my-files", "homes")
    ]


DEFAULT_RIGHTS_CASES = [
    ("option-only", "rw", None, DefaultRightsMode.ATTRIBUTE, "rw", True),
    ("option-dropped", "rw", None, DefaultRightsMode.DROP, "", False),
    ("root-group-wins", "rw", "r", DefaultRightsMode.ATTRIBUTE, "r", False),
    ("empty", "", None, DefaultRightsMode.ATTRIBUTE, "", False),
    ("invalid", "rx", None, DefaultRightsMode.ATTRIBUTE, "", False),
]


@pytest.mark.parametrize(
    ("legacy", "root", "mode", "expected", "warned"),
    [c[1:] for c in DEFAULT_RIGHTS_CASES],
    ids=[c[0] for c in DEFAULT_RIGHTS_CASES],
)
def test_default_rights_rule(
    legacy: str, root: str | None, mode: DefaultRightsMode, expected: str, warned: bool
) -> None:
    roles = (role("AJXP_GRP_/", {HEX: root}),) if root else ()
    state = run(
        ws(HEX, options={"DEFAULT_RIGHTS": legacy}),
        *roles,
        rules=with_rules(workspaces={"default_rights": mode}),
    )
    assert state.workspaces[0].attribute("DEFAULT_RIGHTS") == expected
    assert (("default-rights-widen", HEX) in codes(state)) is warned


def test_attributes_quota_and_sync_and_slugs() -> None:
    meta = {"meta.quota": {"DEFAULT_QUOTA": "2G"}, "meta.syncable": {"REPO_SYNCABLE": True}}
    state = run(
        ws(
            HEX,
            "/srv/data/one",
            slug="Common Files!",
            options={"META_SOURCES": meta},
            display="x" * 600,
        ),
        ws(HEX2, "/srv/data/two", slug="common-files"),
    )
    by_id = {w.legacy_key: w for w in state.workspaces}
    assert by_id[HEX].attribute("QUOTA") == str(2 * 1024**3)
    assert by_id[HEX].attribute("ALLOW_SYNC") is True
    assert len(by_id[HEX].label) == 500
    # "common-files" is Cells' own; both legacy slugs sanitise to it: unique, valid slugs
    assert sorted(w.slug for w in state.workspaces) == ["common-files-2", "common-files-3"]


# --- users: roles, teams, auto-applies, passwords ----------------------------------------------


def test_user_roles_keep_order_and_leave_out_special_and_auto_applied() -> None:
    state = run(
        user(
            "linus",
            roles=("AJXP_USR_/linus", "zeta", "visitors", "alpha", "EXTERNAL_USERS", "ghost"),
        ),
        role("zeta"),
        role("alpha"),
        role("visitors", auto_applies=("standard",)),
        role("EXTERNAL_USERS", auto_applies=("shared",)),
    )
    (linus,) = state.users
    assert linus.roles == ("zeta", "alpha")
    assert ("dangling-role", "linus") in codes(state)


AUTO_APPLY_CASES = [
    (("all",), ("standard", "shared", "admin"), False),
    (("shared",), ("shared",), False),
    (("guest", "standard"), ("standard",), True),
    (("admin", "admin"), ("admin",), False),
]


@pytest.mark.parametrize(
    ("legacy", "expected", "dropped"), AUTO_APPLY_CASES, ids=["all", "shared", "guest", "dupe"]
)
def test_auto_applies_rule(
    legacy: tuple[str, ...], expected: tuple[str, ...], dropped: bool
) -> None:
    state = run(role("visitors", auto_applies=legacy, label="Visitors"))
    assert state.roles[0].auto_applies == expected
    assert (("auto-apply-dropped", "visitors") in codes(state)) is dropped


def test_team_becomes_a_cells_team_with_its_owner() -> None:
    state = run(
        user("Marie"),
        user("pierre", roles=("curie-team-521",)),
        role("curie-team-521", owner="Marie", label="Curie Team", kind=RoleKind.TEAM),
    )
    (team,) = state.roles
    assert (team.uuid, team.label, team.is_team, team.owner) == (
        "curie-team-521",
        "Curie Team",
        True,
        "marie",
    )
    assert [u.roles for u in state.users if u.login == "pierre"] == [("curie-team-521",)]


PASSWORD_CASES = [
    (PasswordStrategy.KEEP_HASH, HashFormat.PBKDF2, PasswordAction.KEEP_HASH),
    (PasswordStrategy.KEEP_HASH, HashFormat.MD5, PasswordAction.KEEP_HASH),
    (PasswordStrategy.KEEP_HASH, HashFormat.NONE, PasswordAction.RESET),
    (PasswordStrategy.KEEP_HASH, HashFormat.UNKNOWN, PasswordAction.RESET),
    (PasswordStrategy.RESET, HashFormat.PBKDF2, PasswordAction.RESET),
    (PasswordStrategy.RANDOM, HashFormat.PBKDF2, PasswordAction.RANDOM),
]


@pytest.mark.parametrize(
    ("strategy", "legacy", "expected"),
    PASSWORD_CASES,
    ids=[f"{s.value}-{h.value}" for s, h, _ in PASSWORD_CASES],
)
def test_password_rule(
    strategy: PasswordStrategy, legacy: HashFormat, expected: PasswordAction
) -> None:
    secret = Secret("sha256:1000:c2FsdA==:aGFzaA==")
    state = run(user("bob", password_hash=secret, hash_format=legacy), strategy=strategy)
    plan = state.users[0].password
    assert plan.action is expected
    assert (plan.legacy_hash == secret) is (expected is PasswordAction.KEEP_HASH)
    assert "c2FsdA" not in state.to_json() + repr(state)


# --- effective rights: shared users, masks, dangling rights -------------------------------------


def test_shared_user_does_not_inherit_group_or_root_rights() -> None:
    state = run(
        ws(HEX, "/srv/data/exp"),
        ws(HEX2, "/srv/data/lib"),
        LegacyGroup(path="/lab", label="Lab"),
        user("marie", group="/lab"),
        user("student", group="/lab", profile=None, parent_user="marie"),
        role("AJXP_GRP_/lab", {HEX: "r"}),
        role("AJXP_GRP_/", {HEX2: "rw"}),
        role("AJXP_USR_/student", {}),
    )
    isolation = {
        (a.role.key, a.node.path, a.action) for a in state.acls if a.origin.value == "isolation"
    }
    assert isolation == {("student", "exp", "deny"), ("student", "lib", "deny")}
    assert not any(a.role.key == "marie" for a in state.acls)


MASK_CASES = [
    (MaskRule(path="/docs/private", permission=4), {("docs/private", "deny")}),
    (MaskRule(path="/public", permission=1), {("public", "read")}),
    (MaskRule(path="/drop", permission=3), {("drop", "read"), ("drop", "write")}),
    (MaskRule(path="/travel", permission=8), set()),
]


@pytest.mark.parametrize(("legacy", "expected"), MASK_CASES, ids=["deny", "read", "rw", "travel"])
def test_mask_rule(legacy: MaskRule, expected: set[tuple[str, str]]) -> None:
    mask = LegacyMask(workspace_id=HEX, rules=(legacy,))
    state = run(
        ws(HEX, "/srv/data/exp"), user("alice"), role("AJXP_USR_/alice", {HEX: "rw"}, masks=(mask,))
    )
    got = {
        (a.node.path.removeprefix("exp/"), a.action) for a in state.acls if a.origin.value == "mask"
    }
    assert got == expected
    assert all(
        a.workspace_uuid == "" and a.node.uuid is None
        for a in state.acls
        if a.origin.value == "mask"
    )
    assert ("mask-partial", f"mask:AJXP_USR_/alice#{HEX}") in codes(state)


DANGLING_CASES = [
    ("unknown-workspace", role("AJXP_USR_/alice", {"deadbeef": "r"}), "dangling-right"),
    ("unknown-user", role("AJXP_USR_/ghost", {HEX: "r"}), "dangling-right"),
    ("unknown-group", role("AJXP_GRP_/ghosts", {HEX: "r"}), "dangling-right"),
    ("system-workspace", role("AJXP_USR_/alice", {"ajxp_conf": "rw"}), "right-on-system-workspace"),
    ("reserved-role", role("MINISITE", {HEX: "r"}), "role-not-migrated"),
    ("link-user", role("AJXP_USR_/link", {HEX: "r"}), "share-right"),
]


@pytest.mark.parametrize(
    ("legacy", "expected"), [c[1:] for c in DANGLING_CASES], ids=[c[0] for c in DANGLING_CASES]
)
def test_unmapped_right_becomes_a_finding(legacy: LegacyRole, expected: str) -> None:
    state = run(
        ws(HEX),
        ws("ajxp_conf", None, driver="ajxp_conf"),
        user("alice"),
        user("link", hidden=True, parent_user="alice"),
        legacy,
    )
    assert state.acls == ()
    (acl,) = legacy.acls
    assert (expected, f"{legacy.role_id}#{acl.workspace_id}") in codes(state)
    assert all(f.severity is not Severity.BLOCKER for f in state.findings)


def test_node_ids_and_role_targets_are_cells_shaped() -> None:
    state = run(ws(HEX, "/srv/data/exp"), user("alice"), role("AJXP_USR_/alice", {HEX: "r"}))
    (acl,) = state.acls
    assert (acl.role.target, acl.node.uuid, acl.node.path) == (
        RoleTarget.USER,
        "DATASOURCE:exp",
        "exp",
    )


def test_blockers_are_the_blocker_findings() -> None:
    state = run(ws(HEX, "/data"), ws(HEX2, "/srv/data/fine"), user("a/b"))
    assert {(f.code, f.key) for f in state.blockers()} == {
        ("datasource-folder-invalid", "/data"),
        ("login-invalid", "a/b"),
    }
    assert [w.legacy_key for w in state.workspaces] == [HEX2]


LEGACY_RIGHTS_CASES = [
    ("no-personal-role", (), {("user", "old", "files", "read")}),
    (
        "row-wins-over-role",
        (role("AJXP_USR_/old", {HEX: "rw"}),),
        {("user", "old", "files", "read")},
    ),
]


@pytest.mark.parametrize(
    ("roles", "expected"),
    [c[1:] for c in LEGACY_RIGHTS_CASES],
    ids=[c[0] for c in LEGACY_RIGHTS_CASES],
)
def test_4x_rights_rows_become_personal_rights(
    roles: tuple[LegacyRole, ...], expected: set[tuple[str, str, str, str]]
) -> None:
    old = user("old", legacy_rights=(LegacyAcl(workspace_id=HEX, right="r"),))
    state = run(ws(HEX, "/srv/data/files"), old, *roles)
    assert acl_set(state) == expected
    assert {a.legacy_key for a in state.acls} == {f"AJXP_USR_/old#{HEX}"}


def test_rights_of_an_excluded_subtree_are_reported_as_excluded() -> None:
    state = run(
        ws(HEX),
        LegacyGroup(path="/a", label="A"),
        LegacyGroup(path="/a/b", label="B"),
        role("AJXP_GRP_/a/b", {HEX: "r"}),
        rules=with_rules(groups=Overrides(exclude=frozenset({"/a"}))),
    )
    assert state.acls == ()
    assert ("role-not-migrated", f"AJXP_GRP_/a/b#{HEX}") in codes(state)


SCOPE_CASES = [
    ("disabled", {"enabled": False}, ("workspace-disabled", HEX), False),
    ("unique-user", {"child_user": "bob"}, ("unique-user-lost", HEX), True),
    ("group-scope", {"group_path": "/sales"}, ("group-scope-lost", HEX), True),
]


@pytest.mark.parametrize(
    ("flags", "expected", "mapped"), [c[1:] for c in SCOPE_CASES], ids=[c[0] for c in SCOPE_CASES]
)
def test_pydio_visibility_rules_are_reported(
    flags: dict[str, Any], expected: tuple[str, str], mapped: bool
) -> None:
    state = run(ws(HEX, **flags))
    assert expected in codes(state)
    assert bool(state.workspaces) is mapped


def test_per_user_workspaces_sharing_one_template_node_are_reported() -> None:
    state = run(ws(HEX, "/srv/data/homes/AJXP_USER"), ws(HEX2, "/srv/data/notes/AJXP_USER"))
    (found,) = [f for f in state.findings if f.code == "personal-files-shared"]
    assert found.key == "my-files"
    assert HEX in found.message
    assert HEX2 in found.message


def test_root_role_applied_after_groups_in_pydio_is_reported() -> None:
    state = run(
        ws(HEX),
        LegacyGroup(path="/lab", label="Lab"),
        role("ROOT_ROLE", {HEX: "rw"}),
        role("AJXP_GRP_/lab", {HEX: "r"}),
    )
    assert ("root-role-order", f"ROOT_ROLE#{HEX}") in codes(state)
    assert state.workspaces[0].attribute("DEFAULT_RIGHTS") == "rw"
