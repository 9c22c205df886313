"""Authentication strategies: one :class:`Authenticator` per client, an auth *flow*.

The flow (httpx's ``Auth.auth_flow``): :meth:`Authenticator.auth_flow` is a generator that
yields the request with the current bearer and receives Cells' answer; on a 401 it
refreshes once and yields the request again. ``http.Transport`` drives it and never knows
which scheme is in use. The bearer is an ``Authorization`` header the ``Wire`` adds to that
one request: no OAuth library is involved, so nothing process-wide is changed for a Cells
on plain HTTP (no ``OAUTHLIB_INSECURE_TRANSPORT``).

* ``pat``      - a Personal Access Token as a static bearer (cells-api.md §3.2), given
  inline or in ``token_file`` (re-read when the file changes: a PAT renewed mid-run is
  picked up, tokenfile.py).
* ``password`` - Cells v2+ frontend session or the Cells v1 Dex grant: password_auth.py.
* ``oauth2``   - the token ``cells-migrate login`` stored (login.py), refreshed at
  ``/oidc/oauth2/token``. Hydra rotates refresh tokens (a used one is refused), so every new
  token is persisted at once to ``token_file`` (tokenfile.py: 0600, atomic).

Every login and refresh goes through the ``Wire`` (no redirect followed, deadline, size
cap) inside the caller's retry attempt, so a 503 or a dropped connection at login is retried
like any call and never reported as a wrong password. For all: refresh ahead of expiry (a
skew, on the injected clock) and once on a 401; one refresh at a time across threads (an
``RLock``); a thread that waited for the lock sees the new token and does not refresh again.
The authenticator is shared by the client's threads, so the new token reaches every one.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Generator, Mapping
from pathlib import Path
from typing import Any

import requests

from migrate.cells.statuses import (
    Reply,
    decode_json,
    looks_like_another_server,
    not_cells,
    status_error,
    title,
)
from migrate.cells.tokenfile import PatFile, read_token_file, write_token_file
from migrate.cells.wire import Request, Wire
from migrate.config import AuthConfig, AuthMethod, CellsConfig
from migrate.errors import CellsCredentialsRefused, ConfigError
from migrate.redact import DEFAULT_REDACTOR, Redactor

log = logging.getLogger(__name__)

TOKEN_PATH = "/oidc/oauth2/token"  # noqa: S105 - a URL path
AUTH_PATH = "/oidc/oauth2/auth"
REVOKE_PATH = "/oidc/oauth2/revoke"
SESSION_PATH = "/a/frontend/session"
DEX_TOKEN_PATH = "/auth/dex/token"  # noqa: S105 - a URL path
OAUTH2_SCOPE = ["openid", "email", "profile", "pydio", "offline"]
# cells-sdk-go refreshes 60 s before expiry (cells-api.md §3.2 "Refresh").
DEFAULT_SKEW_S = 60.0
Token = dict[str, Any]


def judge(reply: Reply, wire: Wire) -> None:
    """Raise for a credential answer that is not a refusal the strategy reads itself:
    another web server, a transient status (retried by the caller), any other error."""
    if looks_like_another_server(reply):
        raise not_cells(reply, wire.base_url, wire.redactor)
    if reply.status >= 400:
        raise status_error(reply, wire.redactor)


class Authenticator:
    """Base strategy: owns the bearer and its freshness for one client's threads.

    Subclasses implement ``_obtain()`` (first login) and ``_renew()`` (refresh); both run
    with ``lock`` held, send through ``wire`` and return the new token dict.
    """

    method: str = ""

    def __init__(
        self,
        wire: Wire,
        *,
        skew_s: float = DEFAULT_SKEW_S,
        clock: Callable[[], float] = time.time,
        redactor: Redactor = DEFAULT_REDACTOR,
    ) -> None:
        self.wire = wire
        self.skew_s = skew_s
        self.clock = clock
        self.redactor = redactor
        self.lock = threading.RLock()
        self._refresh_at: float | None = None
        self._bearer: str | None = None

    # --- public ---
    def auth_flow(self, request: Request) -> Generator[Request, Reply, None]:
        """Yield ``request`` with the bearer (logging in or refreshing first when due) and
        receive the answer; on a 401, refresh once and yield it again with the new bearer.
        What the last yield received is the answer the caller judges."""
        self.ensure_fresh()
        sent = self.access_token
        reply = yield request.carrying(sent)
        if reply.status == 401 and self.refresh_after_401(sent):
            yield request.carrying(self.access_token)

    def ensure_fresh(self) -> None:
        """Log in (or load the stored token) the first time, and refresh when the token
        expires within the skew (called before each request)."""
        if self._still_fresh():
            return
        with self.lock:
            if not self._bearer:
                self._install(self._obtain())
            if not self._still_fresh():  # due now (or a stored token already expired)
                self._install(self._renew())

    def refresh_after_401(self, used_token: str | None) -> bool:
        """Refresh once because Cells answered 401 to ``used_token``.

        Returns True when a different token is now installed (retry the call), False when
        this strategy cannot refresh (the 401 is final).
        """
        with self.lock:
            if used_token is not None and self.access_token not in (None, used_token):
                return True  # someone refreshed after our request left
            if not self.can_refresh:
                return False
            self._install(self._renew())
            return self.access_token != used_token

    def refusal_hint(self) -> str:
        """What to do when Cells refuses the token even after a refresh."""
        return "Cells refused the token even after logging in again; check cells.auth"

    @property
    def can_refresh(self) -> bool:
        """Whether a 401 may be cured by a refresh."""
        return True

    @property
    def access_token(self) -> str | None:
        """The bearer currently installed."""
        return self._bearer

    # --- internals ---
    def _still_fresh(self) -> bool:
        if not self._bearer:
            return False
        if self._refresh_at is None:
            return True
        return self.clock() < self._refresh_at

    def _install(self, token: Token) -> None:
        """Record when ``token`` must be refreshed, teach the redactor its values and make
        it the bearer. Freshness is decided here, on the injected clock."""
        now = self.clock()
        expires_at = _number(token.get("expires_at"))
        lifetime = _number(token.get("expires_in"))
        if expires_at is None and lifetime is not None:
            expires_at = now + lifetime
            token["expires_at"] = expires_at
        if expires_at is None:
            self._refresh_at = None
        else:
            # Skew: never more than half the lifetime, so a 1 s token is not refreshed
            # on every call.
            left = max(expires_at - now, 0.0)
            self._refresh_at = expires_at - min(self.skew_s, left / 2)
        self.redactor.add(token.get("access_token"), token.get("refresh_token"))
        self.redactor.add(token.get("id_token"))
        self._bearer = str(token["access_token"])

    def _obtain(self) -> Token:
        raise NotImplementedError

    def _renew(self) -> Token:
        return self._obtain()


def _number(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


class PatAuth(Authenticator):
    """A Personal Access Token: never refreshed, but re-read when its file changes."""

    method = "pat"

    def __init__(self, wire: Wire, source: PatFile, **kw: Any) -> None:
        super().__init__(wire, **kw)
        self.source = source

    @property
    def can_refresh(self) -> bool:
        """Only a token file can give a new PAT (the admin replaced it)."""
        return self.source.path is not None

    def ensure_fresh(self) -> None:
        """Install the PAT, and the file's new one when the file changed."""
        if self._bearer and not self.source.changed():
            return
        with self.lock:
            self._install(self._obtain())

    def refusal_hint(self) -> str:
        """A PAT has a hard or sliding expiry, or was revoked."""
        where = f"put it in {self.source.path}" if self.source.path else "update cells.auth.token"
        return (
            "Cells refused the personal access token: it expired or was revoked. Make a new "
            f"one on the Cells host (cells admin user token -u <login> -e 30d -q) and {where}; "
            "an apply stopped by this continues with `cells-migrate resume`"
        )

    def _obtain(self) -> Token:
        value = self.source.read()
        self.redactor.pin(value)
        return {"access_token": value, "token_type": "Bearer"}


