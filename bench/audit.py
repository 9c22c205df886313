"""``cells-migrate audit`` at scale (target: 100k users / 10k workspaces / 1M rights in
under 2 minutes and 1 GB).

A sample install (SQLite, the plan benchmark's sizes) is built, its folders created (the data
copy), and an emulator child process is loaded with the whole migrated state
(``bench/audit_load.py``: what a complete apply leaves on Cells). The real command
``python -m migrate audit --format json`` then runs in a child process against it (wall
time and peak RSS from ``wait4``); its JSON totals are kept, so a run that compared nothing
cannot pass for a fast one.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.common import EmulatorProcess, Measure, measure, median_of, sqlite_install, write_config
from bench.plan import Size
from migrate.demo_setup import copy_data_folders

ACCEPT = (
    "audit:\n  accept:\n"
    '    - {workspace: common-files, change: widened, reason: "Cells\' own Common Files"}\n'
    '    - {legacy: "*folder mask*", reason: "Cells cannot deny unlisted folders"}\n'
)


def _audit_runs(
    config: Path, emu: EmulatorProcess, root: Path, runs: int
) -> tuple[list[Measure], dict[str, object]]:
    command = [
        sys.executable,
        "-m",
        "migrate",
        "-q",
        "audit",
        "-c",
        str(config),
        "--format",
        "json",
    ]
    env = dict(os.environ, CELLS_TOKEN=emu.token)
    out = root / "audit.json"
    results: list[Measure] = []
    for _ in range(runs):
        with out.open("w+b") as sink:
            results.append(measure(command, env=env, stdout=sink, ok=(0, 1)))
    report = json.loads(out.read_text(encoding="utf-8"))
    return results, {"parity": report["parity"], **report["totals"]}


def bench_audit(size: Size, runs: int) -> dict[str, object]:
    """Build ``size``, load the emulator with its migrated state, run ``audit`` ``runs`` times."""
    with tempfile.TemporaryDirectory(prefix="cm-bench-audit-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        install = sqlite_install(root, size.spec())
        build_s = time.perf_counter() - started
        state = f"sqlite:///{root / 's.db'}"
        config = write_config(root, install=install, cells_url="http://127.0.0.1:9", state=state)
        copy_data_folders(config, {"CELLS_TOKEN": "unused"})
        argv = [sys.executable, "-m", "bench.audit_load", str(config)]
        with EmulatorProcess(argv) as emu:
            loaded = json.loads(emu.preamble[-1]) if emu.preamble else {}
            config = write_config(root, install=install, cells_url=emu.url, state=state)
            config.write_text(config.read_text(encoding="utf-8") + ACCEPT, encoding="utf-8")
            measures, totals = _audit_runs(config, emu, root, runs)
    best = median_of(measures)
    return {
        "benchmark": "audit",
        "users": size.users,
        "workspaces": size.workspaces,
        "rights": size.rights,
        "runs": runs,
        "median_wall_s": round(best.wall_s, 2),
        "median_peak_rss_mb": round(best.peak_rss_mb, 1),
        "all_wall_s": [round(m.wall_s, 2) for m in measures],
        "cells_objects": loaded,
        "audit_totals": totals,
        "build_s": round(build_s, 1),
        "target": "< 120 s, < 1024 MB at 100k users / 10k workspaces / 1M rights",
    }
