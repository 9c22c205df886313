"""Test-side PHP ``serialize()`` and builders of conf.serial/auth.serial installs.

This module is written independently of ``migrate.legacy.phpserial`` (it only writes, the
library only reads), so a round trip through both checks one against the other. The install
builders write the file layouts of legacy-model.md §11 (4.x and 5.0-6.4) with deliberate traps.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from migrate.legacy.phpserial import PhpArray, PhpObject

# --- serializer ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Raw:
    """Bytes copied verbatim into the output (references ``R:2;``, deliberately broken data)."""

    data: bytes


@dataclass(frozen=True)
class RawObj:
    """An ``O:`` object whose property keys are given exactly as PHP writes them (mangled)."""

    class_name: str
    props: Sequence[tuple[bytes, Any]]


@dataclass(frozen=True)
class Custom:
    """A ``C:`` (Serializable) object with its payload bytes."""

    class_name: str
    payload: bytes


def protected(name: str) -> bytes:
    """PHP's key for a protected property."""
    return b"\0*\0" + name.encode()


def private(class_name: str, name: str) -> bytes:
    """PHP's key for a private property of ``class_name``."""
    return b"\0" + class_name.encode() + b"\0" + name.encode()


def _s(raw: bytes) -> bytes:
    return b's:%d:"%s";' % (len(raw), raw)


def _float(value: float) -> bytes:
    if math.isnan(value):
        return b"NAN"
    if math.isinf(value):
        return b"INF" if value > 0 else b"-INF"
    if value == 0.0 and math.copysign(1.0, value) < 0:
        return b"-0"
    return repr(value).encode()


def _key(key: int | str | bytes) -> bytes:
    if isinstance(key, int):
        return b"i:%d;" % key
    return _s(key.encode() if isinstance(key, str) else key)


def _pairs(pairs: Sequence[tuple[Any, Any]]) -> bytes:
    return b"%d:{%s}" % (len(pairs), b"".join(_key(k) + dumps(v) for k, v in pairs))


def dumps(value: Any) -> bytes:
    """Serialize Python / PhpValue data as PHP 7 would (``str`` is written as UTF-8)."""
    if value is None:
        return b"N;"
    if isinstance(value, bool):
        return b"b:1;" if value else b"b:0;"
    if isinstance(value, int):
        return b"i:%d;" % value
    if isinstance(value, float):
        return b"d:" + _float(value) + b";"
    if isinstance(value, str):
        return _s(value.encode())
    if isinstance(value, bytes):
        return _s(value)
    if isinstance(value, Raw):
        return value.data
    if isinstance(value, PhpArray):
        return b"a:" + _pairs(value.items)
    if isinstance(value, Mapping):
        return b"a:" + _pairs(list(value.items()))
    if isinstance(value, list | tuple):
        return b"a:" + _pairs(list(enumerate(value)))
    if isinstance(value, PhpObject):
        return _object(value.class_name, [(n.encode(), v) for n, v in value.properties])
    if isinstance(value, RawObj):
        return _object(value.class_name, list(value.props))
    if isinstance(value, Custom):
        name = value.class_name.encode()
        head = b'C:%d:"%s":%d:{' % (len(name), name, len(value.payload))
        return head + value.payload + b"}"
    raise TypeError(f"cannot serialize {type(value).__name__}")


def _object(class_name: str, props: Sequence[tuple[bytes, Any]]) -> bytes:
    name = class_name.encode()
    return b'O:%d:"%s":' % (len(name), name) + _pairs(props)
