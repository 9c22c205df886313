"""`cells-migrate emulator` as an admin runs it: a real process, a login, then Ctrl-C."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import pytest
import requests

pytestmark = pytest.mark.e2e


def test_emulator_command_serves_and_stops_on_ctrl_c() -> None:
    argv = [sys.executable, "-m", "migrate", "emulator", "--port", "0", "--admin-password", "pw-1"]
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        assert match, line
        url = match.group(1)
        login = {"AuthInfo": {"login": "admin", "password": "pw-1", "type": "credentials"}}
        answer = requests.post(f"{url}/a/frontend/session", json=login, timeout=10)
        assert answer.status_code == 200
        assert answer.json()["JWT"]
        wrong = {"AuthInfo": {"login": "admin", "password": "nope", "type": "credentials"}}
        assert requests.post(f"{url}/a/frontend/session", json=wrong, timeout=10).status_code == 401
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
