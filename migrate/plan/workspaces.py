"""Differ for workspaces: matched by UUID (ours: the legacy repo id), then by slug."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from migrate.cells.codec import live_workspace_fields, workspace_fields
from migrate.cells.models import Workspace
from migrate.mapping.desired import DesiredWorkspace
from migrate.plan.actions import Action, ActionType, Kind, Stage
from migrate.plan.compare import field_changes


def diff_workspaces(
    desired: tuple[DesiredWorkspace, ...],
    live: tuple[Workspace, ...],
    *,
    folders: Mapping[str, str],
) -> list[Action]:
    """create / update / noop / conflict per desired workspace.

    A workspace with our slug but another UUID is a conflict: a PUT with our UUID would make
    Cells rename our slug to ``slug-1`` (cells-v3-behaviour.md §5), and adopting it would
    rewrite someone else's workspace, its default rights and its quota.
    """
    by_uuid = {w.uuid: w for w in live}
    by_slug = {w.slug: w for w in live}
    actions = []
    for ws in desired:
        base = Action(
            stage=Stage.WORKSPACES,
            kind=Kind.WORKSPACE,
            key=ws.slug,
            action=ActionType.NOOP,
            cells_id=ws.uuid,
        )
        wanted = workspace_fields(ws, folders)
        found = by_uuid.get(ws.uuid)
        if found is not None:
            unresolved = [n.path for n in ws.root_nodes if n.uuid is None and n.path not in folders]
            changes = field_changes(wanted, live_workspace_fields(found, unresolved))
            action = ActionType.UPDATE if changes else ActionType.NOOP
            actions.append(replace(base, action=action, changes=changes))
            continue
        other = by_slug.get(ws.slug)
        if other is not None:
            reason = (
                f"the slug {ws.slug!r} is taken on Cells by workspace {other.uuid} "
                f"({other.label!r}), which cells-migrate did not create (ours is {ws.uuid}); "
                "give ours another slug with workspaces.rename in a mapping file, or rename or "
                "remove that workspace on Cells"
            )
            actions.append(replace(base, action=ActionType.CONFLICT, reason=reason))
            continue
        actions.append(replace(base, action=ActionType.CREATE, changes=field_changes(wanted, None)))
    return actions
