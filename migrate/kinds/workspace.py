"""Workspaces: matched by Uuid (ours: the legacy repository id), then by slug.

Body ``PUT /a/workspace/{Slug}`` with the attributes whole and every root with Uuid and
Path: each PUT rewrites the workspace's ROOT_GROUP rights and quota from its attributes
(cells-v3-behaviour.md "Workspace attributes"). Managed fields: slug, label, description,
scope, attributes (canonical), roots (sorted node ids). A workspace with our slug but
another Uuid is a conflict: a PUT with our Uuid would make Cells rename ours ``slug-1``,
and adopting it would rewrite someone else's workspace, its default rights and its quota.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import replace

from migrate.cells.client import CellsClient
from migrate.cells.models import RootNode, Workspace
from migrate.kinds.base import ApplyContext, DiffContext, Image, KindHandler, LiveJob, Written
from migrate.kinds.fields import (
    UNRESOLVED_PREFIX,
    Fields,
    attribute_values,
    field_changes,
    node_id,
)
from migrate.kinds.keys import ObjectRef
from migrate.kinds.live_state import LiveState
from migrate.kinds.vocabulary import Action, ActionType, Kind, Stage
from migrate.mapping.desired import DesiredState, DesiredWorkspace, NodeRef


def body(ws: DesiredWorkspace, resolved: Mapping[str, str] | None = None) -> Workspace:
    """The ``PUT /a/workspace/{Slug}`` object: attributes whole, roots with Uuid and Path
    (a root not resolved yet has the Uuid ``path:<path>``: never sent)."""
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


class WorkspaceHandler(KindHandler[DesiredWorkspace, Workspace]):
    """Workspaces (see the module docstring)."""

    kind = Kind.WORKSPACE
    live_field = "workspaces"

    def desired(self, state: DesiredState) -> tuple[DesiredWorkspace, ...]:
        """The desired workspaces."""
        return state.workspaces

    def keyed(self, state: DesiredState) -> Iterator[tuple[str, DesiredWorkspace]]:
        """Workspaces by slug."""
        return ((w.slug, w) for w in state.workspaces)

    def legacy_keys(self, obj: DesiredWorkspace) -> tuple[str, ...]:
        """The legacy repository id, the slug and the Uuid."""
        return (obj.legacy_key, obj.slug, obj.uuid)

    def dependencies(
        self, obj: DesiredWorkspace, slugs: Mapping[str, str]
    ) -> list[tuple[Kind, str]]:
        """Its datasource."""
        return [(Kind.DATASOURCE, obj.datasource)] if obj.datasource else []

    def folder_nodes(self, obj: DesiredWorkspace) -> tuple[NodeRef, ...]:
        """Its roots."""
        return obj.root_nodes

    def live_jobs(
        self, client: CellsClient, desired: DesiredState, known: LiveState
    ) -> list[LiveJob[Workspace]]:
        """Every workspace."""
        return [client.search_workspaces]

    def live_order(self, obj: Workspace) -> tuple[str, ...]:
        """By Uuid."""
        return (obj.uuid,)

    def read(self, client: CellsClient, ref: ObjectRef) -> Workspace | None:
        """The workspace with Uuid ``ref.cells_id``."""
        found = client.search_workspaces(uuid=ref.cells_id) if ref.cells_id else []
        return found[0] if found else None

    def diff(self, desired: tuple[DesiredWorkspace, ...], ctx: DiffContext) -> list[Action]:
        """create / update / noop / conflict per desired workspace (module docstring)."""
        live = self.live(ctx.live)
        by_uuid = {w.uuid: w for w in live}
        by_slug = {w.slug: w for w in live}
        folders = ctx.folders
        actions = []
        for ws in desired:
            base = Action(
                stage=Stage.WORKSPACES,
                kind=Kind.WORKSPACE,
                key=ws.slug,
                action=ActionType.NOOP,
                cells_id=ws.uuid,
            )
            wanted = self.fields(body(ws, folders))
            found = by_uuid.get(ws.uuid)
            if found is not None:
                unresolved = [
                    n.path for n in ws.root_nodes if n.uuid is None and n.path not in folders
                ]
                changes = field_changes(wanted, self.fields(found, unresolved))
                action = ActionType.UPDATE if changes else ActionType.NOOP
                actions.append(replace(base, action=action, changes=changes))
                continue
            other = by_slug.get(ws.slug)
            if other is not None:
                reason = (
                    f"the slug {ws.slug!r} is taken on Cells by workspace {other.uuid} "
                    f"({other.label!r}), which cells-migrate did not create (ours is {ws.uuid}); "
                    "give ours another slug with workspaces.rename in a mapping file, or rename "
                    "or remove that workspace on Cells"
                )
                actions.append(replace(base, action=ActionType.CONFLICT, reason=reason))
                continue
            changes = field_changes(wanted, None)
            actions.append(replace(base, action=ActionType.CREATE, changes=changes))
        return actions

    def fields(self, obj: Workspace, unresolved: Collection[str] = ()) -> Fields:
        """Slug, label, description, scope, attributes (canonical JSON), roots (sorted).

        ``unresolved`` holds the desired root paths still without a Uuid (a sub-folder of a
        datasource not indexed when planning): a live root with such a path is equal to it.
        """
        wanted = {p.strip("/") for p in unresolved}
        roots = sorted(
            UNRESOLVED_PREFIX + r.path.strip("/") if r.path.strip("/") in wanted else r.uuid
            for r in obj.roots
        )
        return (
            ("slug", obj.slug),
            ("label", obj.label),
            ("description", obj.description or None),
            ("scope", obj.scope),
            ("attributes", attribute_values(obj.attributes)),
            ("roots", ", ".join(roots)),
        )

    def image(self, obj: Workspace) -> Image:
        """The workspace as Cells takes it back."""
        return dict(obj.to_json())

    def from_image(self, image: Mapping[str, object]) -> Workspace:
        """The workspace an image describes."""
        return Workspace.from_json(image)

    def cells_id(self, obj: Workspace) -> str:
        """Its Uuid."""
        return obj.uuid

    def target(self, action: Action, obj: DesiredWorkspace, ctx: ApplyContext) -> ObjectRef:
        """By slug and Uuid (ours when the plan did not name one)."""
        return ObjectRef(kind=self.kind, key=action.key, cells_id=action.cells_id or obj.uuid)

    def write(self, action: Action, obj: DesiredWorkspace, ctx: ApplyContext) -> Written:
        """Create or update the workspace, once every root is resolved."""
        sent = body(obj, ctx.refs.folder_map())
        missing = [r.path for r in sent.roots if r.uuid.startswith(UNRESOLVED_PREFIX)]
        if missing:
            # Cells accepts roots that point at nothing (tree-stat-missing.yaml): never send one.
            raise ctx.refs.unresolved(missing[0], f"workspace:{obj.slug}")
        written = ctx.client.put_workspace(sent)
        return Written(cells_id=written.uuid or obj.uuid, after=self.image(written))

    def delete(
        self,
        client: CellsClient,
        ref: ObjectRef,
        live: Workspace,
        written: Mapping[str, object] | None,
    ) -> list[str]:
        """``DELETE /a/workspace/{Slug}`` (the slug it has now)."""
        client.delete_workspace(live.slug)
        return []

    def restore(self, client: CellsClient, ref: ObjectRef, image: Mapping[str, object]) -> None:
        """Write the workspace back as it was."""
        client.put_workspace(self.from_image(image))


HANDLER = WorkspaceHandler()
