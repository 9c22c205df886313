"""map: legacy :class:`~migrate.legacy.model.Inventory` + :class:`MappingRules` → DesiredState.

Pure (STYLE.md 2.2): no I/O, no clock, no environment. The same inventory and rules always
give the same state, byte for byte (:meth:`DesiredState.to_json`).

Public API, used by ``commands.check`` / ``plan``::

    install = legacy.bootstrap.discover_install(config.legacy)
    rules = rulesfile.load_rules(
        config.mapping.files,
        path_rewrite=[(r.source, r.target) for r in config.legacy.path_rewrite],
        path_variables=install.substitutions(),  # AJXP_DATA_PATH, AJXP_INSTALL_PATH
    )
    state = map_inventory(
        inventory, rules, password_strategy=PasswordStrategy(config.passwords.strategy.value)
    )
    state.blockers()  # -> check exits 1 and lists them; state.findings has the rest
"""

from __future__ import annotations

from migrate.legacy.model import Finding, Inventory
from migrate.mapping.acls import AclContext, map_acls
from migrate.mapping.desired import (
    AclOrigin,
    DesiredAcl,
    DesiredDatasource,
    DesiredGroup,
    DesiredRole,
    DesiredState,
    DesiredUser,
    DesiredWorkspace,
    NodeKind,
    NodeRef,
    PasswordAction,
    PasswordPlan,
    RoleRef,
    RoleTarget,
)
from migrate.mapping.groups import map_groups
from migrate.mapping.roles import map_roles
from migrate.mapping.rules import DEFAULT_RULES, MappingRules, PasswordStrategy
from migrate.mapping.shares import ShareContext, map_shares
from migrate.mapping.users import map_logins, map_users
from migrate.mapping.workspaces import map_workspaces

__all__ = [
    "DEFAULT_RULES",
    "AclOrigin",
    "DesiredAcl",
    "DesiredDatasource",
    "DesiredGroup",
    "DesiredRole",
    "DesiredState",
    "DesiredUser",
    "DesiredWorkspace",
    "MappingRules",
    "NodeKind",
    "NodeRef",
    "PasswordAction",
    "PasswordPlan",
    "PasswordStrategy",
    "RoleRef",
    "RoleTarget",
    "map_inventory",
]


def map_inventory(
    inventory: Inventory,
    rules: MappingRules = DEFAULT_RULES,
    *,
    password_strategy: PasswordStrategy = PasswordStrategy.RESET,
    now: int | None = None,
) -> DesiredState:
    """Compute the Cells objects of a legacy install and every finding about them.

    ``now`` (unix seconds) decides which links have expired (None: none has; the mapping
    never reads the clock). Never raises for bad legacy data: what cannot be mapped becomes
    a finding (blockers for what the admin must fix before ``apply``). Findings of the
    inventory itself are not repeated here.
    """
    workspaces = map_workspaces(inventory, rules)
    logins = map_logins(inventory, rules)
    groups = map_groups(inventory, rules)
    roles = map_roles(inventory, rules, logins.login_of)
    users, user_findings = map_users(inventory, rules, logins, groups, roles, password_strategy)
    ctx = AclContext(
        rules=rules,
        workspaces=workspaces,
        logins=logins,
        groups=groups,
        roles=roles,
        workspace_ids=frozenset(w.workspace_id for w in inventory.workspaces),
    )
    acls, acl_findings = map_acls(inventory, ctx, users)
    shares = map_shares(
        ShareContext(
            inventory=inventory,
            rules=rules,
            logins=logins,
            groups=groups,
            roles=roles,
            workspaces=workspaces.workspaces,
            password_strategy=password_strategy,
            now=now,
        )
    )
    findings: list[Finding] = [
        *workspaces.findings,
        *logins.findings,
        *groups.findings,
        *roles.findings,
        *user_findings,
        *acl_findings,
        *shares.findings,
    ]
    return DesiredState(
        datasources=tuple(sorted(workspaces.datasources, key=lambda d: d.name)),
        workspaces=tuple(sorted(workspaces.workspaces.values(), key=lambda w: w.slug)),
        groups=tuple(sorted(groups.groups.values(), key=lambda g: g.path)),
        roles=tuple(sorted(roles.roles.values(), key=lambda r: r.uuid)),
        users=tuple(sorted(users.values(), key=lambda u: u.login)),
        acls=tuple(sorted(acls, key=_acl_order)),
        links=shares.links,
        cells=shares.cells,
        findings=tuple(
            sorted(set(findings), key=lambda f: (f.kind, f.key, f.code, f.severity, f.message))
        ),
    )


def _acl_order(acl: DesiredAcl) -> tuple[str, ...]:
    return (acl.role.target, acl.role.key, acl.workspace_uuid, acl.node.key, acl.action)
