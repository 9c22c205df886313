"""Findings made by the mapping: one constructor and the natural key of a right.

Messages say what is wrong and what the admin can do; none holds a secret.
"""

from __future__ import annotations

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
