"""Every PHP-serialized value of the real Pydio 8.2.5 sample decodes, as PHP 7.4 decoded it.

The sample's README says all 156 serialized cells of its SQLite file were read back with PHP
7.4's unserialize(); the same 156 cells must decode here, and two independent encodings that
Pydio wrote of the same data must agree (``ajxp_roles.searchable_repositories`` is
``serialize($role->listAcls())``, legacy-model.md §2.1).
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from migrate.legacy.phpserial import PhpArray, PhpObject, loads

pytestmark = pytest.mark.integration

DB = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "pydio8-sqlite"
    / "data/plugins/conf.sql/pydio.db"
)
SERIALIZED = re.compile(rb"^(?:\$phpserial\$)?(?:[aOC]:\d+:|[sibd]:|N;)")
PREFIX = b"$phpserial$"


def cells() -> Iterator[tuple[str, str, bytes]]:
    with closing(sqlite3.connect(f"file:{DB}?mode=ro", uri=True)) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            for row in conn.execute(f"SELECT * FROM {table}"):  # noqa: S608 - names from the schema
                for column, value in zip(columns, row, strict=True):
                    raw = value if isinstance(value, bytes) else str(value).encode()
                    if value is not None and SERIALIZED.match(raw):
                        yield table, column, raw.removeprefix(PREFIX)


def test_all_156_serialized_cells_decode() -> None:
    counts: Counter[tuple[str, str]] = Counter()
    for table, column, raw in cells():
        loads(raw)
        counts[(table, column)] += 1
    assert sum(counts.values()) == 156
    assert counts == {
        ("ajxp_feed", "content"): 1,
        ("ajxp_user_rights", "rights"): 27,
        ("ajxp_user_prefs", "val"): 22,
        ("ajxp_repo_options", "val"): 48,
        ("ajxp_roles", "serial_role"): 25,
        ("ajxp_roles", "searchable_repositories"): 25,
        ("ajxp_plugin_configs", "configs"): 5,
        ("ajxp_simple_store", "serialized_data"): 3,
    }


def test_roles_agree_with_their_searchable_copy() -> None:
    with closing(sqlite3.connect(f"file:{DB}?mode=ro", uri=True)) as conn:
        rows = conn.execute(
            "SELECT role_id, serial_role, searchable_repositories FROM ajxp_roles"
        ).fetchall()
    assert len(rows) == 25
    for role_id, serial_role, searchable in rows:
        role = loads(serial_role)
        assert isinstance(role, PhpObject)
        assert role.class_name == "Pydio\\Conf\\Core\\AJXP_Role"
        assert role.get("roleId") == role_id.encode()
        acls = role.get("acls")
        assert isinstance(acls, PhpArray)
        assert acls == loads(searchable)
