"""ACLs: ``PUT /a/acl``, ``POST /a/acl``, ``POST /a/acl/bulk/delete`` (cells-api.md §1.6)."""

from __future__ import annotations

from collections.abc import Iterable

from migrate.cells.emulator.answers import JSON, Answer, ApiError, Call
from migrate.cells.emulator.records import Acl
from migrate.cells.emulator.search import cached, page_args
from migrate.cells.emulator.store import Store


def _fields(body: JSON) -> tuple[str, str, str, str, str]:
    """(action name, value, role, workspace, node) of an ACL-shaped body."""
    raw = body.get("Action")
    action: JSON = raw if isinstance(raw, dict) else {}
    return (
        str(action.get("Name") or ""),
        str(action.get("Value") or ""),
        str(body.get("RoleID") or ""),
        str(body.get("WorkspaceID") or ""),
        str(body.get("NodeID") or ""),
    )


def put_acl(store: Store, call: Call) -> Answer:
    """Plain insert. A duplicate key answers 500 at once (the real server takes ~11 s)."""
    name, value, role, ws, node = _fields(call.json())
    acl = store.add_acl(name, value, role, ws, node)
    if acl is None:
        # cells-v3-behaviour.md "Later probes": MySQL 1062 surfaces as a DAO error.
        raise ApiError(
            500,
            "DAO error received",
            "Error 1062: Duplicate entry for key 'acls_u1' (node, action, role, workspace)",
        )
    return Answer(body=acl.render())


def _matches(acl: Acl, q: JSON) -> bool:
    """One ``idmACLSingleQuery`` (every non-empty list filters)."""
    ok = True
    if q.get("Actions"):
        ok = ok and any(
            a.get("Name") == acl.action and (not a.get("Value") or a.get("Value") == acl.value)
            for a in q["Actions"]
            if isinstance(a, dict)
        )
    for key, value in (
        ("RoleIDs", acl.role_id),
        ("WorkspaceIDs", acl.workspace_id),
        ("NodeIDs", acl.node_id),
    ):
        if q.get(key):
            ok = ok and value in q[key]
    return ok != bool(q.get("not"))


def _candidates(store: Store, queries: list[JSON], combine_all: bool) -> Iterable[Acl]:
    """Use the role/workspace indexes when one plain query allows it."""
    if len(queries) == 1 and not queries[0].get("not"):
        q = queries[0]
        for key, index in (("RoleIDs", store.t.acls_by_role), ("WorkspaceIDs", store.t.acls_by_ws)):
            if q.get(key):
                ids: set[int] = set()
                for value in q[key]:
                    ids |= index.get(str(value), set())
                return [store.t.acls[i] for i in sorted(ids)]
    return list(store.t.acls.values())


def search_acls(store: Store, call: Call) -> Answer:
    """``POST /a/acl``: no default limit, no ``Total`` (acl-crud.yaml); ``{}`` when empty."""
    body = call.json()
    queries = [q for q in body.get("Queries") or [] if isinstance(q, dict)]
    combine_all = body.get("Operation") == "AND"
    combine = all if combine_all else any
    found = cached(
        store,
        "acls",
        body,
        None,
        lambda: [
            a
            for a in _candidates(store, queries, combine_all)
            if not queries or combine(_matches(a, q) for q in queries)
        ],
    )
    if body.get("CountOnly"):
        return Answer(body={"Total": len(found)})
    offset, limit = page_args(body)
    page = found[offset : offset + limit]
    return Answer(body={"ACLs": [a.render() for a in page]} if page else {})


def bulk_delete(store: Store, call: Call) -> Answer:
    """Every non-empty field of the ACL body filters; ``Action.Value`` only when given."""
    name, value, role, ws, node = _fields(call.json())
    if role:
        pool = [store.t.acls[i] for i in sorted(store.t.acls_by_role.get(role, ()))]
    elif ws:
        pool = store.acls_of_workspace(ws)
    else:
        pool = list(store.t.acls.values())
    hits = [
        a.id
        for a in pool
        if (not name or a.action == name)
        and (not value or a.value == value)
        and (not role or a.role_id == role)
        and (not ws or a.workspace_id == ws)
        and (not node or a.node_id == node)
    ]
    for acl_id in hits:
        store.drop_acl(acl_id)
    # delete-semantics-for-rollback.yaml: no NumRows when nothing matched.
    return Answer(body={"Success": True, "NumRows": str(len(hits))} if hits else {"Success": True})
