"""The MariaDB/MySQL and PostgreSQL drivers are extras (issue 14 point 6): without one, a URL
that needs it is an error naming the extra to install, for the legacy database, the state
DB and Cells' own database alike; SQLite needs none.

"Not installed" is what Python sees when the module is missing: ``sys.modules[name] = None``
makes its import fail exactly so (the outside world, not our code, is simulated).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from migrate.cli import main
from migrate.load.passwords import check_password_table
from migrate.secret import Secret

pytestmark = pytest.mark.integration

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "pydio8-sqlite"


def _run(config: Path, *argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    env = {"DB_PW": "s3cret-pw"}
    code = main(["-q", argv[0], "-c", str(config), *argv[1:]], env=env, stdout=out, stderr=err)
    return code, err.getvalue()


def _config(tmp_path: Path, legacy_url: str = "", state_url: str = "") -> Path:
    path = tmp_path / "config.yaml"
    (tmp_path / "token").write_text("a-pat\n", encoding="utf-8")
    (tmp_path / "token").chmod(0o600)
    legacy = f"  database_url: {legacy_url}\n" if legacy_url else ""
    path.write_text(
        f"legacy:\n  install_path: {SAMPLE}\n{legacy}"
        "cells:\n  url: http://127.0.0.1:9\n  auth: {method: pat, token_file: token}\n"
        f"state:\n  url: {state_url or 'sqlite:///' + str(tmp_path / 'state.db')}\n",
        encoding="utf-8",
    )
    return path


def test_a_mysql_legacy_database_without_pymysql_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pymysql", None)
    url = "mysql+pymysql://pydio:${DB_PW}@127.0.0.1:3306/pydio"
    code, err = _run(_config(tmp_path, legacy_url=url), "inventory")
    assert code == 1
    assert "the mysql driver is not installed" in err
    assert "pip install 'cells-migrate[mysql]'" in err
    assert "s3cret-pw" not in err


def test_a_postgresql_state_db_without_psycopg_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    url = "postgresql+psycopg://ops:${DB_PW}@127.0.0.1:5432/state"
    code, err = _run(_config(tmp_path, state_url=url), "status")
    assert code == 1
    assert "pip install 'cells-migrate[postgresql]'" in err
    assert "s3cret-pw" not in err


def test_a_cells_database_without_its_driver_is_a_check_problem_naming_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pymysql", None)
    problems = check_password_table(Secret("mysql+pymysql://cells:s3cret-pw@127.0.0.1/cells"))
    assert len(problems) == 1
    assert "pip install 'cells-migrate[mysql]'" in problems[0]
    assert "s3cret-pw" not in problems[0]


def test_sqlite_needs_no_driver_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pymysql", None)
    monkeypatch.setitem(sys.modules, "psycopg", None)
    code, err = _run(_config(tmp_path), "inventory")
    assert code == 0, err
