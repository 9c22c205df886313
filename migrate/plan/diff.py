"""The plan: desired state vs live state → ordered actions (alembic's compare: each kind's
handler diffs its own objects, :mod:`migrate.kinds.registry`), plus the plan value every
renderer, the plan file and apply share."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from migrate.cells.client import CellsClient
from migrate.kinds.base import DiffContext, key_set
from migrate.kinds.registry import handler_for, in_stage_order
from migrate.kinds.user import is_tool_login
from migrate.kinds.vocabulary import Action, ActionType, Kind, Stage
from migrate.legacy.model import Finding, Severity
from migrate.mapping.breakdown import KindCount
from migrate.mapping.desired import DesiredState, RoleTarget
from migrate.plan.fingerprint import Fingerprint, digest
from migrate.plan.live import LiveState, read_live
from migrate.progress import NullProgress, Progress

SUMMARY_KEYS = tuple(a.value for a in ActionType)


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """Ordered actions (stage, then dependency), the mapping's findings, the fingerprint."""

    actions: tuple[Action, ...]
    findings: tuple[Finding, ...] = ()
    fingerprint: Fingerprint = field(default_factory=Fingerprint)
    stages: tuple[Stage, ...] = ()  # empty: every stage
    cells_version: str = ""
    breakdown: tuple[KindCount, ...] = ()  # legacy counts → Cells counts, with the reasons

    def summary(self) -> dict[str, int]:
        """Count per action type (every type present, zeros included)."""
        counts = Counter(a.action.value for a in self.actions)
        return {key: counts.get(key, 0) for key in SUMMARY_KEYS}

    def by_kind(self) -> dict[str, dict[str, int]]:
        """Count per kind and action type, for the kinds that have actions."""
        out: dict[str, dict[str, int]] = {}
        for action in self.actions:
            row = out.setdefault(action.kind.value, dict.fromkeys(SUMMARY_KEYS, 0))
            row[action.action.value] += 1
        return dict(sorted(out.items(), key=lambda kv: Kind(kv[0]).stage.rank))

    @property
    def has_changes(self) -> bool:
        """True when Cells is not yet what the legacy install maps to: something to create,
        update or adopt, or a conflict to resolve (``--detailed-exitcode`` 2)."""
        return any(a.action.changes_cells or a.action is ActionType.CONFLICT for a in self.actions)


def diff_state(
    desired: DesiredState,
    live: LiveState,
    *,
    stages: Sequence[Stage] = (),
    tool_login: str | None = None,
    tool_account_rights: bool = False,
) -> tuple[Action, ...]:
    """Every action for ``desired`` against ``live`` (pure: no I/O), sorted by stage and
    dependency. Never a delete. ``stages`` keeps only those stages' actions; the user
    ``tool_login`` (the account the tool uses) is never modified, and no ACL is sent to its
    role unless ``tool_account_rights`` (mapping ``users.tool_account_rights``).

    Each kind's handler diffs its objects, in stage order; the role references a handler
    finds blocked (a user or role in conflict, the tool's own account) are skipped by the
    ACLs after it. A kind that is ``expensive`` (ACLs) is diffed only when its stage is
    planned.
    """
    wanted = set(stages) or set(Stage)
    ctx = DiffContext(desired=desired, live=live, tool_login=tool_login)
    actions: list[Action] = []
    for handler in in_stage_order():
        if handler.expensive and handler.stage not in wanted:
            continue
        found = handler.diff(handler.desired(desired), ctx)
        blocked = handler.blocks(found)
        if tool_account_rights:  # asked for (users.tool_account_rights): its ACLs are sent
            blocked = {k: v for k, v in blocked.items() if not _tool_block(k, tool_login)}
        ctx.blocked.update(blocked)
        actions += found
    # Each differ keeps its input's order (sorted by natural key in the desired state) and
    # the handlers run in stage order, so only the skips need placing: a stable sort on the
    # stage rank alone keeps everything else where it is (1M ACLs: no key building).
    actions += finding_skips(desired)
    kept = [a for a in actions if a.stage in wanted]
    kept.sort(key=_stage_rank)
    return tuple(kept)


def _tool_block(key: tuple[RoleTarget, str], tool_login: str | None) -> bool:
    return key[0] is RoleTarget.USER and is_tool_login(key[1], tool_login)


def _stage_rank(action: Action) -> int:
    return action.stage.rank


def finding_skips(desired: DesiredState) -> list[Action]:
    """A ``skip`` for each legacy object a warning or blocker says is left out.

    An object is left out when a finding names it and no desired object of its kind comes
    from it (e.g. an ``smb`` workspace, a dangling right, a share).
    """
    made: dict[Kind, set[str]] = {}
    out: dict[tuple[Kind, str], Action] = {}
    for finding in desired.findings:
        if finding.severity is Severity.INFO:
            continue
        kind = Kind(finding.kind.value)
        if kind not in made:
            handler = handler_for(kind)
            made[kind] = key_set(handler, handler.desired(desired))
        if finding.key in made[kind]:
            continue
        key = (kind, finding.key)
        if key in out:
            previous = out[key]
            out[key] = replace(previous, reason=f"{previous.reason}; {finding.message}")
            continue
        out[key] = Action(
            stage=kind.stage,
            kind=kind,
            key=finding.key,
            action=ActionType.SKIP,
            reason=finding.message,
        )
    return list(out.values())


def desired_digest(desired: DesiredState) -> str:
    """Digest of the desired state (secrets through one-way digests)."""
    return digest(desired)


def live_digest(live: LiveState) -> str:
    """Digest of what was read from Cells."""
    return digest(live)


def build_plan(
    desired: DesiredState,
    client: CellsClient,
    *,
    stages: Sequence[Stage] = (),
    progress: Progress | None = None,
    inputs_digest: str = "",
    password_digests: Iterable[tuple[str, str]] = (),
    tool_login: str | None = None,
    tool_account_rights: bool = False,
) -> Plan:
    """Read the live state through ``client`` (read-only) and diff ``desired`` against it.

    ``inputs_digest`` (see :func:`migrate.plan.run.inputs_digest`) makes the fingerprint cover
    the inventory and the mapping rules too; ``password_digests`` (login → digest of the hash
    in Cells' user table) lets changed hashes show; ``tool_login`` is the account the tool
    logs in with (never modified). Raises ``CellsError`` when Cells cannot be read.
    """
    live = read_live(
        client,
        desired,
        stages=stages,
        progress=progress or NullProgress(),
        password_digests=password_digests,
    )
    return plan_from_live(
        desired,
        live,
        stages=stages,
        inputs_digest=inputs_digest,
        tool_login=tool_login,
        tool_account_rights=tool_account_rights,
    )


def plan_from_live(
    desired: DesiredState,
    live: LiveState,
    *,
    stages: Sequence[Stage] = (),
    inputs_digest: str = "",
    tool_login: str | None = None,
    tool_account_rights: bool = False,
) -> Plan:
    """The plan for an already-read live state (pure)."""
    fingerprint = Fingerprint.of(
        inputs=inputs_digest, desired=desired_digest(desired), live=live_digest(live)
    )
    return Plan(
        actions=diff_state(
            desired,
            live,
            stages=stages,
            tool_login=tool_login,
            tool_account_rights=tool_account_rights,
        ),
        findings=desired.findings,
        fingerprint=fingerprint,
        stages=tuple(sorted(set(stages), key=lambda s: s.rank)),
        cells_version=live.version,
    )
