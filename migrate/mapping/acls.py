"""Legacy rights → Cells ACLs (DESIGN.md "Rights", cells-api.md §1.6).

Every legacy right ends in an ACL or in a finding with the same key (``<role>#<workspace>``):

* rights are mapped role by role, on the workspace's root nodes: on one node a later role's
  ACLs replace an earlier role's in Cells as in Pydio's merge (cells-v3-behaviour.md "Role
  resolution"), so the same legacy roles in the same order give the same access;
* ``AJXP_VALUE_CLEAR`` is ``deny``; it hides the workspace as Pydio's deny did;
* root-group read/write is carried by the workspace's ``DEFAULT_RIGHTS`` (a workspace PUT
  rewrites ROOT_GROUP read/write ACLs from it, cells-v3-behaviour.md "Workspace attributes");
  a root-group deny stays an ACL;
* shared users ignore group and admin-role ACLs in Pydio (legacy-model.md §6) but not in
  Cells: a ``deny`` on their own role keeps them out of what only those roles granted;
* permission masks (§5.4) become ACLs on sub-folder nodes; the implicit "everything else is
  denied" of a mask cannot be written without listing the tree, so it is reported.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from migrate.legacy.model import (
    Finding,
    FindingKind,
    Inventory,
    LegacyMask,
    LegacyRole,
    RoleKind,
)
from migrate.mapping.desired import (
    AclOrigin,
    DesiredAcl,
    DesiredUser,
    NodeKind,
    NodeRef,
    RoleRef,
    RoleTarget,
)
from migrate.mapping.findings import acl_key, info, warning
from migrate.mapping.groups import GroupMapping
from migrate.mapping.isolation import SharedView, isolate
from migrate.mapping.roles import RoleMapping
from migrate.mapping.rules import MappingRules
from migrate.mapping.users import LoginMapping
from migrate.mapping.workspaces import WorkspaceMapping

_READ, _WRITE, _DENY = 1, 2, 4  # AJXP_Permission bits (legacy-model.md §5.4)


@dataclass(frozen=True, slots=True, kw_only=True)
class AclContext:
    """What the ACL mapping needs from the other mappings."""

    rules: MappingRules
    workspaces: WorkspaceMapping
    logins: LoginMapping
    groups: GroupMapping
    roles: RoleMapping
    workspace_ids: frozenset[str]  # every legacy workspace id of the inventory


def map_acls(
    inventory: Inventory, ctx: AclContext, users: dict[str, DesiredUser]
) -> tuple[list[DesiredAcl], list[Finding]]:
    """Map every right, mask and shared-user isolation (pure, deterministic)."""
    acls: list[DesiredAcl] = []
    findings: list[Finding] = []
    roles = with_legacy_rights(inventory)
    for role in roles:
        target, why = _target(role.role_id, ctx)
        for wid, right in _rights(role, findings):
            key = acl_key(role.role_id, wid)
            made, found = _right(target, why, role.role_id, wid, right, ctx)
            acls.extend(made)
            if found is not None:
                findings.append(found)
            elif not made:
                findings.append(
                    info(
                        FindingKind.ACL,
                        key,
                        "default-rights",
                        f"right {right!r} of {role.role_id} on {wid} is the "
                        "workspace's DEFAULT_RIGHTS on Cells",
                    )
                )
        if target is not None:
            for mask in role.masks:
                made_masks, found_masks = _mask(target, role.role_id, mask, ctx)
                acls.extend(made_masks)
                findings.extend(found_masks)
    findings.extend(_root_role_order(roles, ctx))
    view = SharedView.build(roles, ctx.roles, ctx.workspaces)
    for user in sorted(inventory.users, key=lambda u: u.login):
        desired = users.get(user.login)
        if desired is not None and user.shared and not user.hidden:
            isolation, isolation_findings = isolate(user, desired, view, ctx.rules, ctx.workspaces)
            acls.extend(isolation)
            findings.extend(isolation_findings)
    return _dedupe(acls, findings), findings


def with_legacy_rights(inventory: Inventory) -> list[LegacyRole]:
    """The roles sorted by id, ≤4.x per-user rights folded into the personal roles.

    Pydio 5+ moves those rows into the personal role when it loads the user
    (legacy-model.md §4.2 ``migrateRightsToPersonalRole``); the move sets each right on the
    role, so a 4.x row wins over a value the role already has.
    """
    roles = {r.role_id: r for r in inventory.roles}
    for user in inventory.users:
        if not user.legacy_rights:
            continue
        rid = user.personal_role_id
        role = roles.get(rid) or LegacyRole(role_id=rid, kind=RoleKind.USER, label=rid)
        roles[rid] = dataclasses.replace(role, acls=(*role.acls, *user.legacy_rights))
    return [roles[rid] for rid in sorted(roles)]


def _rights(role: LegacyRole, findings: list[Finding]) -> list[tuple[str, str]]:
    """The role's rights by workspace, later duplicates winning (as ``acl_map``)."""
    merged = role.acl_map()
    seen: set[str] = set()
    for acl in reversed(role.acls):
        if acl.workspace_id in seen:
            findings.append(
                info(
                    FindingKind.ACL,
                    acl_key(role.role_id, acl.workspace_id),
                    "right-superseded",
                    f"{role.role_id} lists {acl.workspace_id} twice; the last "
                    "value wins as in Pydio",
                )
            )
        seen.add(acl.workspace_id)
    return sorted(merged.items())


