"""Legacy groups (``ajxp_groups``, legacy-model.md §4.4) → Cells groups (cells-api.md §1.4).

A Cells group is sent as its *parent* path plus a ``GroupLabel`` that is the last path
segment (the server appends the label, v4+); the legacy label becomes ``displayName``.
``groups.rename`` changes one segment (children follow), ``groups.exclude`` drops a whole
subtree (its users land in the nearest kept ancestor), ``groups.force`` creates groups that
have no ``ajxp_groups`` row. Paths users live in but no row describes are created too.
"""

from __future__ import annotations

from dataclasses import dataclass

from migrate.legacy.model import Finding, FindingKind, Inventory
from migrate.mapping import ids
from migrate.mapping.desired import DesiredGroup
from migrate.mapping.findings import info
from migrate.mapping.rules import MappingRules


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupMapping:
    """Cells groups by legacy path and the legacy → Cells path translation."""

    groups: dict[str, DesiredGroup]
    paths: dict[str, str]  # legacy path -> Cells path ("/" for the root)
    findings: tuple[Finding, ...]

    def cells_path(self, legacy_path: str) -> str:
        """The Cells group of a legacy path: itself, else its nearest mapped ancestor."""
        parts = _parts(legacy_path)
        for i in range(len(parts), 0, -1):
            found = self.paths.get("/" + "/".join(parts[:i]))
            if found is not None:
                return found
        return "/"


def _parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p]


def map_groups(inventory: Inventory, rules: MappingRules) -> GroupMapping:
    """Map every group (pure, deterministic)."""
    over = rules.groups
    labels = {g.path.rstrip("/") or "/": g.label for g in inventory.groups}
    findings: list[Finding] = []
    wanted = set(labels) | set(over.force)
    for user in inventory.users:
        if user.hidden:  # link guests are not Cells users (users.py)
            continue
        if user.group_path not in ("", "/") and user.group_path.rstrip("/") not in wanted:
            findings.append(_implied(user.group_path.rstrip("/")))
            wanted.add(user.group_path.rstrip("/"))
    for path in list(wanted):  # every ancestor exists on Cells too
        parts = _parts(path)
        wanted.update("/" + "/".join(parts[:i]) for i in range(1, len(parts)))
    wanted.discard("/")
    paths: dict[str, str] = {}
    groups: dict[str, DesiredGroup] = {}
    for legacy in sorted(wanted, key=_parts):
        parts = _parts(legacy)
        parent_legacy = "/" + "/".join(parts[:-1])
        if legacy in over.exclude or (len(parts) > 1 and parent_legacy not in paths):
            findings.append(_excluded(legacy))
            continue
        label = over.renamed(legacy) or parts[-1]
        parent = paths.get(parent_legacy, "/") if len(parts) > 1 else "/"
        cells = (parent.rstrip("/") + "/" + label) if parent != "/" else "/" + label
        paths[legacy] = cells
        groups[legacy] = DesiredGroup(
            uuid=ids.stable_uuid("group", cells),
            path=cells,
            parent_path=parent,
            label=label,
            display_name=labels.get(legacy) or parts[-1],
            legacy_key=legacy,
        )
    return GroupMapping(groups=groups, paths=paths, findings=tuple(findings))


def _implied(path: str) -> Finding:
    return info(
        FindingKind.GROUP,
        path,
        "group-implied",
        f"group {path} has members but no ajxp_groups row; it is created with its path "
        "segment as label",
    )


def _excluded(path: str) -> Finding:
    return info(
        FindingKind.GROUP,
        path,
        "excluded",
        f"group {path} is excluded (or inside an excluded group); its users are placed in the "
        "nearest migrated parent group",
    )
