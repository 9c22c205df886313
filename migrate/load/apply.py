"""The Cells writes of one plan action, per kind (what the executor runs in its workers).

Every write goes through :class:`~migrate.cells.client.CellsClient`, whose write methods are
safe to re-send after a lost answer (retries live there only, STYLE.md 3 "stacked retries").
Bodies come from :mod:`migrate.cells.codec`, the same functions ``plan`` compares with.

Images: what a write returns (``after``) and what an update replaces (``before``) are kept
as plain JSON in the checkpoint DB for rollback; an object found already in Cells when a
resume re-checks it is read back (:meth:`Applier.current`) so that its item carries the
same image (issue 12 point 1). :func:`read_image` is the one reader of an object's image,
for apply and rollback alike. Images never hold a secret: datasource API keys and secrets
are left out (they could not be read back anyway, cells-api.md §1.2), and users are stored
without a password. Passwords are not set here but by
:class:`~migrate.load.password_steps.PasswordSteps`, as a step recorded of its own.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from migrate.cells import codec
from migrate.cells.client import CellsClient
from migrate.cells.models import ACL, Group, Role, User, Workspace
from migrate.cells.storage import DataSource
from migrate.errors import CellsError
from migrate.load.checkpoint_schema import JsonValue
from migrate.load.datasources import write_datasource
from migrate.load.readiness import DatasourceWaiter
from migrate.mapping.desired import (
    DesiredAcl,
    DesiredDatasource,
    DesiredGroup,
    DesiredRole,
    DesiredUser,
    DesiredWorkspace,
    RoleTarget,
)
from migrate.plan.actions import Action, ActionType, Kind
from migrate.plan.targets import DesiredObject
from migrate.secret import Secret

Image = dict[str, JsonValue]

UNKNOWN_ROLE = "?"
_SECRET_KEYS = ("ApiKey", "ApiSecret")


@dataclass(slots=True, kw_only=True)
class Refs:
    """Ids learnt while applying (thread-safe): group Uuids Cells assigned, sub-folder Uuids
    found once a datasource is indexed."""

    groups: dict[str, str] = field(default_factory=dict)  # group path -> Uuid
    folders: dict[str, str] = field(default_factory=dict)  # "<ds>/<sub>" -> node Uuid
    missing: set[str] = field(default_factory=set)  # "<ds>/<sub>" not in the indexed tree
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_group(self, path: str, uuid: str) -> None:
        """Remember a group's Uuid."""
        with self.lock:
            self.groups[path] = uuid

    def add_folder(self, path: str, uuid: str) -> None:
        """Remember a sub-folder's node Uuid."""
        with self.lock:
            self.folders[path] = uuid

    def folder_map(self) -> dict[str, str]:
        """A copy of the resolved folders."""
        with self.lock:
            return dict(self.folders)

    def add_missing(self, path: str) -> None:
        """Remember a sub-folder the indexed datasource does not have."""
        with self.lock:
            self.missing.add(path)

    def unresolved(self, path: str, subject: str) -> CellsError:
        """The error of an item whose folder ``path`` has no node Uuid: it does not exist
        (the datasource was indexed without it), or its datasource is not ready."""
        ds, _, sub = path.partition("/")
        with self.lock:
            gone = path in self.missing
        if gone:
            # Final: a resume would not find it either (issue 11 point 4).
            return CellsError(f"folder {sub} does not exist in datasource {ds}", subject=subject)
        return CellsError(
            f"folder {path!r} is not indexed in Cells (datasource not ready?); "
            "run `cells-migrate resume` once it is",
            subject=subject,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Written:
    """What Cells confirmed: the object's id and its image as Cells returned it."""

    cells_id: str
    after: Image


# ---------------------------------------------------------------- images
def datasource_image(ds: DataSource) -> Image:
    """A datasource without its secrets."""
    body = ds.to_json(with_flat_storage=True)
    return {k: v for k, v in body.items() if k not in _SECRET_KEYS}


def group_image(group: Group) -> Image:
    """A group as ``{"Uuid", "Path", "Label", "Attributes"}`` (its path in full)."""
    return {
        "Uuid": group.uuid,
        "Path": group.path,
        "Label": group.label,
        "Attributes": dict(group.attributes),
    }


def group_from_image(image: Mapping[str, object]) -> Group:
    """The group an image describes."""
    attrs = image.get("Attributes")
    return Group(
        label=str(image.get("Label") or ""),
        path=str(image.get("Path") or "/"),
        uuid=str(image.get("Uuid") or ""),
        attributes=tuple(sorted((str(k), str(v)) for k, v in dict(attrs or {}).items()))
        if isinstance(attrs, Mapping)
        else (),
    )


def acl_image(acl: ACL) -> Image:
    """An ACL as ``{"Action": {Name, Value}, RoleID, WorkspaceID, NodeID}``."""
    return dict(acl.to_json())


def user_image(user: User) -> Image:
    """A user as Cells would take it back (no password)."""
    return dict(replace(user, password=None).to_json())


def acl_of(cells_id: str) -> ACL:
    """The ACL an item's ``cells_id`` (``role|workspace|node|action``) names, no value."""
    role, workspace, node, action = ([*cells_id.split("|"), "", "", "", ""])[:4]
    return ACL(action=action, role_id=role, workspace_id=workspace, node_id=node)


def read_image(client: CellsClient, kind: Kind, key: str, cells_id: str) -> Image | None:
    """The image of one object as Cells holds it now, or ``None`` when it is not there.

    ``key`` is the plan's natural key (datasource name, group path, login …) and
    ``cells_id`` the id the checkpoint recorded (role Uuid, workspace Uuid, the ACL's
    ``role|workspace|node|action``). Raises ``CellsError``.
    """
    if kind is Kind.DATASOURCE:
        ds = client.get_datasource(key)
        return None if ds is None else datasource_image(ds)
    if kind is Kind.GROUP:
        parent = key.rstrip("/").rsplit("/", 1)[0] or "/"
        found = [g for g in client.search_groups(parent) if g.path == key]
        return group_image(found[0]) if found else None
    if kind is Kind.ROLE:
        role = client.get_role(cells_id or key)
        return None if role is None else dict(role.to_json())
    if kind is Kind.USER:
        user = client.get_user(key)
        return None if user is None else user_image(user)
    if kind is Kind.WORKSPACE:
        found_ws = client.search_workspaces(uuid=cells_id) if cells_id else []
        return dict(found_ws[0].to_json()) if found_ws else None
    acl = client.find_acl(acl_of(cells_id))
    return None if acl is None else acl_image(acl)


# ---------------------------------------------------------------- ACL ids
@dataclass(frozen=True, slots=True, kw_only=True)
class AclTarget:
    """The four parts of an ACL's Cells key, resolved."""

    role_id: str
    workspace_id: str
    node_id: str
    action: str


def resolve_acl(action: Action, acl: DesiredAcl, refs: Refs) -> AclTarget:
    """The ACL's role and node ids: from the plan's ``cells_id`` where it knew them, else
    from what this run learnt (a group Cells just created, a folder just indexed).

    Raises ``CellsError`` when one is still unknown (the item fails, the run goes on).
    """
    role, workspace, node, name = ([*action.cells_id.split("|"), "", "", "", ""])[:4]
    if role in ("", UNKNOWN_ROLE) and acl.role.target is RoleTarget.GROUP:
        role = refs.groups.get(acl.role.key, "")
    if node.startswith(codec.UNRESOLVED_PREFIX) or not node:
        node = codec.node_id(acl.node, refs.folder_map())
    if not role or role == UNKNOWN_ROLE:
        raise CellsError(
            f"the role of {acl.role.target.value} {acl.role.key!r} is not in Cells",
            subject=f"acl:{action.key}",
        )
    if node.startswith(codec.UNRESOLVED_PREFIX):
        raise refs.unresolved(acl.node.path, f"acl:{action.key}")
    return AclTarget(
        role_id=role,
        workspace_id=workspace or acl.workspace_uuid,
        node_id=node,
        action=name or acl.action,
    )


# ---------------------------------------------------------------- the writes
class Applier:
    """Runs the Cells write of one action (thread-safe; one instance per run)."""

    def __init__(
        self,
        client: CellsClient,
        refs: Refs,
        *,
        new_password: Callable[[], str] = lambda: secrets.token_urlsafe(24),
        waiter: DatasourceWaiter | None = None,
    ) -> None:
        self.client = client
        self.refs = refs
        self.waiter = waiter  # a created datasource is confirmed served with it
        self.new_password = new_password

    def write(self, action: Action, obj: DesiredObject) -> Written:
        """Send ``action``'s write for ``obj`` and return what Cells confirmed.

        Raises ``CellsError`` (the item fails; nothing else is affected).
        """
        if isinstance(obj, DesiredDatasource):
            ds = write_datasource(
                self.client, codec.datasource_body(obj), waiter=self.waiter, action=action.action
            )
            return Written(cells_id=ds.name or obj.name, after=datasource_image(ds))
        if isinstance(obj, DesiredGroup):
            group = self.client.put_group(codec.group_body(obj))
            self.refs.add_group(obj.path, group.uuid)
            return Written(cells_id=group.uuid, after=group_image(group))
        if isinstance(obj, DesiredRole):
            role = self.client.put_role(codec.role_body(obj))
            return Written(cells_id=role.uuid, after=dict(role.to_json()))
        if isinstance(obj, DesiredUser):
            return self._user(action, obj)
        if isinstance(obj, DesiredWorkspace):
            return self._workspace(action, obj)
        return self._acl(action, obj)

    def _user(self, action: Action, user: DesiredUser) -> Written:
        uuid = action.cells_id or user.uuid
        body = codec.user_body(user, uuid=uuid)
        if action.action is ActionType.CREATE:
            # reset / random: a password nobody knows until the admin resets or hands it out;
            # keep-hash: the same until the password step writes the legacy hash, so a failed
            # or interrupted step leaves a locked-out user, never an empty password
            # (DESIGN.md "Passwords"). An adopted user keeps its own (never sent).
            body = replace(body, password=Secret(self.new_password()))
        written = self.client.put_user(body)
        return Written(cells_id=written.uuid, after=user_image(written))

    def _workspace(self, action: Action, ws: DesiredWorkspace) -> Written:
        body = codec.workspace_body(ws, self.refs.folder_map())
        missing = [r.path for r in body.roots if r.uuid.startswith(codec.UNRESOLVED_PREFIX)]
        if missing:
            # Cells accepts roots that point at nothing (tree-stat-missing.yaml): never send one.
            raise self.refs.unresolved(missing[0], f"workspace:{ws.slug}")
        written = self.client.put_workspace(body)
        return Written(cells_id=written.uuid or ws.uuid, after=dict(written.to_json()))

    def _acl(self, action: Action, acl: DesiredAcl) -> Written:
        target = resolve_acl(action, acl, self.refs)
        body = codec.acl_body(
            role_id=target.role_id,
            workspace_id=target.workspace_id,
            node=target.node_id,
            action=target.action,
            value=acl.value,
        )
        if action.action is not ActionType.CREATE:
            # Cells' ACL is insert-only with a unique key (cells-api.md §1.6: a duplicate
            # answers 500): a new value replaces the old row.
            self.client.delete_acls(replace(body, value=""))
        written = self.client.put_acl(body)
        cells_id = "|".join((body.role_id, body.workspace_id, body.node_id, body.action))
        return Written(cells_id=cells_id, after=acl_image(written if written.action else body))

    # ---------------------------------------------------------------- images read back
    def current(self, action: Action, obj: DesiredObject) -> Written | None:
        """The object as Cells holds it now, with its id (``None`` when it is not there):
        the image of an item found already written when a resume re-checks it, or of an
        adoption that changes nothing. Raises ``CellsError``."""
        cells_id = action.cells_id
        if isinstance(obj, DesiredWorkspace):
            cells_id = cells_id or obj.uuid
        if isinstance(obj, DesiredAcl):
            target = resolve_acl(action, obj, self.refs)
            cells_id = "|".join(
                (target.role_id, target.workspace_id, target.node_id, target.action)
            )
        image = read_image(self.client, action.kind, action.key, cells_id)
        if image is None:
            return None
        if isinstance(obj, DesiredGroup):
            cells_id = str(image.get("Uuid") or "")
            self.refs.add_group(obj.path, cells_id)
        elif action.kind in (Kind.USER, Kind.ROLE, Kind.WORKSPACE):
            cells_id = str(image.get("Uuid") or cells_id)
        return Written(cells_id=cells_id or action.key, after=image)

    def before(self, action: Action, obj: DesiredObject) -> Image | None:
        """The live object an update will replace (rollback's image); ``None`` when Cells
        has no such object any more (the update then creates it)."""
        if not isinstance(obj, DesiredAcl):
            cells_id = action.cells_id
            if isinstance(obj, DesiredWorkspace):
                cells_id = cells_id or obj.uuid
            return read_image(self.client, action.kind, action.key, cells_id)
        if isinstance(obj, DesiredAcl):
            target = resolve_acl(action, obj, self.refs)
            old = next((c.old for c in action.changes if c.field == "value"), None)
            if old is None:
                return None
            return acl_image(
                codec.acl_body(
                    role_id=target.role_id,
                    workspace_id=target.workspace_id,
                    node=target.node_id,
                    action=target.action,
                    value=old,
                )
            )
        return None


def role_from_image(image: Mapping[str, object]) -> Role:
    """The role an image describes."""
    return Role.from_json(image)


def workspace_from_image(image: Mapping[str, object]) -> Workspace:
    """The workspace an image describes."""
    return Workspace.from_json(image)
