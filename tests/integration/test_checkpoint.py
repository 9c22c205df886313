"""The checkpoint DB on every backend: schema, runs, items, batched writes, queries.

The lock has its own module (test_checkpoint_lock.py). Every test gets an empty schema: a
fresh SQLite file, or the module's MariaDB/PostgreSQL database with our tables dropped after.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from migrate.errors import CheckpointError
from migrate.jsontypes import JsonValue
from migrate.kinds.vocabulary import Kind, Stage
from migrate.load.checkpoint import (
    STATUS_SCHEMA,
    CheckpointDB,
    ItemStatus,
    LockHolder,
    PlannedItem,
    RunStatus,
)
from migrate.load.checkpoint_schema import (
    SCHEMA_VERSION,
    ItemAction,
    PasswordState,
    RunCommand,
    metadata,
    schema_version,
)
from tests.support.checkpoint import Clock, fresh_url
from tests.support.databases import TestDatabase

pytestmark = pytest.mark.integration

ME = LockHolder(host="box", pid=4242, user="ops")


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


def _plan(
    n: int, stage: Stage = Stage.USERS, action: ItemAction = ItemAction.CREATE
) -> list[PlannedItem]:
    kind = Kind(stage.value.rstrip("s"))
    return [
        PlannedItem(stage=stage, kind=kind, key=f"{stage}-{i:05d}", action=action) for i in range(n)
    ]


def test_open_creates_schema_once_and_reopens(url: str, clock: Clock) -> None:
    CheckpointDB.open(url, now=clock).close()
    with CheckpointDB.open(url, now=clock, create=False) as again:
        assert again.runs() == []
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.select(schema_version.c.version)).scalars().all() == [SCHEMA_VERSION]
    engine.dispose()


@pytest.mark.parametrize(
    ("version", "words"), [(SCHEMA_VERSION + 1, "newer"), (0, "older")], ids=["newer", "older"]
)
def test_schema_version_mismatch_is_refused(
    url: str, clock: Clock, version: int, words: str
) -> None:
    CheckpointDB.open(url, now=clock).close()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.update(schema_version).values(version=version))
    engine.dispose()
    with pytest.raises(CheckpointError, match=f"schema version {version}, {words}"):
        CheckpointDB.open(url, now=clock)


def test_foreign_tables_are_not_taken_for_a_state_db(url: str, clock: Clock) -> None:
    engine = sa.create_engine(url)
    metadata.tables["runs"].create(engine)
    engine.dispose()
    with pytest.raises(CheckpointError, match="not a cells-migrate state DB"):
        CheckpointDB.open(url, now=clock)


def test_run_lifecycle_times_and_summary(db: CheckpointDB, clock: Clock) -> None:
    run = db.start_run(command=RunCommand.APPLY, holder=ME, fingerprint="fp-1")
    assert run.status is RunStatus.RUNNING
    assert run.started_at == clock.t  # microseconds and UTC survive every backend
    assert (run.host, run.pid, run.user) == ("box", 4242, "ops")
    clock.advance(seconds=90)
    done = db.finish_run(run.id, holder=ME, status=RunStatus.PARTIAL, summary={"created": 3})
    assert done.status is RunStatus.PARTIAL
    assert done.finished_at == clock.t
    assert done.summary == {"created": 3}
    assert db.lock_state().free


def test_record_planned_keeps_plan_order_and_appends(db: CheckpointDB) -> None:
    run = db.start_run(command=RunCommand.APPLY, holder=ME)
    first = db.record_planned(run.id, _plan(2500))  # more than one insert batch
    more = db.record_planned(run.id, _plan(3, stage=Stage.ACLS))
    assert (len(first), len(more)) == (2500, 3)
    stored = list(db.items(run.id))
    assert [i.id for i in stored] == first + more
    assert [i.position for i in stored] == list(range(2503))
    assert (stored[0].key, stored[-1].stage) == ("users-00000", "acls")
    assert {i.status for i in stored} == {ItemStatus.PENDING}


def test_outcomes_are_buffered_until_the_batch_is_full(db: CheckpointDB) -> None:
    run = db.start_run(command=RunCommand.APPLY, holder=ME)
    ids = db.record_planned(run.id, _plan(10))
    writer = db.writer(run.id, holder=ME, batch_size=4)
    for item_id in ids[:3]:
        writer.mark_done(item_id, cells_id=f"uuid-{item_id}")
    assert writer.buffered == 3
    assert writer.flushes == 0
    assert len(list(db.resumable_items(run.id))) == 10  # nothing written yet
    writer.mark_done(ids[3])  # the 4th fills the batch
    assert writer.flushes == 1
    assert writer.buffered == 0
    assert [i.id for i in db.resumable_items(run.id)] == ids[4:]
    writer.close()


def test_interval_flush_uses_the_injected_clock(db: CheckpointDB, clock: Clock) -> None:
    run = db.start_run(command=RunCommand.APPLY, holder=ME)
    ids = db.record_planned(run.id, _plan(3))
    writer = db.writer(run.id, holder=ME, batch_size=100, interval=timedelta(seconds=2))
    writer.mark_done(ids[0])
    assert writer.flush_if_due() == 0
    clock.advance(seconds=2)
    writer.mark_done(ids[1])  # reported after the interval: both go out together
    assert writer.flushes == 1
    assert [i.id for i in db.resumable_items(run.id)] == [ids[2]]
    writer.close()


def test_leaving_the_with_block_on_ctrl_c_flushes(db: CheckpointDB) -> None:
    run = db.start_run(command=RunCommand.APPLY, holder=ME)
    ids = db.record_planned(run.id, _plan(3))
    writer = db.writer(run.id, holder=ME)

    def interrupted_stage() -> None:
        with writer:
            writer.mark_done(ids[0])
            writer.mark_failed(ids[1], error="boom")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted_stage()
    statuses = {i.id: i.status for i in db.items(run.id)}
    assert statuses == {
        ids[0]: ItemStatus.DONE,
        ids[1]: ItemStatus.FAILED,
        ids[2]: ItemStatus.PENDING,
    }
    with pytest.raises(ValueError, match="closed"):
        writer.mark_done(ids[2])


def test_outcome_fields_errors_attempts_and_images(db: CheckpointDB, clock: Clock) -> None:
    run = db.start_run(command=RunCommand.APPLY, holder=ME)
    planned = [
        PlannedItem(stage=Stage.USERS, kind=Kind.USER, key="alice", action=ItemAction.CREATE),
        PlannedItem(
            stage=Stage.USERS,
            kind=Kind.USER,
            key="bob",
            action=ItemAction.UPDATE,
            cells_id="u-bob",
            before={"Login": "bob", "Attributes": {"email": "old@x"}},
        ),
        PlannedItem(stage=Stage.ACLS, kind=Kind.ACL, key="bob:ws1", action=ItemAction.CREATE),
    ]
    alice, bob, acl = db.record_planned(run.id, planned)
    db.save_before(bob, {"Login": "bob", "Attributes": {"email": "older@x"}})
    clock.advance(seconds=1)
    with db.writer(run.id, holder=ME) as writer:
        writer.mark_failed(alice, error="x" * 1000)
        writer.mark_done(alice, cells_id="u-alice", after={"Login": "alice"})  # retry in batch
        writer.mark_done(bob, after={"Login": "bob", "Attributes": {"email": "new@x"}})
        writer.mark_skipped(acl, reason="user bob failed")
        writer.mark_failed(acl, error="é" * 400)
    by_key = {i.key: i for i in db.items(run.id)}
    assert by_key["alice"].status is ItemStatus.DONE
    assert by_key["alice"].attempts == 2
    assert by_key["alice"].error is None
    assert by_key["alice"].cells_id == "u-alice"
    assert by_key["alice"].after == {"Login": "alice"}
    assert by_key["alice"].updated_at == clock.t
    assert by_key["bob"].cells_id == "u-bob"  # kept: the writer passed none
    assert by_key["bob"].before == {"Login": "bob", "Attributes": {"email": "older@x"}}
    assert by_key["bob"].after == {"Login": "bob", "Attributes": {"email": "new@x"}}
    assert by_key["bob:ws1"].status is ItemStatus.FAILED
    assert by_key["bob:ws1"].error == "é" * 300 + "…"


def test_resumable_and_rollback_walks(db: CheckpointDB) -> None:
    run = db.start_run(command=RunCommand.APPLY, holder=ME)
    ids = db.record_planned(run.id, _plan(6) + _plan(2, stage=Stage.ACLS))
    with db.writer(run.id, holder=ME, batch_size=3) as writer:
        for item_id in (ids[4], ids[1], ids[6], ids[0]):  # confirmation order ≠ plan order
            writer.mark_done(item_id)
        writer.mark_failed(ids[2], error="e")
        writer.mark_skipped(ids[7], reason="r")
    assert [i.id for i in db.resumable_items(run.id)] == [ids[2], ids[3], ids[5], ids[7]]
    assert [i.id for i in db.resumable_items(run.id, stage=Stage.ACLS)] == [ids[7]]
    newest = [i.id for i in db.done_items_newest_first(run.id)]
    assert newest == [ids[0], ids[6], ids[1], ids[4]]
    assert [i.id for i in db.done_items_newest_first(run.id, stage=Stage.ACLS)] == [ids[6]]


def test_done_walk_pages_through_many_items(db: CheckpointDB) -> None:
    run = db.start_run(command=RunCommand.APPLY, holder=ME)
    ids = db.record_planned(run.id, _plan(2300))
    with db.writer(run.id, holder=ME, batch_size=1000) as writer:
        for item_id in reversed(ids):
            writer.mark_done(item_id)
    assert [i.id for i in db.done_items_newest_first(run.id)] == ids
    assert list(db.resumable_items(run.id)) == []


def _apply_run(db: CheckpointDB, action: ItemAction, n: int = 2) -> tuple[int, list[int]]:
    run = db.start_run(command=RunCommand.APPLY, holder=ME)
    ids = db.record_planned(run.id, _plan(n, action=action))
    with db.writer(run.id, holder=ME) as writer:
        for item_id in ids:
            writer.mark_done(item_id)
    db.finish_run(run.id, holder=ME, status=RunStatus.DONE)
    return run.id, ids


def test_last_changing_run_and_rollback_across_runs(db: CheckpointDB) -> None:
    assert db.last_changing_run() is None
    first, first_ids = _apply_run(db, ItemAction.CREATE)
    second, second_ids = _apply_run(db, ItemAction.UPDATE)
    _, noop_ids = _apply_run(db, ItemAction.NOOP)  # changed nothing
    last = db.last_changing_run()
    assert last is not None
    assert last.id == second
    everything = [i.id for i in db.done_items_newest_first()]
    assert everything == [*reversed(noop_ids), *reversed(second_ids), *reversed(first_ids)]

    undo = db.start_run(command=RunCommand.ROLLBACK, holder=ME)
    undo_ids = db.record_planned(undo.id, _plan(1, action=ItemAction.DELETE))
    with db.writer(undo.id, holder=ME) as writer:
        writer.mark_done(undo_ids[0])
        for item in db.done_items_newest_first(second):
            writer.mark_rolled_back(item.id)
    db.set_run_status(second, RunStatus.ROLLED_BACK)
    db.finish_run(undo.id, holder=ME, status=RunStatus.DONE)
    assert [i.id for i in db.done_items_newest_first()] == [
        *reversed(noop_ids),
        *reversed(first_ids),
    ]  # neither the rolled-back items nor the rollback run's own
    last = db.last_changing_run()
    assert last is not None
    assert last.id == first  # the rollback run itself never counts
    assert {i.status for i in db.items(second)} == {ItemStatus.ROLLED_BACK}
    with pytest.raises(CheckpointError, match="rolled back"):
        db.resume_run(second, holder=ME)


def counts(**given: int) -> dict[str, int]:
    """A run's or a stage's counts in the status document (zeros for the others)."""
    keys = ("done", "failed", "pending", "skipped", "rolled_back", "unchanged", "changed")
    return {k: given.get(k, 0) for k in keys}


def failure(key: str, status: str, reason: str, *, stage: str = "users") -> dict[str, str]:
    """One entry of a run's ``failures`` in the status document (a create)."""
    kind = stage.rstrip("s")
    return {
        "stage": stage,
        "kind": kind,
        "key": key,
        "action": "create",
        "status": status,
        "reason": reason,
    }


