"""Read a conf.sql/auth.sql database (MySQL/MariaDB, PostgreSQL, SQLite) into an Inventory.

The one place in ``legacy/`` that talks to a database (SQLAlchemy Core). Tables and columns
are those of ``spec/legacy-model.md`` §2; the schema is inspected first, so every era from
AjaXplorer 4.2 to Pydio 8.2 reads through the same queries (a missing column reads as NULL).

Guarantees:

* rows are streamed (``stream_results`` + ``yield_per``: server-side cursors on MySQL and
  PostgreSQL), never fetched whole;
* camelCase columns are quoted per dialect (PostgreSQL ``"groupPath"``) and looked up
  case-insensitively, so an install created with unquoted names reads too;
* MySQL ``serial_role`` is read as bytes (it holds NULs and byte-counted strings, §2.2);
* every ``sqlalchemy``/DB-API error becomes :class:`~migrate.errors.LegacyError` here, with
  the database password hidden; one bad row becomes a finding (see ``legacy/inventory.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from migrate.drivers import missing_driver
from migrate.errors import LegacyError, LegacyFormatError
from migrate.legacy import findings as fnd
from migrate.legacy import sqltext
from migrate.legacy.inventory import InventoryBuilder
from migrate.legacy.model import Era, Inventory, LegacySource, LegacyWorkspace
from migrate.legacy.workspaces import WorkspaceRow
from migrate.progress import Progress
from migrate.secret import hide_password

log = logging.getLogger(__name__)

DEFAULT_BATCH = 5000

REPO_COLUMNS = (
    "uuid",
    "parent_uuid",
    "owner_user_id",
    "child_user_id",
    "path",
    "display",
    "accessType",
    "recycle",
    "bcreate",
    "writeable",
    "enabled",
    "isTemplate",
    "inferOptionsFromParent",
    "slug",
    "groupPath",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SchemaInfo:
    """Tables and columns present (lower-cased name → real name), and what they imply."""

    dialect: str
    columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def has(self, table: str, column: str | None = None) -> bool:
        """Whether ``table`` (and ``column`` in it) exists."""
        cols = self.columns.get(table)
        return cols is not None and (column is None or column.lower() in cols)

    def select(self, table: str, *names: str, binary: Iterable[str] = ()) -> sa.Select[Any]:
        """``SELECT`` the named columns (absent ones as NULL), labelled in lower case."""
        cols = self.columns.get(table, {})
        as_bytes = {b.lower() for b in binary}
        real: list[sa.ColumnClause[Any]] = [
            sa.column(cols[n.lower()]) for n in names if n.lower() in cols
        ]
        tbl = sa.table(table, *real)
        exprs: list[sa.ColumnElement[Any]] = []
        for name in names:
            key = name.lower()
            if key not in cols:
                exprs.append(sa.null().label(key))
                continue
            col: sa.ColumnElement[Any] = tbl.c[cols[key]]
            if key in as_bytes and self.dialect == "mysql":
                col = sa.cast(col, sa.LargeBinary)  # §2.2: TEXT with NULs, byte-counted
            exprs.append(col.label(key))
        return sa.select(*exprs).select_from(tbl)

    def features(self) -> frozenset[str]:
        """Feature tags, e.g. ``ajxp_groups``, ``ajxp_roles.owner_user_id``."""
        tags = set(self.columns)
        for table, column in (
            ("ajxp_roles", "owner_user_id"),
            ("ajxp_roles", "last_updated"),
            ("ajxp_roles", "searchable_repositories"),
            ("ajxp_users", "groupPath"),
            ("ajxp_simple_store", "insertion_date"),
        ):
            if self.has(table, column):
                tags.add(f"{table}.{column}")
        return frozenset(tags)

    def era(self) -> Era:
        """Era from the schema (§1.5, §2.3); 6.5-7.x is told apart later by role classes."""
        if self.has("ajxp_roles", "owner_user_id"):
            return Era.PYDIO_8
        if self.has("ajxp_roles", "last_updated"):
            return Era.PYDIO_6_2
        if self.has("ajxp_version"):
            return Era.PYDIO_6_0
        if self.has("ajxp_groups") or self.has("ajxp_users", "groupPath"):
            return Era.PYDIO_5
        return Era.AJXP_4


def read_inventory_sql(
    url: str,
    *,
    auth_url: str | None = None,
    static_workspaces: Iterable[LegacyWorkspace] = (),
    progress: Progress | None = None,
    batch_size: int = DEFAULT_BATCH,
) -> Inventory:
    """Read the legacy install whose conf.sql database is at ``url`` (a SQLAlchemy URL).

    ``auth_url`` is the auth.sql database when it is not the same one (``ajxp_users``).
    ``static_workspaces`` are those of ``conf/bootstrap_repositories.php`` (§8.4); when none
    are given, rights on the stock static ids (``0``, ``1``, ``ajxp_home`` …) are not
    reported as dangling. Raises ``LegacyError`` when the database cannot be read and
    ``LegacyFormatError`` when it holds no conf.sql tables.
    """
    try:
        builder = _read(url, auth_url, static_workspaces, progress, batch_size, lenient=False)
    except sqltext.Undecodable as exc:
        # bytes that are not UTF-8 in a TEXT column: read again, naming each such value
        log.info("table %s holds text that is not UTF-8: reading again to name it", exc.table)
        if not url.startswith("sqlite"):
            raise LegacyError(
                f"table {exc.table} of the legacy database {hide_password(url)} holds text "
                "that is not valid UTF-8 in the connection's encoding: check the database's "
                "character set and correct the row"
            ) from exc
        builder = _read(url, auth_url, static_workspaces, progress, batch_size, lenient=True)
    inventory = builder.build()
    log.info(
        "legacy %s database (%s era): %s, %d finding(s)",
        inventory.source.dialect,
        inventory.source.era.value,
        inventory.counts(),
        len(inventory.findings),
    )
    return inventory


def _read(
    url: str,
    auth_url: str | None,
    static_workspaces: Iterable[LegacyWorkspace],
    progress: Progress | None,
    batch_size: int,
    *,
    lenient: bool,
) -> InventoryBuilder:
    engine = _engine(url, lenient=lenient)
    auth_engine = _engine(auth_url, lenient=lenient) if auth_url else engine
    try:
        with _translated(url), engine.connect() as conn:
            schema = inspect_schema(conn)
            builder = InventoryBuilder(_source(conn, schema, url), static_workspaces)
            if lenient:
                sqltext.attach(conn, builder.findings)
            _read_conf(conn, schema, builder, progress, batch_size)
        with _translated(auth_url or url), auth_engine.connect() as conn:
            if lenient:
                sqltext.attach(conn, builder.findings)
            auth_schema = schema if auth_engine is engine else inspect_schema(conn)
            _read_auth_users(conn, auth_schema, builder, progress, batch_size)
    finally:
        engine.dispose()
        if auth_engine is not engine:
            auth_engine.dispose()
    return builder


def _engine(url: str, *, lenient: bool = False) -> Engine:
    try:
        engine = sa.create_engine(url)
    except (sa.exc.ArgumentError, ImportError, ValueError) as exc:
        missing = missing_driver(url, exc)
        if missing:
            raise LegacyError(f"cannot read {hide_password(url)}: {missing}") from exc
        raise LegacyError(
            f"invalid legacy database URL {hide_password(url)}: {type(exc).__name__}"
        ) from exc
    database = engine.url.database or ""
    is_file = database not in ("", ":memory:") and not database.startswith("file:")
    # SQLite creates a missing file on connect: reading must never leave one behind
    if engine.dialect.name == "sqlite" and is_file and not Path(database).is_file():
        engine.dispose()
        raise LegacyError(
            f"the legacy SQLite database {database} does not exist: check "
            "legacy.database_url or the sqlite3_database of bootstrap.json"
        )
    if lenient and engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", sqltext.lenient_sqlite)
    return engine


class _translated:
    """Context manager: SQLAlchemy/DB-API errors → ``LegacyError`` (password hidden)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, sa.exc.SQLAlchemyError):
            raise LegacyError(
                f"cannot read the legacy database {hide_password(self.url)}: "
                f"{_describe(exc, self.url)}. Check the URL, that the server is up and that "
                "the user may read the ajxp_* tables."
            ) from exc


