"""Shared users in Cells as in Pydio: group and admin roles must not reach them.

Pydio keeps, for a shared (external) user, only the roles auto-applied to ``shared``, the
user's teams and the personal role, and discards the ACLs of every other role
(legacy-model.md §6). Cells applies every role, so the mapping writes Pydio's result on the
user's own role, which Cells applies last (cells-v3-behaviour.md "Role resolution").
"""

from __future__ import annotations

from dataclasses import dataclass

from migrate.legacy.model import Finding, FindingKind, LegacyRole, LegacyUser
from migrate.mapping.desired import AclOrigin, DesiredAcl, DesiredUser, RoleRef, RoleTarget
from migrate.mapping.findings import info
from migrate.mapping.roles import RoleMapping
from migrate.mapping.rules import MappingRules
from migrate.mapping.workspaces import WorkspaceMapping


@dataclass(frozen=True, slots=True, kw_only=True)
class SharedView:
    """What every shared user's isolation needs, computed once (not per user)."""

    rights: dict[str, dict[str, str]]  # legacy role id -> {workspace id: right}
    teams: frozenset[str]  # legacy ids of mapped teams
    shared_auto: frozenset[str]  # legacy ids of mapped roles auto-applied to "shared"
    default_granted: frozenset[str]  # workspaces whose DEFAULT_RIGHTS grant something

    @classmethod
    def build(
        cls, roles: list[LegacyRole], mapping: RoleMapping, workspaces: WorkspaceMapping
    ) -> SharedView:
        """Index the legacy roles once."""
        mapped = mapping.roles
        return cls(
            rights={r.role_id: r.acl_map() for r in roles},
            teams=frozenset(rid for rid, d in mapped.items() if d.is_team),
            shared_auto=frozenset(rid for rid, d in mapped.items() if "shared" in d.auto_applies),
            default_granted=frozenset(
                wid for wid, w in workspaces.workspaces.items() if w.attribute("DEFAULT_RIGHTS")
            ),
        )


def isolate(
    user: LegacyUser,
    desired: DesiredUser,
    view: SharedView,
    rules: MappingRules,
    workspaces: WorkspaceMapping,
) -> tuple[list[DesiredAcl], list[Finding]]:
    """Give a shared user Pydio's rights where Cells would also apply ignored roles (§6).

    Pydio keeps, for a shared user, the roles auto-applied to ``shared``, the user's teams
    and the personal role, in that order; it discards the ACLs of every other role (root
    group, group roles, explicit admin roles). Cells applies them all. Wherever an ignored
    role (or a workspace's DEFAULT_RIGHTS) says something and the personal role does not,
    the user's own role — last in Cells' order — gets the value Pydio computed from the
    kept roles, or ``deny`` when they say nothing.
    """
    personal = view.rights.get(user.personal_role_id, {})
    kept = [*sorted(view.shared_auto), *(r for r in user.roles if r in view.teams)]
    ignored = [*rules.roles.root_group_ids, *user.group_role_ids, *user.roles]
    touched = set(view.default_granted)
    for rid in ignored:
        if rid not in kept:
            touched |= set(view.rights.get(rid, {}))
    target = RoleRef(target=RoleTarget.USER, key=desired.login)
    acls: list[DesiredAcl] = []
    for wid in sorted(touched):
        ws = workspaces.workspaces.get(wid)
        if ws is None or rules.actions(personal.get(wid, "")) is not None:
            continue  # not on Cells, or the personal role decides (it is last anyway)
        value = None
        for rid in kept:
            value = view.rights.get(rid, {}).get(wid) or value
        actions = rules.actions(value or "") or ("deny",)
        acls += [
            DesiredAcl(
                role=target,
                workspace_uuid=ws.uuid,
                node=node,
                action=action,
                origin=AclOrigin.ISOLATION,
                legacy_key=f"isolation:{user.login}#{wid}",
            )
            for node in ws.root_nodes
            for action in actions
        ]
    if not acls:
        return [], []
    msg = (
        f"shared user {user.login} gets {len(acls)} ACL(s) on its own role so that group, "
        "root-group and admin roles, which Pydio ignored for shared users, change nothing"
    )
    return acls, [info(FindingKind.USER, user.login, "shared-user-isolation", msg)]
