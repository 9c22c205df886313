"""Cells' resolution rules, as the audit applies them to what it read (cells_access.py).

Each case gives role ACLs (``role: {node: "read,write"}``) and the user's role set-up, and
the rights at the workspace root (and below it) the rules give. The facts are from
user-and-group-role-acls.yaml and role-autoapplies-and-teams.yaml
(tests/cassettes/test_audit_recordings.py replays the recordings themselves).
"""

from __future__ import annotations

import pytest

from migrate.audit.cells_access import (
    CellsModel,
    CellsRole,
    CellsUser,
    CellsWorkspace,
    RoleAcls,
    acl_bits,
    add_acl,
)
from migrate.audit.compare import compare_views
from migrate.audit.locations import Location
from migrate.audit.model import Change, right_text

WS = "ws-1"
ROOT = "DATASOURCE:ds"
SUB = "node-sub"
PLACES = {ROOT: Location("file", "/srv/ds"), SUB: Location("file", "/srv/ds/sub")}
GROUP = "group-uuid"
USER = "user-uuid"


def model(acls: dict[str, dict[str, str]], roles: tuple[CellsRole, ...] = ()) -> CellsModel:
    table: dict[str, RoleAcls] = {}
    for role, nodes in acls.items():
        for node, actions in nodes.items():
            for action in actions.split(","):
                ws = WS if node == ROOT else ""
                add_acl(table, role, node, ws, acl_bits(action, "1"))
    m = CellsModel(
        workspaces={
            WS: CellsWorkspace(uuid=WS, slug="ws", label="WS", scope="ADMIN", roots=(ROOT,))
        },
        groups={"/g": GROUP},
        roles={r.uuid: r for r in roles},
        auto=tuple(r for r in roles if r.auto_applies),
        acls={k: v for k, v in table.items() if k != USER},
        locate=lambda node, login: PLACES.get(node),
    )
    m.index_roots()
    return m


def at(m: CellsModel, user: CellsUser, own: dict[str, str], where: str = "") -> str:
    own_table: dict[str, RoleAcls] = {}
    for node, actions in own.items():
        for action in actions.split(","):
            add_acl(own_table, USER, node, WS if node == ROOT else "", acl_bits(action, "1"))
    views = m.views(user, own_table.get(USER, {}))
    place = PLACES[ROOT].join(where)
    bits = 0
    for view in views:
        if view.location.contains(place):
            bits |= view.at(place)
    return right_text(bits)


def person(profile: str = "standard", group: str = "/g", roles: tuple[str, ...] = ()) -> CellsUser:
    return CellsUser(login="u", uuid=USER, group_path=group, profile=profile, roles=roles)


CASES = [
    # (id, role acls, own acls, user, expected at the root)
    ("group read -> read only", {GROUP: {ROOT: "read"}}, {}, person(), "r"),
    (
        "group read + user write -> write only",
        {GROUP: {ROOT: "read"}},
        {ROOT: "write"},
        person(),
        "w",
    ),
    ("group deny + user write -> write", {GROUP: {ROOT: "deny"}}, {ROOT: "write"}, person(), "w"),
    (
        "user deny hides what the group grants",
        {GROUP: {ROOT: "read,write"}},
        {ROOT: "deny"},
        person(),
        "none",
    ),
    ("ROOT_GROUP read -> read only", {"ROOT_GROUP": {ROOT: "read"}}, {}, person(group="/"), "r"),
    (
        "a user outside the group gets nothing",
        {GROUP: {ROOT: "read"}},
        {},
        person(group="/"),
        "none",
    ),
    (
        "shared profile: no ROOT_GROUP",
        {"ROOT_GROUP": {ROOT: "read,write"}},
        {},
        person(profile="shared", group="/"),
        "none",
    ),
]


@pytest.mark.parametrize(
    ("acls", "own", "user", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_root_rights(
    acls: dict[str, dict[str, str]], own: dict[str, str], user: CellsUser, expected: str
) -> None:
    assert at(model(acls), user, own) == expected


def test_auto_applied_roles_go_before_assigned_ones_kept_in_stored_order() -> None:
    roles = (
        CellsRole(uuid="auto", label="auto", auto_applies=("standard",)),
        CellsRole(uuid="first", label="first"),  # ForceOverride or not: its place is kept
        CellsRole(uuid="second", label="second"),
    )
    acls = {"auto": {ROOT: "read,write"}, "first": {ROOT: "read"}, "second": {ROOT: "write"}}
    m = model(acls, roles)
    user = person(roles=("first", "second"))
    assert m.stack(user) == ["ROOT_GROUP", GROUP, "auto", "first", "second", USER]
    assert at(m, user, {}) == "w"
    assert at(m, person(profile="admin", roles=("first",)), {}) == "r"


def test_deny_below_the_root_hides_the_folder_and_the_deepest_rights_win() -> None:
    m = model({GROUP: {ROOT: "read,write", SUB: "read"}})
    assert (at(m, person(), {}), at(m, person(), {}, "sub"), at(m, person(), {}, "sub/x")) == (
        "rw",
        "r",
        "r",
    )
    m = model({GROUP: {ROOT: "read,write", SUB: "deny"}})
    assert (at(m, person(), {}, "sub/x"), at(m, person(), {}, "other")) == ("none", "rw")


def test_acls_without_value_or_other_actions_grant_nothing() -> None:
    assert acl_bits("read", "") == 0  # share-cell-create.yaml: no Value, no access
    assert acl_bits("workspace-path", "ds") == 0
    assert acl_bits("write", "1") == 2


def test_compare_reports_one_line_per_change_not_one_per_sub_folder() -> None:
    m = model({GROUP: {ROOT: "read,write", SUB: "read"}})
    cells = m.views(person(), {})
    legacy = model({GROUP: {ROOT: "read", SUB: "read"}}).views(person(), {})
    diffs = compare_views("u", "u", legacy, cells)
    assert [(d.change, str(d.location), d.legacy, d.cells) for d in diffs] == [
        (Change.WIDENED, "file:/srv/ds", 1, 3)
    ]
    assert compare_views("u", "", legacy, [])[0].change is Change.LOST


def test_rights_on_a_node_that_cannot_be_placed_are_shown_not_dropped() -> None:
    m = model({GROUP: {ROOT: "read", "lost-node": "read,write"}})
    views = m.views(person(), {})
    unplaced = [v for v in views if v.location.kind == "unplaced"]
    assert [(str(v.location), v.at(v.location)) for v in unplaced] == [("unplaced:/lost-node", 3)]
    diffs = compare_views("u", "u", [], unplaced)
    assert [(d.change, str(d.location)) for d in diffs] == [(Change.WIDENED, "unplaced:/lost-node")]
