"""``POST /a/tree/stats``: nodes as a user sees them through workspaces and ACLs.

Resolution as recorded (user-and-group-role-acls.yaml, acl-crud.yaml; cells-api.md §1.6):
along the caller's ordered role stack, the **last** role with read/write/deny ACLs on a node
replaces the earlier ones for that node; a ``deny`` on the target or any ancestor up to the
workspace root hides it; otherwise the deepest node with rights gives read and/or write.
Invisible or unknown paths are left out (``{}`` when nothing is visible); an ACL whose
``Value`` is empty grants nothing (share-cell-create.yaml: such a cell stays hidden). Template
roots (``my-files``) are not resolved: the per-user personal folders are not modelled.

A node that is the root of shares carries ``workspaces_shares`` (their workspaces, as
Cells' proto JSON with numeric enums) in its ``MetaStore``; share answers render their
nodes as the caller sees them (:func:`user_node`), with ``AppearsIn``: every workspace of
the caller that shows it. Cells picks which one gives ``Path`` differently between calls
(cells-v3-recordings README "Shares"): here the first in creation order.
"""

from __future__ import annotations

import json

from migrate.cells.emulator.answers import JSON, Answer, Call
from migrate.cells.emulator.records import Node, User, Workspace
from migrate.cells.emulator.store import Store
from migrate.cells.emulator.users import effective_roles

RIGHTS = ("read", "write", "deny")


def _bitmask(store: Store, roles: list[str], ws: Workspace, node_id: str) -> set[str]:
    """Rights of the last role (in stack order) that has any on this node."""
    found: set[str] = set()
    for role in roles:
        own = {
            store.t.acls[i].action
            for i in store.t.acls_by_role.get(role, ())
            if store.t.acls[i].node_id == node_id
            and store.t.acls[i].action in RIGHTS
            and store.t.acls[i].value not in ("", "0")
            and store.t.acls[i].workspace_id in ("", ws.uuid)
        }
        if own:
            found = own
    return found


def _chain(store: Store, root: Node, target: Node) -> list[Node]:
    """Nodes from the workspace root down to the target."""
    chain = [root]
    rel = target.path[len(root.path) :].strip("/")
    path = root.path
    for part in [p for p in rel.split("/") if p]:
        path = f"{path}/{part}"
        node = store.t.nodes.get(path)
        if node is not None:
            chain.append(node)
    return chain


def _visible(store: Store, roles: list[str], ws: Workspace, root: Node, target: Node) -> set[str]:
    """Effective rights on ``target`` (empty when hidden)."""
    effective: set[str] = set()
    for node in _chain(store, root, target):
        mask = _bitmask(store, roles, ws, node.uuid)
        if "deny" in mask:
            return set()
        if mask:
            effective = mask
    return effective


SCOPE_NUMBERS = {"ADMIN": 1, "ROOM": 2, "LINK": 3}  # idm.WorkspaceScope in proto JSON
ACTION_NUMBERS = {"READ": 1, "WRITE": 2, "OWNER": 3}  # service.ResourcePolicyAction


def shares_meta(store: Store, node_uuid: str) -> str | None:
    """``workspaces_shares``: the LINK/ROOM workspaces rooted at the node, or None."""
    found = []
    for ws in store.t.workspaces.values():
        if ws.scope not in SCOPE_NUMBERS or ws.scope == "ADMIN" or node_uuid not in ws.root_nodes:
            continue
        policies = [
            {
                "id": pid,
                "Resource": ws.uuid,
                "Action": ACTION_NUMBERS.get(action, 0),
                "Subject": subject,
                "Effect": 1 if effect == "allow" else 2,
            }
            for pid, (action, subject, effect) in zip(
                ws.policies.ids, ws.policies.items, strict=True
            )
        ]
        item: JSON = {"UUID": ws.uuid, "Label": ws.label}
        if ws.description:
            item["Description"] = ws.description
        item.update(
            Slug=ws.slug,
            Scope=SCOPE_NUMBERS[ws.scope],
            LastUpdated=ws.last_updated,
            Policies=policies,
        )
        found.append(item)
    return json.dumps(found, separators=(",", ":")) if found else None


def _views(store: Store, roles: list[str], target: Node) -> list[tuple[Workspace, str, set[str]]]:
    """``(workspace, user path, rights)`` of every workspace that shows ``target``."""
    out = []
    for ws in store.t.workspaces.values():
        for key in ws.root_nodes:
            root = store.t.nodes_by_uuid.get(key)
            if root is None or not (target.path + "/").startswith(root.path + "/"):
                continue
            rights = _visible(store, roles, ws, root, target)
            if rights & {"read", "write"}:
                rest = target.path[len(root.path) :].strip("/")
                out.append((ws, f"{ws.slug}/{rest}" if rest else f"{ws.slug}/", rights))
            break
    return out


def _render(store: Store, target: Node, path: str, rights: set[str], *, root: bool) -> JSON:
    out = target.render()
    out["Path"] = path
    meta = {"name": out["MetaStore"]["name"]}
    if "write" not in rights:
        meta["node_readonly"] = '"true"'
    if root:
        meta["ws_root"] = '"true"'
    shares = shares_meta(store, target.uuid)
    if shares:
        meta["workspaces_shares"] = shares
    out["MetaStore"] = meta
    return out


def user_node(store: Store, user: User, node_uuid: str) -> JSON:
    """A node as ``user`` sees it in share answers: ``Path`` through one of the user's
    workspaces, ``AppearsIn`` all of them (just ``Uuid`` when the user sees it nowhere)."""
    target = store.t.nodes_by_uuid.get(node_uuid)
    if target is None:
        return {"Uuid": node_uuid}
    views = _views(store, [r.uuid for r in effective_roles(store, user)], target)
    if not views:
        return {"Uuid": node_uuid}
    _, path, _ = views[0]
    out = _render(store, target, path, {"read", "write"}, root=False)
    out["AppearsIn"] = [
        {"WsUuid": w.uuid, "WsLabel": w.label, "Path": p, "WsSlug": w.slug} for w, p, _ in views
    ]
    return out


def _stat(store: Store, roles: list[str], path: str) -> JSON | None:
    slug, _, rest = path.strip("/").partition("/")
    for ws in store.t.workspaces.values():
        if ws.slug != slug:
            continue
        for key in ws.root_nodes:
            root = store.t.nodes_by_uuid.get(key)
            target = (
                store.t.nodes.get(f"{root.path}/{rest}" if rest else root.path) if root else None
            )
            if root is None or target is None:
                continue
            rights = _visible(store, roles, ws, root, target)
            if not rights & {"read", "write"}:
                continue
            return _render(
                store, target, f"{slug}/{rest}" if rest else f"{slug}/", rights, root=not rest
            )
    return None


def tree_stats(store: Store, call: Call) -> Answer:
    """``POST /a/tree/stats {"NodePaths": [...]}`` for the caller."""
    user = store.t.users.get(call.caller or "")
    if user is None:
        return Answer(body={})
    roles = [r.uuid for r in effective_roles(store, user)]
    nodes = [n for p in call.json().get("NodePaths") or [] if (n := _stat(store, roles, str(p)))]
    return Answer(body={"Nodes": nodes} if nodes else {})
