"""cells.codec: request bodies from desired objects, and managed fields that compare equal
after a round trip through Cells' JSON form (what the server echoes back)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from migrate.cells import codec
from migrate.cells.models import Group, Role, User, Workspace
from migrate.cells.storage import DataSource
from migrate.mapping.desired import (
    DesiredDatasource,
    DesiredGroup,
    DesiredRole,
    DesiredUser,
    DesiredWorkspace,
    NodeKind,
    NodeRef,
    PasswordAction,
    PasswordPlan,
)
from migrate.secret import Secret

LOCAL = DesiredDatasource(
    name="lab",
    storage_type="LOCAL",
    storage_configuration=(("folder", "/srv/lab"), ("normalize", "false")),
)
S3 = DesiredDatasource(
    name="archive",
    storage_type="S3",
    objects_bucket="lab-archive",
    storage_configuration=(("customRegion", "eu-west-1"),),
    api_key=Secret("AKIAKEY"),
    api_secret=Secret("topsecret"),
)


def test_datasource_body_carries_the_secret_only_in_the_request() -> None:
    body = codec.datasource_body(S3)
    assert body.to_json()["ApiSecret"] == "topsecret"
    assert "topsecret" not in repr(body)
    fields = dict(codec.datasource_fields(S3))
    assert fields["api_secret"] is not None
    assert "topsecret" not in json.dumps(fields)
    assert fields["api_secret"].startswith("sha256:")


def test_live_local_datasource_ignores_what_cells_computes() -> None:
    # cells-api.md §1.2: ObjectsBucket, ApiKey and ApiSecret are filled by Cells for LOCAL
    live = DataSource.from_json(
        {
            "Name": "lab",
            "StorageConfiguration": {"folder": "/srv/lab", "normalize": "false"},
            "ObjectsBucket": "lab",
            "ApiKey": "generated",
            "ApiSecret": "3f0e-vault-id",
            "ObjectsServiceName": "local1",
        }
    )
    assert codec.live_datasource_fields(live, LOCAL) == codec.datasource_fields(LOCAL)


def test_live_s3_secret_is_not_comparable_but_the_key_is() -> None:
    live = DataSource.from_json(
        {
            "Name": "archive",
            "StorageType": "S3",
            "ObjectsBucket": "lab-archive",
            "StorageConfiguration": {"customRegion": "eu-west-1"},
            "ApiKey": "AKIAOTHER",
            "ApiSecret": "vault-uuid",
        }
    )
    wanted = dict(codec.datasource_fields(S3))
    got = dict(codec.live_datasource_fields(live, S3))
    assert got["api_secret"] == wanted["api_secret"]  # unreadable: never a change
    assert got["api_key"] != wanted["api_key"]


def test_user_body_has_no_password_and_the_given_uuid() -> None:
    user = DesiredUser(
        uuid="u-1",
        login="ada",
        group_path="/lab",
        profile="standard",
        display_name="Ada",
        roles=("r1", "r2"),
        password=PasswordPlan(action=PasswordAction.KEEP_HASH, legacy_hash=Secret("sha256:x")),
    )
    body = codec.user_body(user, uuid="live-uuid").to_json()
    assert body["Uuid"] == "live-uuid"
    assert "Password" not in body
    assert body["Roles"] == [{"Uuid": "r1"}, {"Uuid": "r2"}]
    assert body["Attributes"] == {"displayName": "Ada", "profile": "standard"}


@pytest.mark.parametrize(
    ("live_path", "equal"),
    [("/lab/", True), ("/lab", True), ("lab", True), ("/lab/x/", False)],
    ids=["v3-trailing-slash", "plain", "relative", "other"],
)
def test_user_group_paths_compare_in_one_form(live_path: str, equal: bool) -> None:
    user = DesiredUser(
        uuid="u", login="ada", group_path="/lab", profile="standard", display_name="Ada"
    )
    live = User(
        login="ada",
        uuid="u",
        group_path=live_path,
        attributes=(("displayName", "Ada"), ("profile", "standard")),
        roles=(),
    )
    same = (
        dict(codec.user_fields(user))["group_path"]
        == dict(codec.live_user_fields(live))["group_path"]
    )
    assert same is equal


def test_workspace_attributes_empty_values_are_absent() -> None:
    assert codec.attribute_values((("DEFAULT_RIGHTS", ""), ("ALLOW_SYNC", True))) == (
        '{"ALLOW_SYNC":true}'
    )


def test_workspace_unresolved_root_equals_live_root_with_that_path() -> None:
    ws = DesiredWorkspace(
        uuid="w",
        slug="p",
        label="P",
        root_nodes=(NodeRef(kind=NodeKind.FOLDER, path="lab/projects"),),
    )
    live = Workspace.from_json(
        {
            "UUID": "w",
            "Slug": "p",
            "Label": "P",
            "Scope": "ADMIN",
            "RootNodes": {"n-1": {"Uuid": "n-1", "Path": "lab/projects"}},
        }
    )
    assert codec.workspace_fields(ws) == codec.live_workspace_fields(live, ["lab/projects"])
    resolved = {"lab/projects": "n-1"}
    assert codec.workspace_fields(ws, resolved) == codec.live_workspace_fields(live)
    assert codec.workspace_body(ws, resolved).to_json()["RootNodes"] == {
        "n-1": {"Uuid": "n-1", "Path": "lab/projects"}
    }


_text = st.text(alphabet="abcdefghij-", min_size=1, max_size=8)


@given(
    label=_text,
    applies=st.lists(st.sampled_from(["standard", "shared", "admin"]), unique=True),
    team=st.booleans(),
    override=st.booleans(),
)
def test_role_round_trip_is_equal(
    label: str, applies: list[str], team: bool, override: bool
) -> None:
    role = DesiredRole(
        uuid="r", label=label, auto_applies=tuple(applies), is_team=team, force_override=override
    )
    echoed = codec.role_body(role).to_json()
    if applies:
        echoed["AutoApplies"] = list(reversed(applies))  # order means nothing
    assert codec.live_role_fields(Role.from_json(echoed)) == codec.role_fields(role)


@given(
    login=_text,
    group=st.lists(_text, max_size=3).map(lambda p: "/" + "/".join(p)),
    profile=st.sampled_from(["standard", "shared", "admin"]),
    name=_text,
    email=st.none() | _text.map(lambda t: t + "@x.test"),
    roles=st.lists(_text, unique=True, max_size=3),
)
def test_user_round_trip_is_equal(
    login: str, group: str, profile: str, name: str, email: str | None, roles: list[str]
) -> None:
    user = DesiredUser(
        uuid="u",
        login=login,
        group_path=group,
        profile=profile,
        display_name=name,
        email=email,
        roles=tuple(roles),
    )
    echoed = User.from_json(codec.user_body(user, uuid="u").to_json())
    assert codec.live_user_fields(echoed) == codec.user_fields(user)


@given(display=_text)
def test_group_round_trip_is_equal(display: str) -> None:
    group = DesiredGroup(uuid="g", path="/a/b", parent_path="/a", label="b", display_name=display)
    echoed = codec.group_body(group).to_json(server_appends_label=True)
    live = Group.from_json(echoed, parent_paths=True)
    assert live.path == "/a/b"
    assert codec.live_group_fields(live) == codec.group_fields(group)
