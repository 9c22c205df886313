"""One typed function per subcommand; each composes the library and returns a result.

Nothing here prints or exits: ``cli`` writes results and maps errors to exit codes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from migrate.audit.report import AuditReport
from migrate.audit.run import AuditOptions as AuditOptions
from migrate.audit.run import audit_for_config
from migrate.cells.client import CellsClient
from migrate.cells.login import DEFAULT_CALLBACK_PORT, LoginFlow
from migrate.config import Config
from migrate.legacy.reader import read_install
from migrate.load.result import ApplyResult
from migrate.load.rollback import RollbackReport
from migrate.load.run import ApplyOptions as ApplyOptions
from migrate.load.run import (
    Confirm,
    Hooks,
    apply_for_config,
    kill_after,
    resume_for_config,
    rollback_for_config,
    verify_for_config,
)
from migrate.load.status import render_status as render_status
from migrate.load.status import status_for_config
from migrate.load.verify import VerifyReport
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


def _now() -> datetime:
    return datetime.now(UTC)


def _hooks(crash_after: int | None) -> Hooks:
    return Hooks(on_done=kill_after(crash_after) if crash_after else None)


def apply(
    config: Config,
    options: ApplyOptions,
    *,
    confirm: Confirm | None = None,
    progress: Progress | None = None,
    crash_after: int | None = None,
) -> ApplyResult:
    """Apply the plan (a saved one exactly, refused if stale); item failures are in the
    result (exit 3), errors raise (``PlanError``, ``RunLockedError``, ``CellsError``…).
    ``crash_after`` is a test hook: SIGKILL after that many confirmed items."""
    return apply_for_config(
        config, options, now=_now, confirm=confirm, progress=progress, hooks=_hooks(crash_after)
    )


def resume(
    config: Config,
    *,
    run_id: int | None = None,
    progress: Progress | None = None,
    crash_after: int | None = None,
) -> ApplyResult:
    """Continue an interrupted or partial run (default: the newest)."""
    return resume_for_config(
        config, run_id=run_id, now=_now, progress=progress, hooks=_hooks(crash_after)
    )


def status(config: Config) -> dict[str, object]:
    """The ``cells-migrate/status/1`` document of the state DB."""
    return status_for_config(config, now=_now)


def rollback(
    config: Config,
    *,
    run_id: int | None = None,
    every_run: bool = False,
    stages: Sequence[Stage] = (),
    force: bool = False,
    confirm: Callable[[list[int], int], bool] | None = None,
) -> RollbackReport:
    """Undo a run (default: the last that changed something) or every run, newest first."""
    return rollback_for_config(
        config,
        now=_now,
        run_id=run_id,
        every_run=every_run,
        stages=tuple(stages),
        force=force,
        confirm=confirm,
    )


def verify(config: Config, *, progress: Progress | None = None) -> VerifyReport:
    """Audit Cells against the desired state (read-only)."""
    return verify_for_config(config, now=_now, progress=progress)


def audit(
    config: Config, options: AuditOptions, *, progress: Progress | None = None
) -> AuditReport:
    """Per-user access parity: Pydio's rules on the legacy data against Cells' rules on the
    live Cells (read-only on both sides)."""
    return audit_for_config(config, options, now=_now().timestamp(), progress=progress)


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


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginResult:
    """Who the stored token logs in as, and where it is."""

    account: str
    token_file: Path


def login(
    config: Config,
    *,
    username: str | None = None,
    password: Callable[[], str] | None = None,
    notify: Callable[[str], None] = lambda text: None,
    open_browser: Callable[[str], bool] = lambda url: False,
    read_code: Callable[[], str] = lambda: "",
    callback_port: int = DEFAULT_CALLBACK_PORT,
) -> LoginResult:
    """``cells-migrate login``: the OAuth2 auth-code + PKCE flow, headless with
    ``username`` (``password()`` asked only then), else interactive; the token is stored 0600
    in ``cells.auth.token_file`` and tried at once (whoami). Raises ``ConfigError`` (not an
    oauth2 configuration), ``CellsCredentialsRefused``, ``CellsError``."""
    flow = LoginFlow(config.cells)
    try:
        if username:
            flow.headless(username, password() if password else "")
        else:
            flow.interactive(
                notify=notify, open_browser=open_browser, read_code=read_code, port=callback_port
            )
    finally:
        flow.close()
    with CellsClient(config.cells, read_only=True) as client:
        account = client.account()
    return LoginResult(account=account, token_file=flow.token_file)


def logout(config: Config) -> bool:
    """``cells-migrate logout``: revoke the stored OAuth2 token at Cells and remove its file;
    False when there was none. The file is kept when Cells cannot be told (``CellsError``)."""
    flow = LoginFlow(config.cells)
    try:
        return flow.logout()
    finally:
        flow.close()
