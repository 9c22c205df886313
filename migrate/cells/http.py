"""The HTTP layer under ``CellsClient``: one send, one retry policy, one error table.

* ``send`` makes ONE request through the shared ``CellsSession``: read-only guard first
  (nothing leaves the process), token freshness, one refresh on 401, then the status →
  exception table below. ``requests``/``oauthlib`` exceptions become ``Cells*`` errors here
  and nowhere else (``raise … from exc``).
* ``call`` wraps ``send`` in the only retry layer (tenacity): exponential backoff with full
  jitter, ``Retry-After`` honoured on 429, retry decided by ``MigrateError.transient`` alone.
  The adapter has ``max_retries=0`` so urllib3 never retries underneath. For a write, an
  optional ``check`` looks for the object before the write is sent again: a write whose
  answer was lost may have been applied (cells-api.md §0.3 traps).
* Logs carry method, path, status and milliseconds only, at DEBUG; bodies never.

Status table (cells-api.md §1.8; decide on the status, bodies are opaque text):

==========  ============================  =========
status      exception                     transient
==========  ============================  =========
401, 403    CellsAuthError                no
404         CellsNotFound                 no
409         CellsConflict                 no
429         CellsRateLimited              yes
502-504     CellsUnavailable              yes
other 4/5xx CellsHTTPError                no
no answer   CellsTransportError           yes
==========  ============================  =========
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from oauthlib.oauth2 import OAuth2Error, TokenExpiredError
from requests.adapters import HTTPAdapter
from tenacity import Retrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_random_exponential

from migrate.cells.auth import Authenticator, CellsSession
from migrate.cells.errorbody import one_line
from migrate.config import CellsConfig
from migrate.errors import (
    CellsAuthError,
    CellsConflict,
    CellsError,
    CellsHTTPError,
    CellsNotFound,
    CellsRateLimited,
    CellsTransportError,
    CellsUnavailable,
    MigrateError,
    ReadOnlyViolation,
)
from migrate.redact import DEFAULT_REDACTOR, Redactor

log = logging.getLogger(__name__)

Json = Any
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
    }
)
WRITE_METHODS = frozenset({"PUT", "POST", "DELETE", "PATCH"})
MAX_RETRY_AFTER_S = 120.0


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


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, MigrateError) and exc.transient


class Transport:
    """Sends requests for ``CellsClient``; see the module docstring for the guarantees."""

    def __init__(
        self,
        config: CellsConfig,
        session: CellsSession,
        authenticator: Authenticator,
        *,
        read_only: bool,
        retry: RetryPolicy | None = None,
        redactor: Redactor = DEFAULT_REDACTOR,
    ) -> None:
        self.base_url = config.url.rstrip("/")
        self.read_only = read_only
        self.timeout_s = config.timeout_s
        self.session = session
        self.auth = authenticator
        self.retry = retry or RetryPolicy()
        self.redactor = redactor
        self._started = False
        # Set while a write's check() runs: its reads make one attempt each, so attempts
        # never multiply (the outer loop already retries the whole step).
        self._local = threading.local()
        _configure_session(session, config)

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
        """``send`` with retries of transient errors. Before re-sending, ``check()`` (for a
        write) returns the object when the lost attempt did apply, which is then returned
        instead of writing twice; it returns None when the write must be sent again."""
        self._guard(method, path)
        if getattr(self._local, "checking", False):
            return self.send(method, path, body=body, params=params, timeout=timeout)
        retrying = Retrying(
            stop=stop_after_attempt(self.retry.attempts),
            wait=self.retry.wait,
            retry=retry_if_exception(_transient),
            sleep=self.retry.sleep,
            reraise=True,
            before_sleep=lambda s: log.info(
                "retrying %s %s (attempt %d failed: %s)",
                method,
                path,
                s.attempt_number,
                type(s.outcome.exception()).__name__ if s.outcome else "?",
            ),
        )
        for attempt in retrying:
            with attempt:
                if check is not None and attempt.retry_state.attempt_number > 1:
                    found = self._run_check(check)
                    if found is not None:
                        log.info("%s %s had applied before its answer was lost", method, path)
                        return found
                return self.send(method, path, body=body, params=params, timeout=timeout)
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    def _run_check(self, check: Callable[[], Json]) -> Json:
        self._local.checking = True
        try:
            return check()
        finally:
            self._local.checking = False

    # --- one request ---
    def send(
        self,
        method: str,
        path: str,
        *,
        body: Json = None,
        params: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> Json:
        """One request with auth; returns the decoded JSON body (``{}`` when empty)."""
        self._guard(method, path)
        self._ensure_auth(method, path)
        resp = self._request(method, path, body, params, timeout)
        if resp.status_code == 401 and self._refresh_401(resp, method, path):
            resp = self._request(method, path, body, params, timeout)
        return self._decode(resp, method, path)

    def _guard(self, method: str, path: str) -> None:
        if self.read_only and is_write(method, path):
            raise ReadOnlyViolation(
                f"refused {method} {path}: the client is read-only (dry run / plan)"
            )

    def _ensure_auth(self, method: str, path: str) -> None:
        try:
            if not self._started:
                self.auth.start()
                self._started = True
            self.auth.ensure_fresh()
        except (requests.RequestException, OAuth2Error) as exc:
            raise _translate(exc, method, path) from exc

    def _refresh_401(self, resp: requests.Response, method: str, path: str) -> bool:
        used = resp.request.headers.get("Authorization", "")
        used_token = used.split(" ", 1)[1] if " " in used else None
        try:
            return self.auth.refresh_after_401(used_token)
        except (requests.RequestException, OAuth2Error) as exc:
            raise _translate(exc, method, path) from exc

    def _request(
        self,
        method: str,
        path: str,
        body: Json,
        params: Mapping[str, str] | None,
        timeout: float | None,
    ) -> requests.Response:
        read_timeout = timeout or self.timeout_s
        started = time.monotonic()
        kwargs: dict[str, Any] = {"timeout": (min(10.0, read_timeout), read_timeout)}
        if body is not None:
            kwargs["json"] = body
        if params:
            kwargs["params"] = dict(params)
        resp: requests.Response
        try:
            try:
                resp = self.session.request(method, self.base_url + path, **kwargs)
            except TokenExpiredError:
                # Expired between our freshness check and the send: refresh, send once more.
                self.auth.refresh_after_401(None)
                resp = self.session.request(method, self.base_url + path, **kwargs)
        except (requests.RequestException, OAuth2Error) as exc:
            log.debug("%s %s failed after %d ms: %s", method, path, _ms(started), type(exc))
            raise _translate(exc, method, path) from exc
        log.debug("%s %s -> %d in %d ms", method, path, resp.status_code, _ms(started))
        return resp

    def _decode(self, resp: requests.Response, method: str, path: str) -> Json:
        if resp.status_code < 400:
            text = resp.text
            if not text.strip():
                return {}
            try:
                return json.loads(text)
            except ValueError as exc:
                raise CellsHTTPError(
                    "Cells answered a body that is not JSON",
                    method=method,
                    path=path,
                    status=resp.status_code,
                    body=self.redactor(text),
                ) from exc
        raise status_error(resp, method, path, self.redactor)


def status_error(
    resp: requests.Response, method: str, path: str, redactor: Redactor = DEFAULT_REDACTOR
) -> CellsHTTPError:
    """The exception for an error answer (the table in the module docstring)."""
    status = resp.status_code
    body = redactor(resp.text or "")
    message = _title(body) or f"HTTP {status}"
    kw: dict[str, Any] = {"method": method, "path": path, "status": status, "body": body}
    if status in (401, 403):
        return CellsAuthError(message, **kw)
    if status == 404:
        return CellsNotFound(message, **kw)
    if status == 409:
        return CellsConflict(message, **kw)
    if status == 429:
        return CellsRateLimited(message, retry_after=_retry_after(resp), **kw)
    if status in (502, 503, 504):
        return CellsUnavailable(message, **kw)
    return CellsHTTPError(message, **kw)


def _title(body: str) -> str:
    # v2+ bodies are {"Title","Detail"}; v1 and the gateway answer plain text (§1.8).
    return one_line(body)


def _retry_after(resp: requests.Response) -> float | None:
    raw = resp.headers.get("Retry-After")
    if raw is None:
        return None
    try:
        return max(float(raw), 0.0)
    except ValueError:
        return None  # an HTTP-date: fall back to our own backoff


def _translate(exc: Exception, method: str, path: str) -> CellsError:
    if isinstance(exc, OAuth2Error):
        return CellsAuthError(
            f"the token could not be refreshed ({exc.error}); log in again",
            method=method,
            path=path,
            status=exc.status_code or 401,
        )
    kind = type(exc).__name__
    if isinstance(exc, requests.Timeout):
        return CellsTransportError(f"{method} {path}: no answer in time ({kind})")
    if isinstance(exc, requests.exceptions.SSLError):
        return CellsError(f"{method} {path}: TLS verification failed; see cells.tls ({kind})")
    if isinstance(exc, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        return CellsTransportError(f"{method} {path}: connection failed or dropped ({kind})")
    return CellsError(f"{method} {path}: request failed ({kind})")


def _configure_session(session: requests.Session, config: CellsConfig) -> None:
    size = max(1, config.concurrency)
    adapter = HTTPAdapter(pool_connections=size, pool_maxsize=size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    if config.tls.ca_bundle is not None:
        session.verify = str(config.tls.ca_bundle)
    elif not config.tls.verify:
        session.verify = False
        log.warning(
            "TLS VERIFICATION IS OFF for %s (cells.tls.verify: false): anyone on the path "
            "can read the token and every password sent",
            urlsplit(config.url).netloc,
        )
        # One loud warning instead of urllib3's warning on every request.
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    _environment_once(session, config.url)


def _environment_once(session: requests.Session, url: str) -> None:
    """Resolve what requests reads from the environment (proxies and ``NO_PROXY`` for
    ``url``, the ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` file) once, then stop it from
    re-reading the environment: with ``trust_env`` on it walks ``os.environ`` on every
    request, ~19 % of the client's CPU per write at concurrency 8 (bench/README.md, issue 8).
    """
    session.proxies.update(requests.utils.get_environ_proxies(url))
    if session.verify is True:
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle:
            session.verify = bundle
    session.trust_env = False


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
