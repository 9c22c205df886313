"""Undo what runs did: delete what they created, restore what they updated (newest first).

DESIGN.md "Checkpoint DB": rollback walks ``done`` items newest first, in reverse
dependency order, with the same bounded concurrency as apply (issue 12 point 3): runs
newest first; inside a run, stages in reverse order (ACLs … datasources), inside a stage
the highest wave first (child groups before their parents), and inside a wave the newest
confirmation first on at most ``concurrency`` threads. Each object is read back first and
compared with what the run wrote (the item's ``after`` image, which every ``done`` item
carries however it got there): an object changed since by someone else is refused unless
``force``. A datasource delete leaves the ``.pydio`` files Cells wrote into every folder of
the legacy tree (cells-v3-behaviour.md): they are removed from the folder recorded when the
tool created the datasource (never from where it points now) when that folder is reachable
from here, and the report says so when it is not. Rollback runs as a run of its own
(command ``rollback``), holding the state DB's lock; Ctrl-C or SIGTERM lets the undos in
flight finish and be recorded.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from itertools import groupby
from typing import TextIO

from migrate.cells.client import CellsClient
from migrate.errors import CheckpointError, MigrateError, PlanError
from migrate.kinds.registry import handler_for
from migrate.kinds.vocabulary import (
    NONE_SHOWN,
    SENSITIVE_CHANGED,
    ActionType,
    FieldChange,
    Stage,
)
from migrate.load.checkpoint import (
    CheckpointDB,
    ItemRecord,
    ItemWriter,
    LockHolder,
    RunCommand,
    RunStatus,
)
from migrate.load.checkpoint_schema import ItemAction

log = logging.getLogger(__name__)

ROLLBACK_SCHEMA = "cells-migrate/rollback/1"
_UNDOABLE = (ItemAction.CREATE, ItemAction.UPDATE, ItemAction.ADOPT, ItemAction.DELETE)
IN_FLIGHT_PER_WORKER = 4


@dataclass(slots=True, kw_only=True)
class RollbackReport:
    """What a rollback did: undone, refused (changed since), failed; notes for the admin."""

    runs: list[int] = field(default_factory=list)
    undone: int = 0
    by_stage: dict[str, int] = field(default_factory=dict)  # undone per stage
    refused: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def exit_code(self) -> int:
        """0 all undone, 3 some refused or failed (DESIGN.md: rollback 0 / 3 / 1)."""
        return 3 if self.refused or self.failed else 0

    def count_undone(self, stage: Stage) -> None:
        """One more object of ``stage`` undone (thread-safe)."""
        with self.lock:
            self.undone += 1
            self.by_stage[stage.value] = self.by_stage.get(stage.value, 0) + 1

    def refuse(self, line: str) -> None:
        """An object left alone because it changed since (thread-safe)."""
        with self.lock:
            self.refused.append(line)

    def fail(self, line: str) -> None:
        """An object Cells refused to undo (thread-safe)."""
        with self.lock:
            self.failed.append(line)

    def to_json(self) -> dict[str, object]:
        """The ``cells-migrate/rollback/1`` document."""
        return {
            "schema": ROLLBACK_SCHEMA,
            "runs": self.runs,
            "undone": self.undone,
            "by_stage": dict(sorted(self.by_stage.items())),
            "refused": self.refused,
            "failed": self.failed,
            "notes": self.notes,
        }

    def render_text(self, out: TextIO) -> None:
        """A human summary."""
        runs = ", ".join(str(r) for r in self.runs) or "none"
        out.write(f"Rolled back run(s) {runs}: {self.undone} object(s) undone\n")
        for line in self.refused:
            out.write(f"  refused {line}\n")
        for line in self.failed:
            out.write(f"  failed {line}\n")
        for note in self.notes:
            out.write(f"  note: {note}\n")
        if self.refused:
            out.write("Objects changed since the run were left alone; --force undoes them too.\n")


def since_text(changes: Sequence[FieldChange]) -> str:
    """``field: as the run wrote it → as it is now, …`` for a refusal; a sensitive field
    shows a marker, never its value (each ``FieldChange`` of ``changes_since`` holds the
    written value as ``new`` and the current one as ``old``)."""
    parts = []
    for change in changes:
        if change.sensitive:
            parts.append(f"{change.field}: {SENSITIVE_CHANGED}")
        else:
            parts.append(f"{change.field}: {_shown(change.new)} → {_shown(change.old)}")
    return "; ".join(parts)


def _shown(value: str | None) -> str:
    return NONE_SHOWN if value is None else repr(value)


class _ChangedSince(Exception):
    """The live object is not what the run wrote (someone changed it since)."""


class Undoer:
    """Undoes one ``done`` item against Cells (thread-safe): the inverse of the action the
    run recorded (``Action.inverse()``), through the kind's handler."""

    def __init__(self, client: CellsClient, *, force: bool) -> None:
        self.client = client
        self.force = force
        self.notes: list[str] = []
        self._notes_lock = threading.Lock()

    def note(self, text: str) -> None:
        """Keep a note for the report."""
        with self._notes_lock:
            self.notes.append(text)

    def undo(self, item: ItemRecord) -> bool:
        """Undo ``item``; False when there was nothing to undo. Raises ``_ChangedSince`` when the
        object was changed since (and not ``force``), ``CellsError`` when Cells refuses."""
        recorded = item.as_action() if item.action in _UNDOABLE else None
        undo = recorded.inverse() if recorded is not None else None
        if undo is None:
            return False
        if undo.action is not ActionType.DELETE and item.before is None:
            return False  # an adoption without changes, or nothing was there before
        handler = handler_for(item.kind)
        ref = item.ref
        live = handler.read(self.client, ref)
        if not self.force and live is not None:
            if item.after is None:
                raise _ChangedSince(
                    f"{ref}: what run {item.run_id} wrote is not recorded "
                    "(a state DB from before cells-migrate kept after-images), so a change "
                    "made since cannot be told apart"
                )
            changes = handler.changes_since(item.after, live)
            if changes:
                raise _ChangedSince(
                    f"{ref} changed since run {item.run_id} wrote it: {since_text(changes)}"
                )
        if undo.action is ActionType.DELETE:
            if live is not None:
                refusal = "" if self.force else handler.delete_refusal(self.client, ref)
                if refusal:
                    raise _ChangedSince(refusal)
                for note in handler.delete(self.client, ref, live, item.after):
                    self.note(note)
            return True
        if item.before is None:  # for mypy: checked above
            return False
        handler.restore(self.client, ref, item.before)
        return True


