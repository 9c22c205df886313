"""The one-time OAuth2 authorization-code login (``cells-migrate login``).

Client ``cells-client`` is public (no secret) and allows the oob redirect
``<site>/oauth2/oob``, whose page shows the code to copy (cells-api.md §3.2). PKCE S256 is
accepted by Cells' Hydra (auth-oauth2-hydra.yaml). The verifier lives in the session, so the
URL and the exchange must use the same ``PendingLogin``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from oauthlib.oauth2 import OAuth2Error
from requests import RequestException
from requests_oauthlib import OAuth2Session

from migrate.cells.auth import AUTH_PATH, OAUTH2_SCOPE, TOKEN_PATH, _allow_plain_http
from migrate.cells.tokenfile import write_token_file
from migrate.config import CellsConfig
from migrate.errors import CellsAuthError, CellsTransportError, ConfigError

OOB_PATH = "/oauth2/oob"


@dataclass(slots=True)
class PendingLogin:
    """An authorization request waiting for the code the user pastes back."""

    url: str
    state: str
    session: Any
    config: CellsConfig

    def exchange(self, pasted: str) -> dict[str, Any]:
        """Trade the pasted code (or the whole redirect URL) for a token and store it.

        Raises CellsAuthError when Cells refuses the code (used, expired, wrong state),
        CellsTransportError when it cannot be reached, ConfigError without ``token_file``.
        """
        code = _code_from(pasted.strip(), self.state)
        base = self.config.url.rstrip("/")
        try:
            token: dict[str, Any] = self.session.fetch_token(
                base + TOKEN_PATH,
                code=code,
                include_client_id=True,
                timeout=self.config.timeout_s,
                verify=_verify(self.config),
            )
        except OAuth2Error as exc:
            raise CellsAuthError(
                f"Cells refused the authorization code ({exc.error}); run login again",
                method="POST",
                path=TOKEN_PATH,
                status=exc.status_code or 400,
            ) from exc
        except RequestException as exc:
            raise CellsTransportError(f"cannot reach {base}: {type(exc).__name__}") from exc
        path = self.config.auth.token_file
        if path is None:
            raise ConfigError("cells.auth.token_file is required to store the OAuth2 token")
        write_token_file(path.expanduser(), token)
        return token


def begin_oauth2_login(config: CellsConfig) -> PendingLogin:
    """Build the authorization URL to print (client ``config.auth.client_id``, oob redirect)."""
    _allow_plain_http(config.url)
    base = config.url.rstrip("/")
    session = OAuth2Session(
        config.auth.client_id,
        redirect_uri=base + OOB_PATH,
        scope=OAUTH2_SCOPE,
        pkce="S256",
    )
    # Hydra wants a state of at least 8 characters (cells-v3-behaviour.md §2).
    state = secrets.token_urlsafe(24)
    url, state = session.authorization_url(base + AUTH_PATH, state=state)
    return PendingLogin(url=url, state=state, session=session, config=config)


def _code_from(pasted: str, state: str) -> str:
    if "code=" not in pasted:
        if not pasted:
            raise CellsAuthError(
                "no authorization code given", method="POST", path=TOKEN_PATH, status=400
            )
        return pasted
    query = parse_qs(urlsplit(pasted).query or pasted)
    got_state = query.get("state", [state])[0]
    if got_state != state:
        raise CellsAuthError(
            "the pasted redirect belongs to another login (state mismatch)",
            method="POST",
            path=TOKEN_PATH,
            status=400,
        )
    return query.get("code", [""])[0]


def _verify(config: CellsConfig) -> bool | str:
    if config.tls.ca_bundle is not None:
        return str(config.tls.ca_bundle)
    return config.tls.verify
