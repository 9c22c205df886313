"""Workspace ``Attributes`` from legacy options (cells-api.md §1.3, cells-v3-behaviour.md).

Sent whole on every workspace PUT: Cells rewrites ROOT_GROUP read/write/quota ACLs from
``DEFAULT_RIGHTS`` and ``QUOTA`` each time, so an update without QUOTA drops the quota.

* ``ALLOW_SYNC`` when ``meta.syncable`` ``REPO_SYNCABLE`` is on (as Cells' wizard does);
* ``DEFAULT_RIGHTS``: the root group's own right on the workspace when it has one (that is
  what Pydio applied, legacy-model.md §6), else the legacy option (DESIGN.md) with a warning
  because Pydio only copied it at first boot — or nothing with ``default_rights: drop``;
* ``QUOTA`` from ``meta.quota`` ``DEFAULT_QUOTA`` ("2G", "500M" or bytes), in bytes.
"""

from __future__ import annotations

import re

from migrate.legacy.model import Finding, FindingKind, LegacyMap, LegacyValue
from migrate.mapping.findings import warning
from migrate.mapping.rules import DefaultRightsMode, MappingRules

_QUOTA = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)b?\s*$", re.IGNORECASE)
_VALID_DEFAULT_RIGHTS = frozenset({"", "r", "w", "rw"})


def workspace_attributes(
    wid: str, options: LegacyMap, root_right: str | None, rules: MappingRules
) -> tuple[tuple[tuple[str, str | bool], ...], list[Finding]]:
    """ALLOW_SYNC, DEFAULT_RIGHTS and QUOTA, sent whole on every PUT (cells-v3 "attributes")."""
    findings: list[Finding] = []
    attrs: dict[str, str | bool] = {}
    meta = options.get_map("META_SOURCES")
    syncable = meta.get_map("meta.syncable").get("REPO_SYNCABLE")
    if syncable in (True, "true", "1", 1):
        attrs["ALLOW_SYNC"] = True  # as Cells' wizard does (cells-api.md §2 step 3)
    legacy = legacy_text(options.get("DEFAULT_RIGHTS"))
    if legacy not in _VALID_DEFAULT_RIGHTS:
        findings.append(
            warning(
                FindingKind.WORKSPACE,
                wid,
                "default-rights-invalid",
                f"workspace {wid}: DEFAULT_RIGHTS {legacy!r} is not r, w or rw; ignored",
            )
        )
        legacy = ""
    attrs["DEFAULT_RIGHTS"] = _default_rights(wid, legacy, root_right, rules, findings)
    quota = _quota(meta.get_map("meta.quota").get("DEFAULT_QUOTA"))
    if quota:
        attrs["QUOTA"] = quota
    return tuple(sorted(attrs.items())), findings


def _default_rights(
    wid: str, legacy: str, root_right: str | None, rules: MappingRules, findings: list[Finding]
) -> str:
    """The root group's own right wins: it is what Pydio applied (legacy-model.md §6)."""
    if root_right is not None:
        actions = rules.actions(root_right) or ()
        return "".join(c for c, a in (("r", "read"), ("w", "write")) if a in actions)
    if not legacy or rules.workspaces.default_rights is DefaultRightsMode.DROP:
        return ""
    findings.append(
        warning(
            FindingKind.WORKSPACE,
            wid,
            "default-rights-widen",
            f"workspace {wid}: legacy DEFAULT_RIGHTS {legacy!r} becomes Cells DEFAULT_RIGHTS, "
            "which gives it to every user at once. Pydio only copied it into the root group at "
            "first boot, and the root group holds no right on this workspace now. Set "
            "workspaces.default_rights: drop in a mapping file to keep access as it is.",
        )
    )
    return legacy


def _quota(value: LegacyValue) -> str:
    """``meta.quota`` DEFAULT_QUOTA ("1G", "500M", bytes) → bytes as text ("" if none)."""
    if isinstance(value, int) and value > 0:
        return str(value)
    match = _QUOTA.match(value) if isinstance(value, str) else None
    if match is None:
        return ""
    factor = 1024 ** " kmgtp".index(match.group(2).lower() or " ")
    return str(int(float(match.group(1)) * factor))


def legacy_text(value: LegacyValue) -> str:
    """An option as text ("" for none or an array; booleans as "1"/"")."""
    if value is None or isinstance(value, LegacyMap):
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    return str(value)
