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


def _not_retrieved(path: str) -> str:
    """Cells names a missing node by its path inside the datasource (tree-stat-missing.yaml)."""
    return f"Could not retrieve node /{path.split('/', 1)[1] if '/' in path else ''}"


def _lookup(store: Store, path: str) -> Node:
    """The node at ``path``, or Cells' 500 (tree-stat-missing.yaml): ``Could not find
    DataSource`` (after an optional delay, ~42 s on Cells) for a datasource that does not
    exist or is not served, ``Not found`` for one re-created under a name deleted seconds
    earlier, ``Could not retrieve node /<sub>`` for a missing node of a served one."""
    name = path.split("/", 1)[0]
    ds = store.t.datasources.get(name)
    node = store.t.nodes.get(path)
    if (ds is None and node is None) or (ds is not None and ds.unserved):
        raise ApiError(
            500, f"Could not find DataSource {name}", delay_s=store.settings.missing_ds_stat_delay_s
        )
    until = ds.not_found_until if ds is not None else None
    if until is not None and store.clock() < until and path != name:
        raise ApiError(500, "Not found", "Not Found: Not found")
    if node is not None:
        return node
    if path == name:
        return Node(uuid=f"DATASOURCE:{name}", path=name, is_dir=True)
    text = _not_retrieved(path)
    raise ApiError(500, text, f"Not Found: {text}")


def admin_stat(store: Store, call: Call) -> Answer:
    """``POST /a/tree/admin/stat {"Node":{"Path"}}`` (or ``{"Node":{"Uuid"}}``)."""
    body = call.json()
    node = body.get("Node")
    uuid = str(node.get("Uuid") or "") if isinstance(node, dict) else ""
    if uuid and not _node_path(body):
        found = store.t.nodes_by_uuid.get(uuid)
        if found is None:
            text = f"Node {uuid} Not found in tree!"
            raise ApiError(500, text, f"Not Found: {text}")
        return Answer(body={"Node": found.render()})
    return Answer(body={"Node": _lookup(store, _node_path(body)).render()})


def admin_list(store: Store, call: Call) -> Answer:
    """``POST /a/tree/admin/list``: children (or descendants with ``Recursive``)."""
    body = call.json()
    path = _node_path(body)
    if not path:
        roots = [store.t.nodes[n].render() for n in sorted(store.t.ds_list) if n in store.t.nodes]
        return Answer(body={"Children": roots + [dict(v) for v in VIRTUAL_NODES]})
    if path not in store.t.nodes and "/" in path:
        raise not_found(_not_retrieved(path))
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
