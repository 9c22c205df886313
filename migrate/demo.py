"""``cells-migrate demo``: a whole migration rehearsed on a sample install, in seconds.

In a temporary (or given) folder: build a sample Pydio 8 install (SQLite, a few dozen
users, traps), write the Cells admin password to a 0600 file and a configuration that
reads it, start the Cells emulator on a free loopback port (a thread of this process), then
run the same command-line functions an admin types: check → plan (shown and saved) → apply
of the saved plan (with progress) → verify → status → rollback → verify again. The demo
passes when the last verify reports every object the run created as missing, nothing as
different, and the emulator's state equals what it was before the apply.

Nothing is left running: the emulator is stopped whatever happens, and the temporary folder
is removed (a given ``workdir`` is kept, to be looked at).
"""

from __future__ import annotations

import io
import json
import logging
import secrets
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.demo_setup import (
    DemoLayout,
    build_sample,
    copy_data_folders,
    write_config,
    write_secret,
)
from migrate.errors import MigrateError
from migrate.plan import ActionType, read_plan_file

log = logging.getLogger(__name__)

DONE_LINE = "rollback verified: Cells is back to what it was before the apply."
_SERVER_STAMPS = frozenset({"LastUpdated", "id", "ID"})  # assigned by Cells on each write
_STEPS = 9


class _DemoFailed(Exception):
    """A step did not give what the demo expects (message says which and why)."""


def run_demo(*, workdir: Path | None, out: TextIO, err: TextIO, env: Mapping[str, str]) -> int:
    """Run the demo and return its exit code: 0 when the rollback was verified, 1 otherwise.

    ``workdir`` None: a temporary folder, removed at the end; else that folder (created if
    needed, it must not hold a previous demo) is kept. The narration goes to ``out``, the
    commands' logs and progress to ``err``. ``env`` is passed to every command; its
    ``CELLS_MIGRATE__*`` overrides are dropped so they cannot point the demo elsewhere.
    """
    clean_env = {k: v for k, v in env.items() if not k.startswith("CELLS_MIGRATE__")}
    if workdir is not None:
        try:
            workdir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            err.write(f"demo failed: cannot create {workdir}: {exc}\n")
            return 1
        code = _demo_in(DemoLayout.under(workdir.resolve()), out, err, clean_env)
        out.write(f"\nThe demo folder is kept: {workdir.resolve()}\n")
        return code
    with tempfile.TemporaryDirectory(prefix="cells-migrate-demo-") as tmp:
        code = _demo_in(DemoLayout.under(Path(tmp)), out, err, clean_env)
    out.write(f"\nRemoved the demo folder {tmp} (run with a folder to keep it).\n")
    return code


def _demo_in(layout: DemoLayout, out: TextIO, err: TextIO, env: dict[str, str]) -> int:
    out.write(f"cells-migrate demo in {layout.root}\n")
    try:
        _head(out, 1, "Building a sample Pydio 8 install (SQLite, real pydio-core schema)")
        built = build_sample(layout)
        out.write(
            f"    install: {built.root}\n    database: {built.db_url}\n"
            f"    rows written: {sum(built.counts.values())} in {len(built.counts)} tables\n"
        )
        password = secrets.token_urlsafe(18)
        write_secret(layout.password_file, password)
        emulator = EmulatorConfig(port=0, admin_password=password, index_delay_s=0.2)
        with EmulatorServer(emulator) as emu:
            _head(out, 2, "Started the Cells API emulator (a thread of this process)")
            out.write(f"    url: {emu.url}   admin login: admin\n")
            write_config(layout, emu.url)
            out.write(
                f"    config: {layout.config}\n"
                f"    admin password: in {layout.password_file} (mode 0600), not in the config\n"
            )
            _run_steps(layout, emu, out, err, env)
        out.write("\nEmulator stopped.\n")
    except (_DemoFailed, MigrateError, ValueError, OSError) as exc:
        err.write(f"demo failed: {exc}\n")
        out.write("\ndemo FAILED (see the messages above)\n")
        return 1
    out.write(f"\n{DONE_LINE}\n")
    return 0


