"""The command line: parses arguments, sets up logging and progress, maps results to exit codes.

Nothing else lives here: every subcommand is a function of ``migrate.commands`` that returns
a result; this module writes data to stdout, logs and progress to stderr, and turns a
``MigrateError`` into ``error: ...`` on stderr with the error's exit code. Usage errors exit 2,
Ctrl-C exits 130, SIGTERM 143 (handled like Ctrl-C: requests in flight finish and are
recorded). Everything written goes through :mod:`migrate.printable` (no control character
from the legacy data reaches the terminal).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, cast

from migrate import __version__, commands
from migrate.config import Config, load_config
from migrate.errors import MigrateError, PlanError
from migrate.interrupts import Terminated, sigterm_as_interrupt
from migrate.logsetup import setup_logging
from migrate.plan import (
    Plan,
    Stage,
    render_markdown,
    render_text,
    write_plan_file,
    write_plan_json,
)
from migrate.printable import PrintableStream, printable
from migrate.progress import LogProgress, NullProgress, Progress, TqdmProgress

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

log = logging.getLogger(__name__)

EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, as shells report it


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting and writes help to the stream ``main`` got."""

    stream: TextIO | None = None

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: {message}")

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if message:
            (self.stream or file or sys.stdout).write(message)


class _UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of every subcommand (also used by the documentation test)."""
    parser = _Parser(
        prog="cells-migrate",
        description="Move an AjaXplorer / Pydio 5-8 install onto Pydio Cells.",
    )
    parser.add_argument("--version", action="version", version=f"cells-migrate {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    parser.add_argument(
        "--log-format", choices=("text", "json"), default="text", help="log line format on stderr"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    check = sub.add_parser(
        "check", help="preflight: legacy readable, mapping, Cells reachable, auth, version"
    )
    _add_config(check)
    check.add_argument("--json", action="store_true", help="machine-readable output")

    inventory = sub.add_parser(
        "inventory", help="what the legacy install holds: counts and findings"
    )
    _add_config(inventory)
    inventory.add_argument("--json", action="store_true", help="machine-readable output")

    plan = sub.add_parser("plan", help="dry-run diff against the live Cells (never writes)")
    _add_config(plan)
    plan.add_argument("--out", type=Path, metavar="PLAN", help="save the plan to this file")
    plan.add_argument(
        "--format", choices=("text", "json", "markdown"), default="text", help="output format"
    )
    _add_stages(plan)
    plan.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="exit 0 when nothing would change, 2 when something would",
    )

    _add_load_commands(sub)
    _add_auth_commands(sub)
    _add_share_commands(sub)

    demo = sub.add_parser(
        "demo", help="sample Pydio 8 install + emulator: plan, apply, verify, rollback"
    )
    demo.add_argument(
        "--dir", type=Path, default=None, help="work folder to keep (default: temporary)"
    )

    emulator = sub.add_parser("emulator", help="run the local Cells API emulator")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8080)
    emulator.add_argument("--admin-login", default="admin")
    emulator.add_argument("--admin-password", default="admin")
    emulator.add_argument("--token-ttl", type=float, default=600.0, metavar="S")
    emulator.add_argument("--latency-ms", type=float, default=0.0, metavar="MS")
    emulator.add_argument("--fault-rate", type=float, default=0.0, metavar="F")
    return parser


def _add_load_commands(sub: argparse._SubParsersAction[_Parser]) -> None:
    apply = sub.add_parser("apply", help="execute the plan (a saved plan is refused if stale)")
    _add_config(apply)
    apply.add_argument("plan_file", nargs="?", type=Path, metavar="PLAN", help="a saved plan")
    _add_stages(apply)
    apply.add_argument(
        "--only", action="append", default=[], metavar="KIND:KEY", help="only this object"
    )
    apply.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    apply.add_argument(
        "--force",
        action="store_true",
        help="run a stage before earlier ones complete, or despite blockers in the legacy data",
    )
    apply.add_argument(
        "--force-unlock", action="store_true", help="remove the lock of a dead run on another host"
    )
    apply.add_argument("--json", action="store_true", help="machine-readable summary")

    resume = sub.add_parser("resume", help="continue an interrupted run")
    _add_config(resume)
    resume.add_argument("--run", type=int, metavar="ID", help="the run (default: the newest)")
    resume.add_argument("--json", action="store_true", help="machine-readable summary")

    status = sub.add_parser("status", help="runs, per-stage counts, failures")
    _add_config(status)
    status.add_argument("--json", action="store_true", help="machine-readable output")

    rollback = sub.add_parser("rollback", help="undo a run (or every run), newest first")
    _add_config(rollback)
    which = rollback.add_mutually_exclusive_group()
    which.add_argument("--run", type=int, metavar="ID", help="the run (default: last changing)")
    which.add_argument("--all", action="store_true", help="every run of this state DB")
    _add_stages(rollback)
    rollback.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    rollback.add_argument(
        "--force", action="store_true", help="also undo objects changed since by someone else"
    )
    rollback.add_argument("--json", action="store_true", help="machine-readable output")

    verify = sub.add_parser("verify", help="audit Cells against the desired state")
    _add_config(verify)
    verify.add_argument("--json", action="store_true", help="machine-readable output")

    audit = sub.add_parser(
        "audit", help="per-user access parity: what each user reached in Pydio vs in Cells"
    )
    _add_config(audit)
    audit.add_argument(
        "--format", choices=("text", "json", "markdown", "csv"), default="text", help="output"
    )
    audit.add_argument(
        "--sample", type=int, default=0, metavar="N", help="also log in as N users and check"
    )
    audit.add_argument(
        "--passwords-file", type=Path, metavar="F", help="login,password CSV for --sample"
    )


def _add_share_commands(sub: argparse._SubParsersAction[_Parser]) -> None:
    shares = sub.add_parser(
        "shares",
        help="redirects: rewrite map from old Pydio link URLs to Cells /public/<hash>",
    )
    shares.add_argument(
        "what", choices=("redirects",), help="redirects: the map for every migrated link"
    )
    _add_config(shares)
    shares.add_argument("--format", choices=("nginx", "apache"), default="nginx")
    shares.add_argument("--out", type=Path, metavar="FILE", help="write here (else stdout)")
    shares.add_argument(
        "--legacy-path",
        metavar="PATH",
        help="URL path Pydio was served under, e.g. /pydio (default: from the shares)",
    )
    shares.add_argument(
        "--cells-url", metavar="URL", help="Cells address visitors use (default: cells.url)"
    )


def _add_auth_commands(sub: argparse._SubParsersAction[_Parser]) -> None:
    login = sub.add_parser(
        "login", help="OAuth2 login (cells.auth.method: oauth2): store the token in token_file"
    )
    _add_config(login)
    login.add_argument("--username", metavar="U", help="log in without a browser, as U")
    login.add_argument(
        "--password-file", type=Path, metavar="F", help="with --username: the password (else asked)"
    )
    login.add_argument(
        "--callback-port",
        type=int,
        default=3000,
        metavar="P",
        help="loopback port the browser comes back to (cells-client allows 3000); 0: paste "
        "the code the login page shows instead",
    )
    login.add_argument("--no-browser", action="store_true", help="only print the address")
    logout = sub.add_parser("logout", help="revoke the stored OAuth2 token and remove its file")
    _add_config(logout)


def _add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c", "--config", type=Path, required=True, metavar="CFG", help="configuration file"
    )


def _add_stages(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stage",
        action="append",
        default=[],
        choices=[stage.value for stage in Stage],
        metavar="S",
        help="only this stage (repeatable): " + ", ".join(stage.value for stage in Stage),
    )


def main(
    argv: Sequence[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    hooks: commands.Hooks | None = None,
) -> int:
    """Run the command line and return its exit code (``python -m migrate`` exits with it).

    ``hooks`` reach the executor of ``apply`` and ``resume`` (a test stops the process at
    an exact point with ``on_done``)."""
    out = cast(TextIO, PrintableStream(stdout or sys.stdout))
    err = stderr or sys.stderr
    environ = dict(os.environ if env is None else env)
    _Parser.stream = out
    try:
        args = build_parser().parse_args(argv)
    except _UsageError as exc:
        err.write(f"{exc}\n")
        return 2
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)
    args.hooks = hooks
    setup_logging(
        err, verbosity=args.verbose, quiet=args.quiet, json_lines=args.log_format == "json"
    )
    with sigterm_as_interrupt() as terminated:
        code = _run(args, environ, out, err)
    if terminated[0]:
        err.write("terminated (SIGTERM)\n")
        return EXIT_TERMINATED
    return code


def _run(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    try:
        return _dispatch(args, env, out, err)
    except MigrateError as exc:
        err.write(f"error: {printable(str(exc))}\n")
        return exc.exit_code
    except Terminated:
        return EXIT_TERMINATED  # main says so
    except KeyboardInterrupt:
        err.write("interrupted\n")
        return EXIT_INTERRUPTED


def _progress(err: TextIO, quiet: bool) -> Progress:
    if quiet:
        return NullProgress()
    return TqdmProgress(err) if err.isatty() else LogProgress()


def _config(args: argparse.Namespace, env: Mapping[str, str]) -> Config:
    return load_config(args.config, env)


def _dispatch(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    handlers: dict[str, Callable[[argparse.Namespace, Mapping[str, str], TextIO, TextIO], int]] = {
        "check": _check,
        "inventory": _inventory,
        "plan": _plan,
        "apply": _apply,
        "resume": _resume,
        "status": _status,
        "rollback": _rollback,
        "verify": _verify,
        "audit": _audit,
        "shares": _shares,
        "emulator": _emulator,
        "demo": _demo,
        "login": _login,
        "logout": _logout,
    }
    return handlers[args.command](args, env, out, err)


def _inventory(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    report = commands.inventory(_config(args, env), progress=_progress(err, args.quiet))
    if args.json:
        json.dump(report.to_json(), out, indent=2, sort_keys=False)
        out.write("\n")
    else:
        report.render_text(out)
    return 0


def _check(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    report = commands.check(_config(args, env), progress=_progress(err, args.quiet))
    if args.json:
        json.dump(report.to_json(), out, indent=2)
        out.write("\n")
    else:
        report.render_text(out)
    return 0 if report.ok else 1


def _plan(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    stages = [Stage(s) for s in args.stage]
    plan = commands.plan(_config(args, env), stages=stages, progress=_progress(err, args.quiet))
    if args.out is not None:
        write_plan_file(plan, args.out)
        log.info("plan saved to %s", args.out)
    if args.format == "json":
        write_plan_json(plan, out)  # streamed, C encoder: 1.5M actions (bench/README.md)
    elif args.format == "markdown":
        render_markdown(plan, out)
    else:
        render_text(plan, out)
    return 2 if args.detailed_exitcode and plan.has_changes else 0


def _write_json(out: TextIO, data: object) -> None:
    json.dump(data, out, indent=2)
    out.write("\n")


def _ask(err: TextIO, question: str, yes: bool) -> bool:
    """Ask on the terminal; refuse to ask when stdin is not one (use --yes)."""
    if yes:
        return True
    _ask_possible(yes)
    err.write(f"{question} [y/N] ")
    err.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def _apply(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    options = commands.ApplyOptions(
        plan_path=args.plan_file,
        stages=tuple(Stage(s) for s in args.stage),
        only=tuple(args.only),
        force=args.force,
        force_unlock=args.force_unlock,
    )
    if args.plan_file is None:
        _ask_possible(args.yes)

    def confirm(plan: Plan) -> bool:
        summary = ", ".join(f"{n} {k}" for k, n in plan.summary().items() if n)
        err.write(f"Plan: {summary or 'nothing'}\n")
        for kind, counts in plan.by_kind().items():
            err.write(f"  {kind}: " + ", ".join(f"{n} {k}" for k, n in counts.items() if n) + "\n")
        return _ask(err, "Apply these changes to Cells?", args.yes)

    result = commands.apply(
        _config(args, env),
        options,
        confirm=None if args.yes or args.plan_file is not None else confirm,
        progress=_progress(err, args.quiet),
        hooks=args.hooks,
    )
    if args.json:
        _write_json(out, result.to_json())
    else:
        result.render_text(out)
    return result.exit_code


def _ask_possible(yes: bool) -> None:
    if not yes and not sys.stdin.isatty():
        raise PlanError(
            "stdin is not a terminal, so cells-migrate cannot ask: review the plan with "
            "`cells-migrate plan`, then run again with --yes"
        )


def _resume(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    result = commands.resume(
        _config(args, env),
        run_id=args.run,
        progress=_progress(err, args.quiet),
        hooks=args.hooks,
    )
    if args.json:
        _write_json(out, result.to_json())
    else:
        result.render_text(out)
    return result.exit_code


def _status(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    report = commands.status(_config(args, env))
    if args.json:
        _write_json(out, report)
    else:
        commands.render_status(report, out)
    return 0


def _rollback(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    _ask_possible(args.yes)

    def confirm(runs: list[int], count: int) -> bool:
        err.write(f"Rollback of run(s) {', '.join(map(str, runs)) or '-'}: {count} item(s)\n")
        return _ask(err, "Undo these changes in Cells?", args.yes)

    report = commands.rollback(
        _config(args, env),
        run_id=args.run,
        every_run=args.all,
        stages=[Stage(s) for s in args.stage],
        force=args.force,
        confirm=None if args.yes else confirm,
    )
    if args.json:
        _write_json(out, report.to_json())
    else:
        report.render_text(out)
    return report.exit_code


def _verify(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    report = commands.verify(_config(args, env), progress=_progress(err, args.quiet))
    if args.json:
        _write_json(out, report.to_json())
    else:
        report.render_text(out)
    return report.exit_code


def _login(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    from migrate import prompts

    def notify(text: str) -> None:
        err.write(text + "\n")
        err.flush()

    result = commands.login(
        _config(args, env),
        username=args.username,
        password=prompts.password_source(args.password_file, err, login=args.username or ""),
        notify=notify,
        open_browser=prompts.browser_opener(env, allowed=not args.no_browser),
        read_code=prompts.code_reader(err),
        callback_port=args.callback_port,
    )
    out.write(f"logged in as {result.account}; token stored in {result.token_file} (0600)\n")
    return 0


def _logout(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    config = _config(args, env)
    if commands.logout(config):
        out.write(f"token revoked at Cells and {config.cells.auth.token_file} removed\n")
    else:
        out.write(f"no stored token in {config.cells.auth.token_file}: nothing to revoke\n")
    return 0


def _audit(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    from migrate.audit.render import render_csv, render_markdown, render_text, write_json

    options = commands.AuditOptions(sample=args.sample, passwords_file=args.passwords_file)
    report = commands.audit(_config(args, env), options, progress=_progress(err, args.quiet))
    writers = {"json": write_json, "markdown": render_markdown, "csv": render_csv}
    writers.get(args.format, render_text)(report, out)
    return report.exit_code


def _shares(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    result = commands.share_redirects(
        _config(args, env),
        fmt=args.format,
        legacy_path=args.legacy_path,
        cells_url=args.cells_url,
    )
    for note in result.left_out:
        err.write(f"warning: {printable(note)}\n")
    if args.out is None:
        out.write(result.text)
    else:
        args.out.write_text(result.text, encoding="utf-8")
        err.write(f"{result.count} link(s) written to {printable(str(args.out))}\n")
    return 0


def _demo(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    from migrate.demo import run_demo

    return run_demo(workdir=args.dir, out=out, err=err, env=env)


def _emulator(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    def ready(url: str) -> None:
        err.write(f"Cells emulator listening on {url} (admin login: {args.admin_login})\n")
        err.flush()

    commands.emulator(
        host=args.host,
        port=args.port,
        admin_login=args.admin_login,
        admin_password=args.admin_password,
        token_ttl_s=args.token_ttl,
        latency_ms=args.latency_ms,
        fault_rate=args.fault_rate,
        ready=ready,
    )
    return 0
