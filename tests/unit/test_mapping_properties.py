"""Property tests of the mapping (issue 4 "Done when"): on random legacy installs,

* mapping is deterministic (twice, and with the inventory's records in another order);
* every legacy right is in an ACL or in a finding with its key;
* no two Cells objects share an id, a slug, a login, a path or an ACL key;
* no datasource is nested in another, and every LOCAL folder passes Cells' rules.
"""

from __future__ import annotations

import dataclasses
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrate.legacy.model import (
    HashFormat,
    Inventory,
    LegacyAcl,
    LegacyGroup,
    LegacyMask,
    LegacyRole,
    LegacyUser,
    LegacyWorkspace,
    MaskRule,
)
from migrate.mapping import DesiredState, PasswordStrategy, map_inventory
from migrate.mapping.ids import is_valid_bucket, is_valid_slug
from migrate.secret import Secret
from tests.support.examples import examples
from tests.unit.test_mapping_cases import RULES, inventory, role, user, ws

SEGMENTS = ["exp", "laser", "lib", "data", "exp", "lib", "My Files", "x", "personal", "AJXP_USER"]
WS_IDS = ["0", "1", "fs_template", "ajxp_home", *(f"{i:x}" * 32 for i in range(1, 7))]
LOGINS = ["alice", "Alice", "bob", "carol", "dave", "link1", "a/b"]
GROUPS = ["/g1", "/g1/s", "/g2"]
RIGHTS = ["r", "w", "rw", "AJXP_VALUE_CLEAR", "zz"]
SECRET = "TOP-SECRET-VALUE"

paths = st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=4).map(
    lambda segs: "/srv/" + "/".join(segs)
)


@st.composite
def workspaces(draw: st.DrawFn) -> LegacyWorkspace:
    wid = draw(st.sampled_from(WS_IDS))
    driver = draw(st.sampled_from(["fs", "fs", "fs", "fs", "s3", "smb", "ajxp_home"]))
    options: dict[str, object] = {
        "CONTAINER": draw(st.sampled_from(["bucket-a", "bucket-b"])),
        "REGION": "r1",
    }
    options["DEFAULT_RIGHTS"] = draw(st.sampled_from(["", "r", "rw"]))
    return ws(
        wid,
        draw(paths),
        driver=driver,
        slug=draw(st.sampled_from(["files", "Files", "common-files", "exp", ""])),
        options=options,
        secrets=(("SECRET_KEY", SECRET), ("API_KEY", SECRET)),
        is_template=draw(st.booleans()) and draw(st.booleans()),
    )


@st.composite
def users(draw: st.DrawFn) -> LegacyUser:
    hidden = draw(st.booleans()) and draw(st.booleans())
    return user(
        draw(st.sampled_from(LOGINS)),
        group=draw(st.sampled_from(["/", *GROUPS])),
        profile=draw(st.sampled_from([None, "standard", "admin", "shared", "guest"])),
        hidden=hidden,
        parent_user="alice" if hidden or draw(st.booleans()) else None,
        roles=tuple(draw(st.lists(st.sampled_from(["team1", "custom", "GUEST", "ghost"])))),
        password_hash=Secret(SECRET),
        legacy_rights=tuple(
            LegacyAcl(workspace_id=w, right=r)
            for w, r in draw(
                st.dictionaries(
                    st.sampled_from(WS_IDS), st.sampled_from(["r", "w", "rw"]), max_size=2
                )
            ).items()
        ),
        hash_format=draw(st.sampled_from(list(HashFormat))),
    )


@st.composite
def roles(draw: st.DrawFn) -> LegacyRole:
    rid = draw(
        st.sampled_from(
            ["AJXP_GRP_/", "ROOT_ROLE", "team1", "custom", "ADMINS", "GUEST", "AJXP_SHARED-x"]
            + [f"AJXP_USR_/{login}" for login in [*LOGINS, "ghost"]]
            + [f"AJXP_GRP_{g}" for g in [*GROUPS, "/nowhere"]]
        )
    )
    acls = draw(
        st.dictionaries(st.sampled_from([*WS_IDS, "deadbeef"]), st.sampled_from(RIGHTS), min_size=1)
    )
    masks: tuple[LegacyMask, ...] = ()
    with_mask: bool = draw(st.booleans())
    if acls and with_mask:
        rule = MaskRule(
            path=draw(st.sampled_from(["/a", "/a/b"])), permission=draw(st.integers(0, 15))
        )
        masks = (LegacyMask(workspace_id=next(iter(acls)), rules=(rule,)),)
    return role(
        rid,
        acls,
        auto_applies=tuple(draw(st.lists(st.sampled_from(["all", "shared", "guest"]), max_size=2))),
        owner="alice" if rid == "team1" else None,
        masks=masks,
    )


