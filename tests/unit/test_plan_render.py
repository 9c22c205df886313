"""Plan renderers: terraform-style text, Markdown for a review ticket, the JSON document."""

from __future__ import annotations

import io

from migrate.legacy.model import Finding, FindingKind, Severity
from migrate.plan import (
    PLAN_SCHEMA,
    Action,
    ActionType,
    FieldChange,
    Kind,
    Plan,
    Stage,
    plan_to_json,
    render_markdown,
    render_text,
)
from migrate.plan.actions import SENSITIVE_CHANGED, SENSITIVE_SET
from migrate.plan.fingerprint import Fingerprint

PLAN = Plan(
    actions=(
        Action(
            stage=Stage.DATASOURCES,
            kind=Kind.DATASOURCE,
            key="archive",
            action=ActionType.CREATE,
            changes=(
                FieldChange(field="storage_type", old=None, new="S3"),
                FieldChange(field="api_secret", old=None, new=SENSITIVE_SET, sensitive=True),
            ),
        ),
        Action(stage=Stage.GROUPS, kind=Kind.GROUP, key="/lab", action=ActionType.NOOP),
        Action(
            stage=Stage.USERS,
            kind=Kind.USER,
            key="ada",
            action=ActionType.UPDATE,
            changes=(
                FieldChange(field="group_path", old="/lab", new="/lab/optics"),
                FieldChange(
                    field="password", old=SENSITIVE_SET, new=SENSITIVE_CHANGED, sensitive=True
                ),
            ),
        ),
        Action(
            stage=Stage.WORKSPACES,
            kind=Kind.WORKSPACE,
            key="common",
            action=ActionType.CONFLICT,
            reason="the slug 'common' is taken | by another",
        ),
    ),
    findings=(
        Finding(
            severity=Severity.BLOCKER, kind=FindingKind.USER, key="bad", message="fix it first"
        ),
    ),
    fingerprint=Fingerprint(inputs="i", desired="d", live="l"),
    cells_version="3.0.9",
)


def test_text_has_symbols_field_diffs_and_summaries() -> None:
    out = io.StringIO()
    render_text(PLAN, out)
    text = out.getvalue()
    assert "  + datasource archive\n" in text
    assert '      storage_type: "S3"\n' in text
    assert "      api_secret: (sensitive value)\n" in text
    assert '      group_path: "/lab" → "/lab/optics"\n' in text
    assert "      password: (sensitive value changed)\n" in text
    assert "  ! workspace common  (conflict)\n" in text
    assert "  = 1 unchanged\n" in text
    assert "/lab" not in text.split("groups:")[1].split("users:")[0].replace("= 1", "")
    assert "[blocker] user:bad: fix it first" in text
    assert (
        "Plan: 1 to create, 1 to update, 0 to adopt, 1 in conflict, 0 skipped, 1 unchanged, "
        "0 to delete.\n" in text
    )
    assert "  user        0 to create, 1 to update" in text
    assert PLAN.fingerprint.value in text


def test_markdown_is_a_review_table() -> None:
    out = io.StringIO()
    render_markdown(PLAN, out)
    md = out.getvalue()
    assert md.startswith("# cells-migrate plan\n")
    assert "| kind | create | update | adopt | conflict | skip | noop | delete |" in md
    assert "| **total** | 1 | 1 | 0 | 1 | 0 | 1 | 0 |" in md
    assert "| `~` update | user | `ada` |" in md
    assert "taken \\| by another" in md  # pipes escaped inside cells
    assert "- **blocker** user `bad`: fix it first" in md


def test_json_document_schema() -> None:
    doc = plan_to_json(PLAN)
    assert doc["schema"] == PLAN_SCHEMA
    assert doc["fingerprint"] == PLAN.fingerprint.value
    assert doc["summary"] == {
        "create": 1,
        "update": 1,
        "noop": 1,
        "adopt": 0,
        "conflict": 1,
        "skip": 0,
        "delete": 0,
    }
    assert doc["by_kind"] == {
        "datasource": {
            "create": 1,
            "update": 0,
            "noop": 0,
            "adopt": 0,
            "conflict": 0,
            "skip": 0,
            "delete": 0,
        },
        "group": {
            "create": 0,
            "update": 0,
            "noop": 1,
            "adopt": 0,
            "conflict": 0,
            "skip": 0,
            "delete": 0,
        },
        "user": {
            "create": 0,
            "update": 1,
            "noop": 0,
            "adopt": 0,
            "conflict": 0,
            "skip": 0,
            "delete": 0,
        },
        "workspace": {
            "create": 0,
            "update": 0,
            "noop": 0,
            "adopt": 0,
            "conflict": 1,
            "skip": 0,
            "delete": 0,
        },
    }
    actions = doc["actions"]
    assert isinstance(actions, list)
    assert actions[2] == {
        "stage": "users",
        "kind": "user",
        "key": "ada",
        "action": "update",
        "changes": [
            {"field": "group_path", "old": "/lab", "new": "/lab/optics", "sensitive": False},
            {
                "field": "password",
                "old": "(sensitive value)",
                "new": "(sensitive value changed)",
                "sensitive": True,
            },
        ],
        "reason": "",
        "cells_id": "",
    }
    assert doc["findings"] == [
        {"severity": "blocker", "kind": "user", "key": "bad", "message": "fix it first"}
    ]


def _nothing_to_write(*findings: Finding) -> Plan:
    noop = Action(stage=Stage.GROUPS, kind=Kind.GROUP, key="/lab", action=ActionType.NOOP)
    return Plan(
        actions=(noop,),
        findings=findings,
        fingerprint=PLAN.fingerprint,
    )


def test_no_changes_is_said_only_when_nothing_is_left_out() -> None:
    clean, out = io.StringIO(), io.StringIO()
    render_text(_nothing_to_write(), clean)
    assert "No changes. Cells matches the legacy install." in clean.getvalue()
    smb = Finding(
        severity=Severity.WARNING,
        kind=FindingKind.WORKSPACE,
        key="nas",
        message="driver smb is not supported",
    )
    note = Finding(severity=Severity.INFO, kind=FindingKind.USER, key="x", message="fyi")
    render_text(_nothing_to_write(smb, note), out)
    text = out.getvalue()
    assert "No changes" not in text
    assert "does not match the legacy install in everything" in text
    assert "1 finding(s) above name what is not migrated" in text
