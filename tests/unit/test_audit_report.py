"""Accept rules (``audit.accept``), the verdict and the four output formats."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from migrate.audit.accept import Acceptor, matches
from migrate.audit.locations import Location
from migrate.audit.model import (
    Change,
    Difference,
    LinkAccess,
    LinkResult,
    LinkStatus,
    SampleMismatch,
)
from migrate.audit.render import render_csv, render_markdown, render_text, write_json
from migrate.audit.report import AuditReport, SampleReport
from migrate.config import AcceptRule, load_config, parse_accept_rules
from migrate.errors import ConfigError

LOST = Difference(
    user="alice",
    cells_login="alice",
    change=Change.LOST,
    location=Location("file", "/srv/a"),
    legacy=3,
    cells=0,
    legacy_via="workspace 'A' (a1): rw via role AJXP_GRP_/sales",
    cells_via="-",
    names=("a1", "'A' (a1)"),
)
WIDE = Difference(
    user="bob",
    cells_login="bob",
    change=Change.WIDENED,
    location=Location("file", "/var/cells/data/pydiods1"),
    legacy=0,
    cells=3,
    legacy_via="-",
    cells_via="workspace common-files: rw via role Root Group",
    names=("common-files",),
)
LINK = LinkResult(
    link=LinkAccess(
        hash="abc123",
        owner="marie",
        share_type="minisite",
        workspace="'Pub' (p1)",
        location=Location("file", "/srv/a/pub"),
        right=1,
        password=True,
        download_disabled=False,
        expire_time=None,
    ),
    status=LinkStatus.LOST,
    detail="Cells has no public page for this hash",
)


def rules(*entries: dict[str, object]) -> tuple[AcceptRule, ...]:
    problems: list[str] = []
    found = parse_accept_rules(list(entries), "audit.accept", problems)
    assert problems == []
    return found


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"user": "x"}, "audit.accept[0].reason: is required"),
        ({"reason": "why"}, "audit.accept[0]: needs at least one of"),
        ({"usr": "x", "reason": "why"}, "audit.accept[0].usr: unknown key"),
        ({"change": "gone", "reason": "why"}, "audit.accept[0].change: must be one of"),
        ({"user": 3, "reason": "why"}, "audit.accept[0]: every value must be a non-empty string"),
        ("just text", "audit.accept[0]: must be a mapping"),
    ],
)
def test_invalid_accept_entries_are_named(entry: object, problem: str) -> None:
    problems: list[str] = []
    assert parse_accept_rules([entry], "audit.accept", problems) == ()
    assert len(problems) == 1
    assert problems[0].startswith(problem)


def test_every_given_field_must_match() -> None:
    rule = rules({"workspace": "common-files", "change": "widened", "reason": "built-in"})[0]
    assert (matches(rule, WIDE), matches(rule, LOST)) == (True, False)
    rule = rules({"user": "ali*", "legacy": "*AJXP_GRP_/sales*", "reason": "group moved"})[0]
    assert (matches(rule, LOST), matches(rule, WIDE)) == (True, False)
    link_rule = rules({"link": "abc*", "reason": "link recreated by hand"})[0]
    assert matches(link_rule, LOST) is False  # a link rule applies to links only


def test_accepted_differences_are_kept_and_shown_the_verdict_counts_only_open_ones() -> None:
    acceptor = Acceptor(
        rules(
            {"workspace": "common-files", "reason": "built-in"},
            {"user": "nobody", "reason": "stale"},
            {"link": "abc123", "reason": "recreated"},
        )
    )
    report = AuditReport(
        legacy_users=2,
        cells_users=2,
        users_compared=2,
        differences=(acceptor.difference(LOST), acceptor.difference(WIDE)),
        links=(acceptor.link(LINK),),
        rules=(),
    )
    report = replace(report, rules=tuple(acceptor.counts()))
    assert [d.accepted for d in report.differences] == [None, "built-in"]
    assert report.links[0].accepted == "recreated"
    assert (report.parity, report.exit_code) == (False, 1)
    totals = report.totals()
    assert (totals["lost"], totals["widened"], totals["accepted"], totals["links_accepted"]) == (
        1,
        0,
        1,
        1,
    )
    assert [n for _, n in acceptor.counts()] == [1, 0, 1]
    only_accepted = replace(report, differences=report.differences[1:])
    assert (only_accepted.parity, only_accepted.exit_code) == (True, 0)


def test_a_failed_sample_is_not_parity() -> None:
    mismatch = SampleMismatch(login="u", path="ws", computed="writable", seen="hidden")
    base = AuditReport(legacy_users=0, cells_users=0, differences=())
    assert replace(base, sample=SampleReport(requested=1)).parity is False
    bad = SampleReport(requested=1, users=("u",), mismatches=(mismatch,))
    assert replace(base, sample=bad).parity is False
    good = SampleReport(requested=1, users=("u",), paths=3)
    assert replace(base, sample=good).parity is True


REPORT = AuditReport(
    legacy_users=2,
    cells_users=2,
    users_compared=2,
    differences=(
        LOST,
        Difference(
            **{**{k: getattr(WIDE, k) for k in WIDE.__dataclass_fields__}, "accepted": "built-in"}
        ),
    ),
    links=(LINK,),
    rules=((AcceptRule(reason="built-in", origin="audit.accept[0]", workspace="common-files"), 1),),
    notes=("2 user right(s) on system workspace Inbox (no files)",),
    cells_version="4.4.0",
)


def test_json_streamed_equals_the_document() -> None:
    out = io.StringIO()
    write_json(REPORT, out)
    doc = json.loads(out.getvalue())
    assert doc == json.loads(json.dumps(REPORT.to_json()))
    assert doc["schema"] == "cells-migrate/audit/1"
    assert doc["parity"] is False
    assert doc["differences"][0] == {
        "user": "alice",
        "cells_login": "alice",
        "change": "lost",
        "location": "file:/srv/a",
        "legacy": "rw",
        "cells": "none",
        "legacy_source": LOST.legacy_via,
        "cells_source": "-",
        "workspaces": ["a1", "'A' (a1)"],
        "accepted": None,
    }
    assert doc["links"][0]["status"] == "lost"


def test_text_markdown_and_csv_name_the_user_the_place_and_the_sources() -> None:
    text, markdown, table = io.StringIO(), io.StringIO(), io.StringIO()
    render_text(REPORT, text)
    render_markdown(REPORT, markdown)
    render_csv(REPORT, table)
    assert "DIFFERENCES (exit 1)" in text.getvalue()
    assert "lost     rw -> none file:/srv/a" in text.getvalue()
    assert "Pydio: workspace 'A' (a1): rw via role AJXP_GRP_/sales" in text.getvalue()
    assert "abc123 by marie" in text.getvalue()
    assert "built-in  [audit.accept[0]]" in text.getvalue()
    assert "| alice | lost | rw | none | `file:/srv/a` |" in markdown.getvalue()
    rows = list(csv.DictReader(io.StringIO(table.getvalue())))
    assert [(r["user"], r["change"], r["accepted"]) for r in rows] == [
        ("alice", "lost", ""),
        ("bob", "widened", "built-in"),
        ("link:abc123", "lost", ""),
    ]


def test_the_configuration_refuses_an_accept_rule_without_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "legacy: {install_path: /srv/p8}\n"
        "cells: {url: 'http://127.0.0.1:9', auth: {method: pat, token: '${T}'}}\n"
        "audit:\n  accept:\n    - {user: bob}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, {"T": "t"})
    assert any(p.startswith("audit.accept[0].reason: is required") for p in caught.value.problems)


def test_the_first_matching_rule_wins_per_user_even_for_repeated_differences() -> None:
    acceptor = Acceptor(
        rules(
            {"user": "bob", "workspace": "common-files", "reason": "bob's own"},
            {"workspace": "common-files", "reason": "everyone"},
        )
    )
    alice = Difference(
        **{
            **{k: getattr(WIDE, k) for k in WIDE.__dataclass_fields__},
            "user": "alice",
            "cells_login": "alice",
        }
    )
    assert [acceptor.difference(d).accepted for d in (WIDE, alice, WIDE)] == [
        "bob's own",
        "everyone",
        "bob's own",
    ]
    assert [n for _, n in acceptor.counts()] == [2, 1]
