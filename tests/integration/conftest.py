"""Real databases for integration tests: one body, every backend (STYLE.md 2.6).

``dialect`` is parametrized ``sqlite`` / ``mariadb`` / ``postgresql`` and gives each test
module a fresh, uniquely named database (dropped afterwards). A server that cannot be
reached makes its tests skip with the reason, except under ``CI=true`` where they fail.

Server URLs (admin connections able to create databases) may be overridden with
``CELLS_MIGRATE_TEST_MARIADB_URL`` and ``CELLS_MIGRATE_TEST_POSTGRESQL_URL``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
import sqlalchemy as sa

SERVER_URLS = {
    "mariadb": os.environ.get(
        "CELLS_MIGRATE_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test"
    ),
    "postgresql": os.environ.get(
        "CELLS_MIGRATE_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    ),
}
DIALECTS = ["sqlite", "mariadb", "postgresql"]


@dataclass(frozen=True)
class TestDatabase:
    """A fresh database: its backend name (``sqlite``/``mariadb``/``postgresql``) and URL."""

    name: str
    url: str
    database: str

    __test__ = False  # not a test class for pytest


def _unavailable(name: str, reason: str) -> None:
    message = f"{name} server not reachable ({reason})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}; CI=true requires every database backend")
    pytest.skip(message)


def _admin_engine(name: str) -> sa.Engine:
    url = SERVER_URLS[name]
    args = {"connect_timeout": 5}
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", connect_args=args)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        _unavailable(name, type(getattr(exc, "orig", exc)).__name__)
    return engine


def create_database(name: str, label: str, tmp: Path) -> Iterator[TestDatabase]:
    """Create a uniquely named database on backend ``name``; drop it when done."""
    database = f"cm_{label[:30]}_{uuid.uuid4().hex[:8]}".lower()
    if name == "sqlite":
        yield TestDatabase(
            name=name, url=f"sqlite:///{tmp / (database + '.db')}", database=database
        )
        return
    engine = _admin_engine(name)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {database}")
        url = sa.engine.make_url(SERVER_URLS[name]).set(database=database)
        if name == "mariadb":
            url = url.update_query_dict({"charset": "utf8mb4"})
        yield TestDatabase(
            name=name, url=url.render_as_string(hide_password=False), database=database
        )
    finally:
        with engine.connect() as conn:
            force = " WITH (FORCE)" if name == "postgresql" else ""
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {database}{force}")
        engine.dispose()


@pytest.fixture(scope="module", params=DIALECTS, ids=DIALECTS)
def dialect(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestDatabase]:
    """A fresh database per test module on each backend."""
    label = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    yield from create_database(request.param, label, tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="module")
def mariadb(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestDatabase]:
    """A fresh MariaDB database (for MySQL-only fixtures such as real mysqldump files)."""
    label = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    yield from create_database("mariadb", label, tmp_path_factory.mktemp("db"))


SER_BUILDER = Path(__file__).resolve().parents[1] / "builders" / "ser_install.py"


def load_ser_builder() -> ModuleType:
    """The test-side builder of .ser installs (tests/builders is not a package)."""
    spec = importlib.util.spec_from_file_location("ser_install", SER_BUILDER)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("ser_install", module)
    spec.loader.exec_module(module)
    return module