def _target(role_id: str, ctx: AclContext) -> tuple[RoleRef | None, str]:
    """The Cells role of a legacy role id, or ``None`` and a reason code."""
    r = ctx.rules.roles
    if role_id in r.root_group_ids:
        return RoleRef(target=RoleTarget.ROOT_GROUP, key=r.root_group_target), ""
    if role_id.startswith(r.user_role_prefix):
        legacy = role_id[len(r.user_role_prefix) :]
        login = ctx.logins.login_of(legacy)
        if login is not None:
            return RoleRef(target=RoleTarget.USER, key=login), ""
        return None, ctx.logins.skipped.get(legacy, "dangling-role")
    if role_id.startswith(r.group_role_prefix):
        path = role_id[len(r.group_role_prefix) :].rstrip("/") or "/"
        group = ctx.groups.groups.get(path)
        if group is not None:
            return RoleRef(target=RoleTarget.GROUP, key=group.path), ""
        parts = [p for p in path.split("/") if p]
        prefixes = {"/" + "/".join(parts[:i]) for i in range(1, len(parts) + 1)}
        return None, "excluded" if prefixes & ctx.rules.groups.exclude else "dangling-role"
    desired = ctx.roles.roles.get(role_id)
    if desired is not None:
        return RoleRef(target=RoleTarget.ROLE, key=desired.uuid), ""
    return None, ctx.roles.skipped.get(role_id, "dangling-role")


def _right(
    target: RoleRef | None,
    why: str,
    role_id: str,
    wid: str,
    right: str,
    ctx: AclContext,
) -> tuple[list[DesiredAcl], Finding | None]:
    key = acl_key(role_id, wid)
    ws = ctx.workspaces.workspaces.get(wid)
    if ws is None:
        return [], _workspace_not_mapped(key, role_id, wid, ctx)
    if target is None:
        return [], _role_not_mapped(key, role_id, why)
    actions = ctx.rules.actions(right)
    if actions is None:
        return [], warning(
            FindingKind.ACL,
            key,
            "right-invalid",
            f"{role_id} has right {right!r} on {wid}, which is not r, w, rw or "
            "AJXP_VALUE_CLEAR; not migrated",
        )
    if target.target is RoleTarget.ROOT_GROUP and "deny" not in actions:
        return [], None  # carried by DEFAULT_RIGHTS (workspaces.py)
    made = [
        DesiredAcl(role=target, workspace_uuid=ws.uuid, node=node, action=action, legacy_key=key)
        for node in ws.root_nodes
        for action in actions
    ]
    return made, None


def _workspace_not_mapped(key: str, role_id: str, wid: str, ctx: AclContext) -> Finding:
    code = ctx.workspaces.skipped.get(wid)
    if code is None and wid not in ctx.workspace_ids:
        return warning(
            FindingKind.ACL,
            key,
            "dangling-right",
            f"{role_id} has a right on workspace {wid}, which does not exist; "
            "not sent (delete it in Pydio or ignore)",
        )
    if code == "shared-child":
        return info(
            FindingKind.SHARE,
            key,
            "share-right",
            f"right of {role_id} on share {wid} is migrated with the share",
        )
    if code in ("system-workspace", "template", "excluded"):
        return info(
            FindingKind.ACL,
            key,
            f"right-on-{code}",
            f"right of {role_id} on {wid} is not migrated: the workspace is not ({code})",
        )
    return warning(
        FindingKind.ACL,
        key,
        "right-not-migrated",
        f"right of {role_id} on {wid} is lost: the workspace is not migrated ({code})",
    )


