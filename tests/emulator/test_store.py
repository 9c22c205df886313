"""The emulator's store and handlers called in-process (no socket): Cells' rules as data."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from migrate.cells.emulator import acls, auth, roles, users, workspaces
from migrate.cells.emulator.answers import ApiError, Call
from migrate.cells.emulator.auth import AuthTables
from migrate.cells.emulator.config import EmulatorConfig
from migrate.cells.emulator.fresh import seed
from migrate.cells.emulator.store import Store


def make_store(**config: Any) -> Store:
    store = Store(EmulatorConfig(seed=1, **config), clock=lambda: 1_800_000_000.0)
    seed(store)
    return store


def call(body: dict[str, Any] | None = None, caller: str = "admin", **params: str) -> Call:
    raw = json.dumps(body).encode() if body is not None else b""
    return Call(method="X", path="/", params=params, query={}, headers={}, raw=raw, caller=caller)


def put_ws(store: Store, **body: Any) -> dict[str, Any]:
    body.setdefault("Scope", "ADMIN")
    answer = workspaces.put_workspace(store, call(body, slug=str(body.get("Slug", "x"))))
    assert isinstance(answer.body, dict)
    return answer.body


ROOT = {"DATASOURCE:pydiods1": {"Uuid": "DATASOURCE:pydiods1", "Path": "pydiods1"}}


def test_a_taken_slug_is_suffixed_on_create_but_kept_on_update() -> None:
    store = make_store()
    first = put_ws(store, Slug="team", Label="Team", RootNodes=ROOT)
    second = put_ws(store, Slug="team", Label="Team again", RootNodes=ROOT)
    third = put_ws(store, Slug="team", Label="Team 3", RootNodes=ROOT)
    update = put_ws(store, Slug="team", Label="Renamed", RootNodes=ROOT, UUID=first["UUID"])
    assert [first["Slug"], second["Slug"], third["Slug"], update["Slug"]] == [
        "team",
        "team-1",
        "team-2",
        "team",
    ]


def test_workspace_search_total_is_the_page_size_as_recorded() -> None:
    store = make_store()
    for i in range(5):
        put_ws(store, Slug=f"w{i}", Label="w", RootNodes=ROOT)
    page = workspaces.search_workspaces(store, call({"Limit": "2", "Offset": "0"})).body
    everything = workspaces.search_workspaces(store, call({})).body
    assert isinstance(page, dict)
    assert isinstance(everything, dict)
    assert (len(page["Workspaces"]), page["Total"]) == (2, 2)
    assert everything["Total"] == 7  # 5 + personal-files + common-files


def test_a_root_on_nothing_is_accepted_and_left_out_of_searches() -> None:
    # tree-stat-missing.yaml: Cells accepts roots that point at nothing; searches omit them.
    store = make_store()
    ws = put_ws(store, Slug="x", Label="x", RootNodes={"nope": {"Uuid": "nope", "Path": "x"}})
    assert ws["RootNodes"] == {"nope": {"Uuid": "nope", "Path": "x"}}
    found = workspaces.render_workspace(store, store.t.workspaces[ws["UUID"]])
    assert "RootNodes" not in found


def test_every_workspace_put_rewrites_root_group_acls_and_drops_a_missing_quota() -> None:
    store = make_store()
    attrs = json.dumps({"DEFAULT_RIGHTS": "rw", "QUOTA": "1024"})
    ws = put_ws(store, Slug="q", Label="q", RootNodes=ROOT, Attributes=attrs)

    def root_group() -> list[tuple[str, str]]:
        return sorted(
            (a.action, a.value)
            for a in store.acls_of_workspace(ws["UUID"])
            if a.role_id == "ROOT_GROUP"
        )

    assert root_group() == [("quota", "1024"), ("read", "1"), ("write", "1")]
    put_ws(
        store,
        Slug="q",
        Label="q",
        RootNodes=ROOT,
        UUID=ws["UUID"],
        Attributes='{"DEFAULT_RIGHTS":"r"}',
    )
    assert root_group() == [("read", "1")]
    search = workspaces.search_workspaces(store, call({"Queries": [{"slug": "q"}]}))
    assert isinstance(search.body, dict)
    assert json.loads(search.body["Workspaces"][0]["Attributes"]) == {"DEFAULT_RIGHTS": "r"}


def test_acl_key_is_unique_and_bulk_delete_filters_on_given_fields() -> None:
    store = make_store()
    acl = {
        "Action": {"Name": "read", "Value": "1"},
        "RoleID": "r",
        "WorkspaceID": "w",
        "NodeID": "n",
    }
    acls.put_acl(store, call(acl))
    with pytest.raises(ApiError) as err:
        acls.put_acl(store, call(dict(acl, Action={"Name": "read", "Value": "2"})))
    assert err.value.status == 500
    acls.put_acl(store, call(dict(acl, Action={"Name": "write", "Value": "1"})))
    gone = acls.bulk_delete(store, call({"RoleID": "r", "Action": {"Name": "write"}}))
    again = acls.bulk_delete(store, call({"RoleID": "r", "Action": {"Name": "write"}}))
    left = acls.search_acls(store, call({"Queries": [{"RoleIDs": ["r"]}]}))
    assert gone.body == {"Success": True, "NumRows": "1"}
    assert again.body == {"Success": True}
    assert isinstance(left.body, dict)
    assert [a["Action"]["Name"] for a in left.body["ACLs"]] == ["read"]


def _put_user(store: Store, login: str, **body: Any) -> dict[str, Any]:
    body.setdefault("Attributes", {"profile": "standard"})
    answer = users.put_user(store, call(dict(body, Login=login), login=login))
    assert isinstance(answer.body, dict)
    return answer.body


def test_user_search_pages_with_default_limit_100_and_full_total() -> None:
    store = make_store()
    for i in range(130):
        _put_user(store, f"u{i:03d}")
    first = users.search_users(store, call({"Queries": [{"Login": "u*"}]}))
    last = users.search_users(
        store, call({"Queries": [{"Login": "u*"}], "Offset": "120", "Limit": "50"})
    )
    past = users.search_users(store, call({"Queries": [{"Login": "u*"}], "Offset": 200}))
    count = users.search_users(store, call({"Queries": [{"Login": "u*"}], "CountOnly": True}))
    assert isinstance(first.body, dict)
    assert isinstance(last.body, dict)
    assert (len(first.body["Users"]), first.body["Total"]) == (100, 130)
    assert [u["Login"] for u in last.body["Users"]] == [f"u{i:03d}" for i in range(120, 130)]
    assert past.body == {"Total": 130}
    assert count.body == {"Total": 130}


def test_duplicate_login_without_uuid_is_403_and_409_on_v5() -> None:
    for version, status in (("3.0.9", 403), ("5.0.0", 409)):
        store = make_store(version=version)
        _put_user(store, "alice")
        with pytest.raises(ApiError) as err:
            _put_user(store, "alice")
        assert err.value.status == status


@pytest.mark.parametrize(("version", "rendered"), [("3.0.9", "/sales/"), ("4.4.0", "/sales/emea/")])
def test_group_path_is_parent_plus_label_and_rendered_per_version(
    version: str, rendered: str
) -> None:
    store = make_store(version=version)
    body = {"IsGroup": True, "GroupPath": "/sales", "GroupLabel": "emea"}
    group = users.put_user(store, call(body, login="emea")).body
    member = _put_user(store, "bob", GroupPath="/sales/emea")
    assert isinstance(group, dict)
    assert "/sales/emea" in store.t.groups
    assert group["GroupPath"] == rendered
    assert member["GroupPath"] == "/sales/emea/"
    assert [r["Label"] for r in member["Roles"]][:3] == ["Root Group", "Group sales", "Group emea"]


def test_a_slash_in_the_login_splits_into_group_path() -> None:
    store = make_store()
    user = _put_user(store, "rec/slash")
    assert (user["Login"], user["GroupPath"]) == ("slash", "/rec/")


def test_profile_defaults_to_shared_and_hashed_password_attribute_is_refused() -> None:
    store = make_store()
    shared = _put_user(store, "s1", Attributes={})
    with pytest.raises(ApiError) as err:
        _put_user(store, "h1", Attributes={"profile": "standard", "pydio:password_hashed": "true"})
    assert shared["Attributes"]["profile"] == "shared"
    assert shared["Roles"][0]["Uuid"] == "EXTERNAL_USERS"
    assert err.value.status == 403


def test_role_order_puts_force_override_roles_last_before_the_user_role() -> None:
    store = make_store()
    for uid, force in (("a", False), ("b", True), ("c", False)):
        roles.put_role(store, call({"Uuid": uid, "Label": uid, "ForceOverride": force}, uuid=uid))
    user = _put_user(store, "u", Roles=[{"Uuid": "b"}, {"Uuid": "a"}, {"Uuid": "c"}])
    assert [r["Uuid"] for r in user["Roles"]][:4] == ["ROOT_GROUP", "a", "c", "b"]
    assert user["Roles"][-1]["Uuid"] == user["Uuid"]


def test_refresh_token_rotation_in_process() -> None:
    store = make_store()
    tables = AuthTables()
    verifier = "v" * 43
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    query = {
        "client_id": ["cells-client"],
        "response_type": ["code"],
        "state": ["abcdefgh"],
        "redirect_uri": ["http://localhost:3000/servers/callback"],
        "code_challenge": [challenge.decode()],
    }
    redirect = auth.oauth_auth(
        store, tables, Call(method="GET", path="/", params={}, query=query, headers={}, raw=b"")
    )
    location = dict(redirect.headers)["Location"]
    login = {
        "AuthInfo": {
            "login": "admin",
            "password": "admin",
            "type": "credentials",
            "challenge": location.rsplit("=", 1)[1],
        }
    }
    code_url = auth.front_session(store, tables, call(login)).body
    assert isinstance(code_url, dict)
    code = code_url["RedirectTo"].split("code=")[1].split("&")[0]

    def token(form: str) -> dict[str, Any]:
        answer = auth.oauth_token(
            store,
            tables,
            Call(method="POST", path="/", params={}, query={}, headers={}, raw=form.encode()),
        )
        assert isinstance(answer.body, dict)
        return answer.body

    redirect_uri = "http%3A%2F%2Flocalhost%3A3000%2Fservers%2Fcallback"
    first = token(
        f"grant_type=authorization_code&client_id=cells-client&code={code}"
        f"&code_verifier={verifier}&redirect_uri={redirect_uri}"
    )
    second = token(
        f"grant_type=refresh_token&client_id=cells-client&refresh_token={first['refresh_token']}"
    )
    reused = token(
        f"grant_type=refresh_token&client_id=cells-client&refresh_token={first['refresh_token']}"
    )
    assert second["refresh_token"] != first["refresh_token"]
    assert reused["error"] == "invalid_request"
    assert auth.authenticate(store, tables, f"Bearer {second['access_token']}") == "admin"
    with pytest.raises(ApiError):
        auth.authenticate(store, tables, f"Bearer {first['access_token']}")


@pytest.mark.parametrize(
    ("stored", "password", "ok"),
    [
        # Pydio 8 PHP style: the base64 salt text is the salt (cells-api.md §4).
        (
            "sha256:1000:c2FsdHNhbHQ=:"
            + base64.b64encode(
                hashlib.pbkdf2_hmac("sha256", b"pw", b"c2FsdHNhbHQ=", 1000, 24)
            ).decode(),
            "pw",
            True,
        ),
        (hashlib.md5(b"old").hexdigest(), "old", True),  # noqa: S324 - legacy format under test
        (hashlib.md5(b"old").hexdigest(), "new", False),  # noqa: S324
    ],
    ids=["php-salt", "md5", "md5-wrong"],
)
def test_legacy_password_formats_verify(stored: str, password: str, ok: bool) -> None:
    assert users.check_password(stored, password) is ok
