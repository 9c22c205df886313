"""Legacy password hashes kept on Cells: the ``keep-hash`` strategy's database side.

Cells' REST API refuses to store a pre-hashed password (403 on ``pydio:password_hashed``;
a hash sent as ``Password`` is hashed again — recordings ``legacy-password-hash*``), but its
login check verifies Pydio 8 PBKDF2 and MD5 hashes found in ``idm_user_idx_tree.etag``
(cells-v3-behaviour.md §10). So ``keep-hash`` creates the user over REST, then writes the
legacy hash into that row. This module checks the table before any write.
"""

from __future__ import annotations

import sqlalchemy as sa

from migrate.secret import Secret, hide_password

USER_TABLE = "idm_user_idx_tree"
REQUIRED_COLUMNS = ("uuid", "etag")


def check_password_table(url: Secret) -> list[str]:
    """Return the problems that forbid ``keep-hash`` on the Cells database at ``url``.

    An empty list means the table and its ``uuid``/``etag`` columns are there. Never raises
    for database errors: they are problems, with the password hidden from the URL.
    """
    shown = hide_password(url.reveal())
    try:
        engine = sa.create_engine(url.reveal())
    except (sa.exc.ArgumentError, ImportError) as exc:
        return [f"passwords.cells_database_url is not a usable SQLAlchemy URL ({shown}): {exc}"]
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            if not inspector.has_table(USER_TABLE):
                return [
                    f"the Cells database {shown} has no table {USER_TABLE}: is this the "
                    "database of Cells v2-v4 (passwords.cells_database_url)?"
                ]
            columns = {c["name"].lower() for c in inspector.get_columns(USER_TABLE)}
    except sa.exc.SQLAlchemyError as exc:
        reason = type(getattr(exc, "orig", None) or exc).__name__
        return [f"cannot read the Cells database {shown} ({reason}): check the URL and rights"]
    finally:
        engine.dispose()
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        return [
            f"{USER_TABLE} in {shown} lacks column(s) {', '.join(missing)}: this Cells version "
            "stores passwords differently; use passwords.strategy reset or random"
        ]
    return []
