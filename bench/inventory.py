"""Benchmark ``cells-migrate inventory`` on a generated Pydio 8 install in MariaDB.

    python bench/inventory.py                 # 100,000 users, 10,000 workspaces, 1,000,000 rights
    python bench/inventory.py --quick         # 600 users (CI-sized, no timing assertion)
    python bench/inventory.py --users 10000 --workspaces 1000 --rights 100000

Builds the install with ``migrate.sample`` (real pydio-core create scripts, real PHP-serialized
roles) into the MariaDB database ``cm_bench_inventory`` (dropped and recreated), then runs the
real command line in a child process several times and reports the median wall time and peak
RSS (``wait4`` rusage of the child). Targets (DESIGN.md): <= 30 s and <= 400 MB at full size.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from bench.common import Measure, measure, median_of
from migrate.sample.install import build_install
from migrate.sample.spec import InstallSpec

SERVER = "mysql+pymysql://root@127.0.0.1:3306"
DATABASE = f"cm_bench_inventory_{os.getpid()}"  # one per run: parallel runs never collide


def _fresh_database() -> str:
    _drop_database()
    engine = sa.create_engine(f"{SERVER}/test")
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4"))
    engine.dispose()
    return f"{SERVER}/{DATABASE}?charset=utf8mb4"


def _drop_database() -> None:
    engine = sa.create_engine(f"{SERVER}/test")
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {DATABASE}"))
    engine.dispose()


QUICK_SPEC = InstallSpec(
    users=600,
    groups=12,
    roles=5,
    workspaces=60,
    rights=6000,
    traps=False,
    real_hashes=0,
    collect_expected=False,
    batch_size=5000,
)
FULL_SPEC = InstallSpec(
    users=100_000,
    groups=2_000,
    roles=500,
    workspaces=10_000,
    rights=1_000_000,
    traps=False,
    real_hashes=0,
    collect_expected=False,
    batch_size=5000,
)


def _spec(args: argparse.Namespace) -> InstallSpec:
    if args.quick:
        return QUICK_SPEC
    return InstallSpec(
        users=args.users,
        groups=args.groups,
        roles=args.roles,
        workspaces=args.workspaces,
        rights=args.rights,
        traps=False,
        real_hashes=0,
        collect_expected=False,
        batch_size=5000,
    )


def _config(root: Path, db_url: str) -> Path:
    path = root / "bench-config.yaml"
    path.write_text(
        "legacy:\n"
        f"  install_path: {root / 'install'}\n"
        f"  database_url: {db_url}\n"
        "cells:\n  url: http://127.0.0.1:9\n  auth: {method: pat, token_file: token.txt}\n",
        encoding="utf-8",
    )
    (root / "token.txt").write_text("unused\n", encoding="utf-8")
    return path


def _build_and_measure(spec: InstallSpec, count: int) -> tuple[list[Measure], object, float]:
    with tempfile.TemporaryDirectory(prefix="cm-bench-") as tmp:
        root = Path(tmp)
        db_url = _fresh_database()
        started = time.perf_counter()
        built = build_install(root / "install", dialect="mariadb", db_url=db_url, spec=spec)
        build_s = time.perf_counter() - started
        print(f"built {built.counts} in {build_s:.1f} s", file=sys.stderr)
        config = _config(root, db_url)
        command = [sys.executable, "-m", "migrate", "-q", "inventory", "-c", str(config), "--json"]
        with (root / "inventory.json").open("w+b") as first:
            runs = [measure(command, stdout=first)]
            first.seek(0)
            counts = json.loads(first.read())["counts"]
        runs += [measure(command) for _ in range(count - 1)]
    return runs, counts, build_s


def bench_inventory(spec: InstallSpec, runs: int) -> dict[str, object]:
    """Build ``spec`` in MariaDB, run ``inventory`` ``runs`` times; the JSON record."""
    try:
        measures, counts, build_s = _build_and_measure(spec, runs)
    finally:
        _drop_database()
    result = median_of(measures)
    return {
        "benchmark": "inventory",
        "users": spec.users,
        "workspaces": spec.workspaces,
        "rights": spec.rights,
        "groups": spec.groups,
        "roles": spec.roles,
        "runs": runs,
        "median_wall_s": round(result.wall_s, 2),
        "median_peak_rss_mb": round(result.peak_rss_mb, 1),
        "all_wall_s": [round(m.wall_s, 2) for m in measures],
        "build_s": round(build_s, 1),
        "inventory_counts": counts,
    }


def main(argv: list[str] | None = None) -> int:
    """Build, measure, print a JSON line per measure and a summary table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=2_000)
    parser.add_argument("--roles", type=int, default=500)
    parser.add_argument("--workspaces", type=int, default=10_000)
    parser.add_argument("--rights", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    print(json.dumps(bench_inventory(_spec(args), args.runs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
