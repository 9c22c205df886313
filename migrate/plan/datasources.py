"""Differ for datasources: matched by name (their only id on Cells)."""

from __future__ import annotations

from dataclasses import replace

from migrate.cells.codec import datasource_fields, live_datasource_fields
from migrate.cells.storage import DataSource
from migrate.mapping.desired import DesiredDatasource
from migrate.plan.actions import Action, ActionType, Kind, Stage
from migrate.plan.compare import describe, field_changes

# A datasource cannot move to other storage in place: a difference here means the name is
# used on Cells by another datasource (cells-api.md §1.2).
IDENTITY_FIELDS = frozenset({"storage_type", "storage.folder", "objects_bucket", "flat_storage"})


def diff_datasources(
    desired: tuple[DesiredDatasource, ...], live: tuple[DataSource, ...]
) -> list[Action]:
    """create / update / noop / conflict per desired datasource."""
    by_name = {d.name: d for d in live}
    actions = []
    for ds in desired:
        found = by_name.get(ds.name)
        base = Action(
            stage=Stage.DATASOURCES,
            kind=Kind.DATASOURCE,
            key=ds.name,
            action=ActionType.NOOP,
            cells_id=ds.name,
        )
        if found is None:
            changes = field_changes(datasource_fields(ds), None)
            actions.append(replace(base, action=ActionType.CREATE, changes=changes))
            continue
        changes = field_changes(datasource_fields(ds), live_datasource_fields(found, ds))
        clash = tuple(c for c in changes if c.field in IDENTITY_FIELDS)
        if clash:
            reason = (
                f"Cells already has a datasource named {ds.name!r} over other storage: "
                f"{describe(clash)}; give ours another name with datasources.rename in a "
                "mapping file, or remove that Cells datasource if it is unused"
            )
            actions.append(replace(base, action=ActionType.CONFLICT, changes=clash, reason=reason))
        elif changes:
            actions.append(replace(base, action=ActionType.UPDATE, changes=changes))
        else:
            actions.append(base)
    return actions
