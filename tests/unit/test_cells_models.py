"""Cells models: lenient parsing, request bodies without server-only fields, no secret reprs."""

from __future__ import annotations

import json

import pytest

from migrate.cells.models import ACL, Group, Policy, Role, RootNode, User, Workspace
from migrate.cells.storage import DataSource, Job
from migrate.cells.version import ServerVersion
from migrate.secret import Secret


def test_user_keeps_only_assigned_roles() -> None:
    data = {
        "Uuid": "u1",
        "Login": "alice",
        "GroupPath": "/sales/",
        "Attributes": {"profile": "standard"},
        "Roles": [
            {"Uuid": "ROOT_GROUP", "GroupRole": True},
            {"Uuid": "g1", "GroupRole": True},
            {"Uuid": "auto", "AutoApplies": ["standard"]},
            {"Uuid": "team-1", "IsTeam": True},
            {"Uuid": "u1", "UserRole": True},
        ],
    }
    user = User.from_json(data)
    assert user.roles == ("team-1",)
    assert user.profile == "standard"
    body = user.to_json()
    assert body["Roles"] == [{"Uuid": "team-1"}]
    assert "Password" not in body


def test_user_password_is_sent_but_never_shown() -> None:
    user = User(login="bob", attributes=(("profile", "standard"),), password=Secret("pw-123456"))
    assert user.to_json()["Password"] == "pw-123456"
    assert "pw-123456" not in repr(user)


def test_user_roles_none_omits_and_empty_clears() -> None:
    assert "Roles" not in User(login="a").to_json()
    assert User(login="a", roles=()).to_json()["Roles"] == []


@pytest.mark.parametrize(
    ("raw_path", "parent_paths", "expected"),
    [
        ("/", True, "/sales"),  # v3 top level: the parent
        ("/corp/", True, "/corp/sales"),  # v3 nested: parent with a trailing slash
        ("/corp/sales", False, "/corp/sales"),  # v4: the full path
    ],
)
def test_group_path_per_version(raw_path: str, parent_paths: bool, expected: str) -> None:
    group = Group.from_json(
        {"GroupPath": raw_path, "GroupLabel": "sales"}, parent_paths=parent_paths
    )
    assert group.path == expected


def test_group_body_sends_parent_on_v2_plus_and_full_path_on_v1() -> None:
    group = Group(label="sales", path="/corp/sales")
    assert group.to_json()["GroupPath"] == "/corp"
    assert group.to_json(server_appends_label=False)["GroupPath"] == "/corp/sales"
    assert Group(label="top", path="/top").to_json()["GroupPath"] == "/"


def test_workspace_attributes_are_a_json_string_and_roots_repeat_their_uuid() -> None:
    ws = Workspace(
        uuid="w1",
        slug="common",
        label="Common",
        attributes=(("ALLOW_SYNC", True), ("DEFAULT_RIGHTS", "")),
        roots=(RootNode(uuid="DATASOURCE:p8", path="p8"),),
    )
    body = ws.to_json()
    assert isinstance(body["Attributes"], str)
    assert json.loads(body["Attributes"]) == {"ALLOW_SYNC": True, "DEFAULT_RIGHTS": ""}
    assert body["RootNodes"] == {"DATASOURCE:p8": {"Uuid": "DATASOURCE:p8", "Path": "p8"}}
    assert Workspace.from_json(body) == ws


def test_workspace_with_bad_attributes_still_parses() -> None:
    ws = Workspace.from_json({"UUID": "w", "Slug": "s", "Attributes": "{not json"})
    assert ws.attributes == ()
    assert ws.scope == "ANY"  # Cells' enum default when none is given


def test_role_round_trip_and_auto_applies_blank() -> None:
    role = Role(
        uuid="r",
        label="R",
        is_team=True,
        auto_applies=("standard",),
        policies=(Policy(subject="profile:admin", action="WRITE"),),
    )
    assert Role.from_json(role.to_json()) == role
    assert Role.from_json({"Uuid": "r", "Label": "R", "AutoApplies": [""]}).auto_applies == ()


def test_acl_filter_leaves_empty_fields_out() -> None:
    assert ACL(action="", role_id="r").to_json() == {"RoleID": "r"}
    acl = ACL(action="read", value="1", role_id="r", workspace_id="w", node_id="n")
    assert ACL.from_json({**acl.to_json(), "ID": "7"}).key == acl.key


def test_datasource_secret_and_versioned_flat_storage() -> None:
    ds = DataSource.from_json(
        {"Name": "p8", "ApiKey": "k", "ApiSecret": "s3-secret", "ObjectsPort": "9011"}
    )
    assert ds.objects_port == 9011
    assert "s3-secret" not in repr(ds)
    assert "FlatStorage" not in ds.to_json(with_flat_storage=False)
    assert ds.to_json()["FlatStorage"] is False


def test_job_finished_needs_a_finished_task() -> None:
    running = Job.from_json({"ID": "j", "Tasks": [{"ID": "t", "Status": "Running"}]})
    done = Job.from_json({"ID": "j", "Tasks": [{"ID": "t", "Status": "Finished"}]})
    assert (running.finished, done.finished) == (False, True)


@pytest.mark.parametrize(
    ("version", "major", "appends", "parents", "flat", "dup"),
    [
        ("1.6.2", 1, False, True, False, 403),
        ("2.2.9", 2, True, True, False, 403),
        ("3.0.9", 3, True, True, True, 403),
        ("4.4.0", 4, True, False, True, 403),
        ("5.0.0", 5, True, False, True, 409),
    ],
)
def test_per_version_behaviour(
    version: str, major: int, appends: bool, parents: bool, flat: bool, dup: int
) -> None:
    v = ServerVersion(version=version)
    assert v.major == major
    assert v.group_put_appends_label is appends
    assert v.group_search_gives_parent_path is parents
    assert v.has_flat_storage is flat
    assert v.duplicate_user_status == dup


def test_anonymous_bootconf_hash_is_not_a_version() -> None:
    v = ServerVersion.from_bootconf(
        {"ajxpVersion": "3f1c2a9e0b7d", "backend": {"PackageType": "PydioHome"}}
    )
    assert (v.known, v.edition) == (False, "PydioHome")
