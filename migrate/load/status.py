"""``cells-migrate status``: what the state DB says about every run, as text.

The ``cells-migrate/status/1`` document comes from
:meth:`~migrate.load.checkpoint.CheckpointDB.status_report` (``migrate.commands`` opens the
state DB; no runs when there is none yet); this module renders it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

from migrate.load.checkpoint import STATUS_SCHEMA

SHOWN_LOGINS = 10


def empty_status() -> dict[str, object]:
    """The ``cells-migrate/status/1`` document of a state DB not created yet."""
    return {"schema": STATUS_SCHEMA, "runs": [], "passwords_not_set": []}


_SHOWN_COUNTS = ("changed", "unchanged", "failed", "pending", "skipped", "rolled_back", "undone")
_LABELS = {"rolled_back": "rolled back"}
_OUTCOMES = {
    "no-changes": "done, no changes",
    "rolled-back": "rolled back",
    "failures": "with failures",
}


def _counted(counts: object) -> str:
    """``3 changed, 2 unchanged, 1 failed…`` (``done`` is shown split in two)."""
    if not isinstance(counts, dict):
        return ""
    shown = [k for k in _SHOWN_COUNTS if k in counts] or list(counts)
    return ", ".join(f"{counts[k]} {_LABELS.get(k, k)}" for k in shown if counts.get(k))


def render_status(report: Mapping[str, object], out: TextIO) -> None:
    """The ``status`` document as text: one line per run (what it amounted to: changed,
    no changes, rolled back…), its stages, password steps and failures with their reasons,
    then the users whose password is not set."""
    runs = report.get("runs")
    if not isinstance(runs, list) or not runs:
        out.write("No runs recorded yet.\n")
        return
    for run in runs:
        if isinstance(run, dict):
            _render_run(run, out)
    _render_not_set(report.get("passwords_not_set"), out)


def _render_run(run: Mapping[str, object], out: TextIO) -> None:
    status = str(run.get("status"))
    outcome = _OUTCOMES.get(str(run.get("outcome")))
    if outcome and not (outcome == "rolled back" and status == "rolled_back"):
        status = outcome if status == "done" else f"{status}, {outcome}"
    elif status == "rolled_back":
        status = "rolled back"
    out.write(
        f"run {run.get('id')}  {run.get('command')}  {status}  "
        f"started {run.get('started_at')}  finished {run.get('finished_at') or '-'}  "
        f"{_what(run)}\n"
    )
    stages = run.get("stages")
    for stage, stage_counts in (stages if isinstance(stages, dict) else {}).items():
        out.write(f"    {stage:<11} {_counted(stage_counts)}\n")
    passwords = _counted(run.get("passwords"))
    if passwords:
        out.write(f"    {'passwords':<11} {passwords}\n")
    _render_failures(run, out)


def _what(run: Mapping[str, object]) -> str:
    rollback = run.get("rollback")
    if isinstance(rollback, dict):
        runs = ", ".join(str(r) for r in rollback.get("runs") or []) or "none"
        parts = [f"undid {rollback.get('undone', 0)} object(s) of run(s) {runs}"]
        parts += [f"{rollback[k]} {k}" for k in ("refused", "failed") if rollback.get(k)]
        return ", ".join(parts)
    if run.get("command") == "rollback":
        return "nothing recorded (a rollback from before status kept its summary)"
    return _counted(run.get("counts")) or "no items"


def _render_failures(run: Mapping[str, object], out: TextIO) -> None:
    failures = run.get("failures")
    if not isinstance(failures, list) or not failures:
        return
    total = run.get("failures_total")
    total = total if isinstance(total, int) else len(failures)
    out.write(f"    failures ({total}):\n")
    for failure in failures:
        if not isinstance(failure, dict):
            continue
        if "key" in failure:
            out.write(
                f"      {failure.get('kind')}:{failure.get('key')} ({failure.get('action')}) "
                f"{failure.get('status')}: {failure.get('reason')}\n"
            )
        else:
            out.write(f"      {failure.get('status')} {failure.get('reason')}\n")
    if total > len(failures):
        out.write(
            f"      … {total - len(failures)} more: "
            f"cells-migrate status --run {run.get('id')} --failed\n"
        )


def _render_not_set(steps: object, out: TextIO) -> None:
    if not isinstance(steps, list) or not steps:
        return
    by_run: dict[object, list[str]] = {}
    for step in steps:
        if isinstance(step, dict):
            by_run.setdefault(step.get("run"), []).append(str(step.get("login")))
    for run_id, logins in by_run.items():
        shown = ", ".join(logins[:SHOWN_LOGINS]) + (", …" if len(logins) > SHOWN_LOGINS else "")
        out.write(
            f"{len(logins)} user(s) of run {run_id} without the password the strategy sets "
            f"({shown}): `cells-migrate resume --run {run_id}` sets it\n"
        )
