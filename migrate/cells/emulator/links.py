"""Public links: ``/a/share/link`` and ``GET /public/<hash>``.

From cells-v3-behaviour.md "Shares" and the share-link-*.yaml cassettes (replayed by the
parity test, tests/emulator/test_parity.py): a link is a LINK workspace (Uuid = link Uuid,
slug from the first label, never renamed), a hidden ``shared`` user and a hash.

* The hash in a create body is ignored: a random one of the caller's ``HASH_MIN_LENGTH``
  hex characters is made. A custom hash is an update with ``UpdateCustomHash``: 403 when
  shorter than the caller's ``HASH_MIN_LENGTH``, 500 when in use (its own hash included),
  the rest of the update being saved first. A changed ``LinkHash`` without it is stored as
  an extra hash, unchecked: a hash of another link is taken over, and that link's GET,
  update and DELETE answer 500 ``docstore…`` (its document is gone).
* Passwords: ``PasswordEnabled`` + ``CreatePassword`` on create; ``UpdatePassword`` or
  ``PasswordEnabled:false`` on update replace the hidden user (new ``UserLogin``; the old
  one is left behind, as recorded once, and can no longer log in through the link).
* A non-owner's update saves Label/Description, then answers 403; GET needs no rights;
  ``PoliciesContextEditable`` is shown only to those who may edit.
* ``GET /public/<hash>`` is anonymous: 200 with the start parameters (``PRELOG_USER`` or
  ``PRESET_LOGIN`` + ``PASSWORD_AUTH_ONLY``), 404 when unknown, deleted or expired. The
  visitor logs in with ``X-Pydio-Minisite: <hash>`` as the link's current hidden user
  (``auth.py``), with the link password or ``<UserLogin>#$!Az1``.
"""

from __future__ import annotations

import json
import re

from migrate.cells.emulator.answers import JSON, Answer, ApiError, Call, not_found
from migrate.cells.emulator.records import Link, User, Workspace
from migrate.cells.emulator.store import Store
from migrate.cells.emulator.users import create_user

DEFAULT_HASH_MIN_LENGTH = 12
PRELOG_SUFFIX = "#$!Az1"  # tools-hash-doc.go PasswordComplexitySuffix
LINK_KEYS = frozenset(
    {"ShareLink", "PasswordEnabled", "CreatePassword", "UpdatePassword", "UpdateCustomHash"}
)


DOCSTORE_LOST = "docstore%!(EXTRA string=Cannot find link associated to this workspace)"
START_REPOSITORY_ATTRIBUTE = "parameter:core.conf:DEFAULT_START_REPOSITORY"


def not_allowed(what: str) -> ApiError:
    """The recorded 403 of a non-owner (share-link-owner.yaml, share-cell-create.yaml)."""
    return ApiError(403, f"you are not allowed to edit this {what}")


def lost_link() -> ApiError:
    """GET/PUT/DELETE of a link whose hash another link took over (recorded 500)."""
    return ApiError(500, DOCSTORE_LOST, DOCSTORE_LOST)


def missing_workspace(uid: str) -> ApiError:
    """The recorded error for an unknown link/cell Uuid."""
    return ApiError(
        500,
        f"Cannot find workspace with Uuid {uid}",
        f"Not Found: Cannot find workspace with Uuid {uid}",
    )


def owner_policies(user: User) -> list[tuple[str, str, str]]:
    """tools-acls.go OwnerResourcePolicies: OWNER = caller Uuid, READ/WRITE for the caller."""
    return [
        ("OWNER", user.uuid, "allow"),
        ("READ", f"user:{user.login}", "allow"),
        ("WRITE", f"user:{user.login}", "allow"),
        ("WRITE", "profile:admin", "allow"),
    ]


def may_write(store: Store, ws: Workspace, login: str | None) -> bool:
    """WRITE on a share workspace: its owner, a WRITE subject, or any admin."""
    user = store.t.users.get(login or "")
    if user is None:
        return False
    subjects = {f"user:{user.login}", f"profile:{user.profile}", user.uuid}
    return bool(ws.policies.subjects("WRITE") & subjects) or user.uuid in ws.policies.subjects(
        "OWNER"
    )


def hash_min_length(store: Store, user: User) -> int:
    """``parameter:action.share:HASH_MIN_LENGTH`` from the caller's roles, else 12."""
    from migrate.cells.emulator.users import effective_roles  # local: avoid a cycle

    value = DEFAULT_HASH_MIN_LENGTH
    for role in effective_roles(store, user):
        for acl_id in store.t.acls_by_role.get(role.uuid, ()):
            acl = store.t.acls[acl_id]
            if acl.action == "parameter:action.share:HASH_MIN_LENGTH":
                try:
                    value = int(json.loads(acl.value))
                except (ValueError, TypeError):
                    continue
    return value


