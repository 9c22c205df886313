"""``POST /a/tree/stats``: nodes as a user sees them through workspaces and ACLs.

Resolution as recorded (user-and-group-role-acls.yaml, acl-crud.yaml; cells-api.md §1.6):
along the caller's ordered role stack, the **last** role with read/write/deny ACLs on a node
replaces the earlier ones for that node; a ``deny`` on the target or any ancestor up to the
workspace root hides it; otherwise the deepest node with rights gives read and/or write.
Invisible or unknown paths are left out (``{}`` when nothing is visible). Template roots
(``my-files``) are not resolved: the per-user personal folders are not modelled.
"""

from __future__ import annotations

from migrate.cells.emulator.answers import JSON, Answer, Call
from migrate.cells.emulator.records import Node, Workspace
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
            out = target.render()
            out["Path"] = f"{slug}/{rest}" if rest else f"{slug}/"
            meta = {"name": out["MetaStore"]["name"]}
            if "write" not in rights:
                meta["node_readonly"] = '"true"'
            if not rest:
                meta["ws_root"] = '"true"'
            out["MetaStore"] = meta
            return out
    return None


def tree_stats(store: Store, call: Call) -> Answer:
    """``POST /a/tree/stats {"NodePaths": [...]}`` for the caller."""
    user = store.t.users.get(call.caller or "")
    if user is None:
        return Answer(body={})
    roles = [r.uuid for r in effective_roles(store, user)]
    nodes = [n for p in call.json().get("NodePaths") or [] if (n := _stat(store, roles, str(p)))]
    return Answer(body={"Nodes": nodes} if nodes else {})
