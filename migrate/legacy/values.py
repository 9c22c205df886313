"""An ordered, immutable PHP array for the legacy model (role parameters, options, shares).

Split out of ``legacy/model.py`` (which re-exports everything here): PHP arrays keep their
order and may be objects (``class_name``); keys are text (PHP int keys become "0", "1").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeAlias

Scalar: TypeAlias = bool | int | float | str | None
LegacyValue: TypeAlias = "bool | int | float | str | LegacyMap | None"


@dataclass(frozen=True, slots=True, kw_only=True)
class LegacyMap:
    """An ordered, immutable PHP array or object: keys are ``str`` (int keys become "0", "1").

    ``class_name`` is set when the value was a PHP object (e.g. ``ContentFilter``).
    Bytes that were not valid UTF-8 are replaced by U+FFFD by the reader,
    which also records a finding.
    """

    items: tuple[tuple[str, LegacyValue], ...] = ()
    class_name: str | None = None

    def get(self, key: str, default: LegacyValue = None) -> LegacyValue:
        """Return the value stored under ``key`` (first match), else ``default``."""
        for k, v in self.items:
            if k == key:
                return v
        return default

    def get_map(self, key: str) -> LegacyMap:
        """Return the sub-array under ``key``, or an empty map if absent or not an array."""
        value = self.get(key)
        return value if isinstance(value, LegacyMap) else EMPTY_MAP

    def get_str(self, key: str) -> str | None:
        """Return the value under ``key`` when it is a string, else ``None``."""
        value = self.get(key)
        return value if isinstance(value, str) else None

    def keys(self) -> tuple[str, ...]:
        """The keys, in stored order."""
        return tuple(k for k, _ in self.items)

    def __iter__(self) -> Iterator[tuple[str, LegacyValue]]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, key: object) -> bool:
        return any(k == key for k, _ in self.items)

    def is_list(self) -> bool:
        """True when the keys are "0".."n-1" in order (PHP ``json_encode`` makes a list)."""
        return all(k == str(i) for i, (k, _) in enumerate(self.items))

    def to_python(self) -> dict[str, object] | list[object]:
        """Plain ``dict``/``list`` like PHP's ``json_encode`` (objects always give a dict)."""
        if self.class_name is None and self.is_list():
            return [_to_python(v) for _, v in self.items]
        return {k: _to_python(v) for k, v in self.items}

    @classmethod
    def from_python(cls, value: dict[str, object] | list[object]) -> LegacyMap:
        """Build a map from plain Python (tests, builders); lists get keys "0".."n-1"."""
        pairs = value.items() if isinstance(value, dict) else enumerate(value)
        return cls(items=tuple((str(k), _from_python(v)) for k, v in pairs))


EMPTY_MAP = LegacyMap()


def _to_python(value: LegacyValue) -> object:
    return value.to_python() if isinstance(value, LegacyMap) else value


def _from_python(value: object) -> LegacyValue:
    if isinstance(value, dict | list):
        return LegacyMap.from_python(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"unsupported value type {type(value).__name__}")
