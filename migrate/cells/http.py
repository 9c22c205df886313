"""The call layer under ``CellsClient``: auth, one retry policy, the read-only guard.

* ``attempt`` makes ONE attempt: read-only guard first (nothing leaves the process), then the
  authenticator's flow (``Authenticator.auth_flow``: login or refresh when due, the request
  with its bearer through the ``Wire`` — wire.py: no redirect followed, whole-call
  deadline, size cap, exceptions translated — and one refresh and resend on a 401), then
  the status → exception table (statuses.py). A 401 that survives the refresh
  is ``CellsCredentialsRefused``: fatal, since every further call would fail too.
* ``call`` wraps ``attempt`` in the only retry layer (tenacity): exponential backoff with full
  jitter, ``Retry-After`` honoured on 429, retry decided by ``MigrateError.transient`` alone.
  The login and the refresh run inside the attempt, so a 503, 429 or dropped connection at
  login is retried like any other call, by this one layer. For a write, an optional
  ``check`` looks for the object before the write is sent again: a write whose answer was
  lost may have been applied (cells-api.md §0.3 traps).
* Logs carry method, path, status and milliseconds only, at DEBUG; bodies never.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Generator, Mapping
from typing import Any, TypeVar

from tenacity import Retrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_random_exponential

from migrate.cells.auth import Authenticator
from migrate.cells.statuses import (
    Reply,
    decode_json,
    looks_like_another_server,
    not_cells,
    status_error,
)
from migrate.cells.wire import Request, Wire
from migrate.errors import (
    CellsCredentialsRefused,
    CellsRateLimited,
    MigrateError,
    ReadOnlyViolation,
)

log = logging.getLogger(__name__)

Json = Any
T = TypeVar("T")
# Searches Cells does with POST are reads (cells-api.md §1.1); any other POST writes.
READ_POST_PATHS = frozenset(
    {
        "/a/workspace",
        "/a/role",
        "/a/user",
        "/a/acl",
        "/a/tree/admin/stat",
        "/a/tree/admin/list",
        "/a/tree/stats",
        "/a/jobs/user",
        "/a/share/resources",  # the caller's shares (share-idempotency.yaml)
    }
)
WRITE_METHODS = frozenset({"PUT", "POST", "DELETE", "PATCH"})
MAX_RETRY_AFTER_S = 120.0
# Paths every Cells version serves (swagger 1.5 to 4.4): a 404/405/501 or an HTML page there
# means another web server answers at cells.url.
ALWAYS_SERVED = frozenset({"/a/config/discovery", "/a/frontend/state", "/a/frontend/session"})


def is_write(method: str, path: str) -> bool:
    """True when ``method path`` changes Cells (read-only clients refuse it)."""
    method = method.upper()
    if method not in WRITE_METHODS:
        return False
    return not (method == "POST" and path in READ_POST_PATHS)


class RetryPolicy:
    """Attempts and backoff of the one retry layer; ``sleep`` is injected for tests."""

    def __init__(
        self,
        *,
        attempts: int = 6,
        base_s: float = 0.5,
        max_wait_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.attempts = attempts
        self.sleep = sleep
        self.max_wait_s = max_wait_s
        self._jitter = wait_random_exponential(multiplier=base_s, max=max_wait_s)

    def wait(self, state: Any) -> float:
        """Seconds before the next attempt: ``Retry-After`` on 429, else jittered backoff."""
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, CellsRateLimited) and exc.retry_after is not None:
            return min(max(exc.retry_after, 0.0), MAX_RETRY_AFTER_S)
        return float(self._jitter(state))

    def retrying(self, what: str) -> Retrying:
        """The tenacity loop: transient ``MigrateError`` only, then the last error raised."""
        return Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=self.wait,
            retry=retry_if_exception(_transient),
            sleep=self.sleep,
            reraise=True,
            before_sleep=lambda s: log.info(
                "retrying %s (attempt %d failed: %s)",
                what,
                s.attempt_number,
                s.outcome.exception() if s.outcome else "?",
            ),
        )

    def run(self, what: str, step: Callable[[], T]) -> T:
        """``step()`` with retries of its transient errors (logins outside a client)."""
        for attempt in self.retrying(what):
            with attempt:
                return step()
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, MigrateError) and exc.transient


class Transport:
    """Sends requests for ``CellsClient``; see the module docstring for the guarantees."""

    def __init__(
        self,
        wire: Wire,
        authenticator: Authenticator,
        *,
        read_only: bool,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.wire = wire
        self.base_url = wire.base_url
        self.read_only = read_only
        self.auth = authenticator
        self.retry = retry or RetryPolicy()
        self.redactor = wire.redactor
        # Set while a write's check() runs: its reads make one attempt each, so attempts
        # never multiply (the outer loop already retries the whole step).
        self._local = threading.local()

    # --- the retry layer ---
    def call(
        self,
        method: str,
        path: str,
        *,
        body: Json = None,
        params: Mapping[str, str] | None = None,
        timeout: float | None = None,
        check: Callable[[], Json] | None = None,
    ) -> Json:
        """``attempt`` with retries of transient errors; returns the decoded JSON body. Before
        re-sending, ``check()`` (for a write) returns the object when the lost attempt did
        apply, which is then returned instead of writing twice; it returns None when the
        write must be sent again."""
        reply = self._call(method, path, body, params, timeout, check)
        return reply if not isinstance(reply, Reply) else decode_json(reply, self.redactor)

    def call_text(self, method: str, path: str, *, timeout: float | None = None) -> str:
        """``call`` for an answer that is not JSON (``/a/frontend/state`` is XML)."""
        reply = self._call(method, path, None, None, timeout, None)
        return reply.text if isinstance(reply, Reply) else ""

    def _call(
        self,
        method: str,
        path: str,
        body: Json,
        params: Mapping[str, str] | None,
        timeout: float | None,
        check: Callable[[], Json] | None,
    ) -> Reply | Json:
        self._guard(method, path)
        if getattr(self._local, "checking", False):
            return self.attempt(method, path, body=body, params=params, timeout=timeout)
        for attempt in self.retry.retrying(f"{method} {path}"):
            with attempt:
                if check is not None and attempt.retry_state.attempt_number > 1:
                    found = self._run_check(check)
                    if found is not None:
                        log.info("%s %s had applied before its answer was lost", method, path)
                        return found
                return self.attempt(method, path, body=body, params=params, timeout=timeout)
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    def _run_check(self, check: Callable[[], Json]) -> Json:
        self._local.checking = True
        try:
            return check()
        finally:
            self._local.checking = False

    # --- one attempt ---
    def attempt(
        self,
        method: str,
        path: str,
        *,
        body: Json = None,
        params: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> Reply:
        """One attempt with auth: the successful answer, or the error for its status."""
        self._guard(method, path)
        request = Request(method=method, path=path, json=body, params=params, timeout=timeout)
        reply = self._through(self.auth.auth_flow(request))
        if reply.status == 401:
            raise CellsCredentialsRefused(
                self.auth.refusal_hint(),
                method=method,
                path=path,
                status=401,
                body=self.redactor(reply.text),
            )
        if path in ALWAYS_SERVED and looks_like_another_server(reply):
            raise not_cells(reply, self.base_url, self.redactor)
        if reply.status >= 400:
            raise status_error(reply, self.redactor)
        return reply

    def _through(self, flow: Generator[Request, Reply, None]) -> Reply:
        """Drive an auth flow: send each request it yields, give it the answer; the last
        answer is the attempt's (httpx's ``Client._send_handling_auth``)."""
        request = next(flow)
        while True:
            reply = self.wire.request(request)
            try:
                request = flow.send(reply)
            except StopIteration:
                return reply

    def _guard(self, method: str, path: str) -> None:
        if self.read_only and is_write(method, path):
            raise ReadOnlyViolation(
                f"refused {method} {path}: the client is read-only (dry run / plan)"
            )
