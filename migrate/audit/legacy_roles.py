"""Pydio 8's role stack for one user, and the rights and masks it merges to.

Rules (legacy-model.md §6, ``AbstractConfDriver::createUserObject``,
``AbstractUser::orderRoles/recomputeMergedRole``), implemented here from the spec alone:

1. group roles first: ``AJXP_GRP_/`` then one per prefix of the user's group path, parents
   before children (only those that exist);
2. then the other roles: those auto-applied to the user's profile (or ``all``) whose
   ``groupPath`` the user can see, by role id (they are not in ``ajxp.roles.order``), then
   the roles of ``ajxp.roles`` in ``ajxp.roles.order`` (the model keeps that order), then
   5.1-7.x teams the user is a member of; roles flagged ``ROLE_FORCE_OVERRIDE`` move last;
3. the personal role ``AJXP_USR_/<login>`` last, with unmigrated ≤4.x rights rows folded
   in (``migrateRightsToPersonalRole`` sets them on the role: they win, §4.2).

Shared users (``ajxp.parent_user``) keep only the roles auto-applied to their profile,
teams (owned roles) and their personal role: Pydio discards every other role's ACLs for
them (§6). Merging: a later role's non-empty value replaces an earlier one per workspace
(``AJXP_VALUE_CLEAR`` = deny, which survives as a value); masks merge path by path, a
later role's entry for the same path winning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from migrate.legacy.model import (
    GROUP_ROLE_PREFIX,
    Inventory,
    LegacyAcl,
    LegacyRole,
    LegacyUser,
    RoleKind,
)

ALL_PROFILES = "all"


@dataclass(frozen=True, slots=True, kw_only=True)
class MergedRights:
    """The user's merged role: ``rights[workspace] = (value, role id)`` and masks per
    workspace as ``((path, permission bits), …)`` with the role that set each path."""

    rights: dict[str, tuple[str, str]]
    masks: dict[str, dict[str, tuple[int, str]]]
    roles: tuple[str, ...]


class RoleStacks:
    """Role stacks of an inventory's users (indexes built once: 100k users ask)."""

    def __init__(self, inventory: Inventory) -> None:
        self.roles = inventory.roles_by_id()
        self.auto = sorted((r for r in inventory.roles if r.auto_applies), key=lambda r: r.role_id)
        self.teams: dict[str, list[str]] = {}
        for role in inventory.roles:  # 5.1-7.x teams list their members (§10)
            for member in role.members:
                self.teams.setdefault(member, []).append(role.role_id)

    def stack(self, user: LegacyUser) -> list[LegacyRole]:
        """The user's roles in merge order (see the module docstring)."""
        profile = user.effective_profile
        groups = [self.roles[r] for r in user.group_role_ids if r in self.roles]
        auto = [r for r in self.auto if _applies(r, profile, user.group_path)]
        seen = {r.role_id for r in auto} | {user.personal_role_id}
        explicit: list[LegacyRole] = []
        for rid in (*user.roles, *self.teams.get(user.login, ())):
            role = self.roles.get(rid)
            if role is None or rid in seen or rid.startswith(GROUP_ROLE_PREFIX):
                continue
            seen.add(rid)
            explicit.append(role)
        if user.shared:
            groups = []
            explicit = [r for r in explicit if r.owner or r.kind is RoleKind.TEAM]
        others = auto + explicit
        others = [r for r in others if not r.force_override] + [
            r for r in others if r.force_override
        ]
        return [*groups, *others, self._personal(user)]

    def _personal(self, user: LegacyUser) -> LegacyRole:
        role = self.roles.get(user.personal_role_id) or LegacyRole(
            role_id=user.personal_role_id, kind=RoleKind.USER, label=user.personal_role_id
        )
        if not user.legacy_rights:
            return role
        return LegacyRole(
            role_id=role.role_id,
            kind=role.kind,
            label=role.label,
            acls=(*role.acls, *user.legacy_rights),
            masks=role.masks,
        )

    def merged(self, user: LegacyUser) -> MergedRights:
        """Merge the stack into one role's rights and masks."""
        stack = self.stack(user)
        return MergedRights(
            rights=merge_rights(stack),
            masks=merge_masks(stack),
            roles=tuple(r.role_id for r in stack),
        )


def _applies(role: LegacyRole, profile: str, group_path: str) -> bool:
    if profile not in role.auto_applies and ALL_PROFILES not in role.auto_applies:
        return False
    scope = (role.group_path or "/").rstrip("/")
    return not scope or group_path == scope or group_path.startswith(scope + "/")


def merge_rights(stack: Iterable[LegacyRole]) -> dict[str, tuple[str, str]]:
    """``{workspace: (value, role id)}``: later non-empty values win."""
    merged: dict[str, tuple[str, str]] = {}
    for role in stack:
        acl: LegacyAcl
        for acl in role.acls:
            if acl.right:
                merged[acl.workspace_id] = (acl.right, role.role_id)
    return merged


def merge_masks(stack: Iterable[LegacyRole]) -> dict[str, dict[str, tuple[int, str]]]:
    """``{workspace: {path: (permission, role id)}}``: later roles win per path."""
    merged: dict[str, dict[str, tuple[int, str]]] = {}
    for role in stack:
        for mask in role.masks:
            tree = merged.setdefault(mask.workspace_id, {})
            for rule in mask.rules:
                tree[rule.path] = (rule.permission, role.role_id)
    return merged
