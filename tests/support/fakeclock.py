"""A clock tests share between the emulator and the datasource waiter."""

from __future__ import annotations

import threading


class FakeClock:
    """Shared by the emulator and the waiter: ``sleep`` advances time instead of waiting."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0
        self.slept: list[float] = []
        self.lock = threading.Lock()

    def time(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.slept.append(seconds)
            self.now += seconds
