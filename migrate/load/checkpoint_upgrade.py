"""Schema upgrades of the checkpoint DB, one step per version (issue 12: "the checkpoint
schema is versioned: if you change it, add a schema migration").

:func:`upgrade` runs at open time (``checkpoint_schema.ensure_schema``) when the database was
written by an older cells-migrate. Each step is idempotent (a column already there is not
added again), because MariaDB commits every ``ALTER TABLE`` at once: a step cut short by a
crash is finished by the next open, and two processes upgrading at once both end at the new
version. The version row is written last, in its own transaction.

This module depends on nothing else of the checkpoint (``checkpoint_schema`` imports it):
the statements are plain DDL that SQLite, MariaDB and PostgreSQL all accept.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import sqlalchemy as sa

from migrate.errors import CheckpointError

log = logging.getLogger(__name__)


def _add_column(conn: sa.Connection, table: str, column: str, ddl: str) -> None:
    present = {c["name"].lower() for c in sa.inspect(conn).get_columns(table)}
    if column not in present:
        conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {ddl}")


def _v1_to_v2(conn: sa.Connection) -> None:
    """items.wave and items.password_state; schema_version.instance, filled in."""
    _add_column(conn, "items", "wave", "INTEGER DEFAULT 0 NOT NULL")
    _add_column(conn, "items", "password_state", "VARCHAR(16)")
    _add_column(conn, "schema_version", "instance", "VARCHAR(36)")
    conn.execute(
        sa.text("UPDATE schema_version SET instance = :i WHERE instance IS NULL"),
        {"i": str(uuid.uuid4())},
    )


# version found -> the step that brings it to version + 1
STEPS: dict[int, Callable[[sa.Connection], None]] = {1: _v1_to_v2}


def upgrade(engine: sa.Engine, found: int, target: int) -> None:
    """Bring a state DB at schema version ``found`` to ``target``, step by step.

    Raises :class:`CheckpointError` when no step exists for a version (a database older
    than any supported release); database errors propagate for the caller's boundary.
    """
    version = found
    while version < target:
        step = STEPS.get(version)
        if step is None:
            raise CheckpointError(
                f"the state DB has schema version {version}, older than this cells-migrate "
                f"(version {target}) and no automatic upgrade exists for it: use the "
                "cells-migrate release that wrote it, or start a new state DB"
            )
        with engine.begin() as conn:
            step(conn)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE schema_version SET version = :v"), {"v": version + 1})
        log.info("state DB schema upgraded from version %d to %d", version, version + 1)
        version += 1
