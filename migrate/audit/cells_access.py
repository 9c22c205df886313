"""What each user reaches on Cells, by Cells' own resolution rules (pure).

The rules, with the recordings that show them (cells-v3-recordings, Cells 3.0.9):

* **Role stack** (``role-autoapplies-and-teams.yaml``, ``user-crud.yaml``;
  cells-v3-behaviour.md "Role resolution", ``idm/user/grpc/handler.go`` ``applyAutoApplies``):
  ``ROOT_GROUP`` (not for profile ``shared``: a shared user is read back without it), the
  role of each group of the user's ``GroupPath`` from the top, the roles whose
  ``AutoApplies`` hold the user's profile (put before the first assigned role, in the
  order the role search returns them), the assigned roles in stored order (teams
  included), and the user's own role (Uuid = the user's Uuid) last. ``ForceOverride``
  roles keep their place: cells-v3-behaviour.md says ``ByOverride`` moves them last, but
  the recording shows a user with ``[rec2-role-b (ForceOverride), rec2-role-a]`` read back
  in that order (role-autoapplies-and-teams.yaml, after ``PUT /a/role/rec2-role-b``); the
  recording wins. The stack is rebuilt from these parts rather than read from a user
  answer: Cells caches auto-applies for ~10 s, and the parts are what it resolves from.
* **ACLs on one node** (``user-and-group-role-acls.yaml``): the **last** role of the stack
  that has read/write/deny ACLs on a node replaces the earlier ones for that node: group
  ``read`` + user ``write`` gave ``acl="w"`` (write only, ``/a/frontend/state``); group deny +
  user write gave write; a user deny hid a workspace the group granted; ROOT_GROUP ``read``
  alone gave read-only (``node_readonly``). An ACL counts for a workspace when its
  ``WorkspaceID`` is that workspace or empty (a node right outside workspace roots,
  acl-crud.yaml); an ACL whose ``Value`` is empty grants nothing (share-cell-create.yaml:
  the member could not open the cell).
* **Along a path** (cells-api.md §1.6, acl-crud.yaml): a ``deny`` on the place or on any
  node between it and the workspace root hides it; otherwise the deepest node with rights
  gives them.
* ``DEFAULT_RIGHTS`` is stored as ROOT_GROUP read/write ACLs on the roots
  (workspace-attributes-and-default-rights.yaml), so it needs no rule of its own.
* Template roots (``my-files``) resolve per user: ``personal:/<login>``.
* Cells (shared rooms, share-cell-create.yaml) are workspaces like the others: each member's
  ``read``/``write`` ACLs (``Value:"1"``) sit on the member's user or group role with the
  cell's Uuid as ``WorkspaceID`` and the shared folder as node, so a member reaches the
  folder through the cell, and nobody else does; the cell's root comes from its
  ``workspace-path`` ACL (``cells_read``: the admin's workspace search misses cells it does
  not own). Link users (``hidden``) are not users here: links are compared on their own
  (``cells_links``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from migrate.audit.locations import Location
from migrate.audit.model import NONE, READ, RW, WRITE, right_text

DENY = 4
ACTION_BITS = {"read": READ, "write": WRITE, "deny": DENY}
ROOT_GROUP = "ROOT_GROUP"
UNPLACED = "unplaced"  # the place kind of a node with rights that could not be located
SHARED_PROFILE = "shared"

RoleAcls = dict[tuple[str, str], int]
"""One role's rights: ``(node id, workspace id) -> read/write/deny bits``."""


def acl_bits(action: str, value: str) -> int:
    """Bits of one ACL row; 0 for actions that are not rights or an empty ``Value``."""
    if value in ("", "0"):
        return 0
    return ACTION_BITS.get(action, 0)


def add_acl(table: dict[str, RoleAcls], role: str, node: str, workspace: str, bits: int) -> None:
    """Record one ACL row's bits in ``table`` (rows of one role and node add up)."""
    if bits and role and node:
        acls = table.setdefault(role, {})
        acls[(node, workspace)] = acls.get((node, workspace), 0) | bits


@dataclass(frozen=True, slots=True, kw_only=True)
class CellsRole:
    """What the stack needs of a role."""

    uuid: str
    label: str
    auto_applies: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class CellsUser:
    """A Cells user: ``roles`` are the assigned ones (admin roles, teams), in order."""

    login: str
    uuid: str
    group_path: str
    profile: str
    roles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class CellsWorkspace:
    """A workspace and its root node ids."""

    uuid: str
    slug: str
    label: str
    scope: str
    roots: tuple[str, ...]

    @property
    def name(self) -> str:
        """How reports name it."""
        return self.slug or self.label or self.uuid


