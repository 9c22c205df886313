"""The sample builder's PHP serializer and SQL script splitter (pure, no database server)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import sqlalchemy as sa

from migrate.legacy import phpserial
from migrate.legacy.phpserial import PhpArray, PhpObject
from migrate.sample.phpwrite import PhpCustom, PhpObj, dumps
from migrate.sample.sqlscript import run_script, split_statements

DUMP = Path(__file__).resolve().parents[1] / "data" / "legacy-schema" / "dist-docker__create.mysql"


@pytest.mark.parametrize(
    ("value", "serial"),
    [
        (None, b"N;"),
        (True, b"b:1;"),
        (-5, b"i:-5;"),
        (0.5, b"d:0.5;"),
        ("é", b's:2:"\xc3\xa9";'),
        (b"\x00\xff", b's:2:"\x00\xff";'),
        ({"1": "a", "01": "b", 2: "c"}, b'a:3:{i:1;s:1:"a";s:2:"01";s:1:"b";i:2;s:1:"c";}'),
        (["x"], b'a:1:{i:0;s:1:"x";}'),
    ],
    ids=["null", "bool", "int", "float", "utf8", "bytes", "keys", "list"],
)
def test_dumps_scalars_and_arrays(value: object, serial: bytes) -> None:
    assert dumps(value) == serial


def test_objects_round_trip_through_the_unserializer() -> None:
    mask = PhpCustom(
        "AJXP_PermissionMask", {"docs": PhpObj("AJXP_Permission", (("value", "private", 4),))}
    )
    role = PhpObj(
        "Pydio\\Conf\\Core\\AJXP_Role",
        (("roleId", "protected", "r"), ("masks", "protected", {"w": mask}), ("x", "public", 1)),
    )
    raw = dumps(role)
    assert b's:9:"\x00*\x00roleId"' in raw
    assert b's:22:"\x00AJXP_Permission\x00value"' in raw
    decoded = phpserial.loads(raw)
    assert isinstance(decoded, PhpObject)
    assert decoded.get("roleId") == b"r"
    assert decoded.get("x") == 1
    masks = decoded.get("masks")
    assert isinstance(masks, PhpArray)
    custom = masks.get("w")
    assert isinstance(custom, PhpObject)
    assert custom.class_name == "AJXP_PermissionMask"
    permission = custom.get("docs")
    assert isinstance(permission, PhpObject)
    assert permission.get("value") == 4


def test_dumps_refuses_unknown_types() -> None:
    with pytest.raises(TypeError):
        dumps(object())


def test_split_handles_quotes_comments_and_delimiters() -> None:
    script = """
-- a comment; with a semicolon
/* SEPARATOR */ CREATE TABLE t (a text); # mysql comment;
INSERT INTO t VALUES ('x;y'), ('it''s'), ('back\\\\slash\\';still');
/*!40101 SET NAMES utf8 */;
DELIMITER ;;
CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW INSERT INTO u VALUES (1);;
DELIMITER ;
USE pydio;
"""
    assert list(split_statements(script)) == [
        "CREATE TABLE t (a text)",
        "INSERT INTO t VALUES ('x;y'), ('it''s'), ('back\\\\slash\\';still')",
        "/*!40101 SET NAMES utf8 */",
        "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW INSERT INTO u VALUES (1)",
        "USE pydio",
    ]


def test_real_scripts_split_into_their_statements() -> None:
    schema = resources.files("migrate.sample").joinpath("schema")
    sqlite = schema.joinpath("conf.sql__create.sqlite").read_text(encoding="utf-8")
    statements = list(split_statements(sqlite, backslash_escapes=False))
    assert len(statements) == 18
    assert statements[-1] == "INSERT INTO ajxp_version VALUES (0)"
    dump = list(split_statements(DUMP.read_text(encoding="utf-8")))
    assert sum(s.startswith("INSERT INTO `ajxp_roles`") for s in dump) == 1
    assert sum("TRIGGER `LOG_" in s for s in dump) == 3


def test_run_script_skips_the_known_broken_statement(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    schema = resources.files("migrate.sample").joinpath("schema")
    script = schema.joinpath("conf.sql__create.sqlite").read_text(encoding="utf-8")
    try:
        with engine.begin() as conn:
            ran = run_script(conn, script + "\nUSE other;\n")
            tables = set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert ran == 17  # 18 statements minus CREATE UNIQUE INDEX (prefs_unique)
    assert {"ajxp_users", "ajxp_roles", "ajxp_repo_options", "ajxp_version"} <= tables