def test_status_report_document(db: CheckpointDB, clock: Clock) -> None:
    run = db.start_run(command=RunCommand.APPLY, holder=ME, fingerprint="abc")
    users = [replace(p, password=True) for p in _plan(3)]
    ids = db.record_planned(run.id, users + _plan(2, stage=Stage.ACLS))
    with db.writer(run.id, holder=ME) as writer:
        writer.mark_done(ids[0])
        writer.mark_password(ids[0], PasswordState.FAILED, error="password not set: x")
        writer.mark_failed(ids[1], error="e")
        writer.mark_skipped(ids[3], reason="r")
    started = clock.t.isoformat()
    assert db.status_report() == {
        "schema": STATUS_SCHEMA,
        "runs": [
            {
                "id": run.id,
                "command": "apply",
                "status": "running",
                "started_at": started,
                "finished_at": None,
                "fingerprint": "abc",
                "counts": {**counts(done=1, failed=1, pending=2, skipped=1), "changed": 1},
                "stages": {
                    "acls": counts(pending=1, skipped=1),
                    "users": {**counts(done=1, failed=1, pending=1), "changed": 1},
                },
                "passwords": {"pending": 2, "done": 0, "failed": 1, "reset": 0},
                "outcome": "running",
                "failures": [
                    failure("users-00000", "password failed", "password not set: x"),
                    failure("users-00001", "failed", "e"),
                    failure("acls-00000", "skipped", "r", stage="acls"),
                ],
                "failures_total": 3,
                "rollback": None,
            }
        ],
        "passwords_not_set": [
            {"login": "users-00000", "run": run.id, "state": "failed"},
            {"login": "users-00001", "run": run.id, "state": "pending"},
            {"login": "users-00002", "run": run.id, "state": "pending"},
        ],
    }
    (first, *_) = db.items(run.id)
    assert (first.status, first.password, first.error) == (
        ItemStatus.DONE,
        PasswordState.FAILED,
        "password not set: x",
    )


