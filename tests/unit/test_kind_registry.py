"""The kind registry: every kind has one handler, and plan, apply, rollback and verify find
a kind's behaviour there and nowhere else (issue 14 point 1)."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest

from migrate.cells.models import ACL, Group, Role, User, Workspace
from migrate.cells.storage import DataSource
from migrate.kinds.base import KindHandler
from migrate.kinds.keys import AclId, ObjectRef
from migrate.kinds.live_state import LiveState
from migrate.kinds.registry import HANDLERS, handler_for, in_stage_order
from migrate.kinds.vocabulary import Action, ActionType, FieldChange, Kind, Stage
from migrate.load.checkpoint import ItemRecord, ItemStatus
from migrate.load.checkpoint_schema import ItemAction

PACKAGE = Path(__file__).resolve().parents[2] / "migrate"
# The only modules that may name a kind's behaviour: the handlers and the registry; the
# executor names the datasources it waits for, verify the users whose password step (a
# user-only step) is not done.
ALLOWED = {"kinds", "load/executor.py", "load/verify.py"}


def test_every_kind_has_its_handler_in_stage_order() -> None:
    assert set(HANDLERS) == set(Kind)
    for kind, handler in HANDLERS.items():
        assert handler.kind is kind
        assert handler is handler_for(kind)
        assert isinstance(handler, KindHandler)
        assert not handler.live_field or handler.live_field in LiveState.__dataclass_fields__
    assert [h.stage for h in in_stage_order()] == sorted(Stage, key=lambda s: s.rank)


def _kind_switches(path: Path) -> list[str]:
    """``Kind.X`` compared with ``==``/``is`` or used as a ``case`` pattern."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        operands: list[ast.expr] = []
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
        elif isinstance(node, ast.MatchValue):
            operands = [node.value]
        for op in operands:
            if (
                isinstance(op, ast.Attribute)
                and isinstance(op.value, ast.Name)
                and op.value.id == "Kind"
            ):
                found.append(f"{path.relative_to(PACKAGE)}:{op.lineno} Kind.{op.attr}")
    return found


def test_no_module_switches_on_the_kind_outside_the_handlers() -> None:
    switches = [
        s
        for path in sorted(PACKAGE.rglob("*.py"))
        if not any(str(path.relative_to(PACKAGE)).startswith(a) for a in ALLOWED)
        for s in _kind_switches(path)
    ]
    assert switches == []


def test_acl_ids_are_parsed_in_one_place() -> None:
    text = "r-1|ws-1|path:lab/x|read"
    acl_id = AclId.parse(text)
    assert (acl_id.role_id, acl_id.workspace_id, acl_id.node_id, acl_id.action) == (
        "r-1",
        "ws-1",
        "path:lab/x",
        "read",
    )
    assert str(acl_id) == text
    assert AclId.of(acl_id.acl("1")) == acl_id
    assert not AclId.parse("?|ws|n|read").role_known
    assert AclId.parse("") == AclId(role_id="", workspace_id="", node_id="", action="")


def _item(action: ItemAction, kind: Kind = Kind.ROLE) -> ItemRecord:
    from datetime import UTC, datetime

    return ItemRecord(
        id=1,
        run_id=1,
        position=0,
        stage=kind.stage,
        kind=kind,
        key="r",
        cells_id="r",
        action=action,
        status=ItemStatus.DONE,
        attempts=1,
        error=None,
        before=None,
        after=None,
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
        seq=1,
        wave=2,
    )


@pytest.mark.parametrize(
    ("recorded", "undo"),
    [
        (ItemAction.CREATE, ActionType.DELETE),
        (ItemAction.UPDATE, ActionType.UPDATE),
        (ItemAction.ADOPT, ActionType.UPDATE),
        (ItemAction.DELETE, ActionType.CREATE),
        (ItemAction.NOOP, None),
        (ItemAction.SKIP, None),
        (ItemAction.RESTORE, None),
    ],
)
def test_rollback_undoes_the_inverse_of_what_the_run_recorded(
    recorded: ItemAction, undo: ActionType | None
) -> None:
    item = _item(recorded)
    action = item.as_action()
    inverse = action.inverse() if action is not None else None
    assert (inverse.action if inverse is not None else None) is undo
    if inverse is not None:
        assert (inverse.kind, inverse.key, inverse.cells_id, inverse.order) == (
            Kind.ROLE,
            "r",
            "r",
            2,
        )
    assert item.ref == ObjectRef(kind=Kind.ROLE, key="r", cells_id="r")


def test_inverse_of_an_adoption_and_of_a_delete() -> None:
    change = FieldChange(field="label", old="a", new="b")
    adopt = Action(
        stage=Stage.USERS, kind=Kind.USER, key="u", action=ActionType.ADOPT, changes=(change,)
    )
    undo = adopt.inverse()
    assert undo is not None
    assert (undo.action, undo.changes) == (ActionType.UPDATE, (change.inverse(),))
    undo = replace(adopt, action=ActionType.DELETE).inverse()
    assert undo is not None
    assert undo.action is ActionType.CREATE


LIVE = {
    Kind.DATASOURCE: DataSource(
        name="lab", storage_configuration=(("folder", "/srv/lab"),), objects_bucket="lab"
    ),
    Kind.GROUP: Group(label="b", path="/a/b", uuid="g", attributes=(("displayName", "B"),)),
    Kind.ROLE: Role(uuid="r", label="R", auto_applies=("standard",)),
    Kind.USER: User(
        login="ada",
        uuid="u",
        group_path="/a",
        attributes=(("displayName", "Ada"), ("profile", "standard")),
        roles=("r",),
    ),
    Kind.WORKSPACE: Workspace(uuid="w", slug="w", label="W"),
    Kind.ACL: ACL(action="read", value="1", role_id="r", workspace_id="w", node_id="n"),
}
CHANGED = {
    Kind.DATASOURCE: lambda o: replace(o, storage_configuration=(("folder", "/srv/other"),)),
    Kind.GROUP: lambda o: replace(o, attributes=(("displayName", "Other"),)),
    Kind.ROLE: lambda o: replace(o, label="Other"),
    Kind.USER: lambda o: replace(o, attributes=(("displayName", "Ada"), ("profile", "admin"))),
    Kind.WORKSPACE: lambda o: replace(o, label="Other"),
    Kind.ACL: lambda o: replace(o, value="0"),
}


@pytest.mark.parametrize("kind", list(LIVE), ids=[k.value for k in LIVE])
def test_changed_since_uses_the_managed_fields_of_an_image(kind: Kind) -> None:
    """Rollback's "changed since?" is the plan's comparison of managed fields: an image
    written by a run is equal to the same object read back, and a managed field changed
    since is seen."""
    handler = handler_for(kind)
    live = LIVE[kind]
    image = handler.image(live)
    assert handler.fields(handler.from_image(image)) == handler.fields(live)
    assert not handler.changed_since(image, live)
    assert handler.changed_since(image, CHANGED[kind](live))
    (change,) = handler.changes_since(image, CHANGED[kind](live))
    assert change.new != change.old  # as written -> as it is now, field by field
