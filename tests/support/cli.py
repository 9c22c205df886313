"""Running ``cells-migrate`` in tests against the emulator: in this process or as a child.

A config file with password auth as the emulator's ``admin`` (the tool's own account) and a
state DB of its own, the legacy folders a built install leaves out on purpose, and the
command line run in this process (:func:`run`, :func:`run_json`) or as a child process
(:func:`start_cli`, :func:`run_cli`; ``kill_after`` stops the child with SIGKILL once that
many items were confirmed: :mod:`tests.support.kill_after`).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from migrate.cells.emulator import EmulatorServer
from migrate.cli import main
from migrate.demo_setup import copy_data_folders

PASSWORD = "admin"  # the emulator's default admin
ROOT = Path(__file__).resolve().parents[2]


def write_config(tmp: Path, install_root: Path, emu: EmulatorServer, extra: str = "") -> Path:
    """A config file: password auth as ``admin`` (the tool's own account), own state DB."""
    path = tmp / "config.yaml"
    path.write_text(
        f"legacy:\n  install_path: {install_root}\n"
        f"cells:\n  url: {emu.url}\n  concurrency: 4\n"
        "  auth:\n    method: password\n    login: admin\n    password: ${PW}\n"
        f"state:\n  url: sqlite:///{tmp / 'state.db'}\n{extra}",
        encoding="utf-8",
    )
    return path


def make_folders(config: Path) -> int:
    """Create the legacy folders the mapping points at (a built install leaves some out on
    purpose, like an unfinished data copy); returns how many were created."""
    return len(copy_data_folders(config, {"PW": PASSWORD}))


def run(config: Path, *argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """``cells-migrate -q <argv> -c <config>`` in this process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    cmd, *rest = argv
    code = main(
        ["-q", cmd, "-c", str(config), *rest],
        env={"PW": PASSWORD, **(env or {})},
        stdout=out,
        stderr=err,
    )
    return code, out.getvalue(), err.getvalue()


def run_json(config: Path, *argv: str) -> tuple[int, dict[str, Any]]:
    """The same with ``--json``: exit code and the document."""
    code, out, err = run(config, *argv, "--json")
    assert out, err
    return code, json.loads(out)


def _child(
    config: Path, argv: tuple[str, ...], password: str, kill_after: int | None
) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, "PW": password, "PYTHONPATH": str(ROOT)}
    env = {k: v for k, v in env.items() if not k.startswith("CELLS_MIGRATE__")}
    command, *rest = argv
    entry = ["-m", "migrate"]
    if kill_after is not None:
        entry = ["-m", "tests.support.kill_after", str(kill_after)]
    return [sys.executable, *entry, "-q", command, "-c", str(config), *rest], env


def start_cli(
    config: Path, *argv: str, password: str = PASSWORD, kill_after: int | None = None
) -> subprocess.Popen[str]:
    """``python -m migrate -q <argv> -c <config>`` in a child process (stdout, stderr piped)."""
    args, env = _child(config, argv, password, kill_after)
    return subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def run_cli(
    config: Path, *argv: str, password: str = PASSWORD, kill_after: int | None = None
) -> subprocess.CompletedProcess[str]:
    """The same, waited for (at most 600 s)."""
    args, env = _child(config, argv, password, kill_after)
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=600, check=False)
