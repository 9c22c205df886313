"""What every kind handler provides, and the contexts plan and apply give it.

A :class:`KindHandler` holds everything about one Cells object kind (alembic's op classes
and their ``toimpl`` implementations, in one place per kind):

* the desired side: the objects of a ``DesiredState``, their natural keys, the keys a
  finding may name them by, the objects they need in Cells first;
* the live side: the batched reads a plan makes, the read of one object (rollback, resume);
* plan: the differ (create / update / noop / adopt / conflict) and the ACLs its conflicts
  block;
* the managed fields: ONE definition (:meth:`KindHandler.fields`, on the Cells object) that
  plan compares, verify judges and rollback's "changed since?" uses;
* the writes: create/update (:meth:`~KindHandler.write`), the object read back
  (:meth:`~KindHandler.current`), the rollback image of an update (:meth:`~KindHandler.before`),
  delete and restore (what ``Action.inverse()`` asks for: rollback, a future sync);
* the images kept in the checkpoint DB, and the object an image describes.

:mod:`migrate.kinds.registry` maps every :class:`~migrate.kinds.vocabulary.Kind` to its
handler; plan, apply, resume, rollback and verify look the handler up there and never
switch on the kind themselves.
"""

from __future__ import annotations

import secrets
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Generic, TypeVar, cast

from migrate.cells.client import CellsClient
from migrate.errors import CellsError
from migrate.jsontypes import JsonValue
from migrate.kinds.fields import Fields, field_changes
from migrate.kinds.keys import ObjectRef
from migrate.kinds.live_state import LiveState
from migrate.kinds.vocabulary import Action, ActionType, FieldChange, Kind, Stage
from migrate.mapping.desired import DesiredLink, DesiredState, NodeRef, RoleTarget

D = TypeVar("D")  # the desired object (migrate.mapping.desired)
L = TypeVar("L")  # the Cells object (migrate.cells.models / storage)

Image = dict[str, JsonValue]
"""An object as Cells holds it, as plain JSON (kept in the checkpoint DB, never a secret)."""

LiveJob = Callable[[], list[L]]
"""One batch of a plan's live read (run on the plan's reader threads)."""

Blocked = dict[tuple[RoleTarget, str], str]
"""Role references whose owner is in conflict → why (their ACLs are skipped)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Written:
    """What Cells confirmed: the object's id and its image as Cells returned it."""

    cells_id: str
    after: Image


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

    def group(self, path: str) -> str:
        """A group's Uuid learnt by this run ("" when not known)."""
        with self.lock:
            return self.groups.get(path, "")

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


def _random_password() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplyContext:
    """What a handler's writes use: the client (thread-safe, shared by the workers), the
    ids learnt during the run, how to wait until Cells serves a datasource, and the
    password a user create sends (``passwords.strategy`` decides it); ``link_password`` is
    told ``(desired link, hidden user Uuid, password sent)`` after a password-protected link
    is created (keep-hash writes the legacy hash, random records the new password)."""

    client: CellsClient
    refs: Refs = field(default_factory=Refs)
    wait_served: Callable[[str], None] | None = None
    new_password: Callable[[], str] = _random_password
    link_password: Callable[[DesiredLink, str, str], None] | None = None


@dataclass(slots=True, kw_only=True)
class DiffContext:
    """What a differ compares with: the whole desired and live states, the account the tool
    logs in with, and the role references earlier differs found blocked."""

    desired: DesiredState
    live: LiveState
    tool_login: str | None = None
    blocked: Blocked = field(default_factory=dict)

    @property
    def folders(self) -> dict[str, str]:
        """Sub-folder path → node Uuid, as far as the plan could resolve them."""
        return dict(self.live.folders)