def _report(db: CheckpointDB, **kw: Any) -> Any:
    """The status document, for indexing in assertions."""
    return db.status_report(**kw)


def test_status_tells_a_no_op_run_and_a_rolled_back_one_from_a_real_one(db: CheckpointDB) -> None:
    created, _ = _apply_run(db, ItemAction.CREATE, n=3)
    same, _ = _apply_run(db, ItemAction.NOOP, n=3)  # a re-run: Cells held everything
    undo = db.start_run(command=RunCommand.ROLLBACK, holder=ME)
    with db.writer(undo.id, holder=ME) as writer:
        for item in db.done_items_newest_first(created):
            writer.mark_rolled_back(item.id)
    summary: dict[str, JsonValue] = {
        "runs": [created],
        "undone": 3,
        "by_stage": {"users": 3},
        "refused": ["x: y"],
    }
    db.finish_run(undo.id, holder=ME, status=RunStatus.PARTIAL, summary=summary)
    db.set_run_status(created, RunStatus.ROLLED_BACK)
    runs = {r["id"]: r for r in _report(db)["runs"]}
    assert runs[same]["outcome"] == "no-changes"
    assert runs[same]["counts"] == counts(done=3, unchanged=3)
    assert runs[created]["outcome"] == "rolled-back"
    assert runs[created]["counts"] == counts(rolled_back=3)
    assert runs[undo.id]["outcome"] == "rollback"
    assert runs[undo.id]["stages"] == {"users": {"undone": 3}}
    assert runs[undo.id]["rollback"] == {
        "runs": [created],
        "undone": 3,
        "by_stage": {"users": 3},
        "refused": 1,
        "failed": 0,
    }
    assert runs[undo.id]["failures"] == [{"status": "refused", "reason": "x: y"}]


