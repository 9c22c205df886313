"""SIGTERM, and a state DB deleted or replaced during a run (issue 12 point 7).

``python -m migrate apply`` runs as a real child process against the emulator; the
emulator acts inside the n-th user create (:mod:`emulator_hooks`), so the signal or the
state DB's disappearance lands while requests are in flight, deterministically.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from migrate.cells.emulator import EmulatorConfig
from migrate.load.checkpoint import CheckpointDB
from migrate.load.checkpoint_schema import metadata
from migrate.sample import BuiltInstall, InstallSpec, build_install
from tests.support.checkpoint import fresh_url
from tests.support.cli import PASSWORD, make_folders, run_json, start_cli, write_config
from tests.support.databases import TestDatabase
from tests.support.emulator_hooks import TriggerEmulator, signal_at

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SMALL = InstallSpec(users=60, groups=4, roles=2, teams=1, workspaces=4, rights=80, real_hashes=2)


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory) -> BuiltInstall:
    return build_install(tmp_path_factory.mktemp("small"), dialect="sqlite", spec=SMALL)


@pytest.fixture
def emu() -> Iterator[TriggerEmulator]:
    with TriggerEmulator(EmulatorConfig(seed=11, index_delay_s=0.0)) as server:
        yield server


def test_sigterm_lets_the_requests_in_flight_finish_records_them_and_exits_143(
    install: BuiltInstall, emu: TriggerEmulator, tmp_path: Path
) -> None:
    config = write_config(tmp_path, install.root, emu)
    make_folders(config)
    already = {u["Login"] for u in emu.state()["users"]}
    child = start_cli(config, "apply", "--yes", "--json", password=PASSWORD)
    out, err = signal_at(emu, child, signal.SIGTERM, count=10)
    assert child.returncode == 143, err
    assert "terminated (SIGTERM)" in err
    assert "in-flight requests finished and recorded" in err
    assert json.loads(out)["status"] == "interrupted"
    # the user whose create was in flight, and every other one Cells holds, is recorded
    in_cells = {u["Login"] for u in emu.state()["users"]} - already
    state_url = f"sqlite:///{tmp_path / 'state.db'}"
    with CheckpointDB.open(state_url, now=_now, create=False) as db:
        (run,) = db.runs()
        assert run.status.value == "interrupted"
        done = {i.key for i in db.items(run.id) if i.kind == "user" and i.status.value == "done"}
    assert in_cells  # the user create in flight at least
    assert in_cells == done
    code, result = run_json(config, "resume")
    assert (code, result["status"]) == (0, "done")
    code, report = run_json(config, "verify")
    assert (code, report["missing"], report["different"]) == (0, [], [])


def test_a_state_db_deleted_during_a_run_stops_it_with_a_clear_error(
    install: BuiltInstall, emu: TriggerEmulator, tmp_path: Path
) -> None:
    config = write_config(tmp_path, install.root, emu)
    make_folders(config)
    state = tmp_path / "state.db"

    def delete() -> None:
        for path in (state, state.with_name("state.db-wal"), state.with_name("state.db-shm")):
            path.unlink(missing_ok=True)

    child = start_cli(config, "apply", "--yes", "--json", password=PASSWORD)
    emu.arm(delete, count=10, method="PUT", prefix="/a/user/")
    out, err = child.communicate(timeout=300)
    assert child.returncode == 1, err
    assert "was deleted while this command was running" in err
    assert "cells-migrate resume" in err
    assert out == ""  # no result claiming anything was done
    assert not state.exists()  # nothing recorded into a new, empty file either


@pytest.fixture
def state_url(dialect: TestDatabase, tmp_path: Path) -> Iterator[str]:
    yield from fresh_url(dialect, tmp_path)


def test_a_state_db_replaced_during_a_run_stops_it_on_every_backend(
    install: BuiltInstall, emu: TriggerEmulator, tmp_path: Path, state_url: str
) -> None:
    config = write_config(tmp_path, install.root, emu)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace(f"sqlite:///{tmp_path / 'state.db'}", state_url), "utf-8")
    make_folders(config)

    def replace_db() -> None:  # another state DB in its place: same tables, none of its rows
        engine = sa.create_engine(state_url)
        try:
            metadata.drop_all(engine)
        finally:
            engine.dispose()
        if state_url.startswith("sqlite"):
            path = Path(state_url.removeprefix("sqlite:///"))
            for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
                path.with_name(name).unlink(missing_ok=True)
        CheckpointDB.open(state_url, now=_now).close()

    child = start_cli(config, "apply", "--yes", password=PASSWORD)
    emu.arm(replace_db, count=10, method="PUT", prefix="/a/user/")
    _, err = child.communicate(timeout=300)
    assert child.returncode == 1, err
    assert "was replaced by another" in err
    with CheckpointDB.open(state_url, now=_now, create=False) as db:
        assert db.runs() == []  # the new DB got nothing of the stopped run