def render_link(
    store: Store, ws: Workspace, link: Link, *, read: bool, editable: bool = True
) -> JSON:
    """A link as ``PUT``/``GET /a/share/link`` write it (share-link-create.yaml); ``read``:
    policy ids (GET and updates, not creates)."""
    out: JSON = {
        "Uuid": link.uuid,
        "LinkHash": link.hashes[0],
        "LinkUrl": f"/public/{link.hashes[0]}",
        "Label": ws.label,
    }
    if ws.description:
        out["Description"] = ws.description
    out.update({"UserUuid": link.user_uuid, "UserLogin": link.user_login})
    if link.password_required:
        out["PasswordRequired"] = True
    for key in ("AccessEnd", "MaxDownloads", "ViewTemplateName"):
        if link.body.get(key) not in (None, "", "0", 0):
            out[key] = str(link.body[key])
    out["RootNodes"] = [{"Uuid": u} for u in ws.root_nodes]
    out["Permissions"] = list(link.body.get("Permissions") or [])
    policies = ws.policies.render(ws.uuid, with_ids=True)
    if not read:
        policies = [{k: v for k, v in p.items() if k != "id"} for p in policies]
    out["Policies"] = policies
    if editable:
        out["PoliciesContextEditable"] = True
    return out


def _hidden_user(store: Store, owner: User, password: str | None, link_uuid: str) -> User:
    """A hidden ``shared`` user named after 16 hex characters of a new Uuid, readable by
    the link's creator (who alone finds it with ``POST /a/user``)."""
    uid = store.new_uuid()
    login = uid.replace("-", "")[:16]
    attributes = {"profile": "shared", "hidden": "true"}
    if password is None:  # recorded on a prelogged link's user only (share-link-owner #20)
        attributes[START_REPOSITORY_ATTRIBUTE] = link_uuid
    body: JSON = {
        "Uuid": uid,
        "Password": password or login + PRELOG_SUFFIX,
        "Attributes": attributes,
    }
    user = create_user(store, body, login, owner.group_path)
    user.policies = store.policies(
        [*((a, s, e) for a, s, e in user.policies.items), ("READ", f"user:{owner.login}", "allow")]
    )
    return user


def _replace_hidden_user(
    store: Store, ws: Workspace, link: Link, caller: User, password: str | None
) -> None:
    """A password change or removal: a new hidden user gets the link's ACLs and policy."""
    for acl in store.acls_of_workspace(ws.uuid):
        if acl.role_id == link.user_uuid:
            store.drop_acl(acl.id)
    old = f"user:{link.user_login}"
    hidden = _hidden_user(store, caller, password, ws.uuid)
    link.user_login, link.user_uuid = hidden.login, hidden.uuid
    link.password_required = password is not None
    new = f"user:{hidden.login}"
    ws.policies = store.policies([(a, new if s == old else s, e) for a, s, e in ws.policies.items])
    _grant(store, link, ws)


def _grant(store: Store, link: Link, ws: Workspace) -> None:
    """The hidden user's read (and write with Upload) ACLs on the roots (replacing any)."""
    for acl in store.acls_of_workspace(ws.uuid):
        if acl.role_id == link.user_uuid:
            store.drop_acl(acl.id)
    perms = link.body.get("Permissions") or []
    for node in ws.root_nodes:
        store.add_acl("read", "1", link.user_uuid, ws.uuid, node)
        if "Upload" in perms:
            store.add_acl("write", "1", link.user_uuid, ws.uuid, node)


def put_link(store: Store, call: Call) -> Answer:
    """``PUT /a/share/link``: create (no Uuid) or update."""
    body = call.json()
    unknown = sorted(set(body) - LINK_KEYS)
    if unknown:
        raise ApiError(500, f'unknown field "{unknown[0]}" in rest.PutShareLinkRequest')
    raw_share = body.get("ShareLink")
    share: JSON = raw_share if isinstance(raw_share, dict) else {}
    caller = store.t.users[call.caller or ""]
    if share.get("Uuid"):
        return _update_link(store, call, body, share, caller)
    roots = [str(r.get("Uuid")) for r in share.get("RootNodes") or [] if isinstance(r, dict)]
    for root in roots:
        if root not in store.t.nodes_by_uuid:
            raise not_found(f"cannot find node {root}")
    label = str(share.get("Label") or "")
    ws = Workspace(
        uuid=store.new_uuid(),
        slug=re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-"),
        label=label,
        description=str(share.get("Description") or ""),
        scope="LINK",
        root_nodes={r: {"Uuid": r} for r in roots},
        last_updated=store.now(),
        policies=store.policies(owner_policies(caller)),
    )
    store.t.workspaces[ws.uuid] = ws
    for root in roots:
        store.add_acl("workspace-path", f"uuid:{root}", "", ws.uuid, root)
    password = str(body.get("CreatePassword") or "") if body.get("PasswordEnabled") else None
    if password == "":
        # Recorded: 500 after the LINK workspace and its workspace-path ACL were made.
        raise ApiError(
            500,
            "Please provide a non empty password!",
            "Bad Request: Please provide a non empty password!",
        )
    hidden = _hidden_user(store, caller, password, ws.uuid)
    ws.policies = store.policies(
        [*owner_policies(caller), ("READ", f"user:{hidden.login}", "allow")]
    )
    link = Link(
        uuid=ws.uuid,
        hashes=[store.new_hex(hash_min_length(store, caller))],
        user_login=hidden.login,
        user_uuid=hidden.uuid,
        body=dict(share),
        password_required=password is not None,
    )
    store.t.links[ws.uuid] = link
    store.t.link_hashes[link.hashes[0]] = ws.uuid
    _grant(store, link, ws)
    return Answer(body=render_link(store, ws, link, read=False))


