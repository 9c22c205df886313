"""Connecting to Cells from the command line (issue 13): the README quickstart verbatim with a
PAT file, ``login`` (headless, browser redirect, pasted code) and ``logout``, a PAT revoked
in the middle of an apply, and the account the tool logs in with left alone."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from migrate import commands
from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.cli import main
from migrate.commands import ApplyOptions, Hooks
from migrate.config import load_config
from migrate.errors import CellsCredentialsRefused
from migrate.mapping.desired import NodeKind
from migrate.sample import InstallSpec, build_install

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "data" / "pydio8-sqlite"
SPEC = InstallSpec(users=8, groups=2, roles=2, teams=1, workspaces=4, rights=12, real_hashes=2)


def _install(root: Path) -> Path:
    """A legacy install whose data is "already copied to the Cells host" (the quickstart's
    premise): a built Pydio 8 on SQLite, with every folder its workspaces point at."""
    built = build_install(root, dialect="sqlite", spec=SPEC)
    return built.root


def _make_folders(config: Path) -> None:
    desired = commands.desired(load_config(config, {})).desired
    folders = {d.name: Path(d.folder) for d in desired.datasources if d.folder}
    targets = set(folders.values())
    nodes = [n for w in desired.workspaces for n in w.root_nodes] + [a.node for a in desired.acls]
    for node in nodes:
        name, _, sub = node.path.partition("/")
        if node.kind is NodeKind.FOLDER and name in folders:
            targets.add(folders[name] / sub)
    for target in targets:
        target.mkdir(parents=True, exist_ok=True)


def _run(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["-q", *argv], env=env or {}, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _quickstart() -> tuple[str, list[list[str]]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"## Quickstart on a real install\n(.*?)\n## ", text, re.S)
    assert found, "README.md lacks its quickstart"
    block = found.group(1)
    config = re.search(r"cat > cells-migrate\.yaml <<'YAML'\n(.*?)\nYAML\n", block, re.S)
    assert config, "the quickstart lacks its config heredoc"
    calls = [
        shlex.split(line.split("#", 1)[0])[1:]
        for line in block.splitlines()
        if line.startswith(".venv/bin/cells-migrate ")
    ]
    return config.group(1), calls


def test_readme_quickstart_runs_verbatim_against_the_emulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    yaml_text, calls = _quickstart()
    assert [c[0] for c in calls] == ["check", "plan", "apply", "verify", "audit"]
    install = _install(tmp_path / "pydio")
    with EmulatorServer(EmulatorConfig(admin_login="migrator", index_delay_s=0.0)) as emu:
        # The one line that runs on the Cells host: `cells admin user token -u migrator … -q`.
        (tmp_path / "token").write_text(emu.mint_pat("migrator") + "\n", encoding="utf-8")
        (tmp_path / "token").chmod(0o600)  # umask 077
        config = yaml_text.replace("https://cells.example.com", emu.url)
        config = config.replace("/var/www/pydio", str(install))
        (tmp_path / "cells-migrate.yaml").write_text(config, encoding="utf-8")
        _make_folders(tmp_path / "cells-migrate.yaml")
        monkeypatch.chdir(tmp_path)
        codes = {}
        for call in calls:
            code, out, err = _run(*call)
            codes[call[0]] = code
            if call[0] == "audit":
                # Until shares are migrated (issue 15), the audit honestly reports the
                # install's public link as lost: exit 1 with the link named.
                assert "LOST" in out, out
                continue
            assert code == 0, f"{shlex.join(call)} exited {code}\n{out}\n{err}"
        logins = {u["Login"] for u in emu.state()["users"]}
    assert codes == {"check": 0, "plan": 0, "apply": 0, "verify": 0, "audit": 1}
    assert (tmp_path / "cells-migrate-state.db").exists()
    assert "migrator" in logins


@pytest.fixture
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=5, index_delay_s=0.0)) as server:
        yield server


def _oauth2_config(tmp: Path, emu: EmulatorServer) -> Path:
    path = tmp / "config.yaml"
    path.write_text(
        f"legacy: {{install_path: {SAMPLE}}}\n"
        f"cells: {{url: '{emu.url}', auth: {{method: oauth2, token_file: token.json}}}}\n"
        f"state: {{url: 'sqlite:///{tmp / 'state.db'}'}}\n",
        encoding="utf-8",
    )
    return path


def test_headless_login_then_plan_then_logout(emu: EmulatorServer, tmp_path: Path) -> None:
    config = _oauth2_config(tmp_path, emu)
    secret = tmp_path / "admin-password"
    secret.write_text("admin\n", encoding="utf-8")
    secret.chmod(0o600)
    code, out, err = _run(
        "login", "-c", str(config), "--username", "admin", "--password-file", str(secret)
    )
    assert code == 0, err
    token_file = tmp_path / "token.json"
    assert out.startswith("logged in as admin; token stored in")
    assert token_file.stat().st_mode & 0o777 == 0o600
    stored = json.loads(token_file.read_text(encoding="utf-8"))
    assert stored["refresh_token"] not in out + err
    code, _, err = _run("plan", "-c", str(config))
    assert code == 0, err
    code, out, err = _run("logout", "-c", str(config))
    assert code == 0, err
    assert not token_file.exists()
    refresh = requests.post(
        emu.url + "/oidc/oauth2/token",
        data={"grant_type": "refresh_token", "client_id": "cells-client", "refresh_token": ""}
        | {"refresh_token": json.dumps(stored) and stored["refresh_token"]},
        timeout=10,
    )
    assert refresh.status_code == 400  # revoked at Cells, not only deleted here
    code, out, _ = _run("logout", "-c", str(config))
    assert (code, "nothing to revoke" in out) == (0, True)


def test_login_refresh_and_logout_leave_the_environment_as_they_found_it(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    """oauthlib reads OAUTHLIB_INSECURE_TRANSPORT from os.environ; the tool sets it only
    around its own token requests to a plain-HTTP Cells (issue 14 point 4), so a run —
    login, a plan whose first call refreshes the token, logout — changes nothing in it."""
    before = dict(os.environ)
    config = _oauth2_config(tmp_path, emu)
    secret = tmp_path / "admin-password"
    secret.write_text("admin\n", encoding="utf-8")
    secret.chmod(0o600)
    login = _run("login", "-c", str(config), "--username", "admin", "--password-file", str(secret))
    token_file = tmp_path / "token.json"
    stored = json.loads(token_file.read_text(encoding="utf-8"))
    token_file.write_text(json.dumps({**stored, "expires_at": 1000.0}), encoding="utf-8")
    plan = _run("plan", "-c", str(config))
    rotated = json.loads(token_file.read_text(encoding="utf-8"))["refresh_token"]
    logout = _run("logout", "-c", str(config))
    assert [r[0] for r in (login, plan, logout)] == [0, 0, 0], (login, plan, logout)
    assert rotated != stored["refresh_token"]  # the plan did refresh (and persist) first
    assert dict(os.environ) == before


def _browser(emu: EmulatorServer, seen: list[str]) -> object:
    """Plays the person at the browser: opens the URL, logs in on the Cells page, and lets
    the page send the browser back (to the loopback catcher, or to the oob page)."""

    def open_url(url: str) -> bool:
        seen.append(url)

        def act() -> None:
            hop = requests.get(url, allow_redirects=False, timeout=10)
            challenge = parse_qs(urlsplit(hop.headers["Location"]).query)["login_challenge"][0]
            info = {"login": "admin", "password": "admin", "challenge": challenge}
            answer = requests.post(
                emu.url + "/a/frontend/session",
                json={"AuthInfo": {**info, "type": "credentials"}},
                timeout=10,
            ).json()
            seen.append(answer["RedirectTo"])
            if "/servers/callback" in answer["RedirectTo"]:
                requests.get(answer["RedirectTo"], timeout=10)

        threading.Thread(target=act, daemon=True).start()
        return True

    return open_url


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_interactive_login_catches_the_browser_redirect(tmp_path: Path) -> None:
    port = _free_port()
    callback = f"http://localhost:{port}/servers/callback"
    with EmulatorServer(EmulatorConfig(redirect_uris=(callback,), index_delay_s=0.0)) as emu:
        config = load_config(_oauth2_config(tmp_path, emu), {})
        seen: list[str] = []
        notes: list[str] = []
        result = commands.login(
            config,
            notify=notes.append,
            open_browser=_browser(emu, seen),  # type: ignore[arg-type]
            read_code=lambda: pytest.fail("nothing to paste: the redirect is caught"),
            callback_port=port,
        )
    assert result.account == "admin"
    assert any(seen[0] in note for note in notes)  # the address is shown, too
    assert parse_qs(urlsplit(seen[0]).query)["redirect_uri"] == [callback]
    assert (tmp_path / "token.json").exists()


def test_login_without_a_loopback_port_takes_the_pasted_code(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    config = load_config(_oauth2_config(tmp_path, emu), {})
    seen: list[str] = []
    browser = _browser(emu, seen)

    def paste() -> str:
        while len(seen) < 2:  # the oob page shows the code once the user logged in
            threading.Event().wait(0.01)
        return seen[1]

    result = commands.login(
        config,
        open_browser=browser,  # type: ignore[arg-type]
        read_code=paste,
        callback_port=0,
    )
    assert result.account == "admin"
    assert urlsplit(seen[1]).path == "/oauth2/oob"


def test_login_refuses_a_configuration_that_is_not_oauth2(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        f"legacy: {{install_path: {SAMPLE}}}\n"
        "cells: {url: 'http://127.0.0.1:9', auth: {method: pat, token: '${T}'}}\n",
        encoding="utf-8",
    )
    code, _, err = _run("login", "-c", str(path), env={"T": "x"})
    assert code == 1
    assert "for cells.auth.method: oauth2" in err


def _pat_config(tmp: Path, emu: EmulatorServer) -> Path:
    install = tmp / "pydio"
    if not install.exists():
        _install(install)
    token = tmp / "token"
    token.write_text(emu.mint_pat("admin"), encoding="utf-8")
    token.chmod(0o600)
    path = tmp / "config.yaml"
    path.write_text(
        f"legacy: {{install_path: {install}}}\n"
        f"cells: {{url: '{emu.url}', auth: {{method: pat, token_file: token}}}}\n"
        f"state: {{url: 'sqlite:///{tmp / 'state.db'}'}}\n",
        encoding="utf-8",
    )
    _make_folders(path)
    return path


def test_a_pat_revoked_mid_apply_stops_the_run_then_resume_finishes(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    path = _pat_config(tmp_path, emu)
    config = load_config(path, {})
    token = (tmp_path / "token").read_text(encoding="utf-8")
    done = [0]

    def revoke_after_five() -> None:
        done[0] += 1
        if done[0] == 5:
            emu.auth.tokens[token].revoked = True

    with pytest.raises(CellsCredentialsRefused) as stopped:
        commands.apply(
            config,
            ApplyOptions(),
            now=commands._now,
            hooks=Hooks(on_done=revoke_after_five),
        )
    assert "Make a new one" in str(stopped.value)
    code, out, _ = _run("status", "-c", str(path), "--json")
    run = json.loads(out)["runs"][0]
    assert run["status"] == "failed"
    assert run["counts"]["failed"] == 0  # nothing blamed on the items: they wait for resume
    assert run["counts"]["pending"] > 0
    (tmp_path / "token").write_text(emu.mint_pat("admin"), encoding="utf-8")  # renewed
    code, _, err = _run("resume", "-c", str(path))
    assert code == 0, err
    code, _, err = _run("verify", "-c", str(path))
    assert code == 0, err


def test_the_account_behind_a_pat_is_never_adopted_or_modified(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    path = _pat_config(tmp_path, emu)
    before = next(u for u in emu.state()["users"] if u["Login"] == "admin")
    code, out, err = _run("plan", "-c", str(path), "--format", "json")
    assert code == 0, err
    plan = json.loads(out)
    admin = [a for a in plan["actions"] if a["kind"] == "user" and a["key"] == "admin"]
    assert [a["action"] for a in admin] == ["skip"]
    assert "logs in with" in admin[0]["reason"]
    acls = [a for a in plan["actions"] if a["kind"] == "acl" and a["action"] != "skip"]
    assert all("user:admin" not in json.dumps(a) for a in acls)
    code, _, err = _run("apply", "-c", str(path), "--yes")
    assert code == 0, err
    after = next(u for u in emu.state()["users"] if u["Login"] == "admin")
    assert after == before


def test_check_tells_another_web_server_from_a_wrong_password(tmp_path: Path) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class NotCells(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_error(404)

        def do_POST(self) -> None:
            self.send_error(501)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), NotCells)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        path = tmp_path / "c.yaml"
        path.write_text(
            f"legacy: {{install_path: {SAMPLE}}}\n"
            f"cells: {{url: 'http://127.0.0.1:{server.server_address[1]}', "
            "auth: {method: password, login: admin, password: '${PW}'}}\n",
            encoding="utf-8",
        )
        code, out, _ = _run("check", "-c", str(path), "--json", env={"PW": "pw-123456"})
    finally:
        server.shutdown()
        server.server_close()
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert code == 1
    assert checks["Cells reachable"]["status"] == "failed"
    assert "is not a Cells server" in checks["Cells reachable"]["detail"]
    assert checks["Cells authentication"]["status"] == "warning"  # not tried, not "wrong"
    assert "password" not in checks["Cells reachable"]["detail"]
