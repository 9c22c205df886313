"""Typed Cells objects (cells-api.md §1.2-1.6), with ``from_json`` / ``to_json``.

Field names follow Cells (Uuid, Login, GroupPath, Policies, Attributes). ``from_json`` is
lenient: Cells omits false/empty fields and sends int64 as strings, and a bad server answer
must not crash a run, so missing keys become defaults and numbers are parsed from either
form. ``to_json`` emits only what a request needs (protobuf JSON, PascalCase), never the
read-only fields the server computes, so re-sending a fetched object is safe.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from migrate.secret import Secret

JsonObj = dict[str, Any]


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _int(data: Mapping[str, Any], key: str) -> int:
    # cells-api.md §0.1: int64 fields travel as strings.
    value = data.get(key)
    try:
        return int(value) if value not in (None, "") else 0
    except (TypeError, ValueError):
        return 0


def _bool(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key)
    return value is True or value == "true"


def _strmap(data: Mapping[str, Any], key: str) -> tuple[tuple[str, str], ...]:
    value = data.get(key)
    if not isinstance(value, Mapping):
        return ()
    return tuple(sorted((str(k), "" if v is None else str(v)) for k, v in value.items()))


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    return value if isinstance(value, list) else []


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """A resource policy: ``{"Subject":"profile:admin","Action":"WRITE","Effect":"allow"}``."""

    subject: str
    action: str
    effect: str = "allow"

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Policy:
        """Parse one policy (server ids and Resource are dropped: they are not ours to send)."""
        return cls(
            subject=_str(data, "Subject"),
            action=_str(data, "Action"),
            effect=_str(data, "Effect") or "allow",
        )

    def to_json(self) -> JsonObj:
        """Request form."""
        return {"Subject": self.subject, "Action": self.action, "Effect": self.effect}


def _policies(data: Mapping[str, Any]) -> tuple[Policy, ...]:
    return tuple(Policy.from_json(p) for p in _list(data, "Policies") if isinstance(p, Mapping))


@dataclass(frozen=True, slots=True, kw_only=True)
class Role:
    """An ``idmRole`` (§1.5). ``auto_applies`` drops the ``[""]`` Cells adds on GET."""

    uuid: str
    label: str
    is_team: bool = False
    group_role: bool = False
    user_role: bool = False
    force_override: bool = False
    auto_applies: tuple[str, ...] = ()
    policies: tuple[Policy, ...] = ()
    last_updated: int = 0

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Role:
        """Parse a role from a GET/PUT/search answer."""
        return cls(
            uuid=_str(data, "Uuid"),
            label=_str(data, "Label"),
            is_team=_bool(data, "IsTeam"),
            group_role=_bool(data, "GroupRole"),
            user_role=_bool(data, "UserRole"),
            force_override=_bool(data, "ForceOverride"),
            auto_applies=tuple(str(a) for a in _list(data, "AutoApplies") if a),
            policies=_policies(data),
            last_updated=_int(data, "LastUpdated"),
        )

    def to_json(self) -> JsonObj:
        """PUT /a/role/{Uuid} body; Label is required (empty label → 500, role-crud.yaml)."""
        body: JsonObj = {"Uuid": self.uuid, "Label": self.label}
        if self.is_team:
            body["IsTeam"] = True
        if self.force_override:
            body["ForceOverride"] = True
        if self.auto_applies:
            body["AutoApplies"] = list(self.auto_applies)
        if self.policies:
            body["Policies"] = [p.to_json() for p in self.policies]
        return body


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """An ``idmUser`` that is a user (§1.4). ``password`` is write-only and never shown.

    ``roles`` holds the *assigned* roles only (admin roles and teams, in order). Cells adds
    ROOT_GROUP, group roles, auto-applied roles and the user role at read time; those are
    left out by ``from_json`` so that sending a fetched user back never stores them.
    ``roles=None`` leaves the key out of the body; ``()`` sends ``[]`` (clears them).
    """

    login: str
    uuid: str = ""
    group_path: str = "/"
    attributes: tuple[tuple[str, str], ...] = ()
    roles: tuple[str, ...] | None = None
    policies: tuple[Policy, ...] = ()
    password: Secret | None = field(default=None, repr=False)

    @property
    def profile(self) -> str:
        """The ``profile`` attribute (Cells defaults a missing one to ``shared``)."""
        return dict(self.attributes).get("profile", "")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> User:
        """Parse a user; see the class docstring for which roles are kept."""
        attributes = _strmap(data, "Attributes")
        profile = dict(attributes).get("profile", "")
        roles = tuple(
            _str(r, "Uuid")
            for r in _list(data, "Roles")
            if isinstance(r, Mapping) and _assigned(r, profile)
        )
        return cls(
            login=_str(data, "Login"),
            uuid=_str(data, "Uuid"),
            group_path=_str(data, "GroupPath") or "/",
            attributes=attributes,
            roles=roles,
            policies=_policies(data),
        )

    def to_json(self) -> JsonObj:
        """PUT /a/user/{Login} body. Attributes are always sent: without them Cells answers
        200 with an empty body and creates nothing (user-crud.yaml)."""
        body: JsonObj = {"Login": self.login}
        if self.group_path:
            body["GroupPath"] = self.group_path
        if self.uuid:
            body["Uuid"] = self.uuid
        body["Attributes"] = dict(self.attributes)
        if self.roles is not None:
            body["Roles"] = [{"Uuid": r} for r in self.roles]
        if self.policies:
            body["Policies"] = [p.to_json() for p in self.policies]
        if self.password is not None:
            body["Password"] = self.password.reveal()
        return body


def _assigned(role: Mapping[str, Any], profile: str) -> bool:
    """True for a role stored on the user (not one Cells adds when reading it)."""
    if _bool(role, "GroupRole") or _bool(role, "UserRole") or _str(role, "Uuid") == "ROOT_GROUP":
        return False
    return not (profile and profile in _list(role, "AutoApplies"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    """An ``idmUser`` with ``IsGroup`` (§1.4). ``path`` is the group's own full path.

    On PUT, v2+ servers append the label to ``GroupPath`` (send the parent); v1 wants the
    full path. In search answers v3 gives the *parent* path (``/g/``, cells-v3-behaviour.md
    "Later probes") while v4 gives the full path; ``from_json(..., parent_paths=)`` says which.
    """

    label: str
    path: str
    uuid: str = ""
    attributes: tuple[tuple[str, str], ...] = ()
    policies: tuple[Policy, ...] = ()

    @property
    def parent_path(self) -> str:
        """The path of the parent group (``/`` for a top-level group)."""
        parent = self.path.rstrip("/").rsplit("/", 1)[0]
        return parent or "/"

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, parent_paths: bool = True) -> Group:
        """Parse a group; ``parent_paths`` is true when GroupPath is the parent (v1-v3)."""
        label = _str(data, "GroupLabel")
        raw = _str(data, "GroupPath") or "/"
        if parent_paths:
            path = join_group_path(raw, label)
        else:
            path = "/" + raw.strip("/") if raw.strip("/") else "/"
        return cls(
            label=label,
            path=path,
            uuid=_str(data, "Uuid"),
            attributes=_strmap(data, "Attributes"),
            policies=_policies(data),
        )

    def to_json(self, *, server_appends_label: bool = True) -> JsonObj:
        """PUT /a/user/{GroupLabel} body (group-crud.yaml); parent path on v2+, full on v1."""
        body: JsonObj = {
            "IsGroup": True,
            "GroupLabel": self.label,
            "GroupPath": self.parent_path if server_appends_label else self.path,
        }
        if self.uuid:
            body["Uuid"] = self.uuid
        if self.attributes:
            body["Attributes"] = dict(self.attributes)
        if self.policies:
            body["Policies"] = [p.to_json() for p in self.policies]
        return body


def join_group_path(parent: str, label: str) -> str:
    """``/a/`` + ``b`` → ``/a/b``; ``/`` + ``b`` → ``/b``."""
    base = parent.strip("/")
    return "/" + "/".join(p for p in (base, label) if p)


@dataclass(frozen=True, slots=True, kw_only=True)
class RootNode:
    """A workspace root: node Uuid (``DATASOURCE:<ds>``, template id, or folder Uuid) + path."""

    uuid: str
    path: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Workspace:
    """An ``idmWorkspace`` (§1.3). ``attributes`` is the decoded JSON-string attribute map."""

    uuid: str
    slug: str
    label: str
    description: str = ""
    scope: str = "ADMIN"
    attributes: tuple[tuple[str, Any], ...] = ()
    roots: tuple[RootNode, ...] = ()
    policies: tuple[Policy, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Workspace:
        """Parse a workspace; an undecodable Attributes string is kept empty."""
        attrs: tuple[tuple[str, Any], ...] = ()
        raw = data.get("Attributes")
        if isinstance(raw, str) and raw:
            try:
                decoded = json.loads(raw)
            except ValueError:
                decoded = {}
            if isinstance(decoded, dict):
                attrs = tuple(sorted(decoded.items()))
        roots_raw = data.get("RootNodes")
        roots: list[RootNode] = []
        if isinstance(roots_raw, Mapping):
            for key, node in sorted(roots_raw.items()):
                path = _str(node, "Path") if isinstance(node, Mapping) else ""
                roots.append(RootNode(uuid=str(key), path=path))
        return cls(
            uuid=_str(data, "UUID"),
            slug=_str(data, "Slug"),
            label=_str(data, "Label"),
            description=_str(data, "Description"),
            scope=_str(data, "Scope") or "ANY",
            attributes=attrs,
            roots=tuple(roots),
            policies=_policies(data),
        )

    def to_json(self) -> JsonObj:
        """PUT /a/workspace/{Slug} body. Attributes is a JSON *string* (object → 500) and
        each RootNodes value repeats its Uuid (else ROOT_GROUP ACLs get an empty NodeID,
        workspace-attributes-and-default-rights.yaml)."""
        body: JsonObj = {"Slug": self.slug, "Label": self.label, "Scope": self.scope}
        if self.description:
            body["Description"] = self.description
        if self.attributes:
            body["Attributes"] = json.dumps(dict(self.attributes), sort_keys=True)
        if self.roots:
            body["RootNodes"] = {r.uuid: {"Uuid": r.uuid, "Path": r.path} for r in self.roots}
        if self.uuid:
            body["UUID"] = self.uuid
        if self.policies:
            body["Policies"] = [p.to_json() for p in self.policies]
        return body


@dataclass(frozen=True, slots=True, kw_only=True)
class ACL:
    """An ``idmACL`` (§1.6). ``id`` is the server's row id (empty before insert)."""

    action: str
    value: str = ""
    role_id: str = ""
    workspace_id: str = ""
    node_id: str = ""
    id: str = ""

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Cells' unique key: UNIQUE(node_id, action_name, role_id, workspace_id)."""
        return (self.node_id, self.action, self.role_id, self.workspace_id)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ACL:
        """Parse an ACL row."""
        action = data.get("Action")
        action = action if isinstance(action, Mapping) else {}
        return cls(
            action=_str(action, "Name"),
            value=_str(action, "Value"),
            role_id=_str(data, "RoleID"),
            workspace_id=_str(data, "WorkspaceID"),
            node_id=_str(data, "NodeID"),
            id=_str(data, "ID"),
        )

    def to_json(self) -> JsonObj:
        """PUT /a/acl body, or the filter of /a/acl/bulk/delete (empty fields left out)."""
        body: JsonObj = {}
        if self.action:
            action: JsonObj = {"Name": self.action}
            if self.value:
                action["Value"] = self.value
            body["Action"] = action
        for key, value in (
            ("RoleID", self.role_id),
            ("WorkspaceID", self.workspace_id),
            ("NodeID", self.node_id),
        ):
            if value:
                body[key] = value
        return body
