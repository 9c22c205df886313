"""Shares: legacy public links and shared folders → Cells links and cells (pure).

From legacy-model.md §8.3/§9 and the share recordings (cells-v3-recordings/README.md
"Shares"):

* a ``minisite`` share (public link, folder or file) becomes a Cells link at the **same
  hash**, with its label and description (the shared child workspace's), expiry, download
  limit, permissions (Preview always, Download unless disabled, Upload when the hidden link
  user could write), template, owner (the sharer) and password (keep-hash: the hidden
  user's hash; otherwise a new one);
* a ``repository`` share (a folder shared with users, groups or teams) becomes a cell owned
  by the sharer whose members get read/write as the legacy rights on the shared child gave
  them; shared children without a store row (older installs) are mapped the same way;
* what cannot be migrated is a **warning** finding naming the share and why (the plan
  shows it as a skip): expired links (unless ``shares.migrate_expired``), links whose
  download limit is reached, a parent workspace that is not migrated or is a personal
  template, an owner that is not migrated, an unknown share type, a path that cannot be
  known. Dangling shares are already reported by the inventory.

``now`` (unix seconds) is passed in: the mapping never reads the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from migrate.legacy.model import (
    Finding,
    FindingKind,
    HashFormat,
    Inventory,
    LegacyShare,
    LegacyUser,
    LegacyWorkspace,
    ShareType,
)
from migrate.legacy.workspaces import parent_sub_path
from migrate.mapping.attributes import legacy_text
from migrate.mapping.desired import (
    CellMember,
    DesiredCell,
    DesiredLink,
    DesiredWorkspace,
    LinkPassword,
    NodeKind,
    NodeRef,
    RoleRef,
    RoleTarget,
)
from migrate.mapping.findings import warning
from migrate.mapping.groups import GroupMapping
from migrate.mapping.roles import RoleMapping
from migrate.mapping.rules import MappingRules, PasswordStrategy
from migrate.mapping.users import LoginMapping

# Pydio 8 minisite layouts → Cells ViewTemplateName (the same four, renamed).
TEMPLATES = {
    "ajxp_shared_folder": "pydio_shared_folder",
    "ajxp_film_strip": "pydio_film_strip",
    "ajxp_unique_dl": "pydio_unique_dl",
    "ajxp_unique_strip": "pydio_unique_strip",
}
FOLDER_TEMPLATE = "pydio_shared_folder"
FILE_TEMPLATE = "pydio_unique_strip"


@dataclass(frozen=True, slots=True, kw_only=True)
class ShareMapping:
    """The links and cells to create, and the findings about the shares left out."""

    links: tuple[DesiredLink, ...] = ()
    cells: tuple[DesiredCell, ...] = ()
    findings: tuple[Finding, ...] = ()


@dataclass(slots=True, kw_only=True)
class ShareContext:
    """What the share mapping reads (the other mappings' results)."""

    inventory: Inventory
    rules: MappingRules
    logins: LoginMapping
    groups: GroupMapping
    roles: RoleMapping
    workspaces: Mapping[str, DesiredWorkspace]  # legacy id → Cells workspace
    password_strategy: PasswordStrategy
    now: int | None = None
    children: dict[str, LegacyWorkspace] = field(default_factory=dict)
    users: dict[str, LegacyUser] = field(default_factory=dict)
    rights: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # child → roles
    hidden: set[str] = field(default_factory=set)  # hidden (link) user logins


def map_shares(ctx: ShareContext) -> ShareMapping:
    """Every legacy share as a link, a cell, or a finding (pure, deterministic)."""
    ctx.children = ctx.inventory.workspaces_by_id()
    ctx.users = ctx.inventory.users_by_login()
    ctx.hidden = {u.login for u in ctx.inventory.users if u.hidden}
    shared = {w.workspace_id for w in ctx.inventory.workspaces if w.shared_child}
    for role in ctx.inventory.roles:  # one pass over every right, not one per share
        for acl in role.acls:
            if acl.workspace_id in shared:
                ctx.rights.setdefault(acl.workspace_id, []).append((role.role_id, acl.right))
    links: list[DesiredLink] = []
    cells: list[DesiredCell] = []
    findings: list[Finding] = []
    referenced: set[str] = set()
    dangling = {
        f.key
        for f in ctx.inventory.findings
        if f.kind is FindingKind.SHARE and f.code == "dangling-share"
    }
    for share in ctx.inventory.shares:
        if share.workspace_id:
            referenced.add(share.workspace_id)
        if share.share_id in dangling:
            continue  # reported by the inventory (its workspace or owner is gone)
        result = _map_share(share, ctx)
        if isinstance(result, Finding):
            findings.append(result)
        elif isinstance(result, DesiredLink):
            links.append(result)
        else:
            cells.append(result)
    for child in ctx.inventory.workspaces:
        if child.shared_child and child.workspace_id not in referenced:
            orphan = _cell(child.workspace_id, child, None, ctx)
            if isinstance(orphan, Finding):
                findings.append(orphan)
            elif orphan is not None:
                cells.append(orphan)
    return ShareMapping(
        links=tuple(sorted(links, key=lambda link: link.link_hash)),
        cells=_unique_names(cells),
        findings=tuple(findings),
    )


def _map_share(share: LegacyShare, ctx: ShareContext) -> DesiredLink | DesiredCell | Finding:
    sid = share.share_id
    child = ctx.children.get(share.workspace_id or "")
    if child is None:
        return _skip(sid, "share-unreadable", f"share {sid} names no shared workspace")
    if share.share_type is ShareType.MINISITE:
        return _link(share, child, ctx)
    if share.share_type is ShareType.REPOSITORY:
        cell = _cell(sid, child, share.owner, ctx)
        if cell is None:
            return _skip(
                sid,
                "share-no-members",
                f"share {sid} ({child.display!r}) is shared with nobody any more; "
                "no cell is created",
            )
        return cell
    return _skip(
        sid,
        "share-type-unsupported",
        f"share {sid} is a legacy {share.share_type.value!r} link, which Cells cannot "
        "express; recreate it by hand if it is still needed",
    )


def _skip(share_id: str, code: str, message: str) -> Finding:
    return warning(FindingKind.SHARE, share_id, code, message + " (not migrated)")


def _root(
    key: str, child: LegacyWorkspace, path: str | None, ctx: ShareContext
) -> NodeRef | Finding:
    """The Cells node of the shared folder or file: the parent workspace's root + path."""
    parent = ctx.workspaces.get(child.parent_id or "")
    if parent is None or not parent.root_nodes:
        return _skip(
            key,
            "share-parent-not-migrated",
            f"share {key} is in workspace {child.parent_id}, which is not migrated",
        )
    root = parent.root_nodes[0]
    if root.kind is NodeKind.TEMPLATE:
        return _skip(
            key,
            "share-in-personal-workspace",
            f"share {key} is in the per-user workspace {parent.slug!r}, whose folders "
            "Cells resolves per user",
        )
    if path is None:
        legacy_parent = ctx.children.get(child.parent_id or "")
        path = parent_sub_path(child, legacy_parent) if legacy_parent is not None else None
    sub = (path or "").strip("/")
    if not sub:
        if root.kind is NodeKind.FOLDER:
            return root
        return _skip(
            key,
            "share-of-datasource-root",
            f"share {key} is the whole root of workspace {parent.slug!r}; share a folder "
            "of it in Cells instead",
        )
    return NodeRef(kind=NodeKind.FOLDER, path=f"{root.path.rstrip('/')}/{sub}")


def _owner(key: str, legacy_owner: str | None, ctx: ShareContext) -> str | Finding:
    owner = ctx.logins.login_of(legacy_owner) if legacy_owner else None
    if owner is None:
        return _skip(
            key,
            "share-owner-not-migrated",
            f"share {key} belongs to {legacy_owner or '(nobody)'}, who is not migrated",
        )
    return owner


def _link(share: LegacyShare, child: LegacyWorkspace, ctx: ShareContext) -> DesiredLink | Finding:
    sid = share.share_id
    expired = share.expire_time and ctx.now is not None and share.expire_time <= ctx.now
    if expired and not ctx.rules.shares.migrate_expired:
        return _skip(
            sid,
            "share-expired",
            f"link {sid} expired on {_when(share.expire_time)}; set "
            "shares.migrate_expired in a mapping file to migrate it anyway",
        )
    used = _int(share.data.get("DOWNLOAD_COUNT"))
    if share.download_limit and used is not None and used >= share.download_limit:
        return _skip(
            sid,
            "share-download-limit-reached",
            f"link {sid} reached its download limit ({share.download_limit})",
        )
    owner = _owner(sid, share.owner, ctx)
    if isinstance(owner, Finding):
        return owner
    root = _root(sid, child, share.path, ctx)
    if isinstance(root, Finding):
        return root
    guest = ctx.users.get(share.guest_user or "")
    is_file = child.option("content_filter") is not None
    permissions = ["Preview"]
    if not share.download_disabled:
        permissions.append("Download")
    if guest is not None and _guest_writes(guest, child.workspace_id, ctx):
        permissions.append("Upload")
    raw_template = share.data.get_str("AJXP_TEMPLATE_NAME") or ""
    template = TEMPLATES.get(raw_template, FILE_TEMPLATE if is_file else FOLDER_TEMPLATE)
    password, legacy_hash = LinkPassword.NONE, None
    if share.password_protected:
        password = LinkPassword.NEW
        usable = guest is not None and guest.hash_format in (HashFormat.PBKDF2, HashFormat.MD5)
        if ctx.password_strategy is PasswordStrategy.KEEP_HASH and usable and guest is not None:
            password, legacy_hash = LinkPassword.KEEP_HASH, guest.password_hash
    return DesiredLink(
        link_hash=sid,
        label=child.display or sid,
        description=legacy_text(child.option("USER_DESCRIPTION")),
        root=root,
        owner=owner,
        permissions=tuple(permissions),
        access_end=share.expire_time,
        max_downloads=share.download_limit,
        template=template,
        password=password,
        legacy_hash=legacy_hash,
        legacy_key=sid,
        workspace_id=child.workspace_id,
        file=is_file,
    )


def _guest_writes(guest: LegacyUser, child_id: str, ctx: ShareContext) -> bool:
    rights = dict(ctx.rights.get(child_id, ()))  # later rows win, as in acl_map()
    return "w" in rights.get(guest.personal_role_id, "")


def _cell(
    key: str, child: LegacyWorkspace, legacy_owner: str | None, ctx: ShareContext
) -> DesiredCell | Finding | None:
    """A cell for the shared child ``child``; None when nobody but link users has rights."""
    members = _members(child.workspace_id, ctx)
    if not members:
        return None
    owner = _owner(key, legacy_owner or child.owner, ctx)
    if isinstance(owner, Finding):
        return owner
    root = _root(key, child, None, ctx)
    if isinstance(root, Finding):
        return root
    return DesiredCell(
        label=child.display or child.workspace_id,
        description=legacy_text(child.option("USER_DESCRIPTION")),
        root=root,
        owner=owner,
        members=members,
        legacy_key=key,
        workspace_id=child.workspace_id,
    )


def _members(child_id: str, ctx: ShareContext) -> tuple[CellMember, ...]:
    """Who had rights on the shared child (link users left out), in a fixed order."""
    out: dict[tuple[str, str], CellMember] = {}
    for role_id, right in dict(ctx.rights.get(child_id, ())).items():
        if not right or right == "AJXP_VALUE_CLEAR":
            continue
        ref = _role_ref(role_id, ctx.hidden, ctx)
        if ref is None:
            continue
        out[(ref.target, ref.key)] = CellMember(role=ref, read="r" in right, write="w" in right)
    return tuple(out[k] for k in sorted(out))


def _role_ref(role_id: str, hidden: set[str], ctx: ShareContext) -> RoleRef | None:
    rules = ctx.rules.roles
    if role_id.startswith(rules.user_role_prefix):
        legacy = role_id[len(rules.user_role_prefix) :]
        if legacy in hidden:
            return None
        login = ctx.logins.login_of(legacy)
        return RoleRef(target=RoleTarget.USER, key=login) if login else None
    if role_id.startswith(rules.group_role_prefix):
        path = ctx.groups.cells_path(role_id[len(rules.group_role_prefix) :] or "/")
        if path == "/":
            return RoleRef(target=RoleTarget.ROOT_GROUP, key="/")
        return RoleRef(target=RoleTarget.GROUP, key=path)
    mapped = ctx.roles.roles.get(role_id)
    return RoleRef(target=RoleTarget.ROLE, key=mapped.uuid) if mapped is not None else None


def _unique_names(cells: Iterable[DesiredCell]) -> tuple[DesiredCell, ...]:
    """Cells sorted by label, each with a unique ``name`` (``label``, ``label (2)``, …)."""
    out: list[DesiredCell] = []
    seen: dict[str, int] = {}
    for cell in sorted(cells, key=lambda c: (c.label, c.legacy_key)):
        count = seen.get(cell.label, 0) + 1
        seen[cell.label] = count
        name = cell.label if count == 1 else f"{cell.label} ({count})"
        out.append(replace(cell, name=name))
    return tuple(out)


def _when(unix: int | None) -> str:
    """A unix time as a UTC date and time (for messages)."""
    if unix is None:
        return "?"
    return dt.datetime.fromtimestamp(unix, tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None
