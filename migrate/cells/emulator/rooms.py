"""Cells (shared rooms), share listings and share policies (a minimal model).

From cells-v3-behaviour.md "Cells" / "Ownership and listings" and share-cell-create.yaml:
a cell is a ROOM workspace; each ``ACLs[role].Actions`` entry is stored **as sent** (an
action without ``Value`` gives an empty ACL the member cannot use), the caller gets read +
write ``"1"`` if absent, and members get ``READ role:<id>`` policies.
"""

from __future__ import annotations

import re
from typing import Any

from migrate.cells.emulator.answers import JSON, Answer, ApiError, Call, not_found
from migrate.cells.emulator.links import may_write, missing_workspace, owner_policies
from migrate.cells.emulator.records import Policy, User, Workspace
from migrate.cells.emulator.store import Store

OWNER_ACTIONS: list[JSON] = [{"Name": "read", "Value": "1"}, {"Name": "write", "Value": "1"}]


def _acl_spec(room: JSON, caller: User) -> dict[str, list[JSON]]:
    """Role -> actions as sent; the caller's user role gets read+write if absent."""
    spec: dict[str, list[JSON]] = {}
    for key, value in (room.get("ACLs") or {}).items():
        if isinstance(value, dict):
            role = str(value.get("RoleId") or key)
            spec[role] = [dict(a) for a in value.get("Actions") or [] if isinstance(a, dict)]
    spec.setdefault(caller.uuid, [dict(a) for a in OWNER_ACTIONS])
    return spec


def _write_acls(store: Store, ws: Workspace, spec: dict[str, list[JSON]]) -> None:
    for acl in store.acls_of_workspace(ws.uuid):
        store.drop_acl(acl.id)
    for node in ws.root_nodes:
        store.add_acl("workspace-path", f"uuid:{node}", "", ws.uuid, node)
        for role, actions in spec.items():
            for action in actions:
                name, value = str(action.get("Name", "")), str(action.get("Value") or "")
                store.add_acl(name, value, role, ws.uuid, node)


def render_cell(store: Store, ws: Workspace) -> JSON:
    """A cell as ``/a/share/cell`` writes it."""
    spec = store.t.cells.get(ws.uuid, {})
    roots = []
    for uid in ws.root_nodes:
        node = store.t.nodes_by_uuid.get(uid)
        roots.append(node.render() if node else {"Uuid": uid})
    out: JSON = {"Uuid": ws.uuid, "Label": ws.label}
    if ws.description:
        out["Description"] = ws.description
    out["RootNodes"] = roots
    out["ACLs"] = {r: {"RoleId": r, "Actions": a} for r, a in spec.items()}
    out["Policies"] = ws.policies.render(ws.uuid, with_ids=True)
    out["PoliciesContextEditable"] = True
    return out


def put_cell(store: Store, call: Call) -> Answer:
    """``PUT /a/share/cell``: create (no Uuid, always a new cell) or update by Uuid."""
    body = call.json()
    raw_room = body.get("Room")
    room: JSON = raw_room if isinstance(raw_room, dict) else {}
    caller = store.t.users[call.caller or ""]
    roots = [str(r.get("Uuid")) for r in room.get("RootNodes") or [] if isinstance(r, dict)]
    for root in roots:
        if root not in store.t.nodes_by_uuid:
            raise not_found(f"cannot find node {root}")
    spec = _acl_spec(room, caller)
    uid = str(room.get("Uuid") or "")
    if uid:
        ws = store.t.workspaces.get(uid)
        if ws is None or ws.scope != "ROOM":
            raise missing_workspace(uid)
        if not may_write(store, ws, call.caller):
            raise ApiError(403, "You are not allowed to edit this cell")
    else:
        label = str(room.get("Label") or "")
        ws = Workspace(
            uuid=store.new_uuid(),
            scope="ROOM",
            slug=re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-"),
        )
        ws.policies = store.policies(owner_policies(caller))
        store.t.workspaces[ws.uuid] = ws
    ws.label = str(room.get("Label") or ws.label)
    ws.description = str(room.get("Description") or "")
    ws.root_nodes = {r: {"Uuid": r} for r in roots} or ws.root_nodes
    ws.last_updated = store.now()
    kept: list[Policy] = [p for p in ws.policies.items if not p[1].startswith("role:")]
    ws.policies = store.policies(kept + [("READ", f"role:{r}", "allow") for r in spec])
    store.t.cells[ws.uuid] = spec
    _write_acls(store, ws, spec)
    return Answer(body=render_cell(store, ws))


