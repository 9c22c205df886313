"""Real databases for tests: one body, every backend (STYLE.md 2.6).

:func:`create_database` gives a fresh, uniquely named database on ``sqlite`` /
``mariadb`` / ``postgresql`` (dropped afterwards); the ``dialect`` fixture of
``tests/integration/conftest.py`` parametrizes a test module over the three. A server that
cannot be reached makes its tests skip with the reason, except under ``CI=true`` where
they fail.

Server URLs (admin connections able to create databases) may be overridden with
``CELLS_MIGRATE_TEST_MARIADB_URL`` and ``CELLS_MIGRATE_TEST_POSTGRESQL_URL``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
