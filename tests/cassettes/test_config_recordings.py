"""Workspaces, datasources, readiness, deletes, version and paging replayed from Cells 3.0.9."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from vcr.errors import CannotOverwriteExistingCassetteException

from migrate.cells.client import CellsClient
from migrate.cells.models import ACL, RootNode, Workspace
from migrate.cells.storage import DataSource
from migrate.errors import CellsError, CellsHTTPError, DatasourceNotServed

pytestmark = pytest.mark.cassette
Replay = Callable[[str], Any]
DOCS = "31240d18-6ac8-4edd-b34a-92b8e1fbc405"
FULL_ROOT = RootNode(uuid="DATASOURCE:recds1", path="recds1")


def _ws(slug: str, label: str, *, uuid: str = "", **kw: Any) -> Workspace:
    return Workspace(uuid=uuid, slug=slug, label=label, scope="ADMIN", **kw)


def test_workspace_crud(client: CellsClient, replay: Replay) -> None:
    full_attrs = (("DEFAULT_RIGHTS", ""), ("QUOTA", "0"))
    with replay("workspace-crud.yaml") as cassette:
        full = client.put_workspace(
            _ws(
                "rec-ws-full",
                "Rec WS Full",
                description="root = whole datasource",
                attributes=full_attrs,
                roots=(FULL_ROOT,),
            )
        )
        folder = client.stat_node("recds1/Documents")
        assert folder is not None
        sub_root = RootNode(uuid=folder.uuid, path=folder.path)
        sub_spec: dict[str, Any] = {
            "description": "root = recds1/Documents",
            "attributes": (("DEFAULT_RIGHTS", "r"),),
            "roots": (sub_root,),
        }
        sub = client.put_workspace(_ws("rec-ws-sub", "Rec WS Sub", **sub_spec))
        every = client.search_workspaces()
        by_slug = client.search_workspaces(slug="rec-ws-sub")
        # Cells answered Total 2 to Limit 2 while 5 ADMIN workspaces existed: the client
        # must not trust that Total and asks for the next page (not in the recording).
        played = cassette.play_count
        with pytest.raises(CannotOverwriteExistingCassetteException) as next_page:
            client.search_workspaces(scope="ADMIN", page=2)
        assert cassette.play_count == played + 1  # page 1 was served, page 2 was asked for
        renamed = client.put_workspace(
            _ws("rec-ws-sub", "Rec WS Sub (renamed)", uuid=sub.uuid, **sub_spec)
        )
        no_root = client.put_workspace(_ws("rec-ws-noroot", "no root"))
        tmp = client.put_workspace(
            _ws(
                "rec-ws-tmp",
                "tmp",
                description="root = whole datasource",
                attributes=full_attrs,
                roots=(FULL_ROOT,),
            )
        )
        deleted = [
            client.delete_workspace("rec-ws-tmp"),
            client.delete_workspace("rec-ws-tmp"),
            client.delete_workspace("rec-no-such-ws"),
        ]
        missing = client.search_workspaces(slug="rec-no-such-ws")
    assert full.uuid == "2dade52b-bc2f-4779-aa87-9fd2fd093f75"
    assert full.roots == (FULL_ROOT,)
    assert folder.uuid == DOCS
    assert folder.is_collection
    assert sub.roots == (RootNode(uuid=DOCS, path="recds1/Documents"),)
    assert dict(sub.attributes) == {"DEFAULT_RIGHTS": "r"}
    assert any(w.slug == "rec-ws-sub" for w in every)
    assert [w.uuid for w in by_slug] == [sub.uuid]
    assert "POST http://127.0.0.1:8080/a/workspace" in str(next_page.value)
    assert renamed.uuid == sub.uuid
    assert renamed.label == "Rec WS Sub (renamed)"
    assert no_root.roots == ()
    assert tmp.slug == "rec-ws-tmp"
    assert deleted == [True, False, False]
    assert missing == []
    assert cassette.play_count >= 12


def test_datasource_structured_create(client: CellsClient, replay: Replay) -> None:
    ds = DataSource(
        name="recds1",
        storage_type="LOCAL",
        flat_storage=False,
        storage_configuration=(
            ("folder", "/srv/cells/legacy-files/rec-ds1"),
            ("normalize", "false"),
        ),
        objects_port=9011,
    )
    with replay("datasource-structured-create.yaml") as cassette:
        before = client.get_datasource("recds1")
        created = client.put_datasource(ds)
        fetched = client.get_datasource("recds1")
        top = client.list_nodes("recds1")
        client.get_datasource("recds1")
        client.list_nodes("recds1")
        tree = client.list_nodes("recds1", recursive=True)
        folder = client.stat_node("recds1/Documents")
        job = client.resync_datasource("recds1")
        played = cassette.play_count
        with pytest.raises(CellsError, match="lowercase letters and digits"):
            client.put_datasource(DataSource(name="rec-bad"))
        assert cassette.play_count == played  # refused before sending
        with pytest.raises(CellsHTTPError) as shallow:
            client.put_datasource(
                DataSource(
                    name="recbad3",
                    storage_configuration=(("folder", "/recbad3"), ("normalize", "false")),
                    objects_port=9011,
                )
            )
        assert cassette.play_count == played + 1  # a 500 is not retried
    assert before is None
    assert created.name == "recds1"
    assert created.objects_bucket == "rec-ds1"
    assert created.api_secret is not None
    assert "API_SECRET" not in repr(created)
    assert fetched is not None
    assert fetched.folder == "/srv/cells/legacy-files/rec-ds1"
    assert top
    assert all(n.path.startswith("recds1/") for n in top)
    assert not any(n.name == ".pydio" for n in tree)
    assert len(tree) >= len(top)
    assert folder is not None
    assert folder.uuid == DOCS
    assert job == "resync-ds-recds1"
    assert shallow.value.status == 500
    assert "two-levels" in str(shallow.value)


def test_datasource_readiness(client: CellsClient, replay: Replay) -> None:
    ds = DataSource(
        name="rectwods",
        storage_configuration=(
            ("folder", "/srv/cells/legacy-files/rec2-ds"),
            ("normalize", "false"),
        ),
        objects_port=9021,
    )
    with replay("datasource-readiness.yaml"):
        services_before = client.services()
        # Before the create: Cells does not serve it ("Could not find DataSource", ~42 s).
        with pytest.raises(DatasourceNotServed, match="Could not find DataSource rectwods"):
            client.stat_node("rectwods")
        with pytest.raises(DatasourceNotServed):
            client.stat_node("rectwods/Projects/2020")
        job_before = client.resync_job("rectwods")
        client.put_datasource(ds)
        # Polls as the datasources stage does; the recording holds a Running task first.
        polls = [client.datasource_ready("rectwods", "Projects/2020") for _ in range(2)]
        services_after = client.services()
        tree = client.list_nodes("rectwods", recursive=True, limit=100)
    names_before = {s.name for s in services_before}
    names_after = {s.name for s in services_after if s.status == "STARTED"}
    assert "pydio.grpc.data.sync.rectwods" not in names_before
    assert job_before is None
    assert polls == [False, True]
    assert "pydio.grpc.data.index.rectwods" in names_after
    assert tree
    assert not any(n.name == ".pydio" for n in tree)


def test_delete_semantics(client: CellsClient, replay: Replay) -> None:
    ws = "2dabfc93-05b9-4902-8ebb-5cb193d2d76e"
    full = ACL(
        action="read",
        value="1",
        role_id="rec2-role-del",
        workspace_id=ws,
        node_id="DATASOURCE:rectwods",
    )
    write = ACL(
        action="write", role_id="rec2-role-del", workspace_id=ws, node_id="DATASOURCE:rectwods"
    )
    with replay("delete-semantics-for-rollback.yaml") as cassette:
        acls_before = client.search_acls(role_ids=["rec2-role-del"])
        removed = [client.delete_acls(full), client.delete_acls(write), client.delete_acls(write)]
        ws_deleted = client.delete_workspace("rec2-ws-del")
        role_deleted = client.delete_role("rec2-role-del")
        role_after = client.get_role("rec2-role-del")
        user_deleted = client.delete_user("rec2-user-del2")
        user_after = client.get_user("rec2-user-del2")
        client.delete_group("/rec2-grp-del")
        members = client.search_people([{"GroupPath": "/rec2-grp-del", "Recursive": True}])
        played = cassette.play_count
        with pytest.raises(CellsHTTPError) as in_use:
            client.delete_datasource("rectwods")
        assert cassette.play_count == played + 1
        for slug in ("rec2-ws-attr3", "rec2-ws-attr2", "rec2-ws-grp", "rec2-ws-attr"):
            client.delete_workspace(slug)
        ds_deleted = client.delete_datasource("rectwods")
        ds_after = client.get_datasource("rectwods")
    assert {a.action for a in acls_before} >= {"read", "write"}
    assert removed == [1, 1, 0]  # the repeat deletes nothing and says so without NumRows
    assert (ws_deleted, role_deleted, role_after) == (True, True, None)
    assert (user_deleted, user_after) == (True, None)
    assert members == ([], [])
    assert in_use.value.status == 500
    assert "workspaces defined" in str(in_use.value)
    assert (ds_deleted, ds_after) == (True, None)


def test_version_detection(replay: Replay, new_client: Callable[..., CellsClient]) -> None:
    with replay("version-detection.yaml"):
        first = new_client(read_only=True).server_version()
        admin = new_client(read_only=True)
        second = admin.server_version()
        cached = admin.server_version()
    assert (first.known, first.edition) == (False, "PydioHome")
    assert second.version == "3.0.9"
    assert second.major == 3
    assert second.edition_label == "Pydio Cells Home Edition"
    assert second.build_stamp > 0
    assert cached is second
    assert second.group_put_appends_label
    assert second.group_search_gives_parent_path
    assert second.has_flat_storage


def test_user_paging_until_total(client: CellsClient, replay: Replay) -> None:
    with replay("pagination-and-search.yaml") as cassette:
        users, groups = client.search_people([{"Login": "rec-page-*"}], page=10)
        assert cassette.play_count == 3  # Offset 0, 10, 20: stops at Total=30
        wildcard, _ = client.search_people(
            [{"AttributeName": "displayName", "AttributeValue": "Page 0*"}]
        )
    assert sorted(u.login for u in users) == [f"rec-page-{i:02d}" for i in range(30)]
    assert groups == []
    assert len(wildcard) == 10
    assert all(dict(u.attributes)["displayName"].startswith("Page 0") for u in wildcard)


def test_people_listing_returns_users_and_groups(client: CellsClient, replay: Replay) -> None:
    with replay("pagination-and-search.yaml") as cassette:
        users, groups = client.search_people()
        assert cassette.play_count == 1  # Total 51 fits one page of 100
    assert (len(users), len(groups)) == (46, 5)
    assert all(g.path.startswith("/") for g in groups)
