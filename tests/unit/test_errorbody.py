"""Cells error bodies as one line, and what a tree stat's 500 means (recorded bodies)."""

from __future__ import annotations

import json

import pytest

from migrate.cells.errorbody import StatAnswer, one_line, stat_answer

EMBEDDED = json.dumps(
    {
        "Title": '{"id":"","code":0,"detail":"stat /srv/legacy/m/missing: no such file or '
        'directory","status":""}',
        "Detail": 'Not Found: {"id":"","code":0,"detail":"stat /srv/legacy/m/missing: no such '
        'file or directory","status":""}',
    }
)


@pytest.mark.parametrize(
    ("body", "line"),
    [
        (EMBEDDED, "stat /srv/legacy/m/missing: no such file or directory"),
        (
            '{"Title":"Cannot find datasource!","Detail":"Cannot find datasource!"}',
            "Cannot find datasource!",
        ),
        ('{"error":"invalid_grant","error_description":"code used"}', "code used (invalid_grant)"),
        ("Unauthorized.\n", "Unauthorized."),
        ("", ""),
        ('{"Title":"a\\nb   c"}', "a b c"),
    ],
    ids=["embedded-json", "title", "oauth", "text", "empty", "newlines"],
)
def test_one_line(body: str, line: str) -> None:
    assert one_line(body) == line


@pytest.mark.parametrize(
    ("title", "detail", "meaning"),
    [
        ("Could not retrieve node /x", "Not Found: Could not retrieve node /x", StatAnswer.MISSING),
        (
            "Node 061a Not found in tree!",
            "Not Found: Node 061a Not found in tree!",
            StatAnswer.MISSING,
        ),
        (
            "Could not find DataSource rec4big",
            "Could not find DataSource rec4big",
            StatAnswer.NOT_SERVED,
        ),
        ("Not found", "Not Found: Not found", StatAnswer.NOT_SERVED),
        ("DAO error received", "Internal: boom", StatAnswer.ERROR),
    ],
    ids=["missing-path", "missing-uuid", "not-served", "re-created", "other"],
)
def test_stat_answer(title: str, detail: str, meaning: StatAnswer) -> None:
    assert stat_answer(json.dumps({"Title": title, "Detail": detail})) is meaning
