"""One HTTP exchange with Cells, bounded and never redirected: the layer every call, login
and refresh goes through (retries are the caller's: ``http.Transport``). It sends through the
client's ``CellsSession`` (auth_session.py, a ``requests_oauthlib.OAuth2Session``): API calls
with :meth:`Wire.send`, requests-oauthlib's token requests with :meth:`Wire.oauth`.

Guarantees (issue 13):

* **no redirect is followed**, on any call: a 3xx is a ``CellsRedirected`` naming where Cells
  sent the tool, because a followed redirect carries the password (in a POST body) or the
  token to whatever host it names;
* a **whole-call deadline**: connect, status line, headers and body within the call's
  timeout (``cells.timeout_s``), however slowly the server drips (deadline.py);
* a **size cap** on every answer (``cells.max_response_mb``): a declared length over it is
  refused before reading, an undeclared one when the cap is passed (redirects and the cap
  are the session's, so requests-oauthlib's own requests get them too);
* ``requests``/``urllib3``/``ssl`` exceptions become ``Cells*`` errors here and nowhere else,
  naming what happened: refused or dropped connection, timeout, untrusted certificate, or a
  plain-HTTP server behind an ``https://`` URL;
* the bearer is sent only on the request that carries it (:class:`Request`, yielded by the
  authenticator's flow), as an ``Authorization`` header; credential requests carry none.
"""

from __future__ import annotations

import logging
import os
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from migrate.cells.auth_session import CellsSession, insecure_transport_allowed
from migrate.cells.deadline import Deadline, DeadlineAdapter, DeadlineExceeded, deadline
from migrate.cells.statuses import Reply
from migrate.config import CellsConfig
from migrate.errors import CellsError, CellsRedirected, CellsTransportError
from migrate.redact import DEFAULT_REDACTOR, Redactor

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10.0
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# OpenSSL's words for "the other side did not answer with TLS at all".
_NOT_TLS = ("WRONG_VERSION_NUMBER", "HTTP_REQUEST", "RECORD_LAYER_FAILURE", "PACKET_LENGTH")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
T = TypeVar("T")
Timeouts = tuple[float, float]


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    """One API request as the auth flow sees it; ``bearer`` is the token it carries."""

    method: str
    path: str
    json: Any = None
    params: Mapping[str, str] | None = None
    timeout: float | None = None
    bearer: str | None = None

    def carrying(self, bearer: str | None) -> Request:
        """The same request with ``bearer``."""
        return replace(self, bearer=bearer)


