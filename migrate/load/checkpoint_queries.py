"""Read queries of the checkpoint DB that walk or aggregate many rows.

Part of the checkpoint DB; :class:`migrate.load.checkpoint.CheckpointDB` is the public face.
Walks use keyset pages (``WHERE key > last ORDER BY key LIMIT n``), so no cursor stays open
while the caller works — and writes — between rows, and memory stays flat on 100,000 items.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from migrate.load.checkpoint_records import (
    FailureRecord,
    ItemRecord,
    PasswordStepLeft,
    failure_record,
    item_record,
)
from migrate.load.checkpoint_schema import (
    CHANGING_ACTIONS,
    Boundary,
    ItemAction,
    ItemStatus,
    PasswordState,
    RunCommand,
    RunStatus,
    items,
    runs,
)

PAGE = 1000  # rows per keyset page
ROLLBACK_COMMAND = RunCommand.ROLLBACK.value  # runs of `rollback`: never a rollback target


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


_NOT_UNDONE = (ItemStatus.DONE.value, ItemStatus.PENDING.value, ItemStatus.FAILED.value)


def count_passwords(engine: sa.Engine, boundary: Boundary) -> dict[int, dict[str, int]]:
    """Password steps per run and state (items neither skipped nor rolled back)."""
    query = (
        sa.select(items.c.run_id, items.c.password_state, sa.func.count().label("n"))
        .where(items.c.password_state.is_not(None), items.c.status.in_(_NOT_UNDONE))
        .group_by(items.c.run_id, items.c.password_state)
    )
    counts: dict[int, dict[str, int]] = {}
    with boundary.guard("count password steps"), engine.connect() as conn:
        for row in conn.execute(query):
            counts.setdefault(int(row.run_id), {})[row.password_state] = int(row.n)
    return counts


def password_steps_left(engine: sa.Engine, boundary: Boundary) -> list[PasswordStepLeft]:
    """Each login's newest password step when it is not done (pending or failed), sorted.

    Rolled-back runs and items do not count; a later run that set the password hides an
    earlier run's unfinished step. Streams the rows (one per created user).
    """
    query = (
        sa.select(items.c.natural_key, items.c.run_id, items.c.status, items.c.password_state)
        .join(runs, runs.c.id == items.c.run_id)
        .where(
            items.c.password_state.is_not(None),
            items.c.status.in_(_NOT_UNDONE),
            runs.c.status != RunStatus.ROLLED_BACK.value,
        )
        .order_by(items.c.id)
    )
    newest: dict[str, PasswordStepLeft] = {}
    with boundary.guard("read password steps"), engine.connect() as conn:
        for row in conn.execution_options(yield_per=PAGE).execute(query):
            newest[row.natural_key] = PasswordStepLeft(
                login=row.natural_key,
                run_id=int(row.run_id),
                state=PasswordState(row.password_state),
                user_confirmed=row.status == ItemStatus.DONE.value,
            )
    left = (PasswordState.PENDING, PasswordState.FAILED)
    return sorted((s for s in newest.values() if s.state in left), key=lambda s: s.login)


def count_unchanged(engine: sa.Engine, boundary: Boundary) -> dict[int, dict[str, int]]:
    """``done`` items whose action changed nothing (noop), per run and stage."""
    query = (
        sa.select(items.c.run_id, items.c.stage, sa.func.count().label("n"))
        .where(
            items.c.status == ItemStatus.DONE.value,
            items.c.action == ItemAction.NOOP.value,
        )
        .group_by(items.c.run_id, items.c.stage)
    )
    counts: dict[int, dict[str, int]] = {}
    with boundary.guard("count unchanged items"), engine.connect() as conn:
        for row in conn.execute(query):
            counts.setdefault(int(row.run_id), {})[row.stage] = int(row.n)
    return counts


def _failure_filter() -> sa.ColumnElement[bool]:
    # failed items, items a failure kept from being attempted (skipped at run time, with
    # the reason; a plan's skip is not a failure), and failed password steps
    return sa.or_(
        items.c.status == ItemStatus.FAILED.value,
        sa.and_(
            items.c.status == ItemStatus.SKIPPED.value,
            items.c.action != ItemAction.SKIP.value,
            items.c.last_error.is_not(None),
        ),
        sa.and_(
            items.c.password_state == PasswordState.FAILED.value,
            items.c.status != ItemStatus.ROLLED_BACK.value,
        ),
    )


def count_failures(engine: sa.Engine, boundary: Boundary) -> dict[int, int]:
    """Failures (see :func:`failures`) per run."""
    query = (
        sa.select(items.c.run_id, sa.func.count().label("n"))
        .where(_failure_filter())
        .group_by(items.c.run_id)
    )
    with boundary.guard("count failures"), engine.connect() as conn:
        return {int(row.run_id): int(row.n) for row in conn.execute(query)}


def failures(
    engine: sa.Engine, boundary: Boundary, run_id: int, *, limit: int | None = None
) -> list[FailureRecord]:
    """A run's failures in plan order, with their reasons: failed items, items not
    attempted because of a failure, failed password steps (at most ``limit``)."""
    query = sa.select(items).where(items.c.run_id == run_id, _failure_filter()).order_by(items.c.id)
    if limit is not None:
        query = query.limit(limit)
    with boundary.guard(f"read the failures of run {run_id}"), engine.connect() as conn:
        return [failure_record(row) for row in conn.execute(query)]
