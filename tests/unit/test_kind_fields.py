"""Kind handlers: request bodies from desired objects, and ONE definition of the managed
fields per kind, equal after a round trip through Cells' JSON form (what the server echoes
back)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from migrate.cells.models import Group, Role, User, Workspace
from migrate.cells.storage import DataSource
from migrate.kinds import datasource, group, role, user, workspace
from migrate.kinds.fields import Fields, attribute_values
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


def _ds(ds: DesiredDatasource) -> Fields:
    return datasource.HANDLER.fields(datasource.body(ds))


def _live_ds(live: DataSource, like: DesiredDatasource) -> Fields:
    wanted = _ds(like)
    return datasource.HANDLER.comparable(wanted, datasource.HANDLER.fields(live))


def _ws(ws: DesiredWorkspace, resolved: dict[str, str] | None = None) -> Fields:
    return workspace.HANDLER.fields(workspace.body(ws, resolved))


def test_datasource_body_carries_the_secret_only_in_the_request() -> None:
    body = datasource.body(S3)
    assert body.to_json()["ApiSecret"] == "topsecret"
    assert "topsecret" not in repr(body)
    fields = dict(datasource.HANDLER.fields(datasource.body(S3)))
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
    assert _live_ds(live, LOCAL) == _ds(LOCAL)


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
    wanted = dict(datasource.HANDLER.fields(datasource.body(S3)))
    got = dict(_live_ds(live, S3))
    assert got["api_secret"] == wanted["api_secret"]  # unreadable: never a change
    assert got["api_key"] != wanted["api_key"]


def test_user_body_has_no_password_and_the_given_uuid() -> None:
    ada = DesiredUser(
        uuid="u-1",
        login="ada",
        group_path="/lab",
        profile="standard",
        display_name="Ada",
        roles=("r1", "r2"),
        password=PasswordPlan(action=PasswordAction.KEEP_HASH, legacy_hash=Secret("sha256:x")),
    )
    body = user.body(ada, uuid="live-uuid").to_json()
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
    ada = DesiredUser(
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
        dict(user.HANDLER.fields(user.body(ada, uuid="u")))["group_path"]
        == dict(user.HANDLER.fields(live))["group_path"]
    )
    assert same is equal


def test_workspace_attributes_empty_values_are_absent() -> None:
    assert attribute_values((("DEFAULT_RIGHTS", ""), ("ALLOW_SYNC", True))) == (
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
    assert _ws(ws) == workspace.HANDLER.fields(live, ["lab/projects"])
    resolved = {"lab/projects": "n-1"}
    assert _ws(ws, resolved) == workspace.HANDLER.fields(live)
    assert workspace.body(ws, resolved).to_json()["RootNodes"] == {
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
    desired = DesiredRole(
        uuid="r", label=label, auto_applies=tuple(applies), is_team=team, force_override=override
    )
    echoed = role.body(desired).to_json()
    if applies:
        echoed["AutoApplies"] = list(reversed(applies))  # order means nothing
    assert role.HANDLER.fields(Role.from_json(echoed)) == role.HANDLER.fields(role.body(desired))


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
    desired = DesiredUser(
        uuid="u",
        login=login,
        group_path=group,
        profile=profile,
        display_name=name,
        email=email,
        roles=tuple(roles),
    )
    echoed = User.from_json(user.body(desired, uuid="u").to_json())
    assert user.HANDLER.fields(echoed) == user.HANDLER.fields(user.body(desired, uuid="u"))


@given(display=_text)
def test_group_round_trip_is_equal(display: str) -> None:
    desired = DesiredGroup(uuid="g", path="/a/b", parent_path="/a", label="b", display_name=display)
    echoed = group.body(desired).to_json(server_appends_label=True)
    live = Group.from_json(echoed, parent_paths=True)
    assert live.path == "/a/b"
    assert group.HANDLER.fields(live) == group.HANDLER.fields(group.body(desired))
