"""Users and groups: ``/a/user`` (cells-v3-behaviour.md §8-9, §11; cells-api.md §1.4, §1.7)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

from migrate.cells.emulator.answers import JSON, Answer, ApiError, Call, bad_request_500, not_found
from migrate.cells.emulator.records import Role, User, join_path, norm_group_path
from migrate.cells.emulator.search import cached, page_args, wildcard
from migrate.cells.emulator.store import Store

PRIVATE_PREFIX = "pydio:"
USER_ROLE_POLICIES = (
    ("READ", "profile:standard", "allow"),
    ("WRITE", "user:{login}", "allow"),
    ("WRITE", "profile:admin", "allow"),
)
USER_POLICIES = (
    ("READ", "profile:standard", "allow"),
    ("WRITE", "profile:admin", "allow"),
    ("WRITE", "user:{login}", "allow"),
)


# passwords ----------------------------------------------------------------------------
def hash_password(password: str, salt: bytes) -> str:
    """Cells' own format ``sha256:1000:<b64 salt>:<b64 key>`` (cells-api.md §4)."""
    key = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 1000, dklen=24)
    return f"sha256:1000:{base64.b64encode(salt).decode()}:{base64.b64encode(key).decode()}"


def check_password(stored: str, password: str) -> bool:
    """Check a password like Cells' ``Bind`` (``common/auth/hasher.go``, cells-api.md §4).

    Fewer than 4 ``:`` sections: lowercase MD5 hex. Exactly 4 (``algo:iter:salt:hash``):
    PBKDF2 (sha256 or sha1, any case) with the salt base64-decoded, then (legacy PHP) the
    salt's text as bytes; key length = decoded hash length. More sections, a bad count or
    a hash that is not base64 fail the login instead of crashing: with a user DB, anyone
    may have written the value.
    """
    parts = stored.split(":")
    if len(parts) < 4:
        digest = hashlib.md5(password.encode()).hexdigest()  # noqa: S324 - legacy format check
        return hmac.compare_digest(digest.encode(), stored.encode())
    if len(parts) > 4 or not parts[1].isdigit() or parts[0].lower() not in ("sha256", "sha1"):
        return False
    algo, iterations, salt_text, key_text = parts[0].lower(), int(parts[1]), parts[2], parts[3]
    try:
        key = base64.b64decode(key_text, validate=True)
    except ValueError:
        return False
    if not key or iterations == 0:
        return False
    try:
        decoded = base64.b64decode(salt_text, validate=True)
    except ValueError:
        decoded = b""  # Go ignores the decode error and hashes with what it got
    for salt in (decoded, salt_text.encode()):
        got = hashlib.pbkdf2_hmac(algo, password.encode(), salt, iterations, dklen=len(key))
        if hmac.compare_digest(got, key):
            return True
    return False


def set_password(store: Store, user: User, password: str) -> None:
    """Hash ``password`` in Cells' format and store it (in memory, and in the user DB)."""
    user.password_hash = hash_password(password, store.new_hex(16).encode())
    if store.userdb is not None:
        store.userdb.set_etag(user.uuid, user.password_hash, mtime=store.now())


def stored_hash(store: Store, user: User) -> str:
    """The hash a login checks: read from the user DB at login time when there is one
    (a hash written there by someone else counts), else the in-memory one."""
    if store.userdb is None:
        return user.password_hash
    return store.userdb.etag(user.uuid) or ""


# rendering ----------------------------------------------------------------------------
def render_path(store: Store, path: str) -> str:
    """A group path as Cells v3 writes it: trailing slash (``/a/``), ``/`` for the root."""
    return "/" if path == "/" else path + "/"


