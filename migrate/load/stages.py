"""Stage order and the choice of what one apply runs (pure: no I/O).

DESIGN.md "Stages and their order": ``datasources`` → ``groups`` → ``roles`` → ``users`` →
``workspaces`` → ``acls`` → ``shares``. A stage may be re-run; a later stage refuses to run
before an earlier one completed unless ``--force``. Inside a stage, actions run in *waves*
of equal ``Action.order`` (parents before children: a nested group after its parent, a
shared user after its owner); a wave's actions are independent and run concurrently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import groupby

from migrate.errors import PlanError
from migrate.kinds.registry import handler_for
from migrate.kinds.vocabulary import Action, Kind, Stage

STAGE_ORDER: tuple[Stage, ...] = tuple(sorted(Stage, key=lambda s: s.rank))


def parse_only(values: Iterable[str]) -> frozenset[tuple[Kind, str]]:
    """``--only KIND:KEY`` values as ``(kind, key)``; raises ``PlanError`` when malformed."""
    out: set[tuple[Kind, str]] = set()
    for value in values:
        kind, sep, key = value.partition(":")
        if not sep or not key or kind not in {k.value for k in Kind}:
            kinds = ", ".join(k.value for k in Kind)
            raise PlanError(f"--only {value!r}: use KIND:KEY with KIND one of {kinds}")
        out.add((Kind(kind), key))
    return frozenset(out)


def select(
    actions: Iterable[Action],
    *,
    stages: Sequence[Stage] = (),
    only: frozenset[tuple[Kind, str]] = frozenset(),
) -> list[Action]:
    """The actions of ``stages`` (all when empty) and, with ``only``, just those objects."""
    wanted = set(stages) or set(Stage)
    return [a for a in actions if a.stage in wanted and (not only or (a.kind, a.key) in only)]


def check_order(full: Iterable[Action], stages: Sequence[Stage], *, force: bool) -> None:
    """Refuse to run ``stages`` while an earlier stage still has work in ``full`` (the plan
    of every stage against the live Cells).

    An earlier stage is complete when Cells already holds everything it would write (no
    create, update or adoption left). Raises ``PlanError`` naming the stage and the next
    step, unless ``force``.
    """
    if not stages or force:
        return
    chosen = set(stages)
    last = max(s.rank for s in chosen)
    pending: dict[Stage, int] = {}
    for action in full:
        earlier = action.stage.rank < last and action.stage not in chosen
        if earlier and action.action.changes_cells:
            pending[action.stage] = pending.get(action.stage, 0) + 1
    if pending:
        first = min(pending, key=lambda s: s.rank)
        names = ", ".join(f"{s.value} ({pending[s]} to write)" for s in STAGE_ORDER if s in pending)
        raise PlanError(
            f"earlier stage(s) not completed: {names}; run `cells-migrate apply --stage "
            f"{first.value}` first, or pass --force to run anyway"
        )


def by_stage(actions: Iterable[Action]) -> list[tuple[Stage, list[Action]]]:
    """Actions grouped by stage, in run order (stages without actions left out)."""
    ordered = sorted(actions, key=lambda a: a.stage.rank)
    return [(stage, list(group)) for stage, group in groupby(ordered, key=lambda a: a.stage)]


def waves(actions: Iterable[Action]) -> list[list[Action]]:
    """A stage's actions split by dependency order (``Action.order``), lowest first."""
    ordered = sorted(actions, key=lambda a: a.order)
    return [list(group) for _, group in groupby(ordered, key=lambda a: a.order)]


def dependencies(
    action: Action, obj: object | None, slugs: Mapping[str, str]
) -> list[tuple[Kind, str]]:
    """The objects ``action`` needs in Cells first: when one of them failed, the action is
    skipped with a reason instead of being sent (issue 6: "a failed user does not stop the
    others; its ACLs are skipped"). Each kind's handler knows its own."""
    if obj is None:
        return []
    return handler_for(action.kind).dependencies(obj, slugs)
