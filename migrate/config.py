"""Load and validate the cells-migrate configuration.

Precedence, highest first: ``overrides`` (CLI flags) > ``CELLS_MIGRATE__SECTION__KEY``
environment variables > the YAML file > defaults. ``${VAR}`` inside the YAML is replaced from
the environment, and an unset variable is an error. Secrets (tokens, passwords, client
secrets, passwords inside database URLs) never sit in the YAML itself: they come from
``${VAR}``, an environment override or a ``*_file`` key. Every problem found is reported at
once, each naming its key; unknown keys are errors so a typo never falls back to a default.
"""

from __future__ import annotations

import contextlib
import difflib
import logging
import math
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import yaml

from migrate.errors import ConfigError
from migrate.secret import Secret, readable_by_others

log = logging.getLogger(__name__)

ENV_PREFIX = "CELLS_MIGRATE__"
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_E = TypeVar("_E", bound=StrEnum)


class AuthMethod(StrEnum):
    """How the tool authenticates to Cells."""

    PAT = "pat"
    PASSWORD = "password"  # noqa: S105 - a method name, not a password
    OAUTH2 = "oauth2"


class PasswordStrategy(StrEnum):
    """What happens to legacy passwords (DESIGN.md "Passwords")."""

    KEEP_HASH = "keep-hash"
    RESET = "reset"
    RANDOM = "random"


