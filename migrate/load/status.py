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


def _counted(counts: object) -> str:
    if not isinstance(counts, dict):
        return ""
    return ", ".join(f"{n} {k}" for k, n in counts.items() if n)


def render_status(report: Mapping[str, object], out: TextIO) -> None:
    """The ``status`` document as text: one line per run, its stages and password steps,
    then the users whose password is not set."""
    runs = report.get("runs")
    if not isinstance(runs, list) or not runs:
        out.write("No runs recorded yet.\n")
        return
    for run in runs:
        if not isinstance(run, dict):
            continue
        out.write(
            f"run {run.get('id')}  {run.get('command')}  {run.get('status')}  "
            f"started {run.get('started_at')}  finished {run.get('finished_at') or '-'}  "
            f"{_counted(run.get('counts')) or 'no items'}\n"
        )
        for stage, stage_counts in dict(run.get("stages") or {}).items():
            out.write(f"    {stage:<11} {_counted(stage_counts)}\n")
        passwords = _counted(run.get("passwords"))
        if passwords:
            out.write(f"    {'passwords':<11} {passwords}\n")
    _render_not_set(report.get("passwords_not_set"), out)


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
