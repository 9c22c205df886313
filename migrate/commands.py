"""One typed function per subcommand; each composes the library and returns a result.

Nothing here prints or exits: ``cli`` writes results and maps errors to exit codes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from migrate.config import Config
from migrate.legacy.reader import read_install
from migrate.plan import Plan, Stage, plan_for_config
from migrate.preflight import CheckReport, run_checks
from migrate.progress import NullProgress, Progress
from migrate.reports import InventoryReport

log = logging.getLogger(__name__)


def inventory(config: Config, *, progress: Progress | None = None) -> InventoryReport:
    """Read the legacy install named by ``config.legacy`` and report counts and findings.

    Raises ``LegacyError`` when the install or its database cannot be read at all; bad
    objects inside it are findings in the report, never errors.
    """
    return InventoryReport(
        inventory=read_install(config.legacy, progress=progress or NullProgress())
    )


def check(config: Config, *, progress: Progress | None = None) -> CheckReport:
    """Preflight: every check runs, the report lists all that must be fixed (never raises
    for a failed check; ``report.ok`` is False then)."""
    return run_checks(config, progress=progress or NullProgress())


def plan(config: Config, *, stages: Sequence[Stage] = (), progress: Progress | None = None) -> Plan:
    """The dry-run diff of the desired state against the live Cells (read-only client)."""
    return plan_for_config(config, stages=stages, progress=progress or NullProgress())


def emulator(
    *,
    host: str,
    port: int,
    admin_login: str,
    admin_password: str,
    token_ttl_s: float,
    latency_ms: float,
    fault_rate: float,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Run the Cells API emulator in the foreground until interrupted."""
    from migrate.cells.emulator import EmulatorConfig, serve

    config = EmulatorConfig(
        host=host,
        port=port,
        admin_login=admin_login,
        admin_password=admin_password,
        token_ttl_s=token_ttl_s,
        latency_ms=latency_ms,
        fault_rate=fault_rate,
    )
    serve(config, ready=ready)
