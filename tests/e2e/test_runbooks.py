"""Every command of every runbook runs, in order, against the emulator and a built sample
install, and exits with the code the runbook documents: the runbooks cannot rot.

A runbook marks its runnable commands in ```` ```console ```` blocks as lines
``$ cells-migrate <args>  # exit N`` (the exit code is required); ``cells-migrate.yaml`` is
replaced by the test's configuration, and relative files (``plan.json``) land in the test's
folder. The first line ``<!-- runbook-test: start=fresh|applied|interrupted -->`` says where
the rehearsal starts: a prepared install with nothing applied, a finished apply, or an apply
killed with SIGKILL half-way (a real process, as a crash would leave it). Commands of other
tools (rsync, ``cells admin``) sit in ``sh`` blocks and are not run here.
"""

from __future__ import annotations

import io
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.cli import main
from migrate.demo_setup import DemoLayout, copy_data_folders, write_config, write_secret
from migrate.sample import InstallSpec, build_install
from tests.support.cli import run_cli

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
RUNBOOKS = sorted((ROOT / "runbooks").glob("*.md"))
SPEC = InstallSpec(users=30, groups=3, roles=2, teams=1, workspaces=6, rights=40, real_hashes=2)
PASSWORD = "runbook-admin-pw"
_BLOCK = re.compile(r"^```console\n(.*?)^```", re.M | re.S)
_START = re.compile(r"<!-- runbook-test: start=(fresh|applied|interrupted) -->")
_COMMAND = re.compile(r"^\$ cells-migrate (?P<args>.+?)\s+# exit (?P<code>\d+)\b.*$")


@dataclass(frozen=True, slots=True)
class Command:
    line: str
    args: tuple[str, ...]
    exit_code: int


def commands_of(text: str) -> list[Command]:
    """The runnable commands of a runbook, in order (a ``$`` line without ``# exit N`` or
    naming another program is an error: the runbook would show an untested command)."""
    found: list[Command] = []
    for block in _BLOCK.findall(text):
        for line in block.splitlines():
            if not line.startswith("$ "):
                continue
            match = _COMMAND.match(line)
            assert match, f"untestable command line (needs `$ cells-migrate ...  # exit N`): {line}"
            args = tuple(shlex.split(match["args"]))
            found.append(Command(line=line, args=args, exit_code=int(match["code"])))
    return found


def test_there_are_runbooks_and_they_cover_every_command() -> None:
    names = {p.stem for p in RUNBOOKS}
    assert len(names) >= 7, names
    used = {c.args[c.args.index("-c") - 1] for p in RUNBOOKS for c in commands_of(p.read_text())}
    assert used >= {"check", "inventory", "plan", "apply", "status", "resume", "rollback", "verify"}


@pytest.fixture
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(admin_password=PASSWORD, index_delay_s=0.0)) as server:
        yield server


def _cli(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(args, env={}, stdout=out, stderr=err), out.getvalue(), err.getvalue()


def _prepare(tmp: Path, emu: EmulatorServer, start: str) -> Path:
    layout = DemoLayout.under(tmp)
    build_install(layout.install, dialect="sqlite", spec=SPEC)
    write_secret(layout.password_file, PASSWORD)
    write_config(layout, emu.url)
    copy_data_folders(layout.config, {})  # the rsync of prepare.md
    if start == "applied":
        code, out, err = _cli(["-q", "apply", "-c", str(layout.config), "--yes"])
        assert code == 0, out + err
    elif start == "interrupted":
        done = run_cli(layout.config, "apply", "--yes", password=PASSWORD, kill_after=40)
        assert done.returncode == -9, done.stderr  # SIGKILL half-way
    return layout.config


@pytest.mark.parametrize("runbook", RUNBOOKS, ids=[p.stem for p in RUNBOOKS])
def test_runbook_commands_run_with_their_documented_exit_codes(
    runbook: Path, emu: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = runbook.read_text(encoding="utf-8")
    start = _START.search(text)
    assert start, f"{runbook.name} lacks <!-- runbook-test: start=... -->"
    commands = commands_of(text)
    assert commands, f"{runbook.name} has no runnable command"
    config = _prepare(tmp_path, emu, start.group(1))
    monkeypatch.chdir(tmp_path)
    for command in commands:
        args = [str(config) if a == "cells-migrate.yaml" else a for a in command.args]
        code, out, err = _cli(args)
        assert code == command.exit_code, f"{command.line}\n--- stdout\n{out}\n--- stderr\n{err}"
