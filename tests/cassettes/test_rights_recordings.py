"""Auto-applied roles, teams, workspace attributes, templates and role ACLs (Cells 3.0.9)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from migrate.cells.client import CellsClient
from migrate.cells.models import ACL, Group, Policy, Role, RootNode, User, Workspace
from migrate.secret import Secret

pytestmark = pytest.mark.cassette
Replay = Callable[[str], Any]
STANDARD = (("profile", "standard"),)


def test_auto_applies_teams_and_role_order(client: CellsClient, replay: Replay) -> None:
    owner = "c35607bc-0eea-4b24-8572-4c635c949cda"
    team_policies = (
        Policy(subject=owner, action="OWNER"),
        Policy(subject="user:rec2-user-auto", action="READ"),
        Policy(subject="user:rec2-user-auto", action="WRITE"),
        Policy(subject="profile:admin", action="WRITE"),
        Policy(subject="profile:admin", action="READ"),
    )
    with replay("role-autoapplies-and-teams.yaml"):
        auto = client.put_role(
            Role(
                uuid="rec2-role-auto",
                label="rec2 auto all",
                auto_applies=("standard", "shared", "admin"),
                force_override=True,
            )
        )
        client.get_role("rec2-role-auto")
        auto_roles = client.search_roles([{"HasAutoApply": True}])
        user = client.put_user(
            User(
                login="rec2-user-auto",
                group_path="",
                attributes=STANDARD,
                password=Secret("<USER_PASSWORD_1>"),
            )
        )
        seen = client.get_user("rec2-user-auto")
        client.get_user("rec2-user-g")
        client.get_user("admin")
        client.delete_role("rec2-role-auto")
        client.get_user("rec2-user-auto")
        team = client.put_role(
            Role(uuid="rec2-team", label="rec2 team", is_team=True, policies=team_policies)
        )
        client.get_role("rec2-team")
        teams = client.search_roles([{"IsTeam": True}])
        client.put_role(Role(uuid="rec2-role-a", label="rec2-role-a"))
        client.put_role(Role(uuid="rec2-role-b", label="rec2-role-b"))
        client.get_user("rec2-user-auto")
        ordered = client.put_user(
            User(
                login="rec2-user-auto",
                uuid=user.uuid,
                attributes=STANDARD,
                roles=("rec2-role-a", "rec2-role-b", "rec2-team"),
            )
        )
        client.get_user("rec2-user-auto")
        reordered = client.put_user(
            User(
                login="rec2-user-auto",
                uuid=user.uuid,
                attributes=STANDARD,
                roles=("rec2-team", "rec2-role-b", "rec2-role-a"),
            )
        )
        client.get_user("rec2-user-auto")
        only_a = client.put_user_roles(
            User(
                login="rec2-user-auto", uuid=user.uuid, attributes=STANDARD, roles=("rec2-role-a",)
            )
        )
    assert auto.auto_applies == ("standard", "shared", "admin")
    assert auto.force_override is True
    assert {"ADMINS", "rec2-role-auto"} <= {r.uuid for r in auto_roles}
    assert seen is not None
    assert "rec2-role-auto" not in (seen.roles or ())  # auto-applied at read time, never stored
    assert team.is_team
    assert any(p.action == "OWNER" and p.subject == owner for p in team.policies)
    assert [r.uuid for r in teams] == ["rec2-team"]
    assert ordered.roles == ("rec2-role-a", "rec2-role-b", "rec2-team")
    assert reordered.roles == ("rec2-team", "rec2-role-b", "rec2-role-a")  # order is kept
    assert only_a.roles == ("rec2-role-a",)


def test_workspace_default_rights_and_attributes(client: CellsClient, replay: Replay) -> None:
    root = RootNode(uuid="DATASOURCE:rectwods", path="rectwods")
    docs = "11c0bfce-6a3d-4435-812c-cc8989a63fad"

    def ws(rights: str, **kw: Any) -> Workspace:
        attrs: dict[str, Any] = {"DEFAULT_RIGHTS": rights, "ALLOW_SYNC": True}
        attrs.update(kw)
        return Workspace(
            uuid=kw.pop("uuid", ""),
            slug="rec2-ws-attr",
            label="rec2 ws attr",
            description="rec2",
            attributes=tuple(sorted(attrs.items())),
            roots=(root,),
        )

    with replay("workspace-attributes-and-default-rights.yaml"):
        created = client.put_workspace(ws("r", QUOTA="1073741824"))
        acls_r = client.search_acls(workspace_ids=[created.uuid])
        client.put_role(Role(uuid="rec2-role-ws", label="rec2 role ws"))
        client.put_acl(
            ACL(
                action="read",
                value="1",
                role_id="rec2-role-ws",
                workspace_id=created.uuid,
                node_id=root.uuid,
            )
        )
        client.put_acl(
            ACL(
                action="deny",
                value="1",
                role_id="rec2-role-ws",
                workspace_id=created.uuid,
                node_id=docs,
            )
        )
        client.search_acls(workspace_ids=[created.uuid])
        rw = Workspace(
            uuid=created.uuid,
            slug="rec2-ws-attr",
            label="rec2 ws attr",
            description="rec2",
            attributes=(("ALLOW_SYNC", True), ("DEFAULT_RIGHTS", "rw"), ("QUOTA", "1073741824")),
            roots=(root,),
        )
        client.put_workspace(rw)
        acls_rw = client.search_acls(workspace_ids=[created.uuid])
        cleared = Workspace(
            uuid=created.uuid,
            slug="rec2-ws-attr",
            label="rec2 ws attr",
            description="rec2",
            attributes=(("ALLOW_SYNC", True), ("DEFAULT_RIGHTS", "")),
            roots=(root,),
        )
        client.put_workspace(cleared)
        acls_none = client.search_acls(workspace_ids=[created.uuid])
        found = client.search_workspaces(slug="rec2-ws-attr")

    def root_group(acls: list[ACL]) -> list[str]:
        return sorted(a.action for a in acls if a.role_id == "ROOT_GROUP")

    assert root_group(acls_r) == ["quota", "read"]
    assert root_group(acls_rw) == ["quota", "read", "write"]
    assert root_group(acls_none) == []  # an update without QUOTA drops the quota
    assert {a.id for a in acls_none if a.role_id == "rec2-role-ws"} == {"215", "216"}
    assert found[0].uuid == created.uuid
    assert dict(found[0].attributes).get("DEFAULT_RIGHTS", "") == ""


def test_personal_files_template_root(client: CellsClient, replay: Replay) -> None:
    with replay("personal-files-template.yaml"):
        templates = client.virtual_nodes()
        ws = client.put_workspace(
            Workspace(
                uuid="",
                slug="rec2-ws-myfiles",
                label="rec2 my files",
                attributes=(("ALLOW_SYNC", True),),
                roots=(RootNode(uuid="my-files", path="my-files"),),
            )
        )
        acls = client.search_acls(workspace_ids=[ws.uuid])
        user = client.put_user(
            User(
                login="rec2-user-mf",
                group_path="",
                attributes=(("displayName", "rec2 mf"), ("profile", "standard")),
                password=Secret("<USER_PASSWORD_1>"),
            )
        )
        granted = [
            client.put_acl(
                ACL(
                    action=a, value="1", role_id=user.uuid, workspace_id=ws.uuid, node_id="my-files"
                )
            )
            for a in ("read", "write")
        ]
        personal = client.list_nodes("personal")
        folder = client.stat_node("personal/rec2-user-mf/rec2-folder")
    assert {t.uuid for t in templates} >= {"my-files", "cells"}
    assert ws.roots == (RootNode(uuid="my-files", path="my-files"),)
    assert {(a.action, a.node_id) for a in acls} >= {("workspace-path", "my-files")}
    assert [a.id for a in granted] == ["232", "233"]
    assert any(n.name == "rec2-user-mf" for n in personal)
    assert folder is not None
    assert folder.is_collection


def test_group_and_user_role_acls(client: CellsClient, replay: Replay) -> None:
    root = RootNode(uuid="DATASOURCE:rectwods", path="rectwods")
    with replay("user-and-group-role-acls.yaml"):
        ws = client.put_workspace(
            Workspace(uuid="", slug="rec2-ws-grp", label="rec2 ws grp", roots=(root,))
        )
        group = client.put_group(
            Group(label="rec2-grp", path="/rec2-grp", attributes=(("displayName", "rec2 grp"),))
        )
        group_role = client.get_role(group.uuid)
        member = client.put_user(
            User(
                login="rec2-user-g",
                group_path="/rec2-grp",
                attributes=STANDARD,
                password=Secret("<USER_PASSWORD_1>"),
            )
        )
        read = client.put_acl(
            ACL(
                action="read",
                value="1",
                role_id=group.uuid,
                workspace_id=ws.uuid,
                node_id=root.uuid,
            )
        )
        deny = client.put_acl(
            ACL(
                action="deny",
                value="1",
                role_id=member.uuid,
                workspace_id=ws.uuid,
                node_id=root.uuid,
            )
        )
        undone = client.delete_acls(
            ACL(
                action="deny",
                value="1",
                role_id=member.uuid,
                workspace_id=ws.uuid,
                node_id=root.uuid,
            )
        )
    assert group.path == "/rec2-grp"
    assert group_role is not None
    assert group_role.group_role
    assert group_role.label == "Group rec2-grp"
    assert member.group_path == "/rec2-grp/"
    assert (read.role_id, deny.role_id) == (group.uuid, member.uuid)
    assert undone == 1
