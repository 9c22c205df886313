"""Turn Pydio's "dibi" database parameters into a SQLAlchemy URL (legacy-model.md §1.4).

Pure: the caller passes the parameter object as found in ``bootstrap.json`` (a "group switch"
object such as ``{"group_switch_value": "mysql", "mysql_host": …}``, or ``"core"`` meaning
``DIBI_PRECONFIGURATION``) or in a 4.x ``bootstrap_plugins.php`` (a raw dibi array
``{"driver": "mysql", "host": …, "user": …}``). The password only ever lives inside the
:class:`~migrate.secret.Secret` of the returned :class:`DatabaseUrl`; errors name keys, never
values.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import quote

from migrate.errors import LegacyError
from migrate.secret import Secret, hide_password

__all__ = ["DatabaseUrl", "database_url", "url_from_string"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DatabaseUrl:
    """A SQLAlchemy URL: ``url`` holds the password (never shown), ``display`` hides it."""

    url: Secret = field(repr=False)
    display: str
    dialect: str  # sqlite / mysql / postgresql

    def __str__(self) -> str:
        return self.display


_ALIASES: Final = {"user": "username", "pass": "password", "hostname": "host", "dbname": "database"}
_MYSQL: Final = frozenset({"mysql", "mysqli"})
_POSTGRES: Final = frozenset({"postgre", "postgres", "postgresql", "pgsql"})
_SQLITE: Final = frozenset({"sqlite", "sqlite3"})


def url_from_string(url: Secret) -> DatabaseUrl:
    """Wrap a URL given by the operator (``legacy.database_url``)."""
    scheme = url.reveal().split("://", 1)[0].split("+", 1)[0].lower()
    dialect = {"postgres": "postgresql", "mariadb": "mysql"}.get(scheme, scheme)
    return DatabaseUrl(url=url, display=hide_password(url.reveal()), dialect=dialect)


def database_url(
    sql_driver: object,
    *,
    preconfiguration: object,
    resolve_path: Callable[[str], str],
    install_path: str,
    what: str,
) -> DatabaseUrl:
    """Build the URL of the database a ``SQL_DRIVER`` option points to.

    ``preconfiguration`` is ``core.conf.DIBI_PRECONFIGURATION`` (used when the option says
    ``core``); ``resolve_path`` substitutes ``AJXP_DATA_PATH``/``AJXP_INSTALL_PATH`` and applies
    ``legacy.path_rewrite`` (SQLite files); ``what`` names the option in errors (e.g.
    ``"core.conf SQL_DRIVER"``). Raises ``LegacyError`` saying which key is missing or which
    driver is unsupported, and that ``legacy.database_url`` can be set instead.
    """
    params = _normalise(sql_driver, preconfiguration, what)
    driver = str(params.get("driver") or "").lower()
    if driver in _MYSQL:
        return _server_url("mysql", "mysql+pymysql", params, what, "?charset=utf8mb4")
    if driver in _POSTGRES:
        return _server_url("postgresql", "postgresql+psycopg", params, what, "")
    if driver in _SQLITE:
        path = resolve_path(_required(params, "database", what))
        if not path.startswith("/"):
            path = posixpath.join(install_path, path)  # PHP ran with the web root as cwd
        url = f"sqlite:///{posixpath.normpath(path)}"
        return DatabaseUrl(url=Secret(url), display=url, dialect="sqlite")
    shown = driver or "(none)"
    raise LegacyError(
        f"{what}: database driver {shown!r} is not supported (mysql, postgre, sqlite3 are); "
        "set legacy.database_url to a SQLAlchemy URL of the conf.sql database"
    )


def _normalise(sql_driver: object, preconfiguration: object, what: str) -> dict[str, object]:
    """Resolve ``core`` and strip the ``<kind>_`` prefixes (``OptionsHelper::cleanDibi…``)."""
    if not isinstance(sql_driver, Mapping):
        raise LegacyError(f"{what} is missing or not an object: set legacy.database_url")
    kind = sql_driver.get("group_switch_value") or sql_driver.get("core_driver")
    if kind == "core":
        if not isinstance(preconfiguration, Mapping) or not preconfiguration:
            raise LegacyError(
                f"{what} says 'core' but core.conf.DIBI_PRECONFIGURATION is missing in "
                "bootstrap.json: set legacy.database_url"
            )
        return _normalise(preconfiguration, None, "core.conf DIBI_PRECONFIGURATION")
    params: dict[str, object] = {}
    for key, value in sql_driver.items():
        name = str(key)
        if kind and name == "group_switch_value":
            continue
        if kind and "_" in name:
            name = name.split("_", 1)[1]  # mysql_use_mysqli -> use_mysqli
        params[_ALIASES.get(name, name)] = value
    if kind and not params.get("driver"):
        params["driver"] = kind
    return params


def _required(params: Mapping[str, object], key: str, what: str) -> str:
    value = params.get(key)
    if value is None or value == "":
        raise LegacyError(f"{what}: key {key!r} is missing: set legacy.database_url")
    return str(value)


def _server_url(
    dialect: str, scheme: str, params: Mapping[str, object], what: str, query: str
) -> DatabaseUrl:
    host = str(params.get("host") or "localhost")
    port = str(params.get("port") or "")
    socket = str(params.get("socket") or params.get("unix_socket") or "")
    head, sep, tail = host.partition(":")
    if sep and tail.startswith("/"):
        host, socket = head, tail  # "h:/path" means a Unix socket (§1.4)
    elif sep and tail.isdigit():
        host, port = head, tail
    database = _required(params, "database", what)
    user = quote(str(params.get("username") or ""), safe="")
    password = str(params.get("password") or "")
    auth = f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
    netloc = f"{auth}{host}{':' + port if port else ''}"
    url = f"{scheme}://{netloc}/{quote(database, safe='')}{query}"
    if socket:
        key = "unix_socket" if dialect == "mysql" else "host"  # pymysql / libpq spelling
        url += ("&" if "?" in url else "?") + f"{key}=" + quote(socket, safe="/")
    return DatabaseUrl(url=Secret(url), display=hide_password(url), dialect=dialect)
