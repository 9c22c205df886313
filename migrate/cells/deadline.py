"""A whole-call deadline under ``requests``: connect, status line, headers and body together.

A socket timeout bounds each ``recv`` alone, so a server sending a byte a second never trips
it and holds the tool forever (issue 13). Here every read of an answer first checks the
deadline of the call in progress (set per thread by :func:`deadline`) and gives the socket
only the time left, so a call ends by its deadline however the server drips.

The hook is the response class of each pooled connection (``http.client`` reads the whole
answer through it), installed by :class:`DeadlineAdapter` on the connections its pools make.
Connections made outside a :func:`deadline` block read as before.
"""

from __future__ import annotations

import http.client
import io
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_local = threading.local()
# The shortest socket wait we ask for: settimeout(0) would make the socket non-blocking.
_MIN_WAIT_S = 0.001


class DeadlineExceeded(TimeoutError):
    """The call's deadline passed while its answer was still being read."""


class Deadline:
    """An absolute deadline on ``clock`` (``time.monotonic`` unless injected)."""

    def __init__(self, seconds: float, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.seconds = seconds
        self.at = clock() + seconds

    def remaining(self) -> float:
        """Seconds left (negative once passed)."""
        return self.at - self.clock()

    @property
    def expired(self) -> bool:
        """True once the deadline has passed."""
        return self.remaining() <= 0


@contextmanager
def deadline(seconds: float, clock: Callable[[], float]) -> Iterator[Deadline]:
    """Every answer read by this thread inside the block must be complete in ``seconds``."""
    limit = Deadline(seconds, clock)
    previous = getattr(_local, "deadline", None)
    _local.deadline = limit
    try:
        yield limit
    finally:
        _local.deadline = previous


def current() -> Deadline | None:
    """The deadline of the call this thread is making, if any."""
    found = getattr(_local, "deadline", None)
    return found if isinstance(found, Deadline) else None


class _DeadlineReader(io.RawIOBase):
    """The socket reader of one answer: each read gets the time left, none after it."""

    def __init__(self, raw: Any, sock: Any, limit: Deadline) -> None:
        super().__init__()
        self._raw = raw  # the socket's own SocketIO: it keeps the socket open while we read
        self._sock = sock
        self._limit = limit
        self._cap = sock.gettimeout()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        left = self._limit.remaining()
        if left <= 0:
            raise DeadlineExceeded(f"no complete answer within {self._limit.seconds:g} s")
        wait = left if self._cap is None else min(self._cap, left)
        self._sock.settimeout(max(wait, _MIN_WAIT_S))
        read: int | None = self._raw.readinto(buffer)
        return read

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class DeadlineResponse(http.client.HTTPResponse):
    """``http.client``'s response, reading through a :class:`_DeadlineReader`."""

    def __init__(self, sock: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        limit = current()
        if limit is not None and isinstance(self.fp, io.BufferedReader):
            raw = self.fp.detach()
            self.fp = io.BufferedReader(_DeadlineReader(raw, sock, limit))


def _hooked(conn: Any) -> Any:
    conn.response_class = DeadlineResponse
    return conn


class _HTTPPool(HTTPConnectionPool):
    def _new_conn(self) -> Any:
        return _hooked(super()._new_conn())


class _HTTPSPool(HTTPSConnectionPool):
    def _new_conn(self) -> Any:
        return _hooked(super()._new_conn())


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class DeadlineAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose pooled connections honour :func:`deadline`."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = dict(_POOLS)
        return manager
