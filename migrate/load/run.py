"""The lifecycle of an ``apply`` or ``resume`` run, on resources the caller opened.

``migrate.commands`` reads the install, opens the state DB and the Cells clients, and hands
them here (:class:`RunContext`); nothing in this module builds one.

``apply``: :func:`plan_to_apply` chooses the plan (a saved one, refused when stale; the
stage order checked), then :func:`start_apply` records the run's items in the checkpoint DB
(a created user's password step ``pending`` with it) and executes them. ``resume``:
:func:`take_over` finds the interrupted run and takes its lock, then :func:`continue_run`
re-plans against the live Cells, so that every item not recorded ``done`` is checked
against Cells before anything is written (an object that landed before a crash is a
``noop`` now, never a duplicate ACL or a ``-1`` slug, and is recorded ``done`` with its
image read back, issue 12); it executes the rest and every password step left undone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path

from migrate.cells.client import CellsClient
from migrate.errors import CheckpointError, PlanError
from migrate.kinds.user import creates_user
from migrate.kinds.vocabulary import Action, ActionType, Kind, Stage
from migrate.legacy.model import Severity
from migrate.load.apply import Applier, Refs
from migrate.load.checkpoint import (
    CheckpointDB,
    ItemRecord,
    ItemStatus,
    ItemWriter,
    LockHolder,
    PlannedItem,
    RunCommand,
    RunInfo,
    RunStatus,
    this_process,
)
from migrate.load.checkpoint_schema import ItemAction, PasswordState
from migrate.load.executor import Executor, WorkItem
from migrate.load.password_steps import PasswordSteps
from migrate.load.passwords import PasswordHook
from migrate.load.readiness import DatasourceWaiter
from migrate.load.result import ApplyResult
from migrate.load.stages import check_order, parse_only, select
from migrate.plan import DesiredIndex, Plan, check_fresh, read_plan_file
from migrate.plan.run import DesiredInputs
from migrate.progress import NullProgress, Progress

log = logging.getLogger(__name__)

Confirm = Callable[[Plan], bool]
Planner = Callable[[Sequence[Stage]], Plan]
"""The plan of those stages (all when empty) against the live Cells, exactly as
``cells-migrate plan`` makes it (same fingerprint), read through a read-only client."""
OpenPasswords = Callable[[Sequence[Action], bool, bool], PasswordHook]
"""``(actions, resuming, steps_left)`` → the run's ``PasswordHook`` (the caller opens it)."""

_RESUMABLE_RUNS = (RunStatus.INTERRUPTED, RunStatus.PARTIAL, RunStatus.FAILED, RunStatus.RUNNING)
_RECORDED_CHANGES = (ItemAction.CREATE, ItemAction.UPDATE, ItemAction.ADOPT)


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplyOptions:
    """The options of ``apply`` (and what ``resume`` shares with it)."""

    plan_path: Path | None = None
    stages: tuple[Stage, ...] = ()
    only: tuple[str, ...] = ()
    force: bool = False
    force_unlock: bool = False
    ready_timeout_s: float = 3600.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Hooks:
    """Injected behaviour: a callback after each confirmed item (progress, or a test that
    stops the process at an exact point), the lock holder, the readiness poll's clocks."""

    on_done: Callable[[], None] | None = None
    holder: LockHolder = field(default_factory=this_process)
    sleep: Callable[[float], None] = time.sleep  # the datasource-readiness poll waits with it
    clock: Callable[[], float] = time.monotonic


@dataclass(frozen=True, slots=True, kw_only=True)
class RunContext:
    """What a run works with, opened by the caller: the state DB, a read-write client,
    the desired state, how to open the password hook, and the run's settings."""

    db: CheckpointDB
    client: CellsClient
    inputs: DesiredInputs
    passwords: OpenPasswords
    concurrency: int = 4
    start_timeout_s: float = 300.0
    progress: Progress = field(default_factory=NullProgress)
    hooks: Hooks = field(default_factory=Hooks)


