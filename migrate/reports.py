"""Inventory report, and the findings and count breakdown every report shows alike.

One findings model (issue 17): ``inventory``, ``check``, ``plan`` and ``audit`` show the
same list (:func:`migrate.mapping.findings.all_findings` of the legacy install and its
mapping) with the same counts, through :func:`render_findings` and :func:`findings_json`;
``inventory`` and ``plan`` explain their counts with the same breakdown
(:mod:`migrate.mapping.breakdown`, :func:`render_breakdown`).

Renderers take a value and a text stream; the library never prints on its own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TextIO

from migrate.legacy.model import Finding, Inventory, Severity
from migrate.mapping.breakdown import KindCount

INVENTORY_SCHEMA = "cells-migrate/inventory/1"
_SEVERITY_ORDER = {Severity.BLOCKER: 0, Severity.WARNING: 1, Severity.INFO: 2}
SHOWN_INFOS_PER_CODE = 10  # infos listed per code in text (JSON lists all)


def finding_to_json(finding: Finding) -> dict[str, str]:
    """One finding as the documented JSON object."""
    entry = {
        "severity": finding.severity.value,
        "kind": finding.kind.value,
        "key": finding.key,
        "message": finding.message,
    }
    if finding.code:
        entry["code"] = finding.code
    return entry


def sorted_findings(findings: tuple[Finding, ...]) -> list[Finding]:
    """Blockers first, then warnings, then info; by kind and key inside a severity."""
    return sorted(findings, key=lambda f: (_SEVERITY_ORDER[f.severity], f.kind, f.key, f.message))


def finding_counts(findings: tuple[Finding, ...]) -> dict[str, int]:
    """``{"blocker": n, "warning": n, "info": n}``."""
    tally = Counter(f.severity for f in findings)
    return {s.value: tally[s] for s in Severity}


def counts_line(findings: tuple[Finding, ...]) -> str:
    """``Findings: 0 blocker(s), 16 warning(s), 22 info`` (the same line in every report)."""
    n = finding_counts(findings)
    return f"Findings: {n['blocker']} blocker(s), {n['warning']} warning(s), {n['info']} info"


def render_findings(findings: tuple[Finding, ...], out: TextIO) -> None:
    """The findings section: the counts line, then every blocker and warning and the
    infos (at most :data:`SHOWN_INFOS_PER_CODE` per code; ``--json`` lists all)."""
    out.write(counts_line(findings) + "\n")
    hidden: Counter[str] = Counter()
    shown: Counter[str] = Counter()
    for finding in sorted_findings(findings):
        if finding.severity is Severity.INFO:
            shown[finding.code] += 1
            if shown[finding.code] > SHOWN_INFOS_PER_CODE:
                hidden[finding.code] += 1
                continue
        out.write(
            f"  [{finding.severity.value}] {finding.kind.value}:{finding.key}: {finding.message}\n"
        )
    for code, n in sorted(hidden.items()):
        out.write(f"  … and {n} more info ({code}): --json lists them all\n")


def findings_json(findings: tuple[Finding, ...]) -> dict[str, object]:
    """``{"findings": [...], "finding_counts": {...}}`` for a JSON document."""
    return {
        "findings": [finding_to_json(f) for f in sorted_findings(findings)],
        "finding_counts": finding_counts(findings),
    }


def render_breakdown(breakdown: tuple[KindCount, ...], out: TextIO) -> None:
    """``users  41 → 40 on Cells: 1 link user(s)…``, one line per kind."""
    for row in breakdown:
        why = row.reasons_text()
        line = f"  {row.kind:<11} {row.legacy:>7} → {row.cells:<7}  {why}"
        out.write(line.rstrip() + "\n")


def breakdown_json(breakdown: tuple[KindCount, ...]) -> dict[str, object]:
    """``{"users": {"legacy", "cells", "left_out", ...}, ...}``."""
    return {row.kind: row.to_json() for row in breakdown}


@dataclass(frozen=True, slots=True, kw_only=True)
class InventoryReport:
    """What ``cells-migrate inventory`` returns."""

    inventory: Inventory
    findings: tuple[Finding, ...]  # all_findings of the install and its mapping
    breakdown: tuple[KindCount, ...] = ()

    def to_json(self) -> dict[str, object]:
        """The ``cells-migrate/inventory/1`` document (DESIGN.md, machine-readable output)."""
        source = self.inventory.source
        return {
            "schema": INVENTORY_SCHEMA,
            "schema_version": 1,
            "source": {
                "kind": source.kind,
                "dialect": source.dialect,
                "location": source.location,
                "era": source.era.value,
            },
            "counts": self.inventory.counts(),
            "breakdown": breakdown_json(self.breakdown),
            **findings_json(self.findings),
        }

    def render_text(self, out: TextIO) -> None:
        """A short human summary: source, counts, findings grouped by severity."""
        source = self.inventory.source
        dialect = f" ({source.dialect})" if source.dialect else ""
        out.write(f"Legacy install: {source.kind}{dialect} {source.location}\n")
        out.write(f"Era: {source.era.value}\n\n")
        for name, count in self.inventory.counts().items():
            out.write(f"  {name:<11} {count:>9}\n")
        kinds = Counter(share.share_type.value for share in self.inventory.shares)
        if kinds:
            shown = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
            out.write(f"  (shares by type: {shown})\n")
        if self.breakdown:
            out.write(
                "\nOn Cells (legacy → Cells objects; `plan` shows the same, then what it "
                "does with them):\n"
            )
            render_breakdown(self.breakdown, out)
        out.write("\n")
        render_findings(self.findings, out)
