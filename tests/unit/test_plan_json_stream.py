"""``write_plan_json`` writes exactly ``plan_to_json``'s document (bench/README.md: the
streamed writer replaced ``json.dump(..., indent=2)``, the pure-Python encoder)."""

from __future__ import annotations

import io
import json

import pytest

from migrate.plan import (
    Action,
    ActionType,
    FieldChange,
    Kind,
    Plan,
    Stage,
    plan_to_json,
    write_plan_json,
)
from migrate.plan.actions import SENSITIVE_SET

ACTIONS = (
    Action(
        stage=Stage.USERS,
        kind=Kind.USER,
        key="ada",
        action=ActionType.CREATE,
        changes=(
            FieldChange(field="login", old=None, new="ada"),
            FieldChange(field="password", old=None, new=SENSITIVE_SET, sensitive=True),
        ),
    ),
    Action(stage=Stage.GROUPS, kind=Kind.GROUP, key="/lab/é", action=ActionType.NOOP),
    Action(
        stage=Stage.WORKSPACES,
        kind=Kind.WORKSPACE,
        key="common",
        action=ActionType.CONFLICT,
        reason='the slug "common" is taken',
    ),
)


@pytest.mark.parametrize("actions", [ACTIONS, ACTIONS[:1], ()], ids=["three", "one", "none"])
def test_streamed_document_equals_plan_to_json(actions: tuple[Action, ...]) -> None:
    plan = Plan(actions=actions, findings=())
    out = io.StringIO()
    write_plan_json(plan, out)
    text = out.getvalue()
    assert json.loads(text) == plan_to_json(plan)
    assert text.endswith("}\n")
    # one action per line: a reader can follow a huge plan with line tools
    assert text.count('"key": ') == len(actions)
    assert sum(1 for line in text.splitlines() if line.startswith('    {"')) == len(actions)
