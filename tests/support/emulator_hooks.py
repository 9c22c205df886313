"""An emulator that acts at an exact request: the crash, signal and state-DB tests' trigger.

:class:`TriggerEmulator` runs ``action`` inside the ``count``-th request matching
``method`` and ``path_prefix``, after Cells applied it and before the answer goes out: a
``SIGKILL`` there leaves an object in Cells that the apply never heard of, a ``SIGTERM``
arrives while that request is in flight, a state DB deleted there is gone before the
outcome is recorded. Deterministic (no sleeps, no timing): the request is the clock.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable

from migrate.cells.emulator import EmulatorServer


class TriggerEmulator(EmulatorServer):
    """The emulator, plus one ``action`` run inside the ``count``-th matching request."""

    method = "PUT"
    path_prefix = "/a/user/"
    count = 0
    action: Callable[[], None] | None = None

    def arm(self, action: Callable[[], None], *, count: int, method: str, prefix: str) -> None:
        """Run ``action`` inside the ``count``-th ``method`` request under ``prefix``."""
        with self.store.lock:
            self.action, self.count, self.method, self.path_prefix = action, count, method, prefix

    def record(self, method: str, path: str, status: int) -> None:
        super().record(method, path, status)
        if method != self.method or not path.startswith(self.path_prefix):
            return
        with self.store.lock:
            self.count -= 1
            action = self.action if self.count == 0 else None
        if action is not None:
            action()


def signal_at(
    emu: TriggerEmulator,
    child: subprocess.Popen[str],
    signum: signal.Signals,
    *,
    count: int,
    method: str = "PUT",
    prefix: str = "/a/user/",
) -> tuple[str, str]:
    """Send ``signum`` to ``child`` inside its ``count``-th matching request; wait for it."""
    emu.arm(lambda: os.kill(child.pid, signum), count=count, method=method, prefix=prefix)
    out, err = child.communicate(timeout=300)
    return out, err
