"""``cells-migrate login`` / ``logout``: the OAuth2 authorization code + PKCE flow of client
``cells-client`` (public, no secret), as recorded against Cells 3.0.9 (auth-oauth2-hydra.yaml).

* **interactive**: the URL is shown (and opened in a browser when there is one); the
  redirect is caught on the loopback port ``cells-client`` allows
  (``http://localhost:3000/servers/callback``). When that port is taken, Cells' own
  ``<site>/oauth2/oob`` page shows a code the user pastes back.
* **headless** (``--username``): the flow the recording shows, with no browser:
  ``GET /oidc/oauth2/auth`` → 302 to the login page with a ``login_challenge`` (read, never
  followed) → ``POST /a/frontend/session`` with the credentials and the challenge →
  ``{"RedirectTo": "<redirect_uri>?code=…&state=…"}`` → the code exchanged at
  ``/oidc/oauth2/token``.

requests-oauthlib builds the authorization URL with PKCE S256 (``OAuth2Session(pkce="S256")``:
the session keeps the code verifier) and exchanges the code (``fetch_token``); oauthlib
parses the answer. Every step goes through the ``Wire`` (no redirect followed, deadline,
size cap: ``Wire.oauth`` for the exchange) with the one retry policy. The token is written
0600 to ``cells.auth.token_file``; ``logout`` revokes it at Hydra's revocation endpoint,
then removes the file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from requests_oauthlib import OAuth2Session

from migrate.cells.auth import (
    AUTH_PATH,
    OAUTH2_SCOPE,
    REVOKE_PATH,
    SESSION_PATH,
    TOKEN_PATH,
    Token,
    build_session,
    judge,
)
from migrate.cells.auth_oauth2 import check_token_answers, token_request
from migrate.cells.auth_session import insecure_transport_allowed
from migrate.cells.callback import CallbackCatcher
from migrate.cells.http import RetryPolicy
from migrate.cells.password_auth import login_refusal
from migrate.cells.statuses import Reply, decode_json
from migrate.cells.tokenfile import read_token_file, write_token_file
from migrate.cells.wire import Timeouts, Wire
from migrate.config import AuthMethod, CellsConfig
from migrate.errors import CellsCredentialsRefused, CellsHTTPError, ConfigError
from migrate.redact import DEFAULT_REDACTOR, Redactor

OOB_PATH = "/oauth2/oob"
CALLBACK_PATH = "/servers/callback"
# cells-client's registered loopback redirect (cells-api.md §3.2, pydio.json staticClients).
DEFAULT_CALLBACK_PORT = 3000
LOGIN_WAIT_S = 300.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Authorization:
    """One authorization request: its URL, and what must come back with the code (the code
    verifier stays in the session that built the URL)."""

    url: str
    state: str
    redirect_uri: str


def authorization(
    base_url: str, client_id: str, redirect_uri: str, session: OAuth2Session | None = None
) -> Authorization:
    """A fresh authorization request with PKCE S256, built by requests-oauthlib: the URL and
    its state (Hydra wants at least 8 characters, cells-v3-behaviour.md §2: the library's
    has 30). ``session`` (built with ``pkce="S256"``) keeps the code verifier for its
    ``fetch_token``; without one, a new session serves for the URL alone."""
    session = session or OAuth2Session(client_id, scope=list(OAUTH2_SCOPE), pkce="S256")
    session.redirect_uri = redirect_uri
    with insecure_transport_allowed(base_url):
        url, state = session.authorization_url(base_url.rstrip("/") + AUTH_PATH)
    return Authorization(url=str(url), state=str(state), redirect_uri=redirect_uri)


class LoginFlow:
    """The login and logout of one configuration (``cells.auth.method: oauth2``)."""

    def __init__(
        self,
        config: CellsConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        redactor: Redactor = DEFAULT_REDACTOR,
        retry_attempts: int = 6,
    ) -> None:
        if config.auth.method is not AuthMethod.OAUTH2 or config.auth.token_file is None:
            raise ConfigError(
                "`cells-migrate login` and `logout` are for cells.auth.method: oauth2 with a "
                f"token_file (this configuration uses {config.auth.method.value}: nothing to "
                "log in to)"
            )
        self.config = config
        self.base_url = config.url.rstrip("/")
        self.client_id = config.auth.client_id
        self.token_file: Path = config.auth.token_file.expanduser()
        self.monotonic = monotonic
        self.redactor = redactor
        self.session = build_session(config, pkce=True)
        self.wire = Wire(config, self.session, redactor=redactor, monotonic=monotonic)
        check_token_answers(self.session, self.wire)
        self.retry = RetryPolicy(attempts=retry_attempts, sleep=sleep)

    def close(self) -> None:
        """Close the pooled connections."""
        self.wire.session.close()

    # ------------------------------------------------------------------ headless
    def headless(self, username: str, password: str) -> Token:
        """The recorded flow without a browser; stores and returns the token."""
        self.redactor.pin(password)
        auth = self._authorization(_loopback(DEFAULT_CALLBACK_PORT))
        challenge = self._challenge(auth)
        info = {"login": username, "password": password, "challenge": challenge}
        body = {"AuthInfo": {**info, "type": "credentials"}}
        reply = self._send("POST", SESSION_PATH, json=body)
        refused = login_refusal(reply, username)
        if refused is not None:
            raise refused
        judge(reply, self.wire)
        data = decode_json(reply, self.redactor)
        target = data.get("RedirectTo") if isinstance(data, Mapping) else None
        if not isinstance(target, str) or not target.startswith(auth.redirect_uri):
            raise _flow_error(reply, "Cells answered the login without the expected redirect")
        return self.exchange(auth, code_from(target, auth.state))

    def _challenge(self, auth: Authorization) -> str:
        query = dict(parse_qs(urlsplit(auth.url).query))
        params = {k: v[0] for k, v in query.items()}
        reply = self._send("GET", AUTH_PATH, params=params, redirect_ok=True)
        if reply.status in (400, 401):
            raise CellsCredentialsRefused(
                f"Cells refused the authorization request ({reply.text[:120]}): check "
                "cells.auth.client_id (the client must allow the redirect "
                f"{auth.redirect_uri})",
                method="GET",
                path=AUTH_PATH,
                status=reply.status,
            )
        location = reply.header("Location")
        if reply.status not in (302, 303) or not location:
            judge(reply, self.wire)
            raise _flow_error(reply, "Cells did not send the login page's address")
        target = urlsplit(location)
        if target.netloc and target.netloc != urlsplit(self.base_url).netloc:
            raise _flow_error(reply, f"Cells sent the login to another server ({location})")
        found = parse_qs(target.query).get("login_challenge", [""])[0]
        if not found:
            raise _flow_error(reply, "the login page's address has no login_challenge")
        return found

    # --------------------------------------------------------------- interactive
    def interactive(
        self,
        *,
        notify: Callable[[str], None],
        open_browser: Callable[[str], bool],
        read_code: Callable[[], str],
        port: int = DEFAULT_CALLBACK_PORT,
        wait_s: float = LOGIN_WAIT_S,
    ) -> Token:
        """Show the URL, open a browser when there is one, catch the redirect on the
        loopback ``port`` (or read the pasted code when it cannot be bound)."""
        catcher = CallbackCatcher.bind(port, CALLBACK_PATH) if port else None
        redirect = _loopback(port) if catcher is not None else self.base_url + OOB_PATH
        if port and catcher is None:
            notify(f"port {port} is taken: the login page will show a code to paste here")
        auth = self._authorization(redirect)
        notify(f"Open this address in a browser and log in as a Cells admin:\n\n  {auth.url}\n")
        opened = open_browser(auth.url)
        if catcher is None:
            return self.exchange(auth, code_from(read_code().strip(), auth.state))
        with closing(catcher):
            if not opened:
                notify(f"waiting for the browser's redirect to {redirect} …")
            query = catcher.wait(wait_s, self.monotonic)
        if query is None:
            raise ConfigError(
                f"no login came back to {redirect} within {wait_s:g} s: run "
                "`cells-migrate login` again (or `cells-migrate login --username U` without "
                "a browser)"
            )
        if "error" in query:
            raise CellsCredentialsRefused(
                f"the login was not completed in the browser ({query['error']}): "
                f"{query.get('error_description', '')[:200]}",
                method="GET",
                path=CALLBACK_PATH,
                status=401,
            )
        if query.get("state") != auth.state:
            raise CellsCredentialsRefused(
                "the redirect belongs to another login (state mismatch)",
                method="GET",
                path=CALLBACK_PATH,
                status=400,
            )
        return self.exchange(auth, query.get("code", ""))

    # ------------------------------------------------------------------ common
    def exchange(self, auth: Authorization, code: str) -> Token:
        """Trade ``code`` for a token (``fetch_token``, with the session's code verifier) and
        store it (0600). Raises CellsCredentialsRefused when Cells refuses the code (used,
        expired, another login's)."""
        self.redactor.add(code)
        url = self.base_url + TOKEN_PATH
        self.session.redirect_uri = auth.redirect_uri

        def code_grant(timeouts: Timeouts) -> Mapping[str, Any]:
            # A public client: client_id in the form, no Basic header (auth-oauth2-hydra.yaml).
            token: Mapping[str, Any] = self.session.fetch_token(
                url, code=code, include_client_id=True, timeout=timeouts
            )
            return token

        token = self.retry.run(
            f"POST {TOKEN_PATH}", lambda: token_request(self.wire, "authorization code", code_grant)
        )
        write_token_file(self.token_file, token)
        return token

    def logout(self) -> bool:
        """Revoke the stored tokens at Cells, then remove the file. False when there was
        no token file. Raises (and keeps the file) when Cells cannot be told."""
        token = read_token_file(self.token_file)
        if token is None:
            return False
        for kind in ("refresh_token", "access_token"):
            value = token.get(kind)
            if isinstance(value, str) and value:
                self.redactor.add(value)
                form = {"token": value, "token_type_hint": kind, "client_id": self.client_id}
                judge(self._send("POST", REVOKE_PATH, form=form), self.wire)
        self.token_file.unlink(missing_ok=True)
        return True

    def _authorization(self, redirect_uri: str) -> Authorization:
        return authorization(self.base_url, self.client_id, redirect_uri, session=self.session)

    def _send(self, method: str, path: str, **kw: Any) -> Reply:
        return self.retry.run(f"{method} {path}", lambda: self.wire.send(method, path, **kw))


def _loopback(port: int) -> str:
    return f"http://localhost:{port}{CALLBACK_PATH}"


def _flow_error(reply: Reply, message: str) -> CellsHTTPError:
    return CellsHTTPError(message, method=reply.method, path=reply.path, status=reply.status)


def code_from(pasted: str, state: str) -> str:
    """The code in what came back: a bare code, a redirect URL or its query. A redirect of
    another login (its ``state`` differs) is refused."""
    if "code=" not in pasted:
        if not pasted:
            raise CellsCredentialsRefused(
                "no authorization code given", method="POST", path=TOKEN_PATH, status=400
            )
        return pasted
    query = parse_qs(urlsplit(pasted).query or pasted)
    got_state = query.get("state", [state])[0]
    if got_state != state:
        raise CellsCredentialsRefused(
            "the redirect belongs to another login (state mismatch)",
            method="POST",
            path=TOKEN_PATH,
            status=400,
        )
    return query.get("code", [""])[0]
