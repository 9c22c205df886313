"""``run_demo`` end to end: the whole rehearsal passes, says where its files are, keeps no
secret in its output or config, and leaves nothing behind (no thread, no listener, no
temporary folder unless a folder was given)."""

from __future__ import annotations

import io
import re
import socket
import stat
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from migrate.config import load_config
from migrate.demo import DONE_LINE, run_demo
from migrate.demo_setup import CONFIG_FILE, PASSWORD_FILE

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

STEPS = ("check", "plan", "apply", "verify", "status", "rollback")


def _demo(workdir: Path | None, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_demo(workdir=workdir, out=out, err=err, env=env or {})
    return code, out.getvalue(), err.getvalue()


def _refused(url: str) -> bool:
    parts = urlsplit(url)
    assert parts.hostname is not None
    assert parts.port is not None
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=2):
            return False
    except OSError:
        return True


def test_demo_in_a_temporary_folder_verifies_the_rollback_and_cleans_up() -> None:
    threads = {t.ident for t in threading.enumerate()}
    # an override in the caller's environment must not point the demo elsewhere
    code, out, err = _demo(None, {"CELLS_MIGRATE__CELLS__URL": "http://127.0.0.1:9"})
    assert code == 0, err
    assert out.rstrip().splitlines()[-3] == DONE_LINE
    for step in STEPS:
        assert f"$ cells-migrate {step} -c " in out
    assert "missing: " in out
    assert "different: 0" in out
    assert "the emulator's state equals its state before the apply" in out
    assert "Run 1: done" in out
    # where the files were, then that they are gone
    folder = re.search(r"^cells-migrate demo in (.+)$", out, re.M)
    assert folder is not None
    assert not Path(folder.group(1)).exists()
    url = re.search(r"url: (http://127\.0\.0\.1:\d+)", out)
    assert url is not None
    assert _refused(url.group(1))
    assert {t.ident for t in threading.enumerate() if t.is_alive()} <= threads


def test_demo_in_a_given_folder_keeps_its_files_and_no_secret_leaks(tmp_path: Path) -> None:
    code, out, err = _demo(tmp_path / "demo")
    assert code == 0, err
    root = tmp_path / "demo"
    secret_file = root / PASSWORD_FILE
    password = secret_file.read_text(encoding="utf-8").strip()
    assert len(password) >= 20
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    config = (root / CONFIG_FILE).read_text(encoding="utf-8")
    assert "password_file:" in config
    for text in (config, out, err, (root / "plan.json").read_text(encoding="utf-8")):
        assert password not in text
    assert (root / "state.db").is_file()
    assert (root / "pydio8" / "conf" / "bootstrap_context.php").is_file()
    assert f"The demo folder is kept: {root}" in out


def test_demo_refuses_a_folder_holding_a_previous_demo(tmp_path: Path) -> None:
    assert _demo(tmp_path)[0] == 0
    code, out, err = _demo(tmp_path)
    assert code == 1
    assert "already exists (a previous demo?)" in err
    assert "demo FAILED" in out
    assert DONE_LINE not in out


README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_block(marker: str) -> str:
    text = README.read_text(encoding="utf-8")
    found = re.search(rf"<!-- {marker} -->\n```\n(.*?)\n```\n<!-- /{marker} -->", text, re.S)
    assert found, f"README.md lacks the {marker} block"
    return found.group(1)


def test_readme_demo_command_runs_the_demo_subcommand() -> None:
    command = _readme_block("demo-command")
    assert command.startswith("python3 -m venv .venv && .venv/bin/pip install")
    assert command.endswith("&& .venv/bin/cells-migrate demo")
    from migrate.cli import main

    if "cells-migrate demo" not in _subcommand_help():
        pytest.skip("`cells-migrate demo` is not wired into migrate/cli.py yet (lead's task)")
    out, err = io.StringIO(), io.StringIO()
    assert main(["demo"], env={}, stdout=out, stderr=err) == 0, err.getvalue()
    assert DONE_LINE in out.getvalue()


def _subcommand_help() -> str:
    from migrate.cli import main

    out = io.StringIO()
    main(["demo", "--help"], env={}, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_readme_quickstart_config_loads(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    found = re.search(r"cat > cells-migrate\.yaml <<'YAML'\n(.*?)\nYAML\n", text, re.S)
    assert found, "README.md quickstart lacks its config heredoc"
    (tmp_path / "cells-migrate.yaml").write_text(found.group(1), encoding="utf-8")
    (tmp_path / "token").write_text("pat-value-123\n", encoding="utf-8")
    config = load_config(tmp_path / "cells-migrate.yaml", {})
    assert config.cells.url == "https://cells.example.com"
    assert config.cells.auth.method.value == "pat"
    assert config.cells.auth.token_file == tmp_path / "token"
    assert str(config.legacy.install_path) == "/var/www/pydio"


def test_demo_reports_a_folder_it_cannot_create(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    code, out, err = _demo(blocker / "demo")
    assert code == 1
    assert f"demo failed: cannot create {blocker / 'demo'}" in err
    assert DONE_LINE not in out