def _update_link(store: Store, call: Call, body: JSON, share: JSON, caller: User) -> Answer:
    uid = str(share["Uuid"])
    ws, link = store.t.workspaces.get(uid), store.t.links.get(uid)
    if ws is None or link is None:
        raise missing_workspace(uid)
    if link.lost:
        raise lost_link()
    # Recorded hazard: Label/Description are saved before the ownership check.
    ws.label = str(share.get("Label") or ws.label)
    ws.description = str(share.get("Description") or "")
    if not may_write(store, ws, call.caller):
        raise not_allowed("link")
    link.body.update(
        {
            k: share[k]
            for k in ("Permissions", "AccessEnd", "MaxDownloads", "ViewTemplateName")
            if k in share
        }
    )
    _grant(store, link, ws)  # Permissions may have changed (share-link-create.yaml #16)
    new_password = str(body.get("UpdatePassword") or "")
    if body.get("PasswordEnabled") and new_password:
        _replace_hidden_user(store, ws, link, caller, new_password)
    elif "PasswordEnabled" in body and not body["PasswordEnabled"] and link.password_required:
        _replace_hidden_user(store, ws, link, caller, None)
    custom = str(body.get("UpdateCustomHash") or "")
    if custom:
        minimum = hash_min_length(store, caller)
        if len(custom) < minimum:
            raise ApiError(
                403,
                f"Please use a link hash with at least {minimum} characters",
                f"Forbidden: Please use a link hash with at least {minimum} characters",
            )
        if custom in store.t.link_hashes:
            raise ApiError(500, "hash is already in use, please use another one")
        for old in link.hashes:
            store.t.link_hashes.pop(old, None)
        link.hashes = [custom]
        store.t.link_hashes[custom] = uid
    elif share.get("LinkHash") and share["LinkHash"] not in link.hashes:
        # Recorded pitfall: a changed body LinkHash is stored as an extra hash, unchecked;
        # a hash of another link is taken over and that link's document is lost.
        extra = str(share["LinkHash"])
        other = store.t.links.get(store.t.link_hashes.get(extra, ""))
        if other is not None and other.uuid != uid:
            other.hashes.remove(extra)
            other.lost = True
        link.hashes.append(extra)
        store.t.link_hashes[extra] = uid
    return Answer(body=render_link(store, ws, link, read=True))


def get_link(store: Store, call: Call) -> Answer:
    """``GET /a/share/link/{Uuid}`` (no policy check, as recorded)."""
    uid = call.params["uuid"]
    ws, link = store.t.workspaces.get(uid), store.t.links.get(uid)
    if ws is None or link is None:
        raise not_found(f"Cannot find workspace with Uuid {uid}")
    if link.lost:
        raise lost_link()
    editable = may_write(store, ws, call.caller)
    return Answer(body=render_link(store, ws, link, read=True, editable=editable))


def delete_link(store: Store, call: Call) -> Answer:
    """``DELETE /a/share/link/{Uuid}``: workspace, ACLs, hashes and hidden user go."""
    uid = call.params["uuid"]
    ws, link = store.t.workspaces.get(uid), store.t.links.get(uid)
    if ws is None or link is None:
        raise not_found(f"Cannot find workspace with Uuid {uid}")
    if link.lost:
        raise lost_link()
    if not may_write(store, ws, call.caller):
        raise not_allowed("link")
    for acl in store.acls_of_workspace(uid):
        store.drop_acl(acl.id)
    del store.t.workspaces[uid], store.t.links[uid]
    for key in link.hashes:
        store.t.link_hashes.pop(key, None)
    hidden = store.t.users.get(link.user_login)
    if hidden is not None:
        store.drop_user(hidden)
    return Answer(body={"Success": True})


def public_page(store: Store, call: Call) -> Answer:
    """``GET /public/<hash>``: 200 with the start parameters, 404 when gone or expired."""
    uid = store.t.link_hashes.get(call.params["hash"], "")
    link = store.t.links.get(uid)
    end = int(link.body.get("AccessEnd") or 0) if link else 0
    if link is None or (end and end < store.clock()):
        return Answer(
            status=404,
            body="<!DOCTYPE html><html><body>404</body></html>\n",
            content_type="text/html; charset=utf-8",
        )
    params: JSON = {"MINISITE": call.params["hash"], "START_REPOSITORY": uid}
    if link.password_required:
        params.update(PRESET_LOGIN=link.user_login, PASSWORD_AUTH_ONLY=True)
    else:
        params["PRELOG_USER"] = link.user_login
    script = f"var startParameters = {json.dumps(params)};"
    html = f"<!DOCTYPE html><html><script>{script}</script></html>\n"
    return Answer(body=html, content_type="text/html; charset=utf-8")
