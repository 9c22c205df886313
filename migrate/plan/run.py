"""What ``cells-migrate plan`` does, as one function the command calls: config → inventory
→ desired state → plan against the live Cells (through a read-only client)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

from migrate.cells.client import CellsClient
from migrate.config import Config
from migrate.errors import PlanError
from migrate.legacy.bootstrap import discover_install
from migrate.legacy.model import Inventory
from migrate.legacy.reader import read_install
from migrate.mapping import DesiredState, MappingRules, PasswordStrategy, map_inventory
from migrate.plan.actions import Stage
from migrate.plan.diff import Plan, build_plan
from migrate.plan.fingerprint import digest
from migrate.plan.folders import check_folders
from migrate.progress import NullProgress, Progress
from migrate.rulesfile import load_rules

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class DesiredInputs:
    """The legacy inventory, the rules and the desired state they map to."""

    inventory: Inventory
    rules: MappingRules
    desired: DesiredState

    @property
    def digest(self) -> str:
        """Digest of the inventory and the rules (the fingerprint's ``inputs`` part)."""
        return inputs_digest(self.inventory, self.rules)


def inputs_digest(inventory: Inventory, rules: MappingRules) -> str:
    """Digest of the legacy inventory and the mapping rules (secrets by one-way digest)."""
    return digest(inventory, rules)


def desired_for_config(
    config: Config, *, progress: Progress | None = None, look_at_folders: bool = True
) -> DesiredInputs:
    """Read the legacy install and map it with the configured rules and password strategy.

    With ``look_at_folders`` (always, but for tools that lay the data out first, like the
    demo's data copy) the legacy folders are looked at: see :mod:`migrate.plan.folders`.

    Raises ``LegacyError`` (install unreadable) or ``ConfigError`` (mapping files invalid).
    """
    inventory = read_install(config.legacy, progress=progress or NullProgress())
    install = discover_install(config.legacy)
    rules = load_rules(
        config.mapping.files,
        path_rewrite=[(r.source, r.target) for r in config.legacy.path_rewrite],
        path_variables=install.substitutions(),
    )
    strategy = PasswordStrategy(config.passwords.strategy.value)
    desired = map_inventory(inventory, rules, password_strategy=strategy)
    # The legacy folders as seen from here: missing datasource folders are blockers, rights
    # on deleted sub-folders are left out with a warning (issue 11 point 4).
    if look_at_folders:
        desired = check_folders(desired)
    return DesiredInputs(inventory=inventory, rules=rules, desired=desired)


def plan_for_config(
    config: Config,
    *,
    stages: Sequence[Stage] = (),
    progress: Progress | None = None,
    client: CellsClient | None = None,
    inputs: DesiredInputs | None = None,
) -> Plan:
    """The plan ``cells-migrate plan -c CFG`` shows (and ``apply`` recomputes to check a
    saved plan with ``check_fresh``).

    Opens its own read-only client unless one is given. Raises ``PlanError`` for a client
    that is not read-only (a plan never writes), ``LegacyError``, ``ConfigError`` or
    ``CellsError``.
    """
    if client is not None and not client.read_only:
        # The dry-run guarantee lives in the client (DESIGN.md): never plan without it.
        raise PlanError("a plan needs a read-only Cells client (CellsClient(read_only=True))")
    progress = progress or NullProgress()
    # ``inputs``: already read by the caller (apply needs the desired objects too).
    inputs = inputs or desired_for_config(config, progress=progress)
    # The plan shows the extractor's findings too (a corrupt role is a skip in the plan).
    findings = sorted(
        set(inputs.desired.findings) | set(inputs.inventory.findings),
        key=lambda f: (f.kind, f.key, f.code, f.severity, f.message),
    )
    desired = replace(inputs.desired, findings=tuple(findings))
    with _opened(config, client) as cells:
        return build_plan(
            desired,
            cells,
            stages=stages,
            progress=progress,
            inputs_digest=inputs.digest,
            # The account the tool logs in with is never adopted or modified (plan/users.py).
            tool_login=cells.account(),
        )


@contextmanager
def _opened(config: Config, client: CellsClient | None) -> Iterator[CellsClient]:
    """The given client (left open), or a read-only one of our own (closed after)."""
    if client is not None:
        yield client
        return
    with CellsClient(config.cells, read_only=True) as own:
        yield own
