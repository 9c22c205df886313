"""Differ for roles: matched by Uuid, which is the role's natural key (the legacy role id)."""

from __future__ import annotations

from dataclasses import replace

from migrate.cells.codec import live_role_fields, role_fields
from migrate.cells.models import Role
from migrate.mapping.desired import DesiredRole
from migrate.plan.actions import Action, ActionType, Kind, Stage
from migrate.plan.compare import field_changes


def diff_roles(desired: tuple[DesiredRole, ...], live: tuple[Role, ...]) -> list[Action]:
    """create / update / noop / conflict per desired role.

    A live role with our id that is a user or group role belongs to that user or group
    (its Uuid is theirs): writing ours over it would change their rights, so it is a conflict.
    """
    by_id = {r.uuid: r for r in live}
    actions = []
    for role in desired:
        found = by_id.get(role.uuid)
        base = Action(
            stage=Stage.ROLES,
            kind=Kind.ROLE,
            key=role.uuid,
            action=ActionType.NOOP,
            cells_id=role.uuid,
        )
        if found is None:
            changes = field_changes(role_fields(role), None)
            actions.append(replace(base, action=ActionType.CREATE, changes=changes))
            continue
        if found.user_role or found.group_role:
            owner = "user" if found.user_role else "group"
            reason = (
                f"the Uuid {role.uuid!r} is the role of a Cells {owner} ({found.label!r}); "
                "rename our role with roles.rename in a mapping file"
            )
            actions.append(replace(base, action=ActionType.CONFLICT, reason=reason))
            continue
        changes = field_changes(role_fields(role), live_role_fields(found))
        if changes:
            actions.append(replace(base, action=ActionType.UPDATE, changes=changes))
        else:
            actions.append(base)
    return actions
