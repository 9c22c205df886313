"""Every request the client builds exists in the real Cells API spec and its body validates.

The client runs against a small recording HTTP server (a stand-in for the outside world, not
a mock of our code): every method, path and JSON body it sends is captured, then checked
against the operations of the v3.0 and v4.2.5 swagger files. Object schemas are made strict
(``additionalProperties: false``), so a misspelt field name fails here, not on a server.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from migrate.cells.client import CellsClient
from migrate.cells.models import ACL, Group, Policy, Role, RootNode, User, Workspace
from migrate.cells.storage import DataSource
from migrate.cells.version import ServerVersion
from migrate.config import AuthConfig, AuthMethod, CellsConfig
from migrate.secret import Secret

SWAGGER = Path(__file__).resolve().parents[1] / "data" / "swagger"
SPECS = {
    "3.0.9": SWAGGER / "v3.0__rest.swagger.json",
    "4.2.5": SWAGGER / "v4.2.5__cellsapi-rest.swagger.json",
}


class _Recorder(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, Any]]

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0]
        self.seen.append((self.command, path, json.loads(raw) if raw.strip() else None))
        body: dict[str, Any] = {"Uuid": "u-1", "Login": "x", "GroupLabel": "g", "Success": True}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _answer


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[tuple[str, str, Any]]]]:
    seen: list[tuple[str, str, Any]] = []
    handler = type("Handler", (_Recorder,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def _exercise(client: CellsClient) -> None:
    """Call every request-building method once with representative objects."""
    policies = (Policy(subject="profile:admin", action="WRITE"),)
    client.put_datasource(
        DataSource(
            name="p8files",
            storage_configuration=(("folder", "/srv/p8/files"), ("normalize", "false")),
            objects_port=9011,
            versioning_policy="default-policy",
        )
    )
    client.put_datasource(
        DataSource(
            name="p8s3",
            storage_type="S3",
            objects_bucket="bucket",
            api_key="AKIA",
            api_secret=Secret("s3"),
            storage_configuration=(("customEndpoint", "https://s3.example"),),
        )
    )
    client.resync_datasource("p8files")
    client.resync_job("p8files")
    client.stat_node("p8files/projects")
    client.list_nodes("p8files", recursive=True, limit=50)
    client.put_role(
        Role(
            uuid="team-1",
            label="Team",
            is_team=True,
            force_override=True,
            auto_applies=("standard",),
            policies=policies,
        )
    )
    client.search_roles([{"IsTeam": True}, {"Uuid": ["a", "b"]}], operation="AND")
    client.put_user(
        User(
            login="alice",
            uuid="u-1",
            group_path="/sales",
            attributes=(("profile", "standard"), ("displayName", "Alice")),
            roles=("team-1",),
            policies=policies,
            password=Secret("pw"),
        )
    )
    client.put_user_roles(User(login="alice", uuid="u-1", roles=("team-1",)))
    client.put_group(
        Group(
            label="sales",
            path="/corp/sales",
            uuid="g-1",
            attributes=(("displayName", "Sales"),),
            policies=policies,
        )
    )
    client.search_people(
        [{"Login": "a*", "NodeType": "USER"}, {"GroupPath": "/", "Recursive": True}]
    )
    client.put_workspace(
        Workspace(
            uuid="w-1",
            slug="common",
            label="Common",
            description="from repo 1",
            attributes=(("ALLOW_SYNC", True), ("DEFAULT_RIGHTS", "r")),
            roots=(RootNode(uuid="DATASOURCE:p8files", path="p8files"),),
            policies=policies,
        )
    )
    client.search_workspaces(slug="common", scope="ADMIN")
    acl = ACL(
        action="read", value="1", role_id="team-1", workspace_id="w-1", node_id="DATASOURCE:p8files"
    )
    client.put_acl(acl)
    client.search_acls(role_ids=["team-1"], workspace_ids=["w-1"], node_ids=["n"], actions=["read"])
    client.delete_acls(acl)
    client.delete_acls(ACL(action="", role_id="team-1"), broad=True)
    client.delete_workspace("common")
    client.delete_user("alice")
    client.delete_group("/corp/sales")
    client.delete_role("team-1")
    client.delete_datasource("p8files")
    client.services(started_only=True)
    client.virtual_nodes()


def _strict(schema: Any) -> Any:
    if isinstance(schema, dict):
        out = {k: _strict(v) for k, v in schema.items()}
        if out.get("type") == "object" and "properties" in out:
            out.setdefault("additionalProperties", False)
        return out
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


def _operation(spec: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    local = path.removeprefix("/a")
    for template, ops in spec["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", ".+", re.escape(template)) + "/?$"
        if re.match(pattern, local) and method.lower() in ops:
            operation: dict[str, Any] = ops[method.lower()]
            return operation
    return None


@pytest.mark.parametrize("version", sorted(SPECS))
def test_every_request_is_in_the_spec_and_validates(
    version: str, recorder: tuple[str, list[tuple[str, str, Any]]]
) -> None:
    url, seen = recorder
    spec = json.loads(SPECS[version].read_text(encoding="utf-8"))
    definitions = _strict(copy.deepcopy(spec["definitions"]))
    auth = AuthConfig(method=AuthMethod.PAT, token=Secret("t"))
    with CellsClient(
        CellsConfig(url=url, auth=auth), read_only=False, version=ServerVersion(version=version)
    ) as client:
        _exercise(client)
    assert len(seen) >= 25
    problems: list[str] = []
    for method, path, body in seen:
        operation = _operation(spec, method, path)
        if operation is None:
            problems.append(f"{method} {path}: no such operation in the {version} spec")
            continue
        params = [p for p in operation.get("parameters", []) if p.get("in") == "body"]
        if body is None:
            continue
        if not params:
            problems.append(f"{method} {path}: the spec takes no body")
            continue
        schema = {**_strict(params[0]["schema"]), "definitions": definitions}
        # v4 specs drop the fields bound from the path (Name, Uuid, Login, Slug) from the
        # body schema; the message still has them and Cells reads them from the body too.
        path_fields = {
            p["name"]: {"type": "string"} for p in operation["parameters"] if p.get("in") == "path"
        }
        if "properties" in schema:
            schema["properties"] = {**path_fields, **schema["properties"]}
        for error in jsonschema.Draft4Validator(schema).iter_errors(body):
            problems.append(f"{method} {path}: {error.message} at {list(error.absolute_path)}")
    assert problems == []
