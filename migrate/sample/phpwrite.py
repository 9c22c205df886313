"""A tiny PHP ``serialize()`` for the sample-install builder (writing only).

Writes what legacy Pydio stores (legacy-model.md §3): ``N b i d s a O C``, protected
(``\\0*\\0name``) and private (``\\0Class\\0name``) property names, byte-counted strings.
Python ``dict``/``list``/``tuple`` become arrays (canonical integer string keys become
``i:`` keys as in PHP); :class:`PhpObj` and :class:`PhpCustom` make ``O:`` and ``C:`` objects.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_INT_KEY = re.compile(r"(?:0|-?[1-9][0-9]{0,18})\Z")


@dataclass(frozen=True, slots=True)
class PhpObj:
    """An ``O:`` object; ``props`` are ``(name, visibility, value)`` with visibility
    ``public``, ``protected`` or ``private``."""

    class_name: str
    props: tuple[tuple[str, str, object], ...]


@dataclass(frozen=True, slots=True)
class PhpCustom:
    """A ``C:`` object (``Serializable``): the payload is ``serialize(inner)``."""

    class_name: str
    inner: object


def dumps(value: object) -> bytes:
    """Serialize ``value`` the way PHP 7 does."""
    out: list[bytes] = []
    _write(value, out)
    return b"".join(out)


def _string(raw: bytes) -> bytes:
    return b's:%d:"%s";' % (len(raw), raw)


def _key(key: object) -> bytes:
    if isinstance(key, bool):
        return b"i:%d;" % int(key)
    if isinstance(key, int):
        return b"i:%d;" % key
    raw = key if isinstance(key, bytes) else str(key).encode("utf-8")
    text = raw.decode("utf-8", "replace")
    if _INT_KEY.match(text):
        return b"i:%s;" % raw
    return _string(raw)


def _write(value: object, out: list[bytes]) -> None:
    if value is None:
        out.append(b"N;")
    elif isinstance(value, bool):
        out.append(b"b:1;" if value else b"b:0;")
    elif isinstance(value, int):
        out.append(b"i:%d;" % value)
    elif isinstance(value, float):
        out.append(_double(value))
    elif isinstance(value, str | bytes):
        out.append(_string(value.encode("utf-8") if isinstance(value, str) else value))
    elif isinstance(value, Mapping):
        _array(list(value.items()), out)
    elif isinstance(value, Sequence):
        _array(list(enumerate(value)), out)
    elif isinstance(value, PhpObj):
        _object(value, out)
    elif isinstance(value, PhpCustom):
        payload = dumps(value.inner)
        name = value.class_name.encode("utf-8")
        out.append(b'C:%d:"%s":%d:{%s}' % (len(name), name, len(payload), payload))
    else:
        raise TypeError(f"cannot serialize {type(value).__name__}")


def _double(value: float) -> bytes:
    if math.isnan(value):
        return b"d:NAN;"
    if math.isinf(value):
        return b"d:INF;" if value > 0 else b"d:-INF;"
    return b"d:%s;" % repr(value).encode("ascii")


def _array(items: list[tuple[object, object]], out: list[bytes]) -> None:
    out.append(b"a:%d:{" % len(items))
    for key, item in items:
        out.append(_key(key))
        _write(item, out)
    out.append(b"}")


def _object(obj: PhpObj, out: list[bytes]) -> None:
    name = obj.class_name.encode("utf-8")
    out.append(b'O:%d:"%s":%d:{' % (len(name), name, len(obj.props)))
    for prop, visibility, item in obj.props:
        raw = prop.encode("utf-8")
        if visibility == "protected":
            raw = b"\0*\0" + raw
        elif visibility == "private":
            raw = b"\0" + name + b"\0" + raw
        out.append(_string(raw))
        _write(item, out)
    out.append(b"}")