def effective_roles(store: Store, user: User) -> list[Role]:
    """The role stack Cells builds on read (cells-v3-behaviour.md "Role resolution").

    Group roles (ROOT_GROUP, then each ancestor group), AutoApplies roles of the profile,
    custom roles in stored order with ForceOverride ones moved last, then the user role.
    """
    roles = store.t.roles
    stack: list[Role] = []
    # user-crud.yaml: a "shared" user comes back without ROOT_GROUP.
    if user.profile != "shared" and "ROOT_GROUP" in roles:
        stack.append(roles["ROOT_GROUP"])
    path = ""
    for part in [p for p in user.group_path.split("/") if p]:
        path += "/" + part
        group = store.t.groups.get(path)
        if group is not None and group.uuid in roles:
            stack.append(roles[group.uuid])
    cache = store.settings.autoapply_cache_s
    # role-autoapplies-and-teams.yaml: a new AutoApplies role shows up after a cache of
    # up to 10 s (loadAutoAppliesRoles); modelled as fixed windows of autoapply_cache_s.
    window = (store.clock() // cache) * cache if cache > 0 else float("inf")
    auto = [roles[r] for r in store.t.auto_roles if r in roles]  # index: O(auto roles)
    others = [r for r in auto if user.profile in r.auto_applies and r.auto_since < window]
    others += [roles[r] for r in user.roles if r in roles and roles[r] not in others]
    others.sort(key=lambda r: r.force_override)
    stack += others
    if user.uuid in roles:
        stack.append(roles[user.uuid])
    return stack


def render_user(store: Store, user: User, *, editable: bool = True) -> JSON:
    """A user or group as ``/a/user`` writes it."""
    if user.is_group:
        return render_group(store, user, editable=editable)
    out: JSON = {"Uuid": user.uuid, "GroupPath": render_path(store, user.group_path)}
    public = {k: v for k, v in sorted(user.attributes.items()) if not k.startswith(PRIVATE_PREFIX)}
    if public:
        out["Attributes"] = public
    out["Roles"] = [r.render(read=True, editable=False) for r in effective_roles(store, user)]
    out["Login"] = user.login
    out["LastConnected"] = user.last_connected
    out["Policies"] = user.policies.render(user.uuid, with_ids=True)
    if editable:
        out["PoliciesContextEditable"] = True
    return out


def render_group(store: Store, group: User, *, editable: bool) -> JSON:
    """A group: v3 writes the parent path, v4+ the full path (cells-api.md §1.4)."""
    path = group.full_path if store.config.major >= 4 else group.group_path
    out: JSON = {"Uuid": group.uuid, "GroupPath": render_path(store, path)}
    if group.attributes:
        out["Attributes"] = dict(sorted(group.attributes.items()))
    role = store.t.roles.get(group.uuid)
    out["Roles"] = [role.render(read=True, editable=False)] if role else []
    out.update({"IsGroup": True, "GroupLabel": group.login})
    out["Policies"] = group.policies.render(group.uuid, with_ids=True)
    if editable:
        out["PoliciesContextEditable"] = True
    return out


# groups -------------------------------------------------------------------------------
def ensure_group(store: Store, path: str, attributes: dict[str, str] | None = None) -> User:
    """Return the group at ``path``, creating it (and its parents) as Cells does implicitly."""
    path = norm_group_path(path)
    found = store.t.groups.get(path)
    if found is not None or path == "/":
        return found or User(uuid="", login="", group_path="/", is_group=True)
    parent, _, label = path.rpartition("/")
    ensure_group(store, parent or "/")
    attrs = dict(attributes or {})
    if attributes is not None:  # pagination-and-search.yaml: implicit groups have none
        attrs["pydio:labelLike"] = attrs.get("displayName", label).lower()
    group = User(
        uuid=store.new_uuid(),
        login=label,
        group_path=parent or "/",
        attributes=attrs,
        is_group=True,
        last_connected=store.now(),
        policies=store.policies(),
    )
    store.add_user(group)
    store.new_role(group.uuid, f"Group {label}", group_role=True)
    return group


def put_group(store: Store, body: JSON, label: str) -> Answer:
    """Create or update a group; the server appends the label to the parent path."""
    label = str(body.get("GroupLabel") or label)
    full = join_path(norm_group_path(str(body.get("GroupPath") or "/")), label)
    attrs = {str(k): str(v) for k, v in (body.get("Attributes") or {}).items()}
    group = store.t.groups.get(norm_group_path(full))
    if group is None:
        group = ensure_group(store, full, attrs)
    else:
        attrs["pydio:labelLike"] = attrs.get("displayName", label).lower()
        group.attributes = attrs
    return Answer(body=render_group(store, group, editable=False))


# users --------------------------------------------------------------------------------
def put_user(store: Store, call: Call) -> Answer:
    """``PUT /a/user/{Login}``: create or update a user, or a group with ``IsGroup``."""
    body = call.json()
    if body.get("IsGroup"):
        return put_group(store, body, call.params["login"])
    attrs_in = body.get("Attributes")
    if isinstance(attrs_in, dict) and any(k.startswith(PRIVATE_PREFIX) for k in attrs_in):
        # legacy-password-hash.yaml: refused for users, even with "false".
        raise ApiError(403, "you are not allowed to use this attribute")
    login = str(body.get("Login") or call.params["login"])
    group_path = norm_group_path(str(body.get("GroupPath") or "/"))
    if "/" in login:  # user-crud.yaml: "rec/slash" -> group /rec, login slash
        head, _, login = login.rpartition("/")
        group_path = norm_group_path(join_path(group_path, head))
    if not isinstance(attrs_in, dict):
        return Answer(body="")  # user-crud.yaml: no Attributes -> 200, empty, nothing created
    existing = store.t.by_uuid.get(str(body.get("Uuid") or ""))
    if existing is not None and not existing.is_group:
        return Answer(body=render_user(store, update_user(store, existing, body, login)))
    if login in store.t.users:
        status = 409 if store.config.major >= 5 else 403
        raise ApiError(status, "User with the same login already exists!")
    user = create_user(store, body, login, group_path)
    return Answer(body=render_user(store, user))


def clean_attributes(attrs: dict[str, Any]) -> dict[str, str]:
    """Attributes as strings with the ``shared`` profile default (cells-api.md §1.4)."""
    out = {str(k): str(v) for k, v in attrs.items()}
    out.setdefault("profile", "shared")
    return out


def custom_roles(store: Store, roles: Any, profile: str) -> list[str]:
    """Roles a user stores: not group/user roles, not auto-applied to its profile."""
    out: list[str] = []
    for item in roles or ():
        rid = str(item.get("Uuid", "")) if isinstance(item, dict) else ""
        role = store.t.roles.get(rid)
        if not rid or rid == "ROOT_GROUP" or rid in out:
            continue
        if role is not None and (role.group_role or role.user_role or profile in role.auto_applies):
            continue
        out.append(rid)
    return out


def create_user(store: Store, body: JSON, login: str, group_path: str) -> User:
    """Create a user and its user role; an empty password becomes a random one."""
    ensure_group(store, group_path)
    attrs = clean_attributes(body["Attributes"])
    password = str(body.get("Password") or secrets.token_urlsafe(18))
    policies = [(a, s.format(login=login), e) for a, s, e in USER_POLICIES]
    user = User(
        uuid=str(body.get("Uuid") or store.new_uuid()),
        login=login,
        group_path=group_path,
        attributes=attrs,
        roles=custom_roles(store, body.get("Roles"), attrs["profile"]),
        password_hash=hash_password(password, store.new_hex(16).encode()),
        last_connected=store.now(),
        policies=store.policies(policies),
    )
    store.add_user(user)
    role_policies = [(a, s.format(login=login), e) for a, s, e in USER_ROLE_POLICIES]
    label = f"User {body.get('Login') or login}"  # user-crud.yaml: the login as sent
    store.new_role(user.uuid, label, user_role=True, policies=role_policies)
    return user


def update_user(store: Store, user: User, body: JSON, login: str) -> User:
    """Update by Uuid: password kept when empty, roles replaced by the body's list."""
    if login != user.login:
        if login in store.t.users:
            raise ApiError(403, "User with the same login already exists!")
        store.t.users.pop(user.login)
        store.t.logins.remove(user.login)
        user.login = login
        store.add_user(user)
    private = {k: v for k, v in user.attributes.items() if k.startswith(PRIVATE_PREFIX)}
    user.attributes = clean_attributes(body["Attributes"]) | private
    user.group_path = norm_group_path(str(body.get("GroupPath") or user.group_path))
    ensure_group(store, user.group_path)
    if body.get("Password"):
        set_password(store, user, str(body["Password"]))
    user.roles = custom_roles(store, body.get("Roles"), user.profile)
    return user


def put_user_roles(store: Store, call: Call) -> Answer:
    """``PUT /a/user/roles/{Login}``: needs the Uuid; answers only the custom roles."""
    body = call.json()
    uid = str(body.get("Uuid") or "")
    if not uid:
        raise bad_request_500("Please provide a user ID")
    user = store.t.by_uuid.get(uid)
    if user is None or user.is_group:
        raise not_found(f"cannot find user with uuid {uid}")
    user.roles = custom_roles(store, body.get("Roles"), user.profile)
    out = render_user(store, user)
    out["Roles"] = [{"Uuid": r} for r in user.roles]
    return Answer(body=out)


def get_user(store: Store, call: Call) -> Answer:
    """``GET /a/user/{Login}`` (groups are not found this way, as recorded)."""
    user = store.t.users.get(call.params["login"])
    if user is None:
        raise not_found(f"cannot find user with login {call.params['login']}")
    return Answer(body=render_user(store, user))


def delete_user(store: Store, call: Call) -> Answer:
    """``DELETE /a/user/{Login}``; a trailing slash deletes a group recursively."""
    target = call.params["login"]
    if target.endswith("/"):
        full = norm_group_path(target)
        inside = [g for p, g in store.t.groups.items() if p == full or p.startswith(full + "/")]
        members = [
            u
            for u in store.t.users.values()
            if u.group_path == full or u.group_path.startswith(full + "/")
        ]
        for item in members + inside:
            store.drop_user(item)
        return Answer(body={"Success": True})
    user = store.t.users.get(target)
    if user is None:
        return Answer(body={"Success": True})
    if user.login == call.caller:
        raise ApiError(403, "you cannot delete yourself!")
    store.drop_user(user)
    return Answer(body={"Success": True, "NumRows": "1"})


# search -------------------------------------------------------------------------------
def _matches(store: Store, item: User, q: JSON) -> bool:
    """One ``idmUserSingleQuery`` against one user or group (cells-api.md §1.7)."""
    ok = True
    if q.get("Uuid"):
        ok = ok and item.uuid == q["Uuid"]
    if q.get("Login"):
        pattern = wildcard(str(q["Login"]))
        name = item.attributes.get("displayName", "")
        ok = (
            ok
            and not item.is_group
            and bool(pattern(item.login) or ("*" in q["Login"] and pattern(name)))
        )
    if q.get("NodeType"):
        ok = ok and (item.is_group == (q["NodeType"] == "GROUP"))
    if q.get("GroupPath"):
        gp = norm_group_path(str(q["GroupPath"]))
        inside = item.group_path == gp
        if q.get("Recursive"):
            inside = inside or item.group_path.startswith(gp.rstrip("/") + "/")
        ok = ok and inside
    if q.get("FullPath"):
        ok = ok and item.is_group and item.full_path == norm_group_path(str(q["FullPath"]))
    if q.get("AttributeName"):
        value = item.attributes.get(str(q["AttributeName"]))
        if q.get("AttributeAnyValue"):
            ok = ok and value is not None
        elif "AttributeValue" in q:
            ok = ok and value is not None and wildcard(str(q["AttributeValue"]))(value)
    if q.get("HasRole"):
        ok = ok and q["HasRole"] in item.roles
    if q.get("HasProfile"):
        ok = ok and not item.is_group and item.profile == q["HasProfile"]
    return ok != bool(q.get("not"))


def search_users(store: Store, call: Call) -> Answer:
    """``POST /a/user``: groups and users, login order, default limit 100, full ``Total``."""
    body = call.json()
    queries = [q for q in body.get("Queries") or [] if isinstance(q, dict)]
    combine = all if body.get("Operation") == "AND" else any

    def compute() -> list[User]:
        # pagination-and-search.yaml: one ASCII order over group labels and logins.
        items = sorted([*store.t.groups.values(), *store.t.users.values()], key=lambda i: i.login)
        return [i for i in items if not queries or combine(_matches(store, i, q) for q in queries)]

    # Link users (hidden) show only to the user who made the link (share-link-owner.yaml
    # #20, share-link-password.yaml #18: the admin finds its links' users; README: not
    # those of other users' links).
    reader = f"user:{call.caller or ''}"
    found = [
        i
        for i in cached(store, "users", body, None, compute)
        if i.attributes.get("hidden") != "true" or reader in i.policies.subjects("READ")
    ]
    if body.get("CountOnly"):
        return Answer(body={"Total": len(found)})
    offset, limit = page_args(body, default_limit=100)
    page = found[offset : offset + limit]
    out: JSON = {}
    if any(i.is_group for i in page):
        out["Groups"] = [render_user(store, i) for i in page if i.is_group]
    if any(not i.is_group for i in page):
        out["Users"] = [render_user(store, i) for i in page if not i.is_group]
    if found:
        out["Total"] = len(found)
    return Answer(body=out)
