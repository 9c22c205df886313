"""Text columns that are not UTF-8: a finding naming the row, never a failed read (issue 12).

SQLite stores whatever bytes a writer gave a TEXT column; the sqlite3 driver then fails the
whole query (``Could not decode to UTF-8 column 'grouplabel' …``) and the legacy install
could not be read at all, by any command, with a message naming no row. ``legacy/sql.py``
reads normally (the fast path) and, when such an error comes, reads the install again in
*lenient* mode: the driver keeps undecodable bytes as surrogate escapes
(:func:`lenient_sqlite`), and :func:`checked` turns each such value into an
``invalid-utf8`` finding naming the table, column and row key with the value escaped
(``\\xff``), then hands the row on with U+FFFD in its place. Columns read as bytes on
purpose (serialized roles, options, shares) are left to their decoders, which keep the
bytes exactly. MariaDB and PostgreSQL check text on the way in: no lenient mode there.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any, Protocol

from migrate.legacy import findings as fnd
from migrate.legacy.model import Finding, FindingKind

_BUILDER = "cells_migrate_findings"  # Connection.info key: where findings go (lenient mode)
BINARY_COLUMNS = frozenset({"serial_role", "val", "serialized_data"})

# table -> (kind of the object, the columns that name its row)
_ROWS: dict[str, tuple[FindingKind, tuple[str, ...]]] = {
    "ajxp_users": (FindingKind.USER, ("login",)),
    "ajxp_user_rights": (FindingKind.USER, ("login", "repo_uuid")),
    "ajxp_roles": (FindingKind.ROLE, ("role_id",)),
    "ajxp_groups": (FindingKind.GROUP, ("grouppath",)),
    "ajxp_repo": (FindingKind.WORKSPACE, ("uuid",)),
    "ajxp_repo_options": (FindingKind.WORKSPACE, ("uuid", "name")),
    "ajxp_simple_store": (FindingKind.SHARE, ("object_id",)),
    "ajxp_user_teams": (FindingKind.ROLE, ("team_id", "user_id")),
}


class _Connection(Protocol):
    """What is used of a SQLAlchemy connection: its ``info`` dict."""

    @property
    def info(self) -> MutableMapping[Any, Any]: ...


class Undecodable(Exception):
    """A text column of ``table`` is not UTF-8: read the install again, leniently."""

    def __init__(self, table: str) -> None:
        super().__init__(table)
        self.table = table


def is_undecodable(exc: BaseException) -> bool:
    """Whether a driver error means "bytes that are not UTF-8" (sqlite3's wording)."""
    orig = getattr(exc, "orig", None) or exc
    return isinstance(orig, UnicodeDecodeError) or "Could not decode to UTF-8" in str(orig)


def _keep_bytes(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def lenient_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """SQLite ``connect`` hook: undecodable bytes become surrogate escapes, not an error."""
    dbapi_connection.text_factory = _keep_bytes


def attach(conn: _Connection, findings: list[Finding]) -> None:
    """Lenient mode on ``conn``: :func:`checked` reports into ``findings``."""
    conn.info[_BUILDER] = findings


def shown(value: str) -> str:
    """A value with its undecodable bytes escaped (``A\\xffB``), cut to 80 characters."""
    raw = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return raw if len(raw) <= 80 else raw[:79] + "…"


def _bad(value: object) -> bool:
    if not isinstance(value, str) or value.isascii():
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def checked(conn: _Connection, table: str, row: Mapping[Any, Any]) -> Mapping[Any, Any]:
    """``row`` as is, or, in lenient mode, with each undecodable text value reported and
    replaced by its U+FFFD reading."""
    findings: list[Finding] | None = conn.info.get(_BUILDER)
    if findings is None:
        return row
    bad = [k for k, v in row.items() if k not in BINARY_COLUMNS and _bad(v)]
    if not bad:
        return row
    kind, keys = _ROWS.get(table, (FindingKind.WORKSPACE, ()))
    row_key = "/".join(shown(str(row.get(k) or "")) for k in keys) or "?"
    fixed = dict(row)
    for column in bad:
        findings.append(fnd.invalid_utf8_column(kind, table, column, row_key, shown(row[column])))
        fixed[column] = row[column].encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return fixed
