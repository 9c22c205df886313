"""Database drivers are extras (``cells-migrate[mysql]``, ``cells-migrate[postgresql]``): the
one home of "which extra does this URL need", for the error a missing driver gives.

SQLite needs none (the demo, a single-host state DB); MariaDB/MySQL is read with PyMySQL
(``mysql+pymysql://``) and PostgreSQL with psycopg 3 (``postgresql+psycopg://``), for the
legacy database, the state DB and Cells' own database (keep-hash) alike.
"""

from __future__ import annotations

EXTRAS = {"mysql": "mysql", "mariadb": "mysql", "postgresql": "postgresql"}
DRIVERS = {"mysql": "mysql+pymysql", "postgresql": "postgresql+psycopg"}


def missing_driver(url: str, exc: BaseException) -> str:
    """What to install when ``exc`` says the driver of ``url`` is missing ("" otherwise):
    ``the mysql driver is not installed: pip install 'cells-migrate[mysql]' …``."""
    if not isinstance(exc, ImportError):
        return ""
    scheme = url.split(":", 1)[0]
    backend = scheme.split("+", 1)[0]
    extra = EXTRAS.get(backend)
    if extra is None:
        return ""
    return (
        f"the {backend} driver is not installed ({exc}): pip install 'cells-migrate[{extra}]' "
        f"(URLs {DRIVERS[extra]}://…)"
    )
