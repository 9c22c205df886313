"""CellsClient against the fourth batch of recordings (README "Object services, missing
nodes, S3"): what a stat's 500 means, readable errors, deletes of names Cells has not got."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from migrate.cells.client import CellsClient
from migrate.cells.storage import DataSource
from migrate.errors import CellsHTTPError, DatasourceNotServed
from migrate.secret import Secret

pytestmark = pytest.mark.cassette
Replay = Callable[[str], Any]


def _local(name: str, folder: str, port: int = 0) -> DataSource:
    conf = (("folder", folder), ("normalize", "false"))
    return DataSource(name=name, storage_configuration=conf, objects_port=port)


def test_missing_node_is_none_and_an_unserved_datasource_raises(
    client: CellsClient, replay: Replay
) -> None:
    with replay("tree-stat-missing.yaml"):
        assert client.stat_node("pydiods1/rec4-missing") is None  # 500 "Could not retrieve"
        assert client.stat_node("pydiods1/rec4-missing/deeper/file.txt") is None
        with pytest.raises(DatasourceNotServed, match="Could not find DataSource rec4nods"):
            client.stat_node("rec4nods/folder")  # never created
        with pytest.raises(DatasourceNotServed) as err:
            client.stat_node("rec4big")  # created with 200, never served
    assert err.value.subject == "datasource:rec4big"


def test_refusals_are_one_readable_line(client: CellsClient, replay: Replay) -> None:
    with replay("datasource-object-service-roots.yaml"), pytest.raises(CellsHTTPError) as nested:
        client.put_datasource(_local("rec4top", "/srv/legacy/top"))
    with (
        replay("datasource-missing-and-unwritable-folder.yaml"),
        pytest.raises(CellsHTTPError) as missing,
    ):
        client.put_datasource(_local("rec4miss", "/srv/legacy/m/missing", 9441))
    assert str(nested.value).startswith(
        "object service local2 is already pointing to /srv/legacy/a, make sure to avoid"
    )
    # the Title is an embedded JSON error: its detail is what the operator reads
    assert str(missing.value) == (
        "stat /srv/legacy/m/missing: no such file or directory "
        "(POST /a/config/datasource/rec4miss -> HTTP 500)"
    )
    for text in (str(nested.value), str(missing.value)):
        assert "{" not in text
        assert "\n" not in text


def test_deleting_a_name_cells_has_not_got_is_not_an_error(
    client: CellsClient, replay: Replay
) -> None:
    with replay("datasource-missing-and-unwritable-folder.yaml"):
        # refused create (500 above), so DELETE answers 500 "Cannot find datasource!" and
        # GET 404: already gone
        with pytest.raises(CellsHTTPError):
            client.put_datasource(_local("rec4miss", "/srv/legacy/m/missing", 9441))
        assert client.delete_datasource("rec4miss") is False
        assert client.delete_datasource("rec4create") is True
    with replay("datasource-s3.yaml"):
        assert client.delete_datasource("rec4s3b") is False


def test_s3_datasource_create_keeps_the_key_and_hides_the_secret(
    client: CellsClient, replay: Replay
) -> None:
    ds = DataSource(
        name="rec4s3",
        storage_type="S3",
        objects_bucket="rec4bucket",
        objects_port=9431,
        api_key="<API_KEY_1>",
        api_secret=Secret("<API_SECRET_1>"),
        storage_configuration=(
            ("customEndpoint", "http://127.0.0.1:9500"),
            ("customRegion", "us-east-1"),
        ),
    )
    with replay("datasource-s3.yaml"):
        written = client.put_datasource(ds)
        folder = client.stat_node("rec4s3/Projects/2020")
        missing = client.stat_node("rec4s3/rec4-missing")
    assert (written.storage_type, written.objects_service_name) == ("S3", "gateway1")
    assert written.api_key == "<API_KEY_1>"
    assert written.api_secret is not None
    assert written.api_secret.reveal() != "<API_SECRET_1>"  # a vault reference comes back
    assert folder is not None
    assert folder.is_collection
    assert missing is None
