"""Session login/refresh and Hydra refresh-token rotation replayed from Cells 3.0.9."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from requests_oauthlib import OAuth2Session

from migrate.cells.client import CellsClient
from migrate.cells.login import OOB_PATH, authorization
from migrate.cells.password_auth import _session_token
from migrate.config import AuthConfig, AuthMethod, CellsConfig
from migrate.errors import CellsAuthError
from migrate.secret import Secret

pytestmark = pytest.mark.cassette
Replay = Callable[[str], Any]
BASE = "http://127.0.0.1:8080"
V3_CLOCK = 1795823700.0  # the recordings' time (ExpireTime 1795824298 = +600 s)


def _password_config(login: str, password: str) -> CellsConfig:
    auth = AuthConfig(method=AuthMethod.PASSWORD, login=login, password=Secret(password))
    return CellsConfig(url=BASE, auth=auth)


def test_session_login_then_cookie_refresh(replay: Replay) -> None:
    config = _password_config("admin", "<ADMIN_PASSWORD>")
    with replay("auth-session-login.yaml") as cassette:
        with CellsClient(config, read_only=True, clock=lambda: V3_CLOCK) as client:
            admin = client.get_user("admin")
            first = client.auth.access_token
            assert client.auth.refresh_after_401(first) is True
            second = client.auth.access_token
            assert client.auth.refresh_after_401(second) is True
            third = client.auth.access_token
            cookies = {c.name for c in client.session.cookies}
        assert cassette.play_count == 4  # login, GET, refresh, refresh
    assert admin is not None
    assert admin.profile == "admin"
    assert (first, second, third) == ("<ACCESS_TOKEN_1>", "<ACCESS_TOKEN_2>", "<ACCESS_TOKEN_3>")
    assert "pydio" in cookies  # the refresh token lives in this cookie session


def test_a_thread_that_waited_does_not_refresh_again(replay: Replay) -> None:
    config = _password_config("admin", "<ADMIN_PASSWORD>")
    with replay("auth-session-login.yaml") as cassette:
        with CellsClient(config, read_only=True, clock=lambda: V3_CLOCK) as client:
            client.get_user("admin")
            stale = client.auth.access_token
            assert client.auth.refresh_after_401(stale)
            # A second thread whose request also carried the stale token: no new refresh.
            assert client.auth.refresh_after_401(stale)
            assert client.auth.access_token == "<ACCESS_TOKEN_2>"
        assert cassette.play_count == 3


def test_wrong_password_is_an_auth_error_without_the_password(replay: Replay) -> None:
    config = _password_config("rec-auth-user", "wrong")
    with replay("auth-session-login.yaml") as cassette:
        with (
            CellsClient(config, read_only=True) as client,
            pytest.raises(CellsAuthError) as refused,
        ):
            client.list_datasources()
        assert cassette.play_count == 1  # never retried: 10 failures lock the user
    assert "wrong" not in str(refused.value)
    assert refused.value.subject == "user:rec-auth-user"


def test_session_answers_parse() -> None:
    assert _session_token({}, 0.0) is None  # AuthInfo without type answered 200 {}
    token = _session_token({"JWT": "t", "ExpireTime": 1795824298}, 1795823700.0)
    assert token == {"access_token": "t", "token_type": "Bearer", "expires_at": 1795824298.0}
    v1 = _session_token({"JWT": "t", "ExpireTime": 600}, 1000.0)  # v1: a duration
    assert v1 is not None
    assert v1["expires_at"] == 1600.0


def test_oauth2_refresh_rotates_and_persists(replay: Replay, tmp_path: Path) -> None:
    token_file = tmp_path / "cfg" / "token.json"
    token_file.parent.mkdir()
    token_file.write_text(
        json.dumps(
            {
                "access_token": "<ACCESS_TOKEN_1>",
                "refresh_token": "<REFRESH_TOKEN_1>",
                "token_type": "bearer",
                "expires_at": 1000.0,  # long expired: the first call must refresh
            }
        )
    )
    auth = AuthConfig(method=AuthMethod.OAUTH2, client_id="cells-client", token_file=token_file)
    config = CellsConfig(url=BASE, auth=auth)
    with replay("auth-oauth2-hydra.yaml") as cassette:
        with CellsClient(config, read_only=True) as client:
            admin = client.get_user("admin")
        assert cassette.play_count == 2  # the refresh grant, then the call
    stored = json.loads(token_file.read_text())
    assert admin is not None
    assert stored["refresh_token"] == "<REFRESH_TOKEN_2>"
    assert stored["access_token"] == "<ACCESS_TOKEN_2>"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert list(token_file.parent.iterdir()) == [token_file]  # no temp file left


def test_oauth2_refresh_is_the_oauth2_sessions_own(replay: Replay, tmp_path: Path) -> None:
    """The refresh-token grant is ``OAuth2Session.refresh_token``: after the recorded
    rotation the session holds Hydra's new token as oauthlib parsed it (the scope as a
    list), and the auth flow's bearer is that token."""
    token_file = tmp_path / "token.json"
    stale = {"access_token": "<ACCESS_TOKEN_1>", "refresh_token": "<REFRESH_TOKEN_1>"}
    token_file.write_text(json.dumps({**stale, "token_type": "bearer", "expires_at": 1000.0}))
    auth = AuthConfig(method=AuthMethod.OAUTH2, client_id="cells-client", token_file=token_file)
    with (
        replay("auth-oauth2-hydra.yaml"),
        CellsClient(CellsConfig(url=BASE, auth=auth), read_only=True) as client,
    ):
        client.get_user("admin")
        session, held, bearer = client.session, dict(client.session.token), client.auth.access_token
    assert isinstance(session, OAuth2Session)
    assert held["access_token"] == "<ACCESS_TOKEN_2>"
    assert held["refresh_token"] == "<REFRESH_TOKEN_2>"
    assert held["scope"] == ["openid", "email", "profile", "pydio", "offline"]
    assert bearer == "<ACCESS_TOKEN_2>"


def test_oauth2_authorization_url_for_oob_copy_paste(tmp_path: Path) -> None:
    pending = authorization(BASE, "cells-client", BASE + OOB_PATH)
    url = urlsplit(pending.url)
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert url.path == "/oidc/oauth2/auth"
    assert query["client_id"] == "cells-client"
    assert query["redirect_uri"] == BASE + "/oauth2/oob"
    assert query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256"
    assert set(query["scope"].split()) == {"openid", "email", "profile", "pydio", "offline"}
    assert len(query["state"]) >= 8
