"""Plan renderers: text (in the spirit of ``terraform plan``), Markdown, JSON.

They take a value and a text stream (STYLE.md 2.4); none prints on its own. No secret can
reach them: actions only hold markers for sensitive fields (``plan.actions``).
"""

from __future__ import annotations

import json
from itertools import groupby
from typing import TextIO

from migrate.kinds.share import not_migrated
from migrate.legacy.model import Severity
from migrate.plan.actions import NONE_SHOWN, Action, ActionType, FieldChange
from migrate.plan.diff import Plan
from migrate.reports import (
    breakdown_json,
    counts_line,
    findings_json,
    render_breakdown,
    render_findings,
    sorted_findings,
)

PLAN_SCHEMA = "cells-migrate/plan/1"
_VERBS = {
    ActionType.CREATE: "to create",
    ActionType.UPDATE: "to update",
    ActionType.ADOPT: "to adopt",
    ActionType.CONFLICT: "in conflict",
    ActionType.SKIP: "skipped",
    ActionType.NOOP: "unchanged",
    ActionType.DELETE: "to delete",
}


def plan_to_json(plan: Plan) -> dict[str, object]:
    """The ``cells-migrate/plan/1`` document (DESIGN.md, machine-readable output)."""
    return _document(plan, [a.to_json() for a in plan.actions])


def _document(plan: Plan, actions: list[dict[str, object]]) -> dict[str, object]:
    return {
        "schema": PLAN_SCHEMA,
        "schema_version": 1,
        "fingerprint": plan.fingerprint.value,
        "fingerprint_parts": plan.fingerprint.to_json(),
        "cells_version": plan.cells_version,
        "stages": [s.value for s in plan.stages],
        "summary": plan.summary(),
        "by_kind": plan.by_kind(),
        "actions": actions,
        "breakdown": breakdown_json(plan.breakdown),
        **findings_json(plan.findings),
    }


def write_plan_json(plan: Plan, out: TextIO) -> None:
    """Write :func:`plan_to_json`'s document to ``out``, one action per line.

    The same document, written piece by piece with the C JSON encoder and without building
    the list of every action's dict: ``json.dump`` with an indent falls back to the
    pure-Python encoder, ~90 of the 147 s of a 1.5M-action plan (bench/README.md, issue 8).
    """
    for i, (key, value) in enumerate(_document(plan, []).items()):
        out.write(f"{',' if i else '{'}\n  {json.dumps(key)}: ")
        if key != "actions":
            out.write(json.dumps(value))
            continue
        out.write("[")
        for j, action in enumerate(plan.actions):
            out.write(",\n    " if j else "\n    ")
            out.write(json.dumps(action.to_json()))
        out.write("\n  ]" if plan.actions else "]")
    out.write("\n}\n")


def _value(value: str | None) -> str:
    return NONE_SHOWN if value is None else f'"{value}"'


def _change_text(change: FieldChange, action: ActionType) -> str:
    if change.sensitive:
        return f"{change.field}: {change.new}"
    if action is ActionType.CREATE:
        return f"{change.field}: {_value(change.new)}"
    return f"{change.field}: {_value(change.old)} → {_value(change.new)}"


def _summary_line(counts: dict[str, int]) -> str:
    parts = [f"{counts.get(a.value, 0)} {verb}" for a, verb in _VERBS.items()]
    return ", ".join(parts)


def render_text(plan: Plan, out: TextIO) -> None:
    """Terraform-style text: a symbol per action, field diffs, a summary per kind and total.

    Unchanged objects are counted, not listed.
    """
    version = f" {plan.cells_version}" if plan.cells_version else ""
    out.write(f"cells-migrate plan against Cells{version}\n")
    out.write(f"fingerprint {plan.fingerprint.value}\n")
    out.write("symbols: + create  ~ update  & adopt  ! conflict  x skip  - delete\n")
    for stage, group in groupby(plan.actions, key=lambda a: a.stage):
        actions = list(group)
        shown = [a for a in actions if a.action is not ActionType.NOOP]
        unchanged = len(actions) - len(shown)
        out.write(f"\n{stage.value}:\n")
        for action in shown:
            _write_action(action, out)
        if unchanged:
            out.write(f"  = {unchanged} unchanged\n")
    out.write("\n")
    render_findings(plan.findings, out)
    if plan.breakdown:
        out.write("\nlegacy → Cells (as `inventory` shows it):\n")
        render_breakdown(plan.breakdown, out)
    out.write("\nby kind:\n")
    for kind, counts in plan.by_kind().items():
        out.write(f"  {kind:<11} {_summary_line(counts)}\n")
    out.write(f"\nPlan: {_summary_line(plan.summary())}.\n")
    lost = unmigrated_shares(plan)
    if lost:
        out.write(f"Warning: {lost} legacy share(s) cannot be migrated (x lines above).\n")
    if not plan.has_changes:
        out.write(_no_changes(plan, lost) + "\n")


