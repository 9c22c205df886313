"""No request body, however odd, crashes an emulator handler (a crash answers "emulator bug")."""

from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrate.cells.emulator import routes
from migrate.cells.emulator.answers import Call
from migrate.cells.emulator.config import EmulatorConfig
from migrate.cells.emulator.server import Emulator

FIELDS = [
    "Queries",
    "Operation",
    "Limit",
    "Offset",
    "CountOnly",
    "Login",
    "Uuid",
    "UUID",
    "Label",
    "GroupPath",
    "GroupLabel",
    "IsGroup",
    "Attributes",
    "Roles",
    "Password",
    "Slug",
    "Scope",
    "RootNodes",
    "RootUUIDs",
    "Action",
    "RoleID",
    "WorkspaceID",
    "NodeID",
    "Node",
    "Recursive",
    "Name",
    "StorageConfiguration",
    "StorageType",
    "ObjectsPort",
    "JobIDs",
    "TasksLimit",
    "JsonParameters",
    "AuthInfo",
    "ShareLink",
    "Room",
    "Policies",
    "AutoApplies",
    "NodePaths",
    "UpdateCustomHash",
    "PasswordEnabled",
    "CreatePassword",
    "Subject",
    "ShareType",
]
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from(["", "*", "/", "a", "admin", "x/y"]),
)
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from([*FIELDS, "Name", "Value", "type"]), inner, max_size=3),
    ),
    max_leaves=8,
)
BODIES = st.fixed_dictionaries({}, optional=dict.fromkeys(FIELDS, VALUES))
ROUTES = [r for r in routes.ROUTES if not r.pattern.pattern.startswith("/oidc")]
EMU = Emulator(EmulatorConfig(seed=1, index_delay_s=0.0))


@settings(
    max_examples=int(os.environ.get("EMULATOR_FUZZ_EXAMPLES", "600")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    route=st.sampled_from(ROUTES), body=BODIES, param=st.sampled_from(["admin", "x", "rec-grp/"])
)
def test_handlers_never_crash(route: routes.Route, body: dict[str, Any], param: str) -> None:
    names = route.pattern.groupindex
    token = EMU.mint_pat("admin")  # a fuzzed logout/revoke may have ended the previous one
    call = Call(
        method=route.method,
        path="/fuzz",
        params={name: param for name in names},
        query={},
        headers={"authorization": f"Bearer {token}"},
        raw=json.dumps(body).encode(),
    )
    answer = EMU.dispatch(route, call)
    crashed = "emulator bug" in json.dumps(answer.body)
    assert not crashed, f"{route.method} {route.pattern.pattern} crashed on {body!r}"
