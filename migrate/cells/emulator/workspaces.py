"""Workspaces: ``/a/workspace`` (workspace-crud.yaml, workspace-attributes-and-default-rights.yaml).

Every PUT rewrites the root ACLs (``workspace-path``, ``recycle_root``) and the ROOT_GROUP
read/write/quota ACLs from the body; reads rebuild ``DEFAULT_RIGHTS``/``QUOTA`` from them.
"""

from __future__ import annotations

import json
import re

from migrate.cells.emulator.answers import JSON, Answer, ApiError, Call
from migrate.cells.emulator.fixtures import VIRTUAL_NODES
from migrate.cells.emulator.records import Workspace
from migrate.cells.emulator.roles import caller_subjects
from migrate.cells.emulator.search import page_args, wildcard
from migrate.cells.emulator.store import Store
from migrate.cells.emulator.users import effective_roles
from migrate.cells.emulator.userspace import shares_meta

KNOWN_ATTRIBUTES = ("ALLOW_SYNC", "SKIP_RECYCLE", "META_LAYOUT")  # ws-attributes.go
BOOL_ATTRIBUTES = ("ALLOW_SYNC", "SKIP_RECYCLE")
ROOT_ACTIONS = ("workspace-path", "recycle_root")
DEFAULT_RIGHT_ACTIONS = ("read", "write", "quota")
VIRTUAL = {str(v["Uuid"]): v for v in VIRTUAL_NODES}


def _parse_attributes(body: JSON) -> tuple[str, JSON]:
    """The Attributes string and its parsed object; an object instead of a string is 500."""
    raw = body.get("Attributes", "")
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise ApiError(500, "json: cannot unmarshal object into Go value of type string")
    if not raw.strip():
        return "", {}
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ApiError(500, f"cannot parse workspace attributes: {exc.msg}") from exc
    return raw, parsed if isinstance(parsed, dict) else {}


def _root_path(store: Store, uuid_: str) -> str | None:
    """The path of a root node, or None when Cells could not read it."""
    if uuid_ in VIRTUAL:
        return uuid_
    node = store.t.nodes_by_uuid.get(uuid_)
    return node.path if node else None


def _unique_slug(store: Store, slug: str, own: str) -> str:
    """Cells silently suffixes a taken slug: ``slug-1``, ``slug-2``…"""
    taken = {w.slug for w in store.t.workspaces.values() if w.uuid != own}
    candidate, n = slug, 0
    while candidate in taken:
        n += 1
        candidate = f"{slug}-{n}"
    return candidate


def write_acls(store: Store, ws: Workspace, parsed: JSON) -> None:
    """Rewrite root and ROOT_GROUP default-right ACLs (ws-roots.go, as recorded)."""
    for acl in store.acls_of_workspace(ws.uuid):
        if acl.action in ROOT_ACTIONS or (
            acl.role_id == "ROOT_GROUP" and acl.action in DEFAULT_RIGHT_ACTIONS
        ):
            store.drop_acl(acl.id)
    rights = str(parsed.get("DEFAULT_RIGHTS") or "")
    quota = str(parsed.get("QUOTA") or "")
    for key, value in ws.root_nodes.items():
        given = str(value.get("Path") or "") if isinstance(value, dict) else ""
        store.add_acl("workspace-path", _root_path(store, key) or given, "", ws.uuid, key)
        store.add_acl("recycle_root", "1", "", ws.uuid, key)
        # Recorded: ROOT_GROUP ACLs use the value's Uuid (empty NodeID when it has none).
        node_id = str(value.get("Uuid") or "") if isinstance(value, dict) else ""
        if "r" in rights:
            store.add_acl("read", "1", "ROOT_GROUP", ws.uuid, node_id)
        if "w" in rights:
            store.add_acl("write", "1", "ROOT_GROUP", ws.uuid, node_id)
        if quota and (rights or quota != "0"):
            store.add_acl("quota", quota, "ROOT_GROUP", ws.uuid, node_id)


def rebuilt_attributes(store: Store, ws: Workspace) -> str:
    """Attributes as Cells serves them: known keys, DEFAULT_RIGHTS/QUOTA from the ACLs."""
    try:
        stored = json.loads(ws.attributes) if ws.attributes else {}
    except ValueError:
        stored = {}
    out: JSON = {}
    for key in KNOWN_ATTRIBUTES:
        if key in stored:
            value = stored[key]
            out[key] = value in (True, "true") if key in BOOL_ATTRIBUTES else value
    acls = [a for a in store.acls_of_workspace(ws.uuid) if a.role_id == "ROOT_GROUP"]
    rights = "".join(
        r for r, name in (("r", "read"), ("w", "write")) if any(a.action == name for a in acls)
    )
    if rights:
        out["DEFAULT_RIGHTS"] = rights
    quota = [a.value for a in acls if a.action == "quota"]
    if quota:
        out["QUOTA"] = quota[0]
    return json.dumps(out, separators=(",", ":")) if out else ""


