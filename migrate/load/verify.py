"""``verify``: audit Cells against the desired state (``cells-migrate/verify/1``).

Verification is a plan read through a read-only client (no separate code path, STYLE.md 3):
every desired object must be there (no ``create`` left) and equal on the managed fields (no
``update``, ``adopt`` with changes, or ``conflict``). Some fields are still settling right
after a write (``KindHandler.settling_fields``: Cells adds AutoApplies roles when a user is
read, with up to ~10 s of cache, DESIGN.md "Real-Cells facts"): when objects differ only
in such fields, they are read again once after ``settle_s``. Users whose password
step is not done (the state DB says so, issue 12 point 2) are listed too and make the
verdict NOT OK: they cannot log in with the password the strategy promised.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TextIO

from migrate.kinds.registry import handler_for
from migrate.kinds.share import not_migrated
from migrate.kinds.vocabulary import Action, ActionType, Kind
from migrate.legacy.model import Finding, Severity
from migrate.load.checkpoint_records import PasswordStepLeft
from migrate.plan.diff import Plan
from migrate.reports import findings_json, render_findings

VERIFY_SCHEMA = "cells-migrate/verify/1"
SETTLE_S = 10.0
_DIFFERENT = (ActionType.UPDATE, ActionType.ADOPT, ActionType.CONFLICT)


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifyReport:
    """Objects checked, those missing, those present but different (with the fields), and
    users present without the password the strategy sets."""

    checked: int
    missing: tuple[tuple[Kind, str], ...] = ()
    different: tuple[tuple[Kind, str, tuple[str, ...]], ...] = ()
    passwords: tuple[PasswordStepLeft, ...] = ()
    # what the migration leaves out or changes on purpose: the findings every report shows
    findings: tuple[Finding, ...] = ()
    not_migrated: tuple[tuple[Kind, str, str], ...] = ()  # shares the tool cannot migrate

    @property
    def complete(self) -> bool:
        """False while a legacy share is not migrated (it is listed with its reason)."""
        return not self.not_migrated

    @property
    def ok(self) -> bool:
        """True when everything is present and equal, every password set."""
        return not self.missing and not self.different and not self.passwords

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
            "missing": [{"kind": k.value, "key": key} for k, key in self.missing],
            "different": [
                {"kind": k.value, "key": key, "fields": list(fields)}
                for k, key, fields in self.different
            ],
            "passwords": [p.to_json() for p in self.passwords],
            **findings_json(self.findings),
            "complete": self.complete,
            "not_migrated": [
                {"kind": k.value, "key": key, "reason": reason}
                for k, key, reason in self.not_migrated
            ],
        }

    def render_text(self, out: TextIO) -> None:
        """A human summary, then the findings: what is not migrated (or not as it was) on
        purpose, which "OK" does not cover."""
        verdict = "OK" if self.ok else "NOT OK"
        if self.ok and not self.complete:
            verdict = "INCOMPLETE"  # never "OK" while a share is not migrated
        lost = f", {len(self.not_migrated)} share(s) not migrated" if self.not_migrated else ""
        left = sum(f.severity is not Severity.INFO for f in self.findings)
        out.write(
            f"verify: {verdict}: {self.checked} object(s) checked, {len(self.missing)} missing, "
            f"{len(self.different)} different, {len(self.passwords)} password(s) not set"
            + lost
            + (f"; {left} finding(s) below name what is not migrated as it was" if left else "")
            + "\n"
        )
        for kind, key in self.missing:
            out.write(f"  missing   {kind}:{key}\n")
        for kind, key, fields in self.different:
            out.write(f"  different {kind}:{key} ({', '.join(fields) or 'conflict'})\n")
        for kind, key, reason in self.not_migrated:
            out.write(f"  not migrated {kind}:{key}: {reason}\n")
        for step in self.passwords:
            out.write(
                f"  password  user:{step.login} ({step.state.value} in run {step.run_id}): "
                f"`cells-migrate resume --run {step.run_id}` sets it\n"
            )
        if self.findings:
            out.write("\n")
            render_findings(self.findings, out)


def _differs(action: Action) -> bool:
    if action.action is ActionType.ADOPT:
        return bool(action.changes)
    return action.action in _DIFFERENT


def verify_plan(plan: Plan) -> VerifyReport:
    """The verdict of ``plan`` (pure): skips are not checked (they are reported by plan)."""
    checked = [a for a in plan.actions if a.action is not ActionType.SKIP]
    return VerifyReport(
        checked=len(checked),
        missing=tuple((a.kind, a.key) for a in checked if a.action is ActionType.CREATE),
        different=tuple(
            (a.kind, a.key, tuple(c.field for c in a.changes)) for a in checked if _differs(a)
        ),
        findings=plan.findings,
        not_migrated=tuple((a.kind, a.key, a.reason) for a in not_migrated(plan.actions)),
    )


def only_settling_fields_differ(report: VerifyReport) -> bool:
    """True when the only differences are fields Cells may still be settling (users'
    roles: the AutoApplies cache)."""
    return (
        not report.missing
        and bool(report.different)
        and all(
            bool(fields) and set(fields) <= handler_for(kind).settling_fields
            for kind, _, fields in report.different
        )
    )


def verify_with_settle(
    make_plan: Callable[[], Plan],
    *,
    settle_s: float = SETTLE_S,
    sleep: Callable[[float], None] = time.sleep,
) -> VerifyReport:
    """Verify; when only settling fields differ, wait ``settle_s`` and verify once more."""
    report = verify_plan(make_plan())
    if only_settling_fields_differ(report):
        sleep(settle_s)
        report = verify_plan(make_plan())
    return report


def with_password_steps(report: VerifyReport, steps: Iterable[PasswordStepLeft]) -> VerifyReport:
    """``report`` with the users present in Cells whose password step is not done: a
    confirmed create is present (unless missing now); an unconfirmed one (a crash came
    between the create and its record) is present when verify did not find it missing."""
    missing = {key for kind, key in report.missing if kind is Kind.USER}
    present = tuple(s for s in steps if s.login not in missing)
    return replace(report, passwords=present)
