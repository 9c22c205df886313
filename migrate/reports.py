"""Inventory report: the versioned JSON document and the text table an admin reads.

Renderers take a value and a text stream; the library never prints on its own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TextIO

from migrate.legacy.model import Finding, Inventory, Severity

INVENTORY_SCHEMA = "cells-migrate/inventory/1"
_SEVERITY_ORDER = {Severity.BLOCKER: 0, Severity.WARNING: 1, Severity.INFO: 2}


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


@dataclass(frozen=True, slots=True, kw_only=True)
class InventoryReport:
    """What ``cells-migrate inventory`` returns."""

    inventory: Inventory

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
            "findings": [finding_to_json(f) for f in sorted_findings(self.inventory.findings)],
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
        findings = sorted_findings(self.inventory.findings)
        tally = Counter(f.severity for f in findings)
        out.write(
            f"\nFindings: {tally[Severity.BLOCKER]} blocker(s), "
            f"{tally[Severity.WARNING]} warning(s), {tally[Severity.INFO]} info\n"
        )
        for finding in findings:
            out.write(
                f"  [{finding.severity.value}] {finding.kind.value}:{finding.key}: "
                f"{finding.message}\n"
            )
