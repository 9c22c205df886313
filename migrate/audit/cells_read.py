"""Read the live Cells for the audit, through a read-only client (never writes).

What is read, and how a node becomes a place (``locations.py``):

* datasources (``GET /a/config/datasource``): a LOCAL one is ``file:<folder>``, an S3 one
  ``s3:/<bucket>/<base folder>``; the datasource the ``my-files`` template resolves into
  (``GET /a/config/virtualnodes``: ``DataSources.personal + "/" + User.Name``) is
  ``personal:/``, and a template node is ``personal:/<login>`` for each user;
* workspaces (``POST /a/workspace``) and every workspace root from the ``workspace-path``
  ACLs Cells writes on each root (cells-v3-behaviour.md §5): the admin's search is
  policy-filtered and misses other users' cells and links (§Shares), the ACLs do not;
* sub-folder nodes: root paths, then a stat of the sub-folders the legacy side names
  (mask paths), then — for any other node an ACL names — a stat by Uuid; a node still
  unknown is reported (its rights cannot be placed), never dropped silently;
* groups, non-user roles (``{"IsUserRole": true, "not": true}``) and their ACLs (by
  RoleIDs, in batches); users (paged) and, later and batch by batch, their own roles' ACLs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from migrate.audit.cells_access import (
    CellsModel,
    CellsRole,
    CellsUser,
    CellsWorkspace,
    RoleAcls,
    acl_bits,
    add_acl,
)
from migrate.audit.locations import Location, clean_path
from migrate.cells.client import CellsClient
from migrate.cells.models import ACL, Workspace
from migrate.cells.models import _assigned as assigned_role  # one home for "assigned"
from migrate.cells.storage import DataSource, Node
from migrate.errors import CellsHTTPError, CellsNotFound
from migrate.progress import Progress

log = logging.getLogger(__name__)

ROLE_BATCH = 500  # RoleIDs per ACL search (one SQL IN on Cells' side), as plan reads them
USER_PAGE = 500
PERSONAL_TEMPLATE = "my-files"  # personal-files-template.yaml: Cells' per-user folder node
DATASOURCE_PREFIX = "DATASOURCE:"
ROOT_PATH_ACTION = "workspace-path"
HIDDEN = "hidden"
ANON_PROFILE = "anon"
_RESOLUTION = re.compile(r"DataSources\.(\w+)\s*\+\s*\"/\"\s*\+\s*User\.Name")


@dataclass(slots=True, kw_only=True)
class NodeLocator:
    """Places of Cells nodes: datasources, per-user templates, known folder Uuids."""

    datasources: dict[str, Location] = field(default_factory=dict)
    templates: dict[str, Location] = field(default_factory=dict)  # node id -> base place
    folders: dict[str, Location] = field(default_factory=dict)  # node Uuid -> place
    lookup: Callable[[str], Location | None] = lambda _uuid: None
    unknown: set[str] = field(default_factory=set)

    def locate(self, node: str, login: str) -> Location | None:
        """The place of ``node`` for ``login`` (template nodes are per user)."""
        if node.startswith(DATASOURCE_PREFIX):
            return self.datasources.get(node[len(DATASOURCE_PREFIX) :])
        base = self.templates.get(node)
        if base is not None:
            return base.join(login) if login else None
        place = self.folders.get(node)
        if place is None and node not in self.unknown:
            place = self.lookup(node)
            if place is None:
                self.unknown.add(node)
            else:
                self.folders[node] = place
        return place

    def place_of_path(self, admin_path: str) -> Location | None:
        """``<datasource>/<sub>`` (admin tree path) → place."""
        name, _, sub = admin_path.strip("/").partition("/")
        base = self.datasources.get(name)
        return base.join(sub) if base is not None else None

    def admin_path(self, place: Location) -> str | None:
        """The admin tree path of a place inside a known datasource (longest root wins)."""
        best: tuple[str, Location] | None = None
        for name, root in self.datasources.items():
            if root.contains(place) and (best is None or len(root.path) > len(best[1].path)):
                best = (name, root)
        if best is None:
            return None
        rest = place.relative_to(best[1]).strip("/")
        return f"{best[0]}/{rest}" if rest else best[0]


def datasource_place(ds: DataSource, personal: str) -> Location:
    """Where a datasource's files are (module docstring)."""
    if ds.name == personal:
        return Location("personal", "/")
    if ds.storage_type.upper() == "S3":
        return Location("s3", clean_path(f"/{ds.objects_bucket}/{ds.objects_base_folder}"))
    if ds.folder:
        return Location("file", clean_path(ds.folder))
    return Location("cells", "/" + ds.name)  # a folder Cells does not disclose


@dataclass(slots=True, kw_only=True)
class CellsSnapshot:
    """The model plus the users, and what could not be read as wished."""

    model: CellsModel
    users: list[CellsUser]
    locator: NodeLocator
    version: str = ""
    notes: list[str] = field(default_factory=list)


