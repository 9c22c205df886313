"""The client against small misbehaving servers on loopback (issue 13 points 3-5).

Each server is a few lines of socket code in this file: one redirecting to another port,
one dripping bytes, one sending a huge body, one answering whitespace, a web server that is
not Cells, plain HTTP behind an ``https://`` URL. Nothing here sleeps or times anything: the
drip is paced by the client's own (injected) clock.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from migrate.cells.client import CellsClient
from migrate.config import AuthConfig, AuthMethod, CellsConfig
from migrate.errors import CellsError, CellsHTTPError, CellsRedirected, CellsTransportError
from migrate.secret import Secret

pytestmark = pytest.mark.integration
Handler = Callable[[socket.socket, bytes], None]


class Loopback:
    """A TCP server on 127.0.0.1 answering every connection with ``handler``; it records
    the requests it received (first bytes of each)."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.received: list[bytes] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            try:
                request = conn.recv(65536)
                if request:
                    self.received.append(request)
                    self.handler(conn, request)
            except OSError:
                pass  # the client gave up: that is the point of these servers

    def close(self) -> None:
        self.sock.close()


@contextmanager
def serving(handler: Handler) -> Iterator[Loopback]:
    server = Loopback(handler)
    try:
        yield server
    finally:
        server.close()


def _answer(status: str, body: bytes, *headers: str) -> Handler:
    def handle(conn: socket.socket, request: bytes) -> None:
        head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", *headers, "", ""]
        conn.sendall("\r\n".join(head).encode() + body)

    return handle


def _password(url: str, **kw: Any) -> CellsClient:
    auth = AuthConfig(method=AuthMethod.PASSWORD, login="admin", password=Secret("pw-123456"))
    return CellsClient(CellsConfig(url=url, auth=auth), read_only=True, retry_attempts=1, **kw)


def _pat(url: str, **kw: Any) -> CellsClient:
    auth = AuthConfig(method=AuthMethod.PAT, token=Secret("pat-abcdef"))
    config = CellsConfig(url=url, auth=auth, **kw.pop("config", {}))
    return CellsClient(config, read_only=True, retry_attempts=1, **kw)


def test_a_redirect_to_another_port_is_never_followed() -> None:
    with serving(_answer("200 OK", b'{"JWT":"x"}')) as elsewhere:
        target = f"{elsewhere.url}/a/frontend/session"
        redirect = _answer("307 Temporary Redirect", b"", f"Location: {target}")
        with serving(redirect) as cells:
            with _password(cells.url) as client, pytest.raises(CellsRedirected) as login:
                client.list_datasources()
            with _pat(cells.url) as client, pytest.raises(CellsRedirected) as call:
                client.list_datasources()
    assert elsewhere.received == []  # neither the password nor the token went there
    assert login.value.location == target
    assert f"set cells.url to {elsewhere.url}" in str(login.value)
    assert "pw-123456" not in str(login.value)
    assert call.value.location == target


def test_an_upgrade_to_https_is_named_not_followed() -> None:
    redirect = _answer("301 Moved Permanently", b"", "Location: https://127.0.0.1:1/a/user")
    with (
        serving(redirect) as cells,
        _pat(cells.url) as client,
        pytest.raises(CellsRedirected, match=r"set cells\.url to https://127\.0\.0\.1:1"),
    ):
        client.list_users()


def _dripping() -> tuple[Callable[[], float], Handler]:
    """A clock and a server that sends one byte each time the client looks at that clock;
    each read is far below any socket timeout, so only a whole-call deadline ends a call."""
    tick = threading.Semaphore(0)
    ticks = itertools.count()

    def clock() -> float:
        tick.release()
        return float(next(ticks))  # one second per look

    def drip(conn: socket.socket, request: bytes) -> None:
        for byte in itertools.islice(itertools.cycle(b"HTTP/1.1 200 OK\r\nX-Drip: a"), 10_000):
            if not tick.acquire(timeout=30):
                return
            conn.sendall(bytes([byte]))

    return clock, drip


def test_a_dripping_server_is_cut_at_the_deadline() -> None:
    clock, drip = _dripping()
    with serving(drip) as slow:
        client = _pat(slow.url, config={"timeout_s": 5.0}, monotonic=clock)
        with client, pytest.raises(CellsTransportError) as cut:
            client.list_datasources()
    assert "no complete answer within 5 s" in str(cut.value)


def _endless(declare: bool) -> Handler:
    def handle(conn: socket.socket, request: bytes) -> None:
        length = f"Content-Length: {400 * 1024 * 1024}\r\n" if declare else ""
        conn.sendall(f"HTTP/1.0 200 OK\r\n{length}Content-Type: application/json\r\n\r\n".encode())
        block = b"[" + b"0," * 32768
        for _ in range(400 * 16):  # up to 400 MB, unless the client hangs up first
            conn.sendall(block)

    return handle


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "undeclared"])
def test_a_huge_body_is_refused_at_the_cap(declared: bool) -> None:
    with serving(_endless(declared)) as huge:
        client = _pat(huge.url, config={"max_response_mb": 1.0})
        with client, pytest.raises(CellsError) as refused:
            client.list_datasources()
    assert "larger than cells.max_response_mb (1 MB)" in str(refused.value)
    assert "GET /a/config/datasource" in str(refused.value)


