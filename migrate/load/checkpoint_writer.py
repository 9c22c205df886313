"""Batched item status writes for the checkpoint DB.

Part of the checkpoint DB (issue 6: "writes are batched so that checkpointing costs ≤ 5 % of
apply time"). Worker threads report outcomes to an :class:`ItemWriter`; it buffers them and
writes a whole batch in **one transaction** every ``batch_size`` outcomes, when ``interval``
has passed (checked on each report and by :meth:`ItemWriter.flush_if_due`), on
:meth:`ItemWriter.flush` and on :meth:`ItemWriter.close` (also on leaving a ``with`` block
because of an exception, Ctrl-C included).

**The crash contract.** A crash (kill -9, power loss) loses at most the outcomes reported
since the last flush. Those items stay ``pending`` (or keep the status of an earlier attempt)
although Cells may hold them. This is safe because the executor treats every item that is not
``done`` as *unknown* on resume: it looks the object up in Cells first (ids are
deterministic, DESIGN.md "Ids") and adopts it when present and equal, instead of writing it
again — a blind re-send would duplicate an ACL (500) or rename a slug (``-1``). Rollback
images are not batched: :meth:`CheckpointDB.save_before` writes them at once, before the
update is sent, because a lost image could not be rebuilt.

Each flush also refreshes the lock's heartbeat in the same transaction; when the lock was
taken from this run (``--force-unlock`` elsewhere) the batch is still committed (the outcomes
are facts) and :class:`~migrate.errors.RunLockedError` is raised so the run stops.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType

import sqlalchemy as sa

from migrate.errors import RunLockedError
from migrate.load import lock
from migrate.load.checkpoint_identity import StateIdentity
from migrate.load.checkpoint_schema import (
    Boundary,
    ItemStatus,
    JsonValue,
    Now,
    PasswordState,
    cut_error,
    dump_json,
    items,
    to_db_time,
    write_tx,
)

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 500
DEFAULT_INTERVAL = timedelta(seconds=2)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Change:
    status: ItemStatus | None  # None: a password step only, the item's status stays
    attempts: int
    error: str | None = None
    cells_id: str | None = None
    after: str | None = None
    seq: int | None = None
    password: PasswordState | None = None

    def then(self, newer: _Change) -> _Change:
        """This buffered change followed by ``newer`` (one row written for both)."""
        return _Change(
            status=newer.status or self.status,
            attempts=self.attempts + newer.attempts,
            error=newer.error,
            cells_id=newer.cells_id or self.cells_id,
            after=newer.after or self.after,
            seq=newer.seq or self.seq,
            password=newer.password or self.password,
        )


_UPDATE = (
    sa.update(items)
    .where(items.c.id == sa.bindparam("b_id"))
    .values(
        status=sa.func.coalesce(sa.bindparam("b_status", type_=sa.String), items.c.status),
        attempts=items.c.attempts + sa.bindparam("b_attempts", type_=sa.Integer),
        last_error=sa.bindparam("b_error", type_=sa.String),
        cells_id=sa.func.coalesce(sa.bindparam("b_cells_id", type_=sa.String), items.c.cells_id),
        after_image=sa.func.coalesce(sa.bindparam("b_after", type_=sa.Text), items.c.after_image),
        seq=sa.func.coalesce(sa.bindparam("b_seq", type_=sa.BigInteger), items.c.seq),
        password_state=sa.func.coalesce(
            sa.bindparam("b_password", type_=sa.String), items.c.password_state
        ),
        updated_at=sa.bindparam("b_at"),
    )
)


def _value(state: ItemStatus | PasswordState | None) -> str | None:
    return None if state is None else state.value


def _rows(batch: dict[int, _Change], stamp: datetime) -> list[dict[str, object]]:
    return [
        {
            "b_id": item_id,
            "b_status": _value(change.status),
            "b_attempts": change.attempts,
            "b_error": change.error,
            "b_cells_id": change.cells_id,
            "b_after": change.after,
            "b_seq": change.seq,
            "b_password": _value(change.password),
            "b_at": stamp,
        }
        for item_id, change in batch.items()
    ]


# MariaDB/MySQL: PyMySQL's executemany sends one round trip per UPDATE (155 ms per 1,000
# outcomes, near the 5 % budget) but batches an INSERT into one multi-row statement; so the
# outcomes go to a per-session temporary table and one joined UPDATE applies them. CREATE
# TEMPORARY TABLE does not end the transaction (MySQL manual, "Statements That Cause an
# Implicit Commit").
_MYSQL_STAGED_FROM = 20  # smaller batches: the temporary table costs more than it saves
_MYSQL_STAGE = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS cm_item_outcomes ("
    "id BIGINT PRIMARY KEY, status VARCHAR(16) NULL, attempts INT NOT NULL, "
    "last_error VARCHAR(308) NULL, cells_id VARCHAR(255) NULL, after_image LONGTEXT NULL, "
    "seq BIGINT NULL, password_state VARCHAR(16) NULL) CHARACTER SET utf8mb4"
)
_MYSQL_INSERT = "INSERT INTO cm_item_outcomes VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
_MYSQL_APPLY = (
    "UPDATE items JOIN cm_item_outcomes o ON items.id = o.id SET "
    "items.status = COALESCE(o.status, items.status), "
    "items.attempts = items.attempts + o.attempts, "
    "items.last_error = o.last_error, items.cells_id = COALESCE(o.cells_id, items.cells_id), "
    "items.after_image = COALESCE(o.after_image, items.after_image), "
    "items.seq = COALESCE(o.seq, items.seq), "
    "items.password_state = COALESCE(o.password_state, items.password_state), "
    "items.updated_at = %s"
)


def _write_mysql(conn: sa.Connection, batch: dict[int, _Change], stamp: datetime) -> None:
    conn.exec_driver_sql(_MYSQL_STAGE)
    conn.exec_driver_sql("DELETE FROM cm_item_outcomes")
    rows = [
        (
            item_id,
            _value(c.status),
            c.attempts,
            c.error,
            c.cells_id,
            c.after,
            c.seq,
            _value(c.password),
        )
        for item_id, c in batch.items()
    ]
    conn.exec_driver_sql(_MYSQL_INSERT, rows)
    conn.exec_driver_sql(_MYSQL_APPLY, (stamp,))


class ItemWriter:
    """Buffers item outcomes and writes them in batches; thread-safe.

    Create it with :meth:`CheckpointDB.writer` for the run holding the lock. Outcomes for
    one item reported twice before a flush are merged (the last status wins, attempts add
    up). ``done`` items get the next completion sequence number at the moment they are
    reported, so rollback walks them in the reverse order Cells confirmed them.
    """

    def __init__(
        self,
        *,
        engine: sa.Engine,
        boundary: Boundary,
        run_id: int,
        holder: lock.LockHolder,
        now: Now,
        next_seq: int,
        identity: StateIdentity | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        interval: timedelta = DEFAULT_INTERVAL,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._identity = identity or StateIdentity(shown_url=boundary.shown_url, instance=None)
        self._engine = engine
        self._boundary = boundary
        self._run_id = run_id
        self._holder = holder
        self._now = now
        self._next_seq = next_seq
        self._batch_size = batch_size
        self._interval = interval
        self._buffer: dict[int, _Change] = {}
        self._buffer_lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._last_flush = now()
        self._closed = False
        self.flushes = 0  # transactions written, for the benchmark and tests

    def mark_done(
        self,
        item_id: int,
        *,
        cells_id: str | None = None,
        after: Mapping[str, JsonValue] | None = None,
    ) -> None:
        """Cells confirmed the item's write: record ``done``, its Cells id and what we wrote.

        Call this only after Cells answered success for the write (or, for ``noop`` and
        ``adopt``, after reading the object back); ``after`` is the object as written, which
        rollback compares with Cells to refuse objects changed since by someone else.
        """
        self._report(
            item_id,
            ItemStatus.DONE,
            attempts=1,
            cells_id=cells_id,
            after=dump_json(after),
            numbered=True,
        )

    def mark_failed(self, item_id: int, *, error: str) -> None:
        """The item failed; ``error`` must be redacted already (it is cut to 300 chars)."""
        self._report(item_id, ItemStatus.FAILED, attempts=1, error=cut_error(error))

    def mark_skipped(self, item_id: int, *, reason: str) -> None:
        """The item was not attempted (e.g. its user failed), with the reason why."""
        self._report(item_id, ItemStatus.SKIPPED, attempts=0, error=cut_error(reason))

    def mark_rolled_back(self, item_id: int) -> None:
        """Rollback undid the item (deleted what was created, restored what was updated)."""
        self._report(item_id, ItemStatus.ROLLED_BACK, attempts=0)

    def mark_password(
        self, item_id: int, state: PasswordState, *, error: str | None = None
    ) -> None:
        """The password step of a created user reached ``state`` (the item's status stays);
        ``error`` (redacted, never the password or hash) goes with ``failed``."""
        self._report(item_id, None, attempts=0, error=cut_error(error), password=state)

    @property
    def buffered(self) -> int:
        """How many item outcomes wait for the next flush."""
        with self._buffer_lock:
            return len(self._buffer)

    def _report(
        self,
        item_id: int,
        status: ItemStatus | None,
        *,
        attempts: int,
        error: str | None = None,
        cells_id: str | None = None,
        after: str | None = None,
        numbered: bool = False,
        password: PasswordState | None = None,
    ) -> None:
        with self._buffer_lock:
            if self._closed:
                raise ValueError("the checkpoint writer is closed")
            seq = None
            if numbered:
                seq = self._next_seq
                self._next_seq += 1
            change = _Change(
                status=status,
                attempts=attempts,
                error=error,
                cells_id=cells_id,
                after=after,
                seq=seq,
                password=password,
            )
            previous = self._buffer.get(item_id)
            if previous is not None:
                change = previous.then(change)
            self._buffer[item_id] = change
            full = len(self._buffer) >= self._batch_size
        if full:
            self.flush()
        else:
            self.flush_if_due()

    def flush_if_due(self) -> int:
        """Flush when ``interval`` has passed since the last flush; call it while waiting."""
        if self._now() - self._last_flush >= self._interval:
            return self.flush()
        return 0

    def flush(self) -> int:
        """Write every buffered outcome in one transaction; return how many were written.

        Raises :class:`CheckpointError` when the DB fails (the batch stays buffered, so a
        later flush retries it) and :class:`RunLockedError` when the lock was taken away
        (after committing the batch).
        """
        with self._flush_lock:
            with self._buffer_lock:
                batch, self._buffer = self._buffer, {}
            now = self._now()
            self._last_flush = now
            if not batch:
                return 0
            try:
                still_ours = self._write(batch, now)
            except BaseException:
                self._requeue(batch)
                raise
            self.flushes += 1
        if not still_ours:
            raise RunLockedError(
                f"run {self._run_id} lost the lock of the state DB {self._boundary.shown_url} "
                "(force-unlocked by someone else?): stopping; its outcomes so far are saved",
                subject=f"run:{self._run_id}",
            )
        return len(batch)

    def _write(self, batch: dict[int, _Change], now: datetime) -> bool:
        stamp = to_db_time(now)
        self._identity.check_file()
        with self._boundary.guard("record item outcomes"), write_tx(self._engine) as conn:
            self._identity.check(conn)
            if conn.dialect.name in ("mysql", "mariadb") and len(batch) >= _MYSQL_STAGED_FROM:
                _write_mysql(conn, batch, stamp)
            else:
                conn.execute(_UPDATE, _rows(batch, stamp))
            ours = lock.beat(conn, run_id=self._run_id, me=self._holder, now=now)
        log.debug("checkpoint: %d item outcomes written", len(batch))
        return ours

    def _requeue(self, batch: dict[int, _Change]) -> None:
        with self._buffer_lock:
            for item_id, change in batch.items():
                newer = self._buffer.get(item_id)
                self._buffer[item_id] = change if newer is None else change.then(newer)

    def close(self) -> None:
        """Flush what is buffered and refuse further reports. Idempotent."""
        if self._closed:
            return
        try:
            self.flush()
        finally:
            with self._buffer_lock:
                self._closed = True

    def __enter__(self) -> ItemWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
