"""ACLs: matched by Cells' unique key (node, action, role, workspace).

Body ``PUT /a/acl``; managed field: the value. The natural key shown to people is
``<role kind>:<role key>@<workspace slug>:<node path>:<action>``; the Cells id is an
:class:`~migrate.kinds.keys.AclId` whose role or node may still be unknown when planned (a
group still to create, a folder not indexed yet): apply resolves them from what the run
learnt. Cells' ACL table is insert-only with a unique key (a duplicate answers 500 after
~11 s, cells-api.md §1.6): a new value replaces the old row, and a plan searches before it
inserts. Live ACLs that are not desired are left alone: the tool only removes what a run
created, and only through rollback.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from migrate.cells.client import CellsClient
from migrate.cells.models import ACL
from migrate.errors import CellsError
from migrate.kinds.base import ApplyContext, DiffContext, Image, KindHandler, LiveJob, Written
from migrate.kinds.fields import UNRESOLVED_PREFIX, Fields, node_id
from migrate.kinds.keys import UNKNOWN_ROLE, AclId, ObjectRef
from migrate.kinds.live_state import LiveState
from migrate.kinds.resolve import Resolver
from migrate.kinds.vocabulary import Action, ActionType, FieldChange, Kind, Stage
from migrate.mapping.desired import DesiredAcl, DesiredState, NodeKind, NodeRef, RoleTarget

ROLE_BATCH = 500  # RoleIDs per ACL search (one SQL IN on Cells' side)
_DEPENDS_ON = {RoleTarget.USER: Kind.USER, RoleTarget.GROUP: Kind.GROUP, RoleTarget.ROLE: Kind.ROLE}


def acl_key(acl: DesiredAcl, slugs: Mapping[str, str]) -> str:
    """The natural key shown for an ACL: ``<role>@<workspace>:<node>:<action>``."""
    role = acl.role
    where = slugs.get(acl.workspace_uuid, acl.workspace_uuid) or "-"
    # plain str concatenation (a StrEnum is a str): no enum lookups, a million times
    return ":".join((role.target + "", role.key + "@" + where, acl.node.path, acl.action))


def slugs_of(state: DesiredState) -> dict[str, str]:
    """Workspace Uuid → slug (ACL keys name workspaces by slug)."""
    return {w.uuid: w.slug for w in state.workspaces}


def body(target: AclId, value: str) -> ACL:
    """The ``PUT /a/acl`` object (the node must be resolved before it is sent)."""
    return target.acl(value)


def resolve(action: Action, acl: DesiredAcl, ctx: ApplyContext) -> AclId:
    """The ACL's role and node ids: from the plan's ``cells_id`` where it knew them, else
    from what this run learnt (a group Cells just created, a folder just indexed).

    Raises ``CellsError`` when one is still unknown (the item fails, the run goes on).
    """
    planned = AclId.parse(action.cells_id)
    role = planned.role_id
    if not planned.role_known and acl.role.target is RoleTarget.GROUP:
        role = ctx.refs.group(acl.role.key)
    node = planned.node_id
    if node.startswith(UNRESOLVED_PREFIX) or not node:
        node = node_id(acl.node, ctx.refs.folder_map())
    if role in ("", UNKNOWN_ROLE):
        raise CellsError(
            f"the role of {acl.role.target.value} {acl.role.key!r} is not in Cells",
            subject=f"acl:{action.key}",
        )
    if node.startswith(UNRESOLVED_PREFIX):
        raise ctx.refs.unresolved(acl.node.path, f"acl:{action.key}")
    return AclId(
        role_id=role,
        workspace_id=planned.workspace_id or acl.workspace_uuid,
        node_id=node,
        action=planned.action or acl.action,
    )


def _batch(client: CellsClient, role_ids: Sequence[str]) -> LiveJob[ACL]:
    def job() -> list[ACL]:
        return client.search_acls(role_ids=role_ids)

    return job


class AclHandler(KindHandler[DesiredAcl, ACL]):
    """ACLs (see the module docstring)."""

    kind = Kind.ACL
    live_field = "acls"
    expensive = True
    reads_after_folders = True

    def desired(self, state: DesiredState) -> tuple[DesiredAcl, ...]:
        """The desired ACLs."""
        return state.acls

    def keyed(self, state: DesiredState) -> Iterator[tuple[str, DesiredAcl]]:
        """ACLs by natural key."""
        slugs = slugs_of(state)
        return ((acl_key(a, slugs), a) for a in state.acls)

    def legacy_keys(self, obj: DesiredAcl) -> tuple[str, ...]:
        """The legacy right (``<role id>→<workspace id>``)."""
        return (obj.legacy_key,)

    def dependencies(self, obj: DesiredAcl, slugs: Mapping[str, str]) -> list[tuple[Kind, str]]:
        """Its role's owner, its workspace, and the datasource of a folder node."""
        deps = []
        owner = _DEPENDS_ON.get(obj.role.target)
        if owner is not None:
            deps.append((owner, obj.role.key))
        slug = slugs.get(obj.workspace_uuid)
        if slug:
            deps.append((Kind.WORKSPACE, slug))
        if obj.node.kind in (NodeKind.FOLDER, NodeKind.DATASOURCE):
            # a right on a folder needs its datasource (masks carry no workspace)
            deps.append((Kind.DATASOURCE, obj.node.path.split("/", 1)[0]))
        return deps

    def folder_nodes(self, obj: DesiredAcl) -> tuple[NodeRef, ...]:
        """Its node."""
        return (obj.node,)

    def live_jobs(
        self, client: CellsClient, desired: DesiredState, known: LiveState
    ) -> list[LiveJob[ACL]]:
        """The ACLs of the roles the desired ACLs name (by RoleIDs, in batches)."""
        resolver = Resolver.build(
            desired, users=known.users, groups=known.groups, folders=dict(known.folders)
        )
        roles = sorted({resolver.role_id(a.role) or "" for a in desired.acls} - {""})
        return [_batch(client, roles[i : i + ROLE_BATCH]) for i in range(0, len(roles), ROLE_BATCH)]

    def live_order(self, obj: ACL) -> tuple[str, ...]:
        """By role, workspace, node, action."""
        return (obj.role_id, obj.workspace_id, obj.node_id, obj.action)

    def read(self, client: CellsClient, ref: ObjectRef) -> ACL | None:
        """The ACL with the key ``ref.cells_id`` (any value)."""
        return client.find_acl(AclId.parse(ref.cells_id).acl())

    def diff(self, desired: tuple[DesiredAcl, ...], ctx: DiffContext) -> list[Action]:
        """create / update (value) / noop / skip per desired ACL; never a delete. An ACL
        whose role or node does not exist yet cannot exist either: a create, resolved when
        applied. ACLs of a role whose owner is in conflict (``ctx.blocked``) are skipped."""
        live = ctx.live
        resolver = Resolver.build(
            ctx.desired, users=live.users, groups=live.groups, folders=ctx.folders
        )
        slugs = slugs_of(ctx.desired)
        stored = {a.key: a for a in self.live(live)}
        actions = []
        seen: set[str] = set()
        for acl in desired:
            key = acl_key(acl, slugs)
            if key in seen:
                continue
            seen.add(key)
            role_id = resolver.role_id(acl.role)
            node = resolver.node_id(acl.node)
            cells_id = AclId(
                role_id=role_id or UNKNOWN_ROLE,
                workspace_id=acl.workspace_uuid,
                node_id=node,
                action=acl.action,
            )
            why = ctx.blocked.get((acl.role.target, acl.role.key))
            found = None
            if role_id is not None and not node.startswith(UNRESOLVED_PREFIX):
                found = stored.get((node, acl.action, role_id, acl.workspace_uuid))
            changes: tuple[FieldChange, ...] = ()
            if why:
                action = ActionType.SKIP
            elif found is None:
                action = ActionType.CREATE
                changes = (FieldChange(field="value", old=None, new=acl.value),)
            elif found.value != acl.value:
                action = ActionType.UPDATE
                changes = (FieldChange(field="value", old=found.value, new=acl.value),)
            else:
                action = ActionType.NOOP
            actions.append(
                Action(
                    stage=Stage.ACLS,
                    kind=Kind.ACL,
                    key=key,
                    action=action,
                    changes=changes,
                    reason=why or "",
                    cells_id=str(cells_id),
                )
            )
        return actions

    def fields(self, obj: ACL) -> Fields:
        """The value."""
        return (("value", obj.value),)

    def image(self, obj: ACL) -> Image:
        """``{"Action": {Name, Value}, RoleID, WorkspaceID, NodeID}``."""
        return dict(obj.to_json())

    def from_image(self, image: Mapping[str, object]) -> ACL:
        """The ACL an image describes."""
        return ACL.from_json(image)

    def cells_id(self, obj: ACL) -> str:
        """Its key, as stored (``role|workspace|node|action``)."""
        return str(AclId.of(obj))

    def target(self, action: Action, obj: DesiredAcl, ctx: ApplyContext) -> ObjectRef:
        """The ACL with its role and node resolved (``CellsError`` when they are not)."""
        return ObjectRef(kind=self.kind, key=action.key, cells_id=str(resolve(action, obj, ctx)))

    def write(self, action: Action, obj: DesiredAcl, ctx: ApplyContext) -> Written:
        """Insert the ACL (an update deletes the row with the old value first)."""
        target = resolve(action, obj, ctx)
        sent = body(target, obj.value)
        if action.action is not ActionType.CREATE:
            # insert-only with a unique key: a new value replaces the old row
            ctx.client.delete_acls(target.acl())
        written = ctx.client.put_acl(sent)
        return Written(cells_id=str(target), after=self.image(written if written.action else sent))

    def before(self, action: Action, obj: DesiredAcl, ctx: ApplyContext) -> Image | None:
        """The ACL with the value the plan found (no request)."""
        target = resolve(action, obj, ctx)
        old = next((c.old for c in action.changes if c.field == "value"), None)
        return None if old is None else self.image(body(target, old))

    def delete(
        self,
        client: CellsClient,
        ref: ObjectRef,
        live: ACL,
        written: Mapping[str, object] | None,
    ) -> list[str]:
        """Delete the ACL with this key."""
        client.delete_acls(AclId.parse(ref.cells_id).acl())
        return []

    def restore(self, client: CellsClient, ref: ObjectRef, image: Mapping[str, object]) -> None:
        """Replace the row with the ACL of the image."""
        client.delete_acls(AclId.parse(ref.cells_id).acl())
        client.put_acl(self.from_image(image))


HANDLER = AclHandler()