def _write_action(action: Action, out: TextIO) -> None:
    out.write(f"  {action.action.symbol} {action.kind.value} {action.key}")
    if action.action in (ActionType.CONFLICT, ActionType.SKIP, ActionType.ADOPT):
        out.write(f"  ({action.action.value})")
    out.write("\n")
    for change in action.changes:
        out.write(f"      {_change_text(change, action.action)}\n")
    if action.reason:
        out.write(f"      # {action.reason}\n")


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(plan: Plan, out: TextIO) -> None:
    """Markdown for a change-review ticket: summary table, then changes per stage."""
    out.write("# cells-migrate plan\n\n")
    version = plan.cells_version or "unknown"
    out.write(f"- Cells version: {version}\n- Fingerprint: `{plan.fingerprint.value}`\n")
    if plan.stages:
        out.write(f"- Stages: {', '.join(s.value for s in plan.stages)}\n")
    out.write("\n## Summary\n\n| kind | " + " | ".join(a.value for a in _VERBS) + " |\n")
    out.write("|---" * (len(_VERBS) + 1) + "|\n")
    rows = [*plan.by_kind().items(), ("**total**", plan.summary())]
    for kind, counts in rows:
        out.write(f"| {kind} | " + " | ".join(str(counts[a.value]) for a in _VERBS) + " |\n")
    for stage, group in groupby(plan.actions, key=lambda a: a.stage):
        shown = [a for a in group if a.action is not ActionType.NOOP]
        if not shown:
            continue
        out.write(
            f"\n## {stage.value}\n\n| | kind | key | changes | note |\n|---|---|---|---|---|\n"
        )
        for a in shown:
            changes = "<br>".join(_md(_change_text(c, a.action)) for c in a.changes)
            out.write(
                f"| `{a.action.symbol}` {a.action.value} | {a.kind.value} | `{_md(a.key)}` "
                f"| {changes} | {_md(a.reason)} |\n"
            )
    if plan.breakdown:
        out.write("\n## Legacy → Cells\n\n| kind | legacy | Cells | why they differ |\n")
        out.write("|---|---|---|---|\n")
        for row in plan.breakdown:
            out.write(f"| {row.kind} | {row.legacy} | {row.cells} | {_md(row.reasons_text())} |\n")
    findings = sorted_findings(plan.findings)
    out.write(f"\n## Findings\n\n{counts_line(plan.findings)}\n\n")
    if findings:
        for f in findings:
            out.write(f"- **{f.severity.value}** {f.kind.value} `{_md(f.key)}`: {_md(f.message)}\n")
    lost = unmigrated_shares(plan)
    if lost:
        out.write(f"\n**Warning**: {lost} legacy share(s) cannot be migrated (skipped above).\n")
    if not plan.has_changes:
        out.write("\n" + _no_changes(plan, lost) + "\n")


def unmigrated_shares(plan: Plan) -> int:
    """How many legacy shares the plan skips (each a warning with its reason)."""
    return len(not_migrated(plan.actions))


def _no_changes(plan: Plan, lost: int) -> str:
    """The verdict of a plan with nothing to write: "matches" only when nothing the legacy
    install had is left out (no share skipped, no blocker or warning finding)."""
    left = sum(f.severity is not Severity.INFO for f in plan.findings)
    gaps = [f"{lost} share(s) cannot be migrated"] if lost else []
    if left:
        gaps.append(f"{left} finding(s) above name what is not migrated as it was")
    if gaps:
        return (
            "Nothing left to write, but Cells does not match the legacy install in "
            f"everything: {'; '.join(gaps)}."
        )
    return "No changes. Cells matches the legacy install."