class KindHandler(ABC, Generic[D, L]):
    """Everything about one kind of Cells object (see the module docstring).

    Class attributes: ``kind``; ``live_field``, the :class:`LiveState` field its live
    objects fill; ``expensive``, read and diffed only when its stage is planned (ACLs: a
    million of them); ``reads_after_folders``, its live read needs the users, groups and
    folders read first; ``role_target``, whose role its conflicts are (their ACLs are then
    skipped); ``settling_fields``, fields Cells may still be settling right after a write
    (verify reads them once more).
    """

    kind: ClassVar[Kind]
    live_field: ClassVar[str]
    expensive: ClassVar[bool] = False
    reads_after_folders: ClassVar[bool] = False
    role_target: ClassVar[RoleTarget | None] = None
    settling_fields: ClassVar[frozenset[str]] = frozenset()

    @property
    def stage(self) -> Stage:
        """The stage that writes this kind."""
        return self.kind.stage

    # ---------------------------------------------------------------- desired side
    @abstractmethod
    def desired(self, state: DesiredState) -> tuple[D, ...]:
        """This kind's objects of ``state``, in their deterministic order."""

    @abstractmethod
    def keyed(self, state: DesiredState) -> Iterator[tuple[str, D]]:
        """``(natural key, object)`` for each desired object: the ``Action.key`` the differ
        gives it (what ``apply`` looks the object up by)."""

    @abstractmethod
    def legacy_keys(self, obj: D) -> tuple[str, ...]:
        """Every key a finding may name ``obj`` by (its legacy key, its Cells keys)."""

    def dependencies(self, obj: D, slugs: Mapping[str, str]) -> list[tuple[Kind, str]]:
        """The objects ``obj`` needs in Cells first (when one failed, ``obj`` is skipped
        with the reason). ``slugs``: workspace Uuid → slug."""
        return []

    def folder_nodes(self, obj: D) -> tuple[NodeRef, ...]:
        """The nodes of ``obj`` that may be sub-folders to resolve before it is written."""
        return ()

    # ---------------------------------------------------------------- live side
    def live(self, state: LiveState) -> tuple[L, ...]:
        """This kind's live objects in ``state``."""
        return cast("tuple[L, ...]", getattr(state, self.live_field, ()))

    @abstractmethod
    def live_jobs(
        self, client: CellsClient, desired: DesiredState, known: LiveState
    ) -> list[LiveJob[L]]:
        """The batched reads of what ``desired`` could touch (``known``: what was read
        before, for a kind that ``reads_after_folders``). Read-only."""

    @abstractmethod
    def live_order(self, obj: L) -> tuple[str, ...]:
        """The sort key of a live object in :class:`LiveState` (deterministic plans)."""

    @abstractmethod
    def read(self, client: CellsClient, ref: ObjectRef) -> L | None:
        """The object ``ref`` names as Cells holds it now, ``None`` when it is not there.
        Raises ``CellsError``."""

    # ---------------------------------------------------------------- plan
    @abstractmethod
    def diff(self, desired: tuple[D, ...], ctx: DiffContext) -> list[Action]:
        """create / update / noop / adopt / conflict / skip per desired object (pure),
        in dependency order (``Action.order``, then key)."""

    def blocks(self, actions: Sequence[Action]) -> Blocked:
        """The role references whose ACLs must not be sent because of ``actions``: the
        conflicts of a kind that owns a role."""
        if self.role_target is None:
            return {}
        return {
            (self.role_target, a.key): f"{a.kind.value} {a.key!r} is in conflict (see its "
            "action); not sent"
            for a in actions
            if a.action is ActionType.CONFLICT
        }

    # ---------------------------------------------------------------- managed fields
    @abstractmethod
    def fields(self, obj: L) -> Fields:
        """The managed fields of a Cells object: a body built for a desired object, or an
        object read from Cells (the one definition plan, verify and rollback share)."""

    def comparable(self, wanted: Fields, live: Fields) -> Fields:
        """``live`` as it compares with ``wanted`` (default: as it is). A kind whose
        server fills fields the tool leaves unset narrows it here."""
        return live

    def changes_since(self, written: Mapping[str, object], live: L) -> tuple[FieldChange, ...]:
        """The managed fields on which ``live`` differs from the image a run wrote, each as
        ``new`` = as written → ``old`` = as it is now (secrets by marker only)."""
        wanted = self.fields(self.from_image(written))
        return field_changes(wanted, self.comparable(wanted, self.fields(live)))

    def changed_since(self, written: Mapping[str, object], live: L) -> bool:
        """True when ``live`` differs on a managed field from the image a run wrote."""
        return bool(self.changes_since(written, live))

    # ---------------------------------------------------------------- images
    @abstractmethod
    def image(self, obj: L) -> Image:
        """``obj`` as plain JSON for the checkpoint DB (no secret)."""

    @abstractmethod
    def from_image(self, image: Mapping[str, object]) -> L:
        """The object an image describes."""

    @abstractmethod
    def cells_id(self, obj: L) -> str:
        """The id the checkpoint records for a live object."""

    # ---------------------------------------------------------------- writes
    @abstractmethod
    def write(self, action: Action, obj: D, ctx: ApplyContext) -> Written:
        """Send ``action``'s create or update of ``obj``; what Cells confirmed. Raises
        ``CellsError`` (the item fails; nothing else is affected)."""

    def target(self, action: Action, obj: D, ctx: ApplyContext) -> ObjectRef:
        """The Cells object ``action`` is about (natural key and Cells id)."""
        return ObjectRef(kind=self.kind, key=action.key, cells_id=action.cells_id)

    def learn(self, obj: D, live: L, ctx: ApplyContext) -> None:
        """Remember ids of ``live`` later writes of this run need (default: none)."""

    def current(self, action: Action, obj: D, ctx: ApplyContext) -> Written | None:
        """The object as Cells holds it now, with its id (``None`` when it is not there):
        the image of an item a resume finds written already, or of an adoption that
        changes nothing. Raises ``CellsError``."""
        live = self.read(ctx.client, self.target(action, obj, ctx))
        if live is None:
            return None
        self.learn(obj, live, ctx)
        return Written(cells_id=self.cells_id(live) or action.key, after=self.image(live))

    def before(self, action: Action, obj: D, ctx: ApplyContext) -> Image | None:
        """The live object an update will replace (rollback's image); ``None`` when Cells
        has no such object any more (the update then creates it)."""
        live = self.read(ctx.client, self.target(action, obj, ctx))
        return None if live is None else self.image(live)

    # ---------------------------------------------------------------- delete / restore
    def delete_refusal(self, client: CellsClient, ref: ObjectRef) -> str:
        """Why deleting ``ref`` would remove more than it (default: "" — it would not)."""
        return ""

    @abstractmethod
    def delete(
        self, client: CellsClient, ref: ObjectRef, live: L, written: Mapping[str, object] | None
    ) -> list[str]:
        """Delete ``ref`` (``live`` as Cells holds it, ``written`` the image the run that
        created it recorded); notes for the operator. Raises ``CellsError``."""

    @abstractmethod
    def restore(self, client: CellsClient, ref: ObjectRef, image: Mapping[str, object]) -> None:
        """Write ``image`` back (an update undone, a deleted object created again)."""

    def wave(self, ref: ObjectRef, recorded: int) -> int:
        """The dependency order of a recorded item (rollback undoes the highest first)."""
        return recorded


def key_set(handler: KindHandler[D, L], objects: Iterable[D]) -> set[str]:
    """Every key findings may name ``objects`` by."""
    return {k for obj in objects for k in handler.legacy_keys(obj)}