class OAuth2Auth(Authenticator):
    """The stored authorization-code token, refreshed (and persisted at once)."""

    method = "oauth2"

    def __init__(self, wire: Wire, token_file: Path, client_id: str, **kw: Any) -> None:
        super().__init__(wire, **kw)
        self.token_file = token_file
        self.client_id = client_id
        self._refresh: str | None = None

    def refusal_hint(self) -> str:
        """The stored token cannot be used any more."""
        return (
            "Cells refused the OAuth2 token even after a refresh: run `cells-migrate login` "
            "again (an apply stopped by this continues with `cells-migrate resume`)"
        )

    def _install(self, token: Token) -> None:
        refresh = token.get("refresh_token")
        self._refresh = refresh if isinstance(refresh, str) else self._refresh
        super()._install(token)

    def _obtain(self) -> Token:
        token = read_token_file(self.token_file)
        if token is None:
            raise ConfigError(
                f"no stored OAuth2 token in {self.token_file}: run `cells-migrate login` first"
            )
        return token

    def _renew(self) -> Token:
        if self._refresh is None:
            raise CellsCredentialsRefused(
                f"the token in {self.token_file} cannot be refreshed (no refresh token): "
                "run `cells-migrate login` again",
                method="POST",
                path=TOKEN_PATH,
                status=401,
            )
        form = {
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "scope": " ".join(OAUTH2_SCOPE),
            "refresh_token": self._refresh,
        }
        reply = self.wire.send("POST", TOKEN_PATH, form=form)
        token = token_answer(reply, self.wire, what="refresh token")
        # Hydra rotates refresh tokens: the old one is dead from now on, so write at once.
        write_token_file(self.token_file, token)
        return token


