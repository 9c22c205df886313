"""One findings model (issue 17 point 2): ``inventory``, ``check``, ``plan`` (text included),
``verify`` and ``audit`` show the same findings with the same counts, and inventory and plan explain
their counts the same way (legacy → Cells)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.demo_setup import DEMO_SPEC
from migrate.sample import BuiltInstall, build_install
from tests.support.cli import make_folders, run, run_json, write_config

pytestmark = pytest.mark.e2e

COUNTS = re.compile(r"^Findings: \d+ blocker\(s\), \d+ warning\(s\), \d+ info$", re.M)


@pytest.fixture
def install(tmp_path: Path) -> BuiltInstall:
    return build_install(tmp_path / "p8", dialect="sqlite", spec=DEMO_SPEC)  # with its traps


@pytest.fixture
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=7, index_delay_s=0.0)) as server:
        yield server


def _formatted(config: Path, command: str) -> dict[str, Any]:
    _code, out, err = run(config, command, "--format", "json")
    assert out, err
    document: dict[str, Any] = json.loads(out)
    return document


def test_every_command_shows_the_same_findings_and_counts(
    install: BuiltInstall, emu: EmulatorServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, install.root, emu)
    make_folders(config)
    documents = {
        "inventory": run_json(config, "inventory")[1],
        "check": run_json(config, "check")[1],
        "verify": run_json(config, "verify")[1],  # NOT OK (nothing applied): findings alike
        "audit": _formatted(config, "audit"),
        "plan": _formatted(config, "plan"),
    }
    counts = {name: doc["finding_counts"] for name, doc in documents.items()}
    assert len({tuple(c.items()) for c in counts.values()}) == 1, counts
    assert counts["inventory"]["warning"] > 0
    assert counts["inventory"]["info"] > 0
    lists = {name: doc["findings"] for name, doc in documents.items()}
    assert all(found == lists["inventory"] for found in lists.values())
    # one finding per object and code: the mapping's re-statement of an extractor's finding
    # (a dangling right, an unsupported driver) is not counted twice
    keys = [(f["kind"], f["key"], f["code"]) for f in lists["inventory"]]
    assert len(keys) == len(set(keys))
    assert ("workspace", "driver-unsupported") not in {(k, c) for k, _, c in keys}
    # the same counts line in every text report, the plan's before its summary
    lines = set()
    for command in ("inventory", "check", "plan", "audit", "verify"):
        text = run(config, command)[1]
        (line,) = COUNTS.findall(text)
        lines.add(line)
        if command == "plan":
            assert text.index(line) < text.index("\nby kind:") < text.index("\nPlan: ")
            assert "[warning] workspace:" in text
    assert len(lines) == 1, lines


def test_inventory_and_plan_explain_their_counts_alike(
    install: BuiltInstall, emu: EmulatorServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, install.root, emu)
    make_folders(config)
    inventory = run_json(config, "inventory")[1]
    plan = _formatted(config, "plan")
    assert plan["breakdown"] == inventory["breakdown"]
    users = inventory["breakdown"]["users"]
    assert users["legacy"] == inventory["counts"]["users"]
    assert users["left_out"] == {"link-user": 1}  # the sample's public link has a hidden user
    assert users["cells"] == users["legacy"] - 1
    planned = plan["by_kind"]["user"]
    # every Cells user is in the plan: created, or skipped (the tool's own account)
    assert sum(planned.values()) == users["cells"]
    roles = inventory["breakdown"]["roles"]
    assert roles["legacy"] - sum(roles["left_out"].values()) == roles["cells"]
    assert roles["left_out"]["personal-role"] > 0
    text = run(config, "inventory")[1]
    assert f"  users       {users['legacy']:>7} → {users['cells']:<7}  1 link user(s)" in text
    assert text.split("On Cells")[1].split("\n\n")[0].split("\n", 1)[1] in run(config, "plan")[1]
