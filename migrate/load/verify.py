"""``verify``: audit Cells against the desired state (``cells-migrate/verify/1``).

Verification is a plan read through a read-only client (no separate code path, STYLE.md 3):
every desired object must be there (no ``create`` left) and equal on the managed fields (no
``update``, ``adopt`` with changes, or ``conflict``). Cells adds AutoApplies roles when a
user is read, with up to ~10 s of cache (DESIGN.md "Real-Cells facts"): when users differ
only in their roles, they are read again once after ``settle_s``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from migrate.plan.actions import Action, ActionType, Kind
from migrate.plan.diff import Plan

VERIFY_SCHEMA = "cells-migrate/verify/1"
SETTLE_S = 10.0
_DIFFERENT = (ActionType.UPDATE, ActionType.ADOPT, ActionType.CONFLICT)


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifyReport:
    """Objects checked, those missing, those present but different (with the fields)."""

    checked: int
    missing: tuple[tuple[str, str], ...] = ()
    different: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    @property
    def ok(self) -> bool:
        """True when everything is present and equal."""
        return not self.missing and not self.different

    @property
    def exit_code(self) -> int:
        """0 all present and equal, 1 not (DESIGN.md "The command line")."""
        return 0 if self.ok else 1

    def to_json(self) -> dict[str, object]:
        """The ``cells-migrate/verify/1`` document."""
        return {
            "schema": VERIFY_SCHEMA,
            "ok": self.ok,
            "checked": self.checked,
            "missing": [{"kind": k, "key": key} for k, key in self.missing],
            "different": [
                {"kind": k, "key": key, "fields": list(fields)} for k, key, fields in self.different
            ],
        }

    def render_text(self, out: TextIO) -> None:
        """A human summary."""
        verdict = "OK" if self.ok else "NOT OK"
        out.write(
            f"verify: {verdict}: {self.checked} object(s) checked, {len(self.missing)} missing, "
            f"{len(self.different)} different\n"
        )
        for kind, key in self.missing:
            out.write(f"  missing   {kind}:{key}\n")
        for kind, key, fields in self.different:
            out.write(f"  different {kind}:{key} ({', '.join(fields) or 'conflict'})\n")


def _differs(action: Action) -> bool:
    if action.action is ActionType.ADOPT:
        return bool(action.changes)
    return action.action in _DIFFERENT


def verify_plan(plan: Plan) -> VerifyReport:
    """The verdict of ``plan`` (pure): skips are not checked (they are reported by plan)."""
    checked = [a for a in plan.actions if a.action is not ActionType.SKIP]
    return VerifyReport(
        checked=len(checked),
        missing=tuple((a.kind.value, a.key) for a in checked if a.action is ActionType.CREATE),
        different=tuple(
            (a.kind.value, a.key, tuple(c.field for c in a.changes)) for a in checked if _differs(a)
        ),
    )


def only_roles_differ(report: VerifyReport) -> bool:
    """True when the only differences are users' roles (AutoApplies cache)."""
    return (
        not report.missing
        and bool(report.different)
        and all(k == Kind.USER.value and fields == ("roles",) for k, _, fields in report.different)
    )


def verify_with_settle(
    make_plan: Callable[[], Plan],
    *,
    settle_s: float = SETTLE_S,
    sleep: Callable[[float], None] = time.sleep,
) -> VerifyReport:
    """Verify; when only users' roles differ, wait ``settle_s`` and verify once more."""
    report = verify_plan(make_plan())
    if only_roles_differ(report):
        sleep(settle_s)
        report = verify_plan(make_plan())
    return report
