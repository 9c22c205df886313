"""The checkpoint database's tables, engine, schema version and error boundary.

Part of the checkpoint DB (DESIGN.md "Checkpoint DB"); :mod:`migrate.load.checkpoint` is the
public face. This module holds what every checkpoint module shares:

* the tables (SQLAlchemy Core): ``schema_version``, ``runs``, ``items`` and ``run_lock``
  (not ``lock``: LOCK is a reserved word in MySQL/MariaDB);
* :func:`make_engine`: SQLite in WAL mode with ``BEGIN IMMEDIATE`` for writes, MariaDB
  (``mysql+pymysql://``) and PostgreSQL (``postgresql+psycopg://``);
* :func:`ensure_schema`: creates a fresh database, upgrades one written by an older
  cells-migrate (:mod:`migrate.load.checkpoint_upgrade`), or refuses one written by a newer
  release with a message saying what to do;
* :class:`Boundary`: the one place where ``sqlalchemy``/DB-API errors become
  :class:`~migrate.errors.CheckpointError`, with the DSN password hidden;
* the codecs for times (stored as naive UTC, read back aware) and JSON images.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeAlias

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from migrate.drivers import missing_driver
from migrate.errors import CheckpointError, excerpt
from migrate.jsontypes import JsonObject as JsonObject
from migrate.jsontypes import JsonValue as JsonValue
from migrate.load.checkpoint_upgrade import upgrade
from migrate.secret import Secret, hide_password

log = logging.getLogger(__name__)

# 2: items.wave (dependency order inside a stage, rollback reverses it), items.password_state
#    (each created user's password step), schema_version.instance (which database this is).
SCHEMA_VERSION = 2
LOCK_ROW_ID = 1
ERROR_CHARS = 300  # the brief: last error cut to 300 characters (errors.excerpt adds "…")

Now: TypeAlias = Callable[[], datetime]


class RunCommand(StrEnum):
    """The command a run records (``resume`` continues an ``apply`` run)."""

    APPLY = "apply"
    ROLLBACK = "rollback"


class RunStatus(StrEnum):
    """Where a run stands."""

    RUNNING = "running"
    DONE = "done"
    PARTIAL = "partial"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    ROLLED_BACK = "rolled_back"


class ItemStatus(StrEnum):
    """Where one planned object stands. ``done`` only after Cells confirmed it."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"
    ROLLED_BACK = "rolled_back"


class PasswordState(StrEnum):
    """Where the password step of a user the run creates stands (issue 12 point 2).

    ``pending`` from the moment the item is planned (so a crash between the create and the
    password write leaves a trace), ``done`` once the legacy hash is written or the random
    password handed out, ``failed`` with the item's error, ``reset`` when the strategy leaves
    the password to an admin reset.
    """

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    RESET = "reset"


class ItemAction(StrEnum):
    """What the run does to one object (plan actions, plus rollback's delete/restore)."""

    CREATE = "create"
    UPDATE = "update"
    ADOPT = "adopt"
    NOOP = "noop"
    SKIP = "skip"
    DELETE = "delete"
    RESTORE = "restore"


# Actions that change Cells: "the last run that changed something" looks for these.
CHANGING_ACTIONS = (ItemAction.CREATE, ItemAction.UPDATE, ItemAction.DELETE, ItemAction.RESTORE)

# Microsecond precision on MariaDB (its DATETIME keeps whole seconds by default); plain
# TEXT on MariaDB is 64 KiB, too small for a big rollback image, hence LONGTEXT.
_TIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
_JSON_TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid alias), not BIGINT.
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.Integer, nullable=False),
    # A random id given to the database when it is created: a state DB deleted and created
    # again, or replaced by another one, during a run has another (checkpoint_identity.py).
    sa.Column("instance", sa.String(36), nullable=True),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("command", sa.String(32), nullable=False),
    sa.Column("fingerprint", sa.String(128), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("started_at", _TIME, nullable=False),
    sa.Column("finished_at", _TIME, nullable=True),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("username", sa.String(255), nullable=False),
    sa.Column("summary", _JSON_TEXT, nullable=True),
)

