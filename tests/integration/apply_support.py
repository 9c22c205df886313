"""Helpers of the apply tests that run against the emulator (integration).

Shared in spirit with tests/e2e/test_apply_cli.py (test folders are not packages): a config
file with password auth as the emulator's ``admin`` and a state DB of its own, and the legacy
folders a built install leaves out on purpose.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from migrate.cells.emulator import EmulatorServer
from migrate.cli import main
from migrate.config import load_config
from migrate.mapping.desired import NodeKind
from migrate.plan import desired_for_config

PASSWORD = "admin"  # the emulator's default admin


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
    purpose); returns how many were created."""
    desired = desired_for_config(
        load_config(config, {"PW": PASSWORD}), look_at_folders=False
    ).desired
    folders = {d.name: Path(d.folder) for d in desired.datasources if d.folder}
    made = 0
    nodes = [n for w in desired.workspaces for n in w.root_nodes] + [a.node for a in desired.acls]
    targets = set(folders.values())
    for node in nodes:
        if node.kind is NodeKind.FOLDER and node.uuid is None:
            name, _, sub = node.path.partition("/")
            if name in folders:
                targets.add(folders[name] / sub)
    for target in sorted(targets):
        if not target.exists():
            target.mkdir(parents=True)
            made += 1
    return made


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