def _oauth2(url: str, tmp_path: Path, **kw: Any) -> CellsClient:
    """A client whose stored OAuth2 token is due: its first call is requests-oauthlib's
    refresh-token grant (``OAuth2Session.refresh_token``) at ``/oidc/oauth2/token``."""
    token_file = tmp_path / "token.json"
    stored = {"access_token": "acc-123456", "refresh_token": "ref-123456", "expires_at": 1000.0}
    token_file.write_text(json.dumps(stored), encoding="utf-8")
    auth = AuthConfig(method=AuthMethod.OAUTH2, token_file=token_file)
    config = CellsConfig(url=url, auth=auth, **kw.pop("config", {}))
    return CellsClient(config, read_only=True, retry_attempts=1, **kw)


def test_a_redirected_refresh_is_never_followed(tmp_path: Path) -> None:
    with serving(_answer("200 OK", b'{"access_token":"x"}')) as elsewhere:
        target = f"{elsewhere.url}/oidc/oauth2/token"
        redirect = _answer("307 Temporary Redirect", b"", f"Location: {target}")
        with (
            serving(redirect) as cells,
            _oauth2(cells.url, tmp_path) as client,
            pytest.raises(CellsRedirected) as refresh,
        ):
            client.list_datasources()
    assert elsewhere.received == []  # the refresh token never went there
    assert cells.received[0].startswith(b"POST /oidc/oauth2/token ")
    assert (refresh.value.path, refresh.value.location) == ("/oidc/oauth2/token", target)
    assert "ref-123456" not in str(refresh.value)


def test_a_huge_refresh_answer_is_refused_at_the_cap(tmp_path: Path) -> None:
    with (
        serving(_endless(False)) as huge,
        _oauth2(huge.url, tmp_path, config={"max_response_mb": 1.0}) as client,
        pytest.raises(CellsError) as refused,
    ):
        client.list_datasources()
    assert "larger than cells.max_response_mb (1 MB)" in str(refused.value)
    assert "POST /oidc/oauth2/token" in str(refused.value)


def test_a_dripping_refresh_is_cut_at_the_deadline(tmp_path: Path) -> None:
    clock, drip = _dripping()
    with serving(drip) as slow:
        client = _oauth2(slow.url, tmp_path, config={"timeout_s": 5.0}, monotonic=clock)
        with client, pytest.raises(CellsTransportError) as cut:
            client.list_datasources()
    assert "POST /oidc/oauth2/token: no complete answer within 5 s" in str(cut.value)


def test_a_whitespace_body_is_not_taken_as_empty_json() -> None:
    blank_body = _answer("200 OK", b"  \n", "Content-Type: application/json")
    with (
        serving(blank_body) as blank,
        _pat(blank.url) as client,
        pytest.raises(CellsHTTPError) as refused,
    ):
        client.list_datasources()
    assert "empty body where JSON was expected" in str(refused.value)
    assert "GET /a/config/datasource" in str(refused.value)


def _web_server(conn: socket.socket, request: bytes) -> None:
    page = b"<html><head><title>404 Not Found</title></head><body>nginx</body></html>"
    status = "501 Not Implemented" if request.startswith(b"POST") else "404 Not Found"
    head = f"HTTP/1.1 {status}\r\nServer: nginx/1.24\r\nContent-Type: text/html\r\n"
    conn.sendall(f"{head}Content-Length: {len(page)}\r\n\r\n".encode() + page)


def test_another_web_server_is_named_not_taken_for_a_wrong_password() -> None:
    with serving(_web_server) as other:
        with _password(other.url) as client, pytest.raises(CellsHTTPError) as login:
            client.list_datasources()
        with _pat(other.url) as client, pytest.raises(CellsHTTPError) as version:
            client.server_version()
        with _pat(other.url) as client, pytest.raises(CellsHTTPError) as probe:
            client.probe()
    for refused in (login, version, probe):
        text = str(refused.value)
        assert "is not a Cells server" in text
        assert "Server: nginx/1.24" in text
        assert "password" not in text
    assert "HTTP 501" in str(login.value)


def test_plain_http_behind_an_https_url_is_not_a_certificate_problem() -> None:
    with serving(_answer("404 Not Found", b"nope")) as plain:
        url = plain.url.replace("http://", "https://")
        with _pat(url) as client, pytest.raises(CellsError) as refused:
            client.list_datasources()
    assert "does not speak TLS" in str(refused.value)
    assert "use http://" in str(refused.value)
    assert "certificate" not in str(refused.value)


def test_nothing_listening_is_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"  # bound, never listening
    with _password(url) as client, pytest.raises(CellsTransportError) as refused:
        client.list_datasources()
    assert "connection refused" in str(refused.value)
    assert "password" not in str(refused.value)
