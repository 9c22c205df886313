"""The executor: runs a plan's actions stage by stage with a bounded pool of workers.

Guarantees (issue 6 item 2, STYLE.md 2.3):

* stages run in DESIGN.md's order; inside a stage, waves of equal ``Action.order`` (parents
  first), each wave on at most ``concurrency`` threads sharing one thread-safe client;
* before workspaces or ACLs need sub-folder nodes, the datasources holding them are waited
  for (started and indexed, :class:`~migrate.load.readiness.DatasourceWaiter`) and the
  folders' node Uuids are resolved;
* datasources are written one at a time (two creates sent together lose one on Cells 3,
  datasource-object-service-roots.yaml);
* report-and-continue: a ``MigrateError`` of one item (any answer: 500, 404, a timeout
  after retries) is recorded as that item's failure with a one-line reason; the objects
  that depend on it are skipped with the reason. A datasource that cannot be used (not
  served, not indexed in time) fails the objects that need it the same way. Only what
  stops the whole run propagates: a 401 the token refresh did not cure, or Cells no longer
  reachable at all (checked with ``reachable()`` after a transport error); the item stays
  pending for ``resume``. Anything else is a bug and propagates (the caller marks the run
  failed after the checkpoint is flushed);
* an item is ``done`` only after Cells confirmed its write (``mark_done`` after the answer),
  with the object's image as Cells holds it: what the write returned, or, for an item a
  resume finds already in Cells (``reconcile``) and an adoption that changes nothing, the
  object read back; an update's rollback image is saved before the update is sent;
* a created user's password is a step of its own, recorded (``PasswordSteps``), and run
  again on resume when a crash or a failure left it undone;
* Ctrl-C: no new request is started, in-flight ones finish and are recorded, and the
  result says ``interrupted`` (the run stays resumable).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from itertools import groupby

from migrate.errors import CellsTransportError, CheckpointError, MigrateError
from migrate.kinds.registry import handler_for
from migrate.kinds.vocabulary import Action, ActionType, Kind, Stage
from migrate.load.apply import Applier, Written
from migrate.load.checkpoint import CheckpointDB, ItemWriter
from migrate.load.password_steps import PasswordSteps
from migrate.load.readiness import DatasourceWaiter
from migrate.load.result import ApplyResult, Tally
from migrate.load.stages import by_stage, dependencies
from migrate.mapping.desired import DesiredUser, NodeKind
from migrate.plan.targets import DesiredIndex
from migrate.progress import NullProgress, Progress

log = logging.getLogger(__name__)
MAX_REASON = 500  # the reason of a failed item (Cells' answer is cut to 300 already)

IN_FLIGHT_PER_WORKER = 4  # submitted ahead of the workers, so they never wait for the loop
_FOLDER_STAGES = (Stage.WORKSPACES, Stage.ACLS, Stage.SHARES)


def _unchanged(action: Action) -> bool:
    """Nothing to send: a noop, or an adoption without changes."""
    kind = action.action
    return kind is ActionType.NOOP or (kind is ActionType.ADOPT and not action.changes)


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkItem:
    """One action and the checkpoint item that records it.

    ``reconcile``: the item was recorded as a change of Cells and not confirmed (resume),
    so an object found in Cells now is this run's and its image is read back.
    ``password_due``: the user's password step is to run (after the create, or again).
    ``done``: the item itself is confirmed already; only its password step is left.
    """

    item_id: int
    action: Action
    reconcile: bool = False
    password_due: bool = False
    done: bool = False


class Executor:
    """Runs work items against Cells and records each outcome in the checkpoint."""

    def __init__(
        self,
        *,
        applier: Applier,
        db: CheckpointDB,
        writer: ItemWriter,
        run_id: int,
        index: DesiredIndex,
        waiter: DatasourceWaiter,
        concurrency: int,
        progress: Progress | None = None,
        on_done: Callable[[], None] | None = None,
        reachable: Callable[[], bool] | None = None,
        passwords: PasswordSteps | None = None,
    ) -> None:
        self.applier = applier
        self.db = db
        self.writer = writer
        self.run_id = run_id
        self.index = index
        self.waiter = waiter
        self.concurrency = max(1, concurrency)
        self.progress = progress or NullProgress()
        self.on_done = on_done
        self.reachable = reachable
        self.passwords = passwords
        self.tally = Tally()
        self._stop = threading.Event()
        self._failed: dict[tuple[Kind, str], str] = {}
        self._unusable: dict[str, str] = {}  # datasource -> why it cannot be used
        self._failed_lock = threading.Lock()
        self._slugs = index.slugs()

    def run(self, items: Sequence[WorkItem]) -> ApplyResult:
        """Run ``items`` (any order; they are put in stage and dependency order).

        Returns the result (``interrupted`` after Ctrl-C). Raises ``CheckpointError`` when
        the state DB fails, and re-raises any bug after the in-flight items are recorded.
        """
        interrupted = False
        grouped = by_stage(i.action for i in items)
        by_action = {id(i.action): i for i in items}
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="apply") as pool:
            try:
                for stage, actions in grouped:
                    self._run_stage(pool, stage, [by_action[id(a)] for a in actions])
                    if self._stop.is_set():
                        break
            except KeyboardInterrupt:
                interrupted = True
                log.warning("interrupted: in-flight requests finished and recorded")
        interrupted = interrupted or self._stop.is_set()
        return self.tally.result(run_id=self.run_id, interrupted=interrupted)

    # ---------------------------------------------------------------- stages
    def _run_stage(self, pool: ThreadPoolExecutor, stage: Stage, items: list[WorkItem]) -> None:
        writes = [i for i in items if self._settle(i)]
        if stage in _FOLDER_STAGES and writes:
            self._prepare_folders(writes)
        self.progress.start(f"apply {stage.value}", len(items))
        self.progress.update(len(items) - len(writes))
        ordered = sorted(writes, key=lambda i: i.action.order)
        limit = 1 if stage is Stage.DATASOURCES else self.concurrency * IN_FLIGHT_PER_WORKER
        for _, wave in groupby(ordered, key=lambda i: i.action.order):
            self._run_wave(pool, iter(list(wave)), limit)
            if self._stop.is_set():
                break
        self.progress.finish()
        self.writer.flush()

    def _run_wave(self, pool: ThreadPoolExecutor, items: Iterator[WorkItem], limit: int) -> None:
        inflight: set[Future[None]] = set()
        try:
            while True:
                while not self._stop.is_set() and len(inflight) < limit:
                    item = next(items, None)
                    if item is None:
                        break
                    inflight.add(pool.submit(self._write, item))
                if not inflight:
                    return
                done, inflight = wait(inflight, return_when=FIRST_COMPLETED)
                for future in done:
                    future.result()  # a bug in a worker propagates from here
                self.writer.flush_if_due()
        except BaseException:
            # Ctrl-C or a bug: start nothing new; let the in-flight requests finish and be
            # recorded so the checkpoint matches what Cells holds.
            self._stop.set()
            wait(inflight)
            raise

    # ---------------------------------------------------------------- one item
    def _settle(self, item: WorkItem) -> bool:
        """Record what needs no request (noop, skip, conflict, blocked); True to write."""
        action = item.action
        kind = action.action
        if item.done:  # only its password step is left (never recorded otherwise again)
            return kind not in (ActionType.SKIP, ActionType.CONFLICT)
        if kind is ActionType.NOOP and not (item.reconcile or item.password_due):
            self.writer.mark_done(item.item_id, cells_id=action.cells_id or None)
            self.tally.add(action, "done")
            return False
        if kind is ActionType.SKIP:
            self.writer.mark_skipped(item.item_id, reason=action.reason or "skipped by the plan")
            self.tally.add(action, "skipped")
            return False
        if kind is ActionType.CONFLICT:
            self._fail(item, f"conflict: {action.reason}")
            return False
        return True

    def _write(self, item: WorkItem) -> None:
        if self._stop.is_set():
            return  # left pending: resume picks it up
        action = item.action
        obj = self.index.get(action)
        if (item.done or _unchanged(action)) and obj is not None:
            # Nothing to send, but the object may be this run's (reconcile) or an adoption:
            # its image is read back, never blocked by a failed dependency (it exists).
            self._read_back(item, obj)
            return
        if item.done:
            return  # confirmed already; its user is not desired any more: step left as is
        unusable = self._needs_unusable(action, obj)
        if unusable is not None:
            self._fail(item, unusable)  # the object cannot exist on Cells: a failure
            return
        blocked = self._blocked_by(action, obj)
        if blocked is not None:
            self._block(item, blocked)
            return
        if obj is None and action.action is not ActionType.DELETE:
            self._fail(item, "no desired object for this action: re-run `cells-migrate plan`")
            return
        try:
            written = self._send(item, obj)
        except CheckpointError:
            raise
        except MigrateError as exc:
            if exc.fatal or self._stops_run(exc):
                # The credentials or Cells itself are gone: stop, leave this item to `resume`.
                self._stop.set()
                raise
            self._fail(item, one_line(exc))
            return
        self._confirmed(item, written)
        if item.password_due and isinstance(obj, DesiredUser):
            # an update of a user a crash left half-created has no create password to keep
            again = action.action is not ActionType.CREATE
            self._password(item, obj, written.cells_id, again=again)

    def _confirmed(self, item: WorkItem, written: Written) -> None:
        self.writer.mark_done(item.item_id, cells_id=written.cells_id or None, after=written.after)
        self.tally.add(item.action, "done")
        self.progress.update(1)
        if self.on_done is not None:
            self.on_done()

    def _read_back(self, item: WorkItem, obj: object) -> None:
        """An item with nothing to send: confirm it with its image as Cells holds it, then
        run its password step when one is due."""
        uuid = item.action.cells_id
        if not item.done:
            try:
                written = self.applier.current(item.action, obj)
            except CheckpointError:
                raise
            except MigrateError as exc:
                self._fail(item, str(exc))
                return
            if written is None:  # gone since the plan read it: resume will create it
                self._fail(item, "not found in Cells any more: run `cells-migrate resume`")
                return
            self._confirmed(item, written)
            uuid = written.cells_id
        else:
            self.tally.add(item.action, "done")
            self.progress.update(1)
        if item.password_due and isinstance(obj, DesiredUser):
            self._password(item, obj, uuid, again=True)

    def _password(self, item: WorkItem, user: DesiredUser, uuid: str, *, again: bool) -> None:
        if self.passwords is None:
            return
        if again:
            error = self.passwords.again(item.item_id, user, uuid)
        else:
            error = self.passwords.after_create(item.item_id, user, uuid)
        if error is not None:
            self.tally.password_failed(item.action, error)

    def _send(self, item: WorkItem, obj: object) -> Written:
        action = item.action
        if action.action in (ActionType.UPDATE, ActionType.ADOPT, ActionType.DELETE):
            before = self.applier.before(action, obj)
            if before is not None:
                self.db.save_before(item.item_id, before)
        return self.applier.write(action, obj)

    def _stops_run(self, exc: MigrateError) -> bool:
        """True when Cells no longer answers at all: the whole run stops rather than one
        object (issue 11 point 3; refused credentials stop it too, as ``exc.fatal``)."""
        if isinstance(exc, CellsTransportError) and self.reachable is not None:
            return not self.reachable()
        return False

    def _needs_unusable(self, action: Action, obj: object | None) -> str | None:
        """Why a datasource this object needs cannot be used (created, but not served or
        not indexed in time); None when none of them is."""
        with self._failed_lock:
            for kind, name in dependencies(action, obj, self._slugs):
                if kind is Kind.DATASOURCE and name in self._unusable:
                    return f"datasource {name} cannot be used: {self._unusable[name]}"
        return None

    def _blocked_by(self, action: Action, obj: object | None) -> str | None:
        with self._failed_lock:
            for dep in dependencies(action, obj, self._slugs):
                if dep in self._failed:
                    return f"not sent: {dep[0].value} {dep[1]!r} failed ({self._failed[dep]})"
        return None

    def _fail(self, item: WorkItem, error: str) -> None:
        action = item.action
        log.warning("%s %s failed: %s", action.kind.value, action.key, error)
        self.writer.mark_failed(item.item_id, error=error)
        with self._failed_lock:
            self._failed[(action.kind, action.key)] = error[:120]
        self.tally.add(action, "failed", error)
        self.progress.update(1)

    def _block(self, item: WorkItem, reason: str) -> None:
        action = item.action
        self.writer.mark_skipped(item.item_id, reason=reason)
        with self._failed_lock:
            self._failed[(action.kind, action.key)] = "skipped: a dependency failed"
        self.tally.add(action, "skipped", reason)
        self.progress.update(1)

    # ---------------------------------------------------------------- folders
    def _prepare_folders(self, items: list[WorkItem]) -> None:
        """Wait for the datasources of unresolved sub-folder nodes, then resolve them."""
        known = self.applier.refs.folder_map()
        paths: set[str] = set()
        for item in items:
            obj = self.index.get(item.action)
            nodes = handler_for(item.action.kind).folder_nodes(obj) if obj is not None else ()
            paths |= {
                n.path
                for n in nodes
                if n.kind is NodeKind.FOLDER and n.uuid is None and n.path not in known
            }
        by_ds: dict[str, list[str]] = {}
        for path in sorted(paths):
            by_ds.setdefault(path.split("/", 1)[0], []).append(path)
        for name, folder_paths in by_ds.items():
            if (Kind.DATASOURCE, name) in self._failed or name in self._unusable:
                continue
            try:
                folders = self.waiter.resolve(name, folder_paths)
            except CheckpointError:
                raise
            except MigrateError as exc:
                if self._stops_run(exc):
                    raise
                # Its workspaces and ACLs fail with this reason (dependencies()), and what
                # needs them is skipped: the run ends partial.
                log.error("datasource %s cannot be used: %s", name, exc)
                with self._failed_lock:
                    self._unusable[name] = one_line(exc)
                continue
            for path, uuid in folders.found.items():
                self.applier.refs.add_folder(path, uuid)
            for path in folders.missing:
                self.applier.refs.add_missing(path)


def one_line(exc: MigrateError) -> str:
    """An error as the one line an operator reads in the report and the checkpoint."""
    text = " ".join(str(exc).split())
    return text if len(text) <= MAX_REASON else text[:MAX_REASON] + "…"
