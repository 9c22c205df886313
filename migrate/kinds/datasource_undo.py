"""Rolling back one datasource the way a real Cells 3 deletes them (issue 11 point 8).

Recorded (datasource-object-service-roots.yaml, datasource-s3.yaml,
delete-semantics-for-rollback.yaml):

* datasources sharing an objects service are deleted in any order (200 each);
* a name missing from Cells' datasource list answers 500 ``Cannot find datasource!`` even
  when its entry still GETs 200 (a create lost to a concurrent one): POSTing it again lists
  it, then DELETE works. A datasource already gone counts as undone;
* a LOCAL delete leaves the ``.pydio`` files Cells wrote into every folder: they are removed
  when the folder is reachable from here, unless another datasource still covers that tree
  (datasources over the same folder share node Uuids, read from those files);
* an S3 delete leaves the ``.pydio`` objects Cells wrote into the bucket: they are listed
  for the operator (the tool has no access to the bucket).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from migrate.cells.client import CANNOT_FIND_DATASOURCE, MARKER_FILE, CellsClient
from migrate.cells.storage import DataSource
from migrate.errors import CellsError, CellsHTTPError

SHOWN_MARKERS = 20


def undo_datasource(
    client: CellsClient, name: str, live: Mapping[str, object], *, created_on: str
) -> list[str]:
    """Delete datasource ``name`` (as ``live`` shows it); returns notes for the operator.
    The ``.pydio`` files are removed from ``created_on``, the folder recorded when the tool
    created it (never from where it points now, issue 12); "" when that is not recorded.

    Raises ``CellsError`` when Cells refuses (e.g. workspaces still on it).
    """
    ds = DataSource.from_json(live)
    markers = _s3_markers(client, name) if ds.storage_type == "S3" else []
    try:
        client.delete_datasource(name)
    except CellsHTTPError as exc:
        if CANNOT_FIND_DATASOURCE not in exc.message or ds.storage_type == "S3":
            raise
        # Not in Cells' list although GET finds it: list it again, then delete (recorded).
        client.put_datasource(replace(ds, api_key="", api_secret=None))
        client.delete_datasource(name)
    if ds.storage_type == "S3":
        return [_s3_note(ds, markers)]
    return [_clean_markers(client, name, created_on)]


def _s3_markers(client: CellsClient, name: str) -> list[str]:
    """The ``.pydio`` objects Cells wrote into the bucket, from its own tree (before delete)."""
    try:
        nodes = client.list_nodes(name, recursive=True, skip_markers=False)
    except CellsError:
        return []
    return sorted(n.path.split("/", 1)[1] for n in nodes if n.name == MARKER_FILE and "/" in n.path)


def _s3_note(ds: DataSource, markers: list[str]) -> str:
    where = f"bucket {ds.objects_bucket}"
    endpoint = dict(ds.storage_configuration).get("customEndpoint")
    if endpoint:
        where += f" at {endpoint}"
    if not markers:
        return (
            f"datasource {ds.name}: Cells wrote {MARKER_FILE} objects into {where} (one per "
            "folder and at the root); they stay after the delete: remove them with your S3 tool"
        )
    shown = ", ".join([MARKER_FILE, *markers][:SHOWN_MARKERS])
    more = len(markers) + 1 - SHOWN_MARKERS
    tail = f" and {more} more" if more > 0 else ""
    return (
        f"datasource {ds.name}: {len(markers) + 1} {MARKER_FILE} object(s) Cells wrote stay in "
        f"{where}: {shown}{tail}; remove them with your S3 tool"
    )


def _covered_by_other(client: CellsClient, name: str, folder: str) -> str | None:
    """Another datasource over the same tree (same folder, inside it or around it)."""
    base = posixpath.normpath(folder)
    for other in client.list_datasources():
        theirs = posixpath.normpath(other.folder) if other.folder else ""
        if other.name == name or not theirs:
            continue
        if theirs == base or theirs.startswith(base + "/") or base.startswith(theirs + "/"):
            return other.name
    return None


def _clean_markers(client: CellsClient, name: str, folder: str) -> str:
    """Remove the ``.pydio`` files Cells wrote into the legacy tree, when reachable."""
    if not folder:
        return (
            f"datasource {name}: the folder it was created on is not recorded; remove the "
            f"{MARKER_FILE} files Cells wrote into it by hand (find <folder> -name "
            f"{MARKER_FILE} -delete)"
        )
    root = Path(folder)
    if not root.is_dir():
        return (
            f"datasource {name}: folder {folder} is not reachable from here; remove "
            f"the {MARKER_FILE} files Cells wrote into it by hand "
            f"(find {folder} -name {MARKER_FILE} -delete)"
        )
    other = _covered_by_other(client, name, folder)
    if other is not None:
        return (
            f"datasource {name}: the {MARKER_FILE} files in {folder} were kept: datasource "
            f"{other} still uses that tree (its node ids are read from them)"
        )
    removed = 0
    for marker in root.rglob(MARKER_FILE):
        if marker.is_file():
            marker.unlink()
            removed += 1
    return f"datasource {name}: removed {removed} {MARKER_FILE} file(s) from {folder}"
