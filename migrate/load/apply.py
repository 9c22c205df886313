"""The Cells writes of one plan action (what the executor runs in its workers).

Each kind's handler (:mod:`migrate.kinds.registry`) knows its writes; the :class:`Applier`
holds what they share for one run (the client, the ids learnt, the datasource waiter, the
create password) and hands each action to its kind's handler. Every write goes through
:class:`~migrate.cells.client.CellsClient`, whose write methods are safe to re-send after a
lost answer (retries live there only, STYLE.md 3 "stacked retries").

Images: what a write returns (``after``) and what an update replaces (``before``) are kept
as plain JSON in the checkpoint DB for rollback; an object found already in Cells when a
resume re-checks it is read back (:meth:`Applier.current`) so that its item carries the
same image (issue 12 point 1). Images never hold a secret: datasource API keys and secrets
are left out (they could not be read back anyway, cells-api.md §1.2), and users are stored
without a password. Passwords are not set here but by
:class:`~migrate.load.password_steps.PasswordSteps`, as a step recorded of its own.

A ``delete`` action (``Action.inverse()`` of a create; a future incremental sync plans
them) deletes the object through its handler, as rollback does.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from migrate.cells.client import CellsClient
from migrate.kinds.base import ApplyContext, Image, Refs, Written
from migrate.kinds.keys import ObjectRef
from migrate.kinds.registry import handler_for
from migrate.kinds.vocabulary import Action, ActionType
from migrate.load.readiness import DatasourceWaiter
from migrate.mapping.desired import DesiredLink

__all__ = ["Applier", "Image", "Refs", "Written"]


class Applier:
    """Runs the Cells write of one action through its kind's handler (thread-safe; one
    instance per run)."""

    def __init__(
        self,
        client: CellsClient,
        refs: Refs,
        *,
        new_password: Callable[[], str] = lambda: secrets.token_urlsafe(24),
        waiter: DatasourceWaiter | None = None,
        link_password: Callable[[DesiredLink, str, str], None] | None = None,
    ) -> None:
        self.client = client
        self.refs = refs
        # a created datasource is confirmed served with the waiter
        self.context = ApplyContext(
            client=client,
            refs=refs,
            wait_served=waiter.wait_served if waiter is not None else None,
            new_password=new_password,
            link_password=link_password,
        )

    def write(self, action: Action, obj: object) -> Written:
        """Send ``action``'s write for ``obj`` and return what Cells confirmed (a delete:
        the id, and the image of what is gone).

        Raises ``CellsError`` (the item fails; nothing else is affected).
        """
        handler = handler_for(action.kind)
        if action.action is ActionType.DELETE:
            # a delete names the object by its recorded ids: it is no longer desired
            ref = ObjectRef(kind=action.kind, key=action.key, cells_id=action.cells_id)
            live = handler.read(self.client, ref)
            if live is not None:
                handler.delete(self.client, ref, live, None)
            return Written(cells_id=ref.cells_id or ref.key, after={})
        return handler.write(action, obj, self.context)

    def current(self, action: Action, obj: object) -> Written | None:
        """The object as Cells holds it now, with its id (``None`` when it is not there):
        the image of an item found already written when a resume re-checks it, or of an
        adoption that changes nothing. Raises ``CellsError``."""
        return handler_for(action.kind).current(action, obj, self.context)

    def before(self, action: Action, obj: object) -> Image | None:
        """The live object an update (or a delete) will replace: rollback's image; ``None``
        when Cells has no such object any more."""
        handler = handler_for(action.kind)
        if action.action is ActionType.DELETE:
            ref = ObjectRef(kind=action.kind, key=action.key, cells_id=action.cells_id)
            live = handler.read(self.client, ref)
            return None if live is None else handler.image(live)
        return handler.before(action, obj, self.context)

    def target(self, action: Action, obj: object) -> ObjectRef:
        """The Cells object ``action`` is about."""
        return handler_for(action.kind).target(action, obj, self.context)