def render_workspace(store: Store, ws: Workspace, *, editable: bool = True) -> JSON:
    """A workspace as a search returns it (roots rebuilt from the tree)."""
    out: JSON = {"UUID": ws.uuid, "Label": ws.label}
    if ws.description:
        out["Description"] = ws.description
    out.update({"Slug": ws.slug, "Scope": ws.scope, "LastUpdated": ws.last_updated})
    out["Policies"] = ws.policies.render(ws.uuid, with_ids=True)
    attributes = rebuilt_attributes(store, ws)
    if attributes:
        out["Attributes"] = attributes
    roots: JSON = {}
    for acl in store.acls_of_workspace(ws.uuid):
        if acl.action == "workspace-path":
            # A root that points at nothing is left out (tree-stat-missing.yaml).
            node = store.t.nodes_by_uuid.get(acl.node_id)
            if node is not None:
                roots[acl.node_id] = node.render()
                shares = shares_meta(store, node.uuid)
                if shares:  # share-cell-create.yaml: a share's root says so
                    roots[acl.node_id]["MetaStore"]["workspaces_shares"] = shares
            elif acl.node_id in VIRTUAL:
                roots[acl.node_id] = dict(VIRTUAL[acl.node_id])
    if roots:
        out["RootNodes"] = roots
    if editable:
        out["PoliciesContextEditable"] = True
    return out


def put_workspace(store: Store, call: Call) -> Answer:
    """``PUT /a/workspace/{Slug}``: upsert by body ``UUID``. Roots are not checked: Cells
    accepts a random Uuid, a key without Uuid and a missing datasource alike
    (tree-stat-missing.yaml), so a client must check its roots itself."""
    body = call.json()
    raw, parsed = _parse_attributes(body)
    raw_roots = body.get("RootNodes")
    roots: JSON = raw_roots if isinstance(raw_roots, dict) else {}
    uid = str(body.get("UUID") or "")
    ws = store.t.workspaces.get(uid) if uid else None
    created = ws is None
    label = str(body.get("Label") or "")
    slug = str(
        body.get("Slug") or call.params.get("slug") or re.sub(r"[^a-z0-9]+", "-", label.lower())
    )
    if ws is None:
        ws = Workspace(uuid=uid or store.new_uuid(), slug="", policies=store.policies())
        store.t.workspaces[ws.uuid] = ws
    ws.slug = _unique_slug(store, slug, ws.uuid)
    ws.label, ws.description = label, str(body.get("Description") or "")
    ws.scope = str(body.get("Scope") or "ADMIN")
    ws.root_nodes = {str(k): dict(v) if isinstance(v, dict) else {} for k, v in roots.items()}
    ws.last_updated = store.now()
    if parsed.get("DEFAULT_RIGHTS") or parsed.get("QUOTA"):
        kept = {k: v for k, v in parsed.items() if k in KNOWN_ATTRIBUTES}
        raw = json.dumps(kept, separators=(",", ":")) if kept else ""
    ws.attributes = raw
    write_acls(store, ws, parsed)
    out: JSON = {"UUID": ws.uuid, "Label": ws.label}
    if ws.description:
        out["Description"] = ws.description
    out.update({"Slug": ws.slug, "Scope": ws.scope})
    if created:  # recorded: the create answer has Policies, the update answer has not
        out["Policies"] = ws.policies.render(ws.uuid, with_ids=False)
    attributes = rebuilt_attributes(store, ws)
    if attributes:
        out["Attributes"] = attributes
    if ws.root_nodes:
        out["RootNodes"] = ws.root_nodes
    return Answer(body=out)


def delete_workspace(store: Store, call: Call) -> Answer:
    """``DELETE /a/workspace/{Slug}``: also deletes every ACL of the workspace."""
    for ws in list(store.t.workspaces.values()):
        if ws.slug == call.params["slug"]:
            for acl in store.acls_of_workspace(ws.uuid):
                store.drop_acl(acl.id)
            del store.t.workspaces[ws.uuid]
            return Answer(body={"Success": True, "NumRows": "1"})
    return Answer(body={"Success": True})


def _matches(ws: Workspace, q: JSON) -> bool:
    """One workspace single query (lowercase field names, cells-api.md §1.7)."""
    ok = True
    for key, value in (
        ("uuid", ws.uuid),
        ("label", ws.label),
        ("description", ws.description),
        ("slug", ws.slug),
    ):
        if q.get(key):
            ok = ok and wildcard(str(q[key]))(value)
    if q.get("scope") not in (None, "", "ANY", 0):
        ok = ok and str(q["scope"]) == ws.scope
    return ok != bool(q.get("not"))


def search_workspaces(store: Store, call: Call) -> Answer:
    """``POST /a/workspace``: policy-filtered (standard users see ADMIN workspaces)."""
    body = call.json()
    queries = [q for q in body.get("Queries") or [] if isinstance(q, dict)]
    combine = all if body.get("Operation") == "AND" else any
    subjects = caller_subjects(store, call.caller)
    # cells-v3-behaviour.md: LINK/ROOM workspaces are policy-filtered for admins too.
    me = store.t.users.get(call.caller or "")
    own = {f"user:{me.login}", f"profile:{me.profile}"} if me else set()
    if me is not None:
        own |= {f"role:{r.uuid}" for r in effective_roles(store, me)}
    found = [
        w
        for w in store.t.workspaces.values()  # creation order (workspace-crud.yaml #8)
        if (not queries or combine(_matches(w, q) for q in queries))
        and (subjects is None or w.policies.subjects("READ") & subjects)
        and (w.scope not in ("LINK", "ROOM") or w.policies.subjects("READ") & own)
    ]
    offset, limit = page_args(body)
    page = found[offset : offset + limit]
    if not page:
        return Answer(body={})
    items = [
        render_workspace(
            store, w, editable=subjects is None or bool(w.policies.subjects("WRITE") & subjects)
        )
        for w in page
    ]
    # workspace-crud.yaml #8: with a Limit, Total is the size of the page, not the count.
    return Answer(body={"Workspaces": items, "Total": len(items)})
