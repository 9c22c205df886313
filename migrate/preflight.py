"""``cells-migrate check``: can this migration run? Legacy side, mapping, target capabilities.

Every check is run even when an earlier one failed, so the admin gets the whole list of what
to fix at once. Nothing here writes anywhere: ``migrate.commands`` hands in how to read the
legacy install and how to open a read-only Cells client (each opened once, here, so that a
failure of one is a failed check, not an error).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TextIO

from migrate.cells.client import CellsClient
from migrate.cells.version import ServerVersion
from migrate.config import Config, PasswordStrategy
from migrate.errors import CellsCredentialsRefused, CellsError, ConfigError, LegacyError
from migrate.kinds.datasource import service_findings
from migrate.kinds.user import TOOL_ACCOUNT_REASON
from migrate.legacy.model import Finding, Severity
from migrate.load.passwords import check_password_table
from migrate.plan.run import DesiredInputs
from migrate.reports import (
    counts_line,
    finding_to_json,
    findings_json,
    render_findings,
    sorted_findings,
)

log = logging.getLogger(__name__)

CHECK_SCHEMA = "cells-migrate/check/1"
# Cells versions whose REST behaviour the tool was built and tested against (spec/, recordings).
SUPPORTED_MAJORS = frozenset({1, 2, 3, 4})


class Status(StrEnum):
    """Outcome of one check."""

    OK = "ok"
    WARNING = "warning"
    FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckResult:
    """One line of the preflight: what was checked, its outcome, and what to do."""

    name: str
    status: Status
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckReport:
    """All checks and the findings of the legacy data and of the mapping."""

    results: tuple[CheckResult, ...]
    findings: tuple[Finding, ...] = ()  # the legacy install's and its mapping's: as everywhere
    cells_findings: tuple[Finding, ...] = ()  # against the live Cells (plan: conflicts)
    cells_version: str | None = None

    @property
    def blockers(self) -> tuple[Finding, ...]:
        """Findings that forbid ``apply``."""
        found = self.findings + self.cells_findings
        return tuple(f for f in found if f.severity is Severity.BLOCKER)

    @property
    def ok(self) -> bool:
        """No failed check and no blocker: ``check`` exits 0."""
        return not self.blockers and all(r.status is not Status.FAILED for r in self.results)

    def to_json(self) -> dict[str, object]:
        """The ``cells-migrate/check/1`` document."""
        return {
            "schema": CHECK_SCHEMA,
            "ok": self.ok,
            "cells_version": self.cells_version,
            "checks": [
                {"name": r.name, "status": r.status.value, "detail": r.detail} for r in self.results
            ],
            **findings_json(self.findings),
            "cells_findings": [finding_to_json(f) for f in sorted_findings(self.cells_findings)],
        }

    def render_text(self, out: TextIO) -> None:
        """Checks first, then blockers and warnings, then the verdict."""
        marks = {Status.OK: "ok  ", Status.WARNING: "warn", Status.FAILED: "FAIL"}
        for result in self.results:
            out.write(f"[{marks[result.status]}] {result.name}: {result.detail}\n")
        out.write("\n")
        render_findings(self.findings, out)
        if self.cells_findings:
            out.write(f"\nAgainst this Cells: {counts_line(self.cells_findings)}\n")
        for finding in sorted_findings(self.cells_findings):
            out.write(
                f"  [{finding.severity.value}] {finding.kind.value}:{finding.key}: "
                f"{finding.message}\n"
            )
        if self.ok:
            out.write("\nReady: no blocker found.\n")
        else:
            failed = sum(r.status is Status.FAILED for r in self.results)
            out.write(
                f"\nNot ready: {failed} failed check(s), {len(self.blockers)} blocker(s) "
                "to fix first (each line above says what to do).\n"
            )


@dataclass(slots=True)
class _Collector:
    results: list[CheckResult] = field(default_factory=list)
    findings: tuple[Finding, ...] = ()
    cells_findings: list[Finding] = field(default_factory=list)
    version: ServerVersion | None = None
    logins: frozenset[str] = frozenset()  # the Cells logins the legacy users map to

    def add(self, name: str, status: Status, detail: str) -> None:
        self.results.append(CheckResult(name=name, status=status, detail=detail))


def run_checks(
    config: Config,
    *,
    read_desired: Callable[[], DesiredInputs],
    open_client: Callable[[], CellsClient],
) -> CheckReport:
    """Run every preflight check and return the report (never raises for a failed check).

    ``read_desired`` reads the legacy install and maps it (``LegacyError``/``ConfigError``
    are a failed check); ``open_client`` opens a read-only Cells client."""
    collected = _Collector()
    inputs = _check_legacy(read_desired, collected)
    _check_cells(config, open_client, collected, inputs)
    _check_passwords(config, collected)
    version = collected.version
    return CheckReport(
        results=tuple(collected.results),
        findings=collected.findings,
        cells_findings=tuple(dict.fromkeys(collected.cells_findings)),
        cells_version=version.version if version else None,
    )


def _check_legacy(
    read_desired: Callable[[], DesiredInputs], collected: _Collector
) -> DesiredInputs | None:
    try:
        inputs = read_desired()
    except (LegacyError, ConfigError) as exc:
        collected.add("legacy install", Status.FAILED, str(exc))
        return None
    counts = inputs.inventory.counts()
    collected.add(
        "legacy install",
        Status.OK,
        f"{inputs.inventory.source.kind} {inputs.inventory.source.location} "
        f"({inputs.inventory.source.era.value}): {counts['users']} users, "
        f"{counts['workspaces']} workspaces, {counts['rights']} rights",
    )
    collected.findings = inputs.findings
    collected.logins = frozenset(u.login for u in inputs.desired.users)
    desired = inputs.desired.counts()
    collected.add(
        "mapping",
        Status.FAILED if inputs.desired.blockers() else Status.OK,
        ", ".join(f"{n} {kind}(s)" for kind, n in desired.items()) + " to have on Cells",
    )
    return inputs


def _check_cells(
    config: Config,
    factory: Callable[[], CellsClient],
    collected: _Collector,
    inputs: DesiredInputs | None = None,
) -> None:
    if not config.cells.tls.verify and config.cells.url.startswith("https://"):
        collected.add(
            "TLS", Status.WARNING, "certificate verification is OFF (cells.tls.verify: false)"
        )
    with factory() as client:
        # Anonymous first: "is a Cells answering there?" is told apart from "does it take
        # our credentials?" (a wrong URL is never reported as a wrong password).
        try:
            client.probe()
        except CellsError as exc:
            collected.add("Cells reachable", Status.FAILED, str(exc))
            collected.add("Cells authentication", Status.WARNING, "not checked: no Cells answered")
            return
        collected.add("Cells reachable", Status.OK, config.cells.url)
        try:
            version = client.server_version()
            account = client.account()
            client.services()  # admin-only endpoint: proves the token has admin rights
            if inputs is not None:
                collected.cells_findings += service_findings(
                    inputs.desired, client.list_datasources()
                )
        except CellsError as exc:
            hint = "" if isinstance(exc, CellsCredentialsRefused) else "; check cells.auth"
            collected.add("Cells authentication", Status.FAILED, f"{exc}{hint}")
            return
    collected.version = version
    method = config.cells.auth.method.value
    collected.add("Cells authentication", Status.OK, f"{method} as {account!r}, an admin")
    if account.casefold() in {login.casefold() for login in collected.logins}:
        collected.add(
            "tool account",
            Status.WARNING,
            f"the legacy user {account!r} maps onto the Cells account cells-migrate uses; "
            + TOOL_ACCOUNT_REASON,
        )
    if not version.known or version.major not in SUPPORTED_MAJORS:
        collected.add(
            "Cells version",
            Status.WARNING,
            f"{version.version or 'unknown'} ({version.edition}): not a version this tool was "
            "tested against (1 to 4); run plan and review it closely",
        )
    else:
        collected.add("Cells version", Status.OK, f"{version.version} ({version.edition})")


def _check_passwords(config: Config, collected: _Collector) -> None:
    strategy = config.passwords.strategy
    if strategy is not PasswordStrategy.KEEP_HASH:
        collected.add(
            "passwords", Status.OK, f"strategy {strategy.value}: users will need a new password"
        )
        return
    url = config.passwords.cells_database_url
    problems = ["passwords.cells_database_url is not set"] if url is None else []
    if url is not None:
        problems = check_password_table(url)
    if problems:
        collected.add("passwords (keep-hash)", Status.FAILED, "; ".join(problems))
        return
    collected.add(
        "passwords (keep-hash)",
        Status.OK,
        "Cells REST refuses pre-hashed passwords (403 on pydio:password_hashed), so legacy "
        "hashes are written to idm_user_idx_tree.etag after each user is created; table ok",
    )
