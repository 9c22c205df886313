"""Logins, refreshes and tokens against the emulator: causes named, faults retried, PAT
files re-read, a refused token fatal (issue 13 points 1, 4, 6)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migrate.cells.client import CellsClient
from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.cells.login import LoginFlow
from migrate.config import AuthConfig, AuthMethod, CellsConfig
from migrate.errors import CellsCredentialsRefused, CellsUnavailable
from migrate.secret import Secret

pytestmark = pytest.mark.integration


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=11, index_delay_s=0.0)) as server:
        yield server


ADMIN_PASSWORD = "admin"  # the emulator's default


def _password(emu: EmulatorServer, password: str = ADMIN_PASSWORD, **kw: Any) -> CellsClient:
    auth = AuthConfig(method=AuthMethod.PASSWORD, login="admin", password=Secret(password))
    config = CellsConfig(url=emu.url, auth=auth)
    return CellsClient(config, read_only=True, sleep=Sleeps(), **kw)


def _sessions(emu: EmulatorServer) -> list[int]:
    return [r["status"] for r in emu.requests() if r["path"] == "/a/frontend/session"]


def test_faults_at_login_are_retried_never_called_a_wrong_password(emu: EmulatorServer) -> None:
    emu.configure(fault_rate=0.3)
    refused: list[Exception] = []
    for _ in range(25):  # 25 fresh commands, each logging in once
        with _password(emu) as client:
            try:
                client.list_datasources()
            except CellsCredentialsRefused as exc:
                refused.append(exc)
    statuses = _sessions(emu)
    assert refused == []
    assert any(s != 200 for s in statuses)  # faults did hit the login
    assert statuses.count(200) == 25


def test_a_login_that_keeps_failing_says_cells_is_unavailable(emu: EmulatorServer) -> None:
    emu.configure(fault_rate=1.0, fault_mix=[("503", 1)])
    with _password(emu, retry_attempts=3) as client, pytest.raises(CellsUnavailable) as down:
        client.list_datasources()
    assert _sessions(emu) == [503, 503, 503]
    assert "password" not in str(down.value)
    assert "HTTP 503" in str(down.value)


def test_a_wrong_password_is_sent_once_and_warns_of_the_lockout(emu: EmulatorServer) -> None:
    with _password(emu, "wrong-pw") as client, pytest.raises(CellsCredentialsRefused) as wrong:
        client.list_datasources()
    assert _sessions(emu) == [401]
    assert "locks an account after 10 failures" in str(wrong.value)
    assert "wrong-pw" not in str(wrong.value)


def test_a_locked_account_is_named_as_locked(emu: EmulatorServer) -> None:
    for _ in range(10):
        with _password(emu, "wrong-pw") as client, pytest.raises(CellsCredentialsRefused):
            client.list_datasources()
    with _password(emu) as client, pytest.raises(CellsCredentialsRefused) as locked:
        client.list_datasources()
    assert "is locked" in str(locked.value)
    assert "an admin must unlock it" in str(locked.value)


def test_a_pat_file_is_reread_when_it_changes(emu: EmulatorServer, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(emu.mint_pat("admin") + "\n", encoding="utf-8")
    token_file.chmod(0o600)
    auth = AuthConfig(method=AuthMethod.PAT, token_file=token_file)
    with CellsClient(CellsConfig(url=emu.url, auth=auth), read_only=True) as client:
        client.list_datasources()
        first = client.auth.access_token
        _revoke(emu, first)
        token_file.write_text(emu.mint_pat("admin"), encoding="utf-8")  # renewed mid-run
        client.list_datasources()
        second = client.auth.access_token
        _revoke(emu, second)  # revoked and not renewed: fatal
        with pytest.raises(CellsCredentialsRefused) as refused:
            client.list_datasources()
    assert first != second
    assert refused.value.fatal
    assert "cells admin user token" in str(refused.value)
    assert f"put it in {token_file}" in str(refused.value)


def _revoke(emu: EmulatorServer, token: str | None) -> None:
    assert token is not None
    emu.auth.tokens[token].revoked = True


def test_a_pat_file_others_can_read_is_reported(
    emu: EmulatorServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(emu.mint_pat("admin"), encoding="utf-8")
    token_file.chmod(0o644)
    auth = AuthConfig(method=AuthMethod.PAT, token_file=token_file)
    with CellsClient(CellsConfig(url=emu.url, auth=auth), read_only=True) as client:
        client.list_datasources()
    assert f"chmod 600 {token_file}" in caplog.text


def test_the_account_behind_every_method_is_known(emu: EmulatorServer, tmp_path: Path) -> None:
    pat = AuthConfig(method=AuthMethod.PAT, token=Secret(emu.mint_pat("admin")))
    with CellsClient(CellsConfig(url=emu.url, auth=pat), read_only=True) as client:
        assert client.account() == "admin"
    with _password(emu) as client:
        assert client.account() == "admin"
    token_file = tmp_path / "oauth2.json"
    oauth2 = AuthConfig(method=AuthMethod.OAUTH2, token_file=token_file)
    config = CellsConfig(url=emu.url, auth=oauth2)
    flow = LoginFlow(config)
    flow.headless("admin", "admin")
    flow.close()
    with CellsClient(config, read_only=True) as client:
        assert client.account() == "admin"


def test_a_rotated_out_refresh_token_says_log_in_again(emu: EmulatorServer, tmp_path: Path) -> None:
    token_file = tmp_path / "oauth2.json"
    config = CellsConfig(
        url=emu.url, auth=AuthConfig(method=AuthMethod.OAUTH2, token_file=token_file)
    )
    flow = LoginFlow(config)
    flow.headless("admin", "admin")
    flow.close()
    copy = token_file.read_text(encoding="utf-8")
    with CellsClient(config, read_only=True) as client:
        client.list_datasources()
        assert client.auth.refresh_after_401(client.auth.access_token)  # rotates the file
    token_file.write_text(copy, encoding="utf-8")  # an old copy of the token file
    stale = json.loads(copy)
    _revoke(emu, stale["access_token"])
    with (
        CellsClient(config, read_only=True) as client,
        pytest.raises(CellsCredentialsRefused) as old,
    ):
        client.list_datasources()
    assert "run `cells-migrate login` again" in str(old.value)
    assert "invalid_request" in str(old.value)
