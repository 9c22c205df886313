"""Helpers shared by the checkpoint tests: an injectable clock and an empty schema per test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from migrate.load.checkpoint_schema import metadata
from tests.support.databases import TestDatabase


class Clock:
    """A clock that moves only when told (the ``now`` callable of the checkpoint DB)."""

    def __init__(self) -> None:
        self.t = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.t

    def advance(self, **delta: float) -> None:
        self.t += timedelta(**delta)


def fresh_url(dialect: TestDatabase, tmp_path: Path) -> Iterator[str]:
    """A URL whose database holds no checkpoint table: a new SQLite file, or the module's
    server database, cleaned of our tables after the test."""
    if dialect.name == "sqlite":
        yield f"sqlite:///{tmp_path / 'state.db'}"
        return
    yield dialect.url
    engine = sa.create_engine(dialect.url)
    try:
        metadata.drop_all(engine)
    finally:
        engine.dispose()
