"""An emulator child process already holding a migrated install (the audit benchmark's Cells).

``python -m bench.audit_load CONFIG`` maps the install of ``CONFIG`` with the real pipeline
(``commands.desired``), writes every object into a fresh emulator **in-process** — the
same REST routes and bodies (built by the kind handlers) as an apply, dispatched without
sockets, so that 1.5 million ACLs load in a minute or two instead of the twenty an HTTP
apply would take — then serves it on loopback and prints its URL. The audit then reads it
over HTTP like any Cells. Bench-only code: nothing in ``migrate/`` uses it.
"""

from __future__ import annotations

import json
import secrets
import sys
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from migrate import commands
from migrate.cells.emulator import EmulatorConfig, EmulatorServer, routes
from migrate.cells.emulator.answers import Call
from migrate.config import load_config
from migrate.kinds import acl as acls
from migrate.kinds import datasource, group, role, user, workspace
from migrate.kinds.fields import node_id
from migrate.kinds.keys import AclId
from migrate.mapping.desired import DesiredState, NodeKind, RoleRef, RoleTarget
from migrate.secret import Secret


class InProcess:
    """Dispatch REST calls into an emulator without HTTP, as its admin."""

    def __init__(self, emu: EmulatorServer) -> None:
        self.emu = emu
        self.header = "Bearer " + emu.mint_pat(emu.config.admin_login)
        self.calls = 0

    def __call__(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        route, params, _ = routes.find(method, path)
        if route is None:
            raise RuntimeError(f"no route for {method} {path}")
        call = Call(
            method=method,
            path=path,
            params=params,
            query={},
            headers={"authorization": self.header},
            raw=json.dumps(body).encode() if body is not None else b"",
        )
        answer = self.emu.dispatch(route, call)
        self.calls += 1
        if answer.status >= 400:
            raise RuntimeError(f"{method} {path}: {answer.status} {answer.body}")
        return answer.body


def load(emu: EmulatorServer, desired: DesiredState) -> dict[str, int]:
    """Write the whole desired state; returns counts per kind."""
    call = InProcess(emu)
    for ds in desired.datasources:
        call("POST", f"/a/config/datasource/{ds.name}", datasource.body(ds).to_json())
    folders: dict[str, str] = {}
    nodes = [n for w in desired.workspaces for n in w.root_nodes] + [a.node for a in desired.acls]
    for node in {n.path for n in nodes if n.kind is NodeKind.FOLDER and n.uuid is None}:
        found = call("POST", "/a/tree/admin/stat", {"Node": {"Path": node}})
        folders[node] = found["Node"]["Uuid"]
    workspaces: dict[str, str] = {}
    for ws in desired.workspaces:
        body = workspace.body(ws, folders).to_json()
        workspaces[ws.uuid] = call("PUT", f"/a/workspace/{quote(ws.slug, safe='')}", body)["UUID"]
    groups: dict[str, str] = {}
    for g in sorted(desired.groups, key=lambda g: g.path.count("/")):
        body = group.body(g).to_json(server_appends_label=True)
        groups[g.path] = call("PUT", f"/a/user/{quote(g.label, safe='')}", body)["Uuid"]
    for r in desired.roles:
        call("PUT", f"/a/role/{quote(r.uuid, safe='')}", role.body(r).to_json())
    existing = call("POST", "/a/user", {"Queries": [{"NodeType": "USER"}]})
    users = {u["Login"]: u["Uuid"] for u in existing.get("Users", ())}  # Cells' own admin
    password = Secret(secrets.token_urlsafe(16))
    for u in desired.users:
        uuid = users.get(u.login, u.uuid)  # an existing account is adopted, as apply does
        body = replace(user.body(u, uuid=uuid), password=password).to_json()
        users[u.login] = call("PUT", f"/a/user/{quote(u.login, safe='')}", body)["Uuid"]

    def role_id(ref: RoleRef) -> str:
        if ref.target is RoleTarget.ROOT_GROUP:
            return "ROOT_GROUP"
        if ref.target is RoleTarget.USER:
            return users[ref.key]
        if ref.target is RoleTarget.GROUP:
            return groups[ref.key]
        return ref.key

    for acl in desired.acls:
        target = AclId(
            role_id=role_id(acl.role),
            workspace_id=workspaces.get(acl.workspace_uuid, ""),
            node_id=node_id(acl.node, folders),
            action=acl.action,
        )
        call("PUT", "/a/acl", acls.body(target, acl.value).to_json())
    return {"calls": call.calls, **desired.counts()}


def main(argv: list[str]) -> int:
    """Load, then serve until stdin closes (the parent's end of the pipe)."""
    config = load_config(Path(argv[0]), env={"CELLS_TOKEN": "unused"})
    started = time.perf_counter()
    desired = commands.desired(config).desired
    server = EmulatorServer(EmulatorConfig(port=0, index_delay_s=0.0)).start()
    counts = load(server, desired)
    counts["load_s"] = round(time.perf_counter() - started, 1)
    sys.stdout.write(json.dumps(counts) + "\n" + server.url + "\n")
    sys.stdout.flush()
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