items = sa.Table(
    "items",
    metadata,
    sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),  # plan order within the run
    sa.Column("stage", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("natural_key", sa.String(1024), nullable=False),
    sa.Column("cells_id", sa.String(255), nullable=True),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("last_error", sa.String(ERROR_CHARS + 8), nullable=True),
    sa.Column("before_image", _JSON_TEXT, nullable=True),
    sa.Column("after_image", _JSON_TEXT, nullable=True),
    sa.Column("updated_at", _TIME, nullable=False),
    # Completion order across all runs (set when an item becomes done): rollback walks it
    # newest first, which is the reverse of the order Cells confirmed the writes in.
    sa.Column("seq", sa.BigInteger, nullable=True),
    # The plan's dependency order inside the stage (parents first); rollback undoes the
    # highest wave first.
    sa.Column("wave", sa.Integer, nullable=False, server_default="0"),
    sa.Column("password_state", sa.String(16), nullable=True),
    sa.UniqueConstraint("run_id", "position", name="uq_items_run_position"),
    sa.Index("ix_items_run_status", "run_id", "status"),
    sa.Index("ix_items_seq", "seq"),
)

run_lock = sa.Table(
    "run_lock",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("holder_run", sa.Integer, nullable=True),
    sa.Column("host", sa.String(255), nullable=True),
    sa.Column("pid", sa.Integer, nullable=True),
    sa.Column("username", sa.String(255), nullable=True),
    sa.Column("acquired_at", _TIME, nullable=True),
    sa.Column("heartbeat", _TIME, nullable=True),
)


