"""Datasources: matched by name (their only id on Cells).

Body ``POST /a/config/datasource/{Name}``; written one at a time, confirmed listed and
served (:mod:`migrate.kinds.datasource_write`); deleted with the ``.pydio`` files Cells left
(:mod:`migrate.kinds.datasource_undo`). Managed fields: storage type, flat storage,
encryption, versioning, bucket, base folder, each storage configuration key, and the S3
key and secret by digest. Cells fills ObjectsBucket (LOCAL: the folder's last segment) and
random ApiKey/ApiSecret when they are left empty, and returns the secret as a vault id
(cells-api.md §1.2): only what the desired object (or the image a run wrote) sets is
compared, and a live secret is taken as equal (it cannot be read back).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace

from migrate.cells.client import CellsClient
from migrate.cells.storage import DataSource
from migrate.kinds.base import ApplyContext, DiffContext, Image, KindHandler, LiveJob, Written
from migrate.kinds.datasource_undo import undo_datasource
from migrate.kinds.datasource_write import write_datasource
from migrate.kinds.fields import Fields, describe, field_changes, flag, secret_digest
from migrate.kinds.keys import ObjectRef
from migrate.kinds.live_state import LiveState
from migrate.kinds.vocabulary import Action, ActionType, Kind, Stage
from migrate.legacy.model import Finding, FindingKind, Severity
from migrate.mapping.datasources import nested_service, service_root
from migrate.mapping.desired import DesiredDatasource, DesiredState

# A datasource cannot move to other storage in place: a difference here means the name is
# used on Cells by another datasource (cells-api.md §1.2).
IDENTITY_FIELDS = frozenset({"storage_type", "storage.folder", "objects_bucket", "flat_storage"})
_SECRET_KEYS = ("ApiKey", "ApiSecret")


def body(ds: DesiredDatasource) -> DataSource:
    """The ``POST /a/config/datasource/{Name}`` object for a desired datasource."""
    return DataSource(
        name=ds.name,
        storage_type=ds.storage_type,
        storage_configuration=ds.storage_configuration,
        flat_storage=ds.flat_storage,
        encryption_mode=ds.encryption_mode,
        versioning_policy=ds.versioning_policy,
        objects_bucket=ds.objects_bucket,
        objects_base_folder=ds.objects_base_folder,
        api_key=ds.api_key.reveal() if ds.api_key is not None else "",
        api_secret=ds.api_secret,
    )


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


def _local(live: tuple[DataSource, ...] | list[DataSource]) -> list[tuple[str, str]]:
    return [(d.name, d.folder) for d in live if d.storage_type == "LOCAL" and d.folder]


def service_findings(desired: DesiredState, live: list[DataSource]) -> list[Finding]:
    """A blocker per new LOCAL datasource Cells would refuse beside its live ones (``check``
    reports what ``plan`` shows as a conflict, before anything is written)."""
    names = {d.name for d in live}
    local = _local(live)
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


class DatasourceHandler(KindHandler[DesiredDatasource, DataSource]):
    """Datasources (see the module docstring)."""

    kind = Kind.DATASOURCE
    live_field = "datasources"

    def desired(self, state: DesiredState) -> tuple[DesiredDatasource, ...]:
        """The desired datasources."""
        return state.datasources

    def keyed(self, state: DesiredState) -> Iterator[tuple[str, DesiredDatasource]]:
        """Datasources by name."""
        return ((d.name, d) for d in state.datasources)

    def legacy_keys(self, obj: DesiredDatasource) -> tuple[str, ...]:
        """The legacy folder or bucket, and the name."""
        return (obj.legacy_key, obj.name)

    def live_jobs(
        self, client: CellsClient, desired: DesiredState, known: LiveState
    ) -> list[LiveJob[DataSource]]:
        """Every datasource."""
        return [client.list_datasources]

    def live_order(self, obj: DataSource) -> tuple[str, ...]:
        """By name."""
        return (obj.name,)

    def read(self, client: CellsClient, ref: ObjectRef) -> DataSource | None:
        """``GET /a/config/datasource/{Name}``."""
        return client.get_datasource(ref.key)

    def diff(self, desired: tuple[DesiredDatasource, ...], ctx: DiffContext) -> list[Action]:
        """create / update / noop / conflict per desired datasource: another datasource
        under our name, or a new LOCAL one Cells would refuse beside its live ones."""
        live = self.live(ctx.live)
        by_name = {d.name: d for d in live}
        local = _local(live)
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
            wanted = self.fields(body(ds))
            if found is None:
                clash_with = live_service_conflict(ds, local)
                if clash_with:
                    actions.append(replace(base, action=ActionType.CONFLICT, reason=clash_with))
                    continue
                changes = field_changes(wanted, None)
                actions.append(replace(base, action=ActionType.CREATE, changes=changes))
                continue
            changes = field_changes(wanted, self.comparable(wanted, self.fields(found)))
            clash = tuple(c for c in changes if c.field in IDENTITY_FIELDS)
            if clash:
                reason = (
                    f"Cells already has a datasource named {ds.name!r} over other storage: "
                    f"{describe(clash)}; give ours another name with datasources.rename in a "
                    "mapping file, or remove that Cells datasource if it is unused"
                )
                actions.append(
                    replace(base, action=ActionType.CONFLICT, changes=clash, reason=reason)
                )
            elif changes:
                actions.append(replace(base, action=ActionType.UPDATE, changes=changes))
            else:
                actions.append(base)
        return actions

    def fields(self, obj: DataSource) -> Fields:
        """See the module docstring (storage configuration keys flattened)."""
        out: list[tuple[str, str | None]] = [
            ("storage_type", obj.storage_type),
            ("flat_storage", flag(obj.flat_storage)),
            ("encryption_mode", obj.encryption_mode),
            ("versioning_policy", obj.versioning_policy or None),
            ("objects_bucket", obj.objects_bucket or None),
            ("objects_base_folder", obj.objects_base_folder or None),
        ]
        out += [(f"storage.{k}", v) for k, v in sorted(obj.storage_configuration)]
        if obj.api_key:
            out.append(("api_key", secret_digest(obj.api_key)))
        if obj.api_secret is not None:
            out.append(("api_secret", secret_digest(obj.api_secret)))
        return tuple(out)

    def comparable(self, wanted: Fields, live: Fields) -> Fields:
        """Only the fields ``wanted`` names; a bucket only when ``wanted`` sets one (Cells
        computes a LOCAL one); the secret as wanted (Cells answers a vault id)."""
        want = dict(wanted)
        have = dict(live)
        out: list[tuple[str, str | None]] = []
        for name, value in wanted:
            if name == "api_secret" or (name == "objects_bucket" and value is None):
                out.append((name, want[name]))
            else:
                out.append((name, have.get(name)))
        return tuple(out)

    def image(self, obj: DataSource) -> Image:
        """The datasource without its secrets (they could not be read back anyway)."""
        data = obj.to_json(with_flat_storage=True)
        return {k: v for k, v in data.items() if k not in _SECRET_KEYS}

    def from_image(self, image: Mapping[str, object]) -> DataSource:
        """The datasource an image describes."""
        return DataSource.from_json(image)

    def cells_id(self, obj: DataSource) -> str:
        """Its name."""
        return obj.name

    def write(self, action: Action, obj: DesiredDatasource, ctx: ApplyContext) -> Written:
        """POST it, confirm it is listed and served (module ``datasource_write``)."""
        ds = write_datasource(
            ctx.client, body(obj), wait_served=ctx.wait_served, action=action.action
        )
        return Written(cells_id=ds.name or obj.name, after=self.image(ds))

    def delete(
        self,
        client: CellsClient,
        ref: ObjectRef,
        live: DataSource,
        written: Mapping[str, object] | None,
    ) -> list[str]:
        """Delete it; the ``.pydio`` files go from the folder the tool created it on, never
        from where it points now (issue 12)."""
        created_on = self.from_image(written).folder if written else ""
        return undo_datasource(client, ref.key, self.image(live), created_on=created_on)

    def restore(self, client: CellsClient, ref: ObjectRef, image: Mapping[str, object]) -> None:
        """Write the datasource back as it was (without secrets: Cells keeps its own)."""
        client.put_datasource(self.from_image(image))


HANDLER = DatasourceHandler()