Locate = Callable[[str, str], Location | None]
"""``(node id, user login) -> place``; per user for template nodes, None when unknown."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CellsView:
    """A place a Cells user reaches through one workspace: the root and the nodes below it
    that carry rights for the user (place, read/write/deny bits, role), shallow first."""

    location: Location
    workspace: str
    aliases: tuple[str, ...]
    nodes: tuple[tuple[Location, int, str], ...]

    def names(self) -> tuple[str, ...]:
        """What an accept rule's ``workspace`` may match: slug, label, Uuid."""
        return self.aliases

    def _chain(self, place: Location) -> list[tuple[Location, int, str]]:
        return [n for n in self.nodes if n[0].contains(place)]

    def at(self, place: Location) -> int:
        """Deny anywhere on the chain hides; else the deepest node with rights decides."""
        if len(self.nodes) == 1:  # the common case: rights on the root only
            where, bits, _ = self.nodes[0]
            return NONE if bits & DENY or not where.contains(place) else bits & RW
        chain = self._chain(place)
        if any(bits & DENY for _, bits, _ in chain):
            return NONE
        return chain[-1][1] & RW if chain else NONE

    def via(self, place: Location) -> str:
        """``workspace <slug>: <rights> via role <label>`` of the node that decides."""
        chain = self._chain(place)
        denied = [n for n in chain if n[1] & DENY]
        node = denied[0] if denied else (chain[-1] if chain else None)
        if node is None:
            return f"workspace {self.workspace}: nothing"
        where = "" if node[0] == self.location else f" on {node[0].relative_to(self.location)}"
        what = "deny" if node[1] & DENY else right_text(node[1])
        return f"workspace {self.workspace}: {what}{where} via role {node[2]}"

    def checkpoints(self) -> tuple[Location, ...]:
        """The root and every node with rights."""
        if len(self.nodes) == 1 and self.nodes[0][0] == self.location:
            return (self.location,)
        return tuple(sorted({self.location, *(n[0] for n in self.nodes)}))


