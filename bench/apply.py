"""Apply throughput (objects/s) against the emulator in another process, side by side with a
plain sequential ``requests`` loop (the baseline) and the emulator's own ceiling.

For each added latency (0 and 10 ms) the emulator is reset before every run, then:

* ``baseline``: one ``requests.Session``, one PUT after the other — a hand-written script;
* ``ceiling``: ``c`` threads of bare ``http.client`` connections sending the same requests
  (a wave at a time, as the tool does), no parsing of answers: what the emulator can take;
* ``tool``: the real executor (``migrate.load.executor.Executor``) with the real client,
  applier and checkpoint writer, at concurrency ``c``; timed from ``Executor.run`` to its
  return (planning and recording the run's items are not in the figure);
* ``tool-nockpt``: the same with the checkpoint's outcome writes turned off (the bench-only
  :class:`NullWriter` passed as the executor's ``writer``): the checkpoint's overhead.

The three write the same objects (``bench.workload``), checked by the counts they report.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from bench.common import EmulatorProcess
from bench.workload import Request, Workload
from migrate.cells.client import CellsClient
from migrate.load.apply import Applier, Refs
from migrate.load.checkpoint import CheckpointDB, LockHolder, PlannedItem
from migrate.load.checkpoint_schema import ItemAction, RunCommand
from migrate.load.executor import Executor, WorkItem
from migrate.load.readiness import DatasourceWaiter

HOLDER = LockHolder(host="bench", pid=1, user="bench")


@dataclass(frozen=True, slots=True, kw_only=True)
class Throughput:
    """One timed run: objects confirmed, failures, wall time."""

    mode: str
    latency_ms: float
    concurrency: int
    objects: int
    failed: int
    wall_s: float

    @property
    def per_s(self) -> float:
        """Objects per second."""
        return self.objects / self.wall_s if self.wall_s > 0 else 0.0


class NullWriter:
    """Bench-only stand-in for the checkpoint's ``ItemWriter``: records nothing. Passed as
    the executor's ``writer`` it measures apply without checkpoint writes."""

    def mark_done(self, item_id: int, **_: object) -> None:
        """Ignored."""

    def mark_failed(self, item_id: int, **_: object) -> None:
        """Ignored."""

    def mark_skipped(self, item_id: int, **_: object) -> None:
        """Ignored."""

    def flush_if_due(self) -> int:
        """Nothing to flush."""
        return 0

    def flush(self) -> int:
        """Nothing to flush."""
        return 0


def _now() -> datetime:
    return datetime.now(UTC)


def run_tool(
    work: Workload,
    emu: EmulatorProcess,
    state: Path,
    *,
    latency_ms: float,
    concurrency: int,
    checkpoint: bool = True,
) -> Throughput:
    """Apply the workload with the real executor into a freshly reset emulator."""
    emu.reset(latency_ms=latency_ms)
    state.unlink(missing_ok=True)
    cells = replace(work.config.cells, concurrency=concurrency)
    with CheckpointDB.open(f"sqlite:///{state}", now=_now) as db:
        run = db.start_run(command=RunCommand.APPLY, holder=HOLDER)
        planned = (
            PlannedItem(stage=a.stage, kind=a.kind, key=a.key, action=ItemAction.CREATE)
            for a in work.actions
        )
        ids = db.record_planned(run.id, planned)
        items = [WorkItem(item_id=i, action=a) for i, a in zip(ids, work.actions, strict=True)]
        with CellsClient(cells, read_only=False) as client, db.writer(run.id, holder=HOLDER) as w:
            client.server_version()  # the login and version probe are not part of the figure
            executor = Executor(
                applier=Applier(client, Refs()),
                db=db,
                writer=w if checkpoint else NullWriter(),  # type: ignore[arg-type]
                run_id=run.id,
                index=work.index,
                waiter=DatasourceWaiter(client, timeout_s=60),
                concurrency=concurrency,
            )
            start = time.perf_counter()
            result = executor.run(items)
            wall = time.perf_counter() - start
        db.finish_run(run.id, holder=HOLDER, status=result.status)
    return Throughput(
        mode="tool" if checkpoint else "tool-nockpt",
        latency_ms=latency_ms,
        concurrency=concurrency,
        objects=result.total("done"),
        failed=result.total("failed") + result.total("skipped"),
        wall_s=wall,
    )


def run_baseline(work: Workload, emu: EmulatorProcess, *, latency_ms: float) -> Throughput:
    """The plain sequential loop: one ``requests.Session``, one PUT after the other."""
    emu.reset(latency_ms=latency_ms)
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {emu.token}"
    http.headers["Content-Type"] = "application/json"
    ok = failed = 0
    start = time.perf_counter()
    for req in work.requests:
        resp = http.request(req.method, emu.url + req.path, data=req.body, timeout=60)
        if resp.ok and resp.json().get("Uuid"):
            ok += 1
        else:
            failed += 1
    wall = time.perf_counter() - start
    http.close()
    return Throughput(
        mode="baseline",
        latency_ms=latency_ms,
        concurrency=1,
        objects=ok,
        failed=failed,
        wall_s=wall,
    )


def run_ceiling(
    work: Workload, emu: EmulatorProcess, *, latency_ms: float, concurrency: int
) -> Throughput:
    """``concurrency`` bare ``http.client`` connections, a wave at a time: the emulator's
    own limit for these requests (answers are read, not parsed)."""
    emu.reset(latency_ms=latency_ms)
    parts = urlsplit(emu.url)
    conns = [
        http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
        for _ in range(concurrency)
    ]
    headers = {"Authorization": f"Bearer {emu.token}", "Content-Type": "application/json"}
    statuses: list[int] = []
    lock = threading.Lock()

    def send(conn: http.client.HTTPConnection, reqs: list[Request]) -> None:
        got = []
        for req in reqs:
            conn.request(req.method, req.path, body=req.body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            got.append(resp.status)
        with lock:
            statuses.extend(got)

    start = time.perf_counter()
    for _, wave in groupby(work.requests, key=lambda r: r.wave):
        reqs = list(wave)
        threads = [
            threading.Thread(target=send, args=(conn, reqs[i::concurrency]))
            for i, conn in enumerate(conns)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    wall = time.perf_counter() - start
    for conn in conns:
        conn.close()
    ok = sum(1 for s in statuses if s == 200)
    return Throughput(
        mode="ceiling",
        latency_ms=latency_ms,
        concurrency=concurrency,
        objects=ok,
        failed=len(statuses) - ok,
        wall_s=wall,
    )


def median_run(runs: Iterable[Throughput]) -> tuple[Throughput, list[float]]:
    """The run of median wall time, and every run's objects/s."""
    ordered = sorted(runs, key=lambda r: r.wall_s)
    return ordered[len(ordered) // 2], [round(r.per_s, 1) for r in ordered]


def record(best: Throughput, rates: list[float], **extra: Any) -> dict[str, object]:
    """The JSON line of one measure."""
    return {
        "benchmark": "apply",
        "mode": best.mode,
        "latency_ms": best.latency_ms,
        "concurrency": best.concurrency,
        "objects": best.objects,
        "failed": best.failed,
        "median_wall_s": round(best.wall_s, 3),
        "objects_per_s": round(best.per_s, 1),
        "all_objects_per_s": rates,
        **extra,
    }
