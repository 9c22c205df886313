"""Undo what runs did: delete what they created, restore what they updated (newest first).

DESIGN.md "Checkpoint DB": rollback walks ``done`` items newest confirmation first. Each
object is read back first and compared with what the run wrote (the item's ``after``
image): an object changed since by someone else is refused unless ``force``. A datasource
delete leaves the ``.pydio`` files Cells wrote into every folder of the legacy tree
(cells-v3-behaviour.md): they are removed when the folder is reachable from here, and the
report says so when it is not. Rollback runs as a run of its own (command ``rollback``),
holding the state DB's lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TextIO

from migrate.cells.client import CellsClient
from migrate.cells.codec import group_path
from migrate.cells.models import ACL, Role, User, Workspace
from migrate.cells.storage import DataSource
from migrate.errors import CheckpointError, MigrateError, PlanError
from migrate.load.apply import group_from_image, group_image
from migrate.load.checkpoint import CheckpointDB, ItemRecord, ItemWriter, LockHolder, RunStatus
from migrate.load.checkpoint_schema import ItemAction
from migrate.load.datasource_undo import undo_datasource
from migrate.plan.actions import Kind, Stage

log = logging.getLogger(__name__)

ROLLBACK_SCHEMA = "cells-migrate/rollback/1"
_UNDOABLE = (ItemAction.CREATE, ItemAction.UPDATE, ItemAction.ADOPT)
Image = Mapping[str, object]


@dataclass(slots=True, kw_only=True)
class RollbackReport:
    """What a rollback did: undone, refused (changed since), failed; notes for the admin."""

    runs: list[int] = field(default_factory=list)
    undone: int = 0
    refused: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 all undone, 3 some refused or failed (DESIGN.md: rollback 0 / 3 / 1)."""
        return 3 if self.refused or self.failed else 0

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
    """Undoes one ``done`` item against Cells."""

    def __init__(self, client: CellsClient, *, force: bool) -> None:
        self.client = client
        self.force = force
        self.notes: list[str] = []

    def undo(self, item: ItemRecord) -> bool:
        """Undo ``item``; False when there was nothing to undo. Raises ``_ChangedSince`` when the
        object was changed since (and not ``force``), ``CellsError`` when Cells refuses."""
        if item.action not in _UNDOABLE:
            return False
        live = self._live(item)
        if (
            not self.force
            and live is not None
            and _norm(item.kind, live) != _norm(item.kind, item.after)
        ):
            raise _ChangedSince(f"{item.kind}:{item.key} changed since run {item.run_id} wrote it")
        if item.action is ItemAction.CREATE:
            if live is not None:
                self._check_empty(item)
                self._delete(item, live)
            return True
        if item.before is None:
            return False  # an adoption without changes, or nothing was there before
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
        c = self.client
        kind, key = item.kind, item.key
        if kind == Kind.DATASOURCE.value:
            ds = c.get_datasource(key)
            return None if ds is None else ds.to_json()
        if kind == Kind.GROUP.value:
            parent = key.rstrip("/").rsplit("/", 1)[0] or "/"
            found = [g for g in c.search_groups(parent) if g.path == key]
            return group_image(found[0]) if found else None
        if kind == Kind.ROLE.value:
            role = c.get_role(item.cells_id or key)
            return None if role is None else role.to_json()
        if kind == Kind.USER.value:
            user = c.get_user(key)
            return None if user is None else user.to_json()
        if kind == Kind.WORKSPACE.value:
            found_ws = c.search_workspaces(uuid=item.cells_id) if item.cells_id else []
            return found_ws[0].to_json() if found_ws else None
        acl = c.find_acl(_acl_of(item))
        return None if acl is None else acl.to_json()

    def _delete(self, item: ItemRecord, live: Image) -> None:
        c = self.client
        kind = item.kind
        if kind == Kind.DATASOURCE.value:
            self.notes += undo_datasource(c, item.key, live)
        elif kind == Kind.GROUP.value:
            c.delete_group(item.key)
        elif kind == Kind.ROLE.value:
            c.delete_role(item.cells_id or item.key)
        elif kind == Kind.USER.value:
            c.delete_user(item.key)
        elif kind == Kind.WORKSPACE.value:
            c.delete_workspace(Workspace.from_json(live).slug)
        else:
            c.delete_acls(_acl_of(item))

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
            c.delete_acls(_acl_of(item))
            c.put_acl(ACL.from_json(before))


def _acl_of(item: ItemRecord) -> ACL:
    role, workspace, node, action = ([*(item.cells_id or "").split("|"), "", "", "", ""])[:4]
    return ACL(action=action, role_id=role, workspace_id=workspace, node_id=node)


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
) -> RollbackReport:
    """Undo run ``run_id`` (default: the last run that changed something) or, with
    ``every_run``, every run of this state DB, newest confirmation first.

    Raises ``CheckpointError`` (no such run, lock held) and ``PlanError`` when not confirmed.
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
            for item in todo:
                _undo_one(undoer, item, writer, report)
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


def _undo_one(undoer: Undoer, item: ItemRecord, writer: ItemWriter, report: RollbackReport) -> None:
    name = f"{item.kind}:{item.key} (run {item.run_id})"
    try:
        undone = undoer.undo(item)
    except _ChangedSince as exc:
        report.refused.append(f"{name}: {exc}")
        return
    except CheckpointError:
        raise
    except MigrateError as exc:
        log.warning("rollback of %s failed: %s", name, exc)
        report.failed.append(f"{name}: {exc}")
        return
    writer.mark_rolled_back(item.id)
    if undone:
        report.undone += 1
