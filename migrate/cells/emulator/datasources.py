"""Datasources, their asynchronous indexing and the resync job (cells-v3-behaviour.md §4).

A structured LOCAL datasource is indexed ``index_delay_s`` after its creation (or resync):
its real folder is walked read-only and every entry gets a node Uuid. The emulator never
writes into the folder (the real Cells writes ``.pydio`` files; we only report that).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass

from migrate.cells.emulator.answers import JSON, Answer, ApiError, Call, bad_request_500
from migrate.cells.emulator.records import DataSource, Job, Node, Task
from migrate.cells.emulator.store import Store

NAME_RE = re.compile(r"^[0-9a-z]*$")  # cells-api.md §1.2
FIRST_OBJECTS_PORT = 9001


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One file or folder found under a datasource folder."""

    rel: str
    is_dir: bool
    size: int
    mtime: int


def walk(folder: str) -> list[Entry]:
    """List a folder recursively without writing anything; folder sizes are their totals."""
    entries: list[Entry] = []
    totals: dict[str, int] = {}
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        rel_root = os.path.relpath(root, folder)
        rel_root = "" if rel_root == "." else rel_root.replace(os.sep, "/")
        for name in sorted(files):
            st = os.stat(os.path.join(root, name), follow_symlinks=False)
            rel = f"{rel_root}/{name}" if rel_root else name
            entries.append(Entry(rel=rel, is_dir=False, size=st.st_size, mtime=int(st.st_mtime)))
            parts = rel.split("/")
            for i in range(len(parts)):
                key = "/".join(parts[:i])
                totals[key] = totals.get(key, 0) + st.st_size
        for name in dirs:
            st = os.stat(os.path.join(root, name), follow_symlinks=False)
            rel = f"{rel_root}/{name}" if rel_root else name
            entries.append(Entry(rel=rel, is_dir=True, size=0, mtime=int(st.st_mtime)))
    return [
        Entry(rel=e.rel, is_dir=True, size=totals.get(e.rel, 0), mtime=e.mtime) if e.is_dir else e
        for e in entries
    ]


def add_root(store: Store, name: str, size: int = 0) -> None:
    """The root node ``DATASOURCE:<name>`` (statable as soon as the index service is up)."""
    store.t.lingering_roots.discard(name)
    store.add_node(
        Node(uuid=f"DATASOURCE:{name}", path=name, is_dir=True, size=size, mtime=store.now())
    )


def apply_index(store: Store, ds: DataSource, entries: list[Entry]) -> None:
    """Give every walked entry a node (Uuids kept across resyncs) and finish the task."""
    keep = {n.path: n.uuid for p, n in store.t.nodes.items() if p.startswith(ds.name + "/")}
    store.drop_nodes(ds.name)
    add_root(store, ds.name, sum(e.size for e in entries if "/" not in e.rel))
    for e in entries:
        path = f"{ds.name}/{e.rel}"
        etag = hashlib.md5(f"{path}:{e.mtime}:{e.size}".encode()).hexdigest()  # noqa: S324
        store.add_node(
            Node(
                uuid=keep.get(path) or store.new_uuid(),
                path=path,
                is_dir=e.is_dir,
                size=e.size,
                mtime=e.mtime,
                etag=etag,
            )
        )
    ds.indexed, ds.index_due = True, None


def finish_task(store: Store, ds: DataSource) -> None:
    """Mark the last task of ``resync-ds-<name>`` Finished."""
    ds.finish_due = None
    job = store.t.jobs.get(f"resync-ds-{ds.name}")
    if job is not None and job.tasks:
        job.tasks[-1].status, job.tasks[-1].message = "Finished", "Complete"
        job.tasks[-1].end = store.now()


def tick(store: Store) -> None:
    """Progress every resync whose time has come (called before each request is handled).

    As recorded (datasource-readiness.yaml): sub-folders stat 200 after ~2 s while the task
    is still Running; it is Finished at ~4 s. So nodes appear after ``index_delay_s`` and
    the task finishes after twice that.
    """
    now = store.clock()
    for ds in store.t.datasources.values():
        if ds.index_due is not None and ds.index_due <= now:
            entries = walk(ds.folder) if ds.folder and os.path.isdir(ds.folder) else []
            apply_index(store, ds, entries)
        if ds.finish_due is not None and ds.finish_due <= now and ds.index_due is None:
            finish_task(store, ds)


def start_resync(store: Store, ds: DataSource) -> None:
    """Queue the ``resync-ds-<name>`` job: a Running task, finished after the delay."""
    job_id = f"resync-ds-{ds.name}"
    job = store.t.jobs.setdefault(
        job_id,
        Job(
            id=job_id, label=f"Sync DataSource {ds.name}", service=f"pydio.grpc.data.sync.{ds.name}"
        ),
    )
    job.tasks.append(
        Task(id=store.new_uuid(), status="Running", message="Starting", start=store.now())
    )
    ds.index_due = store.clock() + store.settings.index_delay_s
    ds.finish_due = store.clock() + 2 * store.settings.index_delay_s
    tick(store)