def rollback(
    db: CheckpointDB,
    client: CellsClient,
    *,
    holder: LockHolder,
    run_id: int | None = None,
    every_run: bool = False,
    stages: tuple[Stage, ...] = (),
    force: bool = False,
    confirm: Callable[[list[int], int], bool] | None = None,
    concurrency: int = 1,
) -> RollbackReport:
    """Undo run ``run_id`` (default: the last run that changed something) or, with
    ``every_run``, every run of this state DB, newest first in reverse dependency order,
    on at most ``concurrency`` threads.

    Raises ``CheckpointError`` (no such run, lock held) and ``PlanError`` when not
    confirmed; Ctrl-C/SIGTERM propagate once the undos in flight are recorded.
    """
    report = RollbackReport()
    if not every_run and run_id is None:
        last = db.last_changing_run()
        if last is None:
            report.notes.append("no run changed anything: nothing to roll back")
            return report
        run_id = last.id
    target = None if every_run else run_id
    todo = _collect(db, target, stages)
    report.runs = sorted({i.run_id for i in todo}, reverse=True)
    if confirm is not None and not confirm(report.runs, len(todo)):
        raise PlanError("rollback not confirmed: nothing was changed")
    me = db.start_run(command=RunCommand.ROLLBACK, holder=holder)
    undoer = Undoer(client, force=force)
    try:
        with db.writer(me.id, holder=holder) as writer:
            _undo_all(undoer, todo, writer, report, max(1, concurrency))
    except KeyboardInterrupt:
        db.finish_run(me.id, holder=holder, status=RunStatus.INTERRUPTED)
        raise
    except BaseException:
        db.finish_run(me.id, holder=holder, status=RunStatus.FAILED)
        raise
    report.notes += undoer.notes
    status = RunStatus.PARTIAL if report.refused or report.failed else RunStatus.DONE
    db.finish_run(me.id, holder=holder, status=status, summary=report.to_json())  # type: ignore[arg-type]
    if status is RunStatus.DONE and not stages:
        for rid in report.runs:
            db.set_run_status(rid, RunStatus.ROLLED_BACK)
    return report


def _collect(db: CheckpointDB, run_id: int | None, stages: tuple[Stage, ...]) -> list[ItemRecord]:
    wanted = set(stages)
    items = db.done_items_newest_first(run_id)
    return [i for i in items if (not wanted or i.stage in wanted) and i.action in _UNDOABLE]


def _wave(item: ItemRecord) -> int:
    """The item's dependency order inside its stage: its recorded wave, as its kind judges
    it (a group's depth: a state DB upgraded from schema 1 records no wave)."""
    return handler_for(item.kind).wave(item.ref, item.wave)


def batches(items: Sequence[ItemRecord]) -> Iterator[list[ItemRecord]]:
    """Items (newest first) split into batches that may run concurrently, in undo order:
    runs newest first, stages in reverse, waves highest first; inside a batch the newest
    confirmation first. Pure."""

    def order(item: ItemRecord) -> tuple[int, int, int]:
        return (-item.run_id, -item.stage.rank, -_wave(item))

    ordered = sorted(items, key=lambda i: (*order(i), -(i.seq or 0)))
    for _, batch in groupby(ordered, key=order):
        yield list(batch)


def _undo_all(
    undoer: Undoer,
    todo: Sequence[ItemRecord],
    writer: ItemWriter,
    report: RollbackReport,
    concurrency: int,
) -> None:
    with ThreadPoolExecutor(concurrency, thread_name_prefix="rollback") as pool:
        for batch in batches(todo):
            pending = iter(batch)
            inflight: set[Future[None]] = set()
            try:
                while True:
                    while len(inflight) < concurrency * IN_FLIGHT_PER_WORKER:
                        item = next(pending, None)
                        if item is None:
                            break
                        inflight.add(pool.submit(_undo_one, undoer, item, writer, report))
                    if not inflight:
                        break
                    done, inflight = wait(inflight, return_when=FIRST_COMPLETED)
                    for future in done:
                        future.result()  # a bug in a worker propagates from here
                    writer.flush_if_due()
            except BaseException:
                # Ctrl-C, SIGTERM or a bug: start nothing new, record the undos in flight.
                wait(inflight)
                raise


def _undo_one(undoer: Undoer, item: ItemRecord, writer: ItemWriter, report: RollbackReport) -> None:
    name = f"{item.ref} (run {item.run_id})"
    try:
        undone = undoer.undo(item)
    except _ChangedSince as exc:
        report.refuse(f"{name}: {exc}")
        return
    except CheckpointError:
        raise
    except MigrateError as exc:
        log.warning("rollback of %s failed: %s", name, exc)
        report.fail(f"{name}: {exc}")
        return
    writer.mark_rolled_back(item.id)
    if undone:
        report.count_undone(item.stage)
