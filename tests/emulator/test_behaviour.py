"""The emulator over real HTTP: tokens, faults, latency, indexing, write guard, control API."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from tests.emulator.emulator_replay import FakeClock

pytestmark = pytest.mark.integration
REDIRECT = "http://localhost:3000/servers/callback"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emu(clock: FakeClock) -> Iterator[EmulatorServer]:
    with EmulatorServer(
        EmulatorConfig(index_delay_s=5.0, token_ttl_s=60.0, seed=3), clock=clock
    ) as e:
        yield e


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _auth_code_tokens(emu: EmulatorServer) -> dict[str, str]:
    """The headless Hydra flow of auth-oauth2-hydra.yaml, with PKCE S256."""
    verifier = secrets.token_urlsafe(32)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    params = {
        "response_type": "code",
        "client_id": "cells-client",
        "redirect_uri": REDIRECT,
        "scope": "openid email profile pydio offline",
        "state": "state-123456",
        "code_challenge": challenge.decode(),
        "code_challenge_method": "S256",
    }
    auth = requests.get(
        f"{emu.url}/oidc/oauth2/auth", params=params, allow_redirects=False, timeout=5
    )
    assert auth.status_code == 302
    login_challenge = parse_qs(urlsplit(auth.headers["Location"]).query)["login_challenge"][0]
    info = {
        "login": "admin",
        "password": "admin",
        "challenge": login_challenge,
        "type": "credentials",
    }
    session = requests.post(f"{emu.url}/a/frontend/session", json={"AuthInfo": info}, timeout=5)
    redirect = session.json()["RedirectTo"]
    query = parse_qs(urlsplit(redirect).query)
    assert query["state"] == ["state-123456"]
    form = {
        "grant_type": "authorization_code",
        "client_id": "cells-client",
        "code": query["code"][0],
        "code_verifier": verifier,
        "redirect_uri": REDIRECT,
    }
    token = requests.post(f"{emu.url}/oidc/oauth2/token", data=form, timeout=5)
    assert token.status_code == 200, token.text
    return dict(token.json(), code=query["code"][0], verifier=verifier)


def _refresh(emu: EmulatorServer, refresh_token: str) -> requests.Response:
    form = {
        "grant_type": "refresh_token",
        "client_id": "cells-client",
        "refresh_token": refresh_token,
    }
    return requests.post(f"{emu.url}/oidc/oauth2/token", data=form, timeout=5)


def test_refresh_tokens_rotate_and_a_used_one_is_refused(emu: EmulatorServer) -> None:
    first = _auth_code_tokens(emu)
    assert requests.get(
        f"{emu.url}/a/user/admin", headers=_bearer(first["access_token"]), timeout=5
    ).ok

    second = _refresh(emu, first["refresh_token"])
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]

    reused = _refresh(emu, first["refresh_token"])
    # auth-oauth2-hydra.yaml: Hydra 3.0.9 answers invalid_request here (not invalid_grant).
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_request")
    old_access = requests.get(
        f"{emu.url}/a/user/admin", headers=_bearer(first["access_token"]), timeout=5
    )
    assert (old_access.status_code, old_access.text) == (401, "Unauthorized.")
    assert _refresh(emu, second.json()["refresh_token"]).status_code == 200


def test_an_authorization_code_works_once(emu: EmulatorServer) -> None:
    first = _auth_code_tokens(emu)
    form = {
        "grant_type": "authorization_code",
        "client_id": "cells-client",
        "code": first["code"],
        "code_verifier": first["verifier"],
        "redirect_uri": REDIRECT,
    }
    again = requests.post(f"{emu.url}/oidc/oauth2/token", data=form, timeout=5)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


def test_tokens_expire_after_the_ttl(emu: EmulatorServer, clock: FakeClock) -> None:
    session = requests.post(
        f"{emu.url}/a/frontend/session",
        json={"AuthInfo": {"login": "admin", "password": "admin", "type": "credentials"}},
        timeout=5,
    )
    jwt = session.json()["JWT"]
    pat = emu.mint_pat("admin", ttl_s=120.0)
    assert (
        requests.get(f"{emu.url}/a/config/ctl", headers=_bearer(jwt), timeout=5).status_code == 200
    )
    clock.advance(61.0)
    expired = requests.get(f"{emu.url}/a/config/ctl", headers=_bearer(jwt), timeout=5)
    assert (expired.status_code, expired.text) == (401, "Unauthorized.")
    assert (
        requests.get(f"{emu.url}/a/config/ctl", headers=_bearer(pat), timeout=5).status_code == 200
    )
    missing = requests.get(f"{emu.url}/a/config/ctl", timeout=5)
    assert (missing.status_code, missing.text) == (401, "Unauthorized")


def test_session_refresh_revokes_the_previous_access_token(emu: EmulatorServer) -> None:
    http = requests.Session()
    body = {"AuthInfo": {"login": "admin", "password": "admin", "type": "credentials"}}
    first = http.post(f"{emu.url}/a/frontend/session", json=body, timeout=5).json()["JWT"]
    second = http.post(
        f"{emu.url}/a/frontend/session", json={"AuthInfo": {"type": "refresh"}}, timeout=5
    ).json()["JWT"]
    assert (
        requests.get(f"{emu.url}/a/user/admin", headers=_bearer(first), timeout=5).status_code
        == 401
    )
    assert (
        requests.get(f"{emu.url}/a/user/admin", headers=_bearer(second), timeout=5).status_code
        == 200
    )
    no_cookie = requests.post(
        f"{emu.url}/a/frontend/session", json={"AuthInfo": {"type": "refresh"}}, timeout=5
    )
    assert (no_cookie.status_code, no_cookie.json()["Title"]) == (401, "No refresh token")


def test_status_faults_apply_under_a_only(emu: EmulatorServer) -> None:
    token = emu.mint_pat("admin")
    emu.configure(fault_rate=1.0, fault_mix=(("429", 1),))
    answer = requests.get(f"{emu.url}/a/user/admin", headers=_bearer(token), timeout=5)
    assert (answer.status_code, answer.headers["Retry-After"]) == (429, "1")
    emu.configure(fault_mix=(("503", 1),))
    assert (
        requests.get(f"{emu.url}/a/user/admin", headers=_bearer(token), timeout=5).status_code
        == 503
    )
    assert requests.get(f"{emu.url}/_emulator/state", timeout=5).status_code == 200
    emu.configure(fault_rate=0.0)
    assert (
        requests.get(f"{emu.url}/a/user/admin", headers=_bearer(token), timeout=5).status_code
        == 200
    )
    assert [r["status"] for r in emu.requests()] == [429, 503, 200]


def test_dropped_writes_are_applied_about_half_the_time(emu: EmulatorServer) -> None:
    token = emu.mint_pat("admin")
    emu.configure(fault_rate=1.0, fault_mix=(("drop", 1),))
    dropped = 0
    for i in range(40):
        body = {"Uuid": f"drop-{i}", "Label": f"drop {i}"}
        try:
            requests.put(f"{emu.url}/a/role/drop-{i}", json=body, headers=_bearer(token), timeout=5)
        except requests.ConnectionError:
            dropped += 1
    emu.configure(fault_rate=0.0)
    applied = [r for r in emu.state()["roles"] if r["Uuid"].startswith("drop-")]
    assert dropped == 40
    assert 5 <= len(applied) <= 35  # seeded coin: some writes landed before the drop


def test_latency_is_slept_per_request(clock: FakeClock) -> None:
    slept: list[float] = []
    config = EmulatorConfig(latency_ms=250.0)
    with EmulatorServer(config, clock=clock, sleep=slept.append) as emu:
        token = emu.mint_pat("admin")
        requests.get(f"{emu.url}/a/user/admin", headers=_bearer(token), timeout=5)
        emu.configure(latency_ms=0.0)
        requests.get(f"{emu.url}/a/user/admin", headers=_bearer(token), timeout=5)
    assert slept == [0.25]


def _listing(root: Path) -> list[tuple[str, int, int]]:
    out = []
    for base, dirs, files in os.walk(root):
        for name in sorted(dirs + files):
            st = os.stat(os.path.join(base, name))
            out.append(
                (os.path.relpath(os.path.join(base, name), root), st.st_size, st.st_mtime_ns)
            )
    return sorted(out)


def test_datasource_is_indexed_only_after_the_delay_and_its_folder_is_untouched(
    emu: EmulatorServer, clock: FakeClock, tmp_path: Path
) -> None:
    folder = tmp_path / "legacy" / "files"
    (folder / "Projects" / "2020").mkdir(parents=True)
    (folder / "Projects" / "2020" / "plan.txt").write_text("plan")
    (folder / "readme.txt").write_text("hello")
    before = _listing(tmp_path)
    http = requests.Session()
    http.headers.update(_bearer(emu.mint_pat("admin")))
    body = {
        "Name": "legacyds",
        "StorageType": "LOCAL",
        "FlatStorage": False,
        "StorageConfiguration": {"folder": str(folder), "normalize": "false"},
    }
    created = http.post(f"{emu.url}/a/config/datasource/legacyds", json=body, timeout=5)
    assert created.status_code == 200, created.text

    def stat() -> int:
        node = {"Node": {"Path": "legacyds/Projects/2020"}}
        return http.post(f"{emu.url}/a/tree/admin/stat", json=node, timeout=5).status_code

    def task() -> str:
        query = {
            "Owner": "*",
            "JobIDs": ["resync-ds-legacyds"],
            "LoadTasks": "Any",
            "TasksLimit": 1,
        }
        jobs = http.post(f"{emu.url}/a/jobs/user", json=query, timeout=5).json()
        return str(jobs["Jobs"][0]["Tasks"][0]["Status"])

    assert (stat(), task()) == (500, "Running")
    clock.advance(5.0)
    assert (stat(), task()) == (200, "Running")
    clock.advance(5.0)
    assert (stat(), task()) == (200, "Finished")
    listed = http.post(
        f"{emu.url}/a/tree/admin/list",
        json={"Node": {"Path": "legacyds"}, "Recursive": True},
        timeout=5,
    ).json()
    assert sorted(c["Path"] for c in listed["Children"]) == [
        "legacyds/Projects",
        "legacyds/Projects/2020",
        "legacyds/Projects/2020/plan.txt",
        "legacyds/readme.txt",
    ]
    assert _listing(tmp_path) == before


def test_missing_datasource_stat_answers_like_cells(emu: EmulatorServer) -> None:
    http = requests.Session()
    http.headers.update(_bearer(emu.mint_pat("admin")))
    answer = http.post(f"{emu.url}/a/tree/admin/stat", json={"Node": {"Path": "nods"}}, timeout=5)
    assert (answer.status_code, answer.json()["Title"]) == (500, "Could not find DataSource nods")


def test_forbid_writes_refuses_writes_and_records_them(emu: EmulatorServer) -> None:
    http = requests.Session()
    http.headers.update(_bearer(emu.mint_pat("admin")))
    emu.configure(forbid_writes=True)
    refused = http.put(f"{emu.url}/a/role/r1", json={"Uuid": "r1", "Label": "r1"}, timeout=5)
    search = http.post(f"{emu.url}/a/role", json={}, timeout=5)
    assert (refused.status_code, refused.json()["Title"]) == (500, "write forbidden by test")
    assert search.status_code == 200
    assert emu.requests() == [
        {"method": "PUT", "path": "/a/role/r1", "status": 500},
        {"method": "POST", "path": "/a/role", "status": 200},
    ]
    assert all(r["Uuid"] != "r1" for r in emu.state()["roles"])


def test_control_api_state_reset_and_pat(emu: EmulatorServer) -> None:
    pat = requests.post(f"{emu.url}/_emulator/pat", json={"login": "admin"}, timeout=5).json()[
        "token"
    ]
    http = requests.Session()
    http.headers.update(_bearer(pat))
    fresh = requests.get(f"{emu.url}/_emulator/state", timeout=5).json()
    assert http.put(f"{emu.url}/a/role/r1", json={"Uuid": "r1", "Label": "r1"}, timeout=5).ok
    changed = emu.state()
    assert "r1" in [r["Uuid"] for r in changed["roles"]]
    assert requests.post(f"{emu.url}/_emulator/reset", timeout=5).json() == {"ok": True}
    assert emu.state() == emu.state()
    assert [r["Uuid"] for r in emu.state()["roles"]].count("r1") == 0
    assert {w["Slug"] for w in fresh["workspaces"]} == {"personal-files", "common-files"}
    assert "token" not in str(fresh).lower()


def test_duplicate_acl_answers_500_at_once(emu: EmulatorServer) -> None:
    http = requests.Session()
    http.headers.update(_bearer(emu.mint_pat("admin")))
    acl = {
        "Action": {"Name": "read", "Value": "1"},
        "RoleID": "ROOT_GROUP",
        "WorkspaceID": "ws1",
        "NodeID": "DATASOURCE:pydiods1",
    }
    assert http.put(f"{emu.url}/a/acl", json=acl, timeout=5).status_code == 200
    again = http.put(f"{emu.url}/a/acl", json=acl, timeout=5)
    assert (again.status_code, again.json()["Title"]) == (500, "DAO error received")


def test_discovery_reports_the_configured_version(clock: FakeClock) -> None:
    with EmulatorServer(EmulatorConfig(version="4.4.0"), clock=clock) as emu:
        anonymous = requests.get(f"{emu.url}/a/config/discovery", timeout=5).json()
        logged = requests.get(
            f"{emu.url}/a/config/discovery", headers=_bearer(emu.mint_pat("admin")), timeout=5
        ).json()
    assert "Version" not in anonymous
    assert logged["Version"] == "4.4.0"


def test_revoke_ends_a_token(emu: EmulatorServer) -> None:
    token = emu.mint_pat("admin")
    assert requests.post(
        f"{emu.url}/a/auth/token/revoke", json={}, headers=_bearer(token), timeout=5
    ).ok
    assert (
        requests.get(f"{emu.url}/a/user/admin", headers=_bearer(token), timeout=5).status_code
        == 401
    )


def test_concurrent_creates_of_one_login_make_one_user(emu: EmulatorServer) -> None:
    token = emu.mint_pat("admin")
    body = {"Login": "same", "Password": "x", "Attributes": {"profile": "standard"}}

    def put(_: int) -> int:
        return requests.put(
            f"{emu.url}/a/user/same", json=body, headers=_bearer(token), timeout=5
        ).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(put, range(8)))
    assert statuses == [200] + [403] * 7
    assert [u["Login"] for u in emu.state()["users"]].count("same") == 1


def test_v1_dex_password_grant_gives_a_bearer_id_token(clock: FakeClock) -> None:
    with EmulatorServer(EmulatorConfig(version="1.6.2"), clock=clock) as emu:
        form = {
            "grant_type": "password",
            "username": "admin",
            "password": "admin",
            "scope": "email profile pydio",
            "nonce": "n",
        }
        answer = requests.post(f"{emu.url}/auth/dex/token", data=form, timeout=5).json()
        bad = requests.post(f"{emu.url}/auth/dex/token", data=dict(form, password="x"), timeout=5)
        ok = requests.get(f"{emu.url}/a/user/admin", headers=_bearer(answer["id_token"]), timeout=5)
    assert ok.status_code == 200
    assert (bad.status_code, bad.json()["error"]) == (403, "access_denied")


def test_serve_runs_until_interrupted() -> None:
    code = (
        "from migrate.cells.emulator import EmulatorConfig, serve\n"
        "serve(EmulatorConfig(), ready=lambda u: print(u, flush=True))\n"
    )
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().strip()
            answer = requests.get(f"{url}/a/config/discovery", timeout=5)
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=20) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
    assert "Endpoints" in answer.json()


def test_same_seed_and_requests_give_the_same_state(clock: FakeClock, tmp_path: Path) -> None:
    def run() -> dict[str, object]:
        with EmulatorServer(EmulatorConfig(seed=11, index_delay_s=0.0), clock=clock) as emu:
            http = requests.Session()
            http.headers.update(_bearer(emu.mint_pat("admin")))
            http.put(f"{emu.url}/a/user/zed", json={"Login": "zed", "Attributes": {}}, timeout=5)
            http.put(f"{emu.url}/a/user/amy", json={"Login": "amy", "Attributes": {}}, timeout=5)
            body = {"Slug": "w", "Label": "w", "RootNodes": {"my-files": {"Uuid": "my-files"}}}
            http.put(f"{emu.url}/a/workspace/w", json=body, timeout=5)
            return emu.state()

    first, second = run(), run()
    assert first == second
    assert [u["Login"] for u in first["users"]] == ["admin", "amy", "pydio.anon.user", "zed"]  # type: ignore[attr-defined]


def test_data_dir_gives_common_files_content_without_writing(
    clock: FakeClock, tmp_path: Path
) -> None:
    (tmp_path / "pydiods1" / "projects").mkdir(parents=True)
    (tmp_path / "pydiods1" / "projects" / "a.txt").write_text("a")
    before = _listing(tmp_path)
    with EmulatorServer(EmulatorConfig(data_dir=str(tmp_path)), clock=clock) as emu:
        http = requests.Session()
        http.headers.update(_bearer(emu.mint_pat("admin")))
        stats = http.post(
            f"{emu.url}/a/tree/stats",
            json={"NodePaths": ["common-files/projects/a.txt"]},
            timeout=5,
        ).json()
    assert [n["Path"] for n in stats["Nodes"]] == ["common-files/projects/a.txt"]
    assert _listing(tmp_path) == before


def test_a_request_cut_short_by_a_dying_client_is_not_acted_on(emu: EmulatorServer) -> None:
    """A killed apply can leave a PUT whose body never fully arrived: read as ``{}`` it would
    store an empty ACL that no REST call can remove (issue 12's crash test found one)."""
    token = emu.mint_pat("admin")
    host, port = urlsplit(emu.url).hostname or "", urlsplit(emu.url).port or 0
    before = emu.state()["acls"]
    body = b'{"Action": {"Name": "read", "Value": "1"}, "RoleID": "r", "NodeID": "n"}'
    head = (
        f"PUT /a/acl HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body) + 50}\r\n\r\n"
    )
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(head.encode() + body)
        sock.shutdown(socket.SHUT_WR)  # the client is gone: the rest never comes
        assert sock.recv(1024) == b""  # no answer at all
    assert emu.state()["acls"] == before
    assert [r for r in emu.requests() if r["path"] == "/a/acl"] == []
