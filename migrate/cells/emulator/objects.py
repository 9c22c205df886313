"""Objects services of datasources: one minio per parent folder (LOCAL), one gateway per S3
key and endpoint (recordings README "Object services, missing nodes, S3").

* A structured LOCAL datasource's objects service runs on the folder's **parent**; the last
  segment is the bucket. A parent equal to an existing LOCAL service root reuses that
  service (same ``ApiKey``); a parent that is an ancestor or a descendant of one is refused
  with Cells' 500 ``object service localN is already pointing to X…`` (a ``/``-prefix test,
  datasource-object-service-roots.yaml).
* An S3 datasource gets ``gateway<n>``, shared by datasources with the same ``ApiKey`` and
  ``customEndpoint`` (datasource-s3.yaml).
* A new service name is the first free ``local<n>`` / ``gateway<n>`` among the datasources
  of the config (names are reused after deletion, as recorded).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from migrate.cells.emulator.answers import ApiError
from migrate.cells.emulator.store import Store


@dataclass(frozen=True, slots=True, kw_only=True)
class Service:
    """The objects service a new datasource is attached to."""

    name: str
    api_key: str


def local_root(folder: str) -> str:
    """The folder a LOCAL datasource's objects service serves: its parent."""
    return posixpath.dirname(posixpath.normpath(folder))


def _nested(a: str, b: str) -> bool:
    """True when one of two different folders lies inside the other."""
    a, b = a.rstrip("/") or "/", b.rstrip("/") or "/"
    if a == b:
        return False
    return b.startswith(a.rstrip("/") + "/") or a.startswith(b.rstrip("/") + "/")


def _first_free(store: Store, prefix: str) -> str:
    used = {d.objects_service for d in store.t.datasources.values()}
    n = 1
    while f"{prefix}{n}" in used:
        n += 1
    return f"{prefix}{n}"


def local_service(store: Store, folder: str) -> Service:
    """Attach a LOCAL datasource over ``folder``: reuse its parent's service or make one.

    Raises ``ApiError`` 500 (Cells' "nested paths" answer) when the parent nests with the
    root of another LOCAL service.
    """
    root = local_root(folder)
    for other in sorted(store.t.datasources.values(), key=lambda d: d.objects_service):
        if other.storage != "LOCAL" or not other.folder_conf:
            continue
        other_root = local_root(other.folder_conf)
        if other_root == root:
            return Service(name=other.objects_service, api_key=str(other.body.get("ApiKey") or ""))
        if _nested(root, other_root):
            text = (
                f"object service {other.objects_service} is already pointing to {other_root}, "
                "make sure to avoid using nested paths for different datasources"
            )
            raise ApiError(500, text, f"Conflict: {text}")
    return Service(name=_first_free(store, "local"), api_key=store.new_hex(16))


def gateway_service(store: Store, api_key: str, endpoint: str) -> Service:
    """Attach an S3 datasource: the gateway of the same key and endpoint, or a new one."""
    for other in store.t.datasources.values():
        same_key = str(other.body.get("ApiKey") or "") == api_key
        if other.storage == "S3" and same_key and other.endpoint == endpoint:
            return Service(name=other.objects_service, api_key=api_key)
    return Service(name=_first_free(store, "gateway"), api_key=api_key)
