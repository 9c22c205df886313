"""The ``oauth2`` strategy and Hydra's token answers (auth-oauth2-hydra.yaml).

The token ``cells-migrate login`` stored (login.py) is refreshed at ``/oidc/oauth2/token``
by ``OAuth2Session.refresh_token``, called by the authenticator under its lock (not the
session's auto-refresh: auth_session.py says why). Hydra rotates refresh tokens (a used one
is refused), so every new token is persisted at once to ``token_file`` (tokenfile.py: 0600,
atomic).

Token requests (this refresh, the login's code exchange) run through ``Wire.oauth``: no
redirect followed, deadline, size cap. Hydra's answer is judged by the hooks of
:func:`check_token_answers` before oauthlib parses it, so a 503 is retried, another web
server is named and a refusal says why; the errors oauthlib itself raises become
``CellsCredentialsRefused`` in :func:`token_request` (the one place oauthlib errors are
translated).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import requests
from oauthlib.oauth2 import OAuth2Error

from migrate.cells.auth import TOKEN_PATH, Authenticator, Token, as_number, judge
from migrate.cells.auth_session import CellsSession
from migrate.cells.statuses import Reply, decode_json, title
from migrate.cells.tokenfile import read_token_file, write_token_file
from migrate.cells.wire import Timeouts, Wire, refuse_redirect, reply_of
from migrate.errors import CellsCredentialsRefused, ConfigError


class OAuth2Auth(Authenticator):
    """The stored authorization-code token, refreshed by ``OAuth2Session.refresh_token``
    (and persisted at once)."""

    method = "oauth2"

    def __init__(self, wire: Wire, token_file: Path, client_id: str, **kw: Any) -> None:
        super().__init__(wire, **kw)
        self.token_file = token_file
        self.client_id = client_id
        check_token_answers(self.session, wire)

    def refusal_hint(self) -> str:
        """The stored token cannot be used any more."""
        return (
            "Cells refused the OAuth2 token even after a refresh: run `cells-migrate login` "
            "again (an apply stopped by this continues with `cells-migrate resume`)"
        )

    def _obtain(self) -> Token:
        token = read_token_file(self.token_file)
        if token is None:
            raise ConfigError(
                f"no stored OAuth2 token in {self.token_file}: run `cells-migrate login` first"
            )
        return token

    def _renew(self) -> Token:
        refresh = (self.session.token or {}).get("refresh_token")
        if not isinstance(refresh, str) or not refresh:
            raise CellsCredentialsRefused(
                f"the token in {self.token_file} cannot be refreshed (no refresh token): "
                "run `cells-migrate login` again",
                method="POST",
                path=TOKEN_PATH,
                status=401,
            )
        url = self.wire.base_url + TOKEN_PATH

        def refresh_grant(timeouts: Timeouts) -> Mapping[str, Any]:
            # grant_type, refresh_token, scope (the session's) and client_id in the form,
            # as cells-client sends them (auth-oauth2-hydra.yaml); a public client: no auth.
            token: Mapping[str, Any] = self.session.refresh_token(
                url, refresh_token=refresh, timeout=timeouts, client_id=self.client_id
            )
            return token

        token = on_clock(token_request(self.wire, "refresh token", refresh_grant), self.clock())
        # Hydra rotates refresh tokens: the old one is dead from now on, so write at once.
        write_token_file(self.token_file, token)
        return token


def on_clock(token: Token, now: float) -> Token:
    """``token`` with ``expires_at`` counted from ``expires_in`` on the caller's clock
    (oauthlib stamps it on the real clock, which an injected clock does not follow)."""
    lifetime = as_number(token.get("expires_in"))
    return token if lifetime is None else {**token, "expires_at": now + lifetime}


def check_token_answers(session: CellsSession, wire: Wire) -> None:
    """Judge Hydra's answer to a code exchange or a refresh before oauthlib parses it
    (requests-oauthlib's ``access_token_response`` / ``refresh_token_response`` compliance
    hooks): a redirect, another web server, a transient status or a refusal is raised as
    the ``Cells*`` error naming it (:func:`check_token_answer`), never as a parse error."""
    for hook, what in (
        ("access_token_response", "authorization code"),
        ("refresh_token_response", "refresh token"),
    ):
        session.register_compliance_hook(hook, _judging(wire, what))


def _judging(wire: Wire, what: str) -> Callable[[requests.Response], requests.Response]:
    def judge_answer(resp: requests.Response) -> requests.Response:
        check_token_answer(reply_of(resp, str(resp.request.method), TOKEN_PATH), wire, what=what)
        return resp

    return judge_answer


def token_request(wire: Wire, what: str, step: Callable[[Timeouts], Mapping[str, Any]]) -> Token:
    """Run a requests-oauthlib token request (``what``: a refresh, a code exchange) through
    ``wire``; the errors oauthlib raises on an answer the hooks let through become
    ``CellsCredentialsRefused`` naming what Cells answered."""
    where: dict[str, Any] = {"method": "POST", "path": TOKEN_PATH, "status": 200}
    try:
        token = wire.oauth("POST", TOKEN_PATH, step)
    except OAuth2Error as exc:
        raise CellsCredentialsRefused(
            f"Cells answered the {what} exchange with an unusable token "
            f"({exc.description or exc.error}): run `cells-migrate login` again",
            **where,
        ) from exc
    except Warning as exc:  # oauthlib raises a Warning when the granted scope differs
        raise CellsCredentialsRefused(
            f"Cells granted another scope than cells-migrate asked for the {what} ({exc}): "
            "check the cells-client client's scopes in Cells",
            **where,
        ) from exc
    except ValueError as exc:  # oauthlib: an expires_in that is not a number
        raise CellsCredentialsRefused(
            f"Cells answered the {what} exchange with a malformed token ({exc})", **where
        ) from exc
    return dict(token)


def check_token_answer(reply: Reply, wire: Wire, *, what: str) -> None:
    """Raise unless ``reply`` is a token answer (code exchange or refresh) oauthlib can
    parse; a refusal names why."""
    refuse_redirect(reply, wire.base_url)
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


def hydra_error(reply: Reply) -> str:
    """The ``error`` code of a Hydra error body (``invalid_grant``…), '' when none."""
    try:
        data = json.loads(reply.text)
    except ValueError:
        return ""
    error = data.get("error") if isinstance(data, dict) else None
    return error if isinstance(error, str) else ""
