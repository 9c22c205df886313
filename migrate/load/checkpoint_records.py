"""The values the checkpoint DB hands out and takes in (runs, planned and recorded items).

Part of the checkpoint DB (:mod:`migrate.load.checkpoint` re-exports them). Rows become frozen
dataclasses here, so no SQL row or dict leaves the checkpoint modules except the
``cells-migrate/status/1`` JSON document, which is output. Stage, kind, action, status and
command are enums from the row on; their stored form is their value (schema 2 unchanged).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from migrate.kinds.keys import ObjectRef
from migrate.kinds.vocabulary import Action, ActionType, Kind, Stage
from migrate.load.checkpoint_schema import (
    ItemAction,
    ItemStatus,
    JsonObject,
    JsonValue,
    PasswordState,
    RunCommand,
    RunStatus,
    dump_json,
    from_db_time,
    load_json,
)

STATUS_SCHEMA = "cells-migrate/status/1"
_COUNTED = ("done", "failed", "pending", "skipped", "rolled_back")


@dataclass(frozen=True, slots=True, kw_only=True)
class RunInfo:
    """One run of a command (apply, resume continues one, rollback) as recorded."""

    id: int
    command: RunCommand
    fingerprint: str | None
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None
    host: str
    pid: int
    user: str
    summary: JsonObject | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedItem:
    """An object the run means to handle, recorded ``pending`` before anything is written.

    ``key`` is the natural key (``alice``, ``group:/sales``…); ``cells_id`` the id when known
    at plan time (deterministic ids); ``before`` the rollback image when the plan already
    read the object (an update); ``wave`` the dependency order inside the stage;
    ``password`` marks a user create whose password step is recorded (``pending`` at once).
    """

    stage: Stage
    kind: Kind
    key: str
    action: ItemAction
    cells_id: str | None = None
    before: Mapping[str, JsonValue] | None = None
    wave: int = 0
    password: bool = False

    def row(self, *, run_id: int, position: int, stamp: datetime) -> dict[str, object]:
        """The ``items`` row values (internal to the checkpoint modules)."""
        return {
            "run_id": run_id,
            "position": position,
            "stage": self.stage.value,
            "kind": self.kind.value,
            "natural_key": self.key,
            "cells_id": self.cells_id,
            "action": self.action.value,
            "status": ItemStatus.PENDING.value,
            "attempts": 0,
            "last_error": None,
            "before_image": dump_json(self.before),
            "after_image": None,
            "updated_at": stamp,
            "seq": None,
            "wave": self.wave,
            "password_state": PasswordState.PENDING.value if self.password else None,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemRecord:
    """One item as recorded: what was planned and what happened to it.

    ``seq`` orders ``done`` items by confirmation (rollback walks it backwards); ``error``
    is the last error or skip reason (redacted by the caller, at most 300 characters);
    ``password`` the state of a created user's password step (``None``: no such step).
    """

    id: int
    run_id: int
    position: int
    stage: Stage
    kind: Kind
    key: str
    cells_id: str | None
    action: ItemAction
    status: ItemStatus
    attempts: int
    error: str | None
    before: JsonObject | None
    after: JsonObject | None
    updated_at: datetime
    seq: int | None
    wave: int = 0
    password: PasswordState | None = None

    @property
    def ref(self) -> ObjectRef:
        """The Cells object the item is about."""
        return ObjectRef(kind=self.kind, key=self.key, cells_id=self.cells_id or "")

    def as_action(self) -> Action | None:
        """The action the run recorded (``inverse()`` gives its undo); ``None`` for what
        wrote nothing (noop, skip) or is itself an undo (restore)."""
        if self.action in (ItemAction.NOOP, ItemAction.SKIP, ItemAction.RESTORE):
            return None
        return Action(
            stage=self.stage,
            kind=self.kind,
            key=self.key,
            action=ActionType(self.action.value),
            cells_id=self.cells_id or "",
            order=self.wave,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordStepLeft:
    """A created user whose password step is not done: ``user_confirmed`` when its create
    was confirmed (else the user may or may not be in Cells: a crash came in between)."""

    login: str
    run_id: int
    state: PasswordState
    user_confirmed: bool

    def to_json(self) -> dict[str, JsonValue]:
        """``{"login", "run", "state"}`` (status and verify documents)."""
        return {"login": self.login, "run": self.run_id, "state": self.state.value}


def _required_time(value: datetime | None) -> datetime:
    converted = from_db_time(value)
    if converted is None:  # NOT NULL columns: only a hand-edited DB gets here
        raise ValueError("missing time in a NOT NULL column")
    return converted


def run_info(row: sa.Row[Any]) -> RunInfo:
    """A ``runs`` row as :class:`RunInfo`."""
    return RunInfo(
        id=int(row.id),
        command=RunCommand(row.command),
        fingerprint=row.fingerprint,
        status=RunStatus(row.status),
        started_at=_required_time(row.started_at),
        finished_at=from_db_time(row.finished_at),
        host=row.host,
        pid=int(row.pid),
        user=row.username,
        summary=load_json(row.summary),
    )


def item_record(row: sa.Row[Any]) -> ItemRecord:
    """An ``items`` row as :class:`ItemRecord`."""
    return ItemRecord(
        id=int(row.id),
        run_id=int(row.run_id),
        position=int(row.position),
        stage=Stage(row.stage),
        kind=Kind(row.kind),
        key=row.natural_key,
        cells_id=row.cells_id,
        action=ItemAction(row.action),
        status=ItemStatus(row.status),
        attempts=int(row.attempts),
        error=row.last_error,
        before=load_json(row.before_image),
        after=load_json(row.after_image),
        updated_at=_required_time(row.updated_at),
        seq=None if row.seq is None else int(row.seq),
        wave=int(row.wave or 0),
        password=None if row.password_state is None else PasswordState(row.password_state),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class FailureRecord:
    """One failure of a run, with its reason (``status``): an item that failed, an item a
    failure kept from being attempted (``skipped``), or a failed password step."""

    stage: Stage
    kind: Kind
    key: str
    action: ItemAction
    status: str  # "failed", "skipped" or "password failed"
    reason: str

    def to_json(self) -> dict[str, JsonValue]:
        """``{"stage", "kind", "key", "action", "status", "reason"}``."""
        return {
            "stage": self.stage.value,
            "kind": self.kind.value,
            "key": self.key,
            "action": self.action.value,
            "status": self.status,
            "reason": self.reason,
        }


def failure_record(row: sa.Row[Any]) -> FailureRecord:
    """A row of :func:`~migrate.load.checkpoint_queries.failures` as a record."""
    status = row.status
    if status not in (ItemStatus.FAILED.value, ItemStatus.SKIPPED.value):
        status = "password failed"  # the user is there; its password step failed
    return FailureRecord(
        stage=Stage(row.stage),
        kind=Kind(row.kind),
        key=row.natural_key,
        action=ItemAction(row.action),
        status=status,
        reason=row.last_error or "no reason recorded",
    )


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def status_entry(
    run: RunInfo,
    stages: Mapping[str, Mapping[str, int]],
    passwords: Mapping[str, int] | None = None,
    *,
    unchanged: Mapping[str, int] | None = None,
    failures: Sequence[FailureRecord] = (),
    failures_total: int = 0,
) -> JsonValue:
    """One run of the ``cells-migrate/status/1`` document, with totals, per-stage counts
    and the password steps of the users it created (by state).

    ``done`` counts every confirmed item; ``changed`` and ``unchanged`` (a noop: Cells
    already held it) split it. ``outcome`` says in one word what the run amounted to:
    ``changed``, ``no-changes`` (nothing written: every item unchanged or skipped),
    ``rolled-back``, ``failures``, ``running``, ``interrupted``, or for a rollback run
    ``rollback``. ``failures`` lists the run's failures with their reasons (the first ones;
    ``failures_total`` counts them all); a rollback run's are the objects it refused or
    could not undo, and ``rollback`` holds what it did (runs, undone, refused, failed).
    """
    totals = dict.fromkeys(_COUNTED, 0)
    per_stage: dict[str, JsonValue] = {}
    for stage in sorted(stages):
        counts = dict.fromkeys(_COUNTED, 0)
        for status, n in stages[stage].items():
            counts[status] = counts.get(status, 0) + n
            totals[status] = totals.get(status, 0) + n
        same = (unchanged or {}).get(stage, 0)
        counts["unchanged"] = same
        counts["changed"] = counts["done"] - same
        per_stage[stage] = dict(counts)
    totals["unchanged"] = sum((unchanged or {}).values())
    totals["changed"] = totals["done"] - totals["unchanged"]
    listed: list[JsonValue] = [f.to_json() for f in failures]
    rollback: JsonValue = None
    if run.command is RunCommand.ROLLBACK:
        rollback, listed, failures_total = _rollback_part(run.summary)
        if isinstance(rollback, dict) and isinstance(rollback["by_stage"], dict):
            per_stage = {s: {"undone": n} for s, n in rollback["by_stage"].items()}
    return {
        "id": run.id,
        "command": run.command.value,
        "status": run.status.value,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "fingerprint": run.fingerprint,
        "counts": dict(totals),
        "stages": per_stage,
        "passwords": {
            state.value: (passwords or {}).get(state.value, 0) for state in PasswordState
        },
        "outcome": _outcome(run, totals, failures_total),
        "failures": listed,
        "failures_total": failures_total,
        "rollback": rollback,
    }


def _outcome(run: RunInfo, totals: Mapping[str, int], failures_total: int) -> str:
    if run.command is RunCommand.ROLLBACK:
        return "rollback"
    if run.status is RunStatus.ROLLED_BACK:
        return "rolled-back"
    if run.status in (RunStatus.RUNNING, RunStatus.INTERRUPTED):
        return run.status.value
    if failures_total or totals["failed"]:
        return "failures"
    if totals["changed"] == 0 and totals["rolled_back"] == 0:
        return "no-changes"
    return "changed"


def _rollback_part(summary: JsonObject | None) -> tuple[JsonValue, list[JsonValue], int]:
    """What a rollback run did, from the summary it recorded: ``{"runs", "undone",
    "refused", "failed"}`` and its refusals and failures as failures."""
    if not summary:
        return None, [], 0
    lines: list[JsonValue] = []
    for status in ("refused", "failed"):
        entries = summary.get(status)
        for line in entries if isinstance(entries, list) else []:
            lines.append({"status": status, "reason": str(line)})
    part: dict[str, JsonValue] = {
        "runs": summary.get("runs", []),
        "undone": summary.get("undone", 0),
        "by_stage": summary.get("by_stage", {}),
        "refused": len([x for x in lines if isinstance(x, dict) and x["status"] == "refused"]),
        "failed": len([x for x in lines if isinstance(x, dict) and x["status"] == "failed"]),
    }
    return part, lines, len(lines)
