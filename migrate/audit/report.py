"""The audit's result: differences, public links, the sample check, and the verdict.

Parity (exit 0) means: every difference and every public link that is not kept is accepted
by a rule with a reason, and the sample check (when asked for) found the logged-in users'
real views equal to the computed Cells side. Anything else is exit 1.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from migrate.audit.model import (
    Change,
    Difference,
    LinkResult,
    LinkStatus,
    SampleMismatch,
    right_text,
)
from migrate.config import AcceptRule
from migrate.legacy.model import Finding
from migrate.reports import finding_counts, finding_to_json, sorted_findings

AUDIT_SCHEMA = "cells-migrate/audit/1"


@dataclass(frozen=True, slots=True, kw_only=True)
class SampleReport:
    """``--sample N``: users logged in, paths their own view was asked for, mismatches."""

    requested: int
    users: tuple[str, ...] = ()
    paths: int = 0
    mismatches: tuple[SampleMismatch, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """At least one user checked (when asked) and no mismatch."""
        return not self.mismatches and (bool(self.users) or self.requested == 0)

    def to_json(self) -> dict[str, object]:
        """The ``sample`` object of the JSON document."""
        return {
            "requested": self.requested,
            "users": list(self.users),
            "paths_checked": self.paths,
            "ok": self.ok,
            "mismatches": [
                {"user": m.login, "path": m.path, "computed": m.computed, "seen": m.seen}
                for m in self.mismatches
            ],
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditReport:
    """What ``cells-migrate audit`` returns."""

    legacy_users: int
    cells_users: int
    differences: tuple[Difference, ...]
    links: tuple[LinkResult, ...] = ()
    rules: tuple[tuple[AcceptRule, int], ...] = ()
    sample: SampleReport | None = None
    notes: tuple[str, ...] = ()
    cells_version: str = ""
    users_compared: int = 0
    extra: dict[str, int] = field(default_factory=dict)
    # What the migration leaves out or changes, as every report shows it (issue 17): the
    # legacy install's and its mapping's findings (the comparison itself ignores them).
    findings: tuple[Finding, ...] = ()

    @property
    def open(self) -> tuple[Difference, ...]:
        """Differences no rule accepts."""
        return tuple(d for d in self.differences if d.accepted is None)

    @property
    def open_links(self) -> tuple[LinkResult, ...]:
        """Links not kept and not accepted."""
        return tuple(r for r in self.links if r.status is not LinkStatus.KEPT and not r.accepted)

    @property
    def parity(self) -> bool:
        """Nothing open and the sample (if any) agreeing."""
        sample_ok = self.sample is None or self.sample.ok
        return not self.open and not self.open_links and sample_ok

    @property
    def exit_code(self) -> int:
        """0 parity (accepted differences shown), 1 differences (DESIGN.md command line)."""
        return 0 if self.parity else 1

    def totals(self) -> dict[str, int]:
        """Counts for the summary and the JSON ``totals``."""
        changes = Counter(d.change for d in self.open)
        links = Counter(r.status for r in self.links)
        return {
            "legacy_users": self.legacy_users,
            "cells_users": self.cells_users,
            "users_compared": self.users_compared,
            "users_with_differences": len({(d.user, d.cells_login) for d in self.open}),
            "lost": changes[Change.LOST],
            "widened": changes[Change.WIDENED],
            "changed": changes[Change.CHANGED],
            "accepted": len(self.differences) - len(self.open),
            "links": len(self.links),
            "links_kept": links[LinkStatus.KEPT],
            "links_lost": links[LinkStatus.LOST],
            "links_different": links[LinkStatus.DIFFERENT],
            "links_accepted": sum(1 for r in self.links if r.accepted),
        }

    def head_json(self) -> dict[str, object]:
        """The document's fields before the lists: schema, verdict, version, totals."""
        return {
            "schema": AUDIT_SCHEMA,
            "schema_version": 1,
            "parity": self.parity,
            "cells_version": self.cells_version,
            "totals": self.totals(),
        }

    def tail_json(self) -> dict[str, object]:
        """The document's fields after the lists: rules, sample, notes."""
        return {
            "accept_rules": [
                {"origin": rule.origin, "reason": rule.reason, "matched": n}
                for rule, n in self.rules
            ],
            "sample": self.sample.to_json() if self.sample is not None else None,
            "notes": list(self.notes),
            "findings": [finding_to_json(f) for f in sorted_findings(self.findings)],
            "finding_counts": finding_counts(self.findings),
        }

    def to_json(self) -> dict[str, object]:
        """The ``cells-migrate/audit/1`` document."""
        return {
            **self.head_json(),
            "differences": [difference_json(d) for d in self.differences],
            "links": [link_json(r) for r in self.links],
            **self.tail_json(),
        }


def difference_json(diff: Difference) -> dict[str, object]:
    """One difference as the JSON object (and the CSV row's fields)."""
    return {
        "user": diff.user,
        "cells_login": diff.cells_login,
        "change": diff.change.value,
        "location": str(diff.location),
        "legacy": right_text(diff.legacy),
        "cells": right_text(diff.cells),
        "legacy_source": diff.legacy_via,
        "cells_source": diff.cells_via,
        "workspaces": list(diff.names),
        "accepted": diff.accepted,
    }


def link_json(result: LinkResult) -> dict[str, object]:
    """One public link and what Cells serves for it."""
    link = result.link
    return {
        "hash": link.hash,
        "owner": link.owner,
        "type": link.share_type,
        "workspace": link.workspace,
        "location": str(link.location) if link.location is not None else None,
        "legacy": right_text(link.right),
        "password": link.password,
        "download_disabled": link.download_disabled,
        "expire_time": link.expire_time,
        "status": result.status.value,
        "detail": result.detail,
        "accepted": result.accepted,
    }