def _unique(values: list[LegacyGroup]) -> list[LegacyGroup]:
    return list(dict.fromkeys(values))


@st.composite
def inventories(draw: st.DrawFn) -> Inventory:
    by_id = {w.workspace_id: w for w in draw(st.lists(workspaces(), min_size=1, max_size=10))}
    by_login = {u.login: u for u in draw(st.lists(users(), min_size=1, max_size=6))}
    by_role = {r.role_id: r for r in draw(st.lists(roles(), max_size=14))}
    groups = [LegacyGroup(path=g, label=g.upper()) for g in draw(st.lists(st.sampled_from(GROUPS)))]
    return inventory(
        *sorted(by_id.values(), key=lambda w: w.workspace_id),
        *sorted(by_login.values(), key=lambda u: u.login),
        *sorted(by_role.values(), key=lambda r: r.role_id),
        *_unique(groups),
    )


def _map(inv: Inventory) -> DesiredState:
    return map_inventory(inv, RULES, password_strategy=PasswordStrategy.KEEP_HASH)


PROPERTY = settings(
    max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY
@given(inventories())
def test_mapping_is_deterministic(inv: Inventory) -> None:
    first = _map(inv).to_json()
    assert _map(inv).to_json() == first
    shuffled = dataclasses.replace(
        inv,
        users=inv.users[::-1],
        roles=inv.roles[::-1],
        workspaces=inv.workspaces[::-1],
        groups=inv.groups[::-1],
    )
    assert _map(shuffled).to_json() == first
    assert SECRET not in first


@PROPERTY
@given(inventories())
def test_every_right_is_an_acl_or_a_finding(inv: Inventory) -> None:
    state = _map(inv)
    accounted = {a.legacy_key for a in state.acls} | {f.key for f in state.findings}
    rights = [f"{r.role_id}#{a.workspace_id}" for r in inv.roles for a in r.acls]
    rights += [f"{u.personal_role_id}#{a.workspace_id}" for u in inv.users for a in u.legacy_rights]
    assert [key for key in rights if key not in accounted] == []


@PROPERTY
@given(inventories())
def test_no_two_cells_objects_share_an_id(inv: Inventory) -> None:
    state = _map(inv)
    keyed: dict[str, list[object]] = {
        "datasource name": [d.name for d in state.datasources],
        "workspace uuid": [w.uuid for w in state.workspaces],
        "workspace slug": [w.slug for w in state.workspaces],
        "group path": [g.path for g in state.groups],
        "group uuid": [g.uuid for g in state.groups],
        "role uuid": [r.uuid for r in state.roles],
        "user login": [u.login for u in state.users],
        "user uuid": [u.uuid for u in state.users],
        "acl key": [a.identity for a in state.acls],
    }
    for what, values in keyed.items():
        assert len(values) == len(set(values)), what
    assert all(re.fullmatch(r"[0-9a-z]+", d.name) for d in state.datasources)
    assert all(is_valid_slug(w.slug) for w in state.workspaces)
    assert not {r.uuid for r in state.roles} & RULES.roles.cells_reserved_ids
    assert all("/" not in u.login for u in state.users)


@PROPERTY
@given(inventories())
def test_no_datasource_is_nested_in_another(inv: Inventory) -> None:
    state = _map(inv)
    folders = [tuple(d.folder.strip("/").split("/")) for d in state.datasources if d.folder]
    for folder in folders:
        assert len(folder) >= RULES.datasources.min_depth
        assert is_valid_bucket(folder[-1])
        for other in folders:
            assert other == folder or other[: len(folder)] != folder
    names = {d.name for d in state.datasources}
    assert all(w.datasource in names for w in state.workspaces)
