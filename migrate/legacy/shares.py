"""Decode share entries of ``ajxp_simple_store`` (store ``share``) into LegacyShare (§9)."""

from __future__ import annotations

import datetime as dt

from migrate.errors import LegacyFormatError
from migrate.legacy.model import LegacyMap, LegacyShare, ShareType
from migrate.legacy.phpserial import PhpArray
from migrate.legacy.roles import Problems, decode_stored, to_map

SECRET_SHARE_KEYS = frozenset({"PASSWORD"})
"""Legacy publiclets keep the link password in clear (§9.2): never carried."""


def decode_share(
    share_id: str,
    related_object_id: str | None,
    serialized: bytes | str | None,
    insertion_date: object,
    problems: Problems,
) -> LegacyShare:
    """Decode one share row. Raises ``LegacyFormatError`` when the data is not an array."""
    value = decode_stored(serialized or b"", bare_serial=True)
    if not isinstance(value, PhpArray):
        raise LegacyFormatError("share data is not a serialized array")
    data = to_map(value, problems)
    data = LegacyMap(items=tuple((k, v) for k, v in data.items if k not in SECRET_SHARE_KEYS))
    raw_type = data.get_str("SHARE_TYPE") or ""
    try:
        share_type = ShareType(raw_type)
    except ValueError:
        share_type = ShareType.UNKNOWN
    workspace = data.get("REPOSITORY")
    preset = data.get_str("PRESET_LOGIN")
    return LegacyShare(
        share_id=share_id,
        share_type=share_type,
        owner=data.get_str("OWNER_ID"),
        workspace_id=workspace if isinstance(workspace, str) else None,
        parent_workspace_id=related_object_id or None,
        guest_user=preset or data.get_str("PRELOG_USER"),
        password_protected=bool(preset),
        download_disabled=data.get("DOWNLOAD_DISABLED") in (True, "true", 1),
        expire_time=_int(data.get("EXPIRE_TIME")),
        download_limit=_int(data.get("DOWNLOAD_LIMIT")),
        insertion_date=format_timestamp(insertion_date),
        data=data,
    )


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value)
        return number if number > 0 else None
    return None


def format_timestamp(value: object) -> str | None:
    """``YYYY-MM-DD HH:MM:SS`` from a driver datetime or text (SQLite gives text)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)
