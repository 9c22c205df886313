"""The legacy oracle: what each Pydio 8 user could reach, by Pydio's own rules.

Independent of the mapping (it imports nothing from ``migrate.mapping``): it reads the
extracted :class:`~migrate.legacy.model.Inventory` and applies legacy-model.md §5.4, §6,
§8 and §9 itself, so that a mapping mistake shows up as a difference instead of being
repeated on both sides.

Per user (hidden link users excluded: their access is a public link, ``links()``):

* the merged rights of the role stack (``legacy_roles.py``); a deny or an empty value gives
  nothing;
* a right only opens a workspace the user may see: not a template, enabled, its
  ``child_user_id`` (if any) is the user, its ``groupPath`` contains the user's group, and a
  shared child is never visible to its own sharer (``RepositoryService::repositoryIsAccessible``;
  ``ALLOW_CROSSUSERS_SHARING`` is taken as allowed: the recipients hold the right);
* ``DEFAULT_RIGHTS`` is not read: Pydio copied it into the root role once, at first boot,
  and evaluates only role ACLs afterwards (§6);
* system workspaces (welcome, inbox, settings) hold no files: not compared (noted);
* permission masks (§5.4): below a listed path its permission applies (read, write; deny
  gives nothing), ancestors of a listed non-denied path are traversable read-only, the
  workspace root is readable, anything else is denied once a mask exists — intersected with
  the workspace right.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from migrate.audit.legacy_paths import WorkspacePaths
from migrate.audit.legacy_roles import RoleStacks
from migrate.audit.locations import OTHER, Location, PathRules, clean_path
from migrate.audit.model import NONE, READ, RW, LinkAccess, right_bits, right_text
from migrate.legacy.model import DENY, Inventory, LegacyUser, LegacyWorkspace, ShareType

_DENY_BIT = 4  # AJXP_Permission::DENY (§5.4)
LINK_TYPES = frozenset({ShareType.MINISITE, ShareType.FILE, ShareType.PUBLICLET})

MaskRules = tuple[tuple[str, int, str], ...]  # (path inside the workspace, bits, role id)


@lru_cache(maxsize=1 << 16)
def mask_bits(rules: MaskRules, relative: str) -> int:
    """Rights a merged permission mask leaves at ``relative`` (``/`` = workspace root)."""
    path = clean_path(relative)
    best: tuple[int, int] | None = None  # (depth, permission) of the deepest listed ancestor
    for rule_path, permission, _ in rules:
        if path == rule_path or path.startswith(rule_path.rstrip("/") + "/"):
            depth = rule_path.count("/")
            if best is None or depth > best[0]:
                best = (depth, permission)
    if best is not None:
        return NONE if best[1] & _DENY_BIT else best[1] & RW
    if path == "/":
        return READ
    prefix = path + "/"
    travel = any(r.startswith(prefix) and not p & _DENY_BIT for r, p, _ in rules)
    return READ if travel else NONE


@dataclass(frozen=True, slots=True, kw_only=True)
class LegacyView:
    """A place a Pydio user reached through one workspace."""

    location: Location
    workspace: str
    workspace_id: str
    right: int
    role: str
    share: str = ""  # "share by <owner>" for a shared child
    mask: MaskRules = ()

    def at(self, place: Location) -> int:
        """The workspace right, limited by the mask when there is one."""
        if not self.mask:
            return self.right
        return self.right & mask_bits(self.mask, place.relative_to(self.location))

    def via(self, place: Location) -> str:
        """``workspace 'X' (id) [share by o] via role R`` (+ the mask entry when it decides)."""
        what = f"workspace {self.workspace}"
        if self.share:
            what += f" ({self.share})"
        text = f"{what}: {right_text(self.right)} via role {self.role}"
        if self.mask:
            roles = sorted({r for _, _, r in self.mask})
            text += f", folder mask of {', '.join(roles)}"
        return text

    def checkpoints(self) -> tuple[Location, ...]:
        """The root; with a mask, each listed path, its ancestors and ``<root>/*``."""
        if not self.mask:
            return (self.location,)
        return _mask_points(self.location, self.mask)

    def names(self) -> tuple[str, ...]:
        """What an accept rule's ``workspace`` may match."""
        return (self.workspace_id, self.workspace)


@lru_cache(maxsize=1 << 14)
def _mask_points(root: Location, mask: MaskRules) -> tuple[Location, ...]:
    points = {root, root.join(OTHER)}
    for path, _, _ in mask:
        points.update(p for p in root.join(path).lineage() if root.contains(p))
    return tuple(sorted(points))


class LegacyOracle:
    """Per-user views of an inventory (indexes built once)."""

    def __init__(
        self,
        inventory: Inventory,
        *,
        paths: PathRules,
        login_of: Callable[[str], str],
    ) -> None:
        self.inventory = inventory
        self.workspaces = inventory.workspaces_by_id()
        self.stacks = RoleStacks(inventory)
        self.paths = WorkspacePaths(self.workspaces, paths, login_of)
        self.login_of = login_of
        self.skipped: Counter[str] = Counter()

    def users(self) -> Iterator[LegacyUser]:
        """The users compared one by one (hidden link users are links, not users)."""
        return (u for u in self.inventory.users if not u.hidden)

    def views(self, user: LegacyUser) -> list[LegacyView]:
        """Every place the user reached, one view per workspace."""
        merged = self.stacks.merged(user)
        views: list[LegacyView] = []
        for wid, (value, role) in sorted(merged.rights.items()):
            bits = NONE if value == DENY else right_bits(value)
            ws = self.workspaces.get(wid)
            if bits == NONE:
                continue
            if ws is None:
                self.skipped["user right(s) on workspaces that do not exist (no access)"] += 1
                continue
            if not self._visible(ws, user):
                continue
            place = self.paths.location(ws, user.login, user.group_path)
            if place is None:
                self.skipped[
                    f"user right(s) on system workspace {ws.display or wid} (no files)"
                ] += 1
                continue
            tree = merged.masks.get(wid)
            mask = _mask_rules(tuple(sorted(tree.items()))) if tree else ()
            views.append(
                LegacyView(
                    location=place,
                    workspace=_name(ws),
                    workspace_id=wid,
                    right=bits,
                    role=role,
                    share=f"share by {ws.owner}" if ws.shared_child else "",
                    mask=mask,
                )
            )
        return views

    def _visible(self, ws: LegacyWorkspace, user: LegacyUser) -> bool:
        if ws.is_template or not ws.enabled:
            return False
        if ws.child_user and ws.child_user.lower() != user.login.lower():
            return False
        if ws.shared_child and ws.owner and ws.owner.lower() == user.login.lower():
            return False
        scope = (ws.group_path or "/").rstrip("/")
        return not scope or user.group_path == scope or user.group_path.startswith(scope + "/")

    def links(self) -> list[LinkAccess]:
        """Public links (minisites, file links): anonymous access, reported on their own."""
        users = self.inventory.users_by_login()
        found: list[LinkAccess] = []
        for share in self.inventory.shares:
            if share.share_type not in LINK_TYPES:
                continue
            ws = self.workspaces.get(share.workspace_id or "")
            owner = share.owner or ""
            place = None
            right = READ
            if ws is not None:
                sharer = users.get(owner)
                group = sharer.group_path if sharer is not None else "/"
                place = self.paths.location(ws, owner, group)
                parent = self.workspaces.get(share.parent_workspace_id or "")
                if share.path and parent is not None:  # a file link: the file itself
                    base = self.paths.location(parent, owner, group)
                    place = base.join(share.path) if base is not None else place
                guest = users.get(share.guest_user or "")
                if guest is not None:
                    value = self.stacks.merged(guest).rights.get(ws.workspace_id, ("", ""))[0]
                    right = NONE if value == DENY else right_bits(value)
            found.append(
                LinkAccess(
                    hash=share.share_id,
                    owner=owner,
                    share_type=share.share_type.value,
                    workspace=_name(ws) if ws is not None else f"({share.workspace_id} missing)",
                    location=place,
                    right=right,
                    password=share.password_protected,
                    download_disabled=share.download_disabled,
                    expire_time=share.expire_time,
                )
            )
        return sorted(found, key=lambda link: link.hash)

    def notes(self) -> list[str]:
        """What the oracle saw but does not compare, with counts."""
        return [f"{n} {what}" for what, n in sorted(self.skipped.items())]


@lru_cache(maxsize=1 << 14)
def _mask_rules(tree: tuple[tuple[str, tuple[int, str]], ...]) -> MaskRules:
    """A merged mask as rules (shared by every user with the same mask)."""
    return tuple((clean_path(path), perm, rid) for path, (perm, rid) in tree)


def _name(ws: LegacyWorkspace) -> str:
    label = ws.display or ws.slug or ws.workspace_id
    return f"'{label}' ({ws.workspace_id})"
