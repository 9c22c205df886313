"""Read a whole legacy install: discover its configuration, then read its conf/auth stores.

``read_install`` is the one entry point the commands use. It picks the SQL reader (conf.sql,
Pydio 5.3+ and every 7.x/8.x install) or the ``.ser`` reader (conf.serial, AjaXplorer 4 …
Pydio 6.4) from what the install's own configuration says (legacy-model.md §1.5).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from migrate.config import LegacyConfig
from migrate.errors import LegacyError
from migrate.legacy.bootstrap import LegacyInstall, discover_install
from migrate.legacy.model import Inventory
from migrate.legacy.serial import read_inventory_serial
from migrate.legacy.sql import read_inventory_sql
from migrate.progress import Progress

log = logging.getLogger(__name__)


def read_install(legacy: LegacyConfig, *, progress: Progress | None = None) -> Inventory:
    """Discover the install under ``legacy.install_path`` and read everything it holds.

    Raises ``LegacyError`` when the install cannot be read at all (missing configuration,
    unreachable database, a driver we cannot read); bad objects are findings, not errors.
    """
    install = discover_install(legacy)
    for warning in install.warnings:
        log.warning("legacy configuration: %s", warning)
    conf_kind = install.conf.kind
    if conf_kind == "sql":
        return _with_install_findings(_read_sql(install, progress), install)
    if conf_kind == "serial":
        return _with_install_findings(read_inventory_serial(install, progress=progress), install)
    raise LegacyError(
        f"the conf driver {install.conf.plugin!r} (from {install.drivers_from}) cannot be read; "
        "cells-migrate reads conf.sql and conf.serial installs"
    )


def _with_install_findings(inventory: Inventory, install: LegacyInstall) -> Inventory:
    """The inventory with what the install's own files showed (a missing
    ``bootstrap_repositories.php``), blockers first like every other finding."""
    if not install.findings:
        return inventory
    return replace(inventory, findings=(*install.findings, *inventory.findings))


def _read_sql(install: LegacyInstall, progress: Progress | None) -> Inventory:
    if install.conf.database is None:
        raise LegacyError(
            f"no database found for conf.sql in {install.drivers_from}; "
            "set legacy.database_url in the configuration"
        )
    auth_db = install.auth.database if install.auth.kind == "sql" else None
    conf_url = install.conf.database.url.reveal()
    auth_url = auth_db.url.reveal() if auth_db is not None else None
    log.info("reading the legacy database %s", install.conf.database.display)
    return read_inventory_sql(
        conf_url,
        auth_url=auth_url if auth_url != conf_url else None,
        static_workspaces=install.static_workspaces,
        progress=progress,
    )