def read_snapshot(client: CellsClient, *, progress: Progress) -> CellsSnapshot:
    """Read everything but the users' own ACLs (see :func:`user_acls`) and the sub-folders
    the legacy side names (see :func:`place_candidates`).

    Raises ``CellsError`` when Cells cannot be read.
    """
    version = client.server_version().version
    workers = max(1, client.config.concurrency)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="audit-read") as pool:
        progress.start("reading Cells", None)
        f_ds = pool.submit(client.list_datasources)
        f_vn = pool.submit(client.virtual_nodes)
        f_ws = pool.submit(client.search_workspaces)
        f_people = pool.submit(read_users, client)
        f_groups = pool.submit(client.list_groups)
        f_roles = pool.submit(client.search_roles, [{"IsUserRole": True, "not": True}])
        f_paths = pool.submit(client.search_acls, actions=[ROOT_PATH_ACTION])
        locator = _locator(client, f_ds.result(), f_vn.result())
        roles = f_roles.result()
        model = CellsModel(
            groups={g.path: g.uuid for g in f_groups.result()},
            roles={
                r.uuid: CellsRole(uuid=r.uuid, label=r.label, auto_applies=r.auto_applies)
                for r in roles
            },
        )
        model.auto = tuple(model.roles[r.uuid] for r in roles if r.auto_applies)
        model.workspaces = _workspaces(f_ws.result(), f_paths.result(), locator)
        model.acls = role_acls(client, pool, sorted(model.roles), progress)
        users, notes = f_people.result()
        progress.finish()
    model.locate = locator.locate
    model.templates = frozenset(locator.templates)
    model.index_roots()
    log.info(
        "read Cells %s: %d workspaces, %d users, %d roles, %d groups",
        version or "?",
        len(model.workspaces),
        len(users),
        len(model.roles),
        len(model.groups),
    )
    return CellsSnapshot(model=model, users=users, locator=locator, version=version, notes=notes)


def _locator(
    client: CellsClient, datasources: Sequence[DataSource], virtual: Iterable[Node]
) -> NodeLocator:
    resolution: dict[str, str] = {}
    for node in virtual:
        found = _RESOLUTION.search(dict(node.meta).get("resolution", ""))
        if found:
            resolution[node.uuid] = found.group(1)
    personal = resolution.get(PERSONAL_TEMPLATE, "personal")
    places = {ds.name: datasource_place(ds, personal) for ds in datasources}
    templates = {
        node: places.get(ds, Location("cells", "/" + ds)) for node, ds in resolution.items()
    }
    return NodeLocator(
        datasources=places,
        templates=templates,
        lookup=lambda uuid: _stat_uuid(client, uuid, places),
    )


def _stat_uuid(client: CellsClient, uuid: str, places: dict[str, Location]) -> Location | None:
    """The place of a node known only by Uuid (``/a/tree/admin/stat`` with ``Node.Uuid``)."""
    try:
        data = client.transport.call("POST", "/a/tree/admin/stat", body={"Node": {"Uuid": uuid}})
    except CellsNotFound:
        return None
    except CellsHTTPError as exc:
        if exc.status == 500:  # "Node <uuid> Not found in tree!" (tree-stat-missing.yaml)
            return None
        raise
    node = data.get("Node") if isinstance(data, dict) else None
    path = str(node.get("Path") or "") if isinstance(node, dict) else ""
    name, _, sub = path.strip("/").partition("/")
    base = places.get(name)
    return base.join(sub) if base is not None and path else None


def _workspaces(
    found: Sequence[Workspace], roots: Sequence[ACL], locator: NodeLocator
) -> dict[str, CellsWorkspace]:
    """Workspaces by Uuid: the admin's search, plus any other root the ACLs show."""
    out: dict[str, CellsWorkspace] = {}
    for ws in found:
        for root in ws.roots:
            _learn(locator, root.uuid, root.path)
        out[ws.uuid] = CellsWorkspace(
            uuid=ws.uuid,
            slug=ws.slug,
            label=ws.label,
            scope=ws.scope,
            roots=tuple(r.uuid for r in ws.roots),
        )
    extra: dict[str, list[str]] = {}
    for acl in roots:
        _learn(locator, acl.node_id, acl.value)
        if acl.workspace_id and acl.workspace_id not in out:
            extra.setdefault(acl.workspace_id, []).append(acl.node_id)
    for uuid, nodes in extra.items():
        # Other users' cells and links: not readable by the admin, known by their roots.
        label = f"(shared workspace {uuid})"
        out[uuid] = CellsWorkspace(uuid=uuid, slug="", label=label, scope="", roots=tuple(nodes))
    return out


def _learn(locator: NodeLocator, node: str, path: str) -> None:
    if not node or node.startswith(DATASOURCE_PREFIX) or node in locator.templates:
        return
    if node not in locator.folders and path and not path.startswith("uuid:"):
        place = locator.place_of_path(path)
        if place is not None:
            locator.folders[node] = place


