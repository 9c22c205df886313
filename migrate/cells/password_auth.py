"""Password strategies: Cells v2+ frontend session, and the Cells v1 Dex password grant.

* v2+: ``POST /a/frontend/session`` with credentials; the refresh token lives in the
  server-side cookie session, so the shared session keeps its cookie jar and refreshes with
  ``{"type":"refresh"}``, logging in again when that fails (auth-session-login.yaml).
* v1 (``client_secret`` set, client ``cells-front``): ``/auth/dex/token`` password grant,
  whose ``id_token`` is the bearer (cells-api.md §3.1).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from migrate.cells.auth import (
    DEX_TOKEN_PATH,
    SESSION_PATH,
    Authenticator,
    CellsSession,
    Token,
)
from migrate.errors import CellsAuthError


class SessionPasswordAuth(Authenticator):
    """Cells v2+ ``POST /a/frontend/session`` login, cookie refresh, re-login on failure."""

    def __init__(
        self, session: CellsSession, base_url: str, login: str, password: str, **kw: Any
    ) -> None:
        super().__init__(session, base_url, **kw)
        self._login = login
        self._password = password
        self.redactor.pin(password)

    def _post(self, auth_info: dict[str, str]) -> Token | None:
        resp = self.session.post(
            self._url(SESSION_PATH),
            json={"AuthInfo": auth_info},
            withhold_token=True,
            timeout=self.session.request_timeout,
        )
        if resp.status_code != 200:
            return None
        try:
            data = resp.json()
        except ValueError:
            return None
        return _session_token(data, self.clock()) if isinstance(data, dict) else None

    _lifetime_s: float | None = None

    def _obtain(self) -> Token:
        token = self._post(
            {"login": self._login, "password": self._password, "type": "credentials"}
        )
        if token is not None and "expires_at" in token:
            self._lifetime_s = max(float(token["expires_at"]) - self.clock(), 1.0)
        if token is None:
            raise CellsAuthError(
                "login refused: check cells.auth.login / password (10 failures lock the user)",
                method="POST",
                path=SESSION_PATH,
                status=401,
                subject=f"user:{self._login}",
            )
        return token

    def _renew(self) -> Token:
        # The refresh token is in the cookie session (cells-v3-behaviour.md §1).
        token = self._post({"type": "refresh"})
        if token is None:
            return self._obtain()
        now = self.clock()
        if self._lifetime_s and float(token.get("expires_at", 0.0)) <= now:
            # Cells keeps the login's ExpireTime on refresh (cells-v3-behaviour.md §1):
            # count the new token's life from now with the lifetime seen at login.
            token["expires_at"] = now + self._lifetime_s
        return token


def _session_token(data: Mapping[str, Any], now: float) -> Token | None:
    """Parse a frontend-session answer. A body without ``JWT`` means no login happened
    (``{}`` for an AuthInfo without type, auth-session-login.yaml)."""
    jwt = data.get("JWT")
    if not isinstance(jwt, str) or not jwt:
        return None
    token: Token = {"access_token": jwt, "token_type": "Bearer"}
    expire = data.get("ExpireTime")
    try:
        value = float(expire) if expire is not None else 0.0
    except (TypeError, ValueError):
        value = 0.0
    if value > 0:
        # v1 sends a duration, v2+ a Unix time (cells-api.md §3.1 / §3.2).
        token["expires_at"] = value if value > 1e9 else now + value
    return token


class DexPasswordAuth(Authenticator):
    """Cells v1: Dex password grant at ``/auth/dex/token`` (client ``cells-front`` + secret).

    The ``id_token`` is the bearer (v1 admin guide, "Using the REST API"); a refresh is a
    new grant (Dex id tokens live 10 min).
    """

    def __init__(
        self,
        session: CellsSession,
        base_url: str,
        login: str,
        password: str,
        client_id: str,
        client_secret: str,
        **kw: Any,
    ) -> None:
        super().__init__(session, base_url, **kw)
        self._login, self._password = login, password
        self._client = (client_id, client_secret)
        self.redactor.pin(password, client_secret)

    def _obtain(self) -> Token:
        resp = self.session.post(
            self._url(DEX_TOKEN_PATH),
            data={
                "grant_type": "password",
                "username": self._login,
                "password": self._password,
                "scope": "openid email profile pydio offline_access",
                "nonce": secrets.token_urlsafe(12),
            },
            auth=self._client,
            withhold_token=True,
            timeout=self.session.request_timeout,
        )
        data = resp.json() if resp.status_code == 200 else {}
        id_token = data.get("id_token") if isinstance(data, dict) else None
        if not isinstance(id_token, str):
            raise CellsAuthError(
                "Dex password grant refused: check login, password, client id and secret",
                method="POST",
                path=DEX_TOKEN_PATH,
                status=resp.status_code,
                subject=f"user:{self._login}",
            )
        token: Token = {"access_token": id_token, "token_type": "Bearer"}
        if data.get("expires_in") is not None:
            token["expires_in"] = float(data["expires_in"])
        return token