def _describe(exc: sa.exc.SQLAlchemyError, url: str) -> str:
    """The driver's own message, without the SQL text and without the password."""
    orig = getattr(exc, "orig", None)
    message = f"{type(orig or exc).__name__}: {orig if orig is not None else exc}"
    message = message.splitlines()[0][:300] if message else type(exc).__name__
    password = sa.engine.make_url(url).password if "://" in url else None
    if password:
        message = message.replace(str(password), "***")
    return message


def inspect_schema(conn: Connection) -> SchemaInfo:
    """Tables and columns of the legacy database (only ``ajxp_*`` tables)."""
    inspector = sa.inspect(conn)
    columns: dict[str, dict[str, str]] = {}
    for table in inspector.get_table_names():
        if table.lower().startswith("ajxp_"):
            # column names from an empty SELECT: reflecting types warns on legacy DDL
            # such as SQLite "INT(11)" and is not needed
            probe = sa.select(sa.text("*")).select_from(sa.table(table)).limit(0)
            names = conn.execute(probe).keys()
            columns[table.lower()] = {name.lower(): name for name in names}
    schema = SchemaInfo(dialect=conn.dialect.name, columns=columns)
    if not (schema.has("ajxp_user_rights") or schema.has("ajxp_roles")):
        raise LegacyFormatError(
            "no conf.sql tables (ajxp_user_rights, ajxp_roles) in this database: point "
            "legacy.database_url at the Pydio database"
        )
    return schema


