"""Users, groups, roles and ACLs replayed from a real Cells 3.0.9 (cells-v3-recordings)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from migrate.cells.client import CellsClient
from migrate.cells.models import ACL, Group, Role, User
from migrate.errors import CellsAuthError, CellsError
from migrate.secret import Secret

pytestmark = pytest.mark.cassette
Replay = Callable[[str], Any]


def test_role_crud(client: CellsClient, replay: Replay) -> None:
    with replay("role-crud.yaml") as cassette:
        plain = client.put_role(Role(uuid="rec-role-1", label="Rec Role 1"))
        team = client.put_role(Role(uuid="rec-team-1", label="Rec Team 1", is_team=True))
        auto = client.put_role(
            Role(uuid="rec-role-auto", label="Rec auto standard", auto_applies=("standard",))
        )
        got = client.get_role("rec-role-1")
        renamed = client.put_role(Role(uuid="rec-role-1", label="Rec Role 1 (renamed)"))
        by_ids = client.search_roles([{"Uuid": ["rec-role-1", "rec-team-1"]}])
        by_label = client.search_roles([{"Label": "Rec*"}])
        no_technical = client.search_roles(
            [
                {"IsGroupRole": True, "not": True},
                {"IsUserRole": True, "not": True},
                {"IsTeam": True, "not": True},
            ],
            operation="AND",
        )
        every = client.search_roles()
        with pytest.raises(CellsError, match="needs a Uuid and a label"):
            client.put_role(Role(uuid="rec-role-nolabel", label=""))
        assert cassette.play_count == 9  # refused before sending (Cells would answer 500)
        mismatch = client.transport.call(
            "PUT", "/a/role/rec-role-mismatch", body={"Uuid": "rec-role-other", "Label": "mismatch"}
        )
        deleted = client.delete_role("rec-role-auto")
        deleted_again = client.delete_role("rec-role-auto")
        missing = client.get_role("rec-role-auto")
    assert (plain.uuid, plain.label, plain.is_team) == ("rec-role-1", "Rec Role 1", False)
    assert team.is_team
    assert auto.auto_applies == ("standard",)
    assert got is not None
    assert got.auto_applies == ()  # GET's [""] is not a profile
    assert {p.subject for p in got.policies} == {"profile:standard", "profile:admin"}
    assert renamed.label == "Rec Role 1 (renamed)"
    assert {r.uuid for r in by_ids} == {"rec-role-1", "rec-team-1"}
    assert all(r.label.startswith("Rec") for r in by_label)
    assert not any(r.is_team or r.group_role or r.user_role for r in no_technical)
    assert len(every) >= len(no_technical)
    assert mismatch["Uuid"] == "rec-role-other"  # body Uuid wins: we always send both equal
    assert (deleted, deleted_again, missing) == (True, False, None)


def _user(login: str, profile: str, **kw: Any) -> User:
    return User(
        login=login,
        attributes=(("profile", profile),),
        password=Secret("RecUser2026!"),
        group_path=kw.pop("group_path", ""),
        **kw,
    )


def test_user_crud(client: CellsClient, replay: Replay) -> None:
    attrs = (
        ("displayName", "Rec User One"),
        ("email", "rec-user1@example.invalid"),
        ("profile", "standard"),
    )
    with replay("user-crud.yaml"):
        created = client.put_user(
            User(
                login="rec-user1",
                group_path="/",
                attributes=attrs,
                roles=("rec-role-1",),
                password=Secret("RecUser2026!"),
            )
        )
        fetched = client.get_user("rec-user1")
        admin = client.put_user(_user("rec-admin1", "admin"))
        shared = client.put_user(_user("rec-shared1", "shared"))
        edited = dict(attrs) | {"displayName": "Rec User One (edited)"}
        updated = client.put_user(
            User(
                login="rec-user1",
                uuid=created.uuid,
                group_path="/",
                attributes=tuple(sorted(edited.items())),
                roles=(),
            )
        )
        with pytest.raises(CellsAuthError) as duplicate:
            client.put_user(
                User(
                    login="rec-user1",
                    group_path="",
                    attributes=(("profile", "standard"),),
                    password=Secret("x"),
                )
            )
        spaced = client.put_user(_user("rec user space", "standard"))
        spaced_back = client.get_user("rec user space")
        first_delete = client.delete_user("rec-shared1")
        second_delete = client.delete_user("rec-shared1")
        gone = client.get_user("rec-shared1")
    assert created.login == "rec-user1"
    assert created.uuid == "e5434d5a-2ad4-4ad2-b594-330d932c4ec0"
    assert created.roles == ("rec-role-1",)  # ROOT_GROUP and the user role are read-time
    assert fetched is not None
    assert fetched.profile == "standard"
    assert dict(fetched.attributes)["email"] == "rec-user1@example.invalid"
    assert admin.profile == "admin"
    assert shared.profile == "shared"
    assert updated.uuid == created.uuid
    assert updated.roles == ()
    assert dict(updated.attributes)["displayName"] == "Rec User One (edited)"
    assert duplicate.value.status == 403
    assert "same login" in str(duplicate.value)
    assert spaced.login == "rec user space"
    assert spaced_back is not None
    assert spaced_back.uuid == spaced.uuid
    assert (first_delete, second_delete) == (True, False)
    assert gone is None


def test_password_hash_attribute_is_refused(client: CellsClient, replay: Replay) -> None:
    hashed = (
        "sha256:1000:bke78DrYaOg5fTFlcWAHLoDbKP+HfuxOvnJXZzWwjDE=:zLTuCV2l5LK72Jj0P4neelO9vjjYhnxo"
    )
    with replay("legacy-password-hash.yaml") as cassette:
        with pytest.raises(CellsAuthError) as refused:
            client.put_user(
                User(
                    login="rec-legacy1",
                    group_path="",
                    attributes=(("profile", "standard"), ("pydio:password_hashed", "true")),
                    password=Secret(hashed),
                )
            )
        assert cassette.play_count == 1  # a 403 is never retried
    assert refused.value.status == 403
    assert hashed not in str(refused.value)


def test_group_crud(client: CellsClient, replay: Replay) -> None:
    with replay("group-crud.yaml"):
        top = client.put_group(
            Group(label="rec-grp", path="/rec-grp", attributes=(("displayName", "Rec Group"),))
        )
        sub = client.put_group(
            Group(
                label="rec-sub",
                path="/rec-grp/rec-sub",
                attributes=(("displayName", "Rec Sub Group"),),
            )
        )
        member = client.put_user(
            User(
                login="rec-grp-member",
                group_path="/rec-grp/rec-sub",
                attributes=(("displayName", "Member"), ("profile", "standard")),
                password=Secret("RecGrp2026!"),
            )
        )
        users, groups = client.search_people([{"GroupPath": "/rec-grp"}])
        again = client.put_group(
            Group(label="rec-grp", path="/rec-grp", attributes=(("displayName", "dup"),))
        )
        spaced = client.put_group(Group(label="rec-bad grp", path="/rec-bad grp"))
        client.delete_group("/rec-grp/rec-sub")
        client.delete_group("/rec-no-such-grp")
    assert top.path == "/rec-grp"
    assert sub.path == "/rec-grp/rec-sub"  # v3 answers the parent "/rec-grp/" + label
    assert sub.parent_path == "/rec-grp"
    assert member.group_path == "/rec-grp/rec-sub/"
    assert [g.path for g in groups] == ["/rec-grp/rec-sub"]
    assert {u.login for u in users} >= {"rec-grp-top"}
    assert again.uuid == top.uuid  # a re-PUT updates the same group
    assert spaced.path == "/rec-bad grp"


def test_delete_root_group_is_refused_locally(client: CellsClient) -> None:
    with pytest.raises(CellsError, match="root group"):
        client.delete_group("/")


WS_FULL = "2dade52b-bc2f-4779-aa87-9fd2fd093f75"
WS_SUB = "1bff6af6-f3ba-403b-9219-cc93fce7d7eb"
DOCS = "31240d18-6ac8-4edd-b34a-92b8e1fbc405"


def test_acl_crud(client: CellsClient, replay: Replay) -> None:
    read_full = ACL(
        action="read",
        value="1",
        role_id="rec-role-1",
        workspace_id=WS_FULL,
        node_id="DATASOURCE:recds1",
    )
    with replay("acl-crud.yaml") as cassette:
        inserted = [
            client.put_acl(read_full),
            client.put_acl(
                ACL(
                    action="write",
                    value="1",
                    role_id="rec-role-1",
                    workspace_id=WS_FULL,
                    node_id="DATASOURCE:recds1",
                )
            ),
            client.put_acl(
                ACL(
                    action="read",
                    value="1",
                    role_id="rec-role-1",
                    workspace_id=WS_SUB,
                    node_id=DOCS,
                )
            ),
            client.put_acl(ACL(action="deny", value="1", role_id="rec-role-1", node_id=DOCS)),
        ]
        by_role = client.search_acls(role_ids=["rec-role-1"])
        by_ws = client.search_acls(workspace_ids=[WS_FULL])
        removed_deny = client.delete_acls(
            ACL(action="deny", value="1", role_id="rec-role-1", node_id=DOCS)
        )
        with pytest.raises(CellsError, match="broad"):
            client.delete_acls(ACL(action="write", role_id="rec-role-1", workspace_id=WS_FULL))
        removed_write = client.delete_acls(
            ACL(action="write", role_id="rec-role-1", workspace_id=WS_FULL), broad=True
        )
        after = client.search_acls(role_ids=["rec-role-1"])
        removed_rest = client.delete_acls(ACL(action="", role_id="rec-role-1"), broad=True)
        empty = client.search_acls(role_ids=["rec-role-1"])
        played = cassette.play_count
        with pytest.raises(CellsError, match="needs an action, a node"):
            client.put_acl(ACL(action="read", value="1"))  # Cells would store it (acl-crud #20)
        assert cassette.play_count == played  # refused before sending
    assert [a.id for a in inserted] == ["43", "44", "45", "46"]
    assert inserted[0].key == read_full.key
    assert {a.action for a in by_role} == {"read", "write", "deny"}
    assert {a.workspace_id for a in by_ws} == {WS_FULL}
    assert (removed_deny, removed_write, removed_rest) == (1, 1, 2)
    assert {a.id for a in after} == {"43", "45"}
    assert empty == []
