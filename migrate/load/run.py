"""What ``apply``, ``resume``, ``verify`` and ``rollback`` do, as functions the commands call.

``apply``: plan (or read a saved plan and refuse it when stale), check the stage order, ask,
record the run's items in the checkpoint DB (a created user's password step ``pending``
with it), execute. ``resume``: take over an interrupted run and re-plan against the live
Cells, so that every item not recorded ``done`` is checked against Cells before anything is
written (an object that landed before a crash is a ``noop`` now, never a duplicate ACL or a
``-1`` slug, and is recorded ``done`` with its image read back, issue 12); then execute the
rest and every password step left undone. ``status`` lives in :mod:`migrate.load.status`.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from migrate.cells.client import CellsClient
from migrate.config import Config
from migrate.errors import CheckpointError, PlanError
from migrate.legacy.model import Severity
from migrate.load.apply import Applier, Refs
from migrate.load.checkpoint import (
    CheckpointDB,
    ItemRecord,
    ItemStatus,
    ItemWriter,
    LockHolder,
    PlannedItem,
    RunInfo,
    RunStatus,
    this_process,
)
from migrate.load.checkpoint_schema import ItemAction, PasswordState
from migrate.load.executor import Executor, WorkItem
from migrate.load.password_steps import PasswordSteps
from migrate.load.passwords import hook_for_run
from migrate.load.readiness import DatasourceWaiter
from migrate.load.result import ApplyResult
from migrate.load.rollback import RollbackReport, rollback
from migrate.load.stages import check_order, parse_only, select
from migrate.load.status import password_steps_left
from migrate.load.verify import SETTLE_S, VerifyReport, verify_with_settle, with_password_steps
from migrate.plan import (
    Action,
    ActionType,
    DesiredIndex,
    Kind,
    Plan,
    Stage,
    check_fresh,
    desired_for_config,
    plan_for_config,
    read_plan_file,
)
from migrate.plan.run import DesiredInputs
from migrate.progress import NullProgress, Progress

log = logging.getLogger(__name__)

Now = Callable[[], datetime]
Confirm = Callable[[Plan], bool]
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
    """Injected behaviour: a test hook after each confirmed item, the lock holder, clocks."""

    on_done: Callable[[], None] | None = None
    holder: LockHolder = field(default_factory=this_process)
    sleep: Callable[[float], None] = time.sleep  # the datasource-readiness poll waits with it
    clock: Callable[[], float] = time.monotonic


def open_state(config: Config, *, now: Now, create: bool = True) -> CheckpointDB:
    """The checkpoint DB of ``config.state.url``."""
    return CheckpointDB.open(config.state.url, now=now, create=create)


def _plan(config: Config, inputs: DesiredInputs, stages: Sequence[Stage], p: Progress) -> Plan:
    """The plan exactly as ``cells-migrate plan`` makes it (same fingerprint)."""
    return plan_for_config(config, stages=stages, progress=p, inputs=inputs)


def plan_to_apply(
    config: Config, options: ApplyOptions, progress: Progress
) -> tuple[Plan, DesiredInputs]:
    """The plan ``apply`` executes and the desired state behind it.

    A saved plan is applied exactly, after checking it is fresh (``StalePlanError``);
    otherwise the plan of every stage is made and narrowed to ``--stage``/``--only``. An
    earlier stage with work left refuses a later one (``PlanError``) unless ``force``.
    """
    inputs = desired_for_config(config, progress=progress)
    only = parse_only(options.only)
    refuse_blockers(inputs, force=options.force)
    if options.plan_path is not None:
        saved = read_plan_file(options.plan_path)
        check_fresh(saved, _plan(config, inputs, saved.stages, progress).fingerprint)
        if saved.stages and not options.force:
            check_order(_plan(config, inputs, (), progress).actions, saved.stages, force=False)
        chosen = select(saved.actions, stages=options.stages, only=only)
        return replace(saved, actions=tuple(chosen)), inputs
    full = _plan(config, inputs, (), progress)
    check_order(full.actions, options.stages, force=options.force)
    chosen = select(full.actions, stages=options.stages, only=only)
    return replace(full, actions=tuple(chosen), stages=options.stages), inputs


def refuse_blockers(inputs: DesiredInputs, *, force: bool) -> None:
    """Refuse to apply while the legacy data has blockers (``check`` lists them), unless
    ``force``: DESIGN.md, a blocker "must be fixed before apply". Raises ``PlanError``."""
    found = [*inputs.inventory.findings, *inputs.desired.findings]
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


def _item_action(action: Action) -> ItemAction:
    if action.action is ActionType.CONFLICT:
        return ItemAction.SKIP
    return ItemAction(action.action.value)


def _creates_user(action: Action) -> bool:
    return action.kind is Kind.USER and action.action is ActionType.CREATE


def _planned(action: Action) -> PlannedItem:
    return PlannedItem(
        stage=action.stage.value,
        kind=action.kind.value,
        key=action.key,
        action=_item_action(action),
        cells_id=action.cells_id or None,
        wave=action.order,
        password=_creates_user(action),
    )


def _work(ids: Sequence[int], actions: Sequence[Action]) -> list[WorkItem]:
    """Work items of freshly recorded actions (a created user's password step is due)."""
    return [
        WorkItem(item_id=i, action=a, password_due=_creates_user(a))
        for i, a in zip(ids, actions, strict=True)
    ]


def apply_for_config(
    config: Config,
    options: ApplyOptions,
    *,
    now: Now,
    confirm: Confirm | None = None,
    progress: Progress | None = None,
    hooks: Hooks | None = None,
) -> ApplyResult:
    """``cells-migrate apply``: plan, confirm (unless ``confirm`` is None), execute.

    Raises ``StalePlanError``/``PlanError`` (nothing written), ``RunLockedError`` (another
    apply holds the state DB), ``CheckpointError``; item failures are in the result.
    """
    progress = progress or NullProgress()
    hooks = hooks or Hooks()
    plan, inputs = plan_to_apply(config, options, progress)
    if confirm is not None and not confirm(plan):
        raise PlanError("apply not confirmed: nothing was written")
    with open_state(config, now=now) as db:
        if options.force_unlock:
            db.force_unlock()  # logs the holder it removed
        run = db.start_run(command="apply", holder=hooks.holder, fingerprint=plan.fingerprint.value)
        ids = db.record_planned(run.id, (_planned(a) for a in plan.actions))
        items = _work(ids, plan.actions)
        return _execute(config, db, run, items, inputs, options, progress, hooks)


def _execute(
    config: Config,
    db: CheckpointDB,
    run: RunInfo,
    items: list[WorkItem],
    inputs: DesiredInputs,
    options: ApplyOptions,
    progress: Progress,
    hooks: Hooks,
    *,
    resuming: bool = False,
) -> ApplyResult:
    """Run ``items`` under ``run`` (which holds the lock) and record the run's end."""
    holder = hooks.holder
    steps_left = any(i.password_due and not _creates_user(i.action) for i in items)
    try:
        with (
            # passwords.strategy for the users this run creates (DESIGN.md "Passwords").
            closing(
                hook_for_run(
                    config, [i.action for i in items], resuming=resuming, steps_left=steps_left
                )
            ) as pw,
            CellsClient(config.cells, read_only=False) as client,
            db.writer(run.id, holder=holder) as writer,
        ):
            waiter = _waiter(client, config, options, progress, hooks)
            applier = Applier(client, Refs(), new_password=pw.new_password, waiter=waiter)
            executor = Executor(
                applier=applier,
                db=db,
                writer=writer,
                run_id=run.id,
                index=DesiredIndex.build(inputs.desired),
                waiter=waiter,
                concurrency=config.cells.concurrency,
                progress=progress,
                on_done=hooks.on_done,
                reachable=client.reachable,
                passwords=PasswordSteps(pw, client, writer),
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


def _waiter(
    client: CellsClient, config: Config, options: ApplyOptions, progress: Progress, hooks: Hooks
) -> DatasourceWaiter:
    return DatasourceWaiter(
        client,
        timeout_s=options.ready_timeout_s,
        start_timeout_s=config.cells.datasource_start_timeout_s,
        progress=progress,
        sleep=hooks.sleep,
        clock=hooks.clock,
    )


def _resume_target(db: CheckpointDB, run_id: int | None) -> RunInfo:
    if run_id is not None:
        return db.get_run(run_id)
    for run in db.runs():
        if run.command == "apply" and run.status in _RESUMABLE_RUNS:
            return run
    raise CheckpointError(
        f"no interrupted or partial apply run in {db.shown_url}: nothing to resume"
    )


def resume_for_config(
    config: Config,
    *,
    run_id: int | None,
    now: Now,
    options: ApplyOptions | None = None,
    progress: Progress | None = None,
    hooks: Hooks | None = None,
) -> ApplyResult:
    """``cells-migrate resume``: continue run ``run_id`` (default: the newest interrupted,
    partial or failed apply). Every item not ``done`` is re-planned against Cells first.

    Raises ``CheckpointError`` (no such run, nothing to resume) and ``RunLockedError``.
    """
    progress = progress or NullProgress()
    hooks = hooks or Hooks()
    options = options or ApplyOptions()
    with open_state(config, now=now, create=False) as db:
        target = _resume_target(db, run_id)
        if target.status is RunStatus.DONE:
            raise CheckpointError(f"run {target.id} is done: nothing to resume (use apply)")
        run = db.resume_run(target.id, holder=hooks.holder)
        records = list(db.items(run.id))
        stages = tuple(sorted({Stage(r.stage) for r in records}, key=lambda s: s.rank))
        inputs = desired_for_config(config, progress=progress)
        fresh = {(a.kind.value, a.key): a for a in _plan(config, inputs, (), progress).actions}
        with db.writer(run.id, holder=hooks.holder) as writer:
            items = _left_to_do(records, fresh, writer)
        if not records:  # killed between starting the run and recording its items
            wanted = set(stages) or set(Stage)
            actions = [a for a in fresh.values() if a.stage in wanted]
            items = _work(db.record_planned(run.id, (_planned(a) for a in actions)), actions)
        log.info("resuming run %d: %d items left of %d", run.id, len(items), len(records))
        return _execute(config, db, run, items, inputs, options, progress, hooks, resuming=True)


def _left_to_do(
    records: Sequence[ItemRecord], fresh: Mapping[tuple[str, str], Action], writer: ItemWriter
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


def kill_after(count: int) -> Callable[[], None]:
    """A test hook: SIGKILL this process once ``count`` items were confirmed (crash tests
    choose kill points deterministically with it; never used outside tests)."""
    seen = [0]
    lock = threading.Lock()

    def hook() -> None:
        with lock:
            seen[0] += 1
            if seen[0] >= count:
                os.kill(os.getpid(), signal.SIGKILL)

    return hook


def verify_for_config(
    config: Config,
    *,
    now: Now,
    progress: Progress | None = None,
    settle_s: float = SETTLE_S,
    sleep: Callable[[float], None] = time.sleep,
) -> VerifyReport:
    """``cells-migrate verify``: the desired state against the live Cells (read-only), and
    the users whose password step the state DB shows not done."""
    progress = progress or NullProgress()
    inputs = desired_for_config(config, progress=progress)
    report = verify_with_settle(
        lambda: _plan(config, inputs, (), progress), settle_s=settle_s, sleep=sleep
    )
    return with_password_steps(report, password_steps_left(config, now=now))


def rollback_for_config(
    config: Config,
    *,
    now: Now,
    run_id: int | None = None,
    every_run: bool = False,
    stages: tuple[Stage, ...] = (),
    force: bool = False,
    confirm: Callable[[list[int], int], bool] | None = None,
    holder: LockHolder | None = None,
) -> RollbackReport:
    """``cells-migrate rollback``: undo a run (default: the last one that changed something)
    or every run; raises ``CheckpointError`` when there is no state DB or the lock is held."""
    with (
        open_state(config, now=now, create=False) as db,
        CellsClient(config.cells, read_only=False) as client,
    ):
        return rollback(
            db,
            client,
            holder=holder or this_process(),
            run_id=run_id,
            every_run=every_run,
            stages=stages,
            force=force,
            confirm=confirm,
            concurrency=config.cells.concurrency,
        )
