"""CellsClient against the emulator (a real HTTP server on loopback).

Token expiry under concurrency, rotation of refresh tokens, fault injection (503, 429,
dropped connections) and the no-duplicate guarantee of retried writes. Backoff waits are
recorded by an injected ``sleep`` instead of slept; nothing here asserts on timing.
"""

from __future__ import annotations

import io
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from requests_oauthlib import OAuth2Session

from migrate.cells.auth_session import INSECURE_TRANSPORT
from migrate.cells.client import CellsClient
from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.cells.login import LoginFlow
from migrate.cells.models import ACL, Group, Role, RootNode, User, Workspace
from migrate.cells.storage import DataSource
from migrate.config import AuthConfig, AuthMethod, CellsConfig, TlsConfig
from migrate.errors import CellsAuthError, MigrateError, ReadOnlyViolation
from migrate.redact import RedactingFilter, Redactor
from migrate.secret import Secret

pytestmark = pytest.mark.integration


class Sleeps:
    """Thread-safe recorder of the waits the retry layer asked for."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self._lock = threading.Lock()

    def __call__(self, seconds: float) -> None:
        with self._lock:
            self.waits.append(seconds)


@pytest.fixture
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=7, index_delay_s=0.0)) as server:
        yield server


def _pat_client(emu: EmulatorServer, **kw: Any) -> CellsClient:
    auth = AuthConfig(method=AuthMethod.PAT, token=Secret(emu.mint_pat("admin")))
    kw.setdefault("read_only", False)
    kw.setdefault("sleep", Sleeps())
    return CellsClient(CellsConfig(url=emu.url, auth=auth, concurrency=4), **kw)


def _oauth2_login(emu: EmulatorServer, token_file: Path) -> CellsConfig:
    """Run ``cells-migrate login --username admin``'s headless flow."""
    auth = AuthConfig(method=AuthMethod.OAUTH2, client_id="cells-client", token_file=token_file)
    config = CellsConfig(url=emu.url, auth=auth, concurrency=4)
    flow = LoginFlow(config)
    try:
        flow.headless("admin", "admin")
    finally:
        flow.close()
    return config


def _hammer(client: CellsClient, calls: int, threads: int) -> list[BaseException]:
    failures: list[BaseException] = []

    def one(i: int) -> None:
        try:
            if i % 2:
                client.get_role("ADMINS")
            else:
                client.list_datasources()
        except MigrateError as exc:
            failures.append(exc)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, range(calls)))
    return failures


def test_oauth2_refresh_under_four_threads(emu: EmulatorServer, tmp_path: Path) -> None:
    token_file = tmp_path / "token.json"
    emu.configure(token_ttl_s=1.0, latency_ms=20.0)
    config = _oauth2_login(emu, token_file)
    first_refresh = json.loads(token_file.read_text())["refresh_token"]
    with CellsClient(config, read_only=True, sleep=Sleeps()) as client:
        failures = _hammer(client, 500, 4)
    log = emu.requests()
    refreshes = [r for r in log if r["path"] == "/oidc/oauth2/token" and r["status"] == 200]
    refused = [r for r in log if r["path"] == "/oidc/oauth2/token" and r["status"] != 200]
    api_calls = [r for r in log if r["path"].startswith("/a/") and r["status"] == 200]
    assert failures == []
    assert len(api_calls) >= 500
    assert len(refreshes) >= 3  # 500 calls x 20 ms / 4 threads outlive several 1 s tokens
    assert refused == []  # no thread ever spent a rotated-out refresh token
    stored = json.loads(token_file.read_text())["refresh_token"]
    assert stored != first_refresh
    reuse = requests.post(
        emu.url + "/oidc/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": first_refresh,
            "client_id": "cells-client",
        },
        timeout=10,
    )
    assert reuse.status_code == 400  # the emulator refuses a used refresh token
    assert reuse.json()["error"] == "invalid_request"


