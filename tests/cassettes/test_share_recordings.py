"""Share calls replayed against the real Cells 3.0.9 recordings (the share-*.yaml cassettes).

Each request the share client builds must match a recorded one (method, path, JSON body):
a link created with only its fields, the custom-hash update sending the object as GET
returned it plus ``UpdateCustomHash``, the hand-over of a cell with ``PUT
/a/share/policies``, cells with ``Value:"1"`` actions, and the answers Cells gave (the hash
in use, a link found by its hash, a deleted link gone).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from migrate.cells.client import CellsClient
from migrate.cells.shares import (
    ShareCell,
    ShareLink,
    delete_link,
    get_cell,
    get_link,
    handed_over,
    link_by_hash,
    list_cells,
    put_cell,
    put_link,
    put_policies,
)
from migrate.errors import CellsHTTPError

pytestmark = pytest.mark.cassette
Replay = Callable[[str], Any]
LINK1 = "f18ffba8-eac5-11f1-b9d5-2293c8091c38"
LINK2 = "f1c83cb9-eac5-11f1-b9d5-2293c8091c38"
CELL_ROOT = "d6845a6d-8028-4b22-9602-92f5c347f604"
BOB = "6c00acd5-3b1e-41e1-a837-9e007073f6d3"


def test_link_create_then_custom_hash_in_use_deletes_the_new_link(
    client: CellsClient, replay: Replay
) -> None:
    wanted = ShareLink(
        label="rec3-link2",
        description="rec3 test link",
        root_nodes=("a8ad7369-9d33-4e23-923d-42f39debb9d4",),
        permissions=("Preview", "Download", "Upload"),
        access_end="1798419130",
        max_downloads="10",
        template="pydio_shared_folder",
    )
    with replay("share-link-create.yaml"):
        created = put_link(client, wanted)
        assert created.uuid == LINK2
        assert len(created.link_hash) == 12  # Cells' own hash: the Pydio 8 one is set next
        with pytest.raises(CellsHTTPError) as caught:  # the create's answer, as recorded
            put_link(client, created, custom_hash="rec3abcdefgh")
        assert "already in use" in caught.value.message
        assert delete_link(client, created.uuid) is True
        assert delete_link(client, created.uuid) is False  # gone: 404


def test_custom_hash_update_sends_the_object_as_read(client: CellsClient, replay: Replay) -> None:
    with replay("share-link-create.yaml"):
        read = get_link(client, LINK1)
        assert read is not None
        assert read.link_hash == "2f6df08f1b1e"
        before = link_by_hash(client, "2f6df08f1b1e")
        assert before is not None
        assert before.uuid == LINK1
        with pytest.raises(CellsHTTPError) as short:  # shorter than HASH_MIN_LENGTH (12)
            put_link(client, read, custom_hash="rec3ab")
        assert short.value.status == 403
        updated = put_link(client, read, custom_hash="rec3abcdefgh")
        assert updated.link_hash == "rec3abcdefgh"
        found = link_by_hash(client, "rec3abcdefgh")
        assert found is not None
        assert found.uuid == LINK1
        assert link_by_hash(client, "2f6df08f1b1e") is None  # the old hash is 404 at once


def test_cell_with_value_one_actions_found_again_by_listing(
    client: CellsClient, replay: Replay
) -> None:
    cell = ShareCell(
        label="rec3-cell2",
        description="p8:shared-repo-42",
        root_nodes=(CELL_ROOT,),
        acls=((BOB, ("read", "write")),),
    )
    with replay("share-idempotency.yaml"):
        created = put_cell(client, cell)
        assert created.uuid
        assert dict(created.acls)[BOB] == ("read", "write")
    with replay("share-cell-create.yaml"):
        assert "2c2f888c-eac6-11f1-b9d5-2293c8091c38" in list_cells(client)
        found = get_cell(client, "2c2f888c-eac6-11f1-b9d5-2293c8091c38")
        assert found is not None
        assert found.root_nodes == (CELL_ROOT,)


def test_a_link_made_by_the_admin_is_handed_over_as_recorded(
    client: CellsClient, replay: Replay
) -> None:
    wanted = ShareLink(
        label="rec3-admin-link",
        description="rec3 test link",
        root_nodes=("a8ad7369-9d33-4e23-923d-42f39debb9d4",),
        permissions=("Preview", "Download"),
        access_end="1798419147",
        max_downloads="0",  # as the recording sent it (no limit)
        template="pydio_shared_folder",
    )
    with replay("share-link-owner.yaml"):
        created = put_link(client, wanted)
        alice = "bc6106f7-44e7-42fa-856b-4ed0d555ba81"
        policies = handed_over(
            created.policies, owner_uuid=alice, owner_login="rec3-alice", caller_login="admin"
        )
        put_policies(client, created.uuid, policies)
        after = get_link(client, created.uuid)
        assert after is not None
        assert after.owner == alice
