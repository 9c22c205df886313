"""Read queries of the checkpoint DB that walk or aggregate many rows.

Part of the checkpoint DB; :class:`migrate.load.checkpoint.CheckpointDB` is the public face.
Walks use keyset pages (``WHERE key > last ORDER BY key LIMIT n``), so no cursor stays open
while the caller works — and writes — between rows, and memory stays flat on 100,000 items.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from migrate.load.checkpoint_records import ItemRecord, item_record
from migrate.load.checkpoint_schema import CHANGING_ACTIONS, Boundary, ItemStatus, items, runs

PAGE = 1000  # rows per keyset page
ROLLBACK_COMMAND = "rollback"  # runs recorded by `rollback`: never a rollback target


def walk_items(
    engine: sa.Engine,
    boundary: Boundary,
    where: list[sa.ColumnElement[bool]],
    *,
    newest_first: bool,
) -> Iterator[ItemRecord]:
    """Items matching ``where``: by id (plan order inside a run) or by ``seq`` descending."""
    key = items.c.seq if newest_first else items.c.id
    last: int | None = None
    while True:
        query = sa.select(items).where(*where)
        if last is not None:
            query = query.where(key < last if newest_first else key > last)
        query = query.order_by(key.desc() if newest_first else key).limit(PAGE)
        with boundary.guard("read items"), engine.connect() as conn:
            page = [item_record(row) for row in conn.execute(query)]
        yield from page
        if len(page) < PAGE:
            return
        last = page[-1].seq if newest_first else page[-1].id


def count_items(engine: sa.Engine, boundary: Boundary) -> dict[int, dict[str, dict[str, int]]]:
    """Item counts per run, stage and status: ``{run_id: {stage: {status: n}}}``."""
    query = sa.select(
        items.c.run_id, items.c.stage, items.c.status, sa.func.count().label("n")
    ).group_by(items.c.run_id, items.c.stage, items.c.status)
    counts: dict[int, dict[str, dict[str, int]]] = {}
    with boundary.guard("count items"), engine.connect() as conn:
        for row in conn.execute(query):
            stage = counts.setdefault(int(row.run_id), {}).setdefault(row.stage, {})
            stage[row.status] = int(row.n)
    return counts


def last_changing_run_id(engine: sa.Engine, boundary: Boundary) -> int | None:
    """The newest run, rollbacks excepted, with a ``done`` item whose action changed Cells."""
    query = (
        sa.select(sa.func.max(items.c.run_id))
        .join(runs, runs.c.id == items.c.run_id)
        .where(
            items.c.status == ItemStatus.DONE.value,
            items.c.action.in_([a.value for a in CHANGING_ACTIONS]),
            runs.c.command != ROLLBACK_COMMAND,
        )
    )
    with boundary.guard("find the last run"), engine.connect() as conn:
        found = conn.execute(query).scalar()
    return None if found is None else int(found)