def test_oauthlib_sees_plain_http_only_inside_its_own_token_request(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    """OAUTHLIB_INSECURE_TRANSPORT is set around requests-oauthlib's refresh alone (issue 14
    point 4: scoped, never process-wide for the run): the API calls never run with it, and
    login, calls, refresh and logout leave os.environ as they found it. The refresh is the
    OAuth2Session's: it holds the rotated token afterwards, as oauthlib parsed it."""
    before = dict(os.environ)
    token_file = tmp_path / "token.json"
    config = _oauth2_login(emu, token_file)
    first = json.loads(token_file.read_text())["refresh_token"]
    now = [time.time()]
    seen: list[tuple[str, bool]] = []

    def observe(resp: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        seen.append((resp.request.path_url, INSECURE_TRANSPORT in os.environ))
        return resp

    with CellsClient(config, read_only=True, clock=lambda: now[0]) as client:
        client.session.hooks["response"].append(observe)
        client.get_role("ADMINS")
        now[0] += 3600.0  # the token is due: the next call refreshes it first
        client.get_role("ADMINS")
        session = client.session
        held = dict(session.token)
    flow = LoginFlow(config)
    try:
        assert flow.logout()
    finally:
        flow.close()
    stored = json.loads(token_file.read_text()) if token_file.exists() else None
    assert seen == [
        ("/a/role/ADMINS", False),
        ("/oidc/oauth2/token", True),
        ("/a/role/ADMINS", False),
    ]
    assert dict(os.environ) == before
    assert isinstance(session, OAuth2Session)
    assert held["refresh_token"] not in (None, first)  # the rotated one Hydra answered
    assert held["scope"] == ["openid", "email", "profile", "pydio", "offline"]  # oauthlib's
    assert stored is None  # logout removed the file


def test_session_password_refresh_under_four_threads(emu: EmulatorServer) -> None:
    emu.configure(token_ttl_s=1.0, latency_ms=10.0)
    auth = AuthConfig(method=AuthMethod.PASSWORD, login="admin", password=Secret("admin"))
    config = CellsConfig(url=emu.url, auth=auth, concurrency=4)
    with CellsClient(config, read_only=True, sleep=Sleeps()) as client:
        failures = _hammer(client, 300, 4)
    sessions = [r for r in emu.requests() if r["path"] == "/a/frontend/session"]
    assert failures == []
    assert len(sessions) >= 2  # the login, then cookie refreshes
    assert all(r["status"] == 200 for r in sessions)


def test_a_refused_pat_is_final(emu: EmulatorServer) -> None:
    auth = AuthConfig(method=AuthMethod.PAT, token=Secret("not-a-token"))
    with (
        CellsClient(CellsConfig(url=emu.url, auth=auth), read_only=True) as client,
        pytest.raises(CellsAuthError) as refused,
    ):
        client.list_datasources()
    assert refused.value.status == 401
    assert len(emu.requests()) == 1  # no refresh and no retry of a 401


def test_read_only_client_sends_no_write(emu: EmulatorServer) -> None:
    with _pat_client(emu, read_only=True) as client:
        users, _ = client.search_people()  # a search done with POST is a read
        with pytest.raises(ReadOnlyViolation):
            client.put_role(Role(uuid="r", label="R"))
        with pytest.raises(ReadOnlyViolation):
            client.delete_acls(ACL(action="read", role_id="r", node_id="n"))
        with pytest.raises(ReadOnlyViolation):
            client.delete_user("admin")
    sent = [(r["method"], r["path"]) for r in emu.requests()]
    assert users
    assert sent == [("GET", "/a/config/discovery"), ("POST", "/a/user")]


def _workload(client: CellsClient, n: int) -> None:
    def one(i: int) -> None:
        role = client.put_role(Role(uuid=f"role-{i}", label=f"Role {i}"))
        client.put_user(
            User(
                login=f"user-{i}",
                attributes=(("profile", "standard"),),
                roles=(role.uuid,),
                password=Secret(f"Passw0rd-{i}"),
            )
        )
        ws = client.put_workspace(
            Workspace(
                uuid=f"ws-{i}",
                slug=f"ws-{i}",
                label=f"WS {i}",
                roots=(RootNode(uuid="my-files", path="my-files"),),
            )
        )
        client.put_acl(
            ACL(
                action="read",
                value="1",
                role_id=role.uuid,
                workspace_id=ws.uuid,
                node_id="my-files",
            )
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(one, range(n)))


def test_faults_retried_and_no_write_duplicated(emu: EmulatorServer) -> None:
    n = 40
    emu.configure(fault_rate=0.17, fault_mix=[("503", 10), ("429", 5), ("drop", 2)])
    sleeps = Sleeps()
    with _pat_client(emu, sleep=sleeps, retry_attempts=8) as client:
        _workload(client, n)
        emu.configure(fault_rate=0.17)
        reads = [client.get_user(f"user-{i}") for i in range(n)]
    state = emu.state()
    log = emu.requests()
    faults = [r for r in log if r["status"] in (0, 429, 503)]
    users = [u for u in _objects(state, "users") if str(u.get("Login", "")).startswith("user-")]
    acls = [a for a in _objects(state, "acls") if str(a.get("RoleID", "")).startswith("role-")]
    workspaces = [
        w for w in _objects(state, "workspaces") if str(w.get("Slug", "")).startswith("ws-")
    ]
    assert all(r is not None for r in reads)
    assert faults, "the emulator injected no fault: the test proves nothing"
    assert len(users) == n
    assert len(acls) == n
    assert len(workspaces) == n
    assert sleeps.waits  # backoff asked for waits, none was slept for real
    assert 1.0 in sleeps.waits  # a 429's Retry-After: 1 was honoured


def _objects(state: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    value = state.get(kind)
    if isinstance(value, dict):
        return [v for v in value.values() if isinstance(v, dict)]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def test_cells_v1_dex_password_grant() -> None:
    with EmulatorServer(EmulatorConfig(seed=3, version="1.6.2", token_ttl_s=2.0)) as v1:
        auth = AuthConfig(
            method=AuthMethod.PASSWORD,
            login="admin",
            password=Secret("admin"),
            client_id="cells-front",
            client_secret=Secret("front-secret"),
        )
        config = CellsConfig(url=v1.url, auth=auth)
        with CellsClient(config, read_only=True, sleep=Sleeps()) as client:
            version = client.server_version()
            datasources = client.list_datasources()
        grants = [r for r in v1.requests() if r["path"] == "/auth/dex/token"]
    assert version.major == 1
    assert not version.group_put_appends_label
    assert datasources
    assert [g["status"] for g in grants] == [200]


def test_tls_verification_off_warns_loudly(
    emu: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    auth = AuthConfig(method=AuthMethod.PAT, token=Secret(emu.mint_pat("admin")))
    config = CellsConfig(url=emu.url, auth=auth, tls=TlsConfig(verify=False))
    with caplog.at_level("WARNING"), CellsClient(config, read_only=True) as client:
        assert client.session.verify is False
    assert any(
        r.levelname == "WARNING" and "TLS VERIFICATION IS OFF" in r.getMessage()
        for r in caplog.records
    )


@contextmanager
def _debug_log(redactor: Redactor) -> Iterator[io.StringIO]:
    """Everything logged at DEBUG inside the block, through the CLI's redacting filter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter(redactor))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def test_debug_logs_carry_no_secret() -> None:
    """Everything logged at DEBUG (ours and urllib3's) goes through the redacting filter the
    CLI installs; no password or token survives it."""
    redactor = Redactor()
    auth = AuthConfig(method=AuthMethod.PASSWORD, login="admin", password=Secret("Adm1n-Secret-9"))
    with (
        _debug_log(redactor) as stream,
        EmulatorServer(EmulatorConfig(seed=5, admin_password="Adm1n-Secret-9")) as emu,
        CellsClient(
            CellsConfig(url=emu.url, auth=auth), read_only=False, redactor=redactor
        ) as client,
    ):
        client.put_user(
            User(
                login="carol",
                attributes=(("profile", "standard"),),
                password=Secret("Carol-Pass-42"),
            )
        )
        token = client.auth.access_token
    text = stream.getvalue()
    assert "PUT /a/user/carol -> 200" in text
    assert token
    assert token not in text
    assert "Carol-Pass-42" not in text
    assert "Adm1n-Secret-9" not in text
    assert '"PUT /a/user/carol HTTP/1.1" 200' in text  # urllib3's own line went through it


def test_debug_logs_of_a_login_and_a_refresh_carry_no_token(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    """requests-oauthlib logs whole token requests and answers at DEBUG (its refresh body,
    Hydra's answer, the code exchange); the redacting filter masks every token in them."""
    redactor = Redactor()
    token_file = tmp_path / "token.json"
    with _debug_log(redactor) as stream:
        config = _oauth2_login(emu, token_file)
        issued = json.loads(token_file.read_text())
        with CellsClient(config, read_only=True, redactor=redactor) as client:
            client.get_role("ADMINS")
            assert client.auth.refresh_after_401(client.auth.access_token)
            refreshed = dict(client.session.token)
    text = stream.getvalue()
    assert "Prepared refresh token request body" in text  # requests-oauthlib's own lines
    assert "Obtained token" in text
    for token in (issued, refreshed):
        for key in ("access_token", "refresh_token"):
            assert token[key] not in text


@pytest.mark.parametrize("version", ["3.0.9", "4.2.5"])
def test_group_paths_per_version(version: str) -> None:
    """v3 answers a group's parent path, v4 its full path; the client gives the full path
    for both and always sends the parent (the server appends the label)."""
    with EmulatorServer(EmulatorConfig(seed=9, version=version)) as server:
        with _pat_client(server) as client:
            top = client.put_group(Group(label="corp", path="/corp"))
            sales = client.put_group(Group(label="sales", path="/corp/sales"))
            again = client.put_group(Group(label="sales", path="/corp/sales"))
            below = client.search_groups("/corp")
            users_before = len(client.list_users())
            client.put_user(
                User(login="dan", group_path="/corp/sales", attributes=(("profile", "standard"),))
            )
            member = client.search_people([{"GroupPath": "/corp/sales", "NodeType": "USER"}])[0]
        groups = [g for g in _objects(server.state(), "groups")]
    assert client.server_version().major == int(version[0])
    assert (top.path, sales.path) == ("/corp", "/corp/sales")
    assert again.uuid == sales.uuid
    assert [g.path for g in below] == ["/corp/sales"]
    assert len(groups) == 2  # no nested duplicate such as /corp/sales/sales
    assert [u.login for u in member] == ["dan"]
    assert users_before >= 1


def test_datasource_ready_after_indexing(tmp_path: Path) -> None:
    """Create a structured datasource over a real folder, then a workspace on a sub-folder
    resolved through the admin tree once the datasource is ready."""
    legacy = tmp_path / "legacy" / "p8files"
    (legacy / "projects" / "2020").mkdir(parents=True)
    (legacy / "projects" / "2020" / "plan.txt").write_text("x")
    with (
        EmulatorServer(EmulatorConfig(seed=11, index_delay_s=0.0)) as server,
        _pat_client(server) as client,
    ):
        client.put_datasource(
            DataSource(
                name="p8files",
                storage_configuration=(("folder", str(legacy)), ("normalize", "false")),
            )
        )
        ready = client.datasource_ready("p8files", "projects/2020")
        folder = client.stat_node("p8files/projects/2020")
        assert folder is not None
        ws = client.put_workspace(
            Workspace(
                uuid="ws-2020",
                slug="projects-2020",
                label="Projects 2020",
                roots=(RootNode(uuid=folder.uuid, path=folder.path),),
            )
        )
        files = client.list_nodes("p8files", recursive=True)
        missing = client.stat_node("p8files/no-such-folder")
    assert ready is True
    assert ws.roots == (RootNode(uuid=folder.uuid, path="p8files/projects/2020"),)
    assert {n.path for n in files} >= {"p8files/projects/2020/plan.txt"}
    assert missing is None
