"""``python -m bench --quick`` end to end (issue 8): the CI-sized run of every benchmark.

It runs the real entry point in a child process (MariaDB for ``inventory``, the emulator in
its own process for the rest) and checks outcomes only — every measure is there, the three
apply modes wrote the same objects without failures, the checkpoint switch changed nothing
but the checkpoint, the plan saw the pre-loaded half — never a timing (DESIGN.md:
performance is measured by bench/, never by timed tests).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.support.databases import TestDatabase

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CONCURRENCY = {1, 4, 8, 16}
LATENCIES = {0.0, 10.0}

Records = list[dict[str, object]]


@pytest.fixture(scope="module")
def run(mariadb: TestDatabase) -> tuple[Records, str]:
    """One quick run of every measure (MariaDB must be reachable: the fixture says so)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "all"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    table = "\n".join(line for line in lines if line.startswith("|"))
    return records, table


def _of(records: Records, kind: str) -> Records:
    return [r for r in records if r["benchmark"] == kind]


def test_every_measure_is_reported_with_its_figures(run: tuple[Records, str]) -> None:
    records, table = run
    kinds = {r["benchmark"] for r in records}
    assert kinds == {
        "inventory",
        "plan",
        "apply",
        "apply-ratios",
        "checkpoint",
        "memory",
        "memory-growth",
        "rollback",
        "rollback-ratios",
        "audit",
    }
    for r in _of(records, "inventory") + _of(records, "plan") + _of(records, "memory"):
        assert float(r["median_wall_s"]) > 0  # type: ignore[arg-type]
        assert float(r["median_peak_rss_mb"]) > 0  # type: ignore[arg-type]
    # the summary table has one row per JSON record
    assert len(table.splitlines()) == len(records) + 2


def test_apply_modes_write_the_same_objects_without_failures(run: tuple[Records, str]) -> None:
    records, _ = run
    applies = _of(records, "apply")
    seen = {(r["mode"], r["latency_ms"], r["concurrency"]) for r in applies}
    expected = {("baseline", lat, 1) for lat in LATENCIES}
    expected |= {(m, lat, c) for m in ("tool", "ceiling") for lat in LATENCIES for c in CONCURRENCY}
    assert seen == expected
    workload = applies[0]["workload"]
    assert isinstance(workload, dict)
    assert set(workload) == {"groups", "roles", "users"}
    total = sum(workload.values())
    assert total > 40  # 40 users plus their groups and roles
    for r in applies:
        assert (r["objects"], r["failed"]) == (total, 0), r
        assert float(r["objects_per_s"]) > 0  # type: ignore[arg-type]
    for ratios in _of(records, "apply-ratios"):
        assert set(ratios["tool_vs_baseline"]) == {str(c) for c in CONCURRENCY}  # type: ignore[call-overload]
        assert set(ratios["tool_vs_ceiling"]) == {str(c) for c in CONCURRENCY}  # type: ignore[call-overload]


def test_checkpoint_switch_changes_only_the_checkpoint(run: tuple[Records, str]) -> None:
    records, _ = run
    checkpoints = _of(records, "checkpoint")
    assert {r["latency_ms"] for r in checkpoints} == LATENCIES
    for r in checkpoints:
        assert r["objects"] == r["objects_without"]
        assert int(r["objects"]) > 40  # type: ignore[call-overload]
        assert "overhead_pct" in r


def test_plan_sees_the_preloaded_half(run: tuple[Records, str]) -> None:
    records, _ = run
    (plan,) = _of(records, "plan")
    actions = plan["plan_actions"]
    assert isinstance(actions, dict)
    assert int(plan["preloaded_objects"]) > 0  # type: ignore[call-overload]
    # every pre-loaded object is in the plan as a noop or an update, nothing is deleted
    assert actions["noop"] + actions["update"] >= plan["preloaded_objects"]
    assert actions["create"] > 0
    assert actions["delete"] == 0


def test_memory_is_measured_at_two_sizes(run: tuple[Records, str]) -> None:
    records, _ = run
    small, large = _of(records, "memory")
    assert int(large["users"]) == 4 * int(small["users"])  # type: ignore[call-overload]
    for r in (small, large):
        actions = r["plan_actions"]
        assert isinstance(actions, dict)
        assert actions["noop"] == 0
        assert actions["create"] > int(r["users"])  # type: ignore[call-overload]
    (growth,) = _of(records, "memory-growth")
    assert growth["users"] == [small["users"], large["users"]]
    assert float(growth["rss_ratio"]) > 0  # type: ignore[arg-type]


def test_rollback_undoes_everything_it_applied_at_each_concurrency(
    run: tuple[Records, str],
) -> None:
    records, _ = run
    rollbacks = _of(records, "rollback")
    assert {(r["latency_ms"], r["concurrency"]) for r in rollbacks} == {
        (10.0, 1),
        (10.0, 4),
        (10.0, 8),
    }
    for r in rollbacks:
        workload = r["workload"]
        assert isinstance(workload, dict)
        assert (r["objects"], r["failed"]) == (sum(workload.values()), 0), r
    (ratios,) = _of(records, "rollback-ratios")
    assert set(ratios["speedup_vs_sequential"]) == {"1", "4", "8"}  # type: ignore[call-overload]


def test_audit_compares_every_user_of_the_loaded_cells(run: tuple[Records, str]) -> None:
    records, _ = run
    (audit,) = _of(records, "audit")
    totals = audit["audit_totals"]
    loaded = audit["cells_objects"]
    assert isinstance(totals, dict)
    assert isinstance(loaded, dict)
    assert totals["users_compared"] == totals["legacy_users"] == audit["users"]
    assert loaded["acl"] > audit["rights"]  # the migrated state, every right on Cells
    assert (totals["parity"], totals["lost"], totals["widened"], totals["changed"]) == (
        True,
        0,
        0,
        0,
    )
    assert float(audit["median_wall_s"]) > 0  # type: ignore[arg-type]
