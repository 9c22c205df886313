"""Which state DB a command opened, checked again before every write (issue 12 point 7).

A SQLite file deleted during a run still takes writes (the process keeps the unlinked
inode open) and one replaced by another file goes on taking them into the old one; a
database dropped and created again on a server, or another state DB put in its place,
answers with tables of its own. Either way the run would go on reporting ``done`` into
nothing. So :meth:`StateIdentity.check_file` compares the SQLite file's device and inode
with those seen at open, before a connection is taken, and :meth:`StateIdentity.check`
compares the database's ``schema_version.instance`` (a random id given at creation) inside
the write transaction. A mismatch is a :class:`~migrate.errors.CheckpointError` saying what
happened and what to do; the run stops.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from migrate.errors import CheckpointError

_INSTANCE = sa.text("SELECT instance FROM schema_version")


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino)


@dataclass(frozen=True, slots=True, kw_only=True)
class StateIdentity:
    """The state DB as first opened: its instance id and, for SQLite, its file."""

    shown_url: str
    instance: str | None
    path: Path | None = None
    file_id: tuple[int, int] | None = None

    @classmethod
    def read(cls, engine: sa.Engine, *, shown_url: str, path: Path | None) -> StateIdentity:
        """The identity of the database ``engine`` points at (after ``ensure_schema``)."""
        with engine.connect() as conn:
            instance = conn.execute(_INSTANCE).scalar()
        return cls(
            shown_url=shown_url,
            instance=None if instance is None else str(instance),
            path=path,
            file_id=None if path is None else _file_id(path),
        )

    def _gone(self, what: str) -> CheckpointError:
        return CheckpointError(
            f"the state DB {self.shown_url} {what} while this command was running: stopping "
            "so that no outcome is recorded into nothing. Put the state DB back (from its "
            "backup) and run `cells-migrate resume`, which re-checks every object against "
            "Cells; without it, `cells-migrate plan` shows what Cells holds now"
        )

    def check_file(self) -> None:
        """For SQLite: the file is still the one opened (not deleted, not replaced)."""
        if self.path is None:
            return
        now = _file_id(self.path)
        if now is None:
            raise self._gone("was deleted")
        if self.file_id is not None and now != self.file_id:
            raise self._gone("was replaced by another file")

    def check(self, conn: sa.Connection) -> None:
        """Inside a write transaction: the database is still the one opened."""
        try:
            found = conn.execute(_INSTANCE).scalar()
        except sa.exc.SQLAlchemyError as exc:
            raise self._gone("lost its cells-migrate tables (dropped or replaced)") from exc
        if self.instance is not None and (found is None or str(found) != self.instance):
            raise self._gone("was replaced by another database")
