"""Authentication strategies behind ONE ``requests_oauthlib.OAuth2Session``.

* ``pat``      - a Personal Access Token as a static bearer (cells-api.md §3.2).
* ``password`` - Cells v2+ frontend session or the Cells v1 Dex grant: password_auth.py.
* ``oauth2``   - authorization code once with ``cells-client`` and the oob redirect
  (login.py), then refresh at ``/oidc/oauth2/token`` through the session's auto-refresh.
  Hydra rotates refresh tokens (a used one is refused), so every new token is persisted at
  once to ``token_file`` (tokenfile.py: 0600, atomic).

For all: refresh ahead of expiry (a skew) and once on a 401; one refresh at a time across
threads (an ``RLock``); a thread that waited for the lock sees the new token and does not
refresh again. The session is shared, so the new token reaches every thread.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from requests_oauthlib import OAuth2Session

from migrate.cells.tokenfile import read_token_file, write_token_file
from migrate.config import AuthConfig, AuthMethod, CellsConfig
from migrate.errors import ConfigError
from migrate.redact import DEFAULT_REDACTOR, Redactor

log = logging.getLogger(__name__)

TOKEN_PATH = "/oidc/oauth2/token"  # noqa: S105 - a URL path
AUTH_PATH = "/oidc/oauth2/auth"
SESSION_PATH = "/a/frontend/session"
DEX_TOKEN_PATH = "/auth/dex/token"  # noqa: S105 - a URL path
OAUTH2_SCOPE = ["openid", "email", "profile", "pydio", "offline"]
# cells-sdk-go refreshes 60 s before expiry (cells-api.md §3.2 "Refresh").
DEFAULT_SKEW_S = 60.0
Token = dict[str, Any]


class CellsSession(OAuth2Session):  # type: ignore[misc]
    """The one session: an ``OAuth2Session`` whose refresh is serialised across threads.

    requests-oauthlib calls ``refresh_token`` from ``request()`` when oauthlib finds the
    token expired; without a lock two threads would both spend the same (rotating) refresh
    token and the second would be refused. It also forwards the request's own kwargs
    (``json=``, ``timeout=``) into the refresh form body, which we drop here.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refresh_lock = threading.RLock()
        self.still_fresh: Callable[[], bool] = lambda: False
        self.on_new_token: Callable[[Token], None] = lambda token: None
        self.request_timeout: float = 30.0

    def refresh_token(
        self, token_url: str, refresh_token: str | None = None, **kwargs: Any
    ) -> Token:
        with self.refresh_lock:
            if refresh_token is None and self.still_fresh():
                return dict(self.token)  # another thread refreshed while we waited
            auth = kwargs.get("auth")
            token: Token = super().refresh_token(
                token_url,
                refresh_token=refresh_token,
                auth=auth,
                timeout=self.request_timeout,
                include_client_id=True,
            )
            self.on_new_token(token)
            if self.token_updater is not None:
                self.token_updater(token)
            return token


def _expires_at(token: Mapping[str, Any], now: float) -> float | None:
    raw = token.get("expires_at")
    if raw is not None:
        try:
            return float(raw)
        except (TypeError, ValueError):
            return None
    return None


