"""Why the counts change from the legacy install to Cells: one line per kind (pure).

``inventory`` counts what the legacy install holds; ``plan`` counts the Cells objects it
maps to. They differ for good reasons (a link user belongs to its share, a personal role
becomes the user's own Cells role, a system workspace has no Cells counterpart…): this
module says which, with numbers, for every report that shows both (issue 17 point 2).
Each legacy object that has no Cells object of its kind is given one reason: the finding
that left it out when there is one, else what it structurally is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from migrate.legacy.model import (
    ROOT_GROUP_ROLE,
    ROOT_ROLE,
    Finding,
    FindingKind,
    Inventory,
    LegacyRole,
    LegacyUser,
    LegacyWorkspace,
    RoleKind,
)
from migrate.mapping.desired import DesiredState

# Why a legacy object has no Cells object of its own, by code (a finding's or a structural
# one); "n <label>" reads as a sentence. A code not listed here is shown as it is.
REASONS: Mapping[str, str] = {
    "link-user": "link user(s) of public links (they belong to their shares, not Cells users)",
    "invalid-login": "login(s) Cells refuses (blocker)",
    "login-clash": "login(s) equal to another once lower-cased (blocker)",
    "excluded": "left out by the mapping rules",
    "personal-role": "personal role(s): their rights go on each user's own Cells role",
    "group-role": "group role(s): their rights go on each Cells group's role",
    "root-role": "root role: its rights go on Cells' ROOT_GROUP",
    "reserved-role": "reserved Pydio role(s), not recreated",
    "role-id-reserved": "role(s) whose id Cells reserves",
    "orphan-role": "role(s) of a user or group that is gone",
    "corrupt-role": "undecodable role(s) (blocker)",
    "system-workspace": "Pydio system workspace(s) (settings, home, inbox…)",
    "template": "workspace template(s) (their per-user workspaces are migrated)",
    "shared-child": "shared folder(s) (they are shares, not workspaces)",
    "unsupported-driver": "workspace(s) on a storage Cells cannot serve",
    "workspace-disabled": "disabled workspace(s)",
}
_LEFT_OUT_CODES = frozenset(REASONS) | {"unsafe-path", "invalid-utf8", "workspace-store"}
T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class KindCount:
    """One kind: how many in the legacy install, how many Cells objects, and why not all
    (``left_out``: reason code → count; ``added``: Cells objects with no legacy object of
    their own, e.g. a group path only users name)."""

    kind: str  # the inventory's count name: users, groups, roles, workspaces
    legacy: int
    cells: int
    left_out: tuple[tuple[str, int], ...] = ()
    added: int = 0
    added_why: str = ""
    note: str = ""

    def to_json(self) -> dict[str, object]:
        """``{"legacy", "cells", "left_out": {code: n}, "added", "note"}``."""
        return {
            "legacy": self.legacy,
            "cells": self.cells,
            "left_out": dict(self.left_out),
            "added": self.added,
            "added_why": self.added_why,
            "note": self.note,
        }

    def reasons_text(self) -> str:
        """``3 personal role(s): …; 1 reserved Pydio role(s)…`` (empty when all are kept)."""
        parts = [f"{n} {REASONS.get(code, code)}" for code, n in self.left_out]
        if self.added:
            parts.append(f"{self.added} added: {self.added_why}")
        if self.note:
            parts.append(self.note)
        return "; ".join(parts)


def count_breakdown(inventory: Inventory, desired: DesiredState) -> tuple[KindCount, ...]:
    """Users, groups, roles and workspaces: legacy count → Cells count, with the reasons."""
    reasons = _finding_reasons(inventory.findings + desired.findings)
    users = {u.legacy_key for u in desired.users}
    groups = {g.legacy_key for g in desired.groups}
    roles = {r.legacy_key for r in desired.roles}
    workspaces = {w.legacy_key for w in desired.workspaces}
    shared = sum(1 for u in desired.users if u.profile == "shared")
    legacy_groups = {g.path for g in inventory.groups}
    return (
        _count(
            "users",
            inventory.users,
            users,
            key=lambda u: u.login,
            found=reasons.get(FindingKind.USER, {}),
            structural=_user_reason,
            cells=len(desired.users),
            note=f"{shared} shared (external) user(s) among them" if shared else "",
        ),
        _count(
            "groups",
            inventory.groups,
            groups,
            key=lambda g: g.path,
            found=reasons.get(FindingKind.GROUP, {}),
            structural=lambda g: "",
            cells=len(desired.groups),
            added=len(groups - legacy_groups),
            added_why="group path(s) users are in without a group row",
        ),
        _count(
            "roles",
            inventory.roles,
            roles,
            key=lambda r: r.role_id,
            found=reasons.get(FindingKind.ROLE, {}),
            structural=_role_reason,
            cells=len(desired.roles),
        ),
        _count(
            "workspaces",
            inventory.workspaces,
            workspaces,
            key=lambda w: w.workspace_id,
            found={**reasons.get(FindingKind.SHARE, {}), **reasons.get(FindingKind.WORKSPACE, {})},
            structural=_workspace_reason,
            cells=len(desired.workspaces),
        ),
    )


def _finding_reasons(findings: Iterable[Finding]) -> dict[FindingKind, dict[str, str]]:
    out: dict[FindingKind, dict[str, str]] = {}
    for found in findings:
        if found.code in _LEFT_OUT_CODES:
            out.setdefault(found.kind, {}).setdefault(found.key, found.code)
    return out


def _count(
    name: str,
    legacy: Iterable[T],
    kept: set[str],
    *,
    key: Callable[[T], str],
    found: Mapping[str, str],
    structural: Callable[[T], str],
    cells: int,
    added: int = 0,
    added_why: str = "",
    note: str = "",
) -> KindCount:
    objects = list(legacy)
    tally: Counter[str] = Counter()
    for obj in objects:
        natural = key(obj)
        if natural in kept:
            continue
        tally[found.get(natural) or structural(obj) or "left-out"] += 1
    return KindCount(
        kind=name,
        legacy=len(objects),
        cells=cells,
        left_out=tuple(sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))),
        added=added,
        added_why=added_why,
        note=note,
    )


def _user_reason(user: LegacyUser) -> str:
    return "link-user" if user.hidden else "excluded"


def _role_reason(role: LegacyRole) -> str:
    if role.role_id == ROOT_ROLE or role.role_id == ROOT_GROUP_ROLE:
        return "root-role" if role.role_id == ROOT_ROLE else "group-role"
    if role.kind is RoleKind.USER:
        return "personal-role"
    if role.kind is RoleKind.GROUP:
        return "group-role"
    return ""


def _workspace_reason(workspace: LegacyWorkspace) -> str:
    if workspace.is_template:
        return "template"
    if workspace.parent_id and workspace.owner:
        return "shared-child"
    return ""
