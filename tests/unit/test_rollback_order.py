"""Rollback's undo order (pure): runs newest first, stages in reverse, deeper groups first,
newest confirmation first inside a batch (issue 12 point 3)."""

from __future__ import annotations

from datetime import UTC, datetime

from migrate.kinds.vocabulary import Kind, Stage
from migrate.load.checkpoint import ItemRecord, ItemStatus
from migrate.load.checkpoint_schema import ItemAction
from migrate.load.rollback import batches

STAMP = datetime(2026, 1, 1, tzinfo=UTC)


def _item(seq: int, run: int, stage: str, key: str, wave: int = 0) -> ItemRecord:
    return ItemRecord(
        id=seq,
        run_id=run,
        position=seq,
        stage=Stage(stage),
        kind=Kind(stage.rstrip("s")),
        key=key,
        cells_id=None,
        action=ItemAction.CREATE,
        status=ItemStatus.DONE,
        attempts=1,
        error=None,
        before=None,
        after={},
        updated_at=STAMP,
        seq=seq,
        wave=wave,
    )


def test_batches_undo_in_reverse_dependency_order() -> None:
    items = [
        _item(1, 1, "datasources", "ds"),
        _item(2, 1, "groups", "/a"),
        _item(3, 1, "groups", "/b"),
        _item(4, 1, "groups", "/a/x", wave=2),
        _item(5, 1, "groups", "/a/x/y"),  # no wave recorded (schema 1): its depth counts
        _item(6, 1, "users", "alice"),
        _item(7, 1, "users", "bob"),
        _item(8, 1, "users", "guest", wave=1),  # a shared user: after its owner
        _item(9, 1, "acls", "alice|ws|r"),
        _item(10, 2, "users", "carol"),  # a later run: undone first
        _item(11, 2, "groups", "/c"),
    ]
    order = [[i.key for i in batch] for batch in batches(list(reversed(items)))]
    assert order == [
        ["carol"],
        ["/c"],
        ["alice|ws|r"],
        ["guest"],
        ["bob", "alice"],
        ["/a/x/y"],
        ["/a/x"],
        ["/b", "/a"],
        ["ds"],
    ]
