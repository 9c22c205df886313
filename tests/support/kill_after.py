"""``python -m tests.support.kill_after N <cells-migrate arguments>``: the command line,
killed with SIGKILL by its own executor hook once ``N`` items were confirmed.

The crash tests choose their kill points with it deterministically (no sleeps, no timing):
the batched checkpoint writer then has unflushed outcomes for objects Cells already holds,
which is the case ``resume`` must handle. The product has no such hook: this drives the
``on_done`` callback ``cli.main`` passes to the executor (``commands.Hooks``).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable

from migrate.cli import main
from migrate.commands import Hooks


def kill_after(count: int) -> Callable[[], None]:
    """An ``on_done`` hook that SIGKILLs this process at the ``count``-th confirmed item."""
    seen = [0]
    lock = threading.Lock()

    def hook() -> None:
        with lock:
            seen[0] += 1
            if seen[0] >= count:
                os.kill(os.getpid(), signal.SIGKILL)

    return hook


if __name__ == "__main__":
    sys.exit(main(sys.argv[2:], hooks=Hooks(on_done=kill_after(int(sys.argv[1])))))
