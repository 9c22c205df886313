"""``audit --sample N``: log in as N users and check the computed Cells side against what
Cells really shows them.

Only users whose password is known can be sampled: a ``login,password`` CSV (the file the
``random`` password strategy writes, or one the admin keeps for rehearsal accounts in a
``keep-hash`` rehearsal). Each sampled user logs in with a read-only client (password
login, ``POST /a/frontend/session``) and asks ``POST /a/tree/stats`` for the root and the
sub-folders of every workspace the audit computed for them, and for the roots of some
workspaces it computed nothing for. Cells answers only what the user may see, and marks
read-only nodes ``node_readonly`` (user-and-group-role-acls.yaml), so each path reads as
writable, read-only or hidden. Personal template roots (``my-files``) are left out: the
emulator does not resolve them; a real Cells would. Passwords never leave this module.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from migrate.audit.cells_access import CellsView, CellsWorkspace
from migrate.audit.locations import OTHER
from migrate.audit.model import NONE, READ, SampleMismatch
from migrate.audit.report import SampleReport
from migrate.cells.client import CellsClient
from migrate.errors import CellsError, ConfigError
from migrate.secret import Secret

WRITABLE, READ_ONLY, HIDDEN = "writable", "read-only", "hidden"
NEGATIVE_ROOTS = 20  # workspaces without computed rights whose roots are checked per user
STATS_BATCH = 100


def read_passwords(path: Path) -> dict[str, Secret]:
    """``{login: password}`` from a ``login,password`` CSV (a header row is skipped).

    Raises ``ConfigError`` when the file cannot be read.
    """
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
    except OSError as exc:
        raise ConfigError(f"cannot read the passwords file {path}: {exc.strerror}") from exc
    found: dict[str, Secret] = {}
    for row in rows:
        if len(row) >= 2 and row[0] and row[:2] != ["login", "password"]:
            found[row[0]] = Secret(row[1])
    return found


def choose(logins: Sequence[str], passwords: Mapping[str, Secret], count: int) -> list[str]:
    """Up to ``count`` logins with a known password, spread evenly over the sorted list."""
    known = sorted(login for login in logins if login in passwords)
    if count <= 0 or not known:
        return []
    if count >= len(known):
        return known
    step = len(known) / count
    return [known[int(i * step)] for i in range(count)]


def _seen(nodes: Any) -> dict[str, str]:
    seen: dict[str, str] = {}
    for node in nodes if isinstance(nodes, list) else ():
        if not isinstance(node, dict):
            continue
        path = str(node.get("Path") or "").rstrip("/")
        meta = node.get("MetaStore") if isinstance(node.get("MetaStore"), dict) else {}
        readonly = "true" in str(meta.get("node_readonly", "")) if meta else False
        seen[path] = READ_ONLY if readonly else WRITABLE
    return seen


def expected_paths(
    views: Sequence[CellsView], workspaces: Mapping[str, CellsWorkspace]
) -> dict[str, str]:
    """``{user-view path: writable | read-only | hidden}`` the computed views predict."""
    wanted: dict[str, str] = {}
    named = set()
    for view in views:
        if view.location.kind == "personal" or not view.workspace:
            continue
        named.add(view.workspace)
        for place in view.checkpoints():
            rel = place.relative_to(view.location).strip("/")
            if OTHER in rel.split("/"):
                continue
            bits = view.at(place)
            path = f"{view.workspace}/{rel}" if rel else view.workspace
            wanted[path] = HIDDEN if bits == NONE else READ_ONLY if bits == READ else WRITABLE
    others = sorted(ws.slug for ws in workspaces.values() if ws.slug and ws.slug not in named)
    for slug in others[:NEGATIVE_ROOTS]:
        wanted.setdefault(slug, HIDDEN)
    return wanted


OpenAs = Callable[[str, Secret], CellsClient]
"""Opens a read-only client logged in as ``(login, password)`` (``migrate.commands``)."""


def run_sample(
    open_as: OpenAs,
    views: Mapping[str, Sequence[CellsView]],
    workspaces: Mapping[str, CellsWorkspace],
    passwords: Mapping[str, Secret],
    requested: int,
    notes: Sequence[str] = (),
) -> SampleReport:
    """Log in as each sampled user and compare what Cells shows with ``views``."""
    mismatches: list[SampleMismatch] = []
    checked: list[str] = []
    paths = 0
    problems = list(notes)
    for login in sorted(views):
        wanted = expected_paths(views[login], workspaces)
        try:
            seen = _stats(open_as(login, passwords[login]), sorted(wanted))
        except CellsError as exc:
            problems.append(f"{login}: could not log in or read the view ({exc})")
            continue
        checked.append(login)
        paths += len(wanted)
        for path, expect in sorted(wanted.items()):
            got = seen.get(path, HIDDEN)
            if got != expect:
                mismatches.append(SampleMismatch(login=login, path=path, computed=expect, seen=got))
    return SampleReport(
        requested=requested,
        users=tuple(checked),
        paths=paths,
        mismatches=tuple(mismatches),
        notes=tuple(problems),
    )


def _stats(opened: CellsClient, paths: list[str]) -> dict[str, str]:
    seen: dict[str, str] = {}
    with opened as client:
        for start in range(0, len(paths), STATS_BATCH):
            batch = paths[start : start + STATS_BATCH]
            data = client.transport.call("POST", "/a/tree/stats", body={"NodePaths": batch})
            seen.update(_seen(data.get("Nodes") if isinstance(data, dict) else None))
    return seen
