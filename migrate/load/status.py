"""``cells-migrate status``: what the state DB says about every run, as JSON or text.

The ``cells-migrate/status/1`` document comes from
:meth:`~migrate.load.checkpoint.CheckpointDB.status_report`; this module opens the state DB
(no runs when there is none yet), renders the text, and gives ``verify`` the users whose
password step is not done (issue 12 point 2).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TextIO

from migrate.config import Config
from migrate.load.checkpoint import STATUS_SCHEMA, CheckpointDB
from migrate.load.checkpoint_records import PasswordStepLeft
from migrate.load.checkpoint_schema import sqlite_path

Now = Callable[[], datetime]
SHOWN_LOGINS = 10


def _existing_state(config: Config, *, now: Now) -> CheckpointDB | None:
    """The state DB, or ``None`` when it is a SQLite file not created yet."""
    path = sqlite_path(config.state.url.reveal())
    if path is not None and not path.exists():
        return None
    return CheckpointDB.open(config.state.url, now=now, create=False)


def status_for_config(config: Config, *, now: Now) -> dict[str, object]:
    """The ``cells-migrate/status/1`` document (no runs when the state DB does not exist yet).

    Raises ``CheckpointError`` when the state DB cannot be read.
    """
    db = _existing_state(config, now=now)
    if db is None:
        return {"schema": STATUS_SCHEMA, "runs": [], "passwords_not_set": []}
    with db:
        return dict(db.status_report())


def password_steps_left(config: Config, *, now: Now) -> list[PasswordStepLeft]:
    """Users whose password step is not done, from the state DB (none without one)."""
    db = _existing_state(config, now=now)
    if db is None:
        return []
    with db:
        return db.password_steps_left()


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