def test_status_lists_the_first_failures_and_all_of_one_run_on_request(db: CheckpointDB) -> None:
    run = db.start_run(command=RunCommand.APPLY, holder=ME)
    ids = db.record_planned(run.id, _plan(30))
    with db.writer(run.id, holder=ME) as writer:
        for n, item_id in enumerate(ids):
            writer.mark_failed(item_id, error=f"refused {n}")
    db.finish_run(run.id, holder=ME, status=RunStatus.PARTIAL)
    other, _ = _apply_run(db, ItemAction.CREATE)
    (_, entry) = _report(db)["runs"]  # newest first
    assert entry["outcome"] == "failures"
    assert entry["failures_total"] == 30
    assert [f["reason"] for f in entry["failures"]] == [f"refused {n}" for n in range(20)]
    (only,) = _report(db, run_id=run.id, all_failures=True)["runs"]
    assert len(only["failures"]) == 30
    assert _report(db, run_id=other)["runs"][0]["failures"] == []
    with pytest.raises(CheckpointError, match="no run 99"):
        db.status_report(run_id=99)


def test_password_steps_are_batched_with_the_outcomes(db: CheckpointDB) -> None:
    """50 users (MariaDB's staged multi-row path from 20): the done and the password state
    of one item reported in one batch land together; a later batch changes only the step."""
    run = db.start_run(command=RunCommand.APPLY, holder=ME)
    ids = db.record_planned(run.id, [replace(p, password=True) for p in _plan(50)])
    with db.writer(run.id, holder=ME) as writer:
        for item_id in ids:
            writer.mark_done(item_id, cells_id=f"u-{item_id}", after={"Login": str(item_id)})
            writer.mark_password(item_id, PasswordState.RESET)
    with db.writer(run.id, holder=ME) as writer:
        for item_id in ids[:25]:
            writer.mark_password(item_id, PasswordState.DONE)
    records = list(db.items(run.id))
    assert {r.status for r in records} == {ItemStatus.DONE}
    assert [r.password for r in records] == [PasswordState.DONE] * 25 + [PasswordState.RESET] * 25
    assert all(r.after == {"Login": str(r.id)} and r.cells_id == f"u-{r.id}" for r in records)
    assert db.password_steps_left() == []


