"""The minimal share model over HTTP: links (hashes, custom hash, public page) and cells."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from migrate.cells.emulator import EmulatorConfig, EmulatorServer

pytestmark = pytest.mark.integration


class Api:
    """A tiny JSON caller for one token."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def __call__(self, method: str, path: str, body: object = None) -> tuple[int, Any]:
        resp = self.http.request(method, self.url + path, json=body, timeout=5)
        try:
            return resp.status_code, resp.json()
        except ValueError:
            return resp.status_code, resp.text


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[EmulatorServer, Api, str]]:
    folder = tmp_path / "legacy" / "data"
    (folder / "shared").mkdir(parents=True)
    with EmulatorServer(EmulatorConfig(index_delay_s=0.0, seed=5)) as emu:
        admin = Api(emu.url, emu.mint_pat("admin"))
        body = {"Name": "shareds", "StorageConfiguration": {"folder": str(folder)}}
        assert admin("POST", "/a/config/datasource/shareds", body)[0] == 200
        node = admin("POST", "/a/tree/admin/stat", {"Node": {"Path": "shareds/shared"}})[1]
        yield emu, admin, node["Node"]["Uuid"]


def _link(api: Api, node: str, **extra: Any) -> tuple[int, Any]:
    share = {
        "Label": "l1",
        "RootNodes": [{"Uuid": node}],
        "Permissions": ["Preview", "Download"],
        "LinkHash": "ignored1",
    }
    return api("PUT", "/a/share/link", {"ShareLink": share, "PasswordEnabled": False, **extra})


def test_link_hash_is_random_then_custom_and_unique(setup: tuple[EmulatorServer, Api, str]) -> None:
    emu, admin, node = setup
    status, link = _link(admin, node)
    assert status == 200
    assert link["LinkHash"] != "ignored1"
    assert len(link["LinkHash"]) == 12
    page = requests.get(f"{emu.url}/public/{link['LinkHash']}", timeout=5)
    assert f'"START_REPOSITORY": "{link["Uuid"]}"' in page.text

    short = admin("PUT", "/a/share/link", {"ShareLink": link, "UpdateCustomHash": "abc123"})
    custom = admin("PUT", "/a/share/link", {"ShareLink": link, "UpdateCustomHash": "p8hash000001"})
    assert short[0] == 403
    assert (custom[0], custom[1]["LinkHash"]) == (200, "p8hash000001")
    assert requests.get(f"{emu.url}/public/{link['LinkHash']}", timeout=5).status_code == 404

    other = _link(admin, node)[1]
    taken = admin("PUT", "/a/share/link", {"ShareLink": other, "UpdateCustomHash": "p8hash000001"})
    assert (taken[0], taken[1]["Title"]) == (500, "hash is already in use, please use another one")

    assert admin("DELETE", f"/a/share/link/{link['Uuid']}")[0] == 200
    assert admin("DELETE", f"/a/share/link/{link['Uuid']}")[0] == 404
    assert requests.get(f"{emu.url}/public/p8hash000001", timeout=5).status_code == 404
    assert admin("PUT", "/a/share/link", {"ShareLink": {"Uuid": "nope"}})[0] == 500


def test_a_lower_hash_min_length_parameter_allows_pydio8_hashes(
    setup: tuple[EmulatorServer, Api, str],
) -> None:
    _, admin, node = setup
    me = admin("GET", "/a/user/admin")[1]
    param = {
        "Action": {"Name": "parameter:action.share:HASH_MIN_LENGTH", "Value": "6"},
        "RoleID": me["Uuid"],
        "WorkspaceID": "PYDIO_REPO_SCOPE_ALL",
    }
    assert admin("PUT", "/a/acl", param)[0] == 200
    link = _link(admin, node)[1]
    custom = admin("PUT", "/a/share/link", {"ShareLink": link, "UpdateCustomHash": "rec3ab"})
    assert len(link["LinkHash"]) == 6
    assert (custom[0], custom[1]["LinkHash"]) == (200, "rec3ab")


def test_hidden_link_user_logs_in_only_through_the_minisite(
    setup: tuple[EmulatorServer, Api, str],
) -> None:
    emu, admin, node = setup
    link = _link(admin, node)[1]
    info = {
        "login": link["UserLogin"],
        "password": link["UserLogin"] + "#$!Az1",
        "type": "credentials",
    }
    plain = requests.post(f"{emu.url}/a/frontend/session", json={"AuthInfo": info}, timeout=5)
    minisite = requests.post(
        f"{emu.url}/a/frontend/session",
        json={"AuthInfo": info},
        headers={"X-Pydio-Minisite": link["LinkHash"]},
        timeout=5,
    )
    alice_body = {
        "Login": "alice",
        "Password": "Alice-Pass-1",
        "Attributes": {"profile": "standard"},
    }
    assert admin("PUT", "/a/user/alice", alice_body)[0] == 200
    theirs = _link(Api(emu.url, emu.mint_pat("alice")), node)[1]
    users = [u["Login"] for u in admin("POST", "/a/user", {})[1]["Users"]]
    assert plain.status_code == 401
    assert minisite.status_code == 200
    # recorded: the admin finds the users of its own links, not those of other users' links
    assert link["UserLogin"] in users
    assert theirs["UserLogin"] not in users
    wrong_link = requests.post(
        f"{emu.url}/a/frontend/session",
        json={"AuthInfo": info},
        headers={"X-Pydio-Minisite": theirs["LinkHash"]},
        timeout=5,
    )
    assert wrong_link.status_code == 401  # another link's hash does not let it in


def test_cells_store_actions_as_sent_and_share_with_members(
    setup: tuple[EmulatorServer, Api, str],
) -> None:
    emu, admin, node = setup
    bob = admin(
        "PUT",
        "/a/user/bob",
        {"Login": "bob", "Password": "Bob-Pass-1", "Attributes": {"profile": "standard"}},
    )[1]
    room = {
        "Label": "c1",
        "RootNodes": [{"Uuid": node}],
        "ACLs": {
            bob["Uuid"]: {
                "RoleId": bob["Uuid"],
                "Actions": [{"Name": "read", "Value": "1"}, {"Name": "write"}],
            }
        },
    }
    status, cell = admin("PUT", "/a/share/cell", {"Room": room})
    again = admin("PUT", "/a/share/cell", {"Room": room})[1]
    acls = admin("POST", "/a/acl", {"Queries": [{"WorkspaceIDs": [cell["Uuid"]]}]})[1]["ACLs"]
    bob_api = Api(emu.url, emu.mint_pat("bob"))
    rooms = bob_api("POST", "/a/workspace", {"Queries": [{"scope": "ROOM"}]})[1]
    refused = bob_api("PUT", "/a/share/cell", {"Room": dict(room, Uuid=cell["Uuid"])})
    owned = admin("POST", "/a/share/resources", {"ShareType": "CELLS", "OwnedBySubject": True})[1]
    assert status == 200
    assert again["Uuid"] != cell["Uuid"]  # no Uuid: always a new cell (recorded)
    assert sorted(
        (a["Action"]["Name"], a["Action"].get("Value"))
        for a in acls
        if a.get("RoleID") == bob["Uuid"]
    ) == [
        ("read", "1"),
        ("write", None),
    ]
    assert cell["Uuid"] in [w["UUID"] for w in rooms["Workspaces"]]
    assert refused[0] == 403
    assert len(owned["Resources"][0]["Cells"]) == 2
    assert admin("DELETE", f"/a/share/cell/{cell['Uuid']}")[0] == 200
    assert admin("GET", f"/a/share/cell/{cell['Uuid']}")[0] == 404
