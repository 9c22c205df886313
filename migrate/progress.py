"""Progress reporting behind one small interface.

Library code only calls ``progress.start(...)``, ``update(n)`` and ``finish()``; the command
line picks the reporter: ``TqdmProgress`` on a terminal, ``LogProgress`` (a log line every few
seconds) when stderr is not a TTY, ``NullProgress`` in tests and quiet mode.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Protocol, TextIO

from tqdm import tqdm

log = logging.getLogger(__name__)


class Progress(Protocol):
    """What long-running library code reports to."""

    def start(self, label: str, total: int | None = None) -> None:
        """Begin a phase named ``label`` with ``total`` items if known."""

    def update(self, n: int = 1) -> None:
        """``n`` more items of the current phase are done."""

    def finish(self) -> None:
        """The current phase is over."""


class NullProgress:
    """Reports nothing; counts what it was told (handy in tests)."""

    def __init__(self) -> None:
        self.phases: list[tuple[str, int | None]] = []
        self.done = 0

    def start(self, label: str, total: int | None = None) -> None:
        self.phases.append((label, total))
        self.done = 0

    def update(self, n: int = 1) -> None:
        self.done += n

    def finish(self) -> None:
        return None


class LogProgress:
    """Writes an INFO line at most every ``every_s`` seconds, and one at the end of a phase."""

    def __init__(self, every_s: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.every_s = every_s
        self.clock = clock
        self.label = ""
        self.total: int | None = None
        self.done = 0
        self.started = 0.0
        self.last = 0.0

    def start(self, label: str, total: int | None = None) -> None:
        self.label, self.total, self.done = label, total, 0
        self.started = self.last = self.clock()

    def update(self, n: int = 1) -> None:
        self.done += n
        now = self.clock()
        if now - self.last >= self.every_s:
            self.last = now
            self._emit(now)

    def finish(self) -> None:
        self._emit(self.clock(), final=True)

    def _emit(self, now: float, *, final: bool = False) -> None:
        elapsed = max(now - self.started, 1e-9)
        of_total = f"/{self.total}" if self.total is not None else ""
        state = "done" if final else "running"
        log.info(
            "%s: %d%s %s (%.0f/s)", self.label, self.done, of_total, state, self.done / elapsed
        )


class TqdmProgress:
    """A tqdm bar on ``stream`` (stderr) with counts, rate and ETA."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.bar: tqdm[Any] | None = None

    def start(self, label: str, total: int | None = None) -> None:
        self.finish()
        self.bar = tqdm(total=total, desc=label, file=self.stream, unit="obj", leave=True)

    def update(self, n: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
