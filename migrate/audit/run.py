"""What ``cells-migrate audit`` does, as one function: the legacy oracle, the live Cells,
the comparison, the public links, the accepted differences and the optional sample.

From the mapping rules the audit takes only *who is who* (``users.rename``,
``users.lowercase_logins``) and *where the data is* (``paths.variables``/``paths.rewrite``
with ``legacy.path_rewrite``): facts the admin declared. What anyone may open is computed
from the legacy data by Pydio's rules (``legacy_access.py``) and from the live Cells by
Cells' rules (``cells_access.py``), never from the desired state.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from migrate.audit.accept import Acceptor, load_accept_rules
from migrate.audit.cells_access import CellsView, CellsWorkspace
from migrate.audit.cells_links import check_links
from migrate.audit.cells_read import place_candidates, read_snapshot
from migrate.audit.legacy_access import LegacyOracle
from migrate.audit.locations import Location, PathRules
from migrate.audit.model import Difference
from migrate.audit.pairing import compare_all
from migrate.audit.report import AuditReport, SampleReport
from migrate.audit.sample import OpenAs, choose, read_passwords, run_sample
from migrate.cells.client import CellsClient
from migrate.config import Config, PasswordStrategy
from migrate.legacy.model import Inventory
from migrate.mapping.rules import MappingRules
from migrate.progress import NullProgress, Progress
from migrate.secret import Secret

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditOptions:
    """``--sample N`` and where the sampled users' passwords are (``--passwords-file``)."""

    sample: int = 0
    passwords_file: Path | None = None


def login_mapper(rules: MappingRules) -> Callable[[str], str]:
    """Legacy login → Cells login: a rename, else lower-cased (as auth.sql stored it)."""
    over = rules.users.overrides
    lower = rules.users.lowercase_logins

    def login_of(legacy: str) -> str:
        return over.renamed(legacy) or (legacy.lower() if lower else legacy)

    return login_of


ReadLegacy = Callable[[], tuple[Inventory, MappingRules]]
"""Reads the legacy install and the mapping rules (``migrate.commands.read_legacy``)."""


def audit_for_config(
    config: Config,
    options: AuditOptions,
    *,
    now: float,
    client: CellsClient,
    read_legacy: ReadLegacy,
    open_as: OpenAs,
    progress: Progress | None = None,
) -> AuditReport:
    """Run the access audit (read-only on both sides) with the resources the caller opened:
    ``client`` (read-only), ``read_legacy``, and ``open_as`` for ``--sample``'s logins.

    Raises ``LegacyError`` (legacy unreadable), ``ConfigError`` (mapping files or
    ``audit.accept`` invalid, passwords file unreadable) or ``CellsError``.
    """
    progress = progress or NullProgress()
    acceptor = Acceptor(load_accept_rules(config))
    passwords = _passwords(config, options)
    cells = client
    # Cells is read while the legacy install is extracted: one waits on the network,
    # the other on the CPU (bench/README.md, audit).
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit-cells") as background:
        reading = background.submit(read_snapshot, cells, progress=NullProgress())
        oracle, login_of = _oracle(read_legacy)
        log.info("audit: legacy install read in %.1f s", time.monotonic() - started)
        snapshot = reading.result()
    place_candidates(cells, snapshot, _candidates(oracle))
    log.info("audit: Cells read in %.1f s", time.monotonic() - started)
    sample = choose([u.login for u in snapshot.users], passwords, options.sample)
    paired = compare_all(
        oracle,
        snapshot,
        cells,
        login_of=login_of,
        acceptor=acceptor,
        progress=progress,
        sample=sample,
    )
    log.info("audit: users compared in %.1f s", time.monotonic() - started)
    locator = snapshot.locator
    links, link_notes = check_links(
        cells,
        oracle.links(),
        concurrency=config.cells.concurrency,
        now=now,
        locate=lambda node: locator.locate(node, ""),
    )
    links = [acceptor.link(r) for r in links]
    report_sample = _sample(options, paired.sampled, snapshot.model.workspaces, passwords, open_as)
    notes = [*oracle.notes(), *snapshot.notes, *paired.notes, *link_notes]
    notes.extend(_unknown_nodes(snapshot.locator.unknown))
    return AuditReport(
        legacy_users=sum(1 for _ in oracle.users()),
        cells_users=len(snapshot.users),
        users_compared=paired.compared,
        differences=tuple(sorted(paired.differences, key=_order)),
        links=tuple(links),
        rules=tuple(acceptor.counts()),
        sample=report_sample,
        notes=tuple(notes),
        cells_version=snapshot.version,
    )


def _unknown_nodes(unknown: set[str]) -> list[str]:
    if not unknown:
        return []
    some = ", ".join(sorted(unknown)[:3])
    return [
        f"{len(unknown)} Cells node(s) carry ACLs but could not be located (e.g. {some}): "
        "read/write on them is listed as unplaced:/<node>; a deny on them is not checked"
    ]


def _oracle(read_legacy: ReadLegacy) -> tuple[LegacyOracle, Callable[[str], str]]:
    """The legacy install read and its oracle, with the legacy -> Cells login mapping."""
    inventory, rules = read_legacy()
    login_of = login_mapper(rules)
    paths = PathRules(
        variables=rules.path_variables,
        rewrites=tuple((r.source, r.target) for r in rules.path_rewrite),
    )
    return LegacyOracle(inventory, paths=paths, login_of=login_of), login_of


def _order(diff: Difference) -> tuple[str, str, str, str]:
    return (diff.user or diff.cells_login, diff.cells_login, diff.location.kind, diff.location.path)


def _candidates(oracle: LegacyOracle) -> set[Location]:
    """Sub-folders the legacy masks name (so that Cells ACLs on them can be placed)."""
    found: set[Location] = set()
    for role in oracle.inventory.roles:
        for mask in role.masks:
            ws = oracle.workspaces.get(mask.workspace_id)
            if ws is None or oracle.paths.per_user(ws):
                continue
            root = oracle.paths.location(ws, "", "/")
            if root is None:
                continue
            for rule in mask.rules:
                found.update(p for p in root.join(rule.path).lineage() if root.contains(p))
    return found


def _passwords(config: Config, options: AuditOptions) -> dict[str, Secret]:
    if options.sample <= 0:
        return {}
    path = options.passwords_file
    if path is None and config.passwords.strategy is PasswordStrategy.RANDOM:
        path = config.passwords.random_passwords_file
    if path is None or not path.exists():
        return {}
    return read_passwords(path)


def _sample(
    options: AuditOptions,
    views: Mapping[str, Sequence[CellsView]],
    workspaces: Mapping[str, CellsWorkspace],
    passwords: dict[str, Secret],
    open_as: OpenAs,
) -> SampleReport | None:
    if options.sample <= 0:
        return None
    notes = []
    if not passwords:
        notes.append(
            "no password is known: give --passwords-file (login,password CSV) or use "
            "passwords.strategy random"
        )
    return run_sample(open_as, views, workspaces, passwords, options.sample, notes)
