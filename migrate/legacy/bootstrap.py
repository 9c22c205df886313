"""Find out how a legacy install is configured (legacy-model.md §1, decision procedure §1.5).

From ``legacy.install_path`` (and the optional ``data_path``, ``database_url`` and
``path_rewrite`` overrides) this reads ``conf/bootstrap_context.php`` (``AJXP_DATA_PATH``,
possibly an expression), the legacy ``conf/bootstrap_plugins.php`` (its ``CONF_DRIVER`` /
``AUTH_DRIVER`` win when present) or ``AJXP_DATA_PATH/plugins/boot.conf/bootstrap.json``,
resolves the conf/auth drivers, their SQL connection (:mod:`migrate.legacy.dibi`) or ``.ser``
file locations, and the static workspaces of ``conf/bootstrap_repositories.php``.

:func:`assemble_install` is pure apart from the file reader it is given;
:func:`discover_install` gives it the real file system.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Final

from migrate.config import LegacyConfig
from migrate.errors import LegacyError, LegacyFormatError
from migrate.legacy import findings as fnd
from migrate.legacy.dibi import DatabaseUrl, database_url, url_from_string
from migrate.legacy.model import Finding, LegacyWorkspace
from migrate.legacy.phparray import ConfValue, PhpConfig, Unresolved, evaluate
from migrate.legacy.statics import static_workspaces

__all__ = [
    "DriverConfig",
    "LegacyInstall",
    "SerialFiles",
    "assemble_install",
    "discover_install",
]

log = logging.getLogger(__name__)

ReadText = Callable[[Path], "str | None"]
"""Returns a file's text, or ``None`` when the file does not exist."""

BOOTSTRAP_JSON: Final = PurePosixPath("plugins/boot.conf/bootstrap.json")
_SECRET_KEY: Final = re.compile(r"PASS|SECRET|KEY|TOKEN", re.I)

