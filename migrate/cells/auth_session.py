"""The one session of a client: a ``requests_oauthlib.OAuth2Session`` held to the Wire's limits.

What requests-oauthlib does here (DESIGN.md "Cells client"): the session holds the token of
every method (a PAT, a frontend-session JWT, a Dex ``id_token`` or the OAuth2 token: one
store the authenticator reads), keeps the cookie jar and the pooled connections, builds the
authorization URL with PKCE S256 (``authorization_url``), exchanges the code
(``fetch_token``) and runs the refresh-token grant (``refresh_token``); oauthlib builds
those requests and parses and validates Hydra's answers.

What :class:`CellsSession` changes, and why:

* every request the session makes — the Wire's, and requests-oauthlib's own token requests —
  goes through :meth:`CellsSession.request`, which never follows a redirect (it would carry
  the password, the code or the token to whatever host it names) and reads the answer under
  ``cells.max_response_mb``; the Wire's whole-call deadline (deadline.py) covers both, since
  the Wire opens it around either kind of call;
* it does not add the token by itself: ``OAuth2Session.request`` checks every URL with
  oauthlib's ``is_secure_transport``, which reads ``OAUTHLIB_INSECURE_TRANSPORT`` from
  ``os.environ`` and has no per-call option (oauthlib 3.2 to 4.0,
  ``oauth2/rfc6749/utils.py``): a plain-HTTP Cells would need that variable set
  process-wide while eight threads send. The bearer is the auth flow's instead
  (``wire.Request.bearer``: the 401 logic knows exactly which token was refused);
* it does not refresh by itself (no ``auto_refresh_url``): requests-oauthlib's auto-refresh
  has no lock, so four threads would spend one rotating refresh token four times (Hydra
  refuses all but the first), and it judges expiry on the real clock. The authenticator calls
  ``refresh_token`` under its lock (auth.py).

:func:`insecure_transport_allowed` is the scope in which oauthlib may see a plain-HTTP URL.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import requests
from requests_oauthlib import OAuth2Session

from migrate.errors import CellsError

CHUNK_BYTES = 65536
INSECURE_TRANSPORT = "OAUTHLIB_INSECURE_TRANSPORT"
# Expiry is judged by the authenticator on its injected clock: oauthlib's own (real clock,
# `TokenExpiredError` in `add_token`) never sees it.
_EXPIRY_KEYS = frozenset({"expires_in", "expires_at"})
_environ_lock = threading.RLock()


class CellsSession(OAuth2Session):  # type: ignore[misc]
    """The OAuth2 session of one client (see the module docstring)."""

    def __init__(
        self,
        client_id: str,
        *,
        base_url: str,
        max_bytes: int,
        scope: list[str] | None = None,
        pkce: bool = False,
    ) -> None:
        super().__init__(client_id=client_id, scope=scope, pkce="S256" if pkce else None)
        self.base_url = base_url.rstrip("/")
        self.max_bytes = max_bytes

    def install(self, token: Mapping[str, Any]) -> None:
        """Make ``token`` the session's token (its expiry left out: see ``_EXPIRY_KEYS``)."""
        self.token = {k: v for k, v in token.items() if k not in _EXPIRY_KEYS}

    def request(
        self,
        method: str,
        url: str,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        withhold_token: bool = False,
        client_id: str | None = None,
        client_secret: str | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Send one request, never following a redirect, and read its answer whole under
        ``max_bytes`` (``CellsError`` past it). ``withhold_token``, ``client_id`` and
        ``client_secret`` are requests-oauthlib's per-request token options: no token is
        added here (the flow's request carries its bearer), so they change nothing."""
        kwargs["allow_redirects"] = False
        kwargs["stream"] = True
        # requests.Session.request, past OAuth2Session.request (its per-URL https check and
        # token insertion: see the module docstring).
        resp: requests.Response = super(OAuth2Session, self).request(
            method, url, data=data, headers=headers, **kwargs
        )
        try:
            body = self._read(resp, method, url)
        finally:
            resp.close()
        # The body was read under the cap; requests serves .content/.text from here.
        resp._content = body
        return resp

    def _read(self, resp: requests.Response, method: str, url: str) -> bytes:
        declared = resp.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise self._too_large(method, url, f"it declares {int(declared):,} bytes")
        body = bytearray()
        for chunk in resp.iter_content(CHUNK_BYTES):
            body += chunk
            if len(body) > self.max_bytes:
                raise self._too_large(method, url, "it goes on past that")
        return bytes(body)

    def _too_large(self, method: str, url: str, how: str) -> CellsError:
        path = url[len(self.base_url) :] if url.startswith(self.base_url) else url
        limit = self.max_bytes / (1024 * 1024)
        return CellsError(
            f"{method} {path.split('?', 1)[0]}: the answer is larger than "
            f"cells.max_response_mb ({limit:g} MB) allows ({how}); raise it if this Cells "
            "really holds that much, otherwise cells.url does not point at the Cells API"
        )


@contextmanager
def insecure_transport_allowed(url: str) -> Iterator[None]:
    """Let oauthlib build, send and parse for a plain-HTTP ``url`` inside this block only.

    oauthlib refuses ``http://`` unless ``OAUTHLIB_INSECURE_TRANSPORT`` is in ``os.environ``
    and offers no per-call option, so for an ``http://`` Cells (the loopback emulator, the
    recordings' server, or a ``cells.url`` configured so, which ``wire.configure_session``
    warns about loudly off loopback) the variable is set for the block, under a lock, and
    what was there before is put back. Only token requests (a refresh, a login's code
    exchange) and URL building run in here, never the API calls; for ``https://`` nothing
    is touched."""
    if urlsplit(url).scheme != "http":
        yield
        return
    with _environ_lock:
        before = os.environ.get(INSECURE_TRANSPORT)
        os.environ[INSECURE_TRANSPORT] = "1"
        try:
            yield
        finally:
            if before is None:
                os.environ.pop(INSECURE_TRANSPORT, None)
            else:
                os.environ[INSECURE_TRANSPORT] = before
