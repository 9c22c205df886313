"""What an apply (or resume) did: counts per stage and status, failures, the run's status.

Partial failure is a result, not an exception (STYLE.md 2.3, dlt's ``LoadInfo``): the
command line maps ``partial`` to exit 3 and ``interrupted`` to 130 (143 after SIGTERM).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TextIO

from migrate.load.checkpoint import RunStatus
from migrate.plan.actions import Action, Stage

APPLY_SCHEMA = "cells-migrate/apply/1"
STATUSES = ("done", "failed", "skipped", "pending")
MAX_FAILURES = 1000  # kept in the result; the checkpoint DB keeps every one
SHOWN_FAILURES = 20
# a failure's status when the user is done but its password step failed
PASSWORD_FAILED = "password-failed"  # noqa: S105 - a status name, not a password


@dataclass(frozen=True, slots=True, kw_only=True)
class Failure:
    """One item that failed or was skipped because of a failure."""

    stage: str
    kind: str
    key: str
    status: str
    error: str

    def to_json(self) -> dict[str, str]:
        """``{"stage", "kind", "key", "status", "error"}``."""
        return {
            "stage": self.stage,
            "kind": self.kind,
            "key": self.key,
            "status": self.status,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplyResult:
    """The outcome of one apply/resume of run ``run_id``."""

    run_id: int
    status: RunStatus
    counts: Mapping[str, Mapping[str, int]]  # stage -> status -> n
    failures: tuple[Failure, ...] = ()
    notes: tuple[str, ...] = ()

    def total(self, status: str) -> int:
        """Items with ``status`` over every stage."""
        return sum(c.get(status, 0) for c in self.counts.values())

    @property
    def exit_code(self) -> int:
        """0 all done, 3 partial (DESIGN.md "The command line"), 130 interrupted."""
        if self.status is RunStatus.INTERRUPTED:
            return 130
        return 3 if self.status is RunStatus.PARTIAL else 0

    def to_json(self) -> dict[str, object]:
        """The ``cells-migrate/apply/1`` document."""
        return {
            "schema": APPLY_SCHEMA,
            "run_id": self.run_id,
            "status": self.status.value,
            "counts": {s: self.total(s) for s in STATUSES},
            "by_stage": {k: dict(v) for k, v in self.counts.items()},
            "failures": [f.to_json() for f in self.failures],
            "notes": list(self.notes),
        }

    def render_text(self, out: TextIO) -> None:
        """A human summary: per-stage counts, the first failures, the next step."""
        out.write(f"Run {self.run_id}: {self.status.value}\n")
        for stage, counts in self.counts.items():
            parts = ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUSES if counts.get(s))
            out.write(f"  {stage:<11} {parts}\n")
        for failure in self.failures[:SHOWN_FAILURES]:
            out.write(f"  ! {failure.kind}:{failure.key} {failure.status}: {failure.error}\n")
        if len(self.failures) > SHOWN_FAILURES:
            more = len(self.failures) - SHOWN_FAILURES
            out.write(f"  … and {more} more (cells-migrate status --json)\n")
        for note in self.notes:
            out.write(f"  note: {note}\n")
        if self.status in (RunStatus.PARTIAL, RunStatus.INTERRUPTED):
            out.write(
                f"Fix the causes above, then `cells-migrate resume --run {self.run_id}`; "
                "`cells-migrate rollback` undoes the run.\n"
            )


@dataclass(slots=True)
class Tally:
    """Thread-safe counters the executor fills."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    passwords_failed: int = 0

    def add(self, action: Action, status: str, error: str = "") -> None:
        """Count one item outcome (and keep the failure)."""
        with self.lock:
            row = self.counts.setdefault(action.stage.value, {})
            row[status] = row.get(status, 0) + 1
            if status in ("failed", "skipped") and error:
                self._keep(action, status, error)

    def password_failed(self, action: Action, error: str) -> None:
        """A created user's password step failed: the user is done, the run is partial."""
        with self.lock:
            self.passwords_failed += 1
            self._keep(action, PASSWORD_FAILED, error)

    def _keep(self, action: Action, status: str, error: str) -> None:
        """Keep a failure (the caller holds the lock), up to ``MAX_FAILURES``."""
        if len(self.failures) < MAX_FAILURES:
            self.failures.append(
                Failure(
                    stage=action.stage.value,
                    kind=action.kind.value,
                    key=action.key,
                    status=status,
                    error=error,
                )
            )

    def result(self, *, run_id: int, interrupted: bool, pending: int = 0) -> ApplyResult:
        """The result so far."""
        with self.lock:
            counts: dict[str, dict[str, int]] = {
                str(s.value): dict(self.counts[s.value]) for s in Stage if s.value in self.counts
            }
            failed = self.passwords_failed > 0 or any(c.get("failed", 0) for c in counts.values())
            failures = tuple(self.failures)
        if interrupted:
            status = RunStatus.INTERRUPTED
        elif failed or pending:
            status = RunStatus.PARTIAL
        else:
            status = RunStatus.DONE
        return ApplyResult(run_id=run_id, status=status, counts=counts, failures=failures)
