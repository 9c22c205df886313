"""Authentication strategies: one :class:`Authenticator` per client, an auth *flow*.

The flow (httpx's ``Auth.auth_flow``): :meth:`Authenticator.auth_flow` is a generator that
yields the request with the current bearer and receives Cells' answer; on a 401 it
refreshes once and yields the request again. ``http.Transport`` drives it and never knows
which scheme is in use. The bearer is an ``Authorization`` header the ``Wire`` adds to that
one request.

The token lives in the client's ``CellsSession`` (auth_session.py, a
``requests_oauthlib.OAuth2Session``) for every method: :meth:`Authenticator._install` puts
it there and :attr:`Authenticator.access_token` reads it back.

* ``pat``      - a Personal Access Token as a static bearer (cells-api.md §3.2), given
  inline or in ``token_file`` (re-read when the file changes: a PAT renewed mid-run is
  picked up, tokenfile.py).
* ``password`` - Cells v2+ frontend session or the Cells v1 Dex grant: password_auth.py.
* ``oauth2``   - the token ``cells-migrate login`` stored, refreshed with
  ``OAuth2Session.refresh_token`` and persisted at once: auth_oauth2.py.

Every login and refresh goes through the ``Wire`` (no redirect followed, deadline, size
cap) inside the caller's retry attempt, so a 503 or a dropped connection at login is retried
like any call and never reported as a wrong password. For all: refresh ahead of expiry (a
skew, on the injected clock) and once on a 401; one refresh at a time across threads (an
``RLock``); a thread that waited for the lock sees the new token and does not refresh again.
The session is shared by the client's threads, so the new token reaches every one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Generator
from typing import Any

from migrate.cells.auth_session import CellsSession
from migrate.cells.statuses import (
    Reply,
    looks_like_another_server,
    not_cells,
    status_error,
)
from migrate.cells.tokenfile import PatFile
from migrate.cells.wire import Request, Wire
from migrate.config import AuthConfig, AuthMethod, CellsConfig
from migrate.errors import ConfigError
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


# Resends of one call whose token another thread's refresh revoked while it was in flight.
SUPERSEDED_RESENDS = 3


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
        self.session: CellsSession = wire.session
        self.skew_s = skew_s
        self.clock = clock
        self.redactor = redactor
        self.lock = threading.RLock()
        self._refresh_at: float | None = None

    # --- public ---
    def auth_flow(self, request: Request) -> Generator[Request, Reply, None]:
        """Yield ``request`` with the bearer (logging in or refreshing first when due) and
        receive the answer; on a 401, refresh once and yield it again with the new bearer.
        What the last yield received is the answer the caller judges.

        This flow refreshes once; but another thread may refresh (Cells revokes the token it
        replaces) while the resend is in flight: a 401 to a token already superseded is
        resent with the newest one, up to ``SUPERSEDED_RESENDS`` times, without refreshing.
        """
        self.ensure_fresh()
        sent = self.access_token
        reply = yield request.carrying(sent)
        if reply.status != 401 or not self.refresh_after_401(sent):
            return
        for _ in range(1 + SUPERSEDED_RESENDS):
            sent = self.access_token
            reply = yield request.carrying(sent)
            if reply.status != 401 or self.access_token in (None, sent):
                return

    def ensure_fresh(self) -> None:
        """Log in (or load the stored token) the first time, and refresh when the token
        expires within the skew (called before each request)."""
        if self._still_fresh():
            return
        with self.lock:
            if not self.access_token:
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
        """The bearer currently installed (the session's token)."""
        value = self.session.access_token
        return value if isinstance(value, str) and value else None

    # --- internals ---
    def _still_fresh(self) -> bool:
        if not self.access_token:
            return False
        if self._refresh_at is None:
            return True
        return self.clock() < self._refresh_at

    def _install(self, token: Token) -> None:
        """Record when ``token`` must be refreshed, teach the redactor its values and make
        it the session's token. Freshness is decided here, on the injected clock."""
        now = self.clock()
        expires_at = as_number(token.get("expires_at"))
        lifetime = as_number(token.get("expires_in"))
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
        self.session.install({**token, "access_token": str(token["access_token"])})

    def _obtain(self) -> Token:
        raise NotImplementedError

    def _renew(self) -> Token:
        return self._obtain()


def as_number(value: object) -> float | None:
    """``value`` as a float (a token's ``expires_in``/``expires_at``), None when it is not one."""
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
        if self.access_token and not self.source.changed():
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


def build_session(config: CellsConfig, *, pkce: bool = False) -> CellsSession:
    """Create the one session of a client (or of a login, with ``pkce``): the token store,
    cookies (the v2+ refresh lives in one) and pooled connections, configured by the
    ``Wire``."""
    return CellsSession(
        config.auth.client_id,
        base_url=config.url,
        max_bytes=int(config.max_response_mb * 1024 * 1024),
        scope=list(OAUTH2_SCOPE),
        pkce=pkce,
    )


def build_authenticator(
    config: CellsConfig,
    wire: Wire,
    *,
    clock: Callable[[], float] = time.time,
    redactor: Redactor = DEFAULT_REDACTOR,
    skew_s: float = DEFAULT_SKEW_S,
) -> Authenticator:
    """Pick the strategy named by ``config.auth.method``; raises ConfigError if incomplete."""
    # The password and OAuth2 strategies live in password_auth.py and auth_oauth2.py, which
    # build on this module.
    from migrate.cells.auth_oauth2 import OAuth2Auth
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
