"""SIGTERM handled like Ctrl-C (issue 12 point 7); ``cli`` installs it around a command.

A service manager or ``kill`` stopping the tool sends SIGTERM, which by default kills the
process at once: requests in flight would land in Cells unrecorded. Inside
:func:`sigterm_as_interrupt` the signal raises :class:`Terminated` (a ``KeyboardInterrupt``)
in the main thread instead, so every path that finishes cleanly on Ctrl-C does so: no new
request is started, the ones in flight finish and are recorded, the run is marked
``interrupted`` and can be resumed. ``cli`` then exits 143 (128 + SIGTERM, as shells report
it) where Ctrl-C exits 130.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

log = logging.getLogger(__name__)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread."""


@contextmanager
def sigterm_as_interrupt() -> Iterator[list[bool]]:
    """Handle SIGTERM like Ctrl-C inside the block; yields ``[received]``.

    A second SIGTERM while stopping is ignored (the first is being honoured). Outside the
    main thread (``cli.main`` embedded in another program) signals are left alone.
    """
    received = [False]

    def handler(signum: int, frame: FrameType | None) -> None:
        if received[0]:
            log.warning("SIGTERM again: already stopping after the requests in flight")
            return
        received[0] = True
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield received
        return
    try:
        yield received
    finally:
        signal.signal(signal.SIGTERM, previous)
