"""Helpers shared by the search endpoints: paging arguments and ``*`` wildcards."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

from migrate.cells.emulator.answers import ApiError

T = TypeVar("T")
CACHE_SIZE = 16


def cached(
    store: Any,
    kind: str,
    body: dict[str, Any],
    caller: str | None,
    compute: Callable[[], list[T]],
) -> list[T]:
    """Full (unpaged) search results, memoised for the next pages until the next write.

    The first page (``Offset`` 0) is always computed afresh, so a new paging pass never
    sees results older than its start.
    """
    query = json.dumps([body.get("Queries"), body.get("Operation")], sort_keys=True, default=str)
    key = (kind, query, str(caller), str(store.generation))
    cache: dict[tuple[str, ...], list[Any]] = store.search_cache
    if key not in cache or not body.get("Offset"):
        if len(cache) >= CACHE_SIZE:
            cache.clear()
        cache[key] = compute()
    return cache[key]


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
