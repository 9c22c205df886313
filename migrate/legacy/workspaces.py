"""Build :class:`~migrate.legacy.model.LegacyWorkspace` records from ``ajxp_repo`` rows.

Pure: the SQL reader hands over the row (column names lower-cased) and its option rows.
Facts: ``spec/legacy-model.md`` §2.1 (columns), §3 and §8.2 (option encodings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from migrate.errors import LegacyFormatError
from migrate.legacy import findings as fnd
from migrate.legacy.model import (
    SECRET_OPTION_NAMES,
    Finding,
    FindingKind,
    LegacyMap,
    LegacyValue,
    LegacyWorkspace,
    WorkspaceSource,
)
from migrate.legacy.roles import Problems, decode_stored, text, to_value
from migrate.secret import Secret

SUPPORTED_DRIVERS = frozenset({"fs", "s3"})
"""Drivers with a Cells datasource equivalent (DESIGN.md "Mapping rules")."""

BARE_SERIAL_OPTIONS = frozenset({"META_SOURCES"})
"""Options also read as bare ``serialize()`` in legacy rows (§3)."""

_TRUE = frozenset({"1", "t", "true", "y", "yes"})


@dataclass(slots=True)
class WorkspaceRow:
    """One ``ajxp_repo`` row (lower-cased column names) and its ``(name, val)`` options."""

    columns: dict[str, object]
    options: list[tuple[str, bytes | str | None]] = field(default_factory=list)


def as_bool(value: object) -> bool:
    """Booleans of every dialect: mysql 0/1, pgsql ``t``/``f`` or bool, sqlite 0/1/NULL (§2.2)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, bytes | str):
        raw = value.decode() if isinstance(value, bytes) else value
        return raw.strip().lower() in _TRUE
    return False


def _opt_str(value: object, problems: Problems) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes | str):
        return text(value, problems) or None
    return str(value)


def build_workspace(row: WorkspaceRow) -> tuple[LegacyWorkspace, list[Finding]]:
    """Decode one DB workspace; returns it with the findings its values produced."""
    cols = row.columns
    problems = Problems()
    uuid = _opt_str(cols.get("uuid"), problems) or ""
    found: list[Finding] = []
    options, secrets = _options(uuid, row.options, problems, found)
    slug = _opt_str(cols.get("slug"), problems)
    display = _opt_str(cols.get("display"), problems) or uuid
    if not slug:
        found.append(fnd.missing_slug(uuid))
        slug = re.sub(r"[^a-z0-9]+", "-", display.lower()).strip("-") or uuid
    path = _opt_str(cols.get("path"), problems)
    if path is None:
        option_path = options.get("PATH")
        path = option_path if isinstance(option_path, str) and option_path else None
    if problems.invalid_utf8:
        found.append(fnd.invalid_utf8(FindingKind.WORKSPACE, uuid, "a column or an option"))
    workspace = LegacyWorkspace(
        workspace_id=uuid,
        slug=slug,
        display=display,
        driver=_opt_str(cols.get("accesstype"), problems) or "",
        source=WorkspaceSource.DB,
        path=path,
        options=options,
        secret_options=secrets,
        is_template=as_bool(cols.get("istemplate")),
        parent_id=_opt_str(cols.get("parent_uuid"), problems),
        owner=_opt_str(cols.get("owner_user_id"), problems),
        child_user=_opt_str(cols.get("child_user_id"), problems),
        group_path=_opt_str(cols.get("grouppath"), problems),
        infer_options_from_parent=as_bool(cols.get("inferoptionsfromparent")),
        writeable=as_bool(cols.get("writeable")),
        enabled=cols.get("enabled") is None or as_bool(cols.get("enabled")),
        create=as_bool(cols.get("bcreate")),
    )
    return workspace, found


def _options(
    uuid: str,
    rows: list[tuple[str, bytes | str | None]],
    problems: Problems,
    found: list[Finding],
) -> tuple[LegacyMap, tuple[tuple[str, Secret], ...]]:
    plain: list[tuple[str, LegacyValue]] = []
    secrets: list[tuple[str, Secret]] = []
    for name, raw in rows:
        if raw is None:
            plain.append((name, None))
            continue
        try:
            decoded = decode_stored(raw, bare_serial=name in BARE_SERIAL_OPTIONS)
        except LegacyFormatError as exc:
            found.append(fnd.corrupt_value(FindingKind.WORKSPACE, uuid, f"option {name}", str(exc)))
            continue
        value = to_value(decoded, problems)
        if name in SECRET_OPTION_NAMES:
            secrets.append((name, Secret("" if value is None else str(value))))
        else:
            plain.append((name, value))
    return LegacyMap(items=tuple(plain)), tuple(secrets)


def parent_sub_path(
    workspace: LegacyWorkspace, parent: LegacyWorkspace | None = None
) -> str | None:
    """The shared path inside the parent workspace of a shared child (§8.3).

    A file share's content filter names the file (``filters`` key); otherwise an 8.x PATH
    ``AJXP_PARENT_OPTION:PATH:/sub`` gives ``/sub``, and a 5.x/6.x absolute path under the
    parent's own path gives the part below it. Anything else gives ``None``.
    """
    content_filter = workspace.options.get("content_filter")
    if isinstance(content_filter, LegacyMap):
        filters = content_filter.get_map("filters")
        if filters.items:
            return filters.items[0][0]
    path = workspace.path or ""
    prefix = "AJXP_PARENT_OPTION:PATH:"
    if path.startswith(prefix):
        return path[len(prefix) :] or "/"
    root = (parent.path or "").rstrip("/") if parent is not None else ""
    if root and (path == root or path.startswith(root + "/")):
        return path[len(root) :] or "/"
    return None
