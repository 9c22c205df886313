"""Findings made by the mapping: one constructor and the natural key of a right.

Messages say what is wrong and what the admin can do; none holds a secret.
"""

from __future__ import annotations

from collections.abc import Iterable

from migrate.legacy.model import Finding, FindingKind, Severity


def acl_key(role_id: str, workspace_id: str) -> str:
    """Natural key of one legacy right, ``<role id>#<workspace id>`` (as the extractor's)."""
    return f"{role_id}#{workspace_id}"


def finding(severity: Severity, kind: FindingKind, key: str, code: str, message: str) -> Finding:
    """Build a :class:`Finding` (positional shorthand used across ``mapping/``)."""
    return Finding(severity=severity, kind=kind, key=key, code=code, message=message)


def blocker(kind: FindingKind, key: str, code: str, message: str) -> Finding:
    """A finding that stops ``check``."""
    return finding(Severity.BLOCKER, kind, key, code, message)


def warning(kind: FindingKind, key: str, code: str, message: str) -> Finding:
    """Something is lost or changed; the run can go on."""
    return finding(Severity.WARNING, kind, key, code, message)


def info(kind: FindingKind, key: str, code: str, message: str) -> Finding:
    """Something the admin should know; nothing is lost."""
    return finding(Severity.INFO, kind, key, code, message)


# The mapping's code for what the extractor already reported under another code: one
# finding each (issue 17: one findings model, the same counts everywhere).
SAME_AS_LEGACY = {
    "driver-unsupported": "unsupported-driver",
    "login-invalid": "invalid-login",
}
_SEVERITY_RANK = {Severity.BLOCKER: 0, Severity.WARNING: 1, Severity.INFO: 2}


def all_findings(*groups: Iterable[Finding]) -> tuple[Finding, ...]:
    """The one list of findings ``inventory``, ``check``, ``plan`` and ``audit`` show: the
    extractor's, then the mapping's (``groups`` in that order), one per object and code.

    The mapping re-derives some of what the extractor reported (a dangling right, an
    unsupported driver): the same object and code (or a code of :data:`SAME_AS_LEGACY`) is
    one finding, the first one's text, at the highest severity of the two. Sorted by kind,
    key, code (deterministic: the plan fingerprint does not cover findings, but reports are
    compared as text).
    """
    kept: dict[tuple[FindingKind, str, str], Finding] = {}
    for group in groups:
        for found in group:
            code = SAME_AS_LEGACY.get(found.code, found.code)
            slot = (found.kind, found.key, code or found.message)
            first = kept.get(slot)
            if first is None:
                kept[slot] = found
            elif _SEVERITY_RANK[found.severity] < _SEVERITY_RANK[first.severity]:
                kept[slot] = Finding(
                    severity=found.severity,
                    kind=first.kind,
                    key=first.key,
                    code=first.code,
                    message=first.message,
                )
    return tuple(
        sorted(kept.values(), key=lambda f: (f.kind, f.key, f.code, f.severity, f.message))
    )
