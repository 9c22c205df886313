"""Differ for groups: matched by path (Cells keys groups by path and assigns their Uuid)."""

from __future__ import annotations

from dataclasses import replace

from migrate.cells.codec import group_fields, live_group_fields
from migrate.cells.models import Group
from migrate.mapping.desired import DesiredGroup
from migrate.plan.actions import Action, ActionType, Kind, Stage
from migrate.plan.compare import field_changes


def diff_groups(desired: tuple[DesiredGroup, ...], live: tuple[Group, ...]) -> list[Action]:
    """create / update / noop per desired group; parents before children (``order``)."""
    by_path = {g.path: g for g in live}
    actions = []
    for group in desired:
        found = by_path.get(group.path)
        depth = group.path.strip("/").count("/")
        base = Action(
            stage=Stage.GROUPS,
            kind=Kind.GROUP,
            key=group.path,
            action=ActionType.NOOP,
            cells_id=found.uuid if found is not None else "",
            order=depth,
        )
        live_fields = live_group_fields(found) if found is not None else None
        changes = field_changes(group_fields(group), live_fields)
        if found is None:
            actions.append(replace(base, action=ActionType.CREATE, changes=changes))
        elif changes:
            actions.append(replace(base, action=ActionType.UPDATE, changes=changes))
        else:
            actions.append(base)
    return actions
