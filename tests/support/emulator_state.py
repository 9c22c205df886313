"""Comparing the emulator's state before and after a run (what rollback must restore)."""

from __future__ import annotations

from typing import Any

SERVER_STAMPS = ("LastUpdated", "id", "ID")  # row ids and times Cells assigns on each write


def comparable(value: Any) -> Any:
    """The emulator's state without the stamps Cells itself assigns on each write (a role's
    ``LastUpdated``, a policy row's ``id``); everything else must match exactly."""
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items() if k not in SERVER_STAMPS}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    return value
