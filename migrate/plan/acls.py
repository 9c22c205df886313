"""Differ for ACLs: matched by Cells' unique key (node, action, role, workspace)."""

from __future__ import annotations

from collections.abc import Mapping

from migrate.cells.codec import UNRESOLVED_PREFIX
from migrate.cells.models import ACL
from migrate.mapping.desired import DesiredAcl, RoleTarget
from migrate.plan.actions import Action, ActionType, FieldChange, Kind, Stage
from migrate.plan.resolve import Resolver

Blocked = Mapping[tuple[RoleTarget, str], str]
"""Role references whose owner is in conflict → why (their ACLs are skipped)."""


def acl_key(acl: DesiredAcl, slugs: Mapping[str, str]) -> str:
    """The natural key shown for an ACL: ``<role>@<workspace>:<node>:<action>``."""
    role = acl.role
    where = slugs.get(acl.workspace_uuid, acl.workspace_uuid) or "-"
    # plain str concatenation (a StrEnum is a str): no enum lookups, a million times
    return ":".join((role.target + "", role.key + "@" + where, acl.node.path, acl.action))


def diff_acls(
    desired: tuple[DesiredAcl, ...],
    live: tuple[ACL, ...],
    *,
    resolver: Resolver,
    slugs: Mapping[str, str],
    blocked: Blocked,
) -> list[Action]:
    """create / update (value) / noop / skip per desired ACL; never a delete.

    Live ACLs that are not desired are left alone: the tool only removes what a run
    created, and only through rollback. An ACL whose role or node does not exist yet (a
    group still to create, a folder not indexed yet) cannot exist either: it is a create,
    resolved when applied.
    """
    stored = {a.key: a for a in live}
    actions = []
    seen: set[str] = set()
    for acl in desired:
        key = acl_key(acl, slugs)
        if key in seen:
            continue
        seen.add(key)
        role_id = resolver.role_id(acl.role)
        node = resolver.node_id(acl.node)
        cells_id = f"{role_id or '?'}|{acl.workspace_uuid}|{node}|{acl.action}"
        why = blocked.get((acl.role.target, acl.role.key))
        found = None
        if role_id is not None and not node.startswith(UNRESOLVED_PREFIX):
            found = stored.get((node, acl.action, role_id, acl.workspace_uuid))
        changes: tuple[FieldChange, ...] = ()
        if why:
            action = ActionType.SKIP
        elif found is None:
            action = ActionType.CREATE
            changes = (FieldChange(field="value", old=None, new=acl.value),)
        elif found.value != acl.value:
            action = ActionType.UPDATE
            changes = (FieldChange(field="value", old=found.value, new=acl.value),)
        else:
            action = ActionType.NOOP
        actions.append(
            Action(
                stage=Stage.ACLS,
                kind=Kind.ACL,
                key=key,
                action=action,
                changes=changes,
                reason=why or "",
                cells_id=cells_id,
            )
        )
    return actions
