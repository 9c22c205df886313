"""Labels from the legacy data never put control characters on the terminal (issue 12 point 6).

A built Pydio 8 install whose workspace and group labels hold terminal escape codes (clear
screen, C1 CSI, a right-to-left override): ``inventory``, ``check`` and ``plan`` print them
escaped as ``\\uXXXX`` on stdout and stderr, and the JSON plan still carries the exact label.
"""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.cli import main
from migrate.sample import BuiltInstall, InstallSpec, build_install

pytestmark = pytest.mark.e2e

SPEC = InstallSpec(users=6, groups=2, roles=1, teams=0, workspaces=3, rights=6, real_hashes=1)
EVIL_LABEL = "Team\x1b[2J\x1b[H\x9b31m\u202eeulav"
RAW = ("\x1b", "\x9b", "\u202e")


@pytest.fixture
def install(tmp_path: Path) -> BuiltInstall:
    built = build_install(tmp_path / "p8", dialect="sqlite", spec=SPEC)
    db = built.data_path / "plugins" / "conf.sql" / "pydio.db"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE ajxp_repo SET display = ?", (EVIL_LABEL,))
        conn.execute("UPDATE ajxp_groups SET groupLabel = ?", (EVIL_LABEL,))
    return built


@pytest.fixture
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=2, index_delay_s=0.0)) as server:
        yield server


def _run(install: BuiltInstall, emu: EmulatorServer, tmp: Path, *argv: str) -> tuple[str, str]:
    config = tmp / "config.yaml"
    config.write_text(
        f"legacy:\n  install_path: {install.root}\ncells:\n  url: {emu.url}\n"
        "  auth:\n    method: password\n    login: admin\n    password: ${PW}\n"
        f"state:\n  url: sqlite:///{tmp / 'state.db'}\n",
        encoding="utf-8",
    )
    out, err = io.StringIO(), io.StringIO()
    command, *rest = argv
    main(["-v", command, "-c", str(config), *rest], env={"PW": "admin"}, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    "argv",
    [("plan",), ("plan", "--format", "markdown"), ("inventory",), ("check",)],
    ids=["plan", "plan-markdown", "inventory", "check"],
)
def test_text_output_shows_control_characters_escaped(
    install: BuiltInstall, emu: EmulatorServer, tmp_path: Path, argv: tuple[str, ...]
) -> None:
    out, err = _run(install, emu, tmp_path, *argv)
    assert out
    for raw in RAW:
        assert raw not in out
        assert raw not in err
    if argv[0] == "plan":
        assert "Team\\u001b[2J\\u001b[H\\u009b31m\\u202eeulav" in out


def test_the_json_plan_keeps_the_exact_label(
    install: BuiltInstall, emu: EmulatorServer, tmp_path: Path
) -> None:
    out, _ = _run(install, emu, tmp_path, "plan", "--format", "json")
    assert not any(raw in out for raw in RAW)
    changes = [c for a in json.loads(out)["actions"] for c in a["changes"]]
    assert EVIL_LABEL in {c["new"] for c in changes}
