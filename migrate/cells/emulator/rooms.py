"""Cells (shared rooms), share listings and share policies.

From cells-v3-behaviour.md "Cells" / "Ownership and listings" and share-cell-create.yaml,
share-idempotency.yaml (replayed by the parity test): a cell is a ROOM workspace; each
``ACLs[role].Actions`` entry is stored **as sent** (an action without ``Value`` gives an
empty ACL the member cannot use), the caller gets read + write ``"1"`` if absent, and
members get ``READ role:<id>`` policies. A PUT without ``Uuid`` always makes a new cell; an
unknown ``Uuid`` is a 500, a non-owner's PUT or DELETE a 403. An update that drops a member
of a cell holding empty-``Value`` ACLs answers 200 with an empty body (recorded after 44 s).
Answers render the root nodes as the caller sees them and each member with its user.

``POST /a/share/resources`` lists the shares the caller (or, for an admin, ``Subject``
``user:<login>``) can read, grouped by root node, one link per node; ``OwnedBySubject``
keeps the caller's own (with ``Subject``, or a Uuid ``Subject``: nothing, as recorded).
``PUT /a/share/policies`` replaces a share's policies and answers them.
"""

from __future__ import annotations

import re
from typing import Any

from migrate.cells.emulator.answers import JSON, Answer, Call, not_found
from migrate.cells.emulator.links import may_write, missing_workspace, not_allowed, owner_policies
from migrate.cells.emulator.records import Policy, User, Workspace
from migrate.cells.emulator.store import Store
from migrate.cells.emulator.users import render_user
from migrate.cells.emulator.userspace import user_node

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


def _member(store: Store, role: str, actions: list[JSON]) -> JSON:
    out: JSON = {"RoleId": role, "Actions": [a for a in actions if a.get("Value")]}
    user = next((u for u in store.t.users.values() if u.uuid == role), None)
    if user is not None:
        out["User"] = render_user(store, user)
    return out


def render_cell(store: Store, ws: Workspace, caller: User, *, read: bool = True) -> JSON:
    """A cell as ``/a/share/cell`` writes it, its roots as ``caller`` sees them; ``read``:
    policy ids (GET and updates, not creates)."""
    spec = store.t.cells.get(ws.uuid, {})
    out: JSON = {"Uuid": ws.uuid, "Label": ws.label}
    if ws.description:
        out["Description"] = ws.description
    out["RootNodes"] = [user_node(store, caller, uid) for uid in ws.root_nodes]
    # recorded: a member whose actions have no Value is left out of the answer
    out["ACLs"] = {
        r: _member(store, r, a) for r, a in spec.items() if any(x.get("Value") for x in a)
    }
    policies = ws.policies.render(ws.uuid, with_ids=True)
    if not read:
        policies = [{k: v for k, v in p.items() if k != "id"} for p in policies]
    out["Policies"] = policies
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
    quiet = False
    if uid:
        ws = store.t.workspaces.get(uid)
        if ws is None or ws.scope != "ROOM":
            raise missing_workspace(uid)
        if not may_write(store, ws, call.caller):
            raise not_allowed("cell")
        before = store.t.cells.get(uid, {})
        quiet = bool(set(before) - set(spec)) and any(
            not a.get("Value") for actions in before.values() for a in actions
        )
        for role, actions in spec.items():
            # recorded (#7, #8): an update sending Value-less actions for a member who
            # holds Value-less ACLs leaves that member's rights unchanged
            if role in before and not any(a.get("Value") for a in actions + before[role]):
                spec[role] = before[role]
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
    if quiet:
        return Answer(body="", content_type="application/json")
    return Answer(body=render_cell(store, ws, caller, read=bool(uid)))


def get_cell(store: Store, call: Call) -> Answer:
    """``GET /a/share/cell/{Uuid}``."""
    ws = store.t.workspaces.get(call.params["uuid"])
    if ws is None or ws.scope != "ROOM":
        raise not_found(f"Cannot find workspace with Uuid {call.params['uuid']}")
    return Answer(body=render_cell(store, ws, store.t.users[call.caller or ""]))


def delete_cell(store: Store, call: Call) -> Answer:
    """``DELETE /a/share/cell/{Uuid}``: the workspace and its ACLs go; the folder stays."""
    uid = call.params["uuid"]
    ws = store.t.workspaces.get(uid)
    if ws is None or ws.scope != "ROOM":
        raise not_found(f"Cannot find workspace with Uuid {uid}")
    if not may_write(store, ws, call.caller):
        raise not_allowed("room")
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
        raise not_allowed("link" if ws.scope == "LINK" else "cell")
    items: list[Any] = body.get("Policies") or []
    ws.policies = store.policies(
        (str(p.get("Action")), str(p.get("Subject")), str(p.get("Effect") or "allow"))
        for p in items
        if isinstance(p, dict)
    )
    policies = [{"Resource": ws.uuid, **p} for p in ws.policies.render(ws.uuid, with_ids=False)]
    return Answer(body={"Success": True, "Policies": policies})


def list_resources(store: Store, call: Call) -> Answer:
    """``POST /a/share/resources`` (module docstring)."""
    body = call.json()
    caller = store.t.users[call.caller or ""]
    viewer, on_behalf = caller, False
    if body.get("Subject"):
        subject = str(body["Subject"])
        target = store.t.users.get(subject.removeprefix("user:"))
        if (
            caller.profile != "admin"
            or not subject.startswith("user:")
            or target is None
            or body.get("OwnedBySubject")
        ):
            return Answer(body={})
        viewer, on_behalf = target, True
    subjects = {f"user:{viewer.login}", viewer.uuid} | {f"role:{r}" for r in (viewer.uuid,)}
    kind = {"LINKS": ("LINK",), "CELLS": ("ROOM",)}.get(
        str(body.get("ShareType") or ""), ("LINK", "ROOM")
    )
    by_node: dict[str, JSON] = {}
    for ws in store.t.workspaces.values():
        if ws.scope not in kind or not (
            (ws.policies.subjects("READ") | ws.policies.subjects("OWNER")) & subjects
        ):
            continue
        if body.get("OwnedBySubject") and viewer.uuid not in ws.policies.subjects("OWNER"):
            continue
        for uid in ws.root_nodes:
            if uid not in by_node:
                node = store.t.nodes_by_uuid.get(uid)
                if on_behalf and node is not None:
                    shown = node.render()  # the admin's tree: datasource path, no meta
                else:
                    shown = user_node(store, viewer, uid)
                by_node[uid] = {"Node": shown}
            entry = by_node[uid]
            short: JSON = {"Uuid": ws.uuid, "Label": ws.label}
            if ws.description:
                short["Description"] = ws.description
            short["Policies"] = ws.policies.render(ws.uuid, with_ids=True)
            if may_write(store, ws, call.caller):
                short["PoliciesContextEditable"] = True
            if ws.scope == "LINK":
                entry.setdefault("Link", short)  # recorded: one link per node
            else:
                entry.setdefault("Cells", []).append(short)
    return Answer(body={"Resources": list(by_node.values())} if by_node else {})
