"""Plan files: written 0600 and atomically, read back equal, refused when malformed or stale."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrate.errors import PlanError, StalePlanError
from migrate.legacy.model import Finding, FindingKind, Severity
from migrate.plan import (
    Action,
    ActionType,
    FieldChange,
    Fingerprint,
    Kind,
    Plan,
    Stage,
    check_fresh,
    read_plan_file,
    write_plan_file,
)

PLAN = Plan(
    actions=(
        Action(
            stage=Stage.USERS,
            kind=Kind.USER,
            key="ada",
            action=ActionType.UPDATE,
            changes=(FieldChange(field="email", old=None, new="ada@x.test"),),
            cells_id="u-1",
            order=0,
        ),
        Action(
            stage=Stage.ACLS,
            kind=Kind.ACL,
            key="user:ada@w:ds:read",
            action=ActionType.CREATE,
            changes=(FieldChange(field="value", old=None, new="1"),),
            order=1,
        ),
    ),
    findings=(
        Finding(
            severity=Severity.WARNING,
            kind=FindingKind.ROLE,
            key="r",
            message="m",
            code="c",
        ),
    ),
    fingerprint=Fingerprint(inputs="sha256:a", desired="sha256:b", live="sha256:c"),
    stages=(Stage.USERS, Stage.ACLS),
    cells_version="3.0.9",
)


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    write_plan_file(PLAN, path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert read_plan_file(path) == PLAN
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]  # no temp file left


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON"),
        ('{"schema": "other/1"}', "is not a cells-migrate/plan/1"),
        ('{"schema": "cells-migrate/plan/1", "actions": []}', "malformed"),
    ],
    ids=["text", "schema", "missing-fields"],
)
def test_bad_files_are_plan_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PlanError, match=message):
        read_plan_file(path)


def test_edited_fingerprint_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    write_plan_file(PLAN, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["fingerprint_parts"]["live"] = "sha256:edited"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(PlanError, match="fingerprint does not match"):
        read_plan_file(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="cannot read the plan file"):
        read_plan_file(tmp_path / "absent.json")


@pytest.mark.parametrize(
    ("current", "message"),
    [
        (Fingerprint(inputs="sha256:a", desired="sha256:b", live="sha256:X"), "Cells changed"),
        (
            Fingerprint(inputs="sha256:X", desired="sha256:b", live="sha256:c"),
            "the legacy install or the mapping rules changed",
        ),
        ("sha256:other", "the legacy install, the mapping rules or Cells changed"),
    ],
    ids=["live", "inputs", "bare-value"],
)
def test_check_fresh_says_what_changed(current: Fingerprint | str, message: str) -> None:
    with pytest.raises(StalePlanError, match=message):
        check_fresh(PLAN, current)


def test_check_fresh_accepts_the_same_fingerprint() -> None:
    same = Fingerprint(inputs="sha256:a", desired="sha256:b", live="sha256:c")
    check_fresh(PLAN, same)
    check_fresh(PLAN, same.value)
    assert PLAN.fingerprint.changed_parts(same) == []
