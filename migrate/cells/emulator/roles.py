"""Roles: ``/a/role`` (role-crud.yaml, role-autoapplies-and-teams.yaml; cells-api.md §1.5)."""

from __future__ import annotations

from migrate.cells.emulator.answers import JSON, Answer, ApiError, Call, bad_request_500, not_found
from migrate.cells.emulator.records import DEFAULT_POLICIES, Policy, Role
from migrate.cells.emulator.search import cached, page_args, wildcard
from migrate.cells.emulator.store import Store
from migrate.cells.emulator.users import effective_roles


def _policies(body: JSON) -> list[Policy]:
    """Policies of a role body, or the defaults when it has none."""
    items = body.get("Policies")
    if not isinstance(items, list) or not items:
        return list(DEFAULT_POLICIES)
    return [
        (str(p.get("Action", "")), str(p.get("Subject", "")), str(p.get("Effect", "allow")))
        for p in items
        if isinstance(p, dict)
    ]


def put_role(store: Store, call: Call) -> Answer:
    """``PUT /a/role/{Uuid}``: upsert; the body Uuid wins over the path; Label required."""
    body = call.json()
    uid = str(body.get("Uuid") or call.params["uuid"])
    label = str(body.get("Label") or "")
    if not label:
        raise bad_request_500("Role cannot have an empty label")
    auto = tuple(str(a) for a in body.get("AutoApplies") or () if a)
    role = store.t.roles.get(uid)
    if role is None:
        role = store.new_role(
            uid,
            label,
            policies=_policies(body),
            is_team=bool(body.get("IsTeam")),
            group_role=bool(body.get("GroupRole")),
            user_role=bool(body.get("UserRole")),
            force_override=bool(body.get("ForceOverride")),
            auto_applies=auto,
            auto_since=store.clock(),
        )
    else:
        if auto != role.auto_applies:
            role.auto_since = store.clock()
        if auto:
            store.t.auto_roles.setdefault(uid, None)
        else:
            store.t.auto_roles.pop(uid, None)
        role.label = label
        role.is_team = bool(body.get("IsTeam")) or role.is_team
        role.force_override = bool(body.get("ForceOverride"))
        role.auto_applies = auto
        role.last_updated = store.now()
        if body.get("Policies"):
            role.policies = store.policies(_policies(body))
    return Answer(body=role.render(read=False))


def get_role(store: Store, call: Call) -> Answer:
    """``GET /a/role/{Uuid}`` (404 when missing)."""
    role = store.t.roles.get(call.params["uuid"])
    if role is None:
        raise not_found(f"cannot find role for uuid {call.params['uuid']}")
    return Answer(body=role.render(read=True))


def delete_role(store: Store, call: Call) -> Answer:
    """``DELETE /a/role/{Uuid}``: removes its ACLs; a missing role answers 403 (recorded)."""
    uid = call.params["uuid"]
    if not store.drop_role(uid):
        raise ApiError(
            403, f"cannot find role with id {uid}", f"Not Found: cannot find role with id {uid}"
        )
    return Answer(body={"Uuid": uid})


def _matches(role: Role, q: JSON) -> bool:
    """One ``idmRoleSingleQuery`` against one role."""
    ok = True
    if q.get("Uuid"):
        ok = ok and role.uuid in q["Uuid"]
    if q.get("Label"):
        ok = ok and wildcard(str(q["Label"]))(role.label)
    for key, value in (
        ("IsTeam", role.is_team),
        ("IsGroupRole", role.group_role),
        ("IsUserRole", role.user_role),
        ("HasAutoApply", bool(role.auto_applies)),
    ):
        if q.get(key):
            ok = ok and value
    return ok != bool(q.get("not"))


def caller_subjects(store: Store, login: str | None) -> set[str] | None:
    """Policy subjects of the caller; None for an admin (who sees every role)."""
    user = store.t.users.get(login or "")
    if user is None or user.profile == "admin":
        return None
    subjects = {"*", f"user:{user.login}", f"profile:{user.profile}", user.uuid}
    return subjects | {f"role:{r.uuid}" for r in effective_roles(store, user)}


def search_roles(store: Store, call: Call) -> Answer:
    """``POST /a/role``: filtered by the caller's READ policies (teams stay private)."""
    body = call.json()
    queries = [q for q in body.get("Queries") or [] if isinstance(q, dict)]
    combine = all if body.get("Operation") == "AND" else any
    subjects = caller_subjects(store, call.caller)
    found = cached(
        store,
        "roles",
        body,
        call.caller,
        lambda: [
            r
            for _, r in sorted(store.t.roles.items(), key=lambda kv: kv[0].lower())
            if (not queries or combine(_matches(r, q) for q in queries))
            and (subjects is None or r.policies.subjects("READ") & subjects)
        ],
    )
    offset, limit = page_args(body)
    page = found[offset : offset + limit]
    out: JSON = {}
    if page:
        out["Roles"] = [r.render(read=True) for r in page]
    if found:
        out["Total"] = len(found)
    return Answer(body=out)