@dataclass(slots=True, kw_only=True)
class CellsModel:
    """Everything read from Cells that resolution needs (``cells_read.py`` fills it)."""

    workspaces: dict[str, CellsWorkspace] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)  # group path -> Uuid (= its role)
    roles: dict[str, CellsRole] = field(default_factory=dict)  # non-user roles
    auto: tuple[CellsRole, ...] = ()  # roles with AutoApplies, in the server's order
    acls: dict[str, RoleAcls] = field(default_factory=dict)  # non-user roles' ACLs
    locate: Locate = lambda _node, _login: None
    templates: frozenset[str] = frozenset()  # template (virtual) node ids: per-user roots
    _roots: dict[Location, list[CellsWorkspace]] = field(default_factory=dict)
    _template_roots: list[tuple[str, CellsWorkspace]] = field(default_factory=list)
    _fixed_cache: dict[str, tuple[Location | None, list[tuple[str, Location]]]] = field(
        default_factory=dict
    )

    def index_roots(self) -> None:
        """Index workspace roots by place (template roots are per user)."""
        self._roots.clear()
        self._template_roots.clear()
        self._fixed_cache.clear()
        for ws in self.workspaces.values():
            for root in ws.roots:
                if root in self.templates:
                    self._template_roots.append((root, ws))
                elif (fixed := self.locate(root, "")) is not None:
                    self._roots.setdefault(fixed, []).append(ws)

    def stack(self, user: CellsUser) -> list[str]:
        """The user's role Uuids in resolution order (module docstring)."""
        ids: list[str] = [] if user.profile == SHARED_PROFILE else [ROOT_GROUP]
        parts = [p for p in user.group_path.split("/") if p]
        for i in range(1, len(parts) + 1):
            uuid = self.groups.get("/" + "/".join(parts[:i]))
            if uuid:
                ids.append(uuid)
        auto = [r.uuid for r in self.auto if user.profile in r.auto_applies]
        ids += auto + [r for r in user.roles if r not in auto]
        ids.append(user.uuid)
        return ids

    def label(self, role_id: str, user: CellsUser) -> str:
        """A role's label for reports."""
        if role_id == user.uuid:
            return f"user {user.login}"
        role = self.roles.get(role_id)
        return role.label if role is not None and role.label else role_id

    def views(self, user: CellsUser, own: RoleAcls) -> list[CellsView]:
        """Every place the user reaches, one view per workspace (``own``: the user role's ACLs).

        A node with read or write that cannot be placed is a view of its own at
        ``unplaced:/<node>``: its rights are shown (as widened), never dropped."""
        winners: dict[str, dict[str, tuple[int, int, str]]] = {}
        for index, role_id in enumerate(self.stack(user)):
            acls = own if role_id == user.uuid else self.acls.get(role_id, {})
            for (node, wid), bits in acls.items():
                winners.setdefault(node, {})[wid] = (index, bits, role_id)
        placed: dict[str, Location] = {}
        found: dict[tuple[str, Location], list[str]] = {}  # (workspace Uuid, root) -> nodes
        personal = self._personal_roots(user)
        views: list[CellsView] = []
        for node, by_ws in winners.items():
            if node in self.templates:
                place = self.locate(node, user.login)
                pairs = self._containing(place, personal) if place is not None else []
            else:
                place, pairs = self._fixed(node)
            if place is None:
                views.extend(self._unplaced(user, node, by_ws))
                continue
            placed[node] = place
            for pair in pairs:
                found.setdefault(pair, []).append(node)
        for (uuid, root), nodes in found.items():
            view = self._view(user, self.workspaces[uuid], root, nodes, winners, placed)
            if view is not None:
                views.append(view)
        return views

    def _unplaced(
        self, user: CellsUser, node: str, by_ws: Mapping[str, tuple[int, int, str]]
    ) -> list[CellsView]:
        _, bits, role_id = max(by_ws.values())
        if not bits & RW or bits & DENY:
            return []
        place = Location(UNPLACED, "/" + node)
        names = tuple(sorted(w for w in by_ws if w))
        return [
            CellsView(
                location=place,
                workspace=f"(node {node}, not located)",
                aliases=names,
                nodes=((place, bits, self.label(role_id, user)),),
            )
        ]

    def _fixed(self, node: str) -> tuple[Location | None, list[tuple[str, Location]]]:
        """A node's place and the workspaces containing it (the same for every user: cached)."""
        cached = self._fixed_cache.get(node)
        if cached is None:
            place = self.locate(node, "")
            pairs = self._containing(place, {}) if place is not None else []
            cached = self._fixed_cache[node] = (place, pairs)
        return cached

    def _personal_roots(self, user: CellsUser) -> dict[Location, list[CellsWorkspace]]:
        personal: dict[Location, list[CellsWorkspace]] = {}
        for node, ws in self._template_roots:
            place = self.locate(node, user.login)
            if place is not None:
                personal.setdefault(place, []).append(ws)
        return personal

    def _containing(
        self, place: Location, personal: Mapping[Location, list[CellsWorkspace]]
    ) -> list[tuple[str, Location]]:
        """``(workspace Uuid, root)`` of every workspace whose root contains ``place``."""
        return [
            (ws.uuid, anc)
            for anc in place.lineage()
            for index in (self._roots, personal)
            for ws in index.get(anc, ())
        ]

    def _view(
        self,
        user: CellsUser,
        ws: CellsWorkspace,
        root: Location,
        inside: Iterable[str],
        winners: Mapping[str, Mapping[str, tuple[int, int, str]]],
        placed: Mapping[str, Location],
    ) -> CellsView | None:
        nodes: list[tuple[Location, int, str]] = []
        for node in inside:
            by_ws = winners[node]
            here, anywhere = by_ws.get(ws.uuid), by_ws.get("")
            best = here if anywhere is None else anywhere if here is None else max(here, anywhere)
            if best is not None:
                nodes.append((placed[node], best[1], self.label(best[2], user)))
        if not any(bits & RW for _, bits, _ in nodes):
            return None
        if len(nodes) > 1:
            nodes.sort(key=lambda n: (n[0].path.count("/"), n[0].path))
        return CellsView(
            location=root,
            workspace=ws.name,
            aliases=(ws.slug, ws.label, ws.uuid),
            nodes=tuple(nodes),
        )


def by_login(users: Sequence[CellsUser]) -> dict[str, CellsUser]:
    """``{login: user}``."""
    return {u.login: u for u in users}
