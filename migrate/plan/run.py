"""From a legacy inventory to a plan: the desired state (the mapping, then what the legacy
folders look like from here), then the diff against the live Cells read through the
read-only client the caller opened (``migrate.commands`` opens it, and reads the install).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from migrate.cells.client import CellsClient
from migrate.errors import PlanError
from migrate.legacy.model import Finding, Inventory
from migrate.mapping import DesiredState, MappingRules, PasswordStrategy, map_inventory
from migrate.mapping.breakdown import KindCount, count_breakdown
from migrate.mapping.findings import all_findings
from migrate.plan.actions import Stage
from migrate.plan.diff import Plan, build_plan
from migrate.plan.fingerprint import digest
from migrate.plan.folders import check_folders
from migrate.progress import NullProgress, Progress

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class DesiredInputs:
    """The legacy inventory, the rules and the desired state they map to."""

    inventory: Inventory
    rules: MappingRules
    desired: DesiredState

    @property
    def findings(self) -> tuple[Finding, ...]:
        """The findings every report shows alike: the extractor's and the mapping's, one
        per object and code (:func:`~migrate.mapping.findings.all_findings`)."""
        return all_findings(self.inventory.findings, self.desired.findings)

    @property
    def breakdown(self) -> tuple[KindCount, ...]:
        """Legacy counts → Cells counts, with the reasons (inventory and plan)."""
        return count_breakdown(self.inventory, self.desired)

    @property
    def digest(self) -> str:
        """Digest of the inventory and the rules (the fingerprint's ``inputs`` part)."""
        return inputs_digest(self.inventory, self.rules)


def inputs_digest(inventory: Inventory, rules: MappingRules) -> str:
    """Digest of the legacy inventory and the mapping rules (secrets by one-way digest)."""
    return digest(inventory, rules)


def desired_inputs(
    inventory: Inventory,
    rules: MappingRules,
    *,
    strategy: PasswordStrategy,
    look_at_folders: bool = True,
    now: int | None = None,
) -> DesiredInputs:
    """Map ``inventory`` with ``rules`` and the password ``strategy``.

    With ``look_at_folders`` (always, but for tools that lay the data out first, like the
    demo's data copy) the legacy folders are looked at: missing datasource folders are
    blockers, rights on deleted sub-folders are left out with a warning
    (:mod:`migrate.plan.folders`, issue 11 point 4).
    """
    when = int(time.time()) if now is None else now  # which links have expired
    desired = map_inventory(inventory, rules, password_strategy=strategy, now=when)
    if look_at_folders:
        desired = check_folders(desired)
    return DesiredInputs(inventory=inventory, rules=rules, desired=desired)


def make_plan(
    inputs: DesiredInputs,
    client: CellsClient,
    *,
    stages: Sequence[Stage] = (),
    progress: Progress | None = None,
) -> Plan:
    """The plan ``cells-migrate plan`` shows (and ``apply`` recomputes to check a saved plan
    with ``check_fresh``), read through ``client``.

    Raises ``PlanError`` for a client that is not read-only (a plan never writes), and
    ``CellsError``.
    """
    if not client.read_only:
        # The dry-run guarantee lives in the client (DESIGN.md): never plan without it.
        raise PlanError("a plan needs a read-only Cells client (CellsClient(read_only=True))")
    # The plan shows the extractor's findings too (a corrupt role is a skip in the plan):
    # the one list every report shows.
    desired = replace(inputs.desired, findings=inputs.findings)
    plan = build_plan(
        desired,
        client,
        stages=stages,
        progress=progress or NullProgress(),
        inputs_digest=inputs.digest,
        # The account the tool logs in with is never adopted or modified (kinds/user.py).
        tool_login=client.account(),
        tool_account_rights=inputs.rules.users.tool_account_rights,
    )
    return replace(plan, breakdown=inputs.breakdown)
