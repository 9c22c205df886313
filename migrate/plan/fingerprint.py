"""Fingerprints: one digest of the inputs a plan was computed from.

A saved plan may only be applied to the world it was computed against (issue 5). The
fingerprint hashes three parts separately, so a stale plan can say *what* changed:

* ``inputs`` — the legacy inventory and the mapping rules;
* ``desired`` — the desired state (secrets included through one-way digests: a changed
  legacy password hash changes the fingerprint without ever being written anywhere);
* ``live`` — the live Cells objects the plan read.

Values are walked canonically (dataclass fields in order, sets sorted, enums by value) and
streamed into SHA-256; nothing is kept but the digest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields, is_dataclass
from enum import Enum
from typing import Protocol

from migrate.secret import Secret

SCHEME = "sha256"


class _Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Fingerprint:
    """The three part digests and their combination (``value``)."""

    inputs: str = ""
    desired: str = ""
    live: str = ""

    @classmethod
    def of(cls, *, inputs: str, desired: str, live: str) -> Fingerprint:
        """Build from the three part digests (the constructor, by name)."""
        return cls(inputs=inputs, desired=desired, live=live)

    @property
    def value(self) -> str:
        """``sha256:<hex>`` over the three parts."""
        joined = "\n".join((self.inputs, self.desired, self.live)).encode("ascii")
        return f"{SCHEME}:{hashlib.sha256(joined).hexdigest()}"

    def changed_parts(self, other: Fingerprint) -> list[str]:
        """Names of the parts that differ from ``other`` (for StalePlanError messages)."""
        return [
            name
            for name in ("inputs", "desired", "live")
            if getattr(self, name) != getattr(other, name)
        ]

    def to_json(self) -> dict[str, str]:
        """The parts, as stored in a plan file."""
        return {"inputs": self.inputs, "desired": self.desired, "live": self.live}


def digest(*values: object) -> str:
    """``sha256:<hex>`` of the canonical form of ``values``."""
    hasher = hashlib.sha256()
    for value in values:
        _feed(hasher, value)
    return f"{SCHEME}:{hasher.hexdigest()}"


_FIELD_NAMES: dict[type, tuple[bytes, tuple[str, ...]]] = {}


def _dataclass_names(cls: type) -> tuple[bytes, tuple[str, ...]] | None:
    found = _FIELD_NAMES.get(cls)
    if found is None and is_dataclass(cls):
        found = _FIELD_NAMES.setdefault(
            cls, (cls.__name__.encode() + b"{", tuple(f.name for f in fields(cls)))
        )
    return found


def _feed(h: _Hasher, value: object) -> None:
    """Stream the canonical form of ``value``; this runs for every object of a plan."""
    if isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
        h.update(b"s%d:" % len(data) + data)
        return
    if isinstance(value, tuple | list):
        h.update(b"[%d:" % len(value))
        for item in value:
            _feed(h, item)
        h.update(b"]")
        return
    names = _dataclass_names(type(value))
    if names is not None:
        h.update(names[0])
        for name in names[1]:
            h.update(name.encode())
            _feed(h, getattr(value, name))
        h.update(b"}")
        return
    _feed_scalar(h, value)


def _feed_scalar(h: _Hasher, value: object) -> None:
    if value is None:
        h.update(b"N;")
    elif isinstance(value, bool):
        h.update(b"T;" if value else b"F;")
    elif isinstance(value, Enum):
        _feed(h, value.value)
    elif isinstance(value, int | float):
        h.update(f"n{value!r};".encode())
    elif isinstance(value, bytes):
        h.update(b"b%d:" % len(value) + value)
    elif isinstance(value, Secret):
        # The secret's own digest, never the secret: still one-way once combined.
        _feed(h, hashlib.sha256(value.reveal().encode("utf-8")).hexdigest())
    elif isinstance(value, frozenset | set):
        _feed(h, sorted(digest(v) for v in value))
    elif isinstance(value, dict):
        _feed(h, sorted((digest(k), digest(v)) for k, v in value.items()))
    else:
        _feed(h, repr(value))
