"""Password strategies: Cells v2+ frontend session, and the Cells v1 Dex password grant.

* v2+: ``POST /a/frontend/session`` with credentials; the refresh token lives in the
  server-side cookie session, so the shared session keeps its cookie jar and refreshes with
  ``{"type":"refresh"}``, logging in again when Cells says the refresh is gone
  (auth-session-login.yaml).
* v1 (``client_secret`` set, client ``cells-front``): ``/auth/dex/token`` password grant,
  whose ``id_token`` is the bearer (cells-api.md §3.1).

A refusal is reported for what it is (cells-v3-behaviour.md §1): a wrong login or password
(401 ``Login failed``, with the lockout warning), a locked account (401 ``User is locked``),
an account Cells will not let in (403). Anything else is not a refusal: another web server
answering, a 503 or a dropped connection (retried by the caller's one retry layer).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from migrate.cells.auth import (
    DEX_TOKEN_PATH,
    SESSION_PATH,
    Authenticator,
    Token,
    judge,
)
from migrate.cells.statuses import Reply, decode_json, title
from migrate.cells.wire import Wire
from migrate.errors import CellsCredentialsRefused

LOCK_AFTER = 10  # failed logins before Cells locks the account (cells-v3-behaviour.md §1)


def login_refusal(reply: Reply, login: str) -> CellsCredentialsRefused | None:
    """The error for a refused login answer (401/403), or None when it is not a refusal."""
    if reply.status not in (401, 403):
        return None
    why = title(reply.text) or f"HTTP {reply.status}"
    if "locked" in why.lower():
        message = (
            f"the Cells account {login!r} is locked ({why}): it failed {LOCK_AFTER} logins; "
            "an admin must unlock it in Cells (People, the user's security settings) before "
            "anything else is tried"
        )
    elif reply.status == 401:
        message = (
            f"Cells refused the login of {login!r} ({why}): check cells.auth.login and the "
            f"password before trying again; Cells locks an account after {LOCK_AFTER} failures"
        )
    else:
        message = f"Cells does not let {login!r} log in ({why}, HTTP 403): check that account"
    return CellsCredentialsRefused(
        message,
        method=reply.method,
        path=reply.path,
        status=reply.status,
        subject=f"user:{login}",
    )


class SessionPasswordAuth(Authenticator):
    """Cells v2+ ``POST /a/frontend/session`` login, cookie refresh, re-login when gone."""

    method = "password"

    def __init__(self, wire: Wire, login: str, password: str, **kw: Any) -> None:
        super().__init__(wire, **kw)
        self.login = login
        self._password = password
        self.redactor.pin(password)

    _lifetime_s: float | None = None

    def _post(self, auth_info: dict[str, str]) -> Reply:
        return self.wire.send("POST", SESSION_PATH, json={"AuthInfo": auth_info})

    def _obtain(self) -> Token:
        reply = self._post({"login": self.login, "password": self._password, "type": "credentials"})
        refused = login_refusal(reply, self.login)
        if refused is not None:
            raise refused
        token = self._token(reply)
        if "expires_at" in token:
            self._lifetime_s = max(float(token["expires_at"]) - self.clock(), 1.0)
        return token

    def _renew(self) -> Token:
        # The refresh token is in the cookie session (cells-v3-behaviour.md §1); Cells
        # answers 401 "No refresh token" once that session is gone: log in again.
        reply = self._post({"type": "refresh"})
        if reply.status == 401:
            return self._obtain()
        token = self._token(reply)
        now = self.clock()
        if self._lifetime_s and float(token.get("expires_at", 0.0)) <= now:
            # Cells keeps the login's ExpireTime on refresh (cells-v3-behaviour.md §1):
            # count the new token's life from now with the lifetime seen at login.
            token["expires_at"] = now + self._lifetime_s
        return token

    def _token(self, reply: Reply) -> Token:
        judge(reply, self.wire)
        data = decode_json(reply, self.redactor)
        token = _session_token(data, self.clock()) if isinstance(data, Mapping) else None
        if token is None:
            raise CellsCredentialsRefused(
                "Cells answered the login without a token (no JWT in the answer)",
                method=reply.method,
                path=reply.path,
                status=reply.status,
                subject=f"user:{self.login}",
            )
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

    method = "password"

    def __init__(
        self,
        wire: Wire,
        login: str,
        password: str,
        client: tuple[str, str],
        **kw: Any,
    ) -> None:
        super().__init__(wire, **kw)
        self.login, self._password = login, password
        self._client = client
        self.redactor.pin(password, client[1])

    def _obtain(self) -> Token:
        form = {
            "grant_type": "password",
            "username": self.login,
            "password": self._password,
            "scope": "openid email profile pydio offline_access",
            "nonce": secrets.token_urlsafe(12),
        }
        reply = self.wire.send("POST", DEX_TOKEN_PATH, form=form, basic=self._client)
        self._refused(reply)
        judge(reply, self.wire)
        data = decode_json(reply, self.redactor)
        id_token = data.get("id_token") if isinstance(data, Mapping) else None
        if not isinstance(id_token, str):
            raise CellsCredentialsRefused(
                "the Dex password grant answered without an id_token",
                method="POST",
                path=DEX_TOKEN_PATH,
                status=reply.status,
            )
        token: Token = {"access_token": id_token, "token_type": "Bearer"}
        if data.get("expires_in") is not None:
            token["expires_in"] = data["expires_in"]
        return token

    def _refused(self, reply: Reply) -> None:
        why = title(reply.text) or f"HTTP {reply.status}"
        kw: dict[str, Any] = {"method": "POST", "path": DEX_TOKEN_PATH, "status": reply.status}
        if reply.status == 404:
            raise CellsCredentialsRefused(
                "this Cells has no Dex password grant (it is v2+): remove "
                "cells.auth.client_secret to log in through /a/frontend/session",
                **kw,
            )
        if reply.status == 401:
            raise CellsCredentialsRefused(
                f"Dex refused the client ({why}): check cells.auth.client_id and client_secret",
                **kw,
            )
        if reply.status in (400, 403):
            raise CellsCredentialsRefused(
                f"Dex refused the login of {self.login!r} ({why}): check cells.auth.login and "
                f"the password before trying again; Cells locks an account after {LOCK_AFTER} "
                "failures",
                subject=f"user:{self.login}",
                **kw,
            )
