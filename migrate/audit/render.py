"""The audit report as text, Markdown, JSON (``cells-migrate/audit/1``) and CSV.

Renderers take a report and a text stream (the library never prints). JSON is written
piece by piece with the C encoder, one difference per line: a report of 100,000 users is
written in seconds (``json.dump`` with an indent would use the pure-Python encoder).
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TextIO

from migrate.audit.model import Difference, LinkResult, LinkStatus, right_text
from migrate.audit.report import AuditReport, difference_json, link_json
from migrate.reports import counts_line, render_findings

EXAMPLES = 3  # accepted differences shown per rule in text and Markdown


def _verdict(report: AuditReport) -> str:
    return "PARITY" if report.parity else "DIFFERENCES"


def _summary(report: AuditReport) -> list[str]:
    t = report.totals()
    version = f" {report.cells_version}" if report.cells_version else ""
    return [
        f"Access audit, Pydio -> Cells{version}: {_verdict(report)} (exit {report.exit_code})",
        f"users: {t['legacy_users']} in Pydio, {t['cells_users']} on Cells, "
        f"{t['users_compared']} compared; {t['users_with_differences']} with open differences",
        f"open differences: {t['lost']} lost, {t['widened']} widened, {t['changed']} changed; "
        f"accepted: {t['accepted']}",
        f"public links: {t['links']} ({t['links_kept']} kept, {t['links_lost']} lost, "
        f"{t['links_different']} different, {t['links_accepted']} accepted)",
    ]


def _who(diff: Difference) -> str:
    if not diff.user:
        return f"{diff.cells_login} (Cells only: no Pydio user)"
    if not diff.cells_login:
        return f"{diff.user} (not on Cells)"
    if diff.user == diff.cells_login:
        return diff.user
    return f"{diff.user} (Cells: {diff.cells_login})"


def _line(diff: Difference) -> str:
    return (
        f"{diff.change.value:<8} {right_text(diff.legacy)} -> {right_text(diff.cells):<4} "
        f"{diff.location}"
    )


def render_text(report: AuditReport, out: TextIO) -> None:
    """The report an admin reads at the end of a migration."""
    for line in _summary(report):
        out.write(line + "\n")
    by_user: dict[str, list[Difference]] = defaultdict(list)
    for diff in report.open:
        by_user[_who(diff)].append(diff)
    if by_user:
        out.write("\nDifferences by user (Pydio -> Cells):\n")
    for who in sorted(by_user):
        out.write(f"  {who}\n")
        for diff in by_user[who]:
            out.write(f"    {_line(diff)}\n")
            out.write(f"      Pydio: {diff.legacy_via}\n      Cells: {diff.cells_via}\n")
    _text_links(report.links, out)
    _text_accepted(report, out)
    _text_sample(report, out)
    if report.notes:
        out.write("\nNotes:\n")
        for note in report.notes:
            out.write(f"  - {note}\n")
    out.write("\nWhat the migration left out or changed (as inventory, check and plan show it):\n")
    render_findings(report.findings, out)


def _link_line(result: LinkResult) -> str:
    link = result.link
    flags = [right_text(link.right)]
    if link.password:
        flags.append("password")
    if link.download_disabled:
        flags.append("no download")
    place = str(link.location) if link.location is not None else "(folder unknown)"
    return (
        f"{link.hash} by {link.owner or '?'}: {link.workspace} {place} ({', '.join(flags)}) "
        f"-> {result.status.value.upper()}" + (f": {result.detail}" if result.detail else "")
    )


def _text_links(links: Iterable[LinkResult], out: TextIO) -> None:
    items = list(links)
    if not items:
        return
    out.write("\nPublic links (anonymous access, Pydio -> Cells):\n")
    for result in items:
        accepted = f"  [accepted: {result.accepted}]" if result.accepted else ""
        out.write(f"  {_link_line(result)}{accepted}\n")


def _text_accepted(report: AuditReport, out: TextIO) -> None:
    accepted = [d for d in report.differences if d.accepted is not None]
    if not report.rules:
        return
    out.write("\nAccepted (audit.accept):\n")
    for rule, count in report.rules:
        out.write(f"  {count:>6}  {rule.reason}  [{rule.origin}]\n")
        examples = [d for d in accepted if d.accepted == rule.reason][:EXAMPLES]
        for diff in examples:
            out.write(f"            e.g. {_who(diff)}: {_line(diff)}\n")
        if count == 0:
            out.write("            (matched nothing: remove the rule if it is stale)\n")


def _text_sample(report: AuditReport, out: TextIO) -> None:
    sample = report.sample
    if sample is None:
        return
    verdict = "agrees" if sample.ok else "DISAGREES"
    out.write(
        f"\nSample: {len(sample.users)} of {sample.requested} user(s) logged in, "
        f"{sample.paths} path(s) checked against their own view: {verdict}\n"
    )
    for m in sample.mismatches:
        out.write(f"  {m.login}: {m.path}: computed {m.computed}, Cells shows {m.seen}\n")
    for note in sample.notes:
        out.write(f"  - {note}\n")


def render_markdown(report: AuditReport, out: TextIO) -> None:
    """The same report for a change ticket."""
    head, *rest = _summary(report)
    out.write(f"# {head}\n\n")
    for line in rest:
        out.write(f"- {line}\n")
    out.write(f"- {counts_line(report.findings)} (as inventory, check and plan show them)\n")
    if report.open:
        out.write("\n## Differences\n\n")
        out.write("| user | change | Pydio | Cells | place | Pydio source | Cells source |\n")
        out.write("|---|---|---|---|---|---|---|\n")
        for d in report.open:
            out.write(
                f"| {_md(_who(d))} | {d.change.value} | {right_text(d.legacy)} | "
                f"{right_text(d.cells)} | `{_md(str(d.location))}` | {_md(d.legacy_via)} | "
                f"{_md(d.cells_via)} |\n"
            )
    if report.links:
        out.write("\n## Public links\n\n| hash | owner | place | rights | Cells | accepted |\n")
        out.write("|---|---|---|---|---|---|\n")
        for r in report.links:
            link = r.link
            place = str(link.location) if link.location is not None else "?"
            status = r.status.value + (f": {r.detail}" if r.detail else "")
            out.write(
                f"| `{link.hash}` | {_md(link.owner)} | `{_md(place)}` | {right_text(link.right)}"
                f"{', password' if link.password else ''} | {_md(status)} | "
                f"{_md(r.accepted or '')} |\n"
            )
    if report.rules:
        out.write("\n## Accepted\n\n| rule | reason | differences |\n|---|---|---|\n")
        for rule, count in report.rules:
            out.write(f"| `{_md(rule.origin)}` | {_md(rule.reason)} | {count} |\n")
    if report.sample is not None:
        out.write("\n## Sample\n\n")
        _text_sample(report, out)
    if report.notes:
        out.write("\n## Notes\n\n" + "".join(f"- {_md(n)}\n" for n in report.notes))


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


CSV_FIELDS = (
    "user",
    "cells_login",
    "change",
    "location",
    "legacy",
    "cells",
    "legacy_source",
    "cells_source",
    "accepted",
)


def render_csv(report: AuditReport, out: TextIO) -> None:
    """One row per difference and per public link that is not kept (links: ``user`` is
    ``link:<hash>``)."""
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for diff in report.differences:
        writer.writerow(difference_json(diff))
    for result in report.links:
        if result.status is LinkStatus.KEPT:
            continue
        link = result.link
        writer.writerow(
            {
                "user": f"link:{link.hash}",
                "cells_login": "",
                "change": result.status.value,
                "location": str(link.location) if link.location is not None else "",
                "legacy": right_text(link.right),
                "cells": "none" if result.status is LinkStatus.LOST else result.detail,
                "legacy_source": f"public link by {link.owner} on {link.workspace}",
                "cells_source": result.detail,
                "accepted": result.accepted or "",
            }
        )


def write_json(report: AuditReport, out: TextIO) -> None:
    """The ``cells-migrate/audit/1`` document, streamed (same content as ``to_json``)."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    out.write("{\n")
    for key, value in report.head_json().items():
        out.write(f"  {encode(key)}: {encode(value)},\n")
    _write_list(out, "differences", (difference_json(d) for d in report.differences), encode)
    out.write(",\n")
    _write_list(out, "links", (link_json(r) for r in report.links), encode)
    for key, value in report.tail_json().items():
        out.write(f",\n  {encode(key)}: {encode(value)}")
    out.write("\n}\n")


def _write_list(
    out: TextIO, key: str, items: Iterable[object], encode: Callable[[object], str]
) -> None:
    out.write(f'  "{key}": [')
    first = True
    for item in items:
        out.write("\n    " if first else ",\n    ")
        out.write(encode(item))
        first = False
    out.write("\n  ]" if not first else "]")
