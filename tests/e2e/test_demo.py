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

from migrate.demo import DONE_LINE, run_demo
from migrate.demo_setup import CONFIG_FILE, PASSWORD_FILE

pytestmark = pytest.mark.e2e

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