def get_cell(store: Store, call: Call) -> Answer:
    """``GET /a/share/cell/{Uuid}``."""
    ws = store.t.workspaces.get(call.params["uuid"])
    if ws is None or ws.scope != "ROOM":
        raise not_found(f"Cannot find workspace with Uuid {call.params['uuid']}")
    return Answer(body=render_cell(store, ws))


def delete_cell(store: Store, call: Call) -> Answer:
    """``DELETE /a/share/cell/{Uuid}``: the workspace and its ACLs go; the folder stays."""
    uid = call.params["uuid"]
    ws = store.t.workspaces.get(uid)
    if ws is None or ws.scope != "ROOM":
        raise not_found(f"Cannot find workspace with Uuid {uid}")
    if not may_write(store, ws, call.caller):
        raise ApiError(403, "You are not allowed to delete this cell")
    for acl in store.acls_of_workspace(uid):
        store.drop_acl(acl.id)
    del store.t.workspaces[uid]
    store.t.cells.pop(uid, None)
    return Answer(body={"Success": True})


def put_policies(store: Store, call: Call) -> Answer:
    """``PUT /a/share/policies {"Uuid","Policies"}``: replace a LINK/ROOM's policies."""
    body = call.json()
    ws = store.t.workspaces.get(str(body.get("Uuid") or ""))
    if ws is None or ws.scope not in ("LINK", "ROOM"):
        raise missing_workspace(str(body.get("Uuid") or ""))
    if not may_write(store, ws, call.caller):
        raise ApiError(403, "You are not allowed to change these policies")
    items: list[Any] = body.get("Policies") or []
    ws.policies = store.policies(
        (str(p.get("Action")), str(p.get("Subject")), str(p.get("Effect") or "allow"))
        for p in items
        if isinstance(p, dict)
    )
    return Answer(body={"Success": True})


def list_resources(store: Store, call: Call) -> Answer:
    """``POST /a/share/resources``: shares readable by the caller (or ``Subject``, admins).

    Grouped by root node, one link per node (recorded); ``OwnedBySubject`` keeps the ones
    the caller owns.
    """
    body = call.json()
    caller = store.t.users[call.caller or ""]
    subjects = {f"user:{caller.login}", caller.uuid, f"role:{caller.uuid}"}  # a member too
    if body.get("Subject") and caller.profile == "admin":
        target = store.t.users.get(str(body["Subject"]).removeprefix("user:"))
        subjects = {str(body["Subject"])} | ({target.uuid} if target else set())
    kind = {"LINKS": ("LINK",), "CELLS": ("ROOM",)}.get(
        str(body.get("ShareType") or ""), ("LINK", "ROOM")
    )
    by_node: dict[str, JSON] = {}
    for ws in store.t.workspaces.values():
        if (
            ws.scope not in kind
            or not (ws.policies.subjects("READ") | ws.policies.subjects("OWNER")) & subjects
        ):
            continue
        if body.get("OwnedBySubject") and caller.uuid not in ws.policies.subjects("OWNER"):
            continue
        for uid in ws.root_nodes:
            node = store.t.nodes_by_uuid.get(uid)
            entry = by_node.setdefault(uid, {"Node": node.render() if node else {"Uuid": uid}})
            short = {
                "Uuid": ws.uuid,
                "Label": ws.label,
                "Description": ws.description,
                "Policies": ws.policies.render(ws.uuid, with_ids=True),
            }
            if ws.scope == "LINK":
                entry["Link"] = short
            else:
                entry.setdefault("Cells", []).append(short)
    return Answer(body={"Resources": list(by_node.values())} if by_node else {})