def _source(conn: Connection, schema: SchemaInfo, url: str) -> LegacySource:
    build: int | None = None
    if schema.has("ajxp_version", "db_build"):
        value = conn.execute(
            sa.select(sa.func.max(sa.column("db_build"))).select_from(sa.table("ajxp_version"))
        ).scalar()
        build = int(value) if value is not None else None
    return LegacySource(
        kind="sql",
        dialect=schema.dialect,
        location=hide_password(url),
        era=schema.era(),
        db_build=build,
        features=schema.features(),
    )


def _stream(conn: Connection, query: sa.Select[Any], batch: int) -> Iterator[Mapping[Any, Any]]:
    table = str(getattr(query.get_final_froms()[0], "name", "")).lower()
    try:
        result = conn.execution_options(stream_results=True, yield_per=batch).execute(query)
        for row in result:
            yield sqltext.checked(conn, table, row._mapping)
    except (sa.exc.OperationalError, sa.exc.DataError, UnicodeDecodeError) as exc:
        if sqltext.is_undecodable(exc):
            raise sqltext.Undecodable(table) from exc
        raise


def _phase(progress: Progress | None, label: str) -> None:
    if progress is not None:
        progress.start(label)


def _tick(progress: Progress | None, count: int, batch: int) -> None:
    if progress is not None and count % batch == 0:
        progress.update(batch)


def _done(progress: Progress | None, count: int, batch: int) -> None:
    if progress is not None:
        progress.update(count % batch)
        progress.finish()


def _read_conf(
    conn: Connection,
    schema: SchemaInfo,
    builder: InventoryBuilder,
    progress: Progress | None,
    batch: int,
) -> None:
    _read_roles(conn, schema, builder, progress, batch)
    if schema.has("ajxp_groups"):
        for row in _stream(conn, schema.select("ajxp_groups", "groupPath", "groupLabel"), batch):
            builder.add_group(row["grouppath"] or "/", row["grouplabel"])
    _read_rights(conn, schema, builder, progress, batch)
    _read_workspaces(conn, schema, builder, batch)
    if schema.has("ajxp_simple_store"):
        _read_shares(conn, schema, builder, batch)
    if schema.has("ajxp_user_teams"):
        cols = ("team_id", "user_id", "team_label", "owner_id")
        for row in _stream(conn, schema.select("ajxp_user_teams", *cols), batch):
            builder.add_team_row(*(str(row[c] or "") for c in cols))