@dataclass(frozen=True, slots=True, kw_only=True)
class PathRewrite:
    """Replace the legacy path prefix ``source`` by ``target`` (the data moved hosts)."""

    source: str
    target: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LegacyConfig:
    """Where the legacy install is and how to read it."""

    install_path: Path
    data_path: Path | None = None
    database_url: Secret | None = field(default=None, repr=False)
    path_rewrite: tuple[PathRewrite, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class TlsConfig:
    """TLS towards Cells: verified unless ``verify`` is false (which warns loudly)."""

    verify: bool = True
    ca_bundle: Path | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthConfig:
    """Credentials for Cells; secrets are ``Secret`` values."""

    method: AuthMethod = AuthMethod.PAT
    token: Secret | None = field(default=None, repr=False)
    login: str | None = None
    password: Secret | None = field(default=None, repr=False)
    client_id: str = "cells-client"
    client_secret: Secret | None = field(default=None, repr=False)
    token_file: Path | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CellsConfig:
    """The target Cells server."""

    url: str
    auth: AuthConfig = field(default_factory=AuthConfig)
    tls: TlsConfig = field(default_factory=TlsConfig)
    concurrency: int = 4
    timeout_s: float = 30.0
    max_response_mb: float = 64.0
    # How long a new datasource may stay unserved ("Could not find DataSource") before it
    # fails with Cells' reason (issue 11: a create answered 200 may never start).
    datasource_start_timeout_s: float = 300.0


@dataclass(frozen=True, slots=True, kw_only=True)
class MappingConfig:
    """Mapping tables, later files overriding earlier ones."""

    files: tuple[Path, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordsConfig:
    """Password strategy and what it needs."""

    strategy: PasswordStrategy = PasswordStrategy.RESET
    cells_database_url: Secret | None = field(default=None, repr=False)
    random_passwords_file: Path | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StateConfig:
    """The checkpoint database."""

    url: Secret = field(default_factory=lambda: Secret("sqlite:///cells-migrate-state.db"))


ACCEPT_MATCH_KEYS = ("user", "change", "location", "workspace", "legacy", "cells", "link")
"""What an ``audit.accept`` entry may match on (shell-style patterns); ``reason`` is required."""
ACCEPT_CHANGES = ("lost", "widened", "changed")


@dataclass(frozen=True, slots=True, kw_only=True)
class AcceptRule:
    """A known, explained difference the access audit shows as accepted (``audit.accept``).

    Each set field is a shell-style pattern that must match: ``user`` (legacy or Cells
    login), ``change`` (lost, widened, changed), ``location`` (``file:/srv/...``),
    ``workspace`` (legacy id or label, Cells slug), ``legacy``/``cells`` (where the rights
    come from, as the report words it), ``link`` (a public link's hash: the rule then
    applies to links only). ``origin`` says where the rule was written.
    """

    reason: str
    origin: str = ""
    user: str | None = None
    change: str | None = None
    location: str | None = None
    workspace: str | None = None
    legacy: str | None = None
    cells: str | None = None
    link: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditConfig:
    """The access audit: differences accepted with a reason."""

    accept: tuple[AcceptRule, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """The whole validated configuration."""

    legacy: LegacyConfig
    cells: CellsConfig
    mapping: MappingConfig = field(default_factory=MappingConfig)
    passwords: PasswordsConfig = field(default_factory=PasswordsConfig)
    state: StateConfig = field(default_factory=StateConfig)
    audit: AuditConfig = field(default_factory=AuditConfig)
    source: Path | None = None


# Every allowed key, by section: the schema the validation and the example file follow.
SCHEMA: dict[str, tuple[str, ...]] = {
    "legacy": ("install_path", "data_path", "database_url", "path_rewrite"),
    "cells": (
        "url",
        "auth",
        "tls",
        "concurrency",
        "timeout_s",
        "max_response_mb",
        "datasource_start_timeout_s",
    ),
    "cells.auth": (
        "method",
        "token",
        "login",
        "password",
        "password_file",
        "client_id",
        "client_secret",
        "client_secret_file",
        "token_file",
    ),
    "cells.tls": ("verify", "ca_bundle"),
    "mapping": ("files",),
    "passwords": ("strategy", "cells_database_url", "random_passwords_file"),
    "state": ("url",),
    "audit": ("accept",),
}
_SECRET_KEYS = frozenset({"cells.auth.token", "cells.auth.password", "cells.auth.client_secret"})
_URL_KEYS = frozenset({"legacy.database_url", "passwords.cells_database_url", "state.url"})


def load_config(
    path: Path | None,
    env: Mapping[str, str],
    overrides: Mapping[str, object] | None = None,
) -> Config:
    """Load ``path`` (YAML), apply ``env`` and ``overrides``, validate, and return the Config.

    ``env`` is passed in (never read from ``os.environ`` here) so tests give a dict.
    ``overrides`` maps dotted keys (``cells.url``) to values. Raises ``ConfigError`` listing
    every problem found, each naming its key.
    """
    problems: list[str] = []
    raw: dict[str, Any] = {}
    literal_keys: set[str] = set()
    if path is not None:
        raw = _read_yaml(path)
        literal_keys = _literal_keys(raw)
        raw = _expand(raw, env, "", problems)
    for key, value in _env_overrides(env).items():
        _set_dotted(raw, key, value)
        literal_keys.discard(key)
    for key, value in (overrides or {}).items():
        _set_dotted(raw, key, value)
        literal_keys.discard(key)
    _check_unknown(raw, "", problems)
    _check_literal_secrets(raw, literal_keys, problems)
    base = path.parent.resolve() if path is not None else Path.cwd()
    config = _build(raw, base, problems, path)
    if problems or config is None:
        where = f" in {path}" if path else ""
        raise ConfigError(f"invalid configuration{where}", problems=tuple(problems))
    return config


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the configuration file {path}: {exc.strerror}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping of sections (legacy:, cells:, ...)")
    return data


def _literal_keys(raw: Mapping[str, Any], prefix: str = "") -> set[str]:
    """Dotted keys whose YAML value is a plain string without any ``${VAR}``."""
    found: set[str] = set()
    for key, value in raw.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            found |= _literal_keys(value, dotted + ".")
        elif isinstance(value, str) and not _VAR.search(value):
            found.add(dotted)
    return found


def _expand(value: Any, env: Mapping[str, str], key: str, problems: list[str]) -> Any:
    if isinstance(value, dict):
        return {
            k: _expand(v, env, f"{key}.{k}" if key else str(k), problems) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_expand(v, env, f"{key}[{i}]", problems) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            problems.append(f"{key}: environment variable {name} is not set (export {name}=...)")
            return ""
        return env[name]

    return _VAR.sub(substitute, value)


def _env_overrides(env: Mapping[str, str]) -> dict[str, object]:
    """``CELLS_MIGRATE__CELLS__URL=x`` → ``{"cells.url": "x"}``; values parsed as YAML scalars."""
    found: dict[str, object] = {}
    for name, text in env.items():
        if not name.startswith(ENV_PREFIX):
            continue
        dotted = ".".join(part.lower() for part in name[len(ENV_PREFIX) :].split("__"))
        try:
            value: object = yaml.safe_load(text) if text else ""
        except yaml.YAMLError:
            value = text
        # A secret or URL must stay the exact string given, even if it looks like a number.
        if dotted in _SECRET_KEYS or dotted in _URL_KEYS or isinstance(value, (dict, list)):
            value = text
        found[dotted] = value
    return found


def _set_dotted(raw: dict[str, Any], dotted: str, value: object) -> None:
    node = raw
    *parents, last = dotted.split(".")
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[last] = value


def _check_unknown(raw: Mapping[str, Any], prefix: str, problems: list[str]) -> None:
    allowed = SCHEMA.get(prefix.rstrip("."), tuple(s for s in SCHEMA if "." not in s))
    for key, value in raw.items():
        dotted = f"{prefix}{key}"
        if key not in allowed:
            hint = difflib.get_close_matches(str(key), allowed, n=1)
            suggestion = f" (did you mean {prefix}{hint[0]}?)" if hint else ""
            problems.append(f"{dotted}: unknown key{suggestion}")
        elif dotted in SCHEMA:
            if isinstance(value, dict):
                _check_unknown(value, dotted + ".", problems)
            elif value is not None:
                problems.append(f"{dotted}: must be a mapping of keys")


def _check_literal_secrets(raw: Mapping[str, Any], literal: set[str], problems: list[str]) -> None:
    for key in sorted(literal & _SECRET_KEYS):
        env_name = ENV_PREFIX + key.upper().replace(".", "__")
        problems.append(
            f"{key}: a secret must not be written in the YAML file; use ${{VAR}}, "
            f"{env_name}, or {key.rsplit('.', 1)[1]}_file"
        )
    for key in sorted(literal & _URL_KEYS):
        value = _get_dotted(raw, key)
        if isinstance(value, str) and _url_password(value):
            problems.append(
                f"{key}: the URL holds a password written in the YAML file; "
                "write it as ${VAR} (e.g. mysql+pymysql://user:${DB_PASSWORD}@host/db)"
            )


def _get_dotted(raw: Mapping[str, Any], dotted: str) -> object:
    node: object = raw
    for part in dotted.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def _url_password(url: str) -> bool:
    rest = url.partition("://")[2]
    userinfo = rest.partition("/")[0].rpartition("@")[0]
    return ":" in userinfo and bool(userinfo.split(":", 1)[1])


class _Section:
    """Typed access to one YAML section that records problems instead of raising."""

    def __init__(self, raw: object, name: str, problems: list[str], base: Path) -> None:
        self.data: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        self.name = name
        self.problems = problems
        self.base = base

    def _fail(self, key: str, message: str) -> None:
        self.problems.append(f"{self.name}.{key}: {message}")

    def text(self, key: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                self._fail(key, "is required")
            return default
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self._fail(key, f"must be a string, got {type(value).__name__}")
            return default
        return str(value)

    def path(self, key: str, *, required: bool = False) -> Path | None:
        value = self.text(key, required=required)
        if value is None:
            return None
        if "\x00" in value:
            self._fail(key, "must be a file path (it holds a NUL character)")
            return None
        return _resolve(Path(value), self.base)

    def url(self, key: str) -> Secret | None:
        """A database URL (secret: it may hold a password): scheme and port checked."""
        value = self.secret(key)
        if value is not None:
            problem = url_problem(value.reveal(), database=True)
            if problem:
                self._fail(key, problem)
        return value

    def secret(self, key: str, *, file_key: str | None = None) -> Secret | None:
        value = self.text(key)
        if value is not None:
            return Secret(value)
        file_path = self.path(file_key) if file_key is not None else None
        if file_path is None or file_key is None:
            return None
        text = self.read_file(file_key, file_path)
        return Secret(text.strip()) if text is not None else None

    def read_file(self, key: str, path: Path) -> str | None:
        """A secret file's text (a problem when unreadable; a warning when others may read
        it: the file is someone's keys)."""
        try:
            text = path.read_text(encoding="utf-8")
            mode = path.stat().st_mode
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            self._fail(key, f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}")
            return None
        if readable_by_others(mode):
            log.warning(
                "%s.%s: %s is readable by others (mode %04o): chmod 600 %s",
                self.name,
                key,
                path,
                stat.S_IMODE(mode),
                path,
            )
        return text

    def number(self, key: str, default: float, *, minimum: float, integer: bool = False) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            try:
                value = int(value) if integer else float(value)
            except (TypeError, ValueError):
                self._fail(key, f"must be a number, got {value!r}")
                return default
        if not math.isfinite(value):
            self._fail(key, f"must be a finite number, got {value}")
            return default
        if integer and value != int(value):
            self._fail(key, f"must be a whole number, got {value}")
        if value < minimum:
            self._fail(key, f"must be at least {minimum}, got {value}")
            return default
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self._fail(key, f"must be true or false, got {value!r}")
            return default
        return value

    def choice(self, key: str, enum: type[_E], default: _E) -> _E:
        value = self.data.get(key, default.value)
        try:
            return enum(value)
        except ValueError:
            allowed = " | ".join(member.value for member in enum)
            self._fail(key, f"must be one of {allowed}, got {value!r}")
            return default


def _build(
    raw: Mapping[str, Any], base: Path, problems: list[str], source: Path | None
) -> Config | None:
    legacy = _build_legacy(_Section(raw.get("legacy"), "legacy", problems, base))
    cells = _build_cells(_Section(raw.get("cells"), "cells", problems, base), raw, base, problems)
    passwords = _build_passwords(_Section(raw.get("passwords"), "passwords", problems, base))
    mapping_section = _Section(raw.get("mapping"), "mapping", problems, base)
    files = mapping_section.data.get("files", [])
    if not isinstance(files, list) or not all(
        isinstance(f, str) and "\x00" not in f for f in files
    ):
        problems.append("mapping.files: must be a list of file paths")
        files = []
    mapping = MappingConfig(files=tuple(_resolve(Path(f), base) for f in files))
    state_section = _Section(raw.get("state"), "state", problems, base)
    state_url = state_section.text("url", "sqlite:///cells-migrate-state.db")
    problem = url_problem(state_url or "", database=True)
    if problem:
        state_section._fail("url", problem)
    state = StateConfig(url=Secret(state_url or "sqlite:///cells-migrate-state.db"))
    audit_section = _Section(raw.get("audit"), "audit", problems, base)
    audit = AuditConfig(
        accept=parse_accept_rules(audit_section.data.get("accept"), "audit.accept", problems)
    )
    if legacy is None or cells is None:
        return None
    return Config(
        legacy=legacy,
        cells=cells,
        mapping=mapping,
        passwords=passwords,
        state=state,
        audit=audit,
        source=source,
    )


def parse_accept_rules(raw: object, where: str, problems: list[str]) -> tuple[AcceptRule, ...]:
    """``audit.accept`` entries (from the configuration or a mapping file) as rules.

    Every entry needs a non-empty ``reason`` and at least one key to match on; unknown keys
    and non-string values are problems naming ``where[i].key``.
    """
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(f"{where}: must be a list of {{<match keys>, reason: ...}}")
        return ()
    rules: list[AcceptRule] = []
    for index, item in enumerate(raw):
        key = f"{where}[{index}]"
        if not isinstance(item, Mapping):
            problems.append(f"{key}: must be a mapping with a reason")
            continue
        problem = _accept_problem(item)
        if problem:
            problems.append(f"{key}{problem}")
            continue
        values = {str(k): str(v) for k, v in item.items()}
        rules.append(AcceptRule(origin=key, **values))
    return tuple(rules)


def _accept_problem(item: Mapping[object, object]) -> str:
    """What is wrong with one ``audit.accept`` entry ("" when nothing), after its key."""
    bad = [str(k) for k in item if k not in (*ACCEPT_MATCH_KEYS, "reason")]
    if bad:
        return f".{bad[0]}: unknown key (use {', '.join(ACCEPT_MATCH_KEYS)}, reason)"
    if any(not isinstance(v, str) or not v.strip() for v in item.values()):
        return ": every value must be a non-empty string"
    if "reason" not in item:
        return ".reason: is required (why this difference is accepted)"
    if len(item) < 2:
        return f": needs at least one of {', '.join(ACCEPT_MATCH_KEYS)}"
    if item.get("change", "lost") not in ACCEPT_CHANGES:
        return f".change: must be one of {', '.join(ACCEPT_CHANGES)}"
    return ""


def _resolve(path: Path, base: Path) -> Path:
    with contextlib.suppress(RuntimeError):  # ~user that does not exist: kept as written
        path = path.expanduser()
    return path if path.is_absolute() else base / path


def url_problem(url: str, *, database: bool = False) -> str | None:
    """What is wrong with ``url`` (None when fine): no scheme, or a port that is not a
    number between 1 and 65535. The URL itself is never quoted (it may hold a password)."""
    scheme, sep, rest = url.partition("://")
    if not sep or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        example = "mysql+pymysql://user@host/db" if database else "https://cells.example.com"
        return f"must be a URL such as {example}"
    hostport = rest.partition("/")[0].rpartition("@")[2]
    if hostport.startswith("["):  # [IPv6]:port
        hostport = hostport.partition("]")[2]
    port = hostport.rpartition(":")[2] if ":" in hostport else ""
    if ":" in hostport and not (port.isdigit() and 0 < int(port) < 65536):
        return f"has an invalid port {port[:12]!r}: a number from 1 to 65535"
    return None


def _build_legacy(section: _Section) -> LegacyConfig | None:
    install_path = section.path("install_path", required=True)
    rewrites: list[PathRewrite] = []
    items = section.data.get("path_rewrite") or []
    if not isinstance(items, list):
        section._fail("path_rewrite", "must be a list of {from: /old/prefix, to: /new/prefix}")
        items = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping) or not {"from", "to"} <= set(item):
            section._fail(f"path_rewrite[{index}]", "must be {from: /old/prefix, to: /new/prefix}")
            continue
        rewrites.append(PathRewrite(source=str(item["from"]), target=str(item["to"])))
    if install_path is None:
        return None
    return LegacyConfig(
        install_path=install_path,
        data_path=section.path("data_path"),
        database_url=section.url("database_url"),
        path_rewrite=tuple(rewrites),
    )


def _build_cells(
    section: _Section, raw: Mapping[str, Any], base: Path, problems: list[str]
) -> CellsConfig | None:
    url = section.text("url", required=True)
    if url is not None and not re.match(r"^https?://[^/\s]+", url):
        section._fail("url", f"must start with http:// or https://, got {url[:60]!r}")
    elif url is not None and url_problem(url):
        section._fail("url", str(url_problem(url)))
    cells_value = raw.get("cells")
    cells_raw: Mapping[str, Any] = cells_value if isinstance(cells_value, Mapping) else {}
    auth = _build_auth(_Section(cells_raw.get("auth"), "cells.auth", problems, base))
    tls_section = _Section(cells_raw.get("tls"), "cells.tls", problems, base)
    tls = TlsConfig(
        verify=tls_section.flag("verify", True), ca_bundle=tls_section.path("ca_bundle")
    )
    if tls.ca_bundle is not None and not tls.ca_bundle.is_file():
        tls_section._fail("ca_bundle", f"{tls.ca_bundle} does not exist")
    if tls.ca_bundle is not None and not tls.verify:
        tls_section._fail(
            "verify",
            "false contradicts ca_bundle (which verifies against your CA): remove one of them",
        )
    concurrency = int(section.number("concurrency", 4, minimum=1, integer=True))
    timeout_s = float(section.number("timeout_s", 30.0, minimum=1))
    max_mb = float(section.number("max_response_mb", 64.0, minimum=1))
    start_s = float(section.number("datasource_start_timeout_s", 300.0, minimum=0))
    if url is None:
        return None
    return CellsConfig(
        url=url.rstrip("/"),
        auth=auth,
        tls=tls,
        concurrency=concurrency,
        timeout_s=timeout_s,
        max_response_mb=max_mb,
        datasource_start_timeout_s=start_s,
    )


def _build_auth(section: _Section) -> AuthConfig:
    method = section.choice("method", AuthMethod, AuthMethod.PAT)
    auth = AuthConfig(
        method=method,
        token=section.secret("token"),
        login=section.text("login"),
        password=section.secret("password", file_key="password_file"),
        client_id=section.text("client_id", "cells-client") or "cells-client",
        client_secret=section.secret("client_secret", file_key="client_secret_file"),
        token_file=section.path("token_file"),
    )
    if method is AuthMethod.PAT:
        _check_pat(section, auth)
    if method is AuthMethod.PASSWORD and (auth.login is None or auth.password is None):
        section._fail("password", "login and password are required for method password")
    if method is AuthMethod.OAUTH2 and auth.token_file is None:
        section._fail("token_file", "is required for method oauth2 (where rotated tokens are kept)")
    return auth


def _check_pat(section: _Section, auth: AuthConfig) -> None:
    if auth.token is None and auth.token_file is None:
        section._fail("token", "is required for method pat (token: ${CELLS_TOKEN} or token_file)")
    elif auth.token is not None and auth.token_file is not None:
        section._fail("token_file", "give the PAT as token or as token_file, not both")
    elif auth.token_file is not None:
        text = section.read_file("token_file", auth.token_file)
        if text is not None and not text.strip():
            section._fail("token_file", f"{auth.token_file} is empty: put the PAT in it")


def _build_passwords(section: _Section) -> PasswordsConfig:
    strategy = section.choice("strategy", PasswordStrategy, PasswordStrategy.RESET)
    config = PasswordsConfig(
        strategy=strategy,
        cells_database_url=section.url("cells_database_url"),
        random_passwords_file=section.path("random_passwords_file"),
    )
    if strategy is PasswordStrategy.KEEP_HASH and config.cells_database_url is None:
        section._fail("cells_database_url", "is required for strategy keep-hash")
    if strategy is PasswordStrategy.RANDOM and config.random_passwords_file is None:
        section._fail("random_passwords_file", "is required for strategy random")
    return config
