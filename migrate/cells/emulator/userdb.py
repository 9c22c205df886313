"""An optional real database for the emulator's users: the table a ``keep-hash`` run writes.

Cells keeps every user as a row of ``idm_user_idx_tree`` whose ``etag`` column is the
password hash, and its login (``Bind``) checks the password against that column
(cells-v3-behaviour.md §10; cells-api.md §4). With ``EmulatorConfig.user_db_url`` set, the
emulator does the same: it writes a row per user it creates (the hash of the password given
over REST) and reads the hash back from the database at every login, so a hash that
someone else (cells-migrate's ``PasswordWriter``) wrote into ``etag`` is what the next login
checks. The column names mirror Cells v3's index tree (``common/sql/index`` insert:
``uuid, level, hash, name, leaf, mtime, etag, size, mode, mpath1..4``); the emulator fills
only what it needs (no materialized path), and keeps groups out of the table.

Every call runs under the emulator's store lock; the engine is pooled and thread-safe anyway.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from migrate.secret import hide_password

TABLE_NAME = "idm_user_idx_tree"

_metadata = sa.MetaData()
USER_TABLE = sa.Table(
    TABLE_NAME,
    _metadata,
    sa.Column("uuid", sa.String(128), primary_key=True),
    sa.Column("level", sa.SmallInteger, nullable=False),
    sa.Column("hash", sa.String(40), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("leaf", sa.SmallInteger, nullable=False),
    sa.Column("mtime", sa.Integer, nullable=False),
    sa.Column("etag", sa.String(255), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("mode", sa.String(10), nullable=False),
    sa.Column("mpath1", sa.String(255), nullable=False),
)


class UserDB:
    """The emulator's ``idm_user_idx_tree`` on a SQLite file or a MariaDB/MySQL database.

    The table is created when missing. ``clear()`` empties it (an emulator reset is a fresh
    Cells). Database errors propagate as SQLAlchemy errors: the emulator's server boundary
    turns them into a 500, as a Cells with a broken database would answer.
    """

    def __init__(self, url: str) -> None:
        """Connect to ``url`` (a SQLAlchemy URL) and create the table if it is missing."""
        args: dict[str, object] = {}
        if url.startswith("sqlite"):
            # Handlers run on the HTTP server's threads and share the pool.
            args = {"check_same_thread": False}
        self.shown_url = hide_password(url)
        self._engine = sa.create_engine(url, connect_args=args, pool_pre_ping=True)
        _metadata.create_all(self._engine, checkfirst=True)

    def __repr__(self) -> str:
        return f"UserDB({self.shown_url!r})"

    def clear(self) -> None:
        """Delete every row (the emulator was reset)."""
        with self._engine.begin() as conn:
            conn.execute(USER_TABLE.delete())

    def add(self, *, uuid: str, login: str, group_path: str, etag: str, mtime: int) -> None:
        """Insert the row of a new user; an existing row (a rename) only gets its new name
        and path, and keeps its ``etag`` (a hash written into it stays valid)."""
        level = len([p for p in group_path.split("/") if p]) + 1
        path_hash = hashlib.sha1(  # noqa: S324 - a row key like Cells' mpath hash, not security
            f"{group_path.rstrip('/')}/{login}".encode()
        ).hexdigest()
        with self._engine.begin() as conn:
            moved = conn.execute(
                USER_TABLE.update()
                .where(USER_TABLE.c.uuid == uuid)
                .values(name=login, level=level, hash=path_hash)
            )
            if moved.rowcount:
                return
            conn.execute(
                USER_TABLE.insert().values(
                    uuid=uuid,
                    level=level,
                    hash=path_hash,
                    name=login,
                    leaf=1,
                    mtime=mtime,
                    etag=etag,
                    size=0,
                    mode="",
                    mpath1="",
                )
            )

    def set_etag(self, uuid: str, etag: str, *, mtime: int) -> None:
        """Store a new password hash for the user ``uuid`` (a password set over REST)."""
        with self._engine.begin() as conn:
            conn.execute(
                USER_TABLE.update().where(USER_TABLE.c.uuid == uuid).values(etag=etag, mtime=mtime)
            )

    def etag(self, uuid: str) -> str | None:
        """The stored hash of the user ``uuid``, read now; ``None`` when it has no row."""
        with self._engine.connect() as conn:
            value = conn.execute(
                sa.select(USER_TABLE.c.etag).where(USER_TABLE.c.uuid == uuid)
            ).scalar_one_or_none()
        return None if value is None else str(value)

    def delete(self, uuid: str) -> None:
        """Remove the row of a deleted user."""
        with self._engine.begin() as conn:
            conn.execute(USER_TABLE.delete().where(USER_TABLE.c.uuid == uuid))

    def count(self) -> int:
        """How many rows the table holds (tests)."""
        with self._engine.connect() as conn:
            return int(
                conn.execute(sa.select(sa.func.count()).select_from(USER_TABLE)).scalar_one()
            )

    def close(self) -> None:
        """Close the pooled connections."""
        self._engine.dispose()
