"""Pair Pydio users with Cells users and compare them, batch by batch.

A Pydio user is the Cells user whose login is its Cells login (``users.rename`` of the
mapping files, else the login lower-cased as auth.sql stored it: who is who, never what
they may open). Cells users are read with their own roles' ACLs 500 at a time, so memory
holds the shared roles and one batch, not every user's ACLs. A Pydio user without a Cells
account is compared with nothing (everything lost); a Cells account without a Pydio user
with everything it reaches (widened).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from migrate.audit.accept import Acceptor
from migrate.audit.cells_access import CellsView
from migrate.audit.cells_read import CellsSnapshot, user_acls
from migrate.audit.compare import Interner, compare_views
from migrate.audit.legacy_access import LegacyOracle
from migrate.audit.model import Difference, View
from migrate.cells.client import CellsClient
from migrate.legacy.model import LegacyUser
from migrate.progress import Progress


@dataclass(slots=True, kw_only=True)
class PairingResult:
    """Differences (accept rules applied), counts, and the views of the sampled users."""

    differences: list[Difference] = field(default_factory=list)
    compared: int = 0
    interner: Interner = field(default_factory=Interner)
    sampled: dict[str, list[CellsView]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def compare_all(
    oracle: LegacyOracle,
    snapshot: CellsSnapshot,
    client: CellsClient,
    *,
    login_of: Callable[[str], str],
    acceptor: Acceptor,
    progress: Progress,
    sample: Collection[str] = (),
) -> PairingResult:
    """Compare every user; ``sample``: Cells logins whose computed views are kept."""
    result = PairingResult()
    legacy = _legacy_by_cells_login(oracle, login_of, result.notes)
    done: set[str] = set()
    workers = max(1, client.config.concurrency)
    on_cells = {u.login for u in snapshot.users}
    progress.start("comparing users", len(on_cells) + len(legacy.keys() - on_cells))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="audit-acl") as pool:
        for batch, table in user_acls(client, pool, snapshot.users):
            for user in batch:
                views = snapshot.model.views(user, table.get(user.uuid, {}))
                if user.login in sample:
                    result.sampled[user.login] = views
                old = legacy.get(user.login)
                done.add(user.login)
                _add(result, acceptor, old, user.login, oracle.views(old) if old else [], views)
            progress.update(len(batch))
    for login, old in sorted(legacy.items()):
        if login not in done:
            _add(result, acceptor, old, "", oracle.views(old), [])
            progress.update(1)
    progress.finish()
    return result


def _add(
    result: PairingResult,
    acceptor: Acceptor,
    old: LegacyUser | None,
    cells_login: str,
    legacy_views: Sequence[View],
    cells_views: Sequence[View],
) -> None:
    result.compared += 1
    login = old.login if old else ""
    diffs = compare_views(login, cells_login, legacy_views, cells_views, result.interner)
    result.differences.extend(acceptor.difference(d) for d in diffs)


def _legacy_by_cells_login(
    oracle: LegacyOracle, login_of: Callable[[str], str], notes: list[str]
) -> dict[str, LegacyUser]:
    found: dict[str, LegacyUser] = {}
    for user in sorted(oracle.users(), key=lambda u: u.login):
        login = login_of(user.login)
        if login in found:
            notes.append(
                f"Pydio users {found[login].login!r} and {user.login!r} both become Cells login "
                f"{login!r}: {user.login!r} is not compared"
            )
            continue
        found[login] = user
    return found