def place_candidates(
    client: CellsClient, snapshot: CellsSnapshot, candidates: Iterable[Location]
) -> None:
    """Stat the sub-folders the legacy side names (mask paths) so that Cells ACLs on them
    can be placed; only in datasources that exist (a stat of a missing datasource blocks
    ~42 s). Call before resolving users."""
    with ThreadPoolExecutor(max_workers=max(1, client.config.concurrency)) as pool:
        _stat_candidates(client, pool, snapshot.locator, candidates)
    snapshot.model.index_roots()  # forget places cached before these folders were known


def _stat_candidates(
    client: CellsClient,
    pool: ThreadPoolExecutor,
    locator: NodeLocator,
    candidates: Iterable[Location],
) -> None:
    known = set(locator.folders.values())
    paths = sorted(
        {p for c in candidates if c not in known and (p := locator.admin_path(c)) and "/" in p}
    )

    def stat(path: str) -> tuple[str, str]:
        node = client.stat_node(path)
        return path, node.uuid if node is not None else ""

    for path, uuid in pool.map(stat, paths):
        place = locator.place_of_path(path)
        if uuid and place is not None:
            locator.folders.setdefault(uuid, place)


def _batches(items: Sequence[str], size: int) -> list[Sequence[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _acls_of(client: CellsClient, role_ids: Sequence[str]) -> dict[str, RoleAcls]:
    """The read/write/deny ACLs of ``role_ids`` (``POST /a/acl`` by RoleIDs), by role.

    Kept as raw answers, not ``ACL`` objects: 1.4 million of them at 100,000 users."""
    body = {"Queries": [{"RoleIDs": list(role_ids)}]}
    data = client.transport.call("POST", "/a/acl", body=body)
    rows = data.get("ACLs") if isinstance(data, Mapping) else None
    table: dict[str, RoleAcls] = {}
    for row in rows or ():
        action = row.get("Action") or {}
        bits = acl_bits(str(action.get("Name") or ""), str(action.get("Value") or ""))
        if bits:
            role, node = str(row.get("RoleID") or ""), str(row.get("NodeID") or "")
            add_acl(table, role, node, str(row.get("WorkspaceID") or ""), bits)
    return table


def role_acls(
    client: CellsClient, pool: ThreadPoolExecutor, role_ids: Sequence[str], progress: Progress
) -> dict[str, RoleAcls]:
    """The read/write/deny ACLs of ``role_ids``, by role (``RoleAcls``)."""
    table: dict[str, RoleAcls] = {}
    for part in pool.map(lambda b: _acls_of(client, b), _batches(role_ids, ROLE_BATCH)):
        table.update(part)
        progress.update(len(part))
    return table


def user_acls(
    client: CellsClient, pool: ThreadPoolExecutor, users: Sequence[CellsUser], *, ahead: int = 4
) -> Iterator[tuple[Sequence[CellsUser], dict[str, RoleAcls]]]:
    """Users in batches with their own roles' ACLs; up to ``ahead`` batches read in advance."""
    batches = [users[i : i + ROLE_BATCH] for i in range(0, len(users), ROLE_BATCH)]

    def read(batch: Sequence[CellsUser]) -> dict[str, RoleAcls]:
        return _acls_of(client, [u.uuid for u in batch])

    pending = [pool.submit(read, b) for b in batches[:ahead]]
    for index, batch in enumerate(batches):
        table = pending[index].result()
        if index + ahead < len(batches):
            pending.append(pool.submit(read, batches[index + ahead]))
        yield batch, table


def read_users(client: CellsClient) -> tuple[list[CellsUser], list[str]]:
    """Every user (paged ``POST /a/user``), with what the stack needs only, and notes.

    Read as raw answers rather than ``User`` objects: at 100,000 users, building the full
    objects (policies included) doubled the client's CPU time (bench/README.md, audit).
    Link users (``hidden``) and Cells' anonymous account are left out, with a note.
    """
    users: list[CellsUser] = []
    skipped = {"hidden": 0, "anon": 0}
    query = {"Queries": [{"NodeType": "USER"}]}
    for _, item in client._paged("/a/user", query, ("Users",), USER_PAGE):  # the client's paging
        attributes = item.get("Attributes")
        attributes = attributes if isinstance(attributes, Mapping) else {}
        profile = str(attributes.get("profile") or "")
        if attributes.get(HIDDEN) == "true":
            skipped["hidden"] += 1
        elif profile == ANON_PROFILE:
            skipped["anon"] += 1
        else:
            roles = [r for r in item.get("Roles") or () if isinstance(r, Mapping)]
            users.append(
                CellsUser(
                    login=str(item.get("Login") or ""),
                    uuid=str(item.get("Uuid") or ""),
                    group_path=str(item.get("GroupPath") or "/"),
                    profile=profile,
                    roles=tuple(str(r.get("Uuid")) for r in roles if assigned_role(r, profile)),
                )
            )
    notes = []
    if skipped["anon"]:
        notes.append(f"{skipped['anon']} Cells anonymous account(s) (profile anon) not compared")
    if skipped["hidden"]:
        notes.append(f"{skipped['hidden']} Cells link user(s) (hidden) compared as links")
    return sorted(users, key=lambda u: u.login), notes