# ---------------------------------------------------------------- choosing the plan
def plan_to_apply(inputs: DesiredInputs, planner: Planner, options: ApplyOptions) -> Plan:
    """The plan ``apply`` executes.

    A saved plan is applied exactly, after checking it is fresh (``StalePlanError``);
    otherwise the plan of every stage is made and narrowed to ``--stage``/``--only``. An
    earlier stage with work left refuses a later one (``PlanError``) unless ``force``; so
    does a blocker in the legacy data.
    """
    only = parse_only(options.only)
    refuse_blockers(inputs, force=options.force)
    if options.plan_path is not None:
        saved = read_plan_file(options.plan_path)
        check_fresh(saved, planner(saved.stages).fingerprint)
        if saved.stages and not options.force:
            check_order(planner(()).actions, saved.stages, force=False)
        chosen = select(saved.actions, stages=options.stages, only=only)
        return replace(saved, actions=tuple(chosen))
    full = planner(())
    check_order(full.actions, options.stages, force=options.force)
    chosen = select(full.actions, stages=options.stages, only=only)
    return replace(full, actions=tuple(chosen), stages=options.stages)


def refuse_blockers(inputs: DesiredInputs, *, force: bool) -> None:
    """Refuse to apply while the legacy data has blockers (``check`` lists them), unless
    ``force``: DESIGN.md, a blocker "must be fixed before apply". Raises ``PlanError``."""
    found = inputs.findings
    blockers = sorted(
        {f"{f.kind.value}:{f.key}: {f.message}" for f in found if f.severity is Severity.BLOCKER}
    )
    if blockers and not force:
        shown = "".join(f"\n  - {b}" for b in blockers[:10])
        more = f"\n  … and {len(blockers) - 10} more" if len(blockers) > 10 else ""
        raise PlanError(
            f"{len(blockers)} blocker(s) in the legacy data must be fixed first "
            f"(`cells-migrate check` lists them; --force applies the rest anyway):{shown}{more}"
        )


# ---------------------------------------------------------------- recording the items
def _item_action(action: Action) -> ItemAction:
    if action.action is ActionType.CONFLICT:
        return ItemAction.SKIP
    return ItemAction(action.action.value)


def _planned(action: Action) -> PlannedItem:
    return PlannedItem(
        stage=action.stage,
        kind=action.kind,
        key=action.key,
        action=_item_action(action),
        cells_id=action.cells_id or None,
        wave=action.order,
        password=creates_user(action),
    )


def _work(ids: Sequence[int], actions: Sequence[Action]) -> list[WorkItem]:
    """Work items of freshly recorded actions (a created user's password step is due)."""
    return [
        WorkItem(item_id=i, action=a, password_due=creates_user(a))
        for i, a in zip(ids, actions, strict=True)
    ]


# ---------------------------------------------------------------- apply
def start_apply(ctx: RunContext, plan: Plan, options: ApplyOptions) -> ApplyResult:
    """Record ``plan`` as a new run and execute it.

    Raises ``RunLockedError`` (another run holds the state DB) and ``CheckpointError``;
    item failures are in the result.
    """
    db = ctx.db
    if options.force_unlock:
        db.force_unlock()  # logs the holder it removed
    run = db.start_run(
        command=RunCommand.APPLY, holder=ctx.hooks.holder, fingerprint=plan.fingerprint.value
    )
    ids = db.record_planned(run.id, (_planned(a) for a in plan.actions))
    return _execute(ctx, run, _work(ids, plan.actions), options)


def _execute(
    ctx: RunContext,
    run: RunInfo,
    items: list[WorkItem],
    options: ApplyOptions,
    *,
    resuming: bool = False,
) -> ApplyResult:
    """Run ``items`` under ``run`` (which holds the lock) and record the run's end."""
    db, hooks = ctx.db, ctx.hooks
    holder = hooks.holder
    steps_left = any(i.password_due and not creates_user(i.action) for i in items)
    try:
        with (
            # passwords.strategy for the users this run creates (DESIGN.md "Passwords").
            closing(ctx.passwords([i.action for i in items], resuming, steps_left)) as pw,
            db.writer(run.id, holder=holder) as writer,
        ):
            waiter = DatasourceWaiter(
                ctx.client,
                timeout_s=options.ready_timeout_s,
                start_timeout_s=ctx.start_timeout_s,
                progress=ctx.progress,
                sleep=hooks.sleep,
                clock=hooks.clock,
            )
            applier = Applier(
                ctx.client,
                Refs(),
                new_password=pw.new_password,
                waiter=waiter,
                link_password=pw.link_password,
            )
            executor = Executor(
                applier=applier,
                db=db,
                writer=writer,
                run_id=run.id,
                index=DesiredIndex.build(ctx.inputs.desired),
                waiter=waiter,
                concurrency=ctx.concurrency,
                progress=ctx.progress,
                on_done=hooks.on_done,
                reachable=ctx.client.reachable,
                passwords=PasswordSteps(pw, ctx.client, writer),
            )
            result = executor.run(items)
    except KeyboardInterrupt:
        _finish_anyway(db, run.id, holder, RunStatus.INTERRUPTED)
        raise
    except BaseException:
        # a bug or the state DB failing: the writer flushed on the way out; the run is failed
        # (resumable) and the error goes up with its traceback (STYLE.md 2.3).
        _finish_anyway(db, run.id, holder, RunStatus.FAILED)
        raise
    counts = result.to_json()["counts"]
    db.finish_run(run.id, holder=holder, status=result.status, summary=counts)  # type: ignore[arg-type]
    log.info("run %d: %s", run.id, result.status.value)
    return result


