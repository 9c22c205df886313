"""The checkpoint (state) database: runs, planned items and their outcomes, and the lock.

DESIGN.md "Checkpoint DB", issue 6 item 1. Default ``sqlite:///cells-migrate-state.db`` (WAL);
any MariaDB (``mysql+pymysql://``) or PostgreSQL (``postgresql+psycopg://``) URL works too.

How the executor and the commands use it::

    db = CheckpointDB.open(config.state.url, now=clock)          # creates or checks the schema
    me = this_process()
    run = db.start_run(command=RunCommand.APPLY, holder=me, fingerprint=plan.fingerprint)
    ids = db.record_planned(run.id, planned_items)                # plan order
    with db.writer(run.id, holder=me) as out:                     # batched; flushed on exit
        db.save_before(ids[3], image)                             # before an update, at once
        out.mark_done(ids[3], cells_id="…", after=written)        # only once Cells confirmed
        out.mark_failed(ids[4], error=redacted_message)
    db.finish_run(run.id, holder=me, status=RunStatus.PARTIAL, summary={...})  # frees the lock

Guarantees:

* **one run at a time**: :meth:`CheckpointDB.start_run` / :meth:`CheckpointDB.resume_run`
  take the lock atomically (see :mod:`migrate.load.lock`) or raise
  :class:`~migrate.errors.RunLockedError` naming the holder and what to do; a holder that died
  on this host is taken over (logged, its run marked ``interrupted``);
* **done means confirmed**, and a crash loses at most the writer's unflushed batch; the
  executor must re-check every item that is not ``done`` against Cells on resume
  (the contract is spelled out in :mod:`migrate.load.checkpoint_writer`);
* every ``sqlalchemy``/DB-API error becomes :class:`~migrate.errors.CheckpointError` with the
  DSN password hidden; times come from the ``now`` callable, never from a hidden clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from types import TracebackType

import sqlalchemy as sa

from migrate.errors import CheckpointError, RunLockedError
from migrate.kinds.vocabulary import Stage
from migrate.load import checkpoint_queries as queries
from migrate.load import lock
from migrate.load.checkpoint_identity import StateIdentity
from migrate.load.checkpoint_records import (
    STATUS_SCHEMA,
    ItemRecord,
    PasswordStepLeft,
    PlannedItem,
    RunInfo,
    run_info,
    status_entry,
)
from migrate.load.checkpoint_schema import (
    Boundary,
    ItemStatus,
    JsonValue,
    Now,
    RunCommand,
    RunStatus,
    dump_json,
    ensure_schema,
    items,
    make_engine,
    runs,
    sqlite_path,
    to_db_time,
    write_tx,
)
from migrate.load.checkpoint_writer import DEFAULT_BATCH_SIZE, DEFAULT_INTERVAL, ItemWriter
from migrate.load.lock import LockHolder, LockState, pid_alive, this_process
from migrate.secret import Secret

__all__ = [
    "STATUS_SCHEMA",
    "CheckpointDB",
    "ItemRecord",
    "ItemStatus",
    "ItemWriter",
    "LockHolder",
    "LockState",
    "PlannedItem",
    "RunCommand",
    "RunInfo",
    "RunStatus",
    "pid_alive",
    "this_process",
]

log = logging.getLogger(__name__)

PAGE = 1000  # rows per INSERT batch
SHOWN_STEPS = 1000  # password steps listed in the status document
SHOWN_FAILURES = 20  # failures listed per run in the status document (--failed: all)
ROLLBACK_COMMAND = queries.ROLLBACK_COMMAND
_RESUMABLE = (ItemStatus.PENDING, ItemStatus.FAILED, ItemStatus.SKIPPED)


class CheckpointDB:
    """A checkpoint database opened on one URL; thread-safe (one pooled engine)."""

    def __init__(
        self,
        engine: sa.Engine,
        boundary: Boundary,
        *,
        now: Now,
        is_alive: Callable[[int], bool] = pid_alive,
        identity: StateIdentity | None = None,
    ) -> None:
        self._engine = engine
        self._boundary = boundary
        self._now = now
        self._is_alive = is_alive
        self._identity = identity or StateIdentity(shown_url=boundary.shown_url, instance=None)

    @classmethod
    def open(
        cls,
        url: str | Secret,
        *,
        now: Now,
        create: bool = True,
        is_alive: Callable[[int], bool] = pid_alive,
    ) -> CheckpointDB:
        """Open the state DB at ``url``, creating its schema when empty and ``create``.

        ``is_alive(pid)`` tells whether a process of this host still runs (injectable for
        tests). Raises :class:`CheckpointError` for a bad URL, an unreachable server, a
        missing DB when ``create`` is false, or a schema of another version.
        """
        raw = url.reveal() if isinstance(url, Secret) else url
        boundary = Boundary(raw)
        engine = make_engine(raw, boundary)
        path = sqlite_path(raw)
        if not create and path is not None and not path.exists():
            engine.dispose()
            raise CheckpointError(f"no state DB at {boundary.shown_url}: nothing has run yet")
        try:
            with boundary.guard("open the schema"):
                ensure_schema(engine, create=create)
                identity = StateIdentity.read(engine, shown_url=boundary.shown_url, path=path)
        except CheckpointError:
            engine.dispose()
            raise
        return cls(engine, boundary, now=now, is_alive=is_alive, identity=identity)

    @property
    def shown_url(self) -> str:
        """The URL with its password hidden, for messages."""
        return self._boundary.shown_url

    def close(self) -> None:
        """Release the connections."""
        self._engine.dispose()

    @contextmanager
    def _write(self, action: str) -> Iterator[sa.Connection]:
        """A write transaction on the database this object opened (never on a state DB
        deleted or replaced since: :mod:`migrate.load.checkpoint_identity`)."""
        self._identity.check_file()
        with self._boundary.guard(action), write_tx(self._engine) as conn:
            self._identity.check(conn)
            yield conn

    def __enter__(self) -> CheckpointDB:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- runs and the lock -------------------------------------------------------------

    def start_run(
        self, *, command: RunCommand, holder: LockHolder, fingerprint: str | None = None
    ) -> RunInfo:
        """Create a ``running`` run and take the lock for it, in one transaction.

        Raises :class:`RunLockedError` when a live run holds the lock (no run row is left).
        """

        def insert(conn: sa.Connection) -> int:
            values = {
                "command": command.value,
                "fingerprint": fingerprint,
                "status": RunStatus.RUNNING.value,
                "started_at": to_db_time(self._now()),
                "host": holder.host,
                "pid": holder.pid,
                "username": holder.user,
            }
            key = conn.execute(sa.insert(runs).values(**values)).inserted_primary_key
            if key is None:  # every supported dialect reports it
                raise CheckpointError("the state DB did not return the new run's id")
            return int(key[0])

        return self.get_run(self._acquire(holder, insert, "start a run"))

    def resume_run(self, run_id: int, *, holder: LockHolder) -> RunInfo:
        """Take the lock for an existing run and mark it ``running`` again (``resume``).

        Raises :class:`CheckpointError` for an unknown or rolled-back run and
        :class:`RunLockedError` when a live run holds the lock.
        """
        run = self.get_run(run_id)
        if run.status is RunStatus.ROLLED_BACK:
            raise CheckpointError(f"run {run_id} was rolled back: start a new apply instead")

        def reopen(conn: sa.Connection) -> int:
            conn.execute(
                sa.update(runs)
                .where(runs.c.id == run_id)
                .values(
                    status=RunStatus.RUNNING.value,
                    finished_at=None,
                    host=holder.host,
                    pid=holder.pid,
                    username=holder.user,
                )
            )
            return run_id

        return self.get_run(self._acquire(holder, reopen, f"resume run {run_id}"))

    def _acquire(
        self, me: LockHolder, make_run: Callable[[sa.Connection], int], action: str
    ) -> int:
        return lock.acquire(
            self._engine,
            self._boundary,
            me=me,
            make_run=make_run,
            now=self._now,
            is_alive=self._is_alive,
            action=action,
        )

    def finish_run(
        self,
        run_id: int,
        *,
        holder: LockHolder,
        status: RunStatus,
        summary: Mapping[str, JsonValue] | None = None,
    ) -> RunInfo:
        """Record the run's end (status, summary) and free the lock, in one transaction.

        Flush or close the run's writer first. Use ``interrupted`` after Ctrl-C.
        """
        with self._write(f"finish run {run_id}") as conn:
            conn.execute(
                sa.update(runs)
                .where(runs.c.id == run_id)
                .values(
                    status=status.value,
                    finished_at=to_db_time(self._now()),
                    summary=dump_json(summary),
                )
            )
            if not lock.release(conn, run_id=run_id, me=holder):
                log.warning("run %d finished without holding the lock", run_id)
        return self.get_run(run_id)

    def set_run_status(self, run_id: int, status: RunStatus) -> None:
        """Change a run's status only (rollback marks the runs it undid ``rolled_back``)."""
        with self._write(f"update run {run_id}") as conn:
            conn.execute(sa.update(runs).where(runs.c.id == run_id).values(status=status.value))

    def heartbeat(self, run_id: int, *, holder: LockHolder) -> None:
        """Refresh the lock's heartbeat; raises :class:`RunLockedError` if it was taken away."""
        with self._write("refresh the lock") as conn:
            ours = lock.beat(conn, run_id=run_id, me=holder, now=self._now())
        if not ours:
            raise RunLockedError(f"run {run_id} no longer holds the lock of {self.shown_url}")

    def lock_state(self) -> LockState:
        """Who holds the lock now (free when ``run_id`` is ``None``)."""
        with self._boundary.guard("read the lock"), self._engine.connect() as conn:
            return lock.read_lock(conn)

    def force_unlock(self) -> LockState:
        """Free the lock whoever holds it (``--force-unlock``); return the previous holder.

        Meant for a holder on another host that is known to be dead; its run is marked
        ``interrupted`` so it can be resumed. A live holder notices at its next flush.
        """
        with self._write("force-unlock") as conn:
            state = lock.read_lock(conn)
            if not state.free and lock.clear(conn, expected=state):
                lock.mark_interrupted(conn, state, now=self._now(), why="removed by force")
        return state

    # -- items -------------------------------------------------------------------------

    def record_planned(self, run_id: int, planned: Iterable[PlannedItem]) -> list[int]:
        """Add items as ``pending`` in the given (plan) order; return their ids in that order.

        All or nothing (one transaction). Calling it again on the run appends after the
        items already recorded (a resume that found new work).
        """
        stamp = to_db_time(self._now())
        ids: list[int] = []
        with self._write(f"record run {run_id}'s items") as conn:
            start = conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(items.c.position), -1)).where(
                    items.c.run_id == run_id
                )
            ).scalar_one()
            position = int(start) + 1
            first = position
            batch: list[dict[str, object]] = []
            for item in planned:
                batch.append(item.row(run_id=run_id, position=position, stamp=stamp))
                position += 1
                if len(batch) >= PAGE:
                    conn.execute(sa.insert(items), batch)
                    batch = []
            if batch:
                conn.execute(sa.insert(items), batch)
            query = (
                sa.select(items.c.id)
                .where(items.c.run_id == run_id, items.c.position >= first)
                .order_by(items.c.position)
            )
            ids.extend(int(i) for i in conn.execute(query).scalars())
        return ids

    def save_before(self, item_id: int, image: Mapping[str, JsonValue]) -> None:
        """Store the rollback image of an item at once (not batched): call it before the
        update is sent, so a crash can never leave an update without its image."""
        with self._write("save a rollback image") as conn:
            conn.execute(
                sa.update(items)
                .where(items.c.id == item_id)
                .values(before_image=dump_json(image), updated_at=to_db_time(self._now()))
            )

    def writer(
        self,
        run_id: int,
        *,
        holder: LockHolder,
        batch_size: int = DEFAULT_BATCH_SIZE,
        interval: timedelta = DEFAULT_INTERVAL,
    ) -> ItemWriter:
        """A batched writer of item outcomes for ``run_id``, which must hold the lock."""
        with self._boundary.guard("open a writer"), self._engine.connect() as conn:
            top = conn.execute(sa.select(sa.func.max(items.c.seq))).scalar()
        return ItemWriter(
            engine=self._engine,
            boundary=self._boundary,
            run_id=run_id,
            holder=holder,
            now=self._now,
            identity=self._identity,
            next_seq=int(top or 0) + 1,
            batch_size=batch_size,
            interval=interval,
        )

    def resumable_items(self, run_id: int, *, stage: Stage | None = None) -> Iterator[ItemRecord]:
        """The run's items that are not ``done`` (pending, failed, skipped), in plan order.

        They are *unknown*, not *absent*: check each against Cells before writing it.
        """
        where = [items.c.run_id == run_id, items.c.status.in_([s.value for s in _RESUMABLE])]
        if stage is not None:
            where.append(items.c.stage == stage.value)
        # ids grow with plan position inside a run (record_planned inserts in order)
        return queries.walk_items(self._engine, self._boundary, where, newest_first=False)

    def done_items_newest_first(
        self, run_id: int | None = None, *, stage: Stage | None = None
    ) -> Iterator[ItemRecord]:
        """``done`` items, newest confirmation first (rollback's walk).

        With ``run_id`` ``None`` (``rollback --all``): the items of every run except the
        rollback runs themselves (their deletes and restores are not to be undone).
        """
        where = [items.c.status == ItemStatus.DONE.value, items.c.seq.is_not(None)]
        if run_id is not None:
            where.append(items.c.run_id == run_id)
        else:
            undoable = sa.select(runs.c.id).where(runs.c.command != ROLLBACK_COMMAND)
            where.append(items.c.run_id.in_(undoable))
        if stage is not None:
            where.append(items.c.stage == stage.value)
        return queries.walk_items(self._engine, self._boundary, where, newest_first=True)

    def items(self, run_id: int) -> Iterator[ItemRecord]:
        """Every item of a run in plan order (for reports and the executor's key lookup)."""
        return queries.walk_items(
            self._engine, self._boundary, [items.c.run_id == run_id], newest_first=False
        )

    # -- runs: reading -----------------------------------------------------------------

    def get_run(self, run_id: int) -> RunInfo:
        """One run; raises :class:`CheckpointError` when there is no such run."""
        with self._boundary.guard(f"read run {run_id}"), self._engine.connect() as conn:
            row = conn.execute(sa.select(runs).where(runs.c.id == run_id)).one_or_none()
        if row is None:
            raise CheckpointError(f"no run {run_id} in the state DB {self.shown_url}")
        return run_info(row)

    def runs(self) -> list[RunInfo]:
        """Every run, newest first."""
        with self._boundary.guard("list runs"), self._engine.connect() as conn:
            return [run_info(r) for r in conn.execute(sa.select(runs).order_by(runs.c.id.desc()))]

    def item_counts(self) -> dict[int, dict[str, dict[str, int]]]:
        """Item counts per run, stage and status: ``{run_id: {stage: {status: n}}}``."""
        return queries.count_items(self._engine, self._boundary)

    def status_report(
        self, *, run_id: int | None = None, all_failures: bool = False
    ) -> dict[str, JsonValue]:
        """The ``cells-migrate/status/1`` document of DESIGN.md (runs newest first; only run
        ``run_id`` when given: ``CheckpointError`` when there is none).

        Each run has ``counts`` (done, failed, pending, skipped, rolled_back, and done split
        into changed and unchanged) and, added to the contract, ``fingerprint``, per-stage
        ``stages`` counts, ``passwords`` (the password steps of the users it created, by
        state), ``outcome`` and ``failures`` with their reasons (the first
        :data:`SHOWN_FAILURES`, all with ``all_failures``; ``failures_total`` counts them);
        ``passwords_not_set`` lists (up to 1,000) the users whose newest password step is
        not done.
        """
        counts = self.item_counts()
        passwords = queries.count_passwords(self._engine, self._boundary)
        unchanged = queries.count_unchanged(self._engine, self._boundary)
        failed = queries.count_failures(self._engine, self._boundary)
        chosen = [self.get_run(run_id)] if run_id is not None else self.runs()
        limit = None if all_failures else SHOWN_FAILURES
        entries: list[JsonValue] = [
            status_entry(
                run,
                counts.get(run.id, {}),
                passwords.get(run.id),
                unchanged=unchanged.get(run.id),
                failures=queries.failures(self._engine, self._boundary, run.id, limit=limit)
                if failed.get(run.id)
                else (),
                failures_total=failed.get(run.id, 0),
            )
            for run in chosen
        ]
        left: list[JsonValue] = [s.to_json() for s in self.password_steps_left()[:SHOWN_STEPS]]
        return {"schema": STATUS_SCHEMA, "runs": entries, "passwords_not_set": left}

    def password_steps_left(self) -> list[PasswordStepLeft]:
        """Users whose newest password step is pending or failed (``status``, ``verify``)."""
        return queries.password_steps_left(self._engine, self._boundary)

    def last_changing_run(self) -> RunInfo | None:
        """The newest run (not a rollback) with a ``done`` item that changed Cells.

        Changing actions are create, update, delete and restore; items already rolled back
        do not count, so after a rollback the previous run becomes the default target.
        """
        run_id = queries.last_changing_run_id(self._engine, self._boundary)
        return None if run_id is None else self.get_run(run_id)
