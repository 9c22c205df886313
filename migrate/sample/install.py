"""Lay out a sample Pydio 8 install: conf files, data folder, storage and the database.

The result looks like a real install (legacy-model.md §1): ``conf/bootstrap_context.php``
and ``conf/bootstrap_repositories.php`` (release shapes), ``data/plugins/boot.conf/
bootstrap.json`` naming the database as the installer writes it (§1.2, §1.4), a SQLite file
at its default place or tables in a MariaDB/PostgreSQL database, and storage folders.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import sqlalchemy as sa

from migrate.sample.content import SampleContent, static_workspaces
from migrate.sample.spec import BuiltInstall, InstallSpec
from migrate.sample.writer import create_schema, write_rows

DIALECTS = {"sqlite": "sqlite", "mariadb": "mysql", "mysql": "mysql", "postgresql": "postgresql"}


def build_install(
    root: Path, *, dialect: str, db_url: str | None = None, spec: InstallSpec | None = None
) -> BuiltInstall:
    """Build a sample install under ``root`` (created if needed) and fill its database.

    ``dialect`` is ``sqlite``, ``mariadb``/``mysql`` or ``postgresql``. For SQLite the
    database file goes to ``data/plugins/conf.sql/pydio.db`` unless ``db_url`` says
    otherwise; for the servers ``db_url`` must name an existing, empty database. Raises
    ``ValueError`` for an unknown dialect, a missing URL or a non-empty database.
    """
    spec = spec or InstallSpec()
    kind = DIALECTS.get(dialect)
    if kind is None:
        raise ValueError(f"unknown dialect {dialect!r}: use sqlite, mariadb or postgresql")
    conf, data, storage = root / "conf", root / "data", root / "storage"
    db_file = data / "plugins" / "conf.sql" / "pydio.db"
    for folder in (conf, data / "files", data / "personal", data / "cache", db_file.parent):
        folder.mkdir(parents=True, exist_ok=True)
    if db_url is None:
        if kind != "sqlite":
            raise ValueError(f"{dialect} needs db_url (an existing empty database)")
        db_url = f"sqlite:///{db_file}"
    _write_conf(conf)
    _write_bootstrap(data, kind, db_url, db_file)
    content = SampleContent(spec, data_path=data, storage_path=storage, dialect=kind)
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            if conn.dialect.name != kind:
                raise ValueError(f"db_url is a {conn.dialect.name} database, not {dialect}")
            create_schema(conn)
            counts = write_rows(conn, content.rows(), spec.batch_size)
    finally:
        engine.dispose()
    _make_storage(content.fs_folders)
    return BuiltInstall(
        root=root,
        conf_path=conf,
        data_path=data,
        storage_path=storage,
        dialect=kind,
        db_url=db_url,
        static_workspaces=static_workspaces(),
        expected=content.expected() if spec.collect_expected else None,
        counts=counts,
    )


def _write_conf(conf: Path) -> None:
    templates = resources.files("migrate.sample").joinpath("templates")
    for name in ("bootstrap_context.php", "bootstrap_repositories.php"):
        text = templates.joinpath(name).read_text(encoding="utf-8")
        (conf / name).write_text(text, encoding="utf-8")


def _dibi(kind: str, db_url: str, db_file: Path) -> dict[str, object]:
    """``DIBI_PRECONFIGURATION`` as the installer writes it (legacy-model.md §1.4)."""
    url = sa.engine.make_url(db_url)
    if kind == "sqlite":
        path = Path(url.database or "")
        value = "AJXP_DATA_PATH/plugins/conf.sql/pydio.db" if path == db_file else str(path)
        return {
            "group_switch_value": "sqlite3",
            "sqlite3_driver": "sqlite3",
            "sqlite3_database": value,
            "sqlite3_formatDate": "'Y-m-d'",
            "sqlite3_formatDateTime": "'Y-m-d H:i:s'",
        }
    prefix = "mysql" if kind == "mysql" else "postgre"
    host = url.host or "localhost"
    if url.port:
        host = f"{host}:{url.port}"
    dibi: dict[str, object] = {
        "group_switch_value": prefix,
        f"{prefix}_driver": prefix,
        f"{prefix}_host": host,
        f"{prefix}_database": url.database or "",
        f"{prefix}_username": url.username or "",
        f"{prefix}_password": url.password or "",
    }
    if kind == "mysql":
        dibi["mysql_use_mysqli"] = True
    return dibi


def _write_bootstrap(data: Path, kind: str, db_url: str, db_file: Path) -> None:
    core = {"core_driver": "core", "group_switch_value": "core"}
    bootstrap = {
        "core.conf": {
            "UNIQUE_INSTANCE_CONFIG": {
                "instance_name": "conf.sql",
                "group_switch_value": "conf.sql",
                "SQL_DRIVER": core,
            },
            "AJXP_CLI_SECRET_KEY": "sample-cli-secret-key-00",
            "DIBI_PRECONFIGURATION": _dibi(kind, db_url, db_file),
        },
        "core.auth": {
            "MASTER_INSTANCE_CONFIG": {
                "instance_name": "auth.sql",
                "group_switch_value": "auth.sql",
                "SQL_DRIVER": core,
            }
        },
        "core.cache": {"UNIQUE_INSTANCE_CONFIG": []},
    }
    boot = data / "plugins" / "boot.conf"
    boot.mkdir(parents=True, exist_ok=True)
    (boot / "bootstrap.json").write_text(json.dumps(bootstrap, indent=2), encoding="utf-8")
    (boot / "first_run_passed").write_text("true", encoding="utf-8")


def _make_storage(folders: list[Path]) -> None:
    for index, folder in enumerate(folders):
        folder.mkdir(parents=True, exist_ok=True)
        if index < 20:
            (folder / "README.txt").write_text(f"sample file in {folder.name}\n", encoding="utf-8")
