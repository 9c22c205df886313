"""`cells-migrate check` end to end: the real sample install against the emulator."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.cli import main

pytestmark = pytest.mark.e2e

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "pydio8-sqlite"


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(port=0, admin_password="s3cret-admin")) as emu:
        yield emu


def _ready_copy(tmp: Path) -> Path:
    """The sample with its data folders in place (it ships without them, as an install whose
    data was not copied yet: ``check`` names them, see the test below)."""
    root = tmp / "pydio8"
    shutil.copytree(SAMPLE, root)
    for folder in ("files", "personal"):
        (root / "data" / folder).mkdir()
    return root


def _config(tmp: Path, url: str, *, install: Path | None = None, extra: str = "") -> Path:
    install = install or _ready_copy(tmp)
    path = tmp / "config.yaml"
    path.write_text(
        f"legacy:\n  install_path: {install}\n"
        f"cells:\n  url: {url}\n  auth:\n    method: password\n    login: admin\n"
        "    password: ${ADMIN_PW}\n" + extra,
        encoding="utf-8",
    )
    return path


def _check(config: Path, password: str, *flags: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    argv = ["-q", "check", "-c", str(config), *flags]
    code = main(argv, env={"ADMIN_PW": password}, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _statuses(stdout: str) -> dict[str, str]:
    return {c["name"]: c["status"] for c in json.loads(stdout)["checks"]}


def test_ready_install_passes(emulator: EmulatorServer, tmp_path: Path) -> None:
    code, out, err = _check(_config(tmp_path, emulator.url), "s3cret-admin", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["schema"] == "cells-migrate/check/1"
    assert report["ok"] is True
    assert report["cells_version"] == "3.0.9"
    assert set(_statuses(out).values()) == {"ok"}
    assert "s3cret-admin" not in out + err


def test_wrong_password_fails_authentication(emulator: EmulatorServer, tmp_path: Path) -> None:
    code, out, err = _check(_config(tmp_path, emulator.url), "wrong-pw-123", "--json")
    assert code == 1
    assert _statuses(out)["Cells authentication"] == "failed"
    assert "wrong-pw-123" not in out + err


def test_unreachable_cells_and_missing_install_are_both_reported(tmp_path: Path) -> None:
    config = _config(tmp_path, "http://127.0.0.1:9", install=tmp_path / "none")
    code, out, _ = _check(config, "x", "--json")
    assert code == 1
    statuses = _statuses(out)
    assert statuses["legacy install"] == "failed"
    assert statuses["Cells reachable"] == "failed"


@pytest.mark.parametrize(
    ("ddl", "expected"),
    [
        ("CREATE TABLE idm_user_idx_tree (uuid VARCHAR(128), etag VARCHAR(255))", "ok"),
        ("CREATE TABLE idm_user_idx_tree (uuid VARCHAR(128))", "failed"),
        ("CREATE TABLE other (x INT)", "failed"),
    ],
    ids=["table-ok", "no-etag-column", "no-table"],
)
def test_keep_hash_checks_the_cells_user_table(
    emulator: EmulatorServer, tmp_path: Path, ddl: str, expected: str
) -> None:
    cells_db = tmp_path / "cells.db"
    engine = sa.create_engine(f"sqlite:///{cells_db}")
    with engine.begin() as conn:
        conn.exec_driver_sql(ddl)
    engine.dispose()
    extra = f"passwords:\n  strategy: keep-hash\n  cells_database_url: sqlite:///{cells_db}\n"
    code, out, _ = _check(_config(tmp_path, emulator.url, extra=extra), "s3cret-admin", "--json")
    assert _statuses(out)["passwords (keep-hash)"] == expected
    assert code == (0 if expected == "ok" else 1)


def test_missing_data_folders_are_blockers_naming_the_fix(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    config = _config(tmp_path, emulator.url, install=SAMPLE)
    code, out, _ = _check(config, "s3cret-admin", "--json")
    blockers = {
        f["key"]: f["message"] for f in json.loads(out)["findings"] if f["severity"] == "blocker"
    }
    assert code == 1
    files = str(SAMPLE / "data" / "files")
    assert set(blockers) == {files, str(SAMPLE / "data" / "personal")}
    assert f"mkdir -p {files}" in blockers[files]
    assert "legacy.path_rewrite" in blockers[files]


def test_text_report_says_what_to_do(emulator: EmulatorServer, tmp_path: Path) -> None:
    code, out, _ = _check(_config(tmp_path, emulator.url), "wrong")
    assert code == 1
    assert "[FAIL] Cells authentication:" in out
    assert "check cells.auth" in out
    assert "Not ready: 1 failed check(s)" in out