class Authenticator:
    """Base strategy: owns token freshness for the shared session.

    Subclasses implement ``_obtain()`` (first login) and ``_renew()`` (refresh); both run
    with ``session.refresh_lock`` held and return the new token dict.
    """

    def __init__(
        self,
        session: CellsSession,
        base_url: str,
        *,
        skew_s: float = DEFAULT_SKEW_S,
        clock: Callable[[], float] = time.time,
        redactor: Redactor = DEFAULT_REDACTOR,
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.skew_s = skew_s
        self.clock = clock
        self.redactor = redactor
        self._refresh_at: float | None = None
        session.still_fresh = self._still_fresh
        session.on_new_token = self._note

    # --- public ---
    def start(self) -> None:
        """Log in (or load the stored token) if the session has no token yet."""
        with self.session.refresh_lock:
            if not self.session.token:
                self._install(self._obtain())

    def ensure_fresh(self) -> None:
        """Refresh now if the token expires within the skew (called before each request)."""
        if self._still_fresh():
            return
        with self.session.refresh_lock:
            if self._still_fresh():
                return  # another thread refreshed while we waited
            self._install(self._renew())

    def refresh_after_401(self, used_token: str | None) -> bool:
        """Refresh once because Cells answered 401 to ``used_token``.

        Returns True when a different token is now installed (retry the call), False when
        this strategy cannot refresh (a PAT: the 401 is final).
        """
        if not self.can_refresh:
            return False
        with self.session.refresh_lock:
            if used_token is not None and self.access_token not in (None, used_token):
                return True  # someone refreshed after our request left
            self._install(self._renew())
            return True

    @property
    def can_refresh(self) -> bool:
        """Whether a 401 may be cured by a refresh."""
        return True

    @property
    def access_token(self) -> str | None:
        """The bearer currently installed."""
        token = self.session.token or {}
        value = token.get("access_token")
        return value if isinstance(value, str) else None

    # --- internals ---
    def _still_fresh(self) -> bool:
        if not self.session.token:
            return False
        if self._refresh_at is None:
            return True
        return self.clock() < self._refresh_at

    # Only the OAuth2 strategy lets oauthlib see the expiry (for the session's auto-refresh);
    # the others track it here alone, with the injected clock.
    session_tracks_expiry = False

    def _install(self, token: Token) -> None:
        self._note(token)
        if self.session_tracks_expiry:
            self.session.token = token
        else:
            self.session.token = {
                k: v for k, v in token.items() if k not in ("expires_at", "expires_in")
            }

    def _note(self, token: Token) -> None:
        """Record when ``token`` must be refreshed and teach the redactor its values."""
        now = self.clock()
        expires_at = _expires_at(token, now)
        if expires_at is None and token.get("expires_in") is not None:
            expires_at = now + float(token["expires_in"])
            token["expires_at"] = expires_at
        if expires_at is None:
            self._refresh_at = None
        else:
            # Skew: never more than half the lifetime, so a 1 s token is not refreshed
            # on every call.
            lifetime = max(expires_at - now, 0.0)
            self._refresh_at = expires_at - min(self.skew_s, lifetime / 2)
        self.redactor.add(token.get("access_token"), token.get("refresh_token"))
        self.redactor.add(token.get("id_token"))

    def _obtain(self) -> Token:
        raise NotImplementedError

    def _renew(self) -> Token:
        return self._obtain()

    def _url(self, path: str) -> str:
        return self.base_url + path


class PatAuth(Authenticator):
    """A Personal Access Token: static, never refreshed; a 401 is final."""

    def __init__(self, session: CellsSession, base_url: str, token: str, **kw: Any) -> None:
        super().__init__(session, base_url, **kw)
        self._token = token
        self.redactor.pin(token)

    @property
    def can_refresh(self) -> bool:
        """A PAT cannot be refreshed."""
        return False

    def _obtain(self) -> Token:
        return {"access_token": self._token, "token_type": "Bearer"}


class OAuth2Auth(Authenticator):
    """Stored authorization-code token, refreshed (and persisted) through the session."""

    session_tracks_expiry = True

    def __init__(self, session: CellsSession, base_url: str, token_file: Path, **kw: Any) -> None:
        super().__init__(session, base_url, **kw)
        self.token_file = token_file

    def persist(self, token: Token) -> None:
        """token_updater: write the rotated token at once (0600, atomic)."""
        write_token_file(self.token_file, token)

    def _obtain(self) -> Token:
        token = read_token_file(self.token_file)
        if token is None:
            raise ConfigError(
                f"no stored OAuth2 token in {self.token_file}: run `cells-migrate login` first"
            )
        return token

    def _renew(self) -> Token:
        # Goes through CellsSession.refresh_token: lock, rotation, token_updater.
        token: Token = self.session.refresh_token(self._url(TOKEN_PATH), self._stored_refresh())
        return token

    def _stored_refresh(self) -> str | None:
        value = (self.session.token or {}).get("refresh_token")
        return value if isinstance(value, str) else None


def build_session(config: CellsConfig) -> CellsSession:
    """Create the one session for ``config`` (auto-refresh wired for ``oauth2``)."""
    _allow_plain_http(config.url)
    auth = config.auth
    kwargs: dict[str, Any] = {"client_id": auth.client_id}
    if auth.method == AuthMethod.OAUTH2:
        kwargs.update(
            auto_refresh_url=config.url.rstrip("/") + TOKEN_PATH,
            auto_refresh_kwargs={"client_id": auth.client_id},
            scope=OAUTH2_SCOPE,
        )
    session = CellsSession(**kwargs)
    session.request_timeout = config.timeout_s
    return session


def build_authenticator(
    config: CellsConfig,
    session: CellsSession,
    *,
    clock: Callable[[], float] = time.time,
    redactor: Redactor = DEFAULT_REDACTOR,
    skew_s: float = DEFAULT_SKEW_S,
) -> Authenticator:
    """Pick the strategy named by ``config.auth.method``; raises ConfigError if incomplete."""
    # The password strategies live in password_auth.py, which builds on this module.
    from migrate.cells.password_auth import DexPasswordAuth, SessionPasswordAuth

    auth: AuthConfig = config.auth
    base = config.url
    kw: dict[str, Any] = {"clock": clock, "redactor": redactor, "skew_s": skew_s}
    if auth.method == AuthMethod.PAT:
        if auth.token is None:
            raise ConfigError("cells.auth.token is required for method pat")
        return PatAuth(session, base, auth.token.reveal(), **kw)
    if auth.method == AuthMethod.PASSWORD:
        if not auth.login or auth.password is None:
            raise ConfigError("cells.auth.login and password are required for method password")
        if auth.client_secret is not None:
            return DexPasswordAuth(
                session,
                base,
                auth.login,
                auth.password.reveal(),
                auth.client_id,
                auth.client_secret.reveal(),
                **kw,
            )
        return SessionPasswordAuth(session, base, auth.login, auth.password.reveal(), **kw)
    if auth.token_file is None:
        raise ConfigError("cells.auth.token_file is required for method oauth2")
    strategy = OAuth2Auth(session, base, auth.token_file.expanduser(), **kw)
    session.token_updater = strategy.persist
    return strategy


def _allow_plain_http(url: str) -> None:
    """oauthlib refuses http:// unless OAUTHLIB_INSECURE_TRANSPORT is set. A Cells on plain
    HTTP (the recordings' server, the loopback emulator) needs it; say so loudly."""
    if urlsplit(url).scheme == "http":
        host = urlsplit(url).hostname or ""
        if host not in {"127.0.0.1", "localhost", "::1"}:
            log.warning("Cells URL %s is plain HTTP: tokens and passwords travel in clear", url)
        os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