def _read_roles(
    conn: Connection,
    schema: SchemaInfo,
    builder: InventoryBuilder,
    progress: Progress | None,
    batch: int,
) -> None:
    if not schema.has("ajxp_roles"):
        return
    query = schema.select(
        "ajxp_roles",
        "role_id",
        "serial_role",
        "owner_user_id",
        "last_updated",
        binary=("serial_role",),
    )
    _phase(progress, "roles")
    count = 0
    for row in _stream(conn, query, batch):
        stamp = row["last_updated"]
        builder.add_role_row(
            row["role_id"],
            row["serial_role"],
            owner=row["owner_user_id"],
            last_updated=int(stamp) if stamp is not None else None,
        )
        count += 1
        _tick(progress, count, batch)
    _done(progress, count, batch)


def _read_rights(
    conn: Connection,
    schema: SchemaInfo,
    builder: InventoryBuilder,
    progress: Progress | None,
    batch: int,
) -> None:
    if not schema.has("ajxp_user_rights"):
        return
    query = schema.select("ajxp_user_rights", "login", "repo_uuid", "rights")
    _phase(progress, "user rights")
    count = 0
    for row in _stream(conn, query, batch):
        builder.add_user_right(row["login"], str(row["repo_uuid"] or ""), row["rights"])
        count += 1
        _tick(progress, count, batch)
    _done(progress, count, batch)


def _read_auth_users(
    conn: Connection,
    schema: SchemaInfo,
    builder: InventoryBuilder,
    progress: Progress | None,
    batch: int,
) -> None:
    if not schema.has("ajxp_users"):
        log.warning("no ajxp_users table: every user is treated as externally authenticated")
        return
    query = schema.select("ajxp_users", "login", "password", "groupPath")
    _phase(progress, "users")
    count = 0
    for row in _stream(conn, query, batch):
        builder.add_auth_user(row["login"], row["password"], row["grouppath"])
        count += 1
        _tick(progress, count, batch)
    _done(progress, count, batch)


def _read_workspaces(
    conn: Connection, schema: SchemaInfo, builder: InventoryBuilder, batch: int
) -> None:
    if not schema.has("ajxp_repo"):
        # every conf.sql schema since 4.2 creates it: its absence is damage (issue 12)
        builder.findings.append(fnd.workspace_store("ajxp_repo", "is missing from the database"))
        return
    rows: dict[str, WorkspaceRow] = {}
    for row in _stream(conn, schema.select("ajxp_repo", *REPO_COLUMNS), batch):
        rows[str(row["uuid"])] = WorkspaceRow(columns=dict(row))
    if schema.has("ajxp_repo_options"):
        query = schema.select("ajxp_repo_options", "oid", "uuid", "name", "val", binary=("val",))
        query = query.order_by(sa.column("uuid"), sa.column("oid"))
        for row in _stream(conn, query, batch):
            target = rows.get(str(row["uuid"]))
            if target is not None:  # options of deleted workspaces are ignored
                target.options.append((str(row["name"]), row["val"]))
    for workspace_row in rows.values():
        builder.add_workspace_row(workspace_row)


def _read_shares(
    conn: Connection, schema: SchemaInfo, builder: InventoryBuilder, batch: int
) -> None:
    query = schema.select(
        "ajxp_simple_store",
        "object_id",
        "store_id",
        "serialized_data",
        "related_object_id",
        "insertion_date",
        binary=("serialized_data",),
    ).where(sa.column(schema.columns["ajxp_simple_store"]["store_id"]) == "share")
    for row in _stream(conn, query, batch):
        builder.add_share_row(
            str(row["object_id"]),
            row["related_object_id"],
            row["serialized_data"],
            row["insertion_date"],
        )