def token_answer(reply: Reply, wire: Wire, *, what: str) -> Token:
    """The token of a Hydra token answer (code exchange or refresh); a refusal names why."""
    if reply.status in (400, 401):
        error = hydra_error(reply) or title(reply.text) or f"HTTP {reply.status}"
        hint = (
            "check cells.auth.client_id (Cells does not know this OAuth2 client)"
            if "client" in error.lower()
            else "it was used already (they rotate: another copy of the token file was used, "
            "or an answer was lost) or it expired; run `cells-migrate login` again"
        )
        raise CellsCredentialsRefused(
            f"Cells refused the {what} ({error}): {hint}",
            method=reply.method,
            path=reply.path,
            status=reply.status,
        )
    judge(reply, wire)
    data = decode_json(reply, wire.redactor)
    if not isinstance(data, Mapping) or not isinstance(data.get("access_token"), str):
        raise CellsCredentialsRefused(
            f"Cells answered the {what} exchange without an access token",
            method=reply.method,
            path=reply.path,
            status=reply.status,
        )
    return dict(data)


def hydra_error(reply: Reply) -> str:
    """The ``error`` code of a Hydra error body (``invalid_grant``…), '' when none."""
    try:
        data = json.loads(reply.text)
    except ValueError:
        return ""
    error = data.get("error") if isinstance(data, dict) else None
    return error if isinstance(error, str) else ""


def build_session(config: CellsConfig) -> requests.Session:
    """Create the one session of a client (cookies: the v2+ refresh lives in one; pooled
    connections, configured by the ``Wire``)."""
    return requests.Session()


def build_authenticator(
    config: CellsConfig,
    wire: Wire,
    *,
    clock: Callable[[], float] = time.time,
    redactor: Redactor = DEFAULT_REDACTOR,
    skew_s: float = DEFAULT_SKEW_S,
) -> Authenticator:
    """Pick the strategy named by ``config.auth.method``; raises ConfigError if incomplete."""
    # The password strategies live in password_auth.py, which builds on this module.
    from migrate.cells.password_auth import DexPasswordAuth, SessionPasswordAuth

    auth: AuthConfig = config.auth
    kw: dict[str, Any] = {"clock": clock, "redactor": redactor, "skew_s": skew_s}
    if auth.method == AuthMethod.PAT:
        if auth.token is None and auth.token_file is None:
            raise ConfigError("cells.auth.token or token_file is required for method pat")
        source = PatFile(auth.token_file, inline=auth.token)
        return PatAuth(wire, source, **kw)
    if auth.method == AuthMethod.PASSWORD:
        if not auth.login or auth.password is None:
            raise ConfigError("cells.auth.login and password are required for method password")
        if auth.client_secret is not None:
            client = (auth.client_id, auth.client_secret.reveal())
            return DexPasswordAuth(wire, auth.login, auth.password.reveal(), client, **kw)
        return SessionPasswordAuth(wire, auth.login, auth.password.reveal(), **kw)
    if auth.token_file is None:
        raise ConfigError("cells.auth.token_file is required for method oauth2")
    return OAuth2Auth(wire, auth.token_file.expanduser(), auth.client_id, **kw)