def _finish_anyway(db: CheckpointDB, run_id: int, holder: LockHolder, status: RunStatus) -> None:
    """Record the run's end on the way out of an error; when the state DB itself is what
    failed (gone, replaced, unreachable), the error on its way up is the one that counts."""
    try:
        db.finish_run(run_id, holder=holder, status=status)
    except CheckpointError as exc:
        log.warning("run %d: its end could not be recorded: %s", run_id, exc)


# ---------------------------------------------------------------- resume
def take_over(db: CheckpointDB, run_id: int | None, holder: LockHolder) -> RunInfo:
    """The run ``resume`` continues (default: the newest interrupted, partial or failed
    apply), its lock taken. Raises ``CheckpointError`` (no such run, nothing to resume)
    and ``RunLockedError``."""
    target = _resume_target(db, run_id)
    if target.status is RunStatus.DONE:
        raise CheckpointError(f"run {target.id} is done: nothing to resume (use apply)")
    return db.resume_run(target.id, holder=holder)


def _resume_target(db: CheckpointDB, run_id: int | None) -> RunInfo:
    if run_id is not None:
        return db.get_run(run_id)
    for run in db.runs():
        if run.command is RunCommand.APPLY and run.status in _RESUMABLE_RUNS:
            return run
    raise CheckpointError(
        f"no interrupted or partial apply run in {db.shown_url}: nothing to resume"
    )


def continue_run(
    ctx: RunContext, run: RunInfo, planner: Planner, options: ApplyOptions | None = None
) -> ApplyResult:
    """Continue ``run`` (taken over by :func:`take_over`): every item not ``done`` is
    re-planned against Cells first, then executed with the password steps left undone."""
    options = options or ApplyOptions()
    db = ctx.db
    records = list(db.items(run.id))
    stages = tuple(sorted({r.stage for r in records}, key=lambda s: s.rank))
    fresh = {(a.kind, a.key): a for a in planner(()).actions}
    with db.writer(run.id, holder=ctx.hooks.holder) as writer:
        items = _left_to_do(records, fresh, writer)
    if not records:  # killed between starting the run and recording its items
        wanted = set(stages) or set(Stage)
        actions = [a for a in fresh.values() if a.stage in wanted]
        items = _work(db.record_planned(run.id, (_planned(a) for a in actions)), actions)
    log.info("resuming run %d: %d items left of %d", run.id, len(items), len(records))
    return _execute(ctx, run, items, options, resuming=True)


def _left_to_do(
    records: Sequence[ItemRecord], fresh: Mapping[tuple[Kind, str], Action], writer: ItemWriter
) -> list[WorkItem]:
    """What a resume runs: every item not ``done`` with its fresh action (re-checked
    against Cells: one recorded as a change is this run's when found there), and every
    password step a crash or a failure left undone."""
    items: list[WorkItem] = []
    for record in records:
        due = record.password in (PasswordState.PENDING, PasswordState.FAILED)
        done = record.status is ItemStatus.DONE
        if done and not due:
            continue
        action = fresh.get((record.kind, record.key))
        if action is None:
            if not done:
                writer.mark_skipped(record.id, reason="no longer in the plan")
            continue
        reconcile = not done and record.action in _RECORDED_CHANGES
        items.append(
            WorkItem(
                item_id=record.id, action=action, reconcile=reconcile, password_due=due, done=done
            )
        )
    return items