def test_resume_reopens_an_interrupted_run(db: CheckpointDB, clock: Clock) -> None:
    run = db.start_run(command=RunCommand.APPLY, holder=ME)
    db.finish_run(run.id, holder=ME, status=RunStatus.INTERRUPTED)
    other = LockHolder(host="box", pid=4343, user="ops")
    resumed = db.resume_run(run.id, holder=other)
    assert resumed.status is RunStatus.RUNNING
    assert resumed.finished_at is None
    assert resumed.pid == 4343
    assert db.lock_state().run_id == run.id
    with pytest.raises(CheckpointError, match="no run 999"):
        db.get_run(999)


def test_times_are_utc_whatever_zone_comes_in(url: str) -> None:
    zoned = datetime(2026, 3, 1, 12, 0, 0, 250000, tzinfo=UTC).astimezone(
        timezone(timedelta(hours=5))
    )
    with CheckpointDB.open(url, now=lambda: zoned) as db:
        run = db.start_run(command=RunCommand.APPLY, holder=ME)
    assert run.started_at == zoned
    assert run.started_at.tzinfo is UTC


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://cm:pa55word@127.0.0.1:1/state?connect_timeout=5",
        "mysql+pymysql://cm:pa55word@127.0.0.1:1/state?connect_timeout=5",
    ],
    ids=["postgresql", "mariadb"],
)
def test_unreachable_server_is_a_checkpoint_error_without_password(url: str, clock: Clock) -> None:
    with pytest.raises(CheckpointError) as caught:
        CheckpointDB.open(url, now=clock)
    text = str(caught.value)
    assert "pa55word" not in text
    assert text.startswith("cannot open the schema in the state DB ")
    assert "cm:***@127.0.0.1:1/state" in text


