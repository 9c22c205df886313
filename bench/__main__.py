"""One entry point for the benchmarks (issue 8; DESIGN.md "Performance").

    python -m bench [--quick] [--runs N] [all|MEASURE ...]

MEASURE: inventory, plan, apply, checkpoint, memory, rollback, audit.

Prints one JSON line per measure on stdout, then a summary table. Heavy measures run one
after the other (the machine has 2 cores). ``--quick`` is the CI size: seconds, not minutes;
its figures say nothing about the targets. No figure is asserted here: the numbers and the
targets are reported side by side, and ``bench/README.md`` keeps them.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

from bench import apply as ap
from bench import rollback as rb
from bench.audit import bench_audit
from bench.common import EmulatorProcess, emit
from bench.inventory import FULL_SPEC, QUICK_SPEC, bench_inventory
from bench.plan import FULL, QUICK, QUICK_SMALL, TENTH, bench_plan
from bench.workload import prepare

MEASURES = ("inventory", "plan", "apply", "checkpoint", "memory", "rollback", "audit")
LATENCIES = (0.0, 10.0)
CONCURRENCY = (1, 4, 8, 16)
TARGET_LATENCY, TARGET_C = 10.0, 8


def _median(
    args: argparse.Namespace,
    out: list[dict[str, object]],
    fn: Callable[[], ap.Throughput],
    counts: dict[str, int],
    benchmark: str = "apply",
) -> ap.Throughput:
    median, rates = ap.median_run(fn() for _ in range(args.runs))
    out.append({**ap.record(median, rates, workload=counts), "benchmark": benchmark})
    emit(out[-1])
    return median


QUICK_APPLY_USERS = 40  # the CI size: outcomes only, a few seconds


def _apply(args: argparse.Namespace, out: list[dict[str, object]]) -> None:
    users = QUICK_APPLY_USERS if args.quick else args.apply_users
    with tempfile.TemporaryDirectory(prefix="cm-bench-apply-") as tmp, EmulatorProcess() as emu:
        work = prepare(Path(tmp), emu, users)
        state = Path(tmp) / "state.db"
        for latency in LATENCIES:
            best = {
                "baseline": _median(
                    args, out, partial(ap.run_baseline, work, emu, latency_ms=latency), work.counts
                )
            }
            for c in CONCURRENCY:
                ceiling = partial(ap.run_ceiling, work, emu, latency_ms=latency, concurrency=c)
                tool = partial(ap.run_tool, work, emu, state, latency_ms=latency, concurrency=c)
                best[f"ceiling{c}"] = _median(args, out, ceiling, work.counts)
                best[f"tool{c}"] = _median(args, out, tool, work.counts)
            out.append(_ratios(latency, best))
            emit(out[-1])


def _ratios(latency: float, best: dict[str, ap.Throughput]) -> dict[str, object]:
    base = best["baseline"].per_s
    return {
        "benchmark": "apply-ratios",
        "latency_ms": latency,
        "tool_vs_baseline": {str(c): round(best[f"tool{c}"].per_s / base, 2) for c in CONCURRENCY},
        "tool_vs_ceiling": {
            str(c): round(best[f"tool{c}"].per_s / best[f"ceiling{c}"].per_s, 3)
            for c in CONCURRENCY
        },
        "target": "at 10 ms / c=8: >= 6x baseline and >= 0.9 of the ceiling",
    }


def _checkpoint(args: argparse.Namespace, out: list[dict[str, object]]) -> None:
    users = QUICK_APPLY_USERS if args.quick else args.apply_users
    with tempfile.TemporaryDirectory(prefix="cm-bench-ckpt-") as tmp, EmulatorProcess() as emu:
        work = prepare(Path(tmp), emu, users)
        state = Path(tmp) / "state.db"
        for latency in LATENCIES:
            on: list[ap.Throughput] = []
            off: list[ap.Throughput] = []
            for _ in range(max(args.runs, 3) if not args.quick else 1):  # interleaved
                kw = {"latency_ms": latency, "concurrency": TARGET_C}
                on.append(ap.run_tool(work, emu, state, checkpoint=True, **kw))  # type: ignore[arg-type]
                off.append(ap.run_tool(work, emu, state, checkpoint=False, **kw))  # type: ignore[arg-type]
            with_ck, _ = ap.median_run(on)
            without, _ = ap.median_run(off)
            out.append(
                {
                    "benchmark": "checkpoint",
                    "latency_ms": latency,
                    "concurrency": TARGET_C,
                    "objects": with_ck.objects,
                    "objects_without": without.objects,
                    "with_checkpoint_s": round(with_ck.wall_s, 3),
                    "without_checkpoint_s": round(without.wall_s, 3),
                    "all_with_s": sorted(round(r.wall_s, 3) for r in on),
                    "all_without_s": sorted(round(r.wall_s, 3) for r in off),
                    "overhead_pct": round((with_ck.wall_s / without.wall_s - 1) * 100, 1),
                    "target": "<= 5 %",
                }
            )
            emit(out[-1])


def _rollback(args: argparse.Namespace, out: list[dict[str, object]]) -> None:
    """Rollback objects/s at 10 ms and 300 ms (issue 12: "~4x slower at 300 ms"),
    sequential vs the apply's concurrency; 300 ms uses a smaller workload (a sequential
    rollback of 100 objects takes about a minute there)."""
    sizes = {10.0: 20, 300.0: 8} if args.quick else {10.0: args.rollback_users, 300.0: 40}
    latencies = (10.0,) if args.quick else (10.0, 300.0)
    for latency in latencies:
        with (
            tempfile.TemporaryDirectory(prefix="cm-bench-rollback-") as tmp,
            EmulatorProcess() as emu,
        ):
            work = prepare(Path(tmp), emu, sizes[latency])
            state = Path(tmp) / "state.db"
            rates: dict[int, ap.Throughput] = {}
            for c in (1, 4, TARGET_C):
                run = partial(rb.run_rollback, work, emu, state, latency_ms=latency, concurrency=c)
                rates[c] = _median(args, out, run, work.counts, "rollback")
            base = rates[1].per_s
            out.append(
                {
                    "benchmark": "rollback-ratios",
                    "latency_ms": latency,
                    "speedup_vs_sequential": {
                        str(c): round(r.per_s / base, 2) for c, r in rates.items()
                    },
                }
            )
            emit(out[-1])


def _inventory(args: argparse.Namespace, out: list[dict[str, object]]) -> None:
    out.append(bench_inventory(QUICK_SPEC if args.quick else FULL_SPEC, args.runs))
    emit(out[-1])


def _plan(args: argparse.Namespace, out: list[dict[str, object]]) -> None:
    out.append(bench_plan(QUICK if args.quick else FULL, args.runs, preload=True))
    emit(out[-1])


def _memory(args: argparse.Namespace, out: list[dict[str, object]]) -> None:
    small, large = (QUICK_SMALL, QUICK) if args.quick else (TENTH, FULL)
    for size in (small, large):
        out.append(bench_plan(size, 1 if args.quick else 2, preload=False))
        emit(out[-1])
    first, second = out[-2], out[-1]
    growth = float(second["median_peak_rss_mb"]) / float(first["median_peak_rss_mb"])  # type: ignore[arg-type]
    out.append(
        {
            "benchmark": "memory-growth",
            "users": [first["users"], second["users"]],
            "peak_rss_mb": [first["median_peak_rss_mb"], second["median_peak_rss_mb"]],
            "rss_ratio": round(growth, 2),
            "size_ratio": round(int(second["users"]) / int(first["users"]), 1),  # type: ignore[call-overload]
        }
    )
    emit(out[-1])


def _audit(args: argparse.Namespace, out: list[dict[str, object]]) -> None:
    out.append(bench_audit(QUICK if args.quick else FULL, args.runs))
    emit(out[-1])


RUNNERS: dict[str, Callable[[argparse.Namespace, list[dict[str, object]]], None]] = {
    "inventory": _inventory,
    "plan": _plan,
    "apply": _apply,
    "checkpoint": _checkpoint,
    "memory": _memory,
    "rollback": _rollback,
    "audit": _audit,
}


def summary(records: list[dict[str, object]]) -> str:
    """The summary table (one row per measure)."""
    rows = ["| measure | setting | figure |", "|---|---|---|"]
    for r in records:
        kind = r["benchmark"]
        if kind in ("inventory", "plan", "memory", "audit"):
            setting = f"{r['users']} users, {r['rights']} rights"
            figure = f"{r['median_wall_s']} s, {r['median_peak_rss_mb']} MB"
        elif kind in ("apply", "rollback"):
            setting = f"{r['mode']} {r['latency_ms']} ms c={r['concurrency']}"
            figure = (
                f"{r['objects_per_s']} objects/s ({r['objects']} objects, {r['failed']} failed)"
            )
        elif kind == "rollback-ratios":
            setting = f"{r['latency_ms']} ms"
            figure = f"speedup vs 1 thread {r['speedup_vs_sequential']}"
        elif kind == "apply-ratios":
            setting = f"{r['latency_ms']} ms"
            figure = f"vs baseline {r['tool_vs_baseline']}; vs ceiling {r['tool_vs_ceiling']}"
        elif kind == "checkpoint":
            setting = f"{r['latency_ms']} ms c={r['concurrency']}"
            figure = (
                f"{r['overhead_pct']} % ({r['with_checkpoint_s']} vs {r['without_checkpoint_s']} s)"
            )
        else:
            setting = f"users {r['users']}"
            figure = (
                f"peak RSS {r['peak_rss_mb']} MB (x{r['rss_ratio']} for x{r['size_ratio']} users)"
            )
        rows.append(f"| {kind} | {setting} | {figure} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen measures one at a time; JSON lines, then the summary table."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("measures", nargs="*", default="all", choices=("all", *MEASURES))
    parser.add_argument("--quick", action="store_true", help="CI size (seconds)")
    parser.add_argument("--runs", type=int, default=None, help="runs per figure (median)")
    parser.add_argument("--apply-users", type=int, default=2000, help="users in the apply workload")
    parser.add_argument(
        "--rollback-users", type=int, default=400, help="users in the 10 ms rollback workload"
    )
    args = parser.parse_args(argv)
    if args.runs is None:
        args.runs = 1 if args.quick else 3
    asked = [args.measures] if isinstance(args.measures, str) else args.measures
    chosen = MEASURES if "all" in asked else tuple(dict.fromkeys(asked))
    records: list[dict[str, object]] = []
    for name in chosen:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        RUNNERS[name](args, records)
    print(summary(records))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(bench process peak RSS {rss:.0f} MB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
