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
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from itertools import groupby
from typing import TextIO

from migrate.cells.client import CellsClient
from migrate.cells.codec import group_path
from migrate.cells.models import ACL, Role, User, Workspace
from migrate.cells.storage import DataSource
from migrate.errors import CheckpointError, MigrateError, PlanError
from migrate.load.apply import acl_of, group_from_image, read_image
from migrate.load.checkpoint import CheckpointDB, ItemRecord, ItemWriter, LockHolder, RunStatus
from migrate.load.checkpoint_schema import ItemAction
from migrate.load.datasource_undo import undo_datasource
from migrate.plan.actions import Kind, Stage

log = logging.getLogger(__name__)

ROLLBACK_SCHEMA = "cells-migrate/rollback/1"
_UNDOABLE = (ItemAction.CREATE, ItemAction.UPDATE, ItemAction.ADOPT)
IN_FLIGHT_PER_WORKER = 4
_STAGE_RANK = {stage.value: stage.rank for stage in Stage}
Image = Mapping[str, object]


@dataclass(slots=True, kw_only=True)
class RollbackReport:
    """What a rollback did: undone, refused (changed since), failed; notes for the admin."""

    runs: list[int] = field(default_factory=list)
    undone: int = 0
    refused: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def exit_code(self) -> int:
        """0 all undone, 3 some refused or failed (DESIGN.md: rollback 0 / 3 / 1)."""
        return 3 if self.refused or self.failed else 0

    def count_undone(self) -> None:
        """One more object undone (thread-safe)."""
        with self.lock:
            self.undone += 1

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


class _ChangedSince(Exception):
    """The live object is not what the run wrote (someone changed it since)."""


def _norm(kind: str, image: Image | None) -> object:
    """The managed fields of an image, for "changed since?" comparisons."""
    if image is None:
        return None
    if kind == Kind.USER.value:
        u = User.from_json(image)
        return (group_path(u.group_path), tuple(sorted(u.attributes)), tuple(u.roles or ()))
    if kind == Kind.ROLE.value:
        r = Role.from_json(image)
        return (r.label, tuple(sorted(r.auto_applies)), r.is_team, r.force_override)
    if kind == Kind.WORKSPACE.value:
        w = Workspace.from_json(image)
        return (w.slug, w.label, w.description, w.attributes, sorted(r.uuid for r in w.roots))
    if kind == Kind.GROUP.value:
        return tuple(sorted(group_from_image(image).attributes))
    if kind == Kind.ACL.value:
        return ACL.from_json(image).value
    ds = DataSource.from_json(image)
    return (ds.storage_type, tuple(sorted(ds.storage_configuration)))


class Undoer:
    """Undoes one ``done`` item against Cells (thread-safe)."""

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
        if item.action not in _UNDOABLE:
            return False
        if item.action is not ItemAction.CREATE and item.before is None:
            return False  # an adoption without changes, or nothing was there before
        live = self._live(item)
        if not self.force and live is not None:
            if item.after is None:
                raise _ChangedSince(
                    f"{item.kind}:{item.key}: what run {item.run_id} wrote is not recorded "
                    "(a state DB from before cells-migrate kept after-images), so a change "
                    "made since cannot be told apart"
                )
            if _norm(item.kind, live) != _norm(item.kind, item.after):
                raise _ChangedSince(
                    f"{item.kind}:{item.key} changed since run {item.run_id} wrote it"
                )
        if item.action is ItemAction.CREATE:
            if live is not None:
                self._check_empty(item)
                self._delete(item, live)
            return True
        if item.before is None:  # for mypy: checked above
            return False
        self._restore(item, item.before)
        return True

    def _check_empty(self, item: ItemRecord) -> None:
        """A group delete is recursive on Cells: refuse it while users or groups are still
        inside (not ours to delete: another run's, someone else's, or a stage left out)."""
        if item.kind != Kind.GROUP.value or self.force:
            return
        query = {"GroupPath": item.key, "Recursive": True}
        users, groups = self.client.search_people([query])
        inside = [u.login for u in users] + [g.path for g in groups if g.path != item.key]
        if inside:
            shown = ", ".join(sorted(inside)[:5])
            raise _ChangedSince(
                f"group {item.key} still holds {len(inside)} user(s)/group(s) ({shown}); "
                "deleting it would delete them too"
            )

    def _live(self, item: ItemRecord) -> Image | None:
        return read_image(self.client, Kind(item.kind), item.key, item.cells_id or "")

    def _delete(self, item: ItemRecord, live: Image) -> None:
        c = self.client
        kind = item.kind
        if kind == Kind.DATASOURCE.value:
            # .pydio files go from the folder the tool created it on, never from where it
            # points now (issue 12)
            created_on = DataSource.from_json(item.after).folder if item.after else ""
            self.notes += undo_datasource(c, item.key, live, created_on=created_on)
        elif kind == Kind.GROUP.value:
            c.delete_group(item.key)
        elif kind == Kind.ROLE.value:
            c.delete_role(item.cells_id or item.key)
        elif kind == Kind.USER.value:
            c.delete_user(item.key)
        elif kind == Kind.WORKSPACE.value:
            c.delete_workspace(Workspace.from_json(live).slug)
        else:
            c.delete_acls(acl_of(item.cells_id or ""))

    def _restore(self, item: ItemRecord, before: Image) -> None:
        c = self.client
        kind = item.kind
        if kind == Kind.DATASOURCE.value:
            c.put_datasource(DataSource.from_json(before))
        elif kind == Kind.GROUP.value:
            c.put_group(group_from_image(before))
        elif kind == Kind.ROLE.value:
            c.put_role(Role.from_json(before))
        elif kind == Kind.USER.value:
            c.put_user(User.from_json(before))
        elif kind == Kind.WORKSPACE.value:
            c.put_workspace(Workspace.from_json(before))
        else:
            c.delete_acls(acl_of(item.cells_id or ""))
            c.put_acl(ACL.from_json(before))


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
    me = db.start_run(command="rollback", holder=holder)
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
    wanted = {s.value for s in stages}
    items = db.done_items_newest_first(run_id)
    return [i for i in items if (not wanted or i.stage in wanted) and i.action in _UNDOABLE]


def _wave(item: ItemRecord) -> int:
    """The item's dependency order inside its stage: its recorded wave, and for a group
    its depth (a state DB upgraded from schema 1 records no wave)."""
    if item.kind == Kind.GROUP.value:
        return max(item.wave, len([p for p in item.key.split("/") if p]))
    return item.wave


def batches(items: Sequence[ItemRecord]) -> Iterator[list[ItemRecord]]:
    """Items (newest first) split into batches that may run concurrently, in undo order:
    runs newest first, stages in reverse, waves highest first; inside a batch the newest
    confirmation first. Pure."""

    def order(item: ItemRecord) -> tuple[int, int, int]:
        return (-item.run_id, -_STAGE_RANK.get(item.stage, 0), -_wave(item))

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
    name = f"{item.kind}:{item.key} (run {item.run_id})"
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
        report.count_undone()
