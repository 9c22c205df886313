"""Pure parts of apply: stage order, selection, waves, dependencies, results, verify verdicts."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest

from migrate.errors import PlanError
from migrate.load.checkpoint import RunStatus
from migrate.load.result import ApplyResult, Tally
from migrate.load.stages import (
    STAGE_ORDER,
    by_stage,
    check_order,
    dependencies,
    parse_only,
    select,
    waves,
)
from migrate.load.verify import (
    VerifyReport,
    only_settling_fields_differ,
    verify_plan,
    verify_with_settle,
)
from migrate.mapping.desired import (
    DesiredAcl,
    DesiredGroup,
    DesiredUser,
    DesiredWorkspace,
    NodeKind,
    NodeRef,
    RoleRef,
    RoleTarget,
)
from migrate.plan import Action, ActionType, FieldChange, Kind, Plan, Stage


def _a(kind: Kind, key: str, action: ActionType = ActionType.CREATE, order: int = 0) -> Action:
    return Action(stage=kind.stage, kind=kind, key=key, action=action, order=order)


def test_stage_order_is_designs() -> None:
    assert [s.value for s in STAGE_ORDER] == [
        "datasources",
        "groups",
        "roles",
        "users",
        "workspaces",
        "acls",
        "shares",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("user:alice", (Kind.USER, "alice")),
        ("group:/lab/optics", (Kind.GROUP, "/lab/optics")),
        ("acl:user:bob@ws:ds/x:read", (Kind.ACL, "user:bob@ws:ds/x:read")),
    ],
    ids=["user", "group-path", "acl-key-with-colons"],
)
def test_parse_only(value: str, expected: tuple[Kind, str]) -> None:
    assert parse_only([value]) == frozenset({expected})


@pytest.mark.parametrize("value", ["alice", "robot:x", "user:"], ids=["no-kind", "bad", "empty"])
def test_parse_only_refuses_malformed(value: str) -> None:
    with pytest.raises(PlanError, match="KIND:KEY"):
        parse_only([value])


def test_select_by_stage_and_only() -> None:
    actions = [_a(Kind.GROUP, "/a"), _a(Kind.USER, "u1"), _a(Kind.USER, "u2")]
    assert select(actions, stages=[Stage.USERS]) == actions[1:]
    assert select(actions, only=frozenset({(Kind.USER, "u2")})) == [actions[2]]
    assert select(actions) == actions


def test_later_stage_refused_while_an_earlier_one_has_work() -> None:
    full = [
        _a(Kind.DATASOURCE, "ds", ActionType.NOOP),
        _a(Kind.GROUP, "/a", ActionType.CREATE),
        _a(Kind.ROLE, "r", ActionType.UPDATE),
        _a(Kind.USER, "u"),
    ]
    with pytest.raises(PlanError, match=r"groups \(1 to write\), roles \(1 to write\)") as err:
        check_order(full, [Stage.USERS], force=False)
    assert "--stage groups" in str(err.value)
    check_order(full, [Stage.USERS], force=True)  # forced
    check_order(full, [Stage.GROUPS, Stage.ROLES, Stage.USERS], force=False)  # run together
    check_order(full, [Stage.DATASOURCES], force=False)  # earlier stages are never blocked
    check_order(full, [], force=False)  # everything, in order


def test_waves_follow_dependency_order() -> None:
    acts = [
        _a(Kind.GROUP, "/a/b", order=2),
        _a(Kind.GROUP, "/a", order=1),
        _a(Kind.GROUP, "/c", order=1),
    ]
    assert [[a.key for a in w] for w in waves(acts)] == [["/a", "/c"], ["/a/b"]]
    staged = by_stage([_a(Kind.USER, "u"), _a(Kind.GROUP, "/a"), _a(Kind.ACL, "x")])
    assert [s for s, _ in staged] == [Stage.GROUPS, Stage.USERS, Stage.ACLS]


def test_dependencies_of_each_kind() -> None:
    group = DesiredGroup(uuid="", path="/a/b", parent_path="/a", label="b", display_name="B")
    assert dependencies(_a(Kind.GROUP, "/a/b"), group, {}) == [(Kind.GROUP, "/a")]
    user = DesiredUser(
        uuid="u",
        login="eve",
        group_path="/a/b",
        profile="shared",
        display_name="Eve",
        roles=("r1",),
        owner="bob",
    )
    assert dependencies(_a(Kind.USER, "eve"), user, {}) == [
        (Kind.GROUP, "/a"),
        (Kind.GROUP, "/a/b"),
        (Kind.ROLE, "r1"),
        (Kind.USER, "bob"),
    ]
    ws = DesiredWorkspace(uuid="w", slug="docs", label="Docs", datasource="ds")
    assert dependencies(_a(Kind.WORKSPACE, "docs"), ws, {}) == [(Kind.DATASOURCE, "ds")]
    acl = DesiredAcl(
        role=RoleRef(target=RoleTarget.USER, key="eve"),
        workspace_uuid="w",
        node=NodeRef(kind=NodeKind.DATASOURCE, path="ds", uuid="DATASOURCE:ds"),
        action="read",
    )
    assert dependencies(_a(Kind.ACL, "k"), acl, {"w": "docs"}) == [
        (Kind.USER, "eve"),
        (Kind.WORKSPACE, "docs"),
        (Kind.DATASOURCE, "ds"),
    ]
    # a mask on a sub-folder has no workspace: it still needs its datasource (issue 11)
    mask = replace(acl, workspace_uuid="", node=NodeRef(kind=NodeKind.FOLDER, path="ds/a/b"))
    assert dependencies(_a(Kind.ACL, "m"), mask, {"w": "docs"}) == [
        (Kind.USER, "eve"),
        (Kind.DATASOURCE, "ds"),
    ]


def test_result_status_and_exit_codes() -> None:
    tally = Tally()
    tally.add(_a(Kind.USER, "u1"), "done")
    assert tally.result(run_id=1, interrupted=False).exit_code == 0
    assert tally.result(run_id=1, interrupted=True).exit_code == 130
    tally.add(_a(Kind.USER, "u2"), "failed", "403 refused")
    result = tally.result(run_id=1, interrupted=False)
    assert (result.status, result.exit_code) == (RunStatus.PARTIAL, 3)
    data = result.to_json()
    assert data["schema"] == "cells-migrate/apply/1"
    assert data["counts"] == {"done": 1, "failed": 1, "skipped": 0, "pending": 0}
    assert data["failures"] == [
        {"stage": "users", "kind": "user", "key": "u2", "status": "failed", "error": "403 refused"}
    ]
    out = io.StringIO()
    result.render_text(out)
    assert "user:u2 failed: 403 refused" in out.getvalue()
    assert "cells-migrate resume --run 1" in out.getvalue()


def test_done_result_text_has_no_next_step() -> None:
    out = io.StringIO()
    ApplyResult(run_id=2, status=RunStatus.DONE, counts={"users": {"done": 3}}).render_text(out)
    assert out.getvalue() == "Run 2: done\n  users       3 done\n"


def test_verify_verdicts() -> None:
    change = FieldChange(field="label", old="x", new="y")
    plan = Plan(
        actions=(
            _a(Kind.GROUP, "/a", ActionType.NOOP),
            _a(Kind.USER, "u1", ActionType.CREATE),
            Action(
                stage=Stage.ROLES,
                kind=Kind.ROLE,
                key="r",
                action=ActionType.UPDATE,
                changes=(change,),
            ),
            _a(Kind.USER, "admin", ActionType.ADOPT),  # adopted, nothing to change: equal
            _a(Kind.WORKSPACE, "smb", ActionType.SKIP),
        )
    )
    report = verify_plan(plan)
    assert report.checked == 4
    assert report.missing == ((Kind.USER, "u1"),)
    assert report.different == ((Kind.ROLE, "r", ("label",)),)
    assert (report.ok, report.exit_code) == (False, 1)
    assert report.to_json()["different"] == [{"kind": "role", "key": "r", "fields": ["label"]}]


def test_verify_settles_once_when_only_roles_differ() -> None:
    roles = FieldChange(field="roles", old="a", new="a, b")
    stale = Plan(
        actions=(
            Action(
                stage=Stage.USERS,
                kind=Kind.USER,
                key="u",
                action=ActionType.UPDATE,
                changes=(roles,),
            ),
        )
    )
    fresh = Plan(actions=(_a(Kind.USER, "u", ActionType.NOOP),))
    plans = iter([stale, fresh])
    slept: list[float] = []
    report = verify_with_settle(lambda: next(plans), settle_s=10.0, sleep=slept.append)
    assert report.ok
    assert slept == [10.0]
    roles_only = VerifyReport(checked=1, different=((Kind.USER, "u", ("roles",)),))
    email = VerifyReport(checked=1, different=((Kind.USER, "u", ("email",)),))
    role_label = VerifyReport(checked=1, different=((Kind.ROLE, "r", ("label",)),))
    assert only_settling_fields_differ(roles_only)
    assert not only_settling_fields_differ(email)
    assert not only_settling_fields_differ(role_label)
