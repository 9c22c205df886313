"""Shared helpers of the benchmarks: timing a child process with its peak RSS, medians."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Measure:
    """One run of a command: wall time in seconds, peak RSS in MB, exit code."""

    wall_s: float
    peak_rss_mb: float
    exit_code: int


def measure(argv: list[str], *, env: dict[str, str] | None = None) -> Measure:
    """Run ``argv`` to completion; stdout is discarded, stderr kept on failure."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    proc.returncode = code
    if code != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {code}:\n{stderr[-2000:]}")
    return Measure(wall_s=wall, peak_rss_mb=usage.ru_maxrss / 1024, exit_code=code)


def median_of(runs: list[Measure]) -> Measure:
    """The median wall time and median peak RSS of several runs."""
    return Measure(
        wall_s=statistics.median(m.wall_s for m in runs),
        peak_rss_mb=statistics.median(m.peak_rss_mb for m in runs),
        exit_code=0,
    )
