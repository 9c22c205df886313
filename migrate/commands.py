"""One typed function per subcommand; each composes the library and returns a result.

This is where resources are opened (STYLE.md 3 "Resources built deep inside the library"):
the legacy install is read (:func:`desired`), the state DB (:func:`open_state`) and the
Cells clients (read-only for plan, verify and check; read-write for apply, resume and
rollback) are opened here and passed down; library modules never build them. ``now``,
``hooks`` (the lock holder, the readiness clocks, a callback after each confirmed item) are
parameters, so tests inject them. Nothing here prints or exits: ``cli`` writes results and
maps errors to exit codes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from migrate.audit.report import AuditReport
from migrate.audit.run import AuditOptions as AuditOptions
from migrate.audit.run import audit_for_config
from migrate.cells.client import CellsClient
from migrate.cells.login import DEFAULT_CALLBACK_PORT, LoginFlow
from migrate.config import AuthConfig, AuthMethod, Config
from migrate.errors import PlanError
from migrate.kinds.vocabulary import Action
from migrate.legacy.bootstrap import discover_install
from migrate.legacy.model import Inventory
from migrate.legacy.reader import read_install
from migrate.load.checkpoint import CheckpointDB, LockHolder, this_process
from migrate.load.checkpoint_schema import sqlite_path
from migrate.load.passwords import PasswordHook, hook_for_run
from migrate.load.redirects import RedirectMap, legacy_prefix, render
from migrate.load.redirects_read import migrated_links
from migrate.load.result import ApplyResult
from migrate.load.rollback import RollbackReport
from migrate.load.rollback import rollback as rollback_runs
from migrate.load.run import ApplyOptions as ApplyOptions
from migrate.load.run import (
    Confirm,
    Hooks,
    OpenPasswords,
    Planner,
    RunContext,
    continue_run,
    plan_to_apply,
    start_apply,
    take_over,
)
from migrate.load.status import empty_status
from migrate.load.status import render_status as render_status
from migrate.load.verify import SETTLE_S, VerifyReport, verify_with_settle, with_password_steps
from migrate.mapping import MappingRules, PasswordStrategy
from migrate.plan import DesiredInputs, Plan, Stage, desired_inputs, make_plan
from migrate.preflight import CheckReport, run_checks
from migrate.progress import NullProgress, Progress
from migrate.reports import InventoryReport
from migrate.rulesfile import load_rules
from migrate.secret import Secret

__all__ = ["ApplyOptions", "Hooks", "render_status"]

log = logging.getLogger(__name__)

Now = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------- opening resources
def read_legacy(
    config: Config, *, progress: Progress | None = None
) -> tuple[Inventory, MappingRules]:
    """Read the legacy install and the mapping rules (its path variables filled in).
    Raises ``LegacyError`` (install unreadable) or ``ConfigError`` (mapping files invalid)."""
    inventory = read_install(config.legacy, progress=progress or NullProgress())
    install = discover_install(config.legacy)
    rules = load_rules(
        config.mapping.files,
        path_rewrite=[(r.source, r.target) for r in config.legacy.path_rewrite],
        path_variables=install.substitutions(),
    )
    return inventory, rules


def desired(
    config: Config, *, progress: Progress | None = None, look_at_folders: bool = True
) -> DesiredInputs:
    """Read the legacy install and map it with the configured rules and password strategy.

    With ``look_at_folders`` (always, but for tools that lay the data out first, like the
    demo's data copy) the legacy folders are looked at (:mod:`migrate.plan.folders`).
    Raises ``LegacyError`` (install unreadable) or ``ConfigError`` (mapping files invalid).
    """
    inventory, rules = read_legacy(config, progress=progress)
    strategy = PasswordStrategy(config.passwords.strategy.value)
    return desired_inputs(inventory, rules, strategy=strategy, look_at_folders=look_at_folders)


def open_cells(config: Config, *, read_only: bool) -> CellsClient:
    """The Cells client of ``config.cells`` (``read_only``: every write refused before it
    leaves the process)."""
    return CellsClient(config.cells, read_only=read_only)


def _open_as(config: Config) -> Callable[[str, Secret], CellsClient]:
    """How ``audit --sample`` logs in as one of the migrated users (read-only)."""

    def open_as(login: str, password: Secret) -> CellsClient:
        auth = AuthConfig(method=AuthMethod.PASSWORD, login=login, password=password)
        return CellsClient(replace(config.cells, auth=auth, concurrency=1), read_only=True)

    return open_as


def open_state(config: Config, *, now: Now = _now, create: bool = True) -> CheckpointDB:
    """The checkpoint DB of ``config.state.url`` (``create``: a new one when empty)."""
    return CheckpointDB.open(config.state.url, now=now, create=create)


def _existing_state(config: Config, *, now: Now) -> CheckpointDB | None:
    """The state DB, or ``None`` when it is a SQLite file not created yet."""
    path = sqlite_path(config.state.url.reveal())
    if path is not None and not path.exists():
        return None
    return open_state(config, now=now, create=False)


def _planner(inputs: DesiredInputs, reader: CellsClient, progress: Progress) -> Planner:
    def plan_of(stages: Sequence[Stage]) -> Plan:
        return make_plan(inputs, reader, stages=stages, progress=progress)

    return plan_of


def _passwords(config: Config) -> OpenPasswords:
    def open_hook(actions: Sequence[Action], resuming: bool, steps_left: bool) -> PasswordHook:
        return hook_for_run(config, actions, resuming=resuming, steps_left=steps_left)

    return open_hook


@contextmanager
def _run_context(
    config: Config, db: CheckpointDB, inputs: DesiredInputs, progress: Progress, hooks: Hooks
) -> Iterator[RunContext]:
    with open_cells(config, read_only=False) as client:
        yield RunContext(
            db=db,
            client=client,
            inputs=inputs,
            passwords=_passwords(config),
            concurrency=config.cells.concurrency,
            start_timeout_s=config.cells.datasource_start_timeout_s,
            progress=progress,
            hooks=hooks,
        )


# ---------------------------------------------------------------- the commands
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
    return run_checks(
        config,
        read_desired=lambda: desired(config, progress=progress),
        open_client=lambda: open_cells(config, read_only=True),
    )


def plan(config: Config, *, stages: Sequence[Stage] = (), progress: Progress | None = None) -> Plan:
    """The dry-run diff of the desired state against the live Cells (read-only client)."""
    progress = progress or NullProgress()
    inputs = desired(config, progress=progress)
    with open_cells(config, read_only=True) as reader:
        return make_plan(inputs, reader, stages=stages, progress=progress)


def apply(
    config: Config,
    options: ApplyOptions,
    *,
    confirm: Confirm | None = None,
    progress: Progress | None = None,
    hooks: Hooks | None = None,
    now: Now = _now,
) -> ApplyResult:
    """Apply the plan (a saved one exactly, refused if stale), after ``confirm`` (when
    given) said yes. Item failures are in the result (exit 3); errors raise
    (``StalePlanError``/``PlanError``: nothing written; ``RunLockedError``, ``CellsError``…).
    """
    progress = progress or NullProgress()
    inputs = desired(config, progress=progress)
    with open_cells(config, read_only=True) as reader:
        chosen = plan_to_apply(inputs, _planner(inputs, reader, progress), options)
    if confirm is not None and not confirm(chosen):
        raise PlanError("apply not confirmed: nothing was written")
    with (
        open_state(config, now=now) as db,
        _run_context(config, db, inputs, progress, hooks or Hooks()) as ctx,
    ):
        return start_apply(ctx, chosen, options)


def resume(
    config: Config,
    *,
    run_id: int | None = None,
    options: ApplyOptions | None = None,
    progress: Progress | None = None,
    hooks: Hooks | None = None,
    now: Now = _now,
) -> ApplyResult:
    """Continue an interrupted or partial run (default: the newest). Raises
    ``CheckpointError`` (no state DB, no such run, nothing to resume), ``RunLockedError``."""
    progress = progress or NullProgress()
    hooks = hooks or Hooks()
    with open_state(config, now=now, create=False) as db:
        run = take_over(db, run_id, hooks.holder)
        inputs = desired(config, progress=progress)
        with (
            open_cells(config, read_only=True) as reader,
            _run_context(config, db, inputs, progress, hooks) as ctx,
        ):
            return continue_run(ctx, run, _planner(inputs, reader, progress), options)


def status(config: Config, *, now: Now = _now) -> dict[str, object]:
    """The ``cells-migrate/status/1`` document of the state DB (no runs when it does not
    exist yet). Raises ``CheckpointError`` when the state DB cannot be read."""
    db = _existing_state(config, now=now)
    if db is None:
        return empty_status()
    with db:
        return dict(db.status_report())


def rollback(
    config: Config,
    *,
    run_id: int | None = None,
    every_run: bool = False,
    stages: Sequence[Stage] = (),
    force: bool = False,
    confirm: Callable[[list[int], int], bool] | None = None,
    holder: LockHolder | None = None,
    now: Now = _now,
) -> RollbackReport:
    """Undo a run (default: the last that changed something) or every run, newest first.
    Raises ``CheckpointError`` when there is no state DB or the lock is held."""
    with (
        open_state(config, now=now, create=False) as db,
        open_cells(config, read_only=False) as client,
    ):
        return rollback_runs(
            db,
            client,
            holder=holder or this_process(),
            run_id=run_id,
            every_run=every_run,
            stages=tuple(stages),
            force=force,
            confirm=confirm,
            concurrency=config.cells.concurrency,
        )


def verify(
    config: Config,
    *,
    progress: Progress | None = None,
    now: Now = _now,
    settle_s: float = SETTLE_S,
    sleep: Callable[[float], None] = time.sleep,
) -> VerifyReport:
    """Audit Cells against the desired state (read-only), and name the users whose
    password step the state DB shows not done."""
    progress = progress or NullProgress()
    inputs = desired(config, progress=progress)
    with open_cells(config, read_only=True) as reader:
        report = verify_with_settle(
            lambda: make_plan(inputs, reader, progress=progress), settle_s=settle_s, sleep=sleep
        )
    db = _existing_state(config, now=now)
    if db is None:
        return report
    with db:
        return with_password_steps(report, db.password_steps_left())


def audit(
    config: Config, options: AuditOptions, *, progress: Progress | None = None
) -> AuditReport:
    """Per-user access parity: Pydio's rules on the legacy data against Cells' rules on the
    live Cells (read-only on both sides)."""
    with open_cells(config, read_only=True) as client:
        return audit_for_config(
            config,
            options,
            now=_now().timestamp(),
            client=client,
            read_legacy=lambda: read_legacy(config, progress=progress),
            open_as=_open_as(config),
            progress=progress,
        )


def share_redirects(
    config: Config,
    *,
    fmt: str = "nginx",
    legacy_path: str | None = None,
    cells_url: str | None = None,
    now: Now = _now,
) -> RedirectMap:
    """The rewrite map from old Pydio link URLs to Cells for every link the state DB records
    as migrated. ``legacy_path``: the URL path Pydio was served under (default: the one of
    the shares' ``AJXP_APPLICATION_BASE`` when they agree, else ``/``); ``cells_url``: the
    Cells address visitors use (default ``cells.url``). Raises ``CheckpointError`` when the
    state DB cannot be read."""
    db = _existing_state(config, now=now)
    if db is None:
        found_links, bases = [], set()
    else:
        with db:
            found = migrated_links(db)
        found_links, bases = found.links, found.bases
    notes: list[str] = []
    if legacy_path is None:
        prefixes = sorted({legacy_prefix(b) for b in bases})
        legacy_path = prefixes[0] if len(prefixes) == 1 else "/"
        if len(prefixes) > 1:
            notes.append(
                f"the shares were made under several Pydio paths ({', '.join(prefixes)}): "
                "the map uses /, give --legacy-path"
            )
    result = render(
        found_links, fmt=fmt, legacy_path=legacy_path, cells_url=cells_url or config.cells.url
    )
    return replace(result, left_out=(*notes, *result.left_out))


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
    with open_cells(config, read_only=True) as client:
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
