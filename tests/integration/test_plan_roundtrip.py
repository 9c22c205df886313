"""Bodies and differs agree on real mapping output: a Cells holding exactly the bodies the
kind handlers build (through the client models' JSON form) plans as all noops.

The desired state is the real Pydio 8.2.5 lab sample (tests/data/pydio8-sqlite) mapped with
the built-in rules: S3 keys, legacy hashes, template roots, sub-folder roots, teams, every
ACL target kind.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migrate.cells.models import ACL, Group, Role, User, Workspace
from migrate.cells.shares import ShareCell, ShareLink
from migrate.cells.storage import DataSource
from migrate.config import LegacyConfig
from migrate.kinds.acl import body as acl_body
from migrate.kinds.datasource import body as datasource_body
from migrate.kinds.group import body as group_body
from migrate.kinds.keys import AclId
from migrate.kinds.resolve import Resolver
from migrate.kinds.role import body as role_body
from migrate.kinds.share import HANDLER as share_handler
from migrate.kinds.share import cell_acls, wanted_cell, wanted_link
from migrate.kinds.user import body as user_body
from migrate.kinds.workspace import body as workspace_body
from migrate.legacy.bootstrap import discover_install
from migrate.legacy.sql import read_inventory_sql
from migrate.mapping import DesiredState, NodeKind, PasswordStrategy, map_inventory
from migrate.plan import ActionType, Kind, LiveState, diff_state
from migrate.rulesfile import load_rules

pytestmark = pytest.mark.integration

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "pydio8-sqlite"


@pytest.fixture(scope="module")
def desired() -> DesiredState:
    install = discover_install(LegacyConfig(install_path=SAMPLE))
    assert install.conf.database is not None
    inventory = read_inventory_sql(
        install.conf.database.url.reveal(), static_workspaces=install.static_workspaces
    )
    rules = load_rules(path_variables=install.substitutions())
    return map_inventory(inventory, rules, password_strategy=PasswordStrategy.KEEP_HASH)


def _echo(desired: DesiredState) -> LiveState:
    """What Cells would hold after storing every body the kind handlers build."""
    nodes = [n for w in desired.workspaces for n in w.root_nodes] + [a.node for a in desired.acls]
    nodes += [link.root for link in desired.links] + [cell.root for cell in desired.cells]
    folders = {
        n.path: f"node-{i}" for i, n in enumerate(nodes) if n.kind is NodeKind.FOLDER and not n.uuid
    }
    groups = tuple(
        Group.from_json(
            group_body(g, uuid=g.uuid).to_json(server_appends_label=True), parent_paths=True
        )
        for g in desired.groups
    )
    users = tuple(User.from_json(user_body(u, uuid=u.uuid).to_json()) for u in desired.users)
    resolver = Resolver.build(desired, users=users, groups=groups, folders=folders)
    acls = []
    for acl in desired.acls:
        role = resolver.role_id(acl.role)
        assert role is not None, acl
        target = AclId(
            role_id=role,
            workspace_id=acl.workspace_uuid,
            node_id=resolver.node_id(acl.node),
            action=acl.action,
        )
        body = acl_body(target, acl.value)
        acls.append(ACL.from_json(body.to_json()))
    shares: list[ShareLink | ShareCell] = []
    for link in desired.links:
        wanted = wanted_link(link, resolver.node_id(link.root), resolver.user_ids[link.owner])
        shares.append(ShareLink.from_json(share_handler.image(wanted)))
    for cell in desired.cells:
        owner = resolver.user_ids[cell.owner]
        members = cell_acls(cell, resolver.role_id, owner, "")
        made = wanted_cell(cell, resolver.node_id(cell.root), members, owner)
        shares.append(ShareCell.from_json(share_handler.image(made)))
    return LiveState(
        datasources=tuple(
            DataSource.from_json(datasource_body(d).to_json()) for d in desired.datasources
        ),
        groups=groups,
        roles=tuple(Role.from_json(role_body(r).to_json()) for r in desired.roles),
        users=users,
        workspaces=tuple(
            Workspace.from_json(workspace_body(w, folders).to_json()) for w in desired.workspaces
        ),
        acls=tuple(acls),
        shares=tuple(shares),
        folders=tuple(sorted(folders.items())),
    )


def test_stored_bodies_plan_as_noops(desired: DesiredState) -> None:
    assert desired.acls
    assert any(d.api_secret is not None for d in desired.datasources)
    actions = diff_state(desired, _echo(desired))
    changed = [a for a in actions if a.action not in (ActionType.NOOP, ActionType.SKIP)]
    assert changed == []
    noops = {a.kind for a in actions if a.action is ActionType.NOOP}
    assert noops == {
        Kind.DATASOURCE,
        Kind.GROUP,
        Kind.ROLE,
        Kind.USER,
        Kind.WORKSPACE,
        Kind.ACL,
        Kind.SHARE,
    }


def test_empty_cells_plans_one_create_per_object(desired: DesiredState) -> None:
    actions = diff_state(desired, LiveState())
    creates = [a for a in actions if a.action is ActionType.CREATE]
    acl_keys = {a.key for a in creates if a.kind is Kind.ACL}
    assert len(creates) == (
        len(desired.datasources)
        + len(desired.groups)
        + len(desired.roles)
        + len(desired.users)
        + len(desired.workspaces)
        + len(acl_keys)
        + len(desired.links)
        + len(desired.cells)
    )
    assert len(acl_keys) == len({a.identity for a in desired.acls})
