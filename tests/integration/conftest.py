"""Fixtures of the integration tests: a fresh database per module on every backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.databases import DIALECTS, TestDatabase, create_database


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
