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
from tests.support.examples import examples

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
    max_examples=int(os.environ.get("EMULATOR_FUZZ_EXAMPLES", examples(600))),
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


def typed(spec: object, depth: int = 0) -> st.SearchStrategy[object]:
    """Bodies that pass the type check, to reach the handlers' own logic."""
    words = st.sampled_from(
        ["", "*", "a", "admin", "x/y", "/", "ROOT_GROUP", "DATASOURCE:pydiods1"]
    )
    scalars = {
        "s": words,
        "b": st.booleans(),
        "i": st.one_of(st.integers(-2, 200), st.sampled_from(["0", "5", "100"])),
        "e": st.one_of(st.integers(0, 3), st.sampled_from(["ADMIN", "USER", "GROUP", "AND", "OR"])),
        "m": st.dictionaries(
            st.sampled_from(["profile", "displayName", "DEFAULT_RIGHTS"]), words, max_size=2
        ),
        "o": st.just({}),
    }
    if isinstance(spec, str):
        return scalars[spec]
    if isinstance(spec, tuple):
        if depth >= 4:
            return st.just([] if spec[0] == "l" else {})
        item = typed(spec[1], depth + 1)
        if spec[0] == "l":
            return st.lists(item, max_size=3)
        return st.dictionaries(words, item, max_size=2)
    assert isinstance(spec, dict)
    if depth >= 5:
        return st.just({})
    return st.fixed_dictionaries({}, optional={k: typed(v, depth + 1) for k, v in spec.items()})


TYPED = [r for r in ROUTES if r.schema is not None]


@settings(
    max_examples=int(os.environ.get("EMULATOR_FUZZ_EXAMPLES", examples(600))),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data(), param=st.sampled_from(["admin", "x", "rec-grp/"]))
def test_handlers_never_crash_on_well_typed_bodies(data: st.DataObject, param: str) -> None:
    route = data.draw(st.sampled_from(TYPED))
    body = data.draw(typed(route.schema))
    call = Call(
        method=route.method,
        path="/fuzz",
        params=dict.fromkeys(route.pattern.groupindex, param),
        query={},
        headers={"authorization": f"Bearer {EMU.mint_pat('admin')}"},
        raw=json.dumps(body).encode(),
    )
    answer = EMU.dispatch(route, call)
    crashed = "emulator bug" in json.dumps(answer.body)
    assert not crashed, f"{route.method} {route.pattern.pattern} crashed on {body!r}"
