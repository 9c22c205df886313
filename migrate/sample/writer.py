"""Create the conf.sql/auth.sql schema from the real pydio-core scripts and bulk-insert rows."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from importlib import resources

import sqlalchemy as sa

from migrate.sample.records import Row, TableRow
from migrate.sample.sqlscript import run_script

log = logging.getLogger(__name__)

SCRIPT_SUFFIX = {"mysql": "mysql", "postgresql": "pgsql", "sqlite": "sqlite"}
"""pydio-core script suffix per SQLAlchemy dialect name (``legacy-schema/``)."""

ABSENT_COLUMNS = {"mysql": {("ajxp_roles", "searchable_repositories")}}
"""Columns a dialect's create script does not have (§2.1: pgsql/sqlite only)."""


def create_schema(conn: sa.Connection) -> None:
    """Run ``conf.sql`` then ``auth.sql`` create scripts of the connection's dialect.

    Raises ``ValueError`` when the database already holds ``ajxp_*`` tables.
    """
    existing = [t for t in sa.inspect(conn).get_table_names() if t.startswith("ajxp_")]
    if existing:
        raise ValueError(f"the target database is not empty ({len(existing)} ajxp_* tables)")
    suffix = SCRIPT_SUFFIX[conn.dialect.name]
    schema = resources.files("migrate.sample").joinpath("schema")
    for plugin in ("conf.sql", "auth.sql"):
        script = schema.joinpath(f"{plugin}__create.{suffix}").read_text(encoding="utf-8")
        ran = run_script(conn, script)
        log.debug("%s create script: %d statements", plugin, ran)


class BatchWriter:
    """Buffers rows per table and inserts them with ``executemany`` in batches."""

    def __init__(self, conn: sa.Connection, batch_size: int) -> None:
        self.conn = conn
        self.batch_size = batch_size
        self.buffers: dict[str, list[Row]] = {}
        self.counts: dict[str, int] = {}
        self.absent = ABSENT_COLUMNS.get(conn.dialect.name, set())

    def add(self, table: str, row: Row) -> None:
        """Queue one row; a full buffer is written at once."""
        buffer = self.buffers.setdefault(table, [])
        buffer.append({k: v for k, v in row.items() if (table, k) not in self.absent})
        if len(buffer) >= self.batch_size:
            self.flush(table)

    def flush(self, table: str) -> None:
        """Insert the buffered rows of ``table``."""
        rows = self.buffers.get(table)
        if not rows:
            return
        target = sa.table(table, *(sa.column(name) for name in rows[0]))
        self.conn.execute(sa.insert(target), rows)
        self.counts[table] = self.counts.get(table, 0) + len(rows)
        self.buffers[table] = []

    def close(self) -> dict[str, int]:
        """Write what is left; return rows written per table."""
        for table in list(self.buffers):
            self.flush(table)
        return dict(self.counts)


def write_rows(conn: sa.Connection, rows: Iterable[TableRow], batch_size: int) -> dict[str, int]:
    """Insert every ``(table, row)``; returns rows written per table."""
    writer = BatchWriter(conn, batch_size)
    for table, row in rows:
        writer.add(table, row)
    return writer.close()
