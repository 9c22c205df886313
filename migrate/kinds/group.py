"""Groups: matched by path (Cells keys groups by path and assigns their Uuid).

Body ``PUT /a/user/{GroupLabel}`` (the client sends the parent path on v2+); managed field:
the display name (the path is the group's identity). A group delete is recursive on Cells,
so rollback refuses it while users or groups are still inside.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace

from migrate.cells.client import CellsClient
from migrate.cells.models import Group
from migrate.kinds.base import ApplyContext, DiffContext, Image, KindHandler, LiveJob, Written
from migrate.kinds.fields import Fields, field_changes
from migrate.kinds.keys import ObjectRef
from migrate.kinds.live_state import LiveState
from migrate.kinds.vocabulary import Action, ActionType, Kind, Stage
from migrate.mapping.desired import DesiredGroup, DesiredState, RoleTarget


def body(group: DesiredGroup, *, uuid: str = "") -> Group:
    """The ``PUT /a/user/{GroupLabel}`` object."""
    return Group(
        label=group.label,
        path=group.path,
        uuid=uuid,
        attributes=(("displayName", group.display_name),),
    )


def ancestors(path: str) -> list[str]:
    """``/a/b`` → ``["/a", "/a/b"]``; ``/`` → ``[]``."""
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


def depth(path: str) -> int:
    """Nesting depth of a group path (``/a`` 0, ``/a/b`` 1): its dependency order."""
    return path.strip("/").count("/")


class GroupHandler(KindHandler[DesiredGroup, Group]):
    """Groups (see the module docstring)."""

    kind = Kind.GROUP
    live_field = "groups"
    role_target = RoleTarget.GROUP

    def desired(self, state: DesiredState) -> tuple[DesiredGroup, ...]:
        """The desired groups."""
        return state.groups

    def keyed(self, state: DesiredState) -> Iterator[tuple[str, DesiredGroup]]:
        """Groups by path."""
        return ((g.path, g) for g in state.groups)

    def legacy_keys(self, obj: DesiredGroup) -> tuple[str, ...]:
        """The legacy group path and the Cells path."""
        return (obj.legacy_key, obj.path)

    def dependencies(self, obj: DesiredGroup, slugs: Mapping[str, str]) -> list[tuple[Kind, str]]:
        """Its parent groups."""
        return [(Kind.GROUP, p) for p in ancestors(obj.parent_path)]

    def live_jobs(
        self, client: CellsClient, desired: DesiredState, known: LiveState
    ) -> list[LiveJob[Group]]:
        """Every group (recursive search from ``/``)."""
        return [client.list_groups]

    def live_order(self, obj: Group) -> tuple[str, ...]:
        """By path."""
        return (obj.path,)

    def read(self, client: CellsClient, ref: ObjectRef) -> Group | None:
        """The group at path ``ref.key`` (searched in its parent)."""
        parent = ref.key.rstrip("/").rsplit("/", 1)[0] or "/"
        found = [g for g in client.search_groups(parent) if g.path == ref.key]
        return found[0] if found else None

    def diff(self, desired: tuple[DesiredGroup, ...], ctx: DiffContext) -> list[Action]:
        """create / update / noop per desired group; parents before children (``order``)."""
        by_path = {g.path: g for g in self.live(ctx.live)}
        actions = []
        for group in desired:
            found = by_path.get(group.path)
            base = Action(
                stage=Stage.GROUPS,
                kind=Kind.GROUP,
                key=group.path,
                action=ActionType.NOOP,
                cells_id=found.uuid if found is not None else "",
                order=depth(group.path),
            )
            live_fields = self.fields(found) if found is not None else None
            changes = field_changes(self.fields(body(group)), live_fields)
            if found is None:
                actions.append(replace(base, action=ActionType.CREATE, changes=changes))
            elif changes:
                actions.append(replace(base, action=ActionType.UPDATE, changes=changes))
            else:
                actions.append(base)
        return sorted(actions, key=lambda a: (a.order, a.key))

    def fields(self, obj: Group) -> Fields:
        """The display name (``pydio:labelLike`` is computed by Cells)."""
        return (("display_name", dict(obj.attributes).get("displayName")),)

    def image(self, obj: Group) -> Image:
        """``{"Uuid", "Path", "Label", "Attributes"}`` (its path in full)."""
        return {
            "Uuid": obj.uuid,
            "Path": obj.path,
            "Label": obj.label,
            "Attributes": dict(obj.attributes),
        }

    def from_image(self, image: Mapping[str, object]) -> Group:
        """The group an image describes."""
        attrs = image.get("Attributes")
        return Group(
            label=str(image.get("Label") or ""),
            path=str(image.get("Path") or "/"),
            uuid=str(image.get("Uuid") or ""),
            attributes=tuple(sorted((str(k), str(v)) for k, v in attrs.items()))
            if isinstance(attrs, Mapping)
            else (),
        )

    def cells_id(self, obj: Group) -> str:
        """The Uuid Cells assigned."""
        return obj.uuid

    def write(self, action: Action, obj: DesiredGroup, ctx: ApplyContext) -> Written:
        """Create or update the group; its Uuid is remembered for its ACLs."""
        group = ctx.client.put_group(body(obj))
        ctx.refs.add_group(obj.path, group.uuid)
        return Written(cells_id=group.uuid, after=self.image(group))

    def learn(self, obj: DesiredGroup, live: Group, ctx: ApplyContext) -> None:
        """A group found in Cells: its Uuid, for its ACLs."""
        ctx.refs.add_group(obj.path, live.uuid)

    def delete_refusal(self, client: CellsClient, ref: ObjectRef) -> str:
        """A group delete is recursive on Cells: refused while users or groups are still
        inside (not ours to delete: another run's, someone else's, or a stage left out)."""
        users, groups = client.search_people([{"GroupPath": ref.key, "Recursive": True}])
        inside = [u.login for u in users] + [g.path for g in groups if g.path != ref.key]
        if not inside:
            return ""
        shown = ", ".join(sorted(inside)[:5])
        return (
            f"group {ref.key} still holds {len(inside)} user(s)/group(s) ({shown}); "
            "deleting it would delete them too"
        )

    def delete(
        self,
        client: CellsClient,
        ref: ObjectRef,
        live: Group,
        written: Mapping[str, object] | None,
    ) -> list[str]:
        """``DELETE /a/user/{path}`` (recursive on Cells: see :meth:`delete_refusal`)."""
        client.delete_group(ref.key)
        return []

    def restore(self, client: CellsClient, ref: ObjectRef, image: Mapping[str, object]) -> None:
        """Write the group back as it was."""
        client.put_group(self.from_image(image))

    def wave(self, ref: ObjectRef, recorded: int) -> int:
        """Its depth (a state DB upgraded from schema 1 records no wave)."""
        return max(recorded, len([p for p in ref.key.split("/") if p]))


HANDLER = GroupHandler()
