"""Datasources, their asynchronous indexing and the resync job (cells-v3-behaviour.md §4,
recordings README "Object services, missing nodes, S3").

A structured LOCAL datasource is indexed ``index_delay_s`` after its creation (or resync):
its real folder is walked read-only and every entry gets a node Uuid. The emulator never
writes into a LOCAL folder (the real Cells writes ``.pydio`` files; we only report that),
except to create it when asked (``StorageConfiguration.create: "true"``, as Cells does).
An S3 datasource is indexed through the S3 API (:mod:`.s3bucket`).

Two tables, as on Cells: the config entries (``GET /a/config/datasource/{name}``) and the
list of sources (``GET /a/config/datasource``, and what ``DELETE`` looks names up in). A
create Cells "loses" (two creates sent together, recorded) keeps its entry but is not in
the list: ``lose_datasource_creates`` makes the next creates behave so, since the emulator
handles one request at a time and cannot lose one by itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass

from migrate.cells.emulator import s3bucket
from migrate.cells.emulator.answers import JSON, Answer, ApiError, Call, bad_request_500
from migrate.cells.emulator.objects import Service, gateway_service, local_service
from migrate.cells.emulator.records import DataSource, Job, Node, Task
from migrate.cells.emulator.store import Store

NAME_RE = re.compile(r"^[0-9a-z]*$")  # cells-api.md §1.2
CANNOT_FIND = "Cannot find datasource!"


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
            if ds.storage == "S3":
                _index_s3(store, ds)
            else:
                entries = walk(ds.folder) if ds.folder and os.path.isdir(ds.folder) else []
                apply_index(store, ds, entries)
        if ds.finish_due is not None and ds.finish_due <= now and ds.index_due is None:
            finish_task(store, ds)


def s3_target(ds: DataSource) -> s3bucket.S3Target:
    """The bucket of an S3 datasource, with the keys it was created with."""
    conf = ds.body.get("StorageConfiguration") or {}
    region = str(conf.get("customRegion") or "") if isinstance(conf, dict) else ""
    return s3bucket.S3Target(
        endpoint=ds.endpoint,
        region=region,
        bucket=str(ds.body.get("ObjectsBucket") or ""),
        key=str(ds.body.get("ApiKey") or ""),
        secret=ds.secret,
    )


def _index_s3(store: Store, ds: DataSource) -> None:
    """List the bucket, give every entry a node, write the ``.pydio`` markers Cells writes."""
    target = s3_target(ds)
    try:
        entries = s3bucket.list_bucket(target)
        apply_index(
            store,
            ds,
            [Entry(rel=e.rel, is_dir=e.is_dir, size=e.size, mtime=e.mtime) for e in entries],
        )
        folders = [("", f"DATASOURCE:{ds.name}")]
        folders += [(e.rel, store.t.nodes[f"{ds.name}/{e.rel}"].uuid) for e in entries if e.is_dir]
        if s3bucket.write_markers(target, folders):
            entries = s3bucket.list_bucket(target)
            apply_index(
                store,
                ds,
                [Entry(rel=e.rel, is_dir=e.is_dir, size=e.size, mtime=e.mtime) for e in entries],
            )
    except s3bucket.S3Unavailable as exc:
        unserve(store, ds, str(exc))


def unserve(store: Store, ds: DataSource, reason: str) -> None:
    """Cells never serves this datasource: no root, no resync job (recorded ``{}``)."""
    ds.unserved = reason or "not served"
    ds.index_due = ds.finish_due = None
    store.drop_nodes(ds.name)
    store.t.jobs.pop(f"resync-ds-{ds.name}", None)


def start_resync(store: Store, ds: DataSource) -> None:
    """Queue the ``resync-ds-<name>`` job: a Running task, finished after the delay."""
    if ds.unserved:
        return  # its sync service never registers: no job (recorded ``{}``)
    job_id = f"resync-ds-{ds.name}"
    job = store.t.jobs.setdefault(
        job_id,
        Job(
            id=job_id, label=f"Sync DataSource {ds.name}", service=f"pydio.grpc.data.sync.{ds.name}"
        ),
    )
    message = "Pending" if ds.storage == "S3" else "Starting"  # as recorded for each
    job.tasks.append(
        Task(id=store.new_uuid(), status="Running", message=message, start=store.now())
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


def _missing(folder: str) -> ApiError:
    """Cells' answer for a folder that does not exist: an embedded JSON error as Title."""
    text = json.dumps(
        {"id": "", "code": 0, "detail": f"stat {folder}: no such file or directory", "status": ""},
        separators=(",", ":"),
    )
    return ApiError(500, text, f"Not Found: {text}")


