"""Shares (public links, shared folders): reported, not migrated yet.

The legacy shares are findings (``plan`` shows each as a skip with its reason, ``check``,
``verify`` and ``audit`` name them); no desired object of this kind exists, so nothing is
read from Cells, planned, written or undone. The share handler of issue 15 replaces this
one: one module and its registry entry.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from migrate.cells.client import CellsClient
from migrate.errors import MigrateError
from migrate.kinds.base import ApplyContext, DiffContext, Image, KindHandler, LiveJob, Written
from migrate.kinds.fields import Fields
from migrate.kinds.keys import ObjectRef
from migrate.kinds.live_state import LiveState
from migrate.kinds.vocabulary import Action, Kind
from migrate.mapping.desired import DesiredState

NOT_MIGRATED = "shares are not migrated by this release (each is reported as a skip)"


class NoObject:
    """The object type of a kind that has none (never instantiated)."""


class ShareHandler(KindHandler[NoObject, NoObject]):
    """Shares: reported only (see the module docstring)."""

    kind = Kind.SHARE
    live_field = ""

    def desired(self, state: DesiredState) -> tuple[NoObject, ...]:
        """None."""
        return ()

    def keyed(self, state: DesiredState) -> Iterator[tuple[str, NoObject]]:
        """None."""
        return iter(())

    def legacy_keys(self, obj: NoObject) -> tuple[str, ...]:
        """None."""
        return ()

    def live_jobs(
        self, client: CellsClient, desired: DesiredState, known: LiveState
    ) -> list[LiveJob[NoObject]]:
        """Nothing is read."""
        return []

    def live_order(self, obj: NoObject) -> tuple[str, ...]:
        """Never called."""
        return ()

    def read(self, client: CellsClient, ref: ObjectRef) -> NoObject | None:
        """Nothing of this kind is ever written, so nothing is there."""
        return None

    def diff(self, desired: tuple[NoObject, ...], ctx: DiffContext) -> list[Action]:
        """No action (the findings' skips name every legacy share)."""
        return []

    def fields(self, obj: NoObject) -> Fields:
        """None."""
        return ()

    def image(self, obj: NoObject) -> Image:
        """Empty."""
        return {}

    def from_image(self, image: Mapping[str, object]) -> NoObject:
        """Never called with an image of a written share (none is written)."""
        return NoObject()

    def cells_id(self, obj: NoObject) -> str:
        """None."""
        return ""

    def write(self, action: Action, obj: NoObject, ctx: ApplyContext) -> Written:
        """Refused: shares are not migrated yet."""
        raise MigrateError(NOT_MIGRATED, subject=f"share:{action.key}")

    def delete(
        self,
        client: CellsClient,
        ref: ObjectRef,
        live: NoObject,
        written: Mapping[str, object] | None,
    ) -> list[str]:
        """Refused: no share was written."""
        raise MigrateError(NOT_MIGRATED, subject=str(ref))

    def restore(self, client: CellsClient, ref: ObjectRef, image: Mapping[str, object]) -> None:
        """Refused: no share was written."""
        raise MigrateError(NOT_MIGRATED, subject=str(ref))


HANDLER = ShareHandler()
