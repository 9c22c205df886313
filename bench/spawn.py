"""Run a command and write its wall time and peak RSS (``wait4``) to a JSON file.

    python -m bench.spawn RESULT.json COMMAND [ARG ...]

Why a launcher: Linux counts into a child's ``ru_maxrss`` the resident size of the process
it was forked from (the forked copy's high-water mark survives ``exec``), so a command
forked straight from the benchmark process — which holds a built install or a workload —
would report the benchmark's memory, not its own. This launcher has only the standard
library loaded (~10 MB), so what it reports is the command's peak. It imports nothing else.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> int:
    """Spawn, wait, write ``{"wall_s", "peak_rss_kb", "exit_code"}``; exit with the code."""
    result, argv = sys.argv[1], sys.argv[2:]
    start = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, dict(os.environ))
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    with open(result, "w", encoding="utf-8") as out:
        json.dump({"wall_s": wall, "peak_rss_kb": usage.ru_maxrss, "exit_code": code}, out)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
