"""The audit's Cells rules reproduce what a real Cells 3.0.9 showed its users.

``user-and-group-role-acls.yaml``: a workspace, a group with a member and a user outside
it; ACLs are added and removed on the group role, the user role and ROOT_GROUP, and after
each step the user's own ``/a/tree/stats`` (and twice ``/a/frontend/state``) was recorded.
The test replays the ACL writes into the audit's model and checks, step by step, that the
computed rights at the workspace root are what the recorded user saw.

``role-autoapplies-and-teams.yaml``: every user read back (``GET /a/user``) lists the role
stack Cells built; the audit rebuilds the same order from the parts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from migrate.audit.cells_access import (
    CellsModel,
    CellsRole,
    CellsUser,
    CellsWorkspace,
    RoleAcls,
    acl_bits,
    add_acl,
)
from migrate.audit.locations import Location
from migrate.audit.model import NONE, READ, right_text
from migrate.cells.models import User

pytestmark = pytest.mark.cassette

RECORDINGS = Path(__file__).parent / "recordings"
# The recording does not say whose token each stats call used (Authorization is scrubbed).
# Calls 11, 23, 25 and 28 can only be the user outside the group: the group's read ACL is
# still there (the final ACL search lists it), and the member would have seen the
# workspace. The others are the member's: they follow the member's ACLs.
OUTSIDER_CALLS = {11, 23, 25, 28}


def _interactions(name: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((RECORDINGS / name).read_text(encoding="utf-8"))
    return list(data["interactions"])


def _json(text: Any) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _seen_stats(body: Any) -> str:
    nodes = (body or {}).get("Nodes") or []
    if not nodes:
        return "hidden"
    return "read-only" if "node_readonly" in nodes[0].get("MetaStore", {}) else "writable"


def _computed(bits: int) -> str:
    return "hidden" if bits == NONE else "read-only" if bits == READ else "writable"


def _model(
    ws: dict[str, Any], group: dict[str, Any], acls: dict[str, dict[str, Any]]
) -> CellsModel:
    table: dict[str, RoleAcls] = {}
    for acl in acls.values():
        bits = acl_bits(acl["Action"]["Name"], acl["Action"].get("Value", ""))
        add_acl(table, acl.get("RoleID", ""), acl["NodeID"], acl.get("WorkspaceID", ""), bits)
    root = next(iter(ws["RootNodes"]))
    model = CellsModel(
        workspaces={
            ws["UUID"]: CellsWorkspace(
                uuid=ws["UUID"], slug=ws["Slug"], label=ws["Label"], scope="ADMIN", roots=(root,)
            )
        },
        groups={"/" + group["GroupLabel"]: group["Uuid"]},
        acls=table,
        locate=lambda node, _login: Location("file", "/ds") if node == root else None,
    )
    model.index_roots()
    return model


def _deleted(acls: dict[str, dict[str, Any]], query: dict[str, Any]) -> None:
    for key, acl in list(acls.items()):
        if (
            all(acl.get(k) == v for k, v in query.items() if k != "Action")
            and acl["Action"]["Name"] == query["Action"]["Name"]
        ):
            del acls[key]


def test_each_recorded_view_is_what_the_audit_computes() -> None:
    steps = _interactions("user-and-group-role-acls.yaml")
    users: dict[str, CellsUser] = {}
    ws: dict[str, Any] = {}
    group: dict[str, Any] = {}
    acls: dict[str, dict[str, Any]] = {}
    checked = []
    for index, step in enumerate(steps):
        req, resp = step["request"], step["response"]
        path = req["uri"].split("8080", 1)[1]
        body = _json(resp["body"]["string"])
        sent = _json(req.get("body"))
        if req["method"] == "PUT" and path.startswith("/a/workspace/"):
            ws = body
        elif req["method"] == "PUT" and path.startswith("/a/user/"):
            if body.get("IsGroup"):
                group = body
            else:
                sent = User.from_json(body)
                users[sent.login] = CellsUser(
                    login=sent.login,
                    uuid=sent.uuid,
                    group_path=sent.group_path,
                    profile=sent.profile,
                    roles=sent.roles or (),
                )
        elif req["method"] == "PUT" and path == "/a/acl":
            acls[body["ID"]] = body
        elif path == "/a/acl/bulk/delete":
            _deleted(acls, sent)
        elif path in ("/a/tree/stats", "/a/frontend/state"):
            login = "rec2-user-nog" if index in OUTSIDER_CALLS else "rec2-user-g"
            user = users[login]
            model = _model(
                ws, group, {k: v for k, v in acls.items() if v.get("RoleID") != user.uuid}
            )
            own: dict[str, RoleAcls] = {}
            for acl in acls.values():
                if acl.get("RoleID") == user.uuid:
                    bits = acl_bits(acl["Action"]["Name"], acl["Action"]["Value"])
                    add_acl(own, user.uuid, acl["NodeID"], acl["WorkspaceID"], bits)
            views = model.views(user, own.get(user.uuid, {}))
            bits = views[0].at(views[0].location) if views else NONE
            if path == "/a/tree/stats":
                checked.append((index, _computed(bits), _seen_stats(body)))
            else:
                text = resp["body"]["string"]
                found = re.search(r'<repo [^>]*acl="(\w+)"[^>]*repositorySlug="rec2-ws-grp"', text)
                checked.append((index, right_text(bits), found.group(1) if found else "none"))
    assert len(checked) == 12
    assert [(i, c) for i, c, s in checked if c != s] == []
    assert {c for _, c, _ in checked} == {"hidden", "read-only", "writable", "r", "w"}


def test_the_role_stack_is_rebuilt_in_the_order_cells_reads_it_back() -> None:
    steps = _interactions("role-autoapplies-and-teams.yaml")
    compared = 0
    for step in steps:
        req, resp = step["request"], step["response"]
        body = _json(resp["body"]["string"])
        if req["method"] != "GET" or "/a/user/" not in req["uri"] or not body:
            continue
        recorded = [r["Uuid"] for r in body["Roles"]]
        roles = {
            r["Uuid"]: CellsRole(
                uuid=r["Uuid"],
                label=r.get("Label", ""),
                auto_applies=tuple(a for a in r.get("AutoApplies", ()) if a),
            )
            for r in body["Roles"]
        }
        groups = {
            "/" + r["Label"].removeprefix("Group "): r["Uuid"]
            for r in body["Roles"]
            if r.get("GroupRole") and r["Uuid"] != "ROOT_GROUP"
        }
        model = CellsModel(
            roles=roles, groups=groups, auto=tuple(r for r in roles.values() if r.auto_applies)
        )
        user = User.from_json(body)
        person = CellsUser(
            login=user.login,
            uuid=user.uuid,
            group_path=user.group_path,
            profile=user.profile,
            roles=user.roles or (),
        )
        assert model.stack(person) == recorded, req["uri"]
        compared += 1
    assert compared == 9
