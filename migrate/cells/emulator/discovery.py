"""Configuration endpoints: discovery (version), services status, virtual nodes, peers."""

from __future__ import annotations

from migrate.cells.emulator.answers import JSON, Answer, Call
from migrate.cells.emulator.fixtures import (
    BUILD_REVISION,
    BUILD_STAMP,
    PACKAGE_LABEL,
    PACKAGE_TYPE,
    SERVICE_META,
    SERVICES,
    VIRTUAL_NODES,
    discovery_endpoints,
)
from migrate.cells.emulator.store import Store


def discovery(store: Store, call: Call) -> Answer:
    """``GET /a/config/discovery``: the version only for a logged-in caller (recorded)."""
    out: JSON = {}
    if call.caller is not None:
        out = {
            "PackageType": PACKAGE_TYPE,
            "PackageLabel": PACKAGE_LABEL,
            "Version": store.config.version,
            "BuildStamp": BUILD_STAMP,
            "BuildRevision": BUILD_REVISION,
        }
    out["Endpoints"] = discovery_endpoints(call.base_url)
    return Answer(body=out)


def _service(
    store: Store,
    name: str,
    tag: str,
    description: str,
    *,
    controllable: bool,
    grpc: bool,
    source: str = "",
) -> JSON:
    meta: JSON = {
        "PID": "1000",
        "description": description,
        "expiry": "2099-01-01T00:00:00Z",
        "hostname": "emulator",
        "metrics": "0",
        "parentPID": "1",
        "server": "grpc" if grpc else "http",
        "start": "",
        "transport": "grpc",
    }
    if grpc:
        meta.update(broker="service", registry="service")
    if source:
        meta.update(source=source, start=f"s:{name}")
    meta.update(SERVICE_META.get(name, {}))
    out: JSON = {
        "Name": name,
        "Version": store.config.version,
        "Description": description,
        "Tag": tag,
    }
    if controllable:
        out["Controllable"] = True
    out["Status"] = "STARTED"
    peer = {"Id": f"{name}-emulator", "Address": "127.0.0.1", "Port": 0, "Metadata": meta}
    out["RunningPeers"] = [peer]
    return out


def services(store: Store, call: Call) -> Answer:
    """``GET /a/config/ctl``: core services plus index/sync/objects per datasource."""
    items = [
        _service(store, name, tag, desc, controllable=ctl, grpc=grpc)
        for name, tag, desc, ctl, grpc in SERVICES
    ]
    objects = set()
    for name, ds in sorted(store.t.datasources.items()):
        for kind, desc in (
            ("index", "Datasource indexation service"),
            ("sync", "Synchronization service between objects and index"),
        ):
            if kind == "sync" and ds.unserved:
                continue  # recorded: a datasource Cells does not serve has no sync service
            items.append(
                _service(
                    store,
                    f"pydio.grpc.data.{kind}.{name}",
                    "datasource",
                    desc,
                    controllable=True,
                    grpc=True,
                    source=name,
                )
            )
        objects.add(ds.objects_service)
    for svc in sorted(objects):
        items.append(
            _service(
                store,
                f"pydio.grpc.data.objects.{svc}",
                "datasource",
                "S3 Object service for a given datasource",
                controllable=True,
                grpc=True,
                source=svc,
            )
        )
    return Answer(body={"Services": items, "Total": len(items)})


def virtual_nodes(store: Store, call: Call) -> Answer:
    """``GET /a/config/virtualnodes`` (template paths ``cells`` and ``my-files``)."""
    return Answer(body={"Children": [dict(v) for v in VIRTUAL_NODES]})


def peers(store: Store, call: Call) -> Answer:
    """``GET /a/config/peers``."""
    return Answer(body={"PeerAddresses": ["emulator|127.0.0.1"]})


def bootconf(store: Store, call: Call) -> Answer:
    """A reduced ``GET /a/frontend/bootconf`` (the real one is ~177 KB of i18n)."""
    version = store.config.version if call.caller else "0" * 32
    return Answer(
        body={
            "ENDPOINT_REST_API": "/a",
            "ajxpVersion": version,
            "backend": {
                "PackageType": PACKAGE_TYPE,
                "PackageLabel": PACKAGE_LABEL,
                "Version": version,
            },
        }
    )
