"""Differ for datasources: matched by name (their only id on Cells)."""

from __future__ import annotations

from dataclasses import replace

from migrate.cells.codec import datasource_fields, live_datasource_fields
from migrate.cells.storage import DataSource
from migrate.legacy.model import Finding, FindingKind, Severity
from migrate.mapping.datasources import nested_service, service_root
from migrate.mapping.desired import DesiredDatasource, DesiredState
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
    local = [(d.name, d.folder) for d in live if d.storage_type == "LOCAL" and d.folder]
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
            clash_with = live_service_conflict(ds, local)
            if clash_with:
                actions.append(replace(base, action=ActionType.CONFLICT, reason=clash_with))
                continue
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


def live_service_conflict(ds: DesiredDatasource, live: list[tuple[str, str]]) -> str:
    """Why Cells would refuse to create ``ds`` next to the live LOCAL datasources
    (name, folder): nested objects-service folders; "" when it would not."""
    folder = dict(ds.storage_configuration).get("folder", "") if ds.storage_type == "LOCAL" else ""
    found = nested_service(folder, live) if folder else None
    if found is None:
        return ""
    name, other = found
    return (
        f"Cells' datasource {name!r} over {other} runs an objects service on "
        f"{service_root(other)}; one on {service_root(folder)} for {folder} would nest with "
        "it and Cells refuses nested objects-service folders (HTTP 500): list another "
        "folder under datasources.folders in a mapping file, or move the data"
    )


def service_findings(desired: DesiredState, live: list[DataSource]) -> list[Finding]:
    """A blocker per new LOCAL datasource Cells would refuse beside its live ones (``check``
    reports what ``plan`` shows as a conflict, before anything is written)."""
    names = {d.name for d in live}
    local = [(d.name, d.folder) for d in live if d.storage_type == "LOCAL" and d.folder]
    out = []
    for ds in desired.datasources:
        reason = "" if ds.name in names else live_service_conflict(ds, local)
        if reason:
            out.append(
                Finding(
                    severity=Severity.BLOCKER,
                    kind=FindingKind.DATASOURCE,
                    key=ds.name,
                    code="datasource-service-nested",
                    message=f"datasource {ds.name}: {reason}",
                )
            )
    return out
