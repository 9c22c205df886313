"""The run lock on every backend: refusal, dead-holder takeover, force-unlock, races, kill -9.

Processes are real: a child process takes the lock (or records outcomes) and is killed with
SIGKILL, as an operator's `kill -9` or a dying SSH session would.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from migrate.errors import RunLockedError
from migrate.kinds.vocabulary import Kind, Stage
from migrate.load import lock
from migrate.load.checkpoint import (
    CheckpointDB,
    ItemStatus,
    LockHolder,
    PlannedItem,
    RunStatus,
    this_process,
)
from migrate.load.checkpoint_schema import ItemAction, RunCommand
from tests.support.checkpoint import Clock, fresh_url
from tests.support.databases import TestDatabase

pytestmark = pytest.mark.integration

HERE = LockHolder(host="box", pid=os.getpid(), user="ops")  # a live process of host "box"


@pytest.fixture
def url(dialect: TestDatabase, tmp_path: Path) -> Iterator[str]:
    yield from fresh_url(dialect, tmp_path)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db(url: str, clock: Clock) -> Iterator[CheckpointDB]:
    with CheckpointDB.open(url, now=clock) as opened:
        yield opened


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_second_run_on_this_host_is_refused_while_the_holder_lives(db: CheckpointDB) -> None:
    first = db.start_run(command=RunCommand.APPLY, holder=HERE)
    other = LockHolder(host="box", pid=_dead_pid(), user="ops")
    with pytest.raises(RunLockedError) as refused:
        db.start_run(command=RunCommand.APPLY, holder=other)
    text = str(refused.value)
    assert f"run {first.id} (apply) of user ops on host box, pid {os.getpid()}" in text
    assert f"process {os.getpid()} still runs on this host" in text
    assert [r.id for r in db.runs()] == [first.id]  # the refused run left no row
    assert db.lock_state().run_id == first.id


def test_holder_on_another_host_needs_force_unlock(db: CheckpointDB, clock: Clock) -> None:
    remote = LockHolder(host="far", pid=1, user="ops")
    first = db.start_run(command=RunCommand.APPLY, holder=remote)
    with pytest.raises(RunLockedError, match="if it no longer runs on far, re-run with --force"):
        db.start_run(command=RunCommand.APPLY, holder=HERE)
    previous = db.force_unlock()
    assert previous.run_id == first.id
    assert previous.holder == remote
    assert previous.acquired_at == clock.t
    assert db.get_run(first.id).status is RunStatus.INTERRUPTED
    second = db.start_run(command=RunCommand.APPLY, holder=HERE)
    assert db.lock_state().run_id == second.id


def test_dead_holder_on_this_host_is_taken_over(
    db: CheckpointDB, caplog: pytest.LogCaptureFixture
) -> None:
    dead = LockHolder(host="box", pid=_dead_pid(), user="ops")
    crashed = db.start_run(command=RunCommand.APPLY, holder=dead)
    with caplog.at_level(logging.WARNING, logger="migrate.load.lock"):
        resumed = db.resume_run(crashed.id, holder=HERE)
    assert resumed.status is RunStatus.RUNNING
    assert resumed.pid == os.getpid()
    assert db.lock_state().holder == HERE
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        f"run {crashed.id} (pid {dead.pid} on box) lost the lock: its process is gone; the run "
        f"is marked interrupted (resume it with `resume --run {crashed.id}`)"
    ]


def test_a_force_unlocked_run_stops_at_its_next_flush_keeping_its_outcomes(
    db: CheckpointDB,
) -> None:
    run = db.start_run(command=RunCommand.APPLY, holder=HERE)
    ids = db.record_planned(
        run.id, [PlannedItem(stage=Stage.USERS, kind=Kind.USER, key="a", action=ItemAction.CREATE)]
    )
    writer = db.writer(run.id, holder=HERE)
    writer.mark_done(ids[0])
    db.heartbeat(run.id, holder=HERE)
    db.force_unlock()
    with pytest.raises(RunLockedError, match="lost the lock"):
        writer.flush()
    assert [i.status for i in db.items(run.id)] == [ItemStatus.DONE]
    with pytest.raises(RunLockedError, match="no longer holds the lock"):
        db.heartbeat(run.id, holder=HERE)


def test_racing_acquirers_get_exactly_one_lock(db: CheckpointDB, url: str, clock: Clock) -> None:
    contenders = 8
    barrier = threading.Barrier(contenders)
    outcomes: list[str] = []

    def contend(n: int) -> None:
        holder = LockHolder(host=f"host{n}", pid=1000 + n, user="ops")
        with CheckpointDB.open(url, now=clock) as mine:
            barrier.wait()
            try:
                mine.start_run(command=RunCommand.APPLY, holder=holder)
                outcomes.append("won")
            except RunLockedError:
                outcomes.append("refused")

    threads = [threading.Thread(target=contend, args=(n,)) for n in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * (contenders - 1) + ["won"]
    assert len(db.runs()) == 1
    assert db.lock_state().run_id == db.runs()[0].id


CHILD = """
import sys
from datetime import datetime, timezone
from migrate.kinds.vocabulary import Kind, Stage
from migrate.load.checkpoint import CheckpointDB, PlannedItem, this_process
from migrate.load.checkpoint_schema import ItemAction, RunCommand

url, done = sys.argv[1], int(sys.argv[2])
db = CheckpointDB.open(url, now=lambda: datetime.now(timezone.utc))
me = this_process()
run = db.start_run(command=RunCommand.APPLY, holder=me)
planned = [PlannedItem(stage=Stage.USERS, kind=Kind.USER, key=f"u{i}", action=ItemAction.CREATE)
           for i in range(40)]
ids = db.record_planned(run.id, planned)
writer = db.writer(run.id, holder=me, batch_size=10)
for item_id in ids[:done]:
    writer.mark_done(item_id)
print(run.id, flush=True)
sys.stdin.read()
"""


def _child(url: str, done: int) -> tuple[subprocess.Popen[str], int]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(done)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.strip(), f"child failed (exit {child.poll()})"
    return child, int(line)


def test_kill_9_then_resume_takes_the_lock_and_loses_only_the_unflushed_batch(
    db: CheckpointDB, url: str
) -> None:
    child, run_id = _child(url, done=25)  # batch 10: 20 written, 5 buffered
    me = this_process()
    try:
        with pytest.raises(RunLockedError, match=f"process {child.pid} still runs"):
            db.start_run(command=RunCommand.APPLY, holder=me)
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate()
    assert child.returncode == -signal.SIGKILL
    resumed = db.resume_run(run_id, holder=me)
    assert resumed.status is RunStatus.RUNNING
    statuses = [i.status for i in db.items(run_id)]
    assert statuses == [ItemStatus.DONE] * 20 + [ItemStatus.PENDING] * 20
    assert len(list(db.resumable_items(run_id))) == 20
    db.finish_run(run_id, holder=me, status=RunStatus.DONE)
    assert db.lock_state().free


def test_compare_and_set_fails_when_the_row_changed_since_it_was_read(
    db: CheckpointDB, url: str, clock: Clock
) -> None:
    seen_free = db.lock_state()
    winner = db.start_run(command=RunCommand.APPLY, holder=HERE)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            other = LockHolder(host="elsewhere", pid=2, user="ops")
            taken = lock.compare_and_set(
                conn, expected=seen_free, run_id=winner.id + 1, me=other, now=clock()
            )
    finally:
        engine.dispose()
    assert taken is False
    assert db.lock_state().holder == HERE
