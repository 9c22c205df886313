"""Read the live Cells state a plan compares against (read-only, paged, concurrent).

``read_live`` is the only I/O of ``plan`` (besides the plan file): it reads, through a
read-only client, what the desired state could touch, and returns a frozen
:class:`~migrate.kinds.live_state.LiveState` that the differs compare without further
requests. What to read is each kind's business (``KindHandler.live_jobs``); the order
(cells-v3-behaviour.md, DESIGN.md "Real-Cells facts") is this module's:

1. in parallel: the reads of every kind that needs nothing read before (datasources,
   workspaces, groups, users paged, the desired roles by Uuid in batches);
2. the Uuids of sub-folder roots — only on datasources that exist already (a stat of a
   missing datasource blocks ~42 s);
3. in parallel: the reads of the kinds that need users, groups and folders
   (``reads_after_folders``: the ACLs of the roles the desired ACLs name, by RoleIDs in
   batches), when their stage is planned or they are not ``expensive``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

from migrate.cells.client import CellsClient
from migrate.errors import DatasourceNotServed
from migrate.kinds.base import LiveJob
from migrate.kinds.live_state import LiveState
from migrate.kinds.registry import AnyHandler, in_stage_order
from migrate.kinds.vocabulary import Stage
from migrate.mapping.desired import DesiredState, NodeKind, NodeRef
from migrate.progress import Progress

__all__ = ["LiveState", "folder_refs", "read_live"]

log = logging.getLogger(__name__)


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
    handlers = [h for h in in_stage_order() if h.stage in wanted or not h.expensive]
    first = [h for h in handlers if not h.reads_after_folders]
    later = [h for h in handlers if h.reads_after_folders]
    workers = max(1, client.config.concurrency)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="plan-read") as pool:
        progress.start("reading Cells", None)
        live = _read(pool, client, desired, LiveState(version=version.version), first, progress)
        served = {d.name for d in live.datasources}
        folders = _read_folders(client, pool, desired, served)
        live = replace(live, folders=tuple(sorted(folders.items())))
        live = _read(pool, client, desired, live, later, progress)
        progress.finish()
    log.info(
        "read Cells %s: %s",
        version.version or "?",
        ", ".join(f"{len(h.live(live))} {h.live_field}" for h in handlers if h.live_field),
    )
    return replace(live, password_digests=tuple(sorted(password_digests)))


def _read(
    pool: ThreadPoolExecutor,
    client: CellsClient,
    desired: DesiredState,
    known: LiveState,
    handlers: list[AnyHandler],
    progress: Progress,
) -> LiveState:
    """``known`` with the live objects of ``handlers``, their batches read concurrently."""
    submitted: list[tuple[AnyHandler, list[Future[list[object]]]]] = []
    for handler in handlers:
        jobs: list[LiveJob[object]] = handler.live_jobs(client, desired, known)
        submitted.append((handler, [pool.submit(job) for job in jobs]))
    found: dict[str, tuple[object, ...]] = {}
    for handler, futures in submitted:
        objects: list[object] = []
        for future in futures:
            batch = future.result()
            objects.extend(batch)
            progress.update(len(batch))
        if handler.live_field:
            found[handler.live_field] = tuple(sorted(objects, key=handler.live_order))
    return replace(known, **found)  # type: ignore[arg-type]


def folder_refs(desired: DesiredState) -> list[NodeRef]:
    """Every sub-folder node of the desired state (workspace roots, ACL nodes, shares)."""
    nodes = [n for w in desired.workspaces for n in w.root_nodes]
    nodes += [a.node for a in desired.acls]
    nodes += [link.root for link in desired.links]
    nodes += [cell.root for cell in desired.cells]
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
