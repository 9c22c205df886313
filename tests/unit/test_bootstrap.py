"""Install discovery: data path, driver choice, DIBI → SQLAlchemy URL, static workspaces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrate.config import LegacyConfig, PathRewrite
from migrate.errors import LegacyError, LegacyFormatError
from migrate.legacy.bootstrap import (
    LegacyInstall,
    SerialFiles,
    assemble_install,
    discover_install,
)
from migrate.legacy.model import Severity, WorkspaceSource
from migrate.secret import Secret

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE = DATA / "pydio8-sqlite"
SER = DATA / "ser"

ROOT = "/var/www/pydio"
CONTEXT = '<?php define("AJXP_DATA_PATH", AJXP_INSTALL_PATH."/data");'
CORE = {"core_driver": "core", "group_switch_value": "core"}
SQL_AUTH = {"instance_name": "auth.sql", "group_switch_value": "auth.sql", "SQL_DRIVER": CORE}
SQL_CONF = {"instance_name": "conf.sql", "group_switch_value": "conf.sql", "SQL_DRIVER": CORE}
PASSWORD = "s@cret:/pw"
CTX = "conf/bootstrap_context.php"
JS = "data/plugins/boot.conf/bootstrap.json"
NO_DEF = "cannot be read (getenv() is not evaluated)"
NO_DIBI = "says 'core' but core.conf.DIBI_PRECONFIGURATION is missing"


def bootstrap_json(dibi: dict[str, object], **auth: object) -> str:
    return json.dumps(
        {
            "core.conf": {"UNIQUE_INSTANCE_CONFIG": SQL_CONF, "DIBI_PRECONFIGURATION": dibi},
            "core.auth": {"MASTER_INSTANCE_CONFIG": SQL_AUTH, **auth},
        }
    )


MYSQL = {
    "mysql_username": "pydio",
    "mysql_password": PASSWORD,
    "mysql_host": "db.example.org:3307",
    "mysql_driver": "mysql",
    "mysql_database": "pydio",
    "mysql_use_mysqli": True,
    "group_switch_value": "mysql",
}


def install(
    files: dict[str, str], *, install_path: str = ROOT, **overrides: object
) -> LegacyInstall:
    """Run discovery on an in-memory file tree (paths relative to the install root)."""
    tree = {Path(install_path) / name if not name.startswith("/") else Path(name): text
            for name, text in files.items()}  # fmt: skip
    legacy = LegacyConfig(install_path=Path(install_path), **overrides)  # type: ignore[arg-type]
    return assemble_install(legacy, tree.get)


def test_real_sample_install() -> None:
    found = discover_install(LegacyConfig(install_path=SAMPLE))
    db = f"{SAMPLE}/data/plugins/conf.sql/pydio.db"
    assert found.data_path == f"{SAMPLE}/data"
    assert found.conf_path == f"{SAMPLE}/conf"
    assert found.drivers_from == f"{SAMPLE}/data/plugins/boot.conf/bootstrap.json"
    assert (found.conf.plugin, found.auth.plugin) == ("conf.sql", "auth.sql")
    assert found.conf.database is not None
    assert found.conf.database.url.reveal() == f"sqlite:///{db}"
    assert found.conf.database.dialect == "sqlite"
    assert found.auth.database == found.conf.database
    assert found.auth_slave is None
    assert found.case_sensitive is False  # auth.sql lower-cases logins (§1.2)
    assert found.serial is None
    assert found.warnings == ()
    assert [(w.workspace_id, w.slug, w.driver, w.path) for w in found.static_workspaces] == [
        ("0", "default", "fs", "AJXP_DATA_PATH/files"),
        ("1", "my-files", "fs", "AJXP_DATA_PATH/personal/AJXP_USER"),
        ("ajxp_home", "welcome", "ajxp_home", None),
        ("inbox", "inbox", "inbox", None),
        ("ajxp_conf", "settings", "ajxp_conf", None),
        ("fs_template", "sample-template", "fs", None),
    ]
    first = found.static_workspaces[1]
    assert first.source is WorkspaceSource.STATIC
    assert first.default_rights == "rw"
    assert first.per_user
    assert not first.writeable
    assert found.static_workspaces[5].is_template
    assert found.resolve_path("AJXP_DATA_PATH/files") == f"{SAMPLE}/data/files"


def test_mysql_through_core_and_password_never_shown() -> None:
    found = install(
        {CTX: CONTEXT, JS: bootstrap_json(MYSQL)}
    )  # fmt: skip
    assert found.conf.database is not None
    url = found.conf.database.url.reveal()
    assert url == "mysql+pymysql://pydio:s%40cret%3A%2Fpw@db.example.org:3307/pydio?charset=utf8mb4"
    assert found.conf.database.display == (
        "mysql+pymysql://pydio:***@db.example.org:3307/pydio?charset=utf8mb4"
    )
    assert found.auth.database == found.conf.database
    for shown in (repr(found), str(found), repr(found.conf), str(found.conf.database)):
        assert PASSWORD not in shown
        assert "s%40cret" not in shown


def test_postgres_and_socket_and_sqlite_paths() -> None:
    postgres: dict[str, object] = {
        "group_switch_value": "postgre",
        "postgre_driver": "postgre",
        "postgre_host": "pg.internal",
        "postgre_database": "pydio8",
        "postgre_username": "pydio",
        "postgre_password": "pw",
    }
    found = install(
        {CTX: CONTEXT, JS: bootstrap_json(postgres)}
    )  # fmt: skip
    assert found.conf.database is not None
    assert found.conf.database.url.reveal() == "postgresql+psycopg://pydio:pw@pg.internal/pydio8"
    assert found.conf.database.dialect == "postgresql"

    socket = {**MYSQL, "mysql_host": "localhost:/var/run/mysqld/mysqld.sock", "mysql_password": ""}
    found = install(
        {CTX: CONTEXT, JS: bootstrap_json(socket)}
    )  # fmt: skip
    assert found.conf.database is not None
    assert found.conf.database.url.reveal() == (
        "mysql+pymysql://pydio@localhost/pydio?charset=utf8mb4"
        "&unix_socket=/var/run/mysqld/mysqld.sock"
    )

    sqlite: dict[str, object] = {
        "group_switch_value": "sqlite3",
        "sqlite3_database": "/var/lib/pydio/db/pydio.db",
    }
    found = install(
        {CTX: '<?php define("AJXP_DATA_PATH", "/var/lib/pydio");',
         "/srv/moved/plugins/boot.conf/bootstrap.json": bootstrap_json(sqlite)},
        path_rewrite=(PathRewrite(source="/var/lib/pydio", target="/srv/moved"),),
    )  # fmt: skip
    assert found.data_path == "/srv/moved"
    assert found.conf.database is not None
    assert found.conf.database.url.reveal() == "sqlite:////srv/moved/db/pydio.db"
    assert found.resolve_path("/var/lib/pydio/files/x") == "/srv/moved/files/x"
    assert found.resolve_path("/var/lib/pydio2/x") == "/var/lib/pydio2/x"  # whole segments only


def test_database_url_override_wins() -> None:
    found = install(
        {CTX: CONTEXT, JS: bootstrap_json({})},
        database_url=Secret("mysql+pymysql://u:topsecret@h/db"),
    )  # fmt: skip
    assert found.conf.database is not None
    assert found.conf.database.url.reveal() == "mysql+pymysql://u:topsecret@h/db"
    assert found.conf.database.display == "mysql+pymysql://u:***@h/db"
    assert found.auth.database == found.conf.database
    assert "topsecret" not in repr(found)


def test_data_path_override_and_missing_json_with_database_url() -> None:
    found = install(
        {CTX: CONTEXT},
        data_path=Path("/mnt/data"),
        database_url=Secret("sqlite:////mnt/data/pydio.db"),
    )
    assert found.data_path == "/mnt/data"
    assert (found.conf.plugin, found.auth.plugin) == ("conf.sql", "auth.sql")
    assert found.warnings[0].startswith("/mnt/data/plugins/boot.conf/bootstrap.json not found")


def test_legacy_bootstrap_plugins_php_wins_4x_serial() -> None:
    conf = SER / "ajxp-4.2.3" / "conf"
    files = {f"conf/{p.name}": p.read_text() for p in conf.iterdir()}
    files[JS] = bootstrap_json(MYSQL)  # must be ignored
    found = install(files, install_path="/var/www/ajaxplorer")
    assert found.drivers_from == "conf/bootstrap_plugins.php"
    assert (found.conf.plugin, found.auth.plugin) == ("conf.serial", "auth.serial")
    assert found.warnings == ()
    assert found.conf.database is None
    assert found.serial == SerialFiles(
        repositories_file="/var/www/ajaxplorer/data/plugins/conf.serial/repo.ser",
        roles_file="/var/www/ajaxplorer/data/plugins/auth.serial/roles.ser",
        users_dir="/var/www/ajaxplorer/data/plugins/auth.serial",
        users_file="/var/www/ajaxplorer/data/plugins/auth.serial/users.ser",
    )
    assert found.serial.groups_file == "/var/www/ajaxplorer/data/plugins/auth.serial/groups.ser"
    assert found.serial.aliases_file.endswith("/conf.serial/aliases.ser")
    statics = {w.workspace_id: w for w in found.static_workspaces}
    assert list(statics) == ["0", "1", "ajxp_shared", "ajxp_conf", "fs_template", "predefined_ftp"]
    ftp = statics["predefined_ftp"]
    assert ftp.secret_option("PASS") == Secret("guest@example.com")
    assert "PASS" not in ftp.options
    assert "guest@example.com" not in repr(ftp)
    assert ftp.option("FTP_PORT") == 21
    assert statics["fs_template"].slug == "sample-template"


def test_legacy_sql_template_raw_dibi() -> None:
    text = (SER / "php" / "bootstrap_plugins.sql.php").read_text()
    found = install({CTX: CONTEXT, "conf/bootstrap_plugins.php": text})
    assert (found.conf.plugin, found.auth.plugin) == ("conf.sql", "auth.sql")
    assert found.conf.database is not None
    assert found.conf.database.url.reveal() == (
        "mysql+pymysql://ajxp_user:p%40ss%3Aw%2Frd@db.example.org:3307/ajxp?charset=utf8mb4"
    )
    assert found.auth.database == found.conf.database
    # no bootstrap_repositories.php: the static workspaces are unknown, a blocker
    (missing,) = found.findings
    assert (missing.code, missing.key) == (
        "workspace-store",
        f"{ROOT}/conf/bootstrap_repositories.php",
    )
    assert missing.severity is Severity.BLOCKER
    assert "is missing" in missing.message


def test_legacy_multi_auth_master_ldap_slave_serial() -> None:
    text = (SER / "php" / "bootstrap_plugins.multi.php").read_text()
    found = install({CTX: CONTEXT, "conf/bootstrap_plugins.php": text})
    assert found.auth.plugin == "auth.ldap"
    assert found.auth_slave is not None
    assert found.auth_slave.plugin == "auth.serial"
    assert found.multi_mode == "MASTER_SLAVE"
    assert found.serial is not None
    assert found.serial.users_file == f"{ROOT}/data/plugins/auth.serial/users.ser"
    options = dict(found.auth.options)
    assert options["LDAP_URL"] == "ldap.example.org"
    assert options["LDAP_PORT"] == "389"
    assert "LDAP_PASSWORD" not in options


def test_64_serial_bootstrap_json() -> None:
    base = SER / "pydio-6.4"
    files = {f"conf/{p.name}": p.read_text() for p in (base / "conf").iterdir()}
    files[JS] = (base / "boot.conf/bootstrap.json").read_text()
    files["conf/VERSION"] = "6.4.2__2016-07-04__c60dd4bf__1"
    found = install(files)
    assert (found.conf.plugin, found.auth.plugin) == ("conf.serial", "auth.serial")
    assert found.case_sensitive is False
    assert found.version == "6.4.2"
    assert found.warnings == ()  # the stock plugin-repositories loader is routine, not reported
    assert found.serial == SerialFiles(
        repositories_file=f"{ROOT}/data/plugins/conf.serial/repo.ser",
        roles_file=f"{ROOT}/data/plugins/auth.serial/roles.ser",
        users_dir=f"{ROOT}/data/plugins/auth.serial",
        users_file=f"{ROOT}/data/plugins/auth.serial/users.ser",
    )
    assert [w.workspace_id for w in found.static_workspaces] == [
        "0", "1", "ajxp_user", "ajxp_home", "inbox", "ajxp_conf", "fs_template"
    ]  # fmt: skip


def test_ldap_master_sql_slave_json() -> None:
    ldap = {"instance_name": "auth.ldap", "LDAP_URL": "ldap.x", "LDAP_PASSWORD": "bindpw"}
    found = install(
        {
            CTX: CONTEXT,
            JS: json.dumps(
                {
                    "core.conf": {
                        "UNIQUE_INSTANCE_CONFIG": SQL_CONF,
                        "DIBI_PRECONFIGURATION": MYSQL,
                    },
                    "core.auth": {
                        "MASTER_INSTANCE_CONFIG": ldap,
                        "SLAVE_INSTANCE_CONFIG": SQL_AUTH,
                        "MULTI_MODE": {"instance_name": "MASTER_SLAVE"},
                        "CASE_SENSITIVE": True,
                    },
                }
            ),
        }
    )
    assert found.auth.plugin == "auth.ldap"
    assert found.auth.database is None
    assert found.auth_slave is not None
    assert found.auth_slave.database == found.conf.database
    assert found.multi_mode == "MASTER_SLAVE"
    assert found.case_sensitive is False  # forced by the auth.sql slave
    assert "bindpw" not in repr(found)


ERRORS: list[tuple[str, dict[str, str], dict[str, object], type[Exception], list[str]]] = [
    ("no-context", {}, {}, LegacyError,
     [f"{ROOT}/conf/bootstrap_context.php not found", "legacy.install_path", "legacy.data_path"]),
    ("no-json", {CTX: CONTEXT}, {}, LegacyError,
     [f"{ROOT}/data/plugins/boot.conf/bootstrap.json not found", "legacy.data_path"]),
    ("getenv", {CTX: '<?php define("AJXP_DATA_PATH", getenv("D"));'}, {},
     LegacyError, [NO_DEF, "legacy.data_path"]),
    ("no-define", {CTX: "<?php // nothing"}, {}, LegacyError,
     ['no define("AJXP_DATA_PATH", …)']),
    ("bad-json", {CTX: CONTEXT,
                  JS: "{not json"}, {}, LegacyFormatError,
     ["bootstrap.json is not valid JSON"]),
    ("core-without-dibi", {CTX: CONTEXT,
                           JS: bootstrap_json({})}, {},
     LegacyError, [NO_DIBI, "legacy.database_url"]),
    ("pdo", {CTX: CONTEXT, JS:
             bootstrap_json({"group_switch_value": "pdo", "pdo_password": PASSWORD})},
     {}, LegacyError, ["database driver 'pdo' is not supported", "legacy.database_url"]),
    ("no-database", {CTX: CONTEXT, JS:
                     bootstrap_json({**MYSQL, "mysql_database": ""})},
     {}, LegacyError, ["key 'database' is missing"]),
    ("conf-ldap", {CTX: CONTEXT, JS:
                   json.dumps({"core.conf": {"UNIQUE_INSTANCE_CONFIG": {"instance_name": "c.x"}}})},
     {}, LegacyError, ["conf driver 'c.x' is not supported"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("files", "overrides", "error", "needles"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_errors_say_what_and_what_to_set(
    files: dict[str, str], overrides: dict[str, object], error: type[Exception], needles: list[str]
) -> None:
    with pytest.raises(error) as info:
        install(files, **overrides)  # type: ignore[arg-type]  # each case names its keywords
    assert type(info.value) is error
    message = str(info.value)
    for needle in needles:
        assert needle in message
    assert PASSWORD not in message


def test_plugins_php_with_conf_only_takes_auth_from_json() -> None:
    plugins = '<?php $PLUGINS = array("CONF_DRIVER" => array("NAME" => "serial", "OPTIONS" => '
    plugins += 'array("USERS_DIRPATH" => "/old/users")));'
    found = install(
        {CTX: CONTEXT, "conf/bootstrap_plugins.php": plugins, JS: bootstrap_json(MYSQL)},
        path_rewrite=(PathRewrite(source="/old", target="/new"),),
    )
    assert found.drivers_from == (
        f"conf/bootstrap_plugins.php + {ROOT}/data/plugins/boot.conf/bootstrap.json"
    )
    assert (found.conf.plugin, found.auth.plugin) == ("conf.serial", "auth.sql")
    assert found.auth.database is not None
    assert found.auth.database.dialect == "mysql"
    assert found.serial == SerialFiles(
        repositories_file=f"{ROOT}/data/plugins/conf.serial/repo.ser",
        roles_file=f"{ROOT}/data/plugins/auth.serial/roles.ser",
        users_dir="/new/users",  # absolute option path, moved by path_rewrite
        users_file=None,  # auth is not serial
    )
    assert found.case_sensitive is False


def test_external_auth_is_reported() -> None:
    ldap = {"instance_name": "auth.ldap", "LDAP_URL": "ldap.x"}
    found = install(
        {
            CTX: CONTEXT,
            JS: json.dumps(
                {
                    "core.conf": {
                        "UNIQUE_INSTANCE_CONFIG": SQL_CONF,
                        "DIBI_PRECONFIGURATION": MYSQL,
                    },
                    "core.auth": {"MASTER_INSTANCE_CONFIG": ldap},
                }
            ),
        }
    )
    assert found.auth.plugin == "auth.ldap"
    assert found.case_sensitive is True
    assert found.warnings[0] == (
        "auth driver auth.ldap: passwords are not stored locally; users will need a password "
        "reset on Cells"
    )


def test_relative_install_path_is_made_absolute_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA)
    found = discover_install(LegacyConfig(install_path=Path("pydio8-sqlite")))
    assert found.install_path == str(SAMPLE)
    assert found.conf.database is not None
    assert found.conf.database.url.reveal() == f"sqlite:///{SAMPLE}/data/plugins/conf.sql/pydio.db"