def _validate_local(body: JSON) -> str:
    """Cells' folder checks, in the recorded order: two levels, exists (or ``create``),
    parent writable. Returns the folder."""
    conf = body.get("StorageConfiguration") or {}
    folder = str(conf.get("folder") or "") if isinstance(conf, dict) else ""
    if not folder:
        raise _missing(folder)
    if len([p for p in folder.split("/") if p]) < 2:
        raise bad_request_500("please use at least a two-levels deep folder")
    if not os.path.exists(folder):
        if str(conf.get("create")) != "true":
            raise _missing(folder)
        os.makedirs(folder, mode=0o755, exist_ok=True)
    parent = os.path.dirname(folder.rstrip("/"))
    # Cells writes and removes a temporary file in the parent; the emulator only asks.
    if not os.access(parent, os.W_OK):
        text = f"Please make sure that parent folder ({parent}) is writeable by the application"
        raise ApiError(500, text, f"Forbidden: {text}")
    return folder


def _attach(store: Store, name: str, body: JSON, folder: str) -> Service:
    """The objects service of a (re-)created datasource, itself left out of the search."""
    old = store.t.datasources.pop(name, None)
    try:
        if body.get("StorageType") == "S3":
            return gateway_service(store, str(body.get("ApiKey") or ""), _endpoint(body))
        return local_service(store, folder)
    finally:
        if old is not None:
            store.t.datasources[name] = old


def _endpoint(body: JSON) -> str:
    conf = body.get("StorageConfiguration") or {}
    return str(conf.get("customEndpoint") or "") if isinstance(conf, dict) else ""


def post_datasource(store: Store, call: Call) -> Answer:
    """``POST /a/config/datasource/{Name}``: create or replace (the body's ``Name`` wins
    over the path), then index asynchronously."""
    body = call.json()
    name = str(body.get("Name") or call.params["name"])
    if not NAME_RE.match(name):
        raise ApiError(
            500, "datasource name contains an invalid character, please use alphanumeric characters"
        )
    s3 = body.get("StorageType") == "S3"
    folder = "" if s3 else _validate_local(body)
    service = _attach(store, name, body, folder)
    stored = dict(body, Name=name, ObjectsServiceName=service.name)
    # Each datasource gets its own secret (a vault reference in every answer, recorded).
    stored.update(ApiKey=service.api_key, ApiSecret=store.new_uuid())
    if not s3:
        stored["ObjectsBucket"] = os.path.basename(folder.rstrip("/"))
    ds = DataSource(
        name=name,
        body=stored,
        folder=folder,
        structured=not body.get("FlatStorage"),
        objects_service=service.name,
        secret=str(body.get("ApiSecret") or "") if s3 else "",
    )
    if not s3 and not os.path.isdir(folder):
        ds.unserved = f"{folder} is not a directory"  # recorded: 200, then never served
    if s3:
        _probe_s3(ds)
    _remember(store, ds)
    return Answer(body=render_ds(ds))


def _probe_s3(ds: DataSource) -> None:
    try:
        s3bucket.list_bucket(s3_target(ds))
    except s3bucket.S3Unavailable as exc:
        ds.unserved = str(exc)


def _remember(store: Store, ds: DataSource) -> None:
    """Store the entry, list it (unless this create is to be lost), start its indexing."""
    name = ds.name
    store.t.datasources[name] = ds
    settings = store.settings
    if name not in store.t.ds_list:
        if settings.lose_datasource_creates > 0:
            settings.lose_datasource_creates -= 1
        else:
            store.t.ds_list.append(name)
    deleted = store.t.ds_deleted_at.pop(name, None)
    quirk = settings.recreate_unserved_s
    if deleted is not None and quirk > 0 and store.clock() - deleted < quirk:
        ds.not_found_until = store.clock() + quirk
    if ds.unserved:
        store.drop_nodes(name)
        store.t.jobs.pop(f"resync-ds-{name}", None)
        return
    add_root(store, name)
    start_resync(store, ds)


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
    """``GET /a/config/datasource``: the sources list (a lost create is not in it)."""
    names = [n for n in store.t.ds_list if n in store.t.datasources]
    items = [render_ds(store.t.datasources[n]) for n in sorted(names)]
    return Answer(body={"DataSources": items, "Total": len(items)})


def delete_datasource(store: Store, call: Call) -> Answer:
    """Refused while a workspace has a root in it; 500 ``Cannot find datasource!`` for a
    name that is not in the list (even when GET finds it). The index keeps answering stats
    on the deleted datasource (recorded), so its nodes stay."""
    name = call.params["name"]
    for ws in store.t.workspaces.values():
        for key, value in ws.root_nodes.items():
            node = store.t.nodes_by_uuid.get(key)
            path = node.path if node else str(value.get("Path", ""))
            if name in store.t.datasources and (path == name or path.startswith(name + "/")):
                raise ApiError(
                    500,
                    "There are workspaces defined on this datasource, please "
                    "delete them before removing datasource",
                )
    if name not in store.t.ds_list or name not in store.t.datasources:
        raise ApiError(500, CANNOT_FIND)
    ds = store.t.datasources.pop(name)
    store.t.ds_list.remove(name)
    store.t.jobs.pop(f"resync-ds-{name}", None)
    store.t.ds_deleted_at[name] = store.clock()
    if ds.unserved:
        store.drop_nodes(name)
    return Answer(body={"Success": True})