class Boundary:
    """Translates database errors into :class:`CheckpointError` for one state DB URL.

    The message names the action, the URL with its password hidden and the driver's own
    error (cut to 300 characters, with the password scrubbed should a driver echo it); the
    SQL parameters (rollback images) are never included.
    """

    __slots__ = ("_password", "shown_url")

    def __init__(self, url: str) -> None:
        self.shown_url = hide_password(url)
        try:
            self._password = sa.engine.make_url(url).password or ""
        except (sa.exc.ArgumentError, ValueError):
            self._password = ""

    def message(self, action: str, exc: BaseException) -> str:
        """The text of a :class:`CheckpointError` for ``exc`` raised while doing ``action``."""
        orig = getattr(exc, "orig", None) or exc
        detail = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
        if self._password:
            detail = detail.replace(self._password, "***")
        text = f"cannot {action} in the state DB {self.shown_url}: {type(orig).__name__}"
        return text + (f": {excerpt(detail)}" if detail else "")

    @contextmanager
    def guard(self, action: str) -> Iterator[None]:
        """Context manager: ``SQLAlchemyError`` → ``CheckpointError`` chained ``from`` it."""
        try:
            yield
        except sa.exc.SQLAlchemyError as exc:
            raise CheckpointError(self.message(action, exc)) from exc


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (SQLAlchemy's pysqlite docs,
    # "Serializable isolation / Savepoints / Transactional DDL"): pysqlite's implicit
    # deferred BEGIN would let two writers both read, then one fail with "database is
    # locked" instead of waiting.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL survives a killed process (the case resume is for); only a power
        # loss can drop the last commits, and resume re-checks pending items anyway.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    # Writers take the write lock at BEGIN (wait on busy_timeout, never fail mid-way);
    # readers stay deferred so `status` does not block an apply in WAL mode.
    immediate = conn.get_execution_options().get("checkpoint_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL, or ``None`` for other backends and in-memory DBs."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def make_engine(url: str | Secret, boundary: Boundary) -> sa.Engine:
    """Create the engine for a state DB URL (no connection is made yet).

    Raises :class:`CheckpointError` for an invalid URL or a missing driver, showing the URL
    with its password hidden.
    """
    raw = url.reveal() if isinstance(url, Secret) else url
    try:
        parsed = sa.engine.make_url(raw)
        backend = parsed.get_backend_name()
        if backend == "sqlite":
            engine = sa.create_engine(parsed)
            sa.event.listen(engine, "connect", _sqlite_connect)
            sa.event.listen(engine, "begin", _sqlite_begin)
            return engine
        # pool_pre_ping: a run lasts hours; MariaDB drops idle connections (wait_timeout).
        return sa.create_engine(parsed, pool_pre_ping=True)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError, ValueError) as exc:
        missing = missing_driver(raw, exc)
        if missing:
            raise CheckpointError(
                f"cannot open the state DB {boundary.shown_url}: {missing}"
            ) from exc
        raise CheckpointError(
            f"invalid state DB URL {boundary.shown_url}: {type(exc).__name__}"
        ) from exc


@contextmanager
def write_tx(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A write transaction (``BEGIN IMMEDIATE`` on SQLite), committed on success."""
    with engine.connect() as conn:
        conn = conn.execution_options(checkpoint_write=True)
        with conn.begin():
            yield conn


def ensure_schema(engine: sa.Engine, *, create: bool) -> None:
    """Create the tables on an empty database, or check the version of an existing one
    and upgrade it when an older cells-migrate wrote it.

    Raises :class:`CheckpointError` when the database holds a newer schema version (upgrade
    cells-migrate) or one too old to upgrade, when it has some of our tables but no version
    row (not a cells-migrate state DB), or when it is empty and ``create`` is false. Safe
    when two processes create or upgrade the same database at once.
    """
    for attempt in (1, 2):
        try:
            _check_or_create(engine, create=create)
            return
        except (sa.exc.IntegrityError, sa.exc.OperationalError, sa.exc.ProgrammingError):
            # Another process created (or upgraded) the schema between our check and ours.
            if attempt == 2:
                raise


def _check_or_create(engine: sa.Engine, *, create: bool) -> None:
    present = set(sa.inspect(engine).get_table_names()) & set(metadata.tables)
    if not present:
        if not create:
            raise CheckpointError("the state DB is empty: no run has been recorded in it")
        with write_tx(engine) as conn:
            metadata.create_all(conn, checkfirst=True)
            conn.execute(
                sa.insert(schema_version).values(
                    id=1, version=SCHEMA_VERSION, instance=str(uuid.uuid4())
                )
            )
            conn.execute(sa.insert(run_lock).values(id=LOCK_ROW_ID))
        log.info("created checkpoint schema version %d", SCHEMA_VERSION)
        return
    if "schema_version" not in present:
        raise CheckpointError(
            "the state DB has tables named like cells-migrate's but no schema_version: "
            "it is not a cells-migrate state DB; point state.url at another database"
        )
    with engine.connect() as conn:
        found = conn.execute(sa.select(schema_version.c.version)).scalar()
    if found is None:
        raise CheckpointError("the state DB has no schema version row; it is damaged")
    if found > SCHEMA_VERSION:
        raise CheckpointError(
            f"the state DB has schema version {found}, newer than this cells-migrate "
            f"(version {SCHEMA_VERSION}): upgrade cells-migrate to use it"
        )
    if found < SCHEMA_VERSION:
        upgrade(engine, found, SCHEMA_VERSION)


def to_db_time(value: datetime) -> datetime:
    """A time as stored: naive UTC (a naive input is taken as UTC already)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def from_db_time(value: datetime | None) -> datetime | None:
    """A stored time read back as an aware UTC datetime."""
    if value is None:
        return None
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    return value.replace(tzinfo=UTC)


def dump_json(value: Mapping[str, JsonValue] | None) -> str | None:
    """Canonical JSON text of an image or summary (sorted keys), ``None`` kept as NULL."""
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def load_json(text: str | None) -> JsonObject | None:
    """Parse a stored image or summary; a value that is not a JSON object reads as ``None``."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        log.warning("unreadable JSON in the state DB (%d characters) ignored", len(text))
        return None
    return value if isinstance(value, dict) else None


def cut_error(text: str | None) -> str | None:
    """An error message as stored: stripped and cut to 300 characters."""
    return None if text is None else excerpt(text, ERROR_CHARS)
