"""Static workspaces of ``conf/bootstrap_repositories.php`` as model records (legacy-model.md §8.4).

Pure: takes the evaluated ``$REPOSITORIES`` array. The id of a static workspace is its array
key (``0``, ``1``, ``ajxp_home`` …, §8.1); it is read-only (``writeable=False``); its
``path`` keeps Pydio's placeholders (``AJXP_DATA_PATH/files``) exactly like a DB row's does,
to be resolved by :meth:`migrate.legacy.bootstrap.LegacyInstall.resolve_path`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from migrate.legacy.model import (
    SECRET_OPTION_NAMES,
    LegacyMap,
    LegacyValue,
    LegacyWorkspace,
    WorkspaceSource,
)
from migrate.legacy.phparray import ConfValue, Unresolved
from migrate.secret import Secret

__all__ = ["static_workspaces"]

# legacy top-level keys still accepted (RepositoryService::createRepositoryFromArrayInst)
_TOP_LEVEL_OPTIONS = ("PATH", "CREATE", "RECYCLE_BIN")


def static_workspaces(repositories: ConfValue) -> tuple[tuple[LegacyWorkspace, ...], list[str]]:
    """Convert ``$REPOSITORIES``; returns the workspaces and warnings (unreadable entries)."""
    warnings: list[str] = []
    if repositories is None:
        return (), ["conf/bootstrap_repositories.php defines no $REPOSITORIES"]
    if not isinstance(repositories, dict):
        return (), ["conf/bootstrap_repositories.php: $REPOSITORIES is not an array"]
    result = []
    for key, entry in repositories.items():
        if not isinstance(entry, dict):
            warnings.append(f"static workspace {key!s}: not an array, ignored")
            continue
        result.append(_workspace(str(key), entry, warnings))
    return tuple(result), warnings


def _workspace(
    workspace_id: str, entry: Mapping[int | str, ConfValue], warnings: list[str]
) -> LegacyWorkspace:
    raw_options = entry.get("DRIVER_OPTIONS")
    options: dict[int | str, ConfValue] = dict(raw_options) if isinstance(raw_options, dict) else {}
    for name in _TOP_LEVEL_OPTIONS:
        if name in entry and name not in options:
            options[name] = entry[name]
    plain: list[tuple[str, LegacyValue]] = []
    secrets: list[tuple[str, Secret]] = []
    for key, value in options.items():
        name = str(key)
        converted = _value(value, f"static workspace {workspace_id} option {name}", warnings)
        if name in SECRET_OPTION_NAMES:
            secrets.append((name, Secret("" if converted is None else str(converted))))
        else:
            plain.append((name, converted))
    display = _str(entry.get("DISPLAY")) or workspace_id
    slug = _str(entry.get("AJXP_SLUG")) or _str(options.get("AJXP_SLUG")) or _slugify(display)
    path = options.get("PATH")
    return LegacyWorkspace(
        workspace_id=workspace_id,
        slug=slug,
        display=display,
        driver=_str(entry.get("DRIVER")) or "",
        source=WorkspaceSource.STATIC,
        path=path if isinstance(path, str) and path else None,
        options=LegacyMap(items=tuple(plain)),
        secret_options=tuple(secrets),
        is_template=_truthy(entry.get("IS_TEMPLATE")),
        writeable=False,  # static workspaces are read-only (§8.1)
        create=_truthy(options.get("CREATE")),
    )


def _value(value: ConfValue, where: str, warnings: list[str]) -> LegacyValue:
    if isinstance(value, Unresolved):
        warnings.append(f"{where} cannot be evaluated ({value.reason}): left empty")
        return None
    if isinstance(value, dict):
        return LegacyMap(
            items=tuple((str(k), _value(v, f"{where}/{k}", warnings)) for k, v in value.items())
        )
    return value


def _str(value: ConfValue) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _truthy(value: ConfValue) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false")
    return bool(value) and not isinstance(value, Unresolved)


def _slugify(text: str) -> str:
    """Pydio derives a missing slug from the label (``StringHelper::slugify``)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "workspace"
