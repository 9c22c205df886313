"""The run lock of a checkpoint DB: one row, taken and released by compare-and-set.

Part of the checkpoint DB (DESIGN.md "Checkpoint DB": "a lock so two applies cannot run at
once"; issue 6). The ``run_lock`` table has exactly one row (created with the schema). Every
change is a single conditional ``UPDATE`` whose ``WHERE`` states what the row must still hold
(free, or held by the exact holder we found dead), so two processes racing for it cannot both
win on SQLite (writes serialised by ``BEGIN IMMEDIATE``), MariaDB/InnoDB (an ``UPDATE``
re-reads the current row under a row lock) or PostgreSQL (READ COMMITTED re-checks the
``WHERE`` on the row version it waited for). There is no read-then-write race: the read only
chooses which compare-and-set to try; the database decides.
"""

from __future__ import annotations

import getpass
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from migrate.errors import RunLockedError
from migrate.load.checkpoint_schema import (
    LOCK_ROW_ID,
    Boundary,
    Now,
    RunStatus,
    from_db_time,
    run_lock,
    runs,
    to_db_time,
    write_tx,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class LockHolder:
    """Who runs a command: host name, process id and OS user."""

    host: str
    pid: int
    user: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LockState:
    """The lock row as read: free when ``run_id`` is ``None``."""

    run_id: int | None
    holder: LockHolder | None
    acquired_at: datetime | None
    heartbeat: datetime | None
    command: str | None = None

    @property
    def free(self) -> bool:
        """Whether no run holds the lock."""
        return self.run_id is None


def this_process() -> LockHolder:
    """The :class:`LockHolder` of the calling process (the one place that reads the OS)."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name (containers): fall back to the uid
        user = str(os.getuid())
    return LockHolder(host=socket.gethostname(), pid=os.getpid(), user=user)


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host (signal 0 checks without signalling)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists but belongs to another user
        return True
    return True


def read_lock(conn: sa.Connection) -> LockState:
    """The current lock row, with the holder run's command when there is one."""
    query = sa.select(run_lock, runs.c.command).outerjoin(runs, runs.c.id == run_lock.c.holder_run)
    row = conn.execute(query.where(run_lock.c.id == LOCK_ROW_ID)).one()
    if row.holder_run is None:
        return LockState(run_id=None, holder=None, acquired_at=None, heartbeat=None)
    holder = LockHolder(host=row.host or "", pid=row.pid or 0, user=row.username or "")
    return LockState(
        run_id=row.holder_run,
        holder=holder,
        acquired_at=from_db_time(row.acquired_at),
        heartbeat=from_db_time(row.heartbeat),
        command=row.command,
    )


def holder_gone(state: LockState, me: LockHolder, is_alive: Callable[[int], bool]) -> bool:
    """Whether the holder died on this same host (its pid is gone): safe to take over.

    A holder on another host is never judged gone (its pid means nothing here): the
    operator decides with ``--force-unlock``. The same pid as ours is alive by definition.
    """
    holder = state.holder
    if holder is None or holder.host != me.host or holder.pid == me.pid:
        return False
    return not is_alive(holder.pid)


def _held_by(state: LockState) -> sa.ColumnElement[bool]:
    if state.holder is None:
        return run_lock.c.holder_run.is_(None)
    return sa.and_(
        run_lock.c.holder_run == state.run_id,
        run_lock.c.host == state.holder.host,
        run_lock.c.pid == state.holder.pid,
    )


def compare_and_set(
    conn: sa.Connection, *, expected: LockState, run_id: int, me: LockHolder, now: datetime
) -> bool:
    """Take the lock for ``run_id`` if it still is as ``expected``; ``True`` when taken."""
    stamp = to_db_time(now)
    result = conn.execute(
        sa.update(run_lock)
        .where(run_lock.c.id == LOCK_ROW_ID, _held_by(expected))
        .values(
            holder_run=run_id,
            host=me.host,
            pid=me.pid,
            username=me.user,
            acquired_at=stamp,
            heartbeat=stamp,
        )
    )
    return result.rowcount == 1


def _mine(run_id: int, me: LockHolder) -> sa.ColumnElement[bool]:
    return sa.and_(
        run_lock.c.id == LOCK_ROW_ID,
        run_lock.c.holder_run == run_id,
        run_lock.c.host == me.host,
        run_lock.c.pid == me.pid,
    )


def beat(conn: sa.Connection, *, run_id: int, me: LockHolder, now: datetime) -> bool:
    """Refresh the heartbeat; ``False`` when the lock is no longer ours (force-unlocked)."""
    result = conn.execute(
        sa.update(run_lock).where(_mine(run_id, me)).values(heartbeat=to_db_time(now))
    )
    return result.rowcount == 1


_CLEARED = {
    "holder_run": None,
    "host": None,
    "pid": None,
    "username": None,
    "acquired_at": None,
    "heartbeat": None,
}


def release(conn: sa.Connection, *, run_id: int, me: LockHolder) -> bool:
    """Free the lock if ``run_id`` in this process holds it; ``False`` when it did not."""
    result = conn.execute(sa.update(run_lock).where(_mine(run_id, me)).values(**_CLEARED))
    return result.rowcount == 1


def clear(conn: sa.Connection, *, expected: LockState) -> bool:
    """Free the lock whoever holds it, if it is still held as ``expected``."""
    result = conn.execute(
        sa.update(run_lock)
        .where(run_lock.c.id == LOCK_ROW_ID, _held_by(expected))
        .values(**_CLEARED)
    )
    return result.rowcount == 1


def _time(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else "unknown"


def locked_error(state: LockState, me: LockHolder, shown_url: str) -> RunLockedError:
    """The refusal for a lock held by a live or remote holder, saying what to do."""
    holder = state.holder or LockHolder(host="?", pid=0, user="?")
    who = (
        f"run {state.run_id} ({state.command or 'unknown command'}) of user {holder.user} "
        f"on host {holder.host}, pid {holder.pid}, since {_time(state.acquired_at)} "
        f"(last heartbeat {_time(state.heartbeat)})"
    )
    if holder.host == me.host:
        advice = (
            f"process {holder.pid} still runs on this host: wait for it to finish or stop it "
            "(Ctrl-C leaves a resumable run), then retry"
        )
    else:
        advice = (
            f"wait for it to finish; if it no longer runs on {holder.host}, "
            "re-run with --force-unlock"
        )
    return RunLockedError(
        f"the state DB {shown_url} is locked by {who}: {advice}", subject=f"run:{state.run_id}"
    )


class _LostRace(Exception):
    """Another process changed the lock row between our read and our compare-and-set."""


def acquire(
    engine: sa.Engine,
    boundary: Boundary,
    *,
    me: LockHolder,
    make_run: Callable[[sa.Connection], int],
    now: Now,
    is_alive: Callable[[int], bool],
    action: str,
) -> int:
    """Run ``make_run`` (insert or reopen a run) and take the lock for it, atomically.

    One write transaction: read the row; refuse a live holder (:class:`RunLockedError`);
    mark a dead same-host holder's run interrupted; compare-and-set the row. A lost race
    rolls everything back (no run row remains) and looks again.
    """
    for _ in range(3):
        try:
            with boundary.guard(action), write_tx(engine) as conn:
                state = read_lock(conn)
                gone = not state.free and holder_gone(state, me, is_alive)
                if not state.free and not gone:
                    raise locked_error(state, me, boundary.shown_url)
                if gone:
                    mark_interrupted(conn, state, now=now(), why="its process is gone")
                run_id = make_run(conn)
                if compare_and_set(conn, expected=state, run_id=run_id, me=me, now=now()):
                    return run_id
                raise _LostRace
        except _LostRace:
            continue
    raise RunLockedError(f"could not take the lock of the state DB {boundary.shown_url}")


def mark_interrupted(conn: sa.Connection, state: LockState, *, now: datetime, why: str) -> None:
    """Log the lock's loss by ``state``'s run and mark that run ``interrupted`` if running."""
    holder = state.holder
    log.warning(
        "run %s (pid %s on %s) lost the lock: %s; the run is marked interrupted "
        "(resume it with `resume --run %s`)",
        state.run_id,
        holder.pid if holder else "?",
        holder.host if holder else "?",
        why,
        state.run_id,
        extra={"run_id": state.run_id},
    )
    conn.execute(
        sa.update(runs)
        .where(runs.c.id == state.run_id, runs.c.status == RunStatus.RUNNING.value)
        .values(status=RunStatus.INTERRUPTED.value, finished_at=to_db_time(now))
    )
