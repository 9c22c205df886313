"""The auth flow (httpx's ``Auth.auth_flow``): the request goes out with the bearer; a 401
refreshes once and the request goes out again; nothing process-wide changes (issue 14
point 4)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from migrate.cells.auth import Authenticator, Token, build_session
from migrate.cells.auth_session import INSECURE_TRANSPORT, insecure_transport_allowed
from migrate.cells.client import CellsClient
from migrate.cells.statuses import Reply
from migrate.cells.wire import Request, Wire
from migrate.config import AuthConfig, AuthMethod, CellsConfig
from migrate.secret import Secret

CONFIG = CellsConfig(
    url="http://127.0.0.1:9", auth=AuthConfig(method=AuthMethod.PAT, token=Secret("pat"))
)


class Counting(Authenticator):
    """A scheme whose logins and refreshes hand out numbered tokens (no request)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(Wire(CONFIG, build_session(CONFIG)), **kw)
        self.issued = 0

    def _obtain(self) -> Token:
        self.issued += 1
        return {"access_token": f"t{self.issued}", "expires_in": 600}


def _reply(status: int) -> Reply:
    return Reply(method="GET", path="/a/user/admin", status=status)


def test_the_request_carries_the_bearer_and_a_success_ends_the_flow() -> None:
    auth = Counting()
    flow = auth.auth_flow(Request(method="GET", path="/a/user/admin"))
    sent = next(flow)
    assert (sent.bearer, sent.path) == ("t1", "/a/user/admin")
    try:
        flow.send(_reply(200))
    except StopIteration:
        pass
    else:
        raise AssertionError("a 200 must end the flow")
    assert auth.issued == 1


def test_a_401_refreshes_once_and_resends_then_the_flow_ends() -> None:
    auth = Counting()
    flow = auth.auth_flow(Request(method="PUT", path="/a/role/r", json={"Uuid": "r"}))
    first = next(flow)
    again = flow.send(_reply(401))
    assert (first.bearer, again.bearer) == ("t1", "t2")
    assert (again.method, again.path, again.json) == ("PUT", "/a/role/r", {"Uuid": "r"})
    try:
        flow.send(_reply(401))  # the caller judges this answer: refused even after a refresh
    except StopIteration:
        pass
    else:
        raise AssertionError("only one refresh per attempt")
    assert auth.issued == 2


def test_a_token_refreshed_by_another_thread_is_used_without_refreshing_again() -> None:
    auth = Counting()
    flow = auth.auth_flow(Request(method="GET", path="/a/user/admin"))
    first = next(flow)
    auth.refresh_after_401(first.bearer)  # another thread got a 401 and refreshed
    again = flow.send(_reply(401))
    assert (first.bearer, again.bearer, auth.issued) == ("t1", "t2", 2)


def test_a_resend_whose_token_another_thread_revoked_follows_the_newest_token() -> None:
    auth = Counting()
    flow = auth.auth_flow(Request(method="GET", path="/a/user/admin"))
    first = next(flow)
    again = flow.send(_reply(401))  # this flow refreshes: t2
    auth.refresh_after_401(again.bearer)  # meanwhile another thread refreshes: t3, t2 revoked
    third = flow.send(_reply(401))
    assert (first.bearer, again.bearer, third.bearer, auth.issued) == ("t1", "t2", "t3", 3)
    try:
        flow.send(_reply(401))  # t3 is still the newest token: this refusal is final
    except StopIteration:
        pass
    else:
        raise AssertionError("a 401 to the newest token ends the flow")
    assert auth.issued == 3


def test_a_plain_http_cells_changes_nothing_process_wide() -> None:
    before = dict(os.environ)
    with CellsClient(CONFIG, read_only=True) as client:
        next(client.auth.auth_flow(Request(method="GET", path="/a/frontend/state")))
    assert dict(os.environ) == before
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ


def test_oauthlib_may_see_plain_http_only_inside_the_scope() -> None:
    outside = os.environ.get(INSECURE_TRANSPORT)
    with insecure_transport_allowed("https://cells.example.com"):
        https_inside = os.environ.get(INSECURE_TRANSPORT)
    with insecure_transport_allowed("http://127.0.0.1:8080"):
        http_inside = os.environ.get(INSECURE_TRANSPORT)
    assert (outside, https_inside, http_inside) == (None, None, "1")
    assert INSECURE_TRANSPORT not in os.environ


def test_the_scope_puts_back_a_value_the_admin_had_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(INSECURE_TRANSPORT, "yes")
    with insecure_transport_allowed("http://127.0.0.1:8080"):
        pass
    assert os.environ[INSECURE_TRANSPORT] == "yes"
