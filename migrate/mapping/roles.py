"""Legacy admin roles and teams → Cells roles (DESIGN.md "Roles", cells-api.md §1.5).

Personal (``AJXP_USR_/``) and group (``AJXP_GRP_``) roles are not Cells roles of their own:
Cells makes one per user and group, and their rights are written there (``acls.py``).
``AJXP_GRP_/`` and ``ROOT_ROLE`` are Cells' ``ROOT_GROUP``. Reserved boot-sequence roles are
not recreated. ``AutoApplies`` is kept, with ``all`` expanded to every Cells profile (Cells
matches profiles literally, so ``all`` would match nobody — cells-api.md §5.4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from migrate.legacy.model import Finding, FindingKind, Inventory, LegacyRole, RoleKind
from migrate.mapping.desired import DesiredRole
from migrate.mapping.findings import info, warning
from migrate.mapping.ids import stable_uuid
from migrate.mapping.rules import MappingRules


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleMapping:
    """Cells roles by legacy role id, and why the others are not roles."""

    roles: dict[str, DesiredRole]
    skipped: dict[str, str]  # legacy id -> finding code
    findings: tuple[Finding, ...]


def is_reserved(role_id: str, rules: MappingRules) -> bool:
    """A reserved legacy role (boot sequence, per-link, other ``AJXP_*``)."""
    r = rules.roles
    return role_id in r.reserved_ids or any(role_id.startswith(p) for p in r.reserved_prefixes)


def is_personal_or_group(role: LegacyRole, rules: MappingRules) -> bool:
    """Roles Cells creates itself (user and group roles) or ROOT_GROUP."""
    r = rules.roles
    return (
        role.role_id in r.root_group_ids
        or role.role_id.startswith(r.user_role_prefix)
        or role.role_id.startswith(r.group_role_prefix)
        or role.kind in (RoleKind.USER, RoleKind.GROUP)
    )


def expand_profiles(values: tuple[str, ...], rules: MappingRules) -> tuple[list[str], list[str]]:
    """Cells profiles for legacy ``autoApplies`` (``all`` expanded) and the dropped values."""
    result: list[str] = []
    dropped: list[str] = []
    for value in values:
        expanded = rules.all_profiles if value == "all" else (value,)
        for legacy in expanded:
            known, cells = rules.profile(legacy)
            if not known or cells is None:
                dropped.append(legacy)
            elif cells not in result:
                result.append(cells)
    return result, dropped


def map_roles(
    inventory: Inventory, rules: MappingRules, login_of: Callable[[str], str | None]
) -> RoleMapping:
    """Map admin roles and teams; ``login_of`` gives a legacy login's Cells login, if any."""
    roles: dict[str, DesiredRole] = {}
    skipped: dict[str, str] = {}
    findings: list[Finding] = []
    over = rules.roles.overrides
    used: set[str] = set()
    for role in sorted(inventory.roles, key=lambda r: r.role_id):
        rid = role.role_id
        if is_personal_or_group(role, rules):
            continue
        if rid in over.exclude:
            skipped[rid] = "excluded"
            findings.append(info(FindingKind.ROLE, rid, "excluded", f"role {rid} is excluded"))
            continue
        if is_reserved(rid, rules) and rid not in over.force:
            skipped[rid] = "reserved-role"
            findings.append(_reserved(rid))
            continue
        desired, found = _role(role, rules, login_of)
        if desired.uuid in used:
            skipped[rid] = "role-id-clash"
            findings.append(
                warning(
                    FindingKind.ROLE,
                    rid,
                    "role-id-clash",
                    f"role {rid} would get Cells id {desired.uuid}, which "
                    "another role has; fix roles.rename",
                )
            )
            continue
        roles[rid] = desired
        used.add(desired.uuid)
        findings.extend(found)
    return RoleMapping(roles=roles, skipped=skipped, findings=tuple(findings))


def _role(
    role: LegacyRole, rules: MappingRules, login_of: Callable[[str], str | None]
) -> tuple[DesiredRole, list[Finding]]:
    rid = role.role_id
    findings: list[Finding] = []
    uuid = rules.roles.overrides.renamed(rid) or rid
    if uuid in rules.roles.cells_reserved_ids:
        uuid = rules.roles.cells_id_prefix + uuid
        msg = f"role {rid} clashes with a built-in Cells role; it becomes {uuid}"
        findings.append(warning(FindingKind.ROLE, rid, "role-id-reserved", msg))
    applies = _auto_applies(role, rules, findings)
    owner = None
    if role.owner:
        owner = login_of(role.owner)
        if owner is None:
            msg = f"team {rid}: owner {role.owner} is not migrated; the admin will own it"
            findings.append(warning(FindingKind.ROLE, rid, "team-owner-missing", msg))
    desired = DesiredRole(
        uuid=uuid,
        label=role.label or rid,
        auto_applies=applies,
        is_team=role.kind is RoleKind.TEAM or role.owner is not None,
        force_override=role.force_override,
        owner=owner,
        owner_uuid=stable_uuid("user", owner) if owner else None,
        legacy_key=rid,
    )
    return desired, findings


def _auto_applies(
    role: LegacyRole, rules: MappingRules, findings: list[Finding]
) -> tuple[str, ...]:
    rid = role.role_id
    applies, dropped = expand_profiles(role.auto_applies, rules)
    if dropped:
        msg = f"role {rid}: autoApplies {', '.join(dropped)} has no Cells profile; dropped"
        findings.append(warning(FindingKind.ROLE, rid, "auto-apply-dropped", msg))
    if applies and role.group_path not in (None, "", "/"):
        msg = (
            f"role {rid} auto-applies only under group {role.group_path} in Pydio; Cells "
            "applies it to every user of the profile"
        )
        findings.append(warning(FindingKind.ROLE, rid, "auto-apply-scope", msg))
    return tuple(applies)


def _reserved(rid: str) -> Finding:
    return info(
        FindingKind.ROLE,
        rid,
        "reserved-role",
        f"role {rid} is a Pydio boot-sequence or per-link role; it is not recreated "
        "(add it to roles.force to migrate it anyway)",
    )
