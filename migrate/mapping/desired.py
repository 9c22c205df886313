"""DesiredState: the Cells objects a legacy install should become, in Cells terms.

Frozen values holding everything the Cells API needs (cells-api.md §1.2-1.7,
cells-v3-behaviour.md); each kind's handler (``migrate/kinds/``) turns them into request
bodies and diffs them against the live server. Every object keeps ``legacy_key``, the natural key of
what it came from, for reports. Secrets (S3 keys, legacy password hashes) are
:class:`~migrate.secret.Secret` values, kept out of reprs and masked by :meth:`to_json`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, is_dataclass
from enum import StrEnum

from migrate.legacy.model import Finding, Severity
from migrate.secret import Secret

MASK = "***"


class NodeKind(StrEnum):
    """What a workspace root or ACL node is (cells-api.md §0 item 4)."""

    DATASOURCE = "datasource"  # whole datasource: Uuid "DATASOURCE:<name>", known at once
    FOLDER = "folder"  # sub-folder: Uuid known only once the datasource is indexed
    TEMPLATE = "template"  # virtual node (template path), e.g. "my-files"


class RoleTarget(StrEnum):
    """Whose Cells role an ACL is written on (DESIGN.md "Rights")."""

    ROOT_GROUP = "root-group"  # AJXP_GRP_/ and ROOT_ROLE
    USER = "user"  # AJXP_USR_/<login>: the user's role (Uuid = the user's Uuid)
    GROUP = "group"  # AJXP_GRP_<path>: the group's role (Uuid = the group's Uuid)
    ROLE = "role"  # any other role: a Cells role with that Uuid


class AclOrigin(StrEnum):
    """Why an ACL exists."""

    RIGHT = "right"  # a legacy workspace right
    MASK = "mask"  # a legacy permission-mask entry on a sub-folder
    ISOLATION = "isolation"  # deny keeping a shared user out of group-granted workspaces


class PasswordAction(StrEnum):
    """What happens to a user's password (DESIGN.md "Passwords")."""

    KEEP_HASH = "keep-hash"  # legacy hash written into Cells' user row after creation
    RESET = "reset"  # random password, user listed for a reset
    RANDOM = "random"  # generated password written to the admin's CSV


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeRef:
    """A Cells tree node: ``uuid`` is ``None`` until a sub-folder is resolved by path."""

    kind: NodeKind
    path: str  # "<datasource>/<sub>" (admin tree path) or the template node id
    uuid: str | None = None

    @property
    def key(self) -> str:
        """A stable key: the Uuid when known, else ``path:<path>``."""
        return self.uuid if self.uuid is not None else f"path:{self.path}"


@dataclass(frozen=True, slots=True, kw_only=True)
class DesiredDatasource:
    """An ``objectDataSource`` (cells-api.md §1.2): structured LOCAL or S3."""

    name: str
    storage_type: str  # "LOCAL" | "S3"
    storage_configuration: tuple[tuple[str, str], ...] = ()
    flat_storage: bool = False  # structured: expose the legacy tree as it is
    encryption_mode: str = "CLEAR"
    versioning_policy: str = ""
    objects_bucket: str = ""
    objects_base_folder: str = ""
    api_key: Secret | None = field(default=None, repr=False)
    api_secret: Secret | None = field(default=None, repr=False)
    legacy_key: str = ""  # the legacy folder, or s3://<container>
    workspaces: tuple[str, ...] = ()  # legacy workspace ids rooted in it

    @property
    def folder(self) -> str:
        """``StorageConfiguration.folder`` ("" for S3)."""
        return dict(self.storage_configuration).get("folder", "")


@dataclass(frozen=True, slots=True, kw_only=True)
class DesiredWorkspace:
    """An ``idmWorkspace`` (cells-api.md §1.3); ``attributes`` are sent whole, every time.

    A workspace PUT rewrites ROOT_GROUP read/write/quota from ``DEFAULT_RIGHTS``/``QUOTA``
    (cells-v3-behaviour.md "Workspace attributes"), so those two live here, not in ACLs.
    """

    uuid: str
    slug: str
    label: str
    description: str = ""
    scope: str = "ADMIN"
    attributes: tuple[tuple[str, str | bool], ...] = ()
    root_nodes: tuple[NodeRef, ...] = ()
    datasource: str | None = None
    template_resolution: str | None = None  # Enterprise template path for AJXP_USER roots
    legacy_key: str = ""

    def attribute(self, name: str) -> str | bool | None:
        """One attribute value, if set."""
        return dict(self.attributes).get(name)


@dataclass(frozen=True, slots=True, kw_only=True)
class DesiredGroup:
    """A Cells group: ``PUT /a/user/{label}`` with the *parent* path (cells-api.md §1.4)."""

    uuid: str
    path: str  # full Cells path, "/lab/optics"
    parent_path: str  # "/lab"
    label: str  # GroupLabel: the last path segment
    display_name: str  # legacy groupLabel → attribute displayName
    legacy_key: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class DesiredRole:
    """An ``idmRole`` (cells-api.md §1.5); teams carry their owner's login for policies."""

    uuid: str
    label: str
    auto_applies: tuple[str, ...] = ()
    is_team: bool = False
    force_override: bool = False
    owner: str | None = None  # Cells login of a team's owner
    owner_uuid: str | None = None  # the Uuid the owner's Cells user is created with
    legacy_key: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordPlan:
    """How a user's password is set; ``legacy_hash`` only for ``keep-hash``."""

    action: PasswordAction
    legacy_hash: Secret | None = field(default=None, repr=False)
    hash_format: str = "none"