def render_ds(ds: DataSource) -> JSON:
    """A datasource as Cells writes it: zero values (LOCAL, CLEAR, false) left out."""
    zero = {"StorageType": "LOCAL", "EncryptionMode": "CLEAR"}
    return {
        k: v for k, v in ds.body.items() if v not in (None, "", 0, False, {}) and zero.get(k) != v
    }


def _validate(store: Store, name: str, body: JSON) -> str:
    """Cells' checks, in the recorded order; returns the folder."""
    if not NAME_RE.match(name):
        raise ApiError(
            500, "datasource name contains an invalid character, please use alphanumeric characters"
        )
    conf = body.get("StorageConfiguration") or {}
    folder = str(conf.get("folder") or "") if isinstance(conf, dict) else ""
    if (body.get("StorageType") or "LOCAL") != "LOCAL":
        return folder
    missing = json.dumps(
        {"id": "", "code": 0, "detail": f"stat {folder}: no such file or directory", "status": ""},
        separators=(",", ":"),
    )
    if not folder:
        raise ApiError(500, missing, f"Not Found: {missing}")
    if len([p for p in folder.split("/") if p]) < 2:
        raise bad_request_500("please use at least a two-levels deep folder")
    if not os.path.isdir(folder) and str(conf.get("create")) != "true":
        raise ApiError(500, missing, f"Not Found: {missing}")
    return folder


def _objects_service(store: Store, folder: str, port: int) -> tuple[str, int]:
    """One ``localN`` objects service per parent folder (``FactorizeMinioServers``)."""
    parent = os.path.dirname(folder.rstrip("/"))
    used: dict[str, tuple[str, int]] = {}
    for other in store.t.datasources.values():
        key = os.path.dirname(other.folder.rstrip("/"))
        used.setdefault(key, (other.objects_service, int(other.body.get("ObjectsPort") or 0)))
    if parent in used:
        return used[parent]
    names = {svc for svc, _ in used.values()}
    n = 1
    while f"local{n}" in names:
        n += 1
    return f"local{n}", port or FIRST_OBJECTS_PORT + n - 1


def post_datasource(store: Store, call: Call) -> Answer:
    """``POST /a/config/datasource/{Name}``: create or update, then index asynchronously."""
    body = call.json()
    name = str(body.get("Name") or call.params["name"])
    folder = _validate(store, name, body)
    old = store.t.datasources.get(name)
    stored = dict(body, Name=name)
    if old is None:
        service, port = _objects_service(store, folder, int(body.get("ObjectsPort") or 0))
        stored.update(
            ObjectsServiceName=service,
            ObjectsPort=port,
            # LOCAL: the folder's last segment (cells-api.md §1.2); S3 keeps its bucket.
            ObjectsBucket=body.get("ObjectsBucket")
            if body.get("StorageType") == "S3"
            else os.path.basename(folder.rstrip("/")),
            ApiKey=body.get("ApiKey") or store.new_hex(16),
            ApiSecret=body.get("ApiSecret") or store.new_uuid(),
        )
    else:
        for key in ("ObjectsServiceName", "ObjectsPort", "ObjectsBucket", "ApiKey", "ApiSecret"):
            stored[key] = old.body.get(key)
    ds = DataSource(
        name=name,
        body=stored,
        folder=folder,
        structured=not body.get("FlatStorage"),
        objects_service=str(stored["ObjectsServiceName"]),
    )
    store.t.datasources[name] = ds
    if old is None:
        add_root(store, name)
    start_resync(store, ds)
    return Answer(body=render_ds(ds))


def put_datasource(store: Store, call: Call) -> Answer:
    """The wrong verb hits another route on Cells 3 (datasource-structured-create.yaml)."""
    if "Name" in call.json():
        raise ApiError(500, 'unknown field "Name" in rest.Configuration')
    raise ApiError(500, "unknown field in rest.Configuration")


def get_datasource(store: Store, call: Call) -> Answer:
    """``GET /a/config/datasource/{Name}``; 404 ``unknown datasource [x]``."""
    ds = store.t.datasources.get(call.params["name"])
    if ds is None:
        raise ApiError(404, f"unknown datasource [{call.params['name']}]")
    return Answer(body=render_ds(ds))


def list_datasources(store: Store, call: Call) -> Answer:
    """``GET /a/config/datasource``."""
    items = [render_ds(store.t.datasources[n]) for n in sorted(store.t.datasources)]
    return Answer(body={"DataSources": items, "Total": len(items)})


def delete_datasource(store: Store, call: Call) -> Answer:
    """Refused while a workspace has a root in it; the index keeps answering stats (recorded)."""
    name = call.params["name"]
    if name not in store.t.datasources:
        raise ApiError(404, f"unknown datasource [{name}]")
    for ws in store.t.workspaces.values():
        for key, value in ws.root_nodes.items():
            node = store.t.nodes_by_uuid.get(key)
            path = node.path if node else str(value.get("Path", ""))
            if path == name or path.startswith(name + "/"):
                raise ApiError(
                    500,
                    "There are workspaces defined on this datasource, please "
                    "delete them before removing datasource",
                )
    del store.t.datasources[name]
    store.drop_nodes(name)
    store.t.jobs.pop(f"resync-ds-{name}", None)
    store.t.lingering_roots.add(name)
    return Answer(body={"Success": True})