def test_missing_sqlite_file_is_not_created_when_only_reading(tmp_path: Path) -> None:
    path = tmp_path / "none.db"
    with pytest.raises(CheckpointError, match="no state DB at sqlite:///"):
        CheckpointDB.open(f"sqlite:///{path}", now=Clock(), create=False)
    assert not path.exists()


def test_sqlite_state_db_runs_in_wal_mode(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'wal.db'}"
    CheckpointDB.open(url, now=Clock()).close()
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_large_batches_keep_every_field(db: CheckpointDB) -> None:
    """Batches of 20+ take MariaDB's staged path; every backend must store the same."""
    run = db.start_run(command=RunCommand.APPLY, holder=ME)
    planned = [
        PlannedItem(
            stage=Stage.USERS,
            kind=Kind.USER,
            key=f"u{i}",
            action=ItemAction.CREATE,
            cells_id=f"planned-{i}",
        )
        for i in range(30)
    ]
    ids = db.record_planned(run.id, planned)
    with db.writer(run.id, holder=ME, batch_size=100) as writer:
        for n, item_id in enumerate(ids[:10]):
            writer.mark_failed(item_id, error=f"first try {n}")
            writer.mark_done(item_id, cells_id=None if n % 2 else f"real-{n}", after={"n": n})
        for n, item_id in enumerate(ids[10:20]):
            writer.mark_failed(item_id, error=f"e{n}" + "!" * 400)
        for item_id in ids[20:]:
            writer.mark_skipped(item_id, reason="parent failed")
        assert writer.flushes == 0  # one batch of 30
    stored = list(db.items(run.id))
    assert [i.cells_id for i in stored[:10]] == [
        f"planned-{n}" if n % 2 else f"real-{n}" for n in range(10)
    ]
    assert [i.after for i in stored[:10]] == [{"n": n} for n in range(10)]
    assert [(i.status, i.attempts, i.error) for i in stored[:10]] == [
        (ItemStatus.DONE, 2, None)
    ] * 10
    assert [i.seq for i in stored[:10]] == sorted(i.seq or 0 for i in stored[:10])
    assert [i.error for i in stored[10:20]] == [f"e{n}" + "!" * 298 + "…" for n in range(10)]
    assert {(i.status, i.attempts, i.seq) for i in stored[10:20]} == {(ItemStatus.FAILED, 1, None)}
    assert {(i.status, i.attempts, i.error) for i in stored[20:]} == {
        (ItemStatus.SKIPPED, 0, "parent failed")
    }


def test_writer_is_safe_from_many_threads(db: CheckpointDB) -> None:
    run = db.start_run(command=RunCommand.APPLY, holder=ME)
    ids = db.record_planned(run.id, _plan(1600))
    with db.writer(run.id, holder=ME, batch_size=50) as writer:
        chunks = [ids[t::8] for t in range(8)]

        def work(chunk: list[int]) -> None:
            for item_id in chunk:
                writer.mark_done(item_id, cells_id=f"c{item_id}")

        threads = [threading.Thread(target=work, args=(c,)) for c in chunks]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    stored = list(db.items(run.id))
    assert all(i.status is ItemStatus.DONE and i.cells_id == f"c{i.id}" for i in stored)
    assert sorted(i.seq or 0 for i in stored) == list(range(1, 1601))