def _run_steps(
    layout: DemoLayout, emu: EmulatorServer, out: TextIO, err: TextIO, env: dict[str, str]
) -> None:
    cfg = str(layout.config)
    _head(out, 3, "Copying the legacy data (the sample leaves some folders out, like a rsync")
    out.write("    not yet run would; Cells can only index folders that exist)\n")
    made = copy_data_folders(layout.config, env)
    out.write(f"    created {len(made)} folder(s) under {layout.install}\n")

    _head(out, 4, "Preflight: legacy install, mapping, Cells, authentication, version")
    _cli(["check", "-c", cfg], 0, out, err, env)

    _head(out, 5, "Dry run: what would change in Cells (nothing is written)")
    _cli(["plan", "-c", cfg, "--out", str(layout.plan_file)], 0, out, err, env)
    plan = read_plan_file(layout.plan_file)
    creates = sum(1 for a in plan.actions if a.action is ActionType.CREATE)
    out.write(f"    plan saved to {layout.plan_file}: {creates} object(s) to create\n")

    before = _comparable(emu.state())
    _head(out, 6, "Apply the saved plan (progress on stderr)")
    _cli(["apply", "-c", cfg, str(layout.plan_file)], 0, out, err, env)

    _head(out, 7, "Verify Cells against the desired state, then the run's record")
    _cli(["verify", "-c", cfg], 0, out, err, env)
    _cli(["status", "-c", cfg], 0, out, err, env)
    out.write(f"    state DB (the record of what was done): {layout.state_db}\n")

    _head(out, 8, "Rollback: undo what the run did, newest first")
    _cli(["rollback", "-c", cfg, "--yes"], 0, out, err, env)

    _head(out, 9, "Verify again: every object the run created must now be missing")
    report = _verify_json(cfg, err, env)
    _check_rolled_back(report, creates, out)
    if _comparable(emu.state()) != before:
        raise _DemoFailed("the emulator's state differs from what it was before the apply")
    out.write("    the emulator's state equals its state before the apply\n")


def _head(out: TextIO, number: int, title: str) -> None:
    out.write(f"\n[{number}/{_STEPS}] {title}\n")


def _cli(
    argv: Sequence[str], expect: int, out: TextIO, err: TextIO, env: Mapping[str, str]
) -> None:
    """Run one command exactly as ``cells-migrate`` would; raise unless it exits ``expect``."""
    from migrate.cli import main  # cli imports commands, which may wire this module in

    out.write(f"$ cells-migrate {' '.join(argv)}\n")
    out.flush()
    code = main(list(argv), env=env, stdout=out, stderr=err)
    if code != expect:
        raise _DemoFailed(f"`cells-migrate {argv[0]}` exited {code}, expected {expect}")


def _verify_json(cfg: str, err: TextIO, env: Mapping[str, str]) -> dict[str, object]:
    from migrate.cli import main

    captured = io.StringIO()
    code = main(["verify", "-c", cfg, "--json"], env=env, stdout=captured, stderr=err)
    if code != 1:
        raise _DemoFailed(f"verify after the rollback exited {code}, expected 1 (missing)")
    try:
        report = json.loads(captured.getvalue())
    except json.JSONDecodeError as exc:
        raise _DemoFailed(f"verify --json gave no JSON document: {exc}") from exc
    if not isinstance(report, dict):
        raise _DemoFailed("verify --json gave no JSON object")
    return report


def _check_rolled_back(report: Mapping[str, object], creates: int, out: TextIO) -> None:
    missing = report.get("missing")
    different = report.get("different")
    checked = report.get("checked")
    out.write(f"$ cells-migrate verify -c ... --json   (exit 1: {checked} object(s) checked)\n")
    if not isinstance(missing, list) or not isinstance(different, list):
        raise _DemoFailed("verify --json lacks its missing/different lists")
    kinds: dict[str, int] = {}
    for item in missing:
        kind = str(item.get("kind")) if isinstance(item, dict) else "?"
        kinds[kind] = kinds.get(kind, 0) + 1
    listed = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    out.write(f"    missing: {len(missing)} ({listed}); different: {len(different)}\n")
    if different:
        raise _DemoFailed(f"{len(different)} object(s) differ after the rollback")
    if len(missing) != creates:
        raise _DemoFailed(
            f"{len(missing)} object(s) missing after the rollback, but the run created {creates}"
        )


def _comparable(value: object) -> object:
    """The emulator's state without the stamps Cells assigns on each write."""
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items() if k not in _SERVER_STAMPS}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return value
