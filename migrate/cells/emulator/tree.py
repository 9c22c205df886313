"""Admin tree (``/a/tree/admin/*``) and scheduler jobs (``/a/jobs/user``)."""

from __future__ import annotations

import json

from migrate.cells.emulator.answers import JSON, Answer, ApiError, Call, not_found
from migrate.cells.emulator.datasources import start_resync
from migrate.cells.emulator.fixtures import VIRTUAL_NODES
from migrate.cells.emulator.records import Node
from migrate.cells.emulator.search import page_args, to_int
from migrate.cells.emulator.store import Store


def _node_path(body: JSON) -> str:
    node = body.get("Node")
    path = str(node.get("Path") or "") if isinstance(node, dict) else ""
    return path.strip("/")


def _lookup(store: Store, path: str) -> Node:
    """The node at ``path``; a missing datasource is 500 like Cells (after an optional delay)."""
    ds = path.split("/", 1)[0]
    node = store.t.nodes.get(path)
    if node is not None:
        return node
    if ds not in store.t.datasources and not (ds in store.t.lingering_roots and path == ds):
        # datasource-readiness.yaml: 500 after ~42 s; the delay is configurable (default 0).
        raise ApiError(
            500, f"Could not find DataSource {ds}", delay_s=store.settings.missing_ds_stat_delay_s
        )
    if path == ds:
        return Node(uuid=f"DATASOURCE:{ds}", path=ds, is_dir=True)
    # cells-api.md §1.1: admin stat of a missing node answers 500 in v2-v4.
    raise ApiError(500, f"Cannot find node {path}", f"Not Found: Cannot find node {path}")


def admin_stat(store: Store, call: Call) -> Answer:
    """``POST /a/tree/admin/stat {"Node":{"Path"}}``."""
    return Answer(body={"Node": _lookup(store, _node_path(call.json())).render()})


def admin_list(store: Store, call: Call) -> Answer:
    """``POST /a/tree/admin/list``: children (or descendants with ``Recursive``)."""
    body = call.json()
    path = _node_path(body)
    if not path:
        roots = [
            store.t.nodes[n].render() for n in sorted(store.t.datasources) if n in store.t.nodes
        ]
        return Answer(body={"Children": roots + [dict(v) for v in VIRTUAL_NODES]})
    if path not in store.t.nodes and "/" in path:
        raise not_found(f"Cannot find node {path}")
    parent = _lookup(store, path)
    prefix = path + "/"
    kids = [
        n
        for p, n in sorted(store.t.nodes.items())
        if p.startswith(prefix) and (body.get("Recursive") or "/" not in p[len(prefix) :])
    ]
    offset, limit = page_args(body)
    out: JSON = {"Parent": parent.render()}
    if kids[offset : offset + limit]:
        out["Children"] = [n.render() for n in kids[offset : offset + limit]]
    return Answer(body=out)


def list_jobs(store: Store, call: Call) -> Answer:
    """``POST /a/jobs/user`` with ``JobIDs`` (datasource-readiness.yaml); ``{}`` when none."""
    body = call.json()
    ids = [str(i) for i in body.get("JobIDs") or []] or sorted(store.t.jobs)
    limit = to_int(body.get("TasksLimit"), "TasksLimit")
    jobs = [store.t.jobs[i].render(limit) for i in ids if i in store.t.jobs]
    return Answer(body={"Jobs": jobs} if jobs else {})


def put_user_job(store: Store, call: Call) -> Answer:
    """``PUT /a/jobs/user/{JobName}``: only ``datasource-resync`` is modelled."""
    name = call.params["job"]
    body = call.json()
    if name != "datasource-resync":
        raise ApiError(500, f"job {name} is not modelled by the emulator")
    try:
        params = json.loads(str(body.get("JsonParameters") or "{}"))
    except ValueError as exc:
        raise ApiError(500, "cannot parse JsonParameters") from exc
    ds = store.t.datasources.get(str(params.get("dsName", "")))
    if ds is None:
        raise ApiError(500, f"cannot find datasource {params.get('dsName')}")
    start_resync(store, ds)
    return Answer(body={"JobUuid": f"resync-ds-{ds.name}"})