# conf.serial / auth.serial defaults (manifest.xml @6.4.2, legacy-model.md §11)
SERIAL_DEFAULTS: Final = {
    "REPOSITORIES_FILEPATH": "AJXP_DATA_PATH/plugins/conf.serial/repo.ser",
    "ROLES_FILEPATH": "AJXP_DATA_PATH/plugins/auth.serial/roles.ser",
    "USERS_DIRPATH": "AJXP_DATA_PATH/plugins/auth.serial",
    "USERS_FILEPATH": "AJXP_DATA_PATH/plugins/auth.serial/users.ser",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class DriverConfig:
    """One conf or auth driver: plugin id, its database if SQL, its plain options as text."""

    plugin: str  # conf.sql, conf.serial, auth.sql, auth.serial, auth.ldap, …
    database: DatabaseUrl | None = None
    options: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # no secrets

    @property
    def kind(self) -> str:
        """The part after the dot: ``sql``, ``serial``, ``ldap`` …"""
        return self.plugin.split(".", 1)[-1]


@dataclass(frozen=True, slots=True, kw_only=True)
class SerialFiles:
    """Where a conf.serial/auth.serial install keeps its ``.ser`` files (§11), resolved."""

    repositories_file: str
    roles_file: str
    users_dir: str
    users_file: str | None  # auth.serial users.ser; None when no serial auth driver

    @property
    def aliases_file(self) -> str:
        """``aliases.ser`` next to ``repo.ser``."""
        return str(PurePosixPath(self.repositories_file).with_name("aliases.ser"))

    @property
    def groups_file(self) -> str:
        """``<USERS_DIRPATH>/groups.ser``."""
        return str(PurePosixPath(self.users_dir) / "groups.ser")


@dataclass(frozen=True, slots=True, kw_only=True)
class LegacyInstall:
    """Everything needed to open the legacy data, as found on disk (no secret in the repr)."""

    install_path: str
    conf_path: str
    data_path: str
    drivers_from: str  # the file the driver configuration came from
    conf: DriverConfig
    auth: DriverConfig
    auth_slave: DriverConfig | None = None
    multi_mode: str | None = None
    case_sensitive: bool = True
    serial: SerialFiles | None = None
    static_workspaces: tuple[LegacyWorkspace, ...] = ()
    version: str | None = None
    path_rewrite: tuple[tuple[str, str], ...] = ()
    warnings: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()  # damage that is a blocker (bootstrap_repositories.php)

    def substitutions(self) -> dict[str, str]:
        """Placeholders Pydio replaces in option values (``VarsFilter``, §8.2)."""
        return {"AJXP_DATA_PATH": self.data_path, "AJXP_INSTALL_PATH": self.install_path}

    def resolve_path(self, value: str) -> str:
        """Substitute ``AJXP_DATA_PATH``/``AJXP_INSTALL_PATH``, then apply ``path_rewrite``."""
        return _rewrite(_substitute(value, self.substitutions()), self.path_rewrite)


def discover_install(legacy: LegacyConfig) -> LegacyInstall:
    """Read the legacy configuration files under ``legacy.install_path``.

    Raises ``LegacyError`` naming the missing file and the config key to set, and
    ``LegacyFormatError`` for a ``bootstrap.json`` that is not JSON.
    """
    # relative paths are taken from the current folder, once, here (assemble_install is pure)
    absolute = replace(
        legacy,
        install_path=legacy.install_path.expanduser().absolute(),
        data_path=legacy.data_path.expanduser().absolute() if legacy.data_path else None,
    )
    return assemble_install(absolute, _read_file)


def _read_file(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LegacyError(f"cannot read {path}: {exc.strerror or exc}") from exc


@dataclass(frozen=True, slots=True, kw_only=True)
class _Drivers:
    drivers_from: str
    conf: DriverConfig
    auth: DriverConfig
    auth_slave: DriverConfig | None
    multi_mode: str | None
    case_sensitive: bool
    serial: SerialFiles | None


@dataclass(slots=True)
class _Context:
    """The paths being worked out and the warnings so far."""

    install: str
    conf: str
    data: str = ""
    rewrites: tuple[tuple[str, str], ...] = ()
    warnings: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    constants: dict[str, ConfValue] = field(default_factory=dict)

    def resolve(self, value: str) -> str:
        subst = {"AJXP_DATA_PATH": self.data, "AJXP_INSTALL_PATH": self.install}
        return _rewrite(_substitute(value, subst), self.rewrites)


def assemble_install(legacy: LegacyConfig, read_text: ReadText) -> LegacyInstall:
    """Decide data path, drivers, databases and static workspaces (§1.5) from ``read_text``.

    Raises ``LegacyError`` (missing file, with the config key to set) or
    ``LegacyFormatError`` (``bootstrap.json`` not JSON).
    """
    install = str(legacy.install_path).rstrip("/") or "/"
    ctx = _Context(
        install=install,
        conf=f"{install}/conf",
        rewrites=tuple((r.source, r.target) for r in legacy.path_rewrite),
    )
    _data_path(ctx, legacy, read_text)
    plugins = _plugins_php(ctx, read_text)
    bootstrap = None
    if not (plugins.get("CONF_DRIVER") and plugins.get("AUTH_DRIVER")):
        bootstrap = _bootstrap_json(ctx, legacy, read_text)
    drivers = _drivers(ctx, plugins, bootstrap, legacy)
    statics = _static_workspaces(ctx, read_text)
    version = read_text(Path(ctx.conf) / "VERSION")
    for warning in ctx.warnings:
        log.info("legacy configuration: %s", warning)
    return LegacyInstall(
        install_path=install,
        conf_path=ctx.conf,
        data_path=ctx.data,
        static_workspaces=statics,
        version=version.split("__", 1)[0].strip() or None if version else None,
        path_rewrite=ctx.rewrites,
        warnings=tuple(ctx.warnings),
        findings=tuple(ctx.findings),
        drivers_from=drivers.drivers_from,
        conf=drivers.conf,
        auth=drivers.auth,
        auth_slave=drivers.auth_slave,
        multi_mode=drivers.multi_mode,
        case_sensitive=drivers.case_sensitive,
        serial=drivers.serial,
    )


# Stock files run code we do not evaluate on every request (timezone set-up, the plugin
# repositories loader `if ($plugins !== false) …`): reporting it on every run would hide the
# warnings that matter, so these go to the debug log only.
_ROUTINE: Final = ("statement not evaluated", "if condition not known")


def _static_workspaces(ctx: _Context, read_text: ReadText) -> tuple[LegacyWorkspace, ...]:
    """``conf/bootstrap_repositories.php``: every Pydio install has it (the static
    workspaces 0, 1, … and their rights live there); missing or without a ``$REPOSITORIES``
    array, it is a blocker (issue 12 point 5)."""
    path = f"{ctx.conf}/bootstrap_repositories.php"
    repos_text = read_text(Path(path))
    if repos_text is None:
        ctx.findings.append(fnd.workspace_store(path, "is missing"))
        return ()
    repos = _php(ctx, repos_text, "bootstrap_repositories.php").variable("REPOSITORIES")
    if not isinstance(repos, dict):
        ctx.findings.append(fnd.workspace_store(path, "defines no $REPOSITORIES array"))
        return ()
    statics, problems = static_workspaces(repos)
    ctx.warnings.extend(problems)
    return statics


def _php(ctx: _Context, text: str, name: str) -> PhpConfig:
    conf = evaluate(text, file_path=f"{ctx.conf}/{name}", constants=ctx.constants)
    for warning in conf.warnings:
        if any(routine in warning.message for routine in _ROUTINE):
            log.debug("conf/%s %s", name, warning)
        else:
            ctx.warnings.append(f"conf/{name} {warning}")
    return conf


def _data_path(ctx: _Context, legacy: LegacyConfig, read_text: ReadText) -> None:
    ctx.constants = {"AJXP_INSTALL_PATH": ctx.install, "AJXP_CONF_PATH": ctx.conf}
    text = read_text(Path(ctx.conf) / "bootstrap_context.php")
    if text is None and legacy.data_path is None:
        raise LegacyError(
            f"{ctx.conf}/bootstrap_context.php not found: set legacy.install_path to the folder "
            "that holds conf/ (Debian/RPM packages: /usr/share/pydio), or set legacy.data_path"
        )
    if text is not None:
        conf = evaluate(
            text, file_path=f"{ctx.conf}/bootstrap_context.php", constants=ctx.constants
        )
        ctx.constants = dict(conf.constants)
    found = ctx.constants.get("AJXP_DATA_PATH")
    if legacy.data_path is not None:
        ctx.data = str(legacy.data_path).rstrip("/") or "/"
    elif isinstance(found, str) and found:
        ctx.data = _rewrite(found.rstrip("/") or "/", ctx.rewrites)
    else:
        why = found.reason if isinstance(found, Unresolved) else 'no define("AJXP_DATA_PATH", …)'
        raise LegacyError(
            f"{ctx.conf}/bootstrap_context.php: AJXP_DATA_PATH cannot be read ({why}): "
            "set legacy.data_path to the Pydio data folder (the one holding plugins/)"
        )
    ctx.constants["AJXP_DATA_PATH"] = ctx.data


def _plugins_php(ctx: _Context, read_text: ReadText) -> Mapping[str, ConfValue]:
    text = read_text(Path(ctx.conf) / "bootstrap_plugins.php")
    if text is None:
        return {}
    value = _php(ctx, text, "bootstrap_plugins.php").variable("PLUGINS")
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def _bootstrap_json(
    ctx: _Context, legacy: LegacyConfig, read_text: ReadText
) -> Mapping[str, object] | None:
    path = Path(ctx.data) / BOOTSTRAP_JSON
    text = read_text(path)
    if text is None:
        if legacy.database_url is not None:
            ctx.warnings.append(
                f"{path} not found: legacy.database_url is set, so conf.sql + auth.sql in that "
                "database are assumed"
            )
            return None
        raise LegacyError(
            f"{path} not found: set legacy.data_path to the Pydio data folder (AJXP_DATA_PATH) "
            "or legacy.install_path to the install root"
        )
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise LegacyFormatError(f"{path} is not valid JSON: {exc}", subject=str(path)) from exc
    if not isinstance(data, dict):
        raise LegacyFormatError(f"{path} is not a JSON object", subject=str(path))
    return data


# --- drivers (§1.2, §1.3) -------------------------------------------------------------------


def _obj(value: object) -> dict[str, object]:
    """A JSON object / PHP array as a ``dict`` with text keys (anything else: empty)."""
    return {str(k): v for k, v in value.items()} if isinstance(value, Mapping) else {}


def _drivers(
    ctx: _Context,
    plugins: Mapping[str, ConfValue],
    bootstrap: Mapping[str, object] | None,
    legacy: LegacyConfig,
) -> _Drivers:
    """conf + auth drivers: 4.x ``$PLUGINS`` entries win over ``bootstrap.json`` (§1.3)."""
    core_conf, core_auth = (
        _obj((bootstrap or {}).get("core.conf")),
        _obj((bootstrap or {}).get("core.auth")),
    )
    sources = []
    if plugins.get("CONF_DRIVER"):
        conf_plugin, conf_opts = _legacy_entry("conf", plugins["CONF_DRIVER"])
        sources.append("conf/bootstrap_plugins.php")
    else:
        conf_plugin, conf_opts = _instance(core_conf.get("UNIQUE_INSTANCE_CONFIG"), "conf.sql")
    if plugins.get("AUTH_DRIVER"):
        (auth_plugin, auth_opts), slave, mode = _legacy_auth(plugins["AUTH_DRIVER"])
        sources.append("conf/bootstrap_plugins.php")
    else:
        (auth_plugin, auth_opts), slave, mode = _json_auth(core_auth)
    if len(sources) < 2 and bootstrap is not None:
        sources.append(str(Path(ctx.data) / BOOTSTRAP_JSON))
    if conf_plugin not in ("conf.sql", "conf.serial"):
        raise LegacyError(
            f"conf driver {conf_plugin!r} is not supported (conf.sql and conf.serial are)"
        )
    pre = core_conf.get("DIBI_PRECONFIGURATION")
    conf = _driver(ctx, conf_plugin, conf_opts, pre, legacy, "core.conf")
    auth = _driver(ctx, auth_plugin, auth_opts, pre, legacy, "core.auth master")
    auth_slave = _driver(ctx, *slave, pre, legacy, "core.auth slave") if slave else None
    plugins_in_use = {auth.plugin, auth_slave.plugin if auth_slave else ""}
    if not plugins_in_use & {"auth.sql", "auth.serial"}:
        ctx.warnings.append(
            f"auth driver {auth.plugin}: passwords are not stored locally; users will need a "
            "password reset on Cells"
        )
    serial = None
    if conf.kind == "serial":
        users_opts = auth_opts if auth.plugin == "auth.serial" else None
        if users_opts is None and slave and slave[0] == "auth.serial":
            users_opts = slave[1]
        serial = _serial_files(ctx, conf_opts, users_opts)
    return _Drivers(
        drivers_from=" + ".join(dict.fromkeys(sources)) or "legacy.database_url",
        conf=conf,
        auth=auth,
        auth_slave=auth_slave,
        multi_mode=(mode or None) if auth_slave else None,
        # auth.sql forces case-insensitive logins (CoreAuthLoader::getConfigs, §1.2)
        case_sensitive=_truthy(core_auth.get("CASE_SENSITIVE", True))
        and "auth.sql" not in plugins_in_use,
        serial=serial,
    )


_Entry = tuple[str, dict[str, object]]


def _json_auth(core_auth: Mapping[str, object]) -> tuple[_Entry, _Entry | None, str]:
    """``core.auth`` of bootstrap.json: master, optional slave, ``MULTI_MODE`` (§1.2)."""
    master = _instance(core_auth.get("MASTER_INSTANCE_CONFIG"), "auth.sql")
    slave_cfg = _obj(core_auth.get("SLAVE_INSTANCE_CONFIG"))
    slave = _instance(slave_cfg, "") if slave_cfg else None
    mode_cfg = _obj(core_auth.get("MULTI_MODE"))
    return (
        master,
        slave,
        str(mode_cfg.get("instance_name") or mode_cfg.get("group_switch_value") or ""),
    )


def _instance(value: object, default: str) -> _Entry:
    options = _obj(value)
    plugin = str(options.get("instance_name") or options.get("group_switch_value") or default)
    return plugin, options


def _legacy_entry(kind: str, value: object) -> _Entry:
    """A 4.x ``{"NAME": "serial", "OPTIONS": {…}}`` entry → (``conf.serial``, options)."""
    entry = _obj(value)
    return f"{kind}.{entry.get('NAME') or 'unknown'}", _obj(entry.get("OPTIONS"))


def _legacy_auth(value: object) -> tuple[_Entry, _Entry | None, str]:
    """``multi`` → master/slave as ``authLegacyToBootConf`` converts it (§1.3)."""
    plugin, options = _legacy_entry("auth", value)
    if plugin != "auth.multi":
        return (plugin, options), None, ""
    drivers = {k: _legacy_entry("auth", v) for k, v in _obj(options.get("DRIVERS")).items()}
    master_name = str(options.get("MASTER_DRIVER") or next(iter(drivers), ""))
    if master_name not in drivers:
        raise LegacyError(f"conf/bootstrap_plugins.php: multi auth without driver {master_name!r}")
    slaves = [v for k, v in drivers.items() if k != master_name]
    mode = str(options.get("MODE") or "USER_CHOICE")
    return drivers[master_name], (slaves[0] if slaves else None), mode


def _driver(
    ctx: _Context,
    plugin: str,
    options: Mapping[str, object],
    preconfiguration: object,
    legacy: LegacyConfig,
    what: str,
) -> DriverConfig:
    database = None
    if plugin.endswith(".sql"):
        database = _sql_database(ctx, options, preconfiguration, legacy, what)
    plain = tuple(
        (k, _text(v))
        for k, v in options.items()
        if not isinstance(v, Mapping | list) and not _SECRET_KEY.search(k)
    )
    return DriverConfig(plugin=plugin, database=database, options=plain)


def _sql_database(
    ctx: _Context,
    options: Mapping[str, object],
    preconfiguration: object,
    legacy: LegacyConfig,
    what: str,
) -> DatabaseUrl:
    sql_driver = _obj(options.get("SQL_DRIVER"))
    uses_core = "core" in (sql_driver.get("group_switch_value"), sql_driver.get("core_driver"))
    if legacy.database_url is not None and (uses_core or what == "core.conf" or not sql_driver):
        return url_from_string(legacy.database_url)
    try:
        return database_url(
            sql_driver or None,
            preconfiguration=preconfiguration,
            resolve_path=ctx.resolve,
            install_path=ctx.install,
            what=f"{what} SQL_DRIVER",
        )
    except LegacyError:
        if legacy.database_url is None:
            raise
        ctx.warnings.append(f"{what} SQL_DRIVER unreadable: legacy.database_url is used")
        return url_from_string(legacy.database_url)


def _serial_files(
    ctx: _Context, conf_opts: Mapping[str, object], users_opts: Mapping[str, object] | None
) -> SerialFiles:
    def path(options: Mapping[str, object] | None, key: str) -> str:
        value = (options or {}).get(key)
        return ctx.resolve(value if isinstance(value, str) and value else SERIAL_DEFAULTS[key])

    return SerialFiles(
        repositories_file=path(conf_opts, "REPOSITORIES_FILEPATH"),
        roles_file=path(conf_opts, "ROLES_FILEPATH"),
        users_dir=path(conf_opts, "USERS_DIRPATH"),
        users_file=path(users_opts, "USERS_FILEPATH") if users_opts is not None else None,
    )


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "no")
    return bool(value)


def _substitute(value: str, known: Mapping[str, str]) -> str:
    for name in sorted(known, key=len, reverse=True):
        value = value.replace(name, known[name])
    return value


def _rewrite(path: str, rewrites: tuple[tuple[str, str], ...]) -> str:
    """Apply the first ``path_rewrite`` whose ``from`` is a prefix (whole path segments)."""
    for source, target in rewrites:
        base = source.rstrip("/")
        if path == base or path.startswith(base + "/"):
            return target.rstrip("/") + path[len(base) :]
    return path
