"""``cells-migrate plan`` at scale, and the pipeline's peak memory at two sizes.

``plan``: a sample install (SQLite; 100,000 users, 2,000 groups, 500 roles, 10,000
workspaces, 1,000,000 rights at full size) is planned by the real command line in a child
process (wall time, peak RSS from ``wait4``) against an emulator in another process that was
pre-loaded with every other group, role and user (half the objects of those stages) — the
plan then holds creates and noops, as after an interrupted first run.

``memory``: the same command against an empty emulator at two sizes (10,000 and 100,000
users, rights and workspaces in proportion): how peak RSS grows with the install.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.apply import run_ceiling
from bench.common import EmulatorProcess, Measure, measure, median_of, sqlite_install, write_config
from bench.workload import STAGES, Workload, plain_requests
from migrate import commands
from migrate.cells.client import CellsClient
from migrate.config import load_config
from migrate.plan import ActionType, DesiredIndex, build_plan
from migrate.sample.spec import InstallSpec


@dataclass(frozen=True, slots=True, kw_only=True)
class Size:
    """An install size."""

    users: int
    groups: int
    roles: int
    workspaces: int
    rights: int

    def spec(self) -> InstallSpec:
        """The sample install of this size (no traps, one shared hash: fast to build)."""
        return InstallSpec(
            users=self.users,
            groups=self.groups,
            roles=self.roles,
            workspaces=self.workspaces,
            rights=self.rights,
            shares=False,
            traps=False,
            real_hashes=0,
            collect_expected=False,
            batch_size=5000,
        )


FULL = Size(users=100_000, groups=2_000, roles=500, workspaces=10_000, rights=1_000_000)
TENTH = Size(users=10_000, groups=200, roles=50, workspaces=1_000, rights=100_000)
QUICK = Size(users=600, groups=12, roles=5, workspaces=60, rights=6_000)
QUICK_SMALL = Size(users=150, groups=3, roles=2, workspaces=15, rights=1_500)


def _preload_half(config_path: Path, emu: EmulatorProcess) -> int:
    """Create every other group, role and user of the install in the emulator (as fast as
    it takes them: bare concurrent requests); returns how many were created."""
    config = load_config(config_path, env={"CELLS_TOKEN": emu.token})
    inputs = commands.desired(config)
    with CellsClient(config.cells, read_only=True) as reader:
        plan = build_plan(inputs.desired, reader, stages=STAGES)
    creates = [a for a in plan.actions if a.action is ActionType.CREATE]
    # every group (users need their group path), every other role and user
    half = tuple(a for i, a in enumerate(creates) if a.stage.value == "groups" or i % 2 == 0)
    index = DesiredIndex.build(inputs.desired)
    work = Workload(
        config=config,
        index=index,
        actions=half,
        requests=tuple(plain_requests(half, index)),
        counts={},
    )
    done = run_ceiling(work, emu, latency_ms=0.0, concurrency=8)
    if done.failed:
        raise RuntimeError(f"pre-loading the emulator: {done.failed} requests failed")
    return done.objects


def _plan_runs(
    root: Path, config: Path, emu: EmulatorProcess, runs: int
) -> tuple[list[Measure], dict[str, int]]:
    command = [sys.executable, "-m", "migrate", "-q", "plan", "-c", str(config), "--format", "json"]
    env = dict(os.environ, CELLS_TOKEN=emu.token)
    out = root / "plan.json"
    results: list[Measure] = []
    for _ in range(runs):
        with out.open("w+b") as sink:
            results.append(measure(command, env=env, stdout=sink))
    summary: dict[str, int] = json.loads(out.read_text(encoding="utf-8"))["summary"]
    return results, summary


def bench_plan(size: Size, runs: int, *, preload: bool) -> dict[str, object]:
    """Build ``size``, (pre-load half), run ``plan`` ``runs`` times; the JSON record."""
    with tempfile.TemporaryDirectory(prefix="cm-bench-plan-") as tmp, EmulatorProcess() as emu:
        root = Path(tmp)
        started = time.perf_counter()
        install = sqlite_install(root, size.spec())
        build_s = time.perf_counter() - started
        config = write_config(
            root, install=install, cells_url=emu.url, state=f"sqlite:///{root / 's.db'}"
        )
        preloaded = _preload_half(config, emu) if preload else 0
        measures, counts = _plan_runs(root, config, emu, runs)
    best = median_of(measures)
    return {
        "benchmark": "plan" if preload else "memory",
        "users": size.users,
        "workspaces": size.workspaces,
        "rights": size.rights,
        "preloaded_objects": preloaded,
        "runs": runs,
        "median_wall_s": round(best.wall_s, 2),
        "median_peak_rss_mb": round(best.peak_rss_mb, 1),
        "all_wall_s": [round(m.wall_s, 2) for m in measures],
        "plan_actions": counts,
        "build_s": round(build_s, 1),
    }
