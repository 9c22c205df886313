"""Shared helpers of the benchmarks: timing a child process with its peak RSS, medians."""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from typing import IO


@dataclass(frozen=True, slots=True)
class Measure:
    """One run of a command: wall time in seconds, peak RSS in MB, exit code."""

    wall_s: float
    peak_rss_mb: float
    exit_code: int


def measure(
    argv: list[str], *, env: dict[str, str] | None = None, stdout: IO[bytes] | None = None
) -> Measure:
    """Run ``argv`` to completion; stdout goes to ``stdout`` (else discarded), stderr to a
    temporary file (a pipe could fill up and block the child) shown when the run fails."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=stdout or subprocess.DEVNULL, stderr=errors, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        if code != 0:
            errors.seek(0)
            tail = errors.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(argv)} exited {code}:\n{tail}")
    return Measure(wall_s=wall, peak_rss_mb=usage.ru_maxrss / 1024, exit_code=code)


def median_of(runs: list[Measure]) -> Measure:
    """The median wall time and median peak RSS of several runs."""
    return Measure(
        wall_s=statistics.median(m.wall_s for m in runs),
        peak_rss_mb=statistics.median(m.peak_rss_mb for m in runs),
        exit_code=0,
    )
