"""`cells-migrate plan` wiring: formats, --out, --stage, --detailed-exitcode, no writes."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.cli import main

pytestmark = pytest.mark.e2e

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "pydio8-sqlite"


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(port=0)) as emu:
        emu.configure(forbid_writes=True)
        yield emu


@pytest.fixture
def config(tmp_path: Path, emulator: EmulatorServer) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"legacy:\n  install_path: {SAMPLE}\ncells:\n  url: {emulator.url}\n"
        "  auth:\n    method: pat\n    token: ${TOKEN}\n",
        encoding="utf-8",
    )
    return path


def _plan(emulator: EmulatorServer, config: Path, *flags: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    env = {"TOKEN": emulator.mint_pat("admin")}
    code = main(["-q", "plan", "-c", str(config), *flags], env=env, stdout=out, stderr=err)
    assert "error" not in err.getvalue(), err.getvalue()
    return code, out.getvalue()


def test_json_plan_of_an_empty_cells_is_all_creates(emulator: EmulatorServer, config: Path) -> None:
    code, out = _plan(emulator, config, "--format", "json", "--detailed-exitcode")
    assert code == 2
    plan = json.loads(out)
    assert plan["schema"] == "cells-migrate/plan/1"
    assert plan["summary"]["create"] == len(plan["actions"]) - plan["summary"]["skip"]
    assert {"stage", "kind", "key", "action", "changes", "reason"} <= set(plan["actions"][0])
    writes = [r for r in emulator.requests() if r["method"] in {"PUT", "DELETE"}]
    assert writes == []


def test_stage_filter_and_saved_plan(
    emulator: EmulatorServer, config: Path, tmp_path: Path
) -> None:
    saved = tmp_path / "users.plan"
    code, out = _plan(emulator, config, "--stage", "users", "--out", str(saved), "--format", "json")
    assert code == 0
    kinds = {a["kind"] for a in json.loads(out)["actions"]}
    assert kinds == {"user"}
    assert json.loads(saved.read_text(encoding="utf-8"))["fingerprint"]


def test_markdown_and_text_formats(emulator: EmulatorServer, config: Path) -> None:
    _, markdown = _plan(emulator, config, "--format", "markdown", "--stage", "groups")
    assert markdown.startswith("#")
    _, text = _plan(emulator, config, "--stage", "groups")
    assert "Plan: 2 to create" in text


def test_unknown_stage_is_a_usage_error(config: Path) -> None:
    err = io.StringIO()
    code = main(
        ["plan", "-c", str(config), "--stage", "files"], env={}, stdout=io.StringIO(), stderr=err
    )
    assert code == 2
    assert "invalid choice" in err.getvalue()