def _role_not_mapped(key: str, role_id: str, why: str) -> Finding:
    if why == "link-user":
        return info(
            FindingKind.SHARE,
            key,
            "share-right",
            f"right of link user role {role_id} is migrated with its share",
        )
    if why == "dangling-role":
        return warning(
            FindingKind.ACL,
            key,
            "dangling-right",
            f"role {role_id} belongs to no migrated user or group; right not sent",
        )
    return info(
        FindingKind.ACL,
        key,
        "role-not-migrated",
        f"right of {role_id} is not migrated: the role is not ({why})",
    )


def _mask(
    target: RoleRef, role_id: str, mask: LegacyMask, ctx: AclContext
) -> tuple[list[DesiredAcl], list[Finding]]:
    key = "mask:" + acl_key(role_id, mask.workspace_id)
    ws = ctx.workspaces.workspaces.get(mask.workspace_id)
    roots = [n for n in ws.root_nodes if n.kind is not NodeKind.TEMPLATE] if ws else []
    if ws is None or not roots:
        return [], [
            warning(
                FindingKind.ACL,
                key,
                "mask-not-expressible",
                f"folder permissions of {role_id} on {mask.workspace_id} are not "
                "migrated: the workspace has no datasource folder root on Cells",
            )
        ]
    acls: list[DesiredAcl] = []
    for rule in mask.rules:
        actions = _mask_actions(rule.permission)
        for root in roots:
            node = NodeRef(kind=NodeKind.FOLDER, path=f"{root.path}/{rule.path.strip('/')}")
            acls.extend(
                DesiredAcl(
                    role=target,
                    workspace_uuid="",
                    node=node,
                    action=a,
                    origin=AclOrigin.MASK,
                    legacy_key=key,
                )
                for a in actions
            )
    found = warning(
        FindingKind.ACL,
        key,
        "mask-partial",
        f"folder permissions of {role_id} on {mask.workspace_id} become ACLs on "
        "the listed sub-folders; Pydio also denied every folder the mask does not "
        "list, which Cells cannot express: add deny ACLs by hand if that matters",
    )
    return acls, [found]


def _mask_actions(permission: int) -> tuple[str, ...]:
    if permission & _DENY:
        return ("deny",)
    return tuple(a for bit, a in ((_READ, "read"), (_WRITE, "write")) if permission & bit)


def _root_role_order(roles: list[LegacyRole], ctx: AclContext) -> list[Finding]:
    """ROOT_ROLE came after group roles in Pydio (it is auto-applied, §5.3, §6); ROOT_GROUP
    comes first on Cells, so a group role's value on the same workspace now wins."""
    r = ctx.rules.roles
    late = [x for x in roles if x.role_id in r.root_group_ids[1:]]  # ROOT_ROLE by default
    groups = [
        x
        for x in roles
        if x.role_id.startswith(r.group_role_prefix) and x.role_id not in r.root_group_ids
    ]
    found = []
    for root in late:
        for wid in sorted(root.acl_map()):
            clash = sorted(g.role_id for g in groups if wid in g.acl_map())
            if clash and wid in ctx.workspaces.workspaces:
                msg = (
                    f"{root.role_id} and {', '.join(clash)} both set a right on {wid}: Pydio "
                    f"applied {root.role_id} last, Cells applies ROOT_GROUP first, so the group "
                    "value wins for members of those groups. Check the group rights."
                )
                found.append(
                    warning(FindingKind.ACL, acl_key(root.role_id, wid), "root-role-order", msg)
                )
    return found


def _dedupe(acls: Iterable[DesiredAcl], findings: list[Finding]) -> list[DesiredAcl]:
    """One ACL per Cells unique key (a duplicate insert answers 500); the later one wins."""
    by_identity: dict[tuple[str, str, str, str, str], DesiredAcl] = {}
    for acl in acls:
        earlier = by_identity.get(acl.identity)
        if earlier is not None and earlier.legacy_key != acl.legacy_key:
            findings.append(
                info(
                    FindingKind.ACL,
                    earlier.legacy_key,
                    "right-superseded",
                    f"{earlier.legacy_key} and {acl.legacy_key} give the same Cells "
                    "ACL; the later role wins",
                )
            )
        by_identity[acl.identity] = acl
    return list(by_identity.values())
