"""Effective rights survive the mapping: for every migrated user and workspace, what Pydio
granted (legacy-model.md §6) is what Cells grants from the mapped state.

Two small, independent evaluators:

* Pydio: roles group roles (parents first) → other roles (auto-applied, then explicit in
  order, ForceOverride last) → personal role; a later non-empty value wins; deny
  (``AJXP_VALUE_CLEAR``) means no access; shared users keep only shared-auto roles, their
  teams and the personal role.
* Cells (cells-api.md §1.6, cells-v3-behaviour.md "Role resolution"): ROOT_GROUP (its ACLs and
  the workspace's DEFAULT_RIGHTS) → group roles → auto-applied roles → explicit roles
  (ForceOverride last) → user role; on the root node the last role with an ACL replaces the
  others; deny hides.

Inventories are random but within what the mapping claims to keep exactly: valid rights,
no reserved roles, no masks, no legacy DEFAULT_RIGHTS option (reported, see
``default-rights-widen``), one auto-applied admin role at most (Cells does not define the
order of several), auto-applied roles never also assigned by hand.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.legacy.model import DENY, Inventory, LegacyGroup, LegacyUser
from migrate.mapping import DesiredState, DesiredUser, DesiredWorkspace, RoleTarget, map_inventory
from tests.support.examples import examples
from tests.unit.test_mapping_cases import RULES, inventory, role, user, ws

WS = [f"{i:x}" * 32 for i in range(1, 5)]
GROUPS = ["/g1", "/g1/s", "/g2"]
RIGHTS = ["r", "w", "rw", DENY]
LOGINS = ["alice", "bob", "carol", "dave"]
Access = tuple[bool, bool]

acl_maps = st.dictionaries(st.sampled_from(WS), st.sampled_from(RIGHTS), max_size=3)


@st.composite
def installs(draw: st.DrawFn) -> Inventory:
    workspaces = [ws(w, f"/srv/data/w{i}") for i, w in enumerate(WS)]
    groups = [LegacyGroup(path=g, label=g) for g in GROUPS]
    roles = [role("AJXP_GRP_/", draw(acl_maps))]
    roles += [role(f"AJXP_GRP_{g}", draw(acl_maps)) for g in GROUPS]
    auto = draw(st.sampled_from([(), ("standard",), ("shared",), ("all",), ("admin",)]))
    roles.append(role("c1", draw(acl_maps), auto_applies=auto))
    roles += [role(c, draw(acl_maps), force_override=draw(st.booleans())) for c in ("c2", "c3")]
    roles.append(role("t1", draw(acl_maps), owner="alice"))
    users = []
    for login in LOGINS:
        shared = login != "alice" and draw(st.booleans())
        explicit = draw(st.lists(st.sampled_from(["c2", "c3", "t1"]), unique=True))
        users.append(
            user(
                login,
                group=draw(st.sampled_from(["/", *GROUPS])),
                profile="shared" if shared else draw(st.sampled_from(["standard", "admin"])),
                parent_user="alice" if shared else None,
                roles=(f"AJXP_USR_/{login}", *explicit),
            )
        )
        roles.append(role(f"AJXP_USR_/{login}", draw(acl_maps)))
    return inventory(*workspaces, *groups, *roles, *users)


def pydio_access(inv: Inventory, u: LegacyUser, wid: str) -> Access:
    roles = inv.roles_by_id()
    profile = u.effective_profile
    explicit = [r for r in u.roles if r in roles and not r.startswith("AJXP_USR_/")]
    auto = [
        r.role_id
        for r in sorted(inv.roles, key=lambda r: r.role_id)
        if profile in r.auto_applies or "all" in r.auto_applies
    ]
    others = auto + [r for r in explicit if r not in auto]
    others = [r for r in others if not roles[r].force_override] + [
        r for r in others if roles[r].force_override
    ]
    order = [r for r in u.group_role_ids if r in roles] + others + [u.personal_role_id]
    if u.shared:
        order = [r for r in order if r in auto or roles[r].owner or r == u.personal_role_id]
        order = [r for r in order if r not in u.group_role_ids]
    value = None
    for rid in order:
        value = roles[rid].acl_map().get(wid) or value
    if value is None or value == DENY:
        return (False, False)
    return ("r" in value, "w" in value)


def cells_access(state: DesiredState, u: DesiredUser, w: DesiredWorkspace) -> Access:
    node = w.root_nodes[0].key
    index: dict[tuple[str, str], set[str]] = {}
    for acl in state.acls:
        if acl.workspace_uuid == w.uuid and acl.node.key == node:
            index.setdefault((acl.role.target.value, acl.role.key), set()).add(acl.action)
    default = str(w.attribute("DEFAULT_RIGHTS") or "")
    root = index.setdefault((RoleTarget.ROOT_GROUP.value, "ROOT_GROUP"), set())
    root |= {a for c, a in (("r", "read"), ("w", "write")) if c in default}
    parts = [p for p in u.group_path.split("/") if p]
    groups = ["/" + "/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    by_uuid = {r.uuid: r for r in state.roles}
    auto = [r.uuid for r in state.roles if u.profile in r.auto_applies]
    explicit = [r for r in u.roles if not by_uuid[r].force_override]
    explicit += [r for r in u.roles if by_uuid[r].force_override]
    order = [
        (RoleTarget.ROOT_GROUP.value, "ROOT_GROUP"),
        *((RoleTarget.GROUP.value, g) for g in groups),
        *((RoleTarget.ROLE.value, r) for r in [*auto, *explicit]),
        (RoleTarget.USER.value, u.login),
    ]
    actions: set[str] = set()
    for ref in order:
        actions = index.get(ref) or actions
    if not actions or "deny" in actions:
        return (False, False)
    return ("read" in actions, "write" in actions)


@settings(max_examples=examples(400), deadline=None)
@given(installs())
def test_every_user_keeps_exactly_the_access_pydio_gave(inv: Inventory) -> None:
    rules = RULES
    state = map_inventory(inv, rules)
    users = {u.legacy_key: u for u in state.users}
    workspaces = {w.legacy_key: w for w in state.workspaces}
    assert set(users) == set(LOGINS)
    assert set(workspaces) == set(WS)
    diffs = [
        (u.login, wid, pydio_access(inv, u, wid), cells_access(state, users[u.login], w))
        for u in inv.users
        for wid, w in workspaces.items()
        if pydio_access(inv, u, wid) != cells_access(state, users[u.login], w)
    ]
    assert diffs == []