class Wire:
    """Sends one request through the shared session (see the module docstring)."""

    def __init__(
        self,
        config: CellsConfig,
        session: CellsSession,
        *,
        redactor: Redactor = DEFAULT_REDACTOR,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = config.url.rstrip("/")
        self.timeout_s = config.timeout_s
        self.session = session
        self.redactor = redactor
        self.monotonic = monotonic
        configure_session(session, config)

    def send(
        self,
        method: str,
        path: str,
        *,
        bearer: str | None = None,
        json: Any = None,
        form: Mapping[str, str] | None = None,
        basic: tuple[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        timeout: float | None = None,
        redirect_ok: bool = False,
    ) -> Reply:
        """One request; the answer read whole whatever its status. ``bearer``: the token
        to send (credential requests send none). ``redirect_ok`` returns a 3xx instead of
        raising (the OAuth2 authorization step, whose answer *is* a redirect: its
        ``Location`` is read, never followed)."""
        seconds = timeout or self.timeout_s
        kwargs: dict[str, Any] = {"timeout": self.timeouts(seconds)}
        if bearer:
            kwargs["headers"] = {"Authorization": f"Bearer {bearer}"}
        if json is not None:
            kwargs["json"] = json
        if form is not None:
            kwargs["data"] = dict(form)
        if basic is not None:
            kwargs["auth"] = basic
        if params:
            kwargs["params"] = dict(params)
        started = time.monotonic()
        reply = self._bounded(method, path, seconds, lambda: self._exchange(method, path, kwargs))
        log.debug("%s %s -> %d in %d ms", method, path, reply.status, _ms(started))
        if not redirect_ok:
            refuse_redirect(reply, self.base_url)
        return reply

    def request(self, request: Request) -> Reply:
        """:meth:`send` for a :class:`Request` (what the auth flow yields)."""
        return self.send(
            request.method,
            request.path,
            bearer=request.bearer,
            json=request.json,
            params=request.params,
            timeout=request.timeout,
        )

    def oauth(self, method: str, path: str, step: Callable[[Timeouts], T]) -> T:
        """Run ``step``, a requests-oauthlib call that sends ``method path`` through the
        session (a code exchange or a refresh), with the guarantees of :meth:`send`: the
        whole-call deadline and exceptions translated here, no redirect followed and the size
        cap in the session. ``step`` gets the (connect, read) timeouts to pass on. oauthlib
        may see a plain-HTTP ``cells.url`` for this call only
        (``auth_session.insecure_transport_allowed``). The answer is judged by the token
        hooks the caller registered on the session (auth_oauth2.py), before oauthlib parses it."""
        seconds = self.timeout_s
        with insecure_transport_allowed(self.base_url):
            return self._bounded(method, path, seconds, lambda: step(self.timeouts(seconds)))

    def _bounded(self, method: str, path: str, seconds: float, call: Callable[[], T]) -> T:
        """``call()`` within the whole-call deadline, ``requests`` errors translated."""
        started = time.monotonic()
        with deadline(seconds, self.monotonic) as limit:
            try:
                return call()
            except requests.RequestException as exc:
                log.debug("%s %s failed after %d ms: %s", method, path, _ms(started), type(exc))
                raise translate(exc, method, path, self.base_url, limit) from exc

    def timeouts(self, seconds: float | None = None) -> Timeouts:
        """The (connect, read) socket timeouts of a call of ``seconds`` (``cells.timeout_s``)."""
        seconds = seconds or self.timeout_s
        return (min(CONNECT_TIMEOUT_S, seconds), seconds)

    def _exchange(self, method: str, path: str, kwargs: dict[str, Any]) -> Reply:
        resp = self.session.request(method, self.base_url + path, **kwargs)
        return reply_of(resp, method, path)


def reply_of(resp: requests.Response, method: str, path: str) -> Reply:
    """The :class:`Reply` of an answer the session read whole."""
    return Reply(
        method=method,
        path=path,
        status=resp.status_code,
        headers=dict(resp.headers),
        body=resp.content,
    )


def refuse_redirect(reply: Reply, base_url: str) -> None:
    """Raise ``CellsRedirected`` when ``reply`` is a redirect (the session never follows one)."""
    if reply.status in _REDIRECTS:
        raise redirected(reply, base_url)


def redirected(reply: Reply, base_url: str) -> CellsRedirected:
    """The error for a redirect, naming where it pointed (never followed)."""
    target = urljoin(base_url + reply.path, reply.header("Location"))
    parts = urlsplit(target)
    origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else target
    return CellsRedirected(
        f"Cells redirected the tool to {target}; cells-migrate never follows a redirect (it "
        "would carry the password or token there). If that address is your Cells server, "
        f"set cells.url to {origin}",
        location=target,
        method=reply.method,
        path=reply.path,
        status=reply.status,
    )


def translate(
    exc: Exception, method: str, path: str, base_url: str, limit: Deadline | None = None
) -> CellsError:
    """The ``Cells*`` error for a ``requests`` exception, naming the cause."""
    where = f"{method} {path}"
    netloc = urlsplit(base_url).netloc
    causes = list(_chain(exc))
    if any(isinstance(c, DeadlineExceeded) for c in causes) or (limit and limit.expired):
        seconds = limit.seconds if limit else 0.0
        return CellsTransportError(
            f"{where}: no complete answer within {seconds:g} s (cells.timeout_s): {netloc} "
            "is overloaded or sends its answer too slowly"
        )
    tls = next((c for c in causes if isinstance(c, ssl.SSLError)), None)
    if tls is not None:
        return _tls_error(tls, netloc)
    if isinstance(exc, requests.Timeout):
        return CellsTransportError(f"{where}: no answer from {netloc} in time")
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return CellsTransportError(
            f"{where}: cannot connect to {netloc}: connection refused (is Cells running, is "
            "the port in cells.url right?)"
        )
    if any(isinstance(c, OSError) and "resolution" in str(c).lower() for c in causes):
        return CellsTransportError(f"{where}: cannot resolve the host name in {base_url}")
    if isinstance(exc, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        return CellsTransportError(
            f"{where}: the connection to {netloc} failed or was dropped ({_leaf(causes)})"
        )
    return CellsError(f"{where}: request failed ({type(exc).__name__})")


def _tls_error(tls: ssl.SSLError, netloc: str) -> CellsError:
    if isinstance(tls, ssl.SSLCertVerificationError):
        return CellsError(
            f"the TLS certificate of {netloc} is not trusted ({tls.verify_message}): give "
            "your CA with cells.tls.ca_bundle (cells.tls.verify: false is for a lab only)"
        )
    reason = str(getattr(tls, "reason", "") or tls)
    if any(word in reason.upper() for word in _NOT_TLS):
        return CellsError(
            f"{netloc} does not speak TLS (OpenSSL: {reason}): it looks like plain HTTP; "
            "use http:// in cells.url, or the port where Cells serves HTTPS"
        )
    return CellsError(f"TLS handshake with {netloc} failed (OpenSSL: {reason})")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception it wraps (``args``, urllib3's ``reason``, causes)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        nested = [a for a in item.args if isinstance(a, BaseException)]
        nested.append(getattr(item, "reason", None))  # type: ignore[arg-type]
        nested += [item.__cause__, item.__context__]  # type: ignore[list-item]
        todo += [n for n in nested if isinstance(n, BaseException)]


def _leaf(causes: list[BaseException]) -> str:
    return type(causes[-1]).__name__ if causes else "?"


def configure_session(session: requests.Session, config: CellsConfig) -> None:
    """Pool sized to the concurrency, deadline-aware connections, no urllib3 retries, TLS
    as configured, the environment read once; a plain-HTTP Cells off loopback is said to be
    one, loudly (tokens and passwords travel in clear)."""
    parts = urlsplit(config.url)
    if parts.scheme == "http" and (parts.hostname or "") not in _LOOPBACK:
        log.warning("Cells URL %s is plain HTTP: tokens and passwords travel in clear", config.url)
    size = max(1, config.concurrency)
    adapter = DeadlineAdapter(pool_connections=size, pool_maxsize=size, max_retries=0)
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
