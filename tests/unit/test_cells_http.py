"""The status → exception table, the retry policy, the write classifier and the token file."""

from __future__ import annotations

import json
import socket
import stat
from pathlib import Path
from typing import Any

import pytest
from tenacity import RetryCallState

from migrate.cells.client import CellsClient
from migrate.cells.http import RetryPolicy, is_write
from migrate.cells.statuses import Reply, status_error
from migrate.cells.tokenfile import read_token_file, write_token_file
from migrate.config import AuthConfig, AuthMethod, CellsConfig
from migrate.errors import (
    CellsAuthError,
    CellsConflict,
    CellsHTTPError,
    CellsNotFound,
    CellsRateLimited,
    CellsTransportError,
    CellsUnavailable,
    ConfigError,
    ReadOnlyViolation,
)
from migrate.secret import Secret


def _response(
    status: int, body: str = "", headers: dict[str, str] | None = None, path: str = "/a/x"
) -> Reply:
    return Reply(method="GET", path=path, status=status, headers=headers or {}, body=body.encode())


@pytest.mark.parametrize(
    ("status", "kind", "transient"),
    [
        (401, CellsAuthError, False),
        (403, CellsAuthError, False),
        (404, CellsNotFound, False),
        (409, CellsConflict, False),
        (429, CellsRateLimited, True),
        (500, CellsHTTPError, False),
        (502, CellsUnavailable, True),
        (503, CellsUnavailable, True),
        (504, CellsUnavailable, True),
        (400, CellsHTTPError, False),
    ],
)
def test_status_table(status: int, kind: type[CellsHTTPError], transient: bool) -> None:
    error = status_error(_response(status, '{"Title":"t","Detail":"d"}'))
    assert type(error) is kind
    assert error.transient is transient
    assert (error.status, error.method, error.path) == (status, "GET", "/a/x")


def test_error_text_is_opaque_redacted_and_cut() -> None:
    body = json.dumps({"Title": "Login failed", "Detail": "Password=" + "p" * 10, "x": "y" * 900})
    error = status_error(_response(401, body, path="/a/frontend/session"))
    assert str(error).startswith("Login failed")
    assert "pppppppppp" not in str(error)
    assert len(error.body) <= 301
    plain = status_error(_response(401, "Unauthorized.", path="/a/user"))
    assert str(plain).startswith("Unauthorized.")


def test_retry_after_is_honoured() -> None:
    limited = status_error(_response(429, "", {"Retry-After": "7"}))
    assert isinstance(limited, CellsRateLimited)
    assert limited.retry_after == 7.0
    dated = status_error(_response(429, "", {"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}))
    assert isinstance(dated, CellsRateLimited)
    assert dated.retry_after is None


def _state(exc: BaseException, attempt: int) -> RetryCallState:
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    state.attempt_number = attempt
    state.set_exception((type(exc), exc, None))
    return state


def test_backoff_waits() -> None:
    policy = RetryPolicy(base_s=0.5, max_wait_s=30.0)
    limited = CellsRateLimited("slow down", retry_after=3.0, method="GET", path="/a", status=429)
    assert policy.wait(_state(limited, 1)) == 3.0
    huge = CellsRateLimited("slow down", retry_after=9999.0, method="GET", path="/a", status=429)
    assert policy.wait(_state(huge, 1)) == 120.0
    down = CellsUnavailable("down", method="GET", path="/a", status=503)
    waits = [policy.wait(_state(down, n)) for n in range(1, 8)]
    assert all(0.0 <= w <= 30.0 for w in waits)


@pytest.mark.parametrize(
    ("method", "path", "write"),
    [
        ("GET", "/a/config/datasource", False),
        ("POST", "/a/user", False),
        ("POST", "/a/acl", False),
        ("POST", "/a/tree/admin/stat", False),
        ("POST", "/a/jobs/user", False),
        ("POST", "/a/acl/bulk/delete", True),
        ("POST", "/a/config/datasource/p8", True),
        ("POST", "/a/user/alice", True),
        ("PUT", "/a/acl", True),
        ("DELETE", "/a/workspace/x", True),
        ("put", "/a/role/r", True),
    ],
)
def test_write_classifier(method: str, path: str, write: bool) -> None:
    assert is_write(method, path) is write


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _client(**kw: Any) -> CellsClient:
    url = f"http://127.0.0.1:{_closed_port()}"
    auth = AuthConfig(method=AuthMethod.PAT, token=Secret("pat-value"))
    return CellsClient(CellsConfig(url=url, auth=auth), **kw)


def test_read_only_refuses_before_connecting() -> None:
    sleeps: list[float] = []
    with _client(read_only=True, sleep=sleeps.append, retry_attempts=2) as client:
        with pytest.raises(ReadOnlyViolation):
            client.transport.call("PUT", "/a/role/r", body={"Uuid": "r", "Label": "R"})
        # a read does try to connect: the port is closed, so that is a transport error
        with pytest.raises(CellsTransportError):
            client.transport.call("POST", "/a/user", body={})
    assert len(sleeps) == 1  # the read was retried once (2 attempts), the write never sent


def test_token_file_is_private_and_atomic(tmp_path: Path) -> None:
    path = tmp_path / "dir" / "token.json"
    write_token_file(path, {"access_token": "a", "refresh_token": "r1", "junk": "x"})
    write_token_file(path, {"access_token": "b", "refresh_token": "r2", "expires_at": 5.0})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert read_token_file(path) == {"access_token": "b", "refresh_token": "r2", "expires_at": 5.0}
    assert sorted(p.name for p in path.parent.iterdir()) == ["token.json"]
    assert read_token_file(tmp_path / "missing.json") is None
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ConfigError, match="not JSON"):
        read_token_file(tmp_path / "bad.json")
