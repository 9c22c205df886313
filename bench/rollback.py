"""Rollback throughput (objects undone per second) at an added latency (issue 12 point 3).

Before each run the emulator is reset and the workload (``bench.workload``: groups, roles
and users, all created) is applied by the real executor at 0 ms into a fresh state DB; then
the latency is set and ``rollback --all`` is timed with the real code
(:func:`migrate.load.rollback.rollback`), on 1 thread (what rollback did before issue 12: one
object after the other) and on the apply's bounded concurrency. Every object is read back
before it is undone (the "changed since" check), a group is checked empty before its delete:
about two to three requests per object, as a real rollback sends.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bench import apply as ap
from bench.common import EmulatorProcess
from bench.workload import Workload
from migrate.cells.client import CellsClient
from migrate.load.checkpoint import CheckpointDB
from migrate.load.rollback import rollback


def _now() -> datetime:
    return datetime.now(UTC)


def run_rollback(
    work: Workload, emu: EmulatorProcess, state: Path, *, latency_ms: float, concurrency: int
) -> ap.Throughput:
    """Apply the workload at 0 ms, then time ``rollback --all`` at ``latency_ms``."""
    applied = ap.run_tool(work, emu, state, latency_ms=0.0, concurrency=8)
    emu.latency(latency_ms)
    cells = replace(work.config.cells, concurrency=concurrency)
    with (
        CheckpointDB.open(f"sqlite:///{state}", now=_now) as db,
        CellsClient(cells, read_only=False) as client,
    ):
        client.server_version()  # the login is not part of the figure
        start = time.perf_counter()
        report = rollback(db, client, holder=ap.HOLDER, every_run=True, concurrency=concurrency)
        wall = time.perf_counter() - start
    return ap.Throughput(
        mode="rollback",
        latency_ms=latency_ms,
        concurrency=concurrency,
        objects=report.undone,
        # anything applied and not undone counts as a failure of the run
        failed=len(report.refused) + len(report.failed) + applied.objects - report.undone,
        wall_s=wall,
    )
