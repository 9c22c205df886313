"""Read, merge and validate ``mappings/*.yaml`` into :class:`~migrate.mapping.rules.MappingRules`.

The only I/O of the mapping layer. The built-in ``migrate/data/mappings/default.yaml`` is
always loaded first; the files of ``mapping.files`` are merged over it in order, key by key
(nested mappings merge, values and lists are replaced, except ``exclude``/``force`` lists,
which add up). Every problem is reported at once in one :class:`ConfigError`, each naming
the file and the key path (``site.yaml: users.rename.Bob: …``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from migrate.errors import ConfigError
from migrate.mapping import ids
from migrate.mapping.rules import (
    DatasourceRules,
    DefaultRightsMode,
    DriverRule,
    MappingRules,
    Overrides,
    PathRewrite,
    RoleRules,
    ShareRules,
    StorageKind,
    UserRules,
    WorkspaceRules,
)

log = logging.getLogger(__name__)

BUILTIN_NAME = "<built-in>/mappings/default.yaml"
_UNION_KEYS = frozenset({"exclude", "force", "accept"})
_ACTIONS = frozenset({"read", "write", "deny"})
_PROFILES = frozenset({"admin", "standard", "shared"})
_SECTIONS: dict[str, frozenset[str]] = {
    "": frozenset(
        {"version", "drivers", "unknown_driver_reason", "rights", "profiles", "all_profiles",
         "roles", "workspaces", "datasources", "users", "groups", "paths", "audit",
         "shares"}
    ),
    "roles": frozenset(
        {"root_group_ids", "root_group_target", "user_role_prefix", "group_role_prefix",
         "reserved_ids", "reserved_prefixes", "cells_reserved_ids", "cells_id_prefix",
         "rename", "exclude", "force"}
    ),
    "workspaces": frozenset(
        {"skip_ids", "reserved_slugs", "default_rights", "personal_template_node",
         "label_max", "description_max", "labels", "rename", "exclude", "force"}
    ),
    "datasources": frozenset(
        {"name_prefix", "name_max_length", "reserved_names", "reserved_prefix", "min_depth",
         "normalize", "rename", "folders"}
    ),
    "users": frozenset(
        {"lowercase_logins", "tool_account_rights", "rename", "exclude", "force"}
    ),
    "groups": frozenset({"rename", "exclude", "force"}),
    "paths": frozenset({"variables", "rewrite"}),
    "audit": frozenset({"accept"}),  # read by migrate.audit (accepted differences)
    "shares": frozenset({"migrate_expired"}),
}  # fmt: skip


def builtin_text() -> str:
    """The text of the built-in ``default.yaml`` (package data)."""
    return resources.files("migrate").joinpath("data/mappings/default.yaml").read_text("utf-8")


def load_rules(
    files: Sequence[Path] = (),
    *,
    path_rewrite: Sequence[tuple[str, str]] = (),
    path_variables: Mapping[str, str] | None = None,
) -> MappingRules:
    """Load the built-in rules, merge ``files`` over them, validate, and build the rules.

    ``path_rewrite`` (``legacy.path_rewrite`` of the configuration, as ``(from, to)``) is
    added after the files' ``paths.rewrite``; ``path_variables`` (e.g. ``AJXP_DATA_PATH``
    found by the extractor) fill variables the files leave unset.

    Raises:
        ConfigError: a file is missing or not YAML, or a rule is invalid; ``problems``
            lists every issue as ``<file>: <key path>: <message>``.
    """
    merged: dict[str, Any] = {}
    origins: dict[str, str] = {}
    problems: list[str] = []
    sources = [BUILTIN_NAME]
    _merge(merged, _parse(builtin_text(), BUILTIN_NAME, problems), BUILTIN_NAME, origins, "")
    for path in files:
        text = _read(path, problems)
        if text is not None:
            _merge(merged, _parse(text, str(path), problems), str(path), origins, "")
            sources.append(str(path))
    if problems:
        raise ConfigError("mapping rules cannot be read", problems=tuple(problems))
    reader = _Reader(merged, origins, problems)
    rules = _build(reader, path_rewrite, path_variables or {}, tuple(sources))
    if problems:
        raise ConfigError("mapping rules are invalid", problems=tuple(problems))
    return rules


def _read(path: Path, problems: list[str]) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if path.as_posix().endswith("mappings/default.yaml"):
            # config.example.yaml lists it; the built-in copy is loaded already.
            log.info("%s not found; the built-in default rules are used", path)
            return ""
        problems.append(f"{path}: file not found")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: cannot be read ({exc.__class__.__name__})")
    return None


def _parse(text: str, name: str, problems: list[str]) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problems.append(f"{name}: not valid YAML{where}: {getattr(exc, 'problem', exc)}")
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(f"{name}: must hold a mapping of rule sections")
        return {}
    return data


def _merge(
    into: dict[str, Any], new: Mapping[str, Any], name: str, origins: dict[str, str], prefix: str
) -> None:
    for key, value in new.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value, name, origins, dotted + ".")
        elif key in _UNION_KEYS and isinstance(value, list) and isinstance(into.get(key), list):
            into[key] = into[key] + [v for v in value if v not in into[key]]
        else:
            into[key] = _copy(value)
        origins[dotted] = name
        if isinstance(value, dict):
            for sub in value:
                origins[f"{dotted}.{sub}"] = name


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


class _Reader:
    """Typed access to the merged rules; problems name the file a key came from."""

    def __init__(self, data: dict[str, Any], origins: dict[str, str], problems: list[str]):
        self.data = data
        self.origins = origins
        self.problems = problems

    def fail(self, dotted: str, message: str) -> None:
        origin = self.origins.get(dotted)
        while origin is None and "." in dotted:
            dotted_parent = dotted.rsplit(".", 1)[0]
            origin = self.origins.get(dotted_parent)
            if origin is None:
                dotted = dotted_parent
        self.problems.append(f"{origin or BUILTIN_NAME}: {dotted}: {message}")

    def fail_key(self, dotted: str, message: str) -> None:
        self.problems.append(f"{self.origins.get(dotted, BUILTIN_NAME)}: {dotted}: {message}")

    def get(self, dotted: str) -> Any:
        node: Any = self.data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def section(self, dotted: str) -> dict[str, Any]:
        value = self.get(dotted) if dotted else self.data
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(dotted, "must be a mapping")
            return {}
        allowed = _SECTIONS.get(dotted)
        if allowed is not None:
            for key in sorted(set(value) - allowed, key=str):
                self.fail_key(f"{dotted}.{key}" if dotted else str(key), "unknown key")
        return value

    def string(self, dotted: str, default: str, pattern: str | None = None) -> str:
        value = self.get(dotted)
        if value is None:
            return default
        if not isinstance(value, str) or (pattern and not re.fullmatch(pattern, value)):
            self.fail(dotted, "must be a string" + (f" matching {pattern}" if pattern else ""))
            return default
        return value

    def strings(self, dotted: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = self.get(dotted)
        if value is None:
            return default
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            self.fail(dotted, "must be a list of strings")
            return default
        return tuple(str(v) for v in value)

    def integer(self, dotted: str, default: int, low: int, high: int) -> int:
        value = self.get(dotted)
        if value is None:
            return default
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.fail(dotted, f"must be an integer from {low} to {high}")
            return default
        return value

    def boolean(self, dotted: str, default: bool) -> bool:
        value = self.get(dotted)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(dotted, "must be true or false")
            return default
        return value

    def str_map(self, dotted: str, check: tuple[str, Any] | None = None) -> dict[str, str]:
        value = self.get(dotted)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(dotted, "must be a mapping of key: value")
            return {}
        result: dict[str, str] = {}
        for key, item in value.items():
            if not isinstance(item, str | int) or isinstance(item, bool):
                self.fail(f"{dotted}.{key}", "must be a string")
            elif check is not None and not check[1](str(item)):
                self.fail(f"{dotted}.{key}", check[0])
            else:
                result[str(key)] = str(item)
        return result


def _overrides(r: _Reader, section: str, rename_check: tuple[str, Any] | None) -> Overrides:
    rename = r.str_map(f"{section}.rename", rename_check)
    return Overrides(
        rename=tuple(sorted(rename.items())),
        exclude=frozenset(r.strings(f"{section}.exclude")),
        force=frozenset(r.strings(f"{section}.force")),
    )


def _drivers(r: _Reader) -> tuple[DriverRule, ...]:
    result: list[DriverRule] = []
    for name, spec in sorted(r.section("drivers").items(), key=lambda kv: str(kv[0])):
        dotted = f"drivers.{name}"
        if not isinstance(spec, dict):
            r.fail(dotted, "must be {storage: LOCAL|S3|skip, reason: ...}")
            continue
        storage = spec.get("storage")
        if storage not in {s.value for s in StorageKind}:
            r.fail(f"{dotted}.storage", "must be LOCAL, S3 or skip")
            continue
        reason = spec.get("reason", "")
        if storage == StorageKind.SKIP and not (isinstance(reason, str) and reason):
            r.fail(f"{dotted}.reason", "is required when storage is skip (it is shown in reports)")
            continue
        result.append(
            DriverRule(driver=str(name), storage=StorageKind(storage), reason=str(reason))
        )
    return tuple(result)


def _rights(r: _Reader) -> tuple[tuple[str, tuple[str, ...]], ...]:
    result = []
    for value, actions in sorted(r.section("rights").items(), key=lambda kv: str(kv[0])):
        if not (isinstance(actions, list) and actions and set(actions) <= _ACTIONS):
            r.fail(f"rights.{value}", "must be a non-empty list of read, write, deny")
            continue
        result.append((str(value), tuple(actions)))
    return tuple(result)


def _profiles(r: _Reader) -> tuple[tuple[str, str | None], ...]:
    result: list[tuple[str, str | None]] = []
    for legacy, cells in sorted(r.section("profiles").items(), key=lambda kv: str(kv[0])):
        if cells is not None and cells not in _PROFILES:
            r.fail(f"profiles.{legacy}", "must be admin, standard, shared or null")
            continue
        result.append((str(legacy), cells))
    return tuple(result)


def _roles(r: _Reader) -> RoleRules:
    r.section("roles")
    d = RoleRules()
    return RoleRules(
        root_group_ids=r.strings("roles.root_group_ids", d.root_group_ids),
        root_group_target=r.string("roles.root_group_target", d.root_group_target),
        user_role_prefix=r.string("roles.user_role_prefix", d.user_role_prefix),
        group_role_prefix=r.string("roles.group_role_prefix", d.group_role_prefix),
        reserved_ids=frozenset(r.strings("roles.reserved_ids", tuple(d.reserved_ids))),
        reserved_prefixes=r.strings("roles.reserved_prefixes", d.reserved_prefixes),
        cells_reserved_ids=frozenset(
            r.strings("roles.cells_reserved_ids", tuple(d.cells_reserved_ids))
        ),
        cells_id_prefix=r.string("roles.cells_id_prefix", d.cells_id_prefix),
        overrides=_overrides(r, "roles", ("must be a non-empty role id", bool)),
    )


def _workspaces(r: _Reader) -> WorkspaceRules:
    r.section("workspaces")
    d = WorkspaceRules()
    mode = r.string("workspaces.default_rights", d.default_rights.value, "attribute|drop")
    return WorkspaceRules(
        skip_ids=frozenset(r.strings("workspaces.skip_ids", tuple(d.skip_ids))),
        reserved_slugs=frozenset(r.strings("workspaces.reserved_slugs", tuple(d.reserved_slugs))),
        default_rights=DefaultRightsMode(mode),
        personal_template_node=r.string(
            "workspaces.personal_template_node", d.personal_template_node, r"[^/\s]+"
        ),
        label_max=r.integer("workspaces.label_max", d.label_max, 1, 500),
        description_max=r.integer("workspaces.description_max", d.description_max, 0, 1000),
        labels=tuple(sorted(r.str_map("workspaces.labels", _LABEL_CHECK).items())),
        overrides=_overrides(
            r, "workspaces", ("must be a valid slug (a-z, 0-9, '-')", ids.is_valid_slug)
        ),
    )


_LABEL_CHECK = ("must be a label of 1 to 500 characters", lambda v: 0 < len(v.strip()) <= 500)


def _datasource_folders(r: _Reader) -> tuple[str, ...]:
    folders = r.strings("datasources.folders", ())
    for folder in folders:
        if not folder.startswith("/") or len([p for p in folder.split("/") if p]) < 2:
            r.fail("datasources.folders", f"{folder!r} must be an absolute folder two levels deep")
    return tuple(sorted({f.rstrip("/") for f in folders}))


def _datasources(r: _Reader) -> DatasourceRules:
    r.section("datasources")
    d = DatasourceRules()
    rename = r.str_map(
        "datasources.rename", ("must match ^[0-9a-z]+$", ids.is_valid_datasource_name)
    )
    for folder in rename:
        if not folder.startswith("/"):
            r.fail(f"datasources.rename.{folder}", "key must be an absolute folder")
    return DatasourceRules(
        name_prefix=r.string("datasources.name_prefix", d.name_prefix, "[0-9a-z]*"),
        name_max_length=r.integer("datasources.name_max_length", d.name_max_length, 1, 128),
        reserved_names=frozenset(r.strings("datasources.reserved_names", tuple(d.reserved_names))),
        reserved_prefix=r.string("datasources.reserved_prefix", d.reserved_prefix, "[0-9a-z]+"),
        min_depth=r.integer("datasources.min_depth", d.min_depth, 1, 64),
        normalize=r.string("datasources.normalize", d.normalize, "true|false"),
        rename=tuple(sorted((f.rstrip("/") or "/", n) for f, n in rename.items())),
        folders=_datasource_folders(r),
    )


def _paths(
    r: _Reader, extra_rewrite: Sequence[tuple[str, str]], extra_vars: Mapping[str, str]
) -> tuple[tuple[tuple[str, str], ...], tuple[PathRewrite, ...]]:
    r.section("paths")
    variables = dict(extra_vars)
    variables.update(
        r.str_map("paths.variables", ("must be an absolute path", lambda v: v.startswith("/")))
    )
    for name in variables:
        if not name.startswith("AJXP_"):
            r.fail(f"paths.variables.{name}", "must name an AJXP_* path variable")
    rewrites: list[PathRewrite] = []
    raw = r.get("paths.rewrite") or []
    if not isinstance(raw, list):
        r.fail("paths.rewrite", "must be a list of {from: /old, to: /new}")
        raw = []
    for index, item in enumerate(raw):
        ok = isinstance(item, dict) and set(item) == {"from", "to"}
        if not ok or not all(isinstance(item[k], str) and item[k].startswith("/") for k in item):
            r.fail(f"paths.rewrite[{index}]", "must be {from: /old/prefix, to: /new/prefix}")
            continue
        rewrites.append(PathRewrite(source=item["from"], target=item["to"]))
    rewrites += [PathRewrite(source=s, target=t) for s, t in extra_rewrite]
    return tuple(sorted(variables.items())), tuple(rewrites)


def _build(
    r: _Reader,
    extra_rewrite: Sequence[tuple[str, str]],
    extra_vars: Mapping[str, str],
    sources: tuple[str, ...],
) -> MappingRules:
    r.section("")
    if r.get("version") != 1:
        r.fail("version", "must be 1")
    all_profiles = r.strings("all_profiles", MappingRules().all_profiles)
    if not set(all_profiles) <= _PROFILES:
        r.fail("all_profiles", "must list admin, standard, shared only")
    r.section("users")
    users = UserRules(
        lowercase_logins=r.boolean("users.lowercase_logins", True),
        tool_account_rights=r.boolean("users.tool_account_rights", False),
        overrides=_overrides(r, "users", ("must be a login without '/'", _valid_login)),
    )
    r.section("groups")
    r.section("shares")
    shares = ShareRules(migrate_expired=r.boolean("shares.migrate_expired", False))
    r.section("audit")  # its entries are checked by migrate.audit, which reads them
    variables, rewrites = _paths(r, extra_rewrite, extra_vars)
    return MappingRules(
        drivers=_drivers(r),
        unknown_driver_reason=r.string(
            "unknown_driver_reason", MappingRules().unknown_driver_reason
        ),
        rights=_rights(r),
        profiles=_profiles(r),
        all_profiles=all_profiles,
        roles=_roles(r),
        workspaces=_workspaces(r),
        datasources=_datasources(r),
        users=users,
        groups=_overrides(r, "groups", ("must be a group label without '/'", _valid_login)),
        shares=shares,
        path_variables=variables,
        path_rewrite=rewrites,
        sources=sources,
    )


def _valid_login(value: str) -> bool:
    return bool(value.strip()) and "/" not in value
