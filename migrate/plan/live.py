"""Read the live Cells state a plan compares against (read-only, paged, concurrent).

``read_live`` is the only I/O of ``plan`` (besides the plan file): it reads, through a
read-only client, what the desired state could touch, and returns a frozen
:class:`LiveState` that the differs compare without further requests.

Order (cells-v3-behaviour.md, DESIGN.md "Real-Cells facts"):

1. in parallel: datasources, workspaces, groups, users (paged), the desired roles (by Uuid,
   in batches);
2. in parallel: the Uuids of sub-folder roots — only on datasources that exist already (a
   stat of a missing datasource blocks ~42 s) — and the ACLs of the roles the desired ACLs
   name (by RoleIDs, in batches).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from migrate.cells.client import CellsClient
from migrate.cells.models import ACL, Group, Role, User, Workspace
from migrate.cells.storage import DataSource
from migrate.errors import DatasourceNotServed
from migrate.mapping.desired import DesiredState, NodeKind, NodeRef
from migrate.plan.actions import Stage
from migrate.plan.resolve import Resolver
from migrate.progress import Progress

log = logging.getLogger(__name__)

ROLE_BATCH = 100
ACL_ROLE_BATCH = 500  # RoleIDs per ACL search (one SQL IN on Cells' side)
USER_PAGE = 500
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveState:
    """What Cells holds, as far as the plan needs it. ``password_digests`` (login → digest
    of the hash stored in Cells' user table) is only known when the caller read it."""

    version: str = ""
    datasources: tuple[DataSource, ...] = ()
    workspaces: tuple[Workspace, ...] = ()
    groups: tuple[Group, ...] = ()
    roles: tuple[Role, ...] = ()
    users: tuple[User, ...] = ()
    acls: tuple[ACL, ...] = ()
    folders: tuple[tuple[str, str], ...] = ()  # resolved sub-folder path -> node Uuid
    password_digests: tuple[tuple[str, str], ...] = ()


def _batches(items: Sequence[_T], size: int) -> list[Sequence[_T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _gather(
    pool: ThreadPoolExecutor, jobs: Iterable[Callable[[], list[_T]]], progress: Progress
) -> list[_T]:
    futures = [pool.submit(job) for job in jobs]
    out: list[_T] = []
    for future in futures:
        found = future.result()
        out.extend(found)
        progress.update(len(found))
    return out


def read_live(
    client: CellsClient,
    desired: DesiredState,
    *,
    stages: Sequence[Stage] = (),
    progress: Progress,
    password_digests: Iterable[tuple[str, str]] = (),
) -> LiveState:
    """Read the live state for ``desired`` (every stage, or those in ``stages``).

    Raises ``CellsError`` when Cells cannot be read (a plan without the live state would be
    wrong); never writes — pass a client opened with ``read_only=True``.
    """
    wanted = set(stages) or set(Stage)
    version = client.server_version()
    workers = max(1, client.config.concurrency)
    role_ids = sorted({r.uuid for r in desired.roles})
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="plan-read") as pool:
        progress.start("reading Cells", None)
        f_ds = pool.submit(client.list_datasources)
        f_ws = pool.submit(client.search_workspaces)
        f_people = pool.submit(client.search_people, [{"NodeType": "USER"}], page=USER_PAGE)
        f_groups = pool.submit(client.list_groups)
        roles = _gather(
            pool,
            (_role_batch(client, batch) for batch in _batches(role_ids, ROLE_BATCH)),
            progress,
        )
        datasources = f_ds.result()
        workspaces = f_ws.result()
        users = f_people.result()[0]
        groups = f_groups.result()
        progress.update(len(datasources) + len(workspaces) + len(users) + len(groups))
        folders = _read_folders(client, pool, desired, {d.name for d in datasources})
        acls: list[ACL] = []
        if Stage.ACLS in wanted:
            resolver = Resolver.build(desired, users=users, groups=groups, folders=folders)
            acl_roles = sorted({resolver.role_id(a.role) or "" for a in desired.acls} - {""})
            acls = _gather(
                pool,
                (_acl_batch(client, b) for b in _batches(acl_roles, ACL_ROLE_BATCH)),
                progress,
            )
        progress.finish()
    log.info(
        "read Cells %s: %d datasources, %d workspaces, %d groups, %d users, %d roles, %d ACLs",
        version.version or "?",
        len(datasources),
        len(workspaces),
        len(groups),
        len(users),
        len(roles),
        len(acls),
    )
    return LiveState(
        version=version.version,
        datasources=tuple(sorted(datasources, key=lambda d: d.name)),
        workspaces=tuple(sorted(workspaces, key=lambda w: w.uuid)),
        groups=tuple(sorted(groups, key=lambda g: g.path)),
        roles=tuple(sorted(roles, key=lambda r: r.uuid)),
        users=tuple(sorted(users, key=lambda u: u.login)),
        acls=tuple(sorted(acls, key=lambda a: (a.role_id, a.workspace_id, a.node_id, a.action))),
        folders=tuple(sorted(folders.items())),
        password_digests=tuple(sorted(password_digests)),
    )


def _role_batch(client: CellsClient, ids: Sequence[str]) -> Callable[[], list[Role]]:
    def job() -> list[Role]:
        return [r for r in client.search_roles([{"Uuid": list(ids)}]) if r.uuid in set(ids)]

    return job


def _acl_batch(client: CellsClient, role_ids: Sequence[str]) -> Callable[[], list[ACL]]:
    def job() -> list[ACL]:
        return client.search_acls(role_ids=role_ids)

    return job


def folder_refs(desired: DesiredState) -> list[NodeRef]:
    """Every sub-folder node of the desired state (workspace roots and ACL nodes)."""
    nodes = [n for w in desired.workspaces for n in w.root_nodes]
    nodes += [a.node for a in desired.acls]
    return [n for n in nodes if n.kind is NodeKind.FOLDER and n.uuid is None]


def _read_folders(
    client: CellsClient, pool: ThreadPoolExecutor, desired: DesiredState, live_ds: set[str]
) -> dict[str, str]:
    """Stat the sub-folders whose datasource exists (never the others: ~42 s block). A
    datasource Cells does not serve (yet) leaves its folders unresolved: apply waits for it
    and reports it, the plan shows their ACLs and workspaces as to be created."""
    paths = sorted({n.path for n in folder_refs(desired) if n.path.split("/", 1)[0] in live_ds})
    unserved: set[str] = set()
    lock = threading.Lock()

    def stat(path: str) -> tuple[str, str]:
        name = path.split("/", 1)[0]
        with lock:
            if name in unserved:
                return path, ""
        try:
            node = client.stat_node(path)
        except DatasourceNotServed as exc:
            with lock:
                if name not in unserved:
                    log.warning("datasource %s is not served by Cells: %s", name, exc.message)
                unserved.add(name)
            return path, ""
        return path, node.uuid if node is not None else ""

    return {path: uuid for path, uuid in pool.map(stat, paths) if uuid}
