"""Pure parts of the checkpoint DB: codecs, the status document, lock decisions and messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from migrate.errors import CheckpointError
from migrate.load.checkpoint_records import RunInfo, status_entry
from migrate.load.checkpoint_schema import (
    Boundary,
    RunCommand,
    RunStatus,
    cut_error,
    dump_json,
    from_db_time,
    load_json,
    make_engine,
    to_db_time,
)
from migrate.load.lock import LockHolder, LockState, holder_gone, locked_error

T0 = datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=UTC)
ME = LockHolder(host="box", pid=10, user="ops")


def test_times_are_stored_as_naive_utc_and_read_back_aware() -> None:
    eastern = T0.astimezone(timezone(timedelta(hours=-5)))
    stored = to_db_time(eastern)
    assert stored == datetime(2026, 1, 2, 3, 4, 5, 600000)
    assert stored.tzinfo is None
    assert from_db_time(stored) == T0
    assert from_db_time(None) is None


def test_json_images_are_canonical_and_tolerant() -> None:
    assert dump_json({"b": 1, "a": [True, None, "é"]}) == '{"a":[true,null,"é"],"b":1}'
    assert dump_json(None) is None
    assert load_json('{"a":1}') == {"a": 1}
    assert load_json("[1]") is None  # not an object
    assert load_json("{broken") is None
    assert load_json(None) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("  short  ", "short"), ("x" * 300, "x" * 300), ("y" * 301, "y" * 300 + "…"), (None, None)],
    ids=["stripped", "exactly-300", "cut", "none"],
)
def test_errors_are_cut_to_300_characters(text: str | None, expected: str | None) -> None:
    assert cut_error(text) == expected


def test_boundary_hides_the_password_everywhere() -> None:
    boundary = Boundary("mysql+pymysql://cm:pa55word@db.example/state")
    assert boundary.shown_url == "mysql+pymysql://cm:***@db.example/state"
    message = boundary.message("read runs", ValueError("auth failed for pa55word\nmore lines"))
    assert message == (
        "cannot read runs in the state DB mysql+pymysql://cm:***@db.example/state: "
        "ValueError: auth failed for ***"
    )


def test_invalid_url_is_a_checkpoint_error_without_the_password() -> None:
    url = "nosuchdb+driver://cm:pa55word@host/db"
    with pytest.raises(CheckpointError) as caught:
        make_engine(url, Boundary(url))
    assert "pa55word" not in str(caught.value)
    assert "cm:***@host" in str(caught.value)


def _held(holder: LockHolder) -> LockState:
    return LockState(
        run_id=7, holder=holder, acquired_at=T0, heartbeat=T0, command=RunCommand.APPLY
    )


@pytest.mark.parametrize(
    ("holder", "alive", "gone"),
    [
        (LockHolder(host="box", pid=11, user="ops"), False, True),
        (LockHolder(host="box", pid=11, user="ops"), True, False),
        (LockHolder(host="far", pid=11, user="ops"), False, False),  # never judged remotely
        (LockHolder(host="box", pid=10, user="ops"), False, False),  # our own pid
    ],
    ids=["dead-here", "alive-here", "other-host", "same-pid"],
)
def test_only_a_dead_holder_of_this_host_is_gone(
    holder: LockHolder, alive: bool, gone: bool
) -> None:
    assert holder_gone(_held(holder), ME, lambda _pid: alive) is gone


def test_free_lock_is_never_gone() -> None:
    free = LockState(run_id=None, holder=None, acquired_at=None, heartbeat=None)
    assert free.free
    assert holder_gone(free, ME, lambda _pid: False) is False


def test_refusal_messages_say_who_and_what_to_do() -> None:
    local = locked_error(_held(LockHolder(host="box", pid=11, user="al")), ME, "sqlite:///s.db")
    assert str(local) == (
        "run:7: the state DB sqlite:///s.db is locked by run 7 (apply) of user al on host box, "
        "pid 11, since 2026-01-02T03:04:05+00:00 (last heartbeat 2026-01-02T03:04:05+00:00): "
        "process 11 still runs on this host: wait for it to finish or stop it (Ctrl-C leaves "
        "a resumable run), then retry"
    )
    remote = locked_error(_held(LockHolder(host="far", pid=11, user="al")), ME, "x")
    assert str(remote).endswith(
        "wait for it to finish; if it no longer runs on far, re-run with --force-unlock"
    )


def test_status_entry_totals_and_stages() -> None:
    run = RunInfo(
        id=3,
        command=RunCommand.APPLY,
        fingerprint=None,
        status=RunStatus.PARTIAL,
        started_at=T0,
        finished_at=T0 + timedelta(minutes=5),
        host="box",
        pid=1,
        user="ops",
        summary=None,
    )
    entry = status_entry(
        run,
        {"users": {"done": 2, "failed": 1}, "acls": {"skipped": 4}},
        {"failed": 1},
        unchanged={"users": 1},
    )
    assert entry == {
        "id": 3,
        "command": "apply",
        "status": "partial",
        "started_at": "2026-01-02T03:04:05.600000+00:00",
        "finished_at": "2026-01-02T03:09:05.600000+00:00",
        "fingerprint": None,
        "counts": {
            **{"done": 2, "failed": 1, "pending": 0, "skipped": 4, "rolled_back": 0},
            **{"unchanged": 1, "changed": 1},
        },
        "stages": {
            "acls": {
                **{"done": 0, "failed": 0, "pending": 0, "skipped": 4, "rolled_back": 0},
                **{"unchanged": 0, "changed": 0},
            },
            "users": {
                **{"done": 2, "failed": 1, "pending": 0, "skipped": 0, "rolled_back": 0},
                **{"unchanged": 1, "changed": 1},
            },
        },
        "passwords": {"pending": 0, "done": 0, "failed": 1, "reset": 0},
        "outcome": "failures",
        "failures": [],
        "failures_total": 0,
        "rollback": None,
    }
