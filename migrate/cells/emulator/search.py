"""Helpers shared by the search endpoints: paging arguments and ``*`` wildcards."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from migrate.cells.emulator.answers import ApiError


def to_int(value: Any, name: str) -> int:
    """An int64 field: Cells accepts a number or a string (cells-v3-behaviour.md §11)."""
    if value in (None, ""):
        return 0
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ApiError(500, f"invalid value for {name}: {value!r}") from exc


def page_args(body: dict[str, Any], *, default_limit: int = 0) -> tuple[int, int]:
    """``(offset, limit)`` of a search body; limit 0 means ``default_limit`` or everything."""
    offset = max(to_int(body.get("Offset"), "Offset"), 0)
    limit = to_int(body.get("Limit"), "Limit")
    if limit <= 0:
        limit = default_limit or 1 << 62
    return offset, limit


@lru_cache(maxsize=1024)
def wildcard(pattern: str) -> Callable[[str], bool]:
    """A matcher for a Cells search value: ``*`` matches anything, the rest is literal."""
    if "*" not in pattern:
        return pattern.__eq__
    regex = re.compile(".*".join(re.escape(p) for p in pattern.split("*")), re.DOTALL)
    return lambda value: regex.fullmatch(value) is not None
