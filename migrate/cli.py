"""The command line: parses arguments, sets up logging and progress, maps results to exit codes.

Nothing else lives here: every subcommand is a function of ``migrate.commands`` that returns
a result; this module writes data to stdout, logs and progress to stderr, and turns a
``MigrateError`` into ``error: ...`` on stderr with the error's exit code. Usage errors exit 2,
Ctrl-C exits 130.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from migrate import __version__, commands
from migrate.config import Config, load_config
from migrate.errors import MigrateError
from migrate.logsetup import setup_logging
from migrate.plan import Stage, plan_to_json, render_markdown, render_text, write_plan_file
from migrate.progress import LogProgress, NullProgress, Progress, TqdmProgress

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

log = logging.getLogger(__name__)

EXIT_INTERRUPTED = 130


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

    emulator = sub.add_parser("emulator", help="run the local Cells API emulator")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8080)
    emulator.add_argument("--admin-login", default="admin")
    emulator.add_argument("--admin-password", default="admin")
    emulator.add_argument("--token-ttl", type=float, default=600.0, metavar="S")
    emulator.add_argument("--latency-ms", type=float, default=0.0, metavar="MS")
    emulator.add_argument("--fault-rate", type=float, default=0.0, metavar="F")
    return parser


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
) -> int:
    """Run the command line and return its exit code (``python -m migrate`` exits with it)."""
    out = stdout or sys.stdout
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
    setup_logging(
        err, verbosity=args.verbose, quiet=args.quiet, json_lines=args.log_format == "json"
    )
    try:
        return _dispatch(args, environ, out, err)
    except MigrateError as exc:
        err.write(f"error: {exc}\n")
        return exc.exit_code
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
        "emulator": _emulator,
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
        json.dump(plan_to_json(plan), out, indent=2)
        out.write("\n")
    elif args.format == "markdown":
        render_markdown(plan, out)
    else:
        render_text(plan, out)
    return 2 if args.detailed_exitcode and plan.has_changes else 0


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
