"""DesiredState ⇄ Cells objects: request bodies from desired objects, managed fields of both.

Two directions, one home (STYLE.md 2.7):

* ``*_body`` build the typed Cells objects (``migrate.cells.models`` / ``storage``) the client
  sends for a desired object; ``plan`` and ``apply`` use the same functions.
* ``*_fields`` reduce a desired object and a live object to the same flat list of *managed*
  fields (what the tool sets), so the differ compares like with like: fields Cells computes
  (ObjectsBucket of a LOCAL datasource, ``pydio:labelLike``, auto-applied roles) are left out.

Secrets never appear in a field value: a secret is represented by :func:`secret_digest`
(a one-way digest, compared in memory and never rendered; see ``plan.actions``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence

from migrate.cells.models import ACL, Group, Role, RootNode, User, Workspace
from migrate.cells.storage import DataSource
from migrate.mapping.desired import (
    DesiredDatasource,
    DesiredGroup,
    DesiredRole,
    DesiredUser,
    DesiredWorkspace,
    NodeRef,
)
from migrate.secret import Secret

Fields = tuple[tuple[str, str | None], ...]
"""Managed fields of one object, in a fixed order: ``(name, value)``; ``None`` = absent."""

SENSITIVE_FIELDS = frozenset({"api_key", "api_secret", "password"})
"""Field names whose values are secrets (shown only as markers)."""

UNRESOLVED_PREFIX = "path:"


def secret_digest(secret: Secret | str | None) -> str | None:
    """A one-way digest standing for a secret in comparisons (``None`` when unset)."""
    if secret is None:
        return None
    value = secret.reveal() if isinstance(secret, Secret) else secret
    if not value:
        return None
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()


def _flag(value: bool) -> str:
    return "true" if value else "false"


# ---------------------------------------------------------------- datasources
def datasource_body(ds: DesiredDatasource) -> DataSource:
    """The ``POST /a/config/datasource/{Name}`` object for a desired datasource."""
    return DataSource(
        name=ds.name,
        storage_type=ds.storage_type,
        storage_configuration=ds.storage_configuration,
        flat_storage=ds.flat_storage,
        encryption_mode=ds.encryption_mode,
        versioning_policy=ds.versioning_policy,
        objects_bucket=ds.objects_bucket,
        objects_base_folder=ds.objects_base_folder,
        api_key=ds.api_key.reveal() if ds.api_key is not None else "",
        api_secret=ds.api_secret,
    )


def datasource_fields(ds: DesiredDatasource) -> Fields:
    """Managed fields of a desired datasource (storage configuration keys flattened)."""
    fields: list[tuple[str, str | None]] = [
        ("storage_type", ds.storage_type),
        ("flat_storage", _flag(ds.flat_storage)),
        ("encryption_mode", ds.encryption_mode),
        ("versioning_policy", ds.versioning_policy or None),
        ("objects_bucket", ds.objects_bucket or None),
        ("objects_base_folder", ds.objects_base_folder or None),
    ]
    fields += [(f"storage.{k}", v) for k, v in sorted(ds.storage_configuration)]
    if ds.api_key is not None:
        fields.append(("api_key", secret_digest(ds.api_key)))
    if ds.api_secret is not None:
        fields.append(("api_secret", secret_digest(ds.api_secret)))
    return tuple(fields)


def live_datasource_fields(live: DataSource, like: DesiredDatasource) -> Fields:
    """The same fields read from a live datasource.

    Only what the desired object sets is compared: Cells fills ObjectsBucket (LOCAL: the
    folder's last segment) and random ApiKey/ApiSecret when they are left empty
    (cells-api.md §1.2), and returns the secret as a vault id, never the secret: a live
    ``api_secret`` is therefore reported equal (it cannot be read back).
    """
    desired = dict(datasource_fields(like))
    config = dict(live.storage_configuration)
    values: dict[str, str | None] = {
        "storage_type": live.storage_type,
        "flat_storage": _flag(live.flat_storage),
        "encryption_mode": live.encryption_mode,
        "versioning_policy": live.versioning_policy or None,
        "objects_bucket": (live.objects_bucket or None) if like.objects_bucket else None,
        "objects_base_folder": live.objects_base_folder or None,
        "api_key": secret_digest(live.api_key),
        "api_secret": desired.get("api_secret"),
    }
    out: list[tuple[str, str | None]] = []
    for name in desired:
        if name.startswith("storage."):
            out.append((name, config.get(name.removeprefix("storage."))))
        else:
            out.append((name, values.get(name)))
    return tuple(out)


# ---------------------------------------------------------------- groups
def group_body(group: DesiredGroup, *, uuid: str = "") -> Group:
    """The ``PUT /a/user/{GroupLabel}`` object (the client sends the parent path on v2+)."""
    return Group(
        label=group.label,
        path=group.path,
        uuid=uuid,
        attributes=(("displayName", group.display_name),),
    )


def group_fields(group: DesiredGroup) -> Fields:
    """Managed fields of a group: its display name (the path is its identity)."""
    return (("display_name", group.display_name),)


def live_group_fields(live: Group) -> Fields:
    """The same fields of a live group (``pydio:labelLike`` is computed by Cells)."""
    return (("display_name", dict(live.attributes).get("displayName")),)


# ---------------------------------------------------------------- roles
def role_body(role: DesiredRole) -> Role:
    """The ``PUT /a/role/{Uuid}`` object."""
    return Role(
        uuid=role.uuid,
        label=role.label,
        is_team=role.is_team,
        force_override=role.force_override,
        auto_applies=role.auto_applies,
    )


def role_fields(role: DesiredRole) -> Fields:
    """Managed fields of a role (AutoApplies as a sorted list: its order means nothing)."""
    return (
        ("label", role.label),
        ("auto_applies", ", ".join(sorted(role.auto_applies))),
        ("is_team", _flag(role.is_team)),
        ("force_override", _flag(role.force_override)),
    )


def live_role_fields(live: Role) -> Fields:
    """The same fields of a live role (``AutoApplies:[""]`` of a GET is already dropped)."""
    return (
        ("label", live.label),
        ("auto_applies", ", ".join(sorted(live.auto_applies))),
        ("is_team", _flag(live.is_team)),
        ("force_override", _flag(live.force_override)),
    )


# ---------------------------------------------------------------- users
def user_body(user: DesiredUser, *, uuid: str) -> User:
    """The ``PUT /a/user/{Login}`` object, without a password (apply sets it per strategy).

    ``uuid`` is ours on create (Cells keeps a given unknown Uuid, cells-api.md §1.4) or the
    live user's when it is updated or adopted.
    """
    return User(
        login=user.login,
        uuid=uuid,
        group_path=user.group_path,
        attributes=user.attributes(),
        roles=user.roles,
    )


def user_fields(user: DesiredUser, *, password_digest: str | None = None) -> Fields:
    """Managed fields of a user; ``password`` only when a digest is given to compare."""
    attrs = dict(user.attributes())
    fields: list[tuple[str, str | None]] = [
        ("group_path", group_path(user.group_path)),
        ("profile", attrs.get("profile")),
        ("display_name", attrs.get("displayName")),
        ("email", attrs.get("email")),
        ("roles", ", ".join(user.roles)),
    ]
    if password_digest is not None:
        fields.append(("password", password_digest))
    return tuple(fields)


def live_user_fields(live: User, *, password_digest: str | None = None) -> Fields:
    """The same fields of a live user (roles: the assigned ones, in their order)."""
    attrs = dict(live.attributes)
    fields: list[tuple[str, str | None]] = [
        ("group_path", group_path(live.group_path)),
        ("profile", attrs.get("profile")),
        ("display_name", attrs.get("displayName")),
        ("email", attrs.get("email")),
        ("roles", ", ".join(live.roles or ())),
    ]
    if password_digest is not None:
        fields.append(("password", password_digest))
    return tuple(fields)


# ---------------------------------------------------------------- workspaces
def node_id(node: NodeRef, resolved: Mapping[str, str] | None = None) -> str:
    """A node's Cells Uuid, resolved by path when needed; ``path:<path>`` when unknown yet."""
    if node.uuid is not None:
        return node.uuid
    found = (resolved or {}).get(node.path)
    return found if found else UNRESOLVED_PREFIX + node.path.strip("/")


def attribute_values(attributes: Sequence[tuple[str, object]]) -> str:
    """Attributes as canonical JSON; an empty value is the same as none (Cells drops
    ``"DEFAULT_RIGHTS": ""`` when it stores a workspace)."""
    kept = {k: v for k, v in attributes if v not in ("", None)}
    return json.dumps(kept, sort_keys=True, separators=(",", ":"))


def group_path(path: str) -> str:
    """A group path in one form: ``/a/b`` (Cells v3 answers ``/a/b/`` for a user's group)."""
    return "/" + path.strip("/")


def workspace_body(ws: DesiredWorkspace, resolved: Mapping[str, str] | None = None) -> Workspace:
    """The ``PUT /a/workspace/{Slug}`` object: attributes whole, roots with Uuid and Path."""
    roots = tuple(RootNode(uuid=node_id(n, resolved), path=n.path) for n in ws.root_nodes)
    return Workspace(
        uuid=ws.uuid,
        slug=ws.slug,
        label=ws.label,
        description=ws.description,
        scope=ws.scope,
        attributes=tuple(sorted(ws.attributes)),
        roots=roots,
    )


def workspace_fields(ws: DesiredWorkspace, resolved: Mapping[str, str] | None = None) -> Fields:
    """Managed fields of a workspace (roots as sorted node ids)."""
    roots = sorted(node_id(n, resolved) for n in ws.root_nodes)
    return (
        ("slug", ws.slug),
        ("label", ws.label),
        ("description", ws.description or None),
        ("scope", ws.scope),
        ("attributes", attribute_values(ws.attributes)),
        ("roots", ", ".join(roots)),
    )


def live_workspace_fields(live: Workspace, unresolved: Collection[str] = ()) -> Fields:
    """The same fields of a live workspace.

    ``unresolved`` holds the desired root paths still without a Uuid (a sub-folder of a
    datasource not indexed when planning): a live root with such a path is equal to it.
    """
    wanted = {p.strip("/") for p in unresolved}
    roots = sorted(
        UNRESOLVED_PREFIX + r.path.strip("/") if r.path.strip("/") in wanted else r.uuid
        for r in live.roots
    )
    return (
        ("slug", live.slug),
        ("label", live.label),
        ("description", live.description or None),
        ("scope", live.scope),
        ("attributes", attribute_values(live.attributes)),
        ("roots", ", ".join(roots)),
    )


# ---------------------------------------------------------------- ACLs
def acl_body(*, role_id: str, workspace_id: str, node: str, action: str, value: str) -> ACL:
    """The ``PUT /a/acl`` object (the node must be resolved before it is sent)."""
    return ACL(action=action, value=value, role_id=role_id, workspace_id=workspace_id, node_id=node)