@dataclass(frozen=True, slots=True, kw_only=True)
class DesiredUser:
    """An ``idmUser`` (cells-api.md §1.4): profile always explicit, roles in order."""

    uuid: str
    login: str
    group_path: str
    profile: str
    display_name: str
    email: str | None = None
    roles: tuple[str, ...] = ()  # Cells role Uuids, in Pydio's merge order
    password: PasswordPlan = field(
        default_factory=lambda: PasswordPlan(action=PasswordAction.RESET)
    )
    owner: str | None = None  # parent user's Cells login (shared users)
    legacy_key: str = ""

    def attributes(self) -> tuple[tuple[str, str], ...]:
        """``Attributes`` to send: profile, displayName and email (when known), sorted."""
        attrs = {"profile": self.profile, "displayName": self.display_name}
        if self.email:
            attrs["email"] = self.email
        return tuple(sorted(attrs.items()))


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleRef:
    """The Cells role an ACL belongs to, by kind and natural key (login, group path, id)."""

    target: RoleTarget
    key: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DesiredAcl:
    """An ``idmACL`` (cells-api.md §1.6): ``Action{Name, Value}``, role, workspace, node."""

    role: RoleRef
    workspace_uuid: str  # "" for a node-level right outside a workspace root
    node: NodeRef
    action: str  # read | write | deny
    value: str = "1"
    origin: AclOrigin = AclOrigin.RIGHT
    legacy_key: str = ""  # "<role id>→<workspace id>"

    @property
    def identity(self) -> tuple[str, str, str, str, str]:
        """Cells' unique key (node, action, role, workspace) — duplicates answer 500."""
        return (self.node.key, self.action, self.role.target, self.role.key, self.workspace_uuid)


class LinkPassword(StrEnum):
    """How a public link's password is carried over (DESIGN.md "Passwords")."""

    NONE = "none"  # no password: visitors are logged in as the hidden link user
    KEEP_HASH = "keep-hash"  # the legacy hidden user's hash written into the new one's row
    NEW = "new"  # a new password, written to the random-passwords CSV (or reset by the owner)


@dataclass(frozen=True, slots=True, kw_only=True)
class DesiredLink:
    """A public link (``PUT /a/share/link``) at the same hash as in Pydio 8.

    ``root`` is the shared folder or file in the parent workspace's datasource; ``owner`` the
    sharer's Cells login (the link is handed over to them, ``PUT /a/share/policies``).
    """

    link_hash: str
    label: str
    root: NodeRef
    owner: str
    description: str = ""
    permissions: tuple[str, ...] = ("Preview", "Download")
    access_end: int | None = None  # unix seconds
    max_downloads: int | None = None
    template: str = "pydio_shared_folder"
    password: LinkPassword = LinkPassword.NONE
    legacy_hash: Secret | None = field(default=None, repr=False)  # KEEP_HASH only
    legacy_key: str = ""  # the share id (= the hash)
    workspace_id: str = ""  # the legacy shared child workspace
    file: bool = False  # a file is shared, not a folder

    @property
    def key(self) -> str:
        """The natural key of its action: ``link:<hash>``."""
        return f"link:{self.link_hash}"


@dataclass(frozen=True, slots=True, kw_only=True)
class CellMember:
    """One member of a cell and what it may do (``Value:"1"`` actions)."""

    role: RoleRef
    read: bool = True
    write: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class DesiredCell:
    """A Cells cell (``PUT /a/share/cell``) for a folder shared with users or groups."""

    label: str
    root: NodeRef
    owner: str
    description: str = ""
    members: tuple[CellMember, ...] = ()
    legacy_key: str = ""  # the share id (``repo-<child id>``) or the child workspace id
    workspace_id: str = ""  # the legacy shared child workspace
    name: str = ""  # unique natural key (the label, made unique)

    @property
    def key(self) -> str:
        """The natural key of its action: ``cell:<label>``."""
        return f"cell:{self.name or self.label}"


@dataclass(frozen=True, slots=True, kw_only=True)
class DesiredState:
    """Everything the target should hold, plus the findings of the mapping."""

    datasources: tuple[DesiredDatasource, ...] = ()
    workspaces: tuple[DesiredWorkspace, ...] = ()
    groups: tuple[DesiredGroup, ...] = ()
    roles: tuple[DesiredRole, ...] = ()
    users: tuple[DesiredUser, ...] = ()
    acls: tuple[DesiredAcl, ...] = ()
    links: tuple[DesiredLink, ...] = ()
    cells: tuple[DesiredCell, ...] = ()
    findings: tuple[Finding, ...] = ()

    def counts(self) -> dict[str, int]:
        """Objects per kind (DESIGN.md kinds)."""
        return {
            "datasource": len(self.datasources),
            "workspace": len(self.workspaces),
            "group": len(self.groups),
            "role": len(self.roles),
            "user": len(self.users),
            "acl": len(self.acls),
            "share": len(self.links) + len(self.cells),
        }

    def blockers(self) -> tuple[Finding, ...]:
        """Findings that must be fixed before ``apply`` (``check`` exits 1 on any)."""
        return tuple(f for f in self.findings if f.severity is Severity.BLOCKER)

    def to_json(self) -> str:
        """Canonical JSON: sorted, secrets masked; equal states give identical text."""
        return json.dumps(_plain(self), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_FIELDS: dict[type, tuple[str, ...]] = {}


def _plain(value: object) -> object:
    """Plain JSON data; field names cached per class (this runs for every object)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value.value if isinstance(value, StrEnum) else value
    if isinstance(value, Secret):
        return MASK if value else ""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    cls = type(value)
    names = _FIELDS.get(cls)
    if names is None and is_dataclass(value):
        names = _FIELDS.setdefault(cls, tuple(f.name for f in fields(value)))
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, frozenset | set):
        return sorted(str(v) for v in value)
    return value
