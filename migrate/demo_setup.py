"""What ``cells-migrate demo`` lays out before it runs any command: the sample install, the
Cells admin password file, the configuration file, and the legacy folders the data copy
would bring.

Also used by the runbook tests (``tests/e2e/test_runbooks.py``), which rehearse the runbooks
on the same layout.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from migrate.commands import desired as desired_inputs
from migrate.config import load_config
from migrate.mapping.desired import NodeKind
from migrate.sample import BuiltInstall, InstallSpec, build_install

# A few dozen users, groups, roles, a team, workspaces with rights, and the sample's traps:
# one unsupported driver (smb), one dangling right (on a deleted workspace), a corrupt role,
# a dead share... All of them are "report, do not stop" findings (warnings), so check passes
# and apply skips them (DESIGN.md "Mapping rules": dangling rights are reported, not sent).
DEMO_SPEC = InstallSpec(
    users=36, groups=4, roles=3, teams=1, workspaces=8, rights=60, real_hashes=4, traps=True
)
PASSWORD_FILE = "secrets/cells-admin-password"  # noqa: S105 (a path, not a secret)
CONFIG_FILE = "cells-migrate.yaml"


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoLayout:
    """Where the demo's files are, all under ``root``."""

    root: Path
    install: Path
    config: Path
    password_file: Path
    state_db: Path
    plan_file: Path

    @classmethod
    def under(cls, root: Path) -> DemoLayout:
        """The layout of a demo folder (nothing is created)."""
        return cls(
            root=root,
            install=root / "pydio8",
            config=root / CONFIG_FILE,
            password_file=root / PASSWORD_FILE,
            state_db=root / "state.db",
            plan_file=root / "plan.json",
        )


def build_sample(layout: DemoLayout, spec: InstallSpec = DEMO_SPEC) -> BuiltInstall:
    """Build the sample Pydio 8 install (SQLite) under ``layout.install``.

    Raises ``ValueError`` when the folder already holds an install (a previous demo).
    """
    if layout.install.exists():
        raise ValueError(
            f"{layout.install} already exists (a previous demo?): give an empty folder"
        )
    return build_install(layout.install, dialect="sqlite", spec=spec)


def write_secret(path: Path, value: str) -> None:
    """Write ``value`` to ``path`` with mode 0600 (the folder is created 0700)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")


def write_config(layout: DemoLayout, cells_url: str, *, login: str = "admin") -> None:
    """Write the demo's configuration: password auth read from ``password_file`` (never a
    literal secret in the YAML), reset strategy, the state DB next to it.

    Values are JSON strings, which YAML reads as they are (paths with spaces or colons).
    """
    q = json.dumps
    text = (
        "# Written by `cells-migrate demo`: the sample Pydio 8 install, migrated to the local\n"
        "# Cells emulator. Every key is documented in config.example.yaml.\n"
        "legacy:\n"
        f"  install_path: {q(str(layout.install))}\n"
        "cells:\n"
        f"  url: {q(cells_url)}\n"
        "  auth:\n"
        "    method: password\n"
        f"    login: {q(login)}\n"
        "    # the secret is in this file (mode 0600), never in the YAML itself\n"
        f"    password_file: {q(PASSWORD_FILE)}\n"
        "passwords:\n"
        "  # the emulator has no Cells database to write legacy hashes into: users get a\n"
        "  # random password and are listed for a reset\n"
        "  strategy: reset\n"
        "state:\n"
        f"  url: {q('sqlite:///' + str(layout.state_db))}\n"
    )
    layout.config.write_text(text, encoding="utf-8")


def copy_data_folders(config: Path, env: Mapping[str, str]) -> list[Path]:
    """Create the legacy folders the mapping points at and that do not exist yet (the
    sample leaves some out, as an unfinished data copy does); returns them, sorted.

    In a real migration this is the rsync of runbooks/prepare.md: Cells can only index a
    datasource whose folder exists, and a sub-folder workspace root or right needs its
    folder too.
    """
    desired = desired_inputs(load_config(config, env), look_at_folders=False).desired
    folders = {d.name: Path(d.folder) for d in desired.datasources if d.folder}
    targets = set(folders.values())
    nodes = [n for w in desired.workspaces for n in w.root_nodes] + [a.node for a in desired.acls]
    nodes += [c.root for c in desired.cells]  # shared folders (a link may be on a file)
    nodes += [link.root for link in desired.links if not link.file]
    for node in nodes:
        if node.kind is NodeKind.FOLDER and node.uuid is None:
            name, _, sub = node.path.partition("/")
            if name in folders:
                targets.add(folders[name] / sub)
    made = sorted(t for t in targets if not t.exists())
    for target in made:
        target.mkdir(parents=True, exist_ok=True)
    return made
