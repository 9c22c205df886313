"""The records the emulator's store holds (mutable, guarded by the store lock) and their JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]
Policy = tuple[str, str, str]  # (Action, Subject, Effect)

# cells-v3-recordings: every new IDM object gets these unless the body brings its own.
DEFAULT_POLICIES: tuple[Policy, ...] = (
    ("READ", "profile:standard", "allow"),
    ("WRITE", "profile:admin", "allow"),
)


@dataclass(slots=True, kw_only=True)
class Policies:
    """Resource policies with the row ids Cells shows on reads (not on PUT answers)."""

    items: list[Policy] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)

    def render(self, resource: str, *, with_ids: bool) -> list[JSON]:
        """Policies as Cells writes them; reads carry ``id`` and ``Resource``."""
        out: list[JSON] = []
        for pid, (action, subject, effect) in zip(self.ids, self.items, strict=True):
            item: JSON = {}
            if with_ids:
                item = {"id": str(pid), "Resource": resource}
            item.update({"Action": action, "Subject": subject, "Effect": effect})
            out.append(item)
        return out

    def subjects(self, action: str) -> set[str]:
        """Subjects allowed ``action``."""
        return {s for a, s, e in self.items if a == action and e == "allow"}


@dataclass(slots=True, kw_only=True)
class Role:
    """An IDM role (also team, group role, user role)."""

    uuid: str
    label: str
    is_team: bool = False
    group_role: bool = False
    user_role: bool = False
    force_override: bool = False
    auto_applies: tuple[str, ...] = ()
    auto_since: float = 0.0  # when AutoApplies was set (for the auto-apply cache)
    last_updated: int = 0
    policies: Policies = field(default_factory=Policies)

    def render(self, *, read: bool, editable: bool = True) -> JSON:
        """``read`` adds what GET/search add: ``AutoApplies:[""]``, policy ids, editable flag.

        Roles listed inside a user carry no ``PoliciesContextEditable`` (``editable=False``).
        """
        out: JSON = {"Uuid": self.uuid, "Label": self.label}
        for key, flag in (
            ("IsTeam", self.is_team),
            ("GroupRole", self.group_role),
            ("UserRole", self.user_role),
        ):
            if flag:
                out[key] = True
        out["LastUpdated"] = self.last_updated
        if self.auto_applies:
            out["AutoApplies"] = list(self.auto_applies)
        elif read:
            out["AutoApplies"] = [""]
        if self.force_override:
            out["ForceOverride"] = True
        out["Policies"] = self.policies.render(self.uuid, with_ids=read)
        if read and editable:
            out["PoliciesContextEditable"] = True
        return out


@dataclass(slots=True, kw_only=True)
class User:
    """A user (``is_group`` false) or a group node of the IDM tree."""

    uuid: str
    login: str
    group_path: str  # parent path, "/" or "/a/b" (no trailing slash)
    attributes: dict[str, str] = field(default_factory=dict)
    roles: list[str] = field(default_factory=list)  # custom roles, in stored order
    password_hash: str = ""
    last_connected: int = 0
    is_group: bool = False
    policies: Policies = field(default_factory=Policies)

    @property
    def full_path(self) -> str:
        """Path of a group node (parent + label)."""
        return join_path(self.group_path, self.login)

    @property
    def profile(self) -> str:
        """The user's profile attribute (``shared`` when unset, as Cells defaults it)."""
        return self.attributes.get("profile", "shared")


@dataclass(slots=True, kw_only=True)
class Workspace:
    """A workspace; ``attributes`` is the stored JSON string (see workspaces.py)."""

    uuid: str
    slug: str
    label: str = ""
    description: str = ""
    scope: str = "ADMIN"
    attributes: str = ""
    root_nodes: dict[str, JSON] = field(default_factory=dict)
    last_updated: int = 0
    policies: Policies = field(default_factory=Policies)


@dataclass(slots=True, kw_only=True)
class Link:
    """What a link holds besides its LINK workspace."""

    uuid: str
    hashes: list[str]
    user_login: str
    user_uuid: str
    body: JSON = field(default_factory=dict)  # Permissions, AccessEnd, MaxDownloads, …
    password_required: bool = False
    lost: bool = False  # its hash was taken over by another link: its document is gone


@dataclass(slots=True, kw_only=True)
class Acl:
    """One ACL row; unique on (node, action name, role, workspace) (cells-api.md §1.6)."""

    id: int
    action: str
    value: str
    role_id: str = ""
    workspace_id: str = ""
    node_id: str = ""

    @property
    def key(self) -> tuple[str, str, str, str]:
        """The unique key of the ACL table."""
        return (self.node_id, self.action, self.role_id, self.workspace_id)

    def render(self) -> JSON:
        """ACL as Cells writes it (empty fields omitted)."""
        out: JSON = {"ID": str(self.id), "Action": {"Name": self.action}}
        if self.value:
            out["Action"]["Value"] = self.value
        for key, value in (
            ("RoleID", self.role_id),
            ("WorkspaceID", self.workspace_id),
            ("NodeID", self.node_id),
        ):
            if value:
                out[key] = value
        return out


