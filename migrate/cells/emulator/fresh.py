"""Seed the store with what a freshly installed Cells holds, and dump it as JSON."""

from __future__ import annotations

import os

from migrate.cells.emulator import workspaces
from migrate.cells.emulator.answers import JSON
from migrate.cells.emulator.datasources import add_root, apply_index, walk
from migrate.cells.emulator.fixtures import (
    DEFAULT_DATASOURCES,
    DEFAULT_ROLES,
    DEFAULT_WORKSPACES,
    SERVICES_ONLY_DATA_DIR,
)
from migrate.cells.emulator.records import DataSource, User, Workspace
from migrate.cells.emulator.store import Store, Tables
from migrate.cells.emulator.users import USER_POLICIES, USER_ROLE_POLICIES, hash_password


def seed(store: Store) -> None:
    """Replace every table with a fresh install: roles, admin, datasources, workspaces."""
    store.t = Tables()
    store.search_cache.clear()
    if store.userdb is not None:  # a fresh Cells: its user table holds only what follows
        store.userdb.clear()
    store.generation += 1
    for uuid_, label, flags, policies in DEFAULT_ROLES:
        store.new_role(uuid_, label, policies=policies, **flags)
    login = store.config.admin_login
    admin = User(
        uuid=store.new_uuid(),
        login=login,
        group_path="/",
        attributes={"profile": "admin"},
        password_hash=hash_password(store.config.admin_password, store.new_hex(16).encode()),
        last_connected=store.now(),
        policies=store.policies([(a, s.format(login=login), e) for a, s, e in USER_POLICIES]),
    )
    store.add_user(admin)
    role_policies = [(a, s.format(login=login), e) for a, s, e in USER_ROLE_POLICIES]
    store.new_role(admin.uuid, f"{login} role", user_role=True, policies=role_policies)
    _seed_anon(store)
    _seed_datasources(store)
    _seed_workspaces(store)


def _seed_datasources(store: Store) -> None:
    """pydiods1, personal, cellsdata (structured) and thumbnails, versions (flat).

    With ``EmulatorConfig.data_dir``, an existing ``<data_dir>/<name>`` folder is indexed
    (read-only) so that e.g. common-files has content; otherwise the roots are empty.
    """
    base = store.config.data_dir or SERVICES_ONLY_DATA_DIR
    for index, (name, flat) in enumerate(DEFAULT_DATASOURCES):
        folder = f"{base.rstrip('/')}/{name}"
        body: JSON = {
            "Name": name,
            "StorageType": "LOCAL",
            "FlatStorage": flat,
            # Cells' own flat stores are marked internal (recorded datasource lists).
            "StorageConfiguration": {"folder": folder, "normalize": "false"}
            | ({"cellsInternal": "true"} if flat else {}),
            "ObjectsServiceName": "local1",
            "ObjectsPort": 9001,
            "ObjectsBucket": name,
            "ApiKey": store.new_hex(16),
            "ApiSecret": store.new_uuid(),
        }
        ds = DataSource(
            name=name,
            body=body,
            folder=folder if store.config.data_dir else "",
            structured=not flat,
            objects_service="local1",
            indexed=True,
        )
        store.t.datasources[name] = ds
        store.t.ds_list.append(name)
        add_root(store, name, size=22 * (index + 1))
        if ds.folder and not flat and os.path.isdir(ds.folder):
            apply_index(store, ds, walk(ds.folder))


def _seed_workspaces(store: Store) -> None:
    """personal-files (template root ``my-files``) and common-files, both ``rw`` for all."""
    for slug, label, description, root, path in DEFAULT_WORKSPACES:
        ws = Workspace(
            uuid=store.new_uuid(),
            slug=slug,
            label=label,
            description=description,
            root_nodes={root: {"Uuid": root, "Path": path}},
            last_updated=store.now(),
            policies=store.policies(),
        )
        store.t.workspaces[ws.uuid] = ws
        workspaces.write_acls(store, ws, {"DEFAULT_RIGHTS": "rw"})
        ws.attributes = ""


def _seed_anon(store: Store) -> None:
    """``pydio.anon.user`` (profile ``anon``) is listed by ``POST /a/user`` on a fresh Cells."""
    login = "pydio.anon.user"
    anon = User(
        uuid=store.new_uuid(),
        login=login,
        group_path="/",
        attributes={"profile": "anon"},
        password_hash=hash_password(store.new_hex(32), store.new_hex(16).encode()),
        policies=store.policies([(a, s.format(login=login), e) for a, s, e in USER_POLICIES]),
    )
    store.add_user(anon)
    policies = (
        ("READ", f"user:{login}", "allow"),
        ("READ", "profile:admin", "allow"),
        ("WRITE", "profile:admin", "allow"),
    )
    store.new_role(anon.uuid, f"{login} role", user_role=True, policies=policies)


def dump(store: Store) -> JSON:
    """The whole state as JSON with a deterministic order (no password hashes, no tokens)."""
    t = store.t
    users = [
        {
            "Uuid": u.uuid,
            "Login": u.login,
            "GroupPath": u.group_path,
            "Attributes": dict(sorted(u.attributes.items())),
            "Roles": list(u.roles),
        }
        for u in (t.users[k] for k in t.logins)
    ]
    groups = [
        {"Uuid": g.uuid, "Path": p, "Attributes": dict(sorted(g.attributes.items()))}
        for p, g in sorted(t.groups.items())
    ]
    roles = [r.render(read=True) for _, r in sorted(t.roles.items())]
    wss = [workspaces.render_workspace(store, w) for _, w in sorted(t.workspaces.items())]
    acls = [a.render() for _, a in sorted(t.acls.items())]
    dss = [
        {"Name": n, "Folder": d.folder, "Indexed": d.indexed, "Structured": d.structured}
        for n, d in sorted(t.datasources.items())
    ]
    # Nodes of deleted datasources still answer stats on Cells (recorded) but are not
    # part of its state any more: left out, so a rollback compares equal.
    nodes = [n.render() for p, n in sorted(t.nodes.items()) if p.split("/", 1)[0] in t.datasources]
    jobs = [j.render(0) for _, j in sorted(t.jobs.items())]
    return {
        "users": users,
        "groups": groups,
        "roles": roles,
        "workspaces": wss,
        "acls": acls,
        "datasources": dss,
        "nodes": nodes,
        "jobs": jobs,
    }
