"""The differs on hand-made desired and live states (pure: no server, no I/O)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from migrate.cells.models import ACL, Role, User
from migrate.cells.storage import DataSource
from migrate.legacy.model import Finding, FindingKind, Severity
from migrate.mapping.desired import (
    DesiredAcl,
    DesiredDatasource,
    DesiredRole,
    DesiredState,
    DesiredUser,
    NodeKind,
    NodeRef,
    PasswordAction,
    PasswordPlan,
    RoleRef,
    RoleTarget,
)
from migrate.plan import (
    Action,
    ActionType,
    FieldChange,
    Kind,
    LiveState,
    Stage,
    diff_state,
    plan_from_live,
)
from migrate.plan.actions import SENSITIVE_CHANGED
from migrate.plan.fingerprint import digest
from migrate.secret import Secret

HASH = "sha256:1000:c2FsdA==:aGFzaA=="
ROOT = NodeRef(kind=NodeKind.DATASOURCE, path="lab", uuid="DATASOURCE:lab")


def _ada(**kw: object) -> DesiredUser:
    base = DesiredUser(
        uuid="u-ada",
        login="ada",
        group_path="/lab",
        profile="standard",
        display_name="Ada",
        password=PasswordPlan(action=PasswordAction.KEEP_HASH, legacy_hash=Secret(HASH)),
        legacy_key="ada",
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def _live_ada(**kw: object) -> User:
    base = User(
        login="ada",
        uuid="u-ada",
        group_path="/lab/",
        attributes=(("displayName", "Ada"), ("profile", "standard")),
        roles=(),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def _one(actions: tuple[Action, ...], kind: Kind, key: str) -> Action:
    found = [a for a in actions if a.kind is kind and a.key == key]
    assert len(found) == 1, actions
    return found[0]


def _digest(value: str) -> str:
    from migrate.kinds.fields import secret_digest

    result = secret_digest(value)
    assert result is not None
    return result


@pytest.mark.parametrize(
    ("cells_hash", "expected"),
    [
        (HASH, ActionType.NOOP),
        ("md5-of-something-else", ActionType.UPDATE),
        (None, ActionType.NOOP),
    ],
    ids=["same-hash", "hash-changed", "hash-unknown"],
)
def test_password_is_compared_by_digest_and_shown_as_a_marker(
    cells_hash: str | None, expected: ActionType
) -> None:
    digests = (("ada", _digest(cells_hash)),) if cells_hash else ()
    live = LiveState(users=(_live_ada(),), password_digests=digests)
    action = _one(diff_state(DesiredState(users=(_ada(),)), live), Kind.USER, "ada")
    assert action.action is expected
    if expected is ActionType.UPDATE:
        assert action.changes == (
            FieldChange(
                field="password", old="(sensitive value)", new=SENSITIVE_CHANGED, sensitive=True
            ),
        )
        assert HASH not in repr(action)


def test_adopted_user_keeps_its_password_and_conflict_names_the_field() -> None:
    live = LiveState(users=(_live_ada(uuid="theirs"),), password_digests=(("ada", "x"),))
    action = _one(diff_state(DesiredState(users=(_ada(),)), live), Kind.USER, "ada")
    assert action.action is ActionType.ADOPT
    assert action.cells_id == "theirs"
    assert action.changes == ()
    live = LiveState(users=(_live_ada(uuid="theirs", attributes=(("profile", "admin"),)),))
    action = _one(diff_state(DesiredState(users=(_ada(),)), live), Kind.USER, "ada")
    assert action.action is ActionType.CONFLICT
    assert action.changes == (FieldChange(field="profile", old="admin", new="standard"),)


def test_datasource_over_other_storage_is_a_conflict() -> None:
    ours = DesiredDatasource(
        name="lab", storage_type="LOCAL", storage_configuration=(("folder", "/srv/lab"),)
    )
    live = DataSource(name="lab", storage_configuration=(("folder", "/other"),))
    action = _one(
        diff_state(DesiredState(datasources=(ours,)), LiveState(datasources=(live,))),
        Kind.DATASOURCE,
        "lab",
    )
    assert action.action is ActionType.CONFLICT
    assert "datasources.rename" in action.reason
    assert [c.field for c in action.changes] == ["storage.folder"]
    same = replace(live, storage_configuration=(("folder", "/srv/lab"),), versioning_policy="v")
    action = _one(
        diff_state(
            DesiredState(datasources=(replace(ours, versioning_policy="w"),)),
            LiveState(datasources=(same,)),
        ),
        Kind.DATASOURCE,
        "lab",
    )
    assert action.action is ActionType.UPDATE
    assert action.changes == (FieldChange(field="versioning_policy", old="v", new="w"),)


def test_role_with_our_id_owned_by_a_user_is_a_conflict() -> None:
    desired = DesiredState(roles=(DesiredRole(uuid="r1", label="R"),))
    live = LiveState(roles=(Role(uuid="r1", label="User x", user_role=True),))
    action = _one(diff_state(desired, live), Kind.ROLE, "r1")
    assert action.action is ActionType.CONFLICT
    assert "role of a Cells user" in action.reason


def _acl(login: str = "ada", action: str = "read", node: NodeRef = ROOT) -> DesiredAcl:
    return DesiredAcl(
        role=RoleRef(target=RoleTarget.USER, key=login),
        workspace_uuid="w1",
        node=node,
        action=action,
        legacy_key=f"AJXP_USR_/{login}#w1",
    )


def test_acls_noop_update_create_and_skip_for_a_conflicting_user() -> None:
    folder = NodeRef(kind=NodeKind.FOLDER, path="lab/sub")
    desired = DesiredState(
        users=(_ada(), replace(_ada(), uuid="u-bob", login="bob", legacy_key="bob")),
        acls=(_acl(), _acl(action="write"), _acl(node=folder), _acl("bob")),
    )
    live = LiveState(
        users=(
            _live_ada(),
            _live_ada(login="bob", uuid="theirs", attributes=(("profile", "admin"),)),
        ),
        acls=(
            ACL(
                action="read",
                value="1",
                role_id="u-ada",
                workspace_id="w1",
                node_id=ROOT.uuid or "",
            ),
            ACL(
                action="write",
                value="0",
                role_id="u-ada",
                workspace_id="w1",
                node_id=ROOT.uuid or "",
            ),
            ACL(action="deny", value="1", role_id="u-ada", workspace_id="w1", node_id="other"),
        ),
    )
    actions = {a.key: a for a in diff_state(desired, live) if a.kind is Kind.ACL}
    assert {k: a.action for k, a in actions.items()} == {
        "user:ada@w1:lab:read": ActionType.NOOP,
        "user:ada@w1:lab:write": ActionType.UPDATE,
        "user:ada@w1:lab/sub:read": ActionType.CREATE,
        "user:bob@w1:lab:read": ActionType.SKIP,
    }
    assert actions["user:ada@w1:lab:write"].changes == (
        FieldChange(field="value", old="0", new="1"),
    )
    assert actions["user:ada@w1:lab/sub:read"].cells_id == "u-ada|w1|path:lab/sub|read"
    assert "bob" in actions["user:bob@w1:lab:read"].reason


def test_warnings_about_objects_left_out_become_skips() -> None:
    findings = (
        Finding(severity=Severity.WARNING, kind=FindingKind.WORKSPACE, key="smb1", message="smb"),
        Finding(severity=Severity.INFO, kind=FindingKind.WORKSPACE, key="inbox", message="sys"),
        Finding(severity=Severity.WARNING, kind=FindingKind.USER, key="ada", message="renamed"),
    )
    actions = diff_state(DesiredState(users=(_ada(),), findings=findings), LiveState())
    skips = [(a.kind, a.key, a.reason) for a in actions if a.action is ActionType.SKIP]
    assert skips == [(Kind.WORKSPACE, "smb1", "smb")]


def test_stage_filter_and_order() -> None:
    desired = DesiredState(
        users=(_ada(), replace(_ada(), uuid="u-s", login="s", owner="ada", legacy_key="s")),
        roles=(DesiredRole(uuid="r1", label="R"),),
        acls=(_acl(),),
    )
    actions = diff_state(desired, LiveState())
    assert [(a.stage, a.key) for a in actions] == [
        (Stage.ROLES, "r1"),
        (Stage.USERS, "ada"),
        (Stage.USERS, "s"),  # owned after its owner
        (Stage.ACLS, "user:ada@w1:lab:read"),
    ]
    only = diff_state(desired, LiveState(), stages=[Stage.ACLS])
    assert [a.kind for a in only] == [Kind.ACL]


def test_plan_summary_counts_and_detailed_exit_state() -> None:
    desired = DesiredState(users=(_ada(),))
    plan = plan_from_live(desired, LiveState(users=(_live_ada(),)))
    assert plan.summary()["noop"] == 1
    assert not plan.has_changes
    plan = plan_from_live(desired, LiveState())
    assert plan.summary()["create"] == 1
    assert plan.by_kind() == {"user": {**dict.fromkeys(plan.summary(), 0), "create": 1}}
    assert plan.has_changes


def test_fingerprint_parts_follow_their_inputs() -> None:
    desired = DesiredState(users=(_ada(),))
    first = plan_from_live(desired, LiveState(), inputs_digest="i1").fingerprint
    assert first == plan_from_live(desired, LiveState(), inputs_digest="i1").fingerprint
    other_hash = DesiredState(
        users=(
            _ada(password=PasswordPlan(action=PasswordAction.KEEP_HASH, legacy_hash=Secret("x"))),
        )
    )
    second = plan_from_live(other_hash, LiveState(users=(_live_ada(),)), inputs_digest="i1")
    assert first.changed_parts(second.fingerprint) == ["desired", "live"]
    assert first.value != second.fingerprint.value
    assert digest(Secret("x")) != digest(Secret("y"))


def test_inverse_of_create_and_update() -> None:
    change = FieldChange(field="label", old="a", new="b")
    update = Action(
        stage=Stage.ROLES, kind=Kind.ROLE, key="r", action=ActionType.UPDATE, changes=(change,)
    )
    undo = update.inverse()
    assert undo is not None
    assert undo.changes == (FieldChange(field="label", old="b", new="a"),)
    create = replace(
        update, action=ActionType.CREATE, changes=(FieldChange(field="label", old=None, new="b"),)
    )
    undo = create.inverse()
    assert undo is not None
    assert undo.action is ActionType.DELETE
    assert undo.changes[0].new is None
    assert replace(update, action=ActionType.NOOP, changes=()).inverse() is None
    assert Action.from_json(update.to_json()) == update


def test_the_tools_own_account_is_never_modified() -> None:
    admin = replace(_ada(), uuid="u-admin", login="admin", profile="admin", legacy_key="admin")
    live = LiveState(
        users=(_live_ada(login="admin", uuid="cells-admin", attributes=(("profile", "admin"),)),)
    )
    action = _one(
        diff_state(DesiredState(users=(admin,)), live, tool_login="admin"), Kind.USER, "admin"
    )
    assert action.action is ActionType.SKIP
    assert action.changes == ()
    assert "logs in with" in action.reason
    other = _one(diff_state(DesiredState(users=(admin,)), live), Kind.USER, "admin")
    assert other.action is ActionType.ADOPT


def test_no_acl_goes_to_the_tools_own_account_unless_asked() -> None:
    """Issue 17: the plan says the tool's account is never modified, so its legacy rights
    are not sent to its role either (ignoring case: ``Admin`` in the config is ``admin``),
    unless the mapping asks (``users.tool_account_rights``); the account itself stays a
    skip either way."""
    admin = replace(_ada(), uuid="u-admin", login="admin", profile="admin", legacy_key="admin")
    desired = DesiredState(users=(admin,), acls=(_acl("admin"), _acl("admin", "write")))
    live = LiveState(
        users=(_live_ada(login="admin", uuid="cells-admin", attributes=(("profile", "admin"),)),)
    )
    kept = diff_state(desired, live, tool_login="Admin")
    acls = [a for a in kept if a.kind is Kind.ACL]
    assert len(acls) == 2
    assert {a.action for a in acls} == {ActionType.SKIP}
    assert all("logs in with" in a.reason for a in acls)
    asked = diff_state(desired, live, tool_login="Admin", tool_account_rights=True)
    assert {a.action for a in asked if a.kind is Kind.ACL} == {ActionType.CREATE}
    assert all(a.cells_id.startswith("cells-admin|") for a in asked if a.kind is Kind.ACL)
    assert _one(asked, Kind.USER, "admin").action is ActionType.SKIP