@dataclass(slots=True, kw_only=True)
class Node:
    """A node of the admin tree: a datasource root, a folder or a file."""

    uuid: str
    path: str  # "<ds>" for the root, "<ds>/a/b" below
    is_dir: bool
    size: int = 0
    mtime: int = 0
    etag: str = ""

    def render(self) -> JSON:
        """Node as ``/a/tree/admin/*`` writes it."""
        name = self.path.rsplit("/", 1)[-1] if "/" in self.path else ""
        is_root = "/" not in self.path
        out: JSON = {
            "Uuid": self.uuid,
            "Path": self.path + "/" if is_root else self.path,
            "Type": "COLLECTION" if self.is_dir else "LEAF",
            "Size": str(self.size),
            "MTime": str(self.mtime),
        }
        if not self.size:
            # proto3 leaves zero out: an empty datasource's root (rec4create), an empty
            # folder (share-cell-create.yaml: rec3-admincell in a workspace's roots)
            del out["Size"]
        if not self.is_dir:
            out["Mode"] = 511
        if self.etag and not is_root:
            out["Etag"] = self.etag
        out["MetaStore"] = {"name": f'"{name}"'}
        return out


@dataclass(slots=True, kw_only=True)
class DataSource:
    """A datasource and its indexing progress."""

    name: str
    body: JSON
    folder: str  # the folder indexed from disk ("" when not walked: S3, services-only seed)
    structured: bool
    objects_service: str
    index_due: float | None = None  # when the running resync has indexed the folder
    finish_due: float | None = None  # when its task turns Finished (recorded: ~2x later)
    indexed: bool = False
    # Why Cells never serves it (stat: 500 "Could not find DataSource"), "" when it does.
    unserved: str = ""
    # Re-created under a name deleted seconds earlier: sub-folder stats answer 500
    # "Not found" until then (datasource-object-service-roots.yaml).
    not_found_until: float | None = None
    secret: str = field(default="", repr=False)  # S3 secret as sent (answers show a vault ref)

    @property
    def storage(self) -> str:
        """``LOCAL`` or ``S3``."""
        return str(self.body.get("StorageType") or "LOCAL")

    @property
    def folder_conf(self) -> str:
        """``StorageConfiguration.folder`` as configured (LOCAL)."""
        conf = self.body.get("StorageConfiguration") or {}
        return str(conf.get("folder") or "") if isinstance(conf, dict) else ""

    @property
    def endpoint(self) -> str:
        """``StorageConfiguration.customEndpoint`` (S3)."""
        conf = self.body.get("StorageConfiguration") or {}
        return str(conf.get("customEndpoint") or "") if isinstance(conf, dict) else ""


@dataclass(slots=True, kw_only=True)
class Task:
    """A task of a scheduler job."""

    id: str
    status: str
    message: str
    start: int
    end: int = 0


@dataclass(slots=True, kw_only=True)
class Job:
    """A scheduler job (the emulator only models ``resync-ds-<name>``)."""

    id: str
    label: str
    service: str
    tasks: list[Task] = field(default_factory=list)

    def render(self, tasks_limit: int) -> JSON:
        """Job as ``POST /a/jobs/user`` writes it (datasource-readiness.yaml)."""
        out: JSON = {
            "ID": self.id,
            "Label": self.label,
            "Owner": "pydio.system.user",
            "AutoStart": True,
            "Actions": [{"ID": "actions.cmd.resync", "Parameters": {"service": self.service}}],
            "MaxConcurrency": 1,
        }
        tasks = list(reversed(self.tasks))[: tasks_limit or None]
        if tasks:
            out["Tasks"] = [render_task(self.id, t) for t in tasks]
        return out


def render_task(job_id: str, task: Task) -> JSON:
    """One task of a job."""
    out: JSON = {
        "ID": task.id,
        "JobID": job_id,
        "Status": task.status,
        "StatusMessage": task.message,
        "TriggerOwner": "pydio.system.user",
        "StartTime": task.start,
    }
    if task.end:
        out["EndTime"] = task.end
    if task.message != "Pending":  # recorded: a queued S3 resync task has no progress yet
        out["HasProgress"] = True
    if task.status == "Finished":
        out["Progress"] = 1
    return out


def join_path(parent: str, label: str) -> str:
    """Join a group path and a label: ``("/", "a") -> "/a"``."""
    parent = parent.rstrip("/")
    return f"{parent}/{label}" if label else (parent or "/")


def norm_group_path(path: str) -> str:
    """Normalise a group path: leading slash, no trailing slash, ``/`` for the root."""
    parts = [p for p in path.split("/") if p]
    return "/" + "/".join(parts)
