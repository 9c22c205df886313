"""The password of each user a run creates, as a step recorded of its own (issue 12 point 2).

A user create and its password are two writes (Cells' REST API cannot take a legacy hash,
``passwords.py``), so a crash can fall between them: the user exists with the random
password of its create, which nobody knows. The step is therefore recorded in the
checkpoint: ``pending`` from the moment the item is planned, then ``done`` (hash written,
random password in the CSV), ``reset`` (an admin must reset it) or ``failed`` with the
reason. ``resume`` finds the steps not ``done`` and runs them again:

* ``keep-hash`` writes the legacy hash again (harmless when it was written already);
* ``random`` sets a new random password over REST and appends it to the CSV (the one sent
  with the create is lost with the crash; the CSV's last row for a login is the valid one);
* ``reset`` lists the user again.

``status`` and ``verify`` show the users whose step is not done.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from migrate.cells.client import CellsClient
from migrate.errors import MigrateError
from migrate.kinds import user as users
from migrate.load.checkpoint import ItemWriter
from migrate.load.checkpoint_schema import PasswordState
from migrate.load.passwords import PasswordHook
from migrate.mapping.desired import DesiredUser, PasswordAction
from migrate.secret import Secret

log = logging.getLogger(__name__)


class PasswordSteps:
    """Runs and records the password step of created users (thread-safe)."""

    def __init__(self, hook: PasswordHook, client: CellsClient, writer: ItemWriter) -> None:
        self.hook = hook
        self.client = client
        self.writer = writer

    def after_create(self, item_id: int, user: DesiredUser, uuid: str) -> str | None:
        """The step right after the create, in the worker thread that sent it (the random
        password of the create is that thread's). Returns the error, or ``None``."""
        return self._run(item_id, user, uuid, again=False)

    def again(self, item_id: int, user: DesiredUser, uuid: str) -> str | None:
        """A step a crash or a failure left undone; the user exists in Cells with ``uuid``.
        Returns the error, or ``None``."""
        return self._run(item_id, user, uuid, again=True)

    def _run(self, item_id: int, user: DesiredUser, uuid: str, *, again: bool) -> str | None:
        try:
            if again and user.password.action is PasswordAction.RANDOM:
                # The password sent with the create is lost: set one that goes to the CSV.
                body = users.body(user, uuid=uuid)
                self.client.put_user(replace(body, password=Secret(self.hook.new_password())))
            state = self.hook(user, uuid)
        except MigrateError as exc:
            error = f"password not set: {exc}"
            self.writer.mark_password(item_id, PasswordState.FAILED, error=error)
            log.warning("user %s: %s", user.login, error)
            return error
        self.writer.mark_password(item_id, state)
        return None
