"""A PHP ``unserialize()`` for legacy Pydio data: roles, ``$phpserial$`` values, ``.ser`` files.

Handles ``N b i d s S a O C`` and the back-references ``r``/``R`` (legacy-model.md §3).
Strings stay ``bytes`` (PHP strings are byte strings; lengths count bytes, so multi-byte UTF-8,
NULs and quotes inside are fine). Malformed input of any kind raises
:class:`~migrate.errors.LegacyFormatError` carrying the byte offset; nothing else is raised,
no input makes it loop forever or recurse past ``max_depth``.

Choices where PHP's own behaviour cannot be mirrored by immutable values:

* a reference to a container that is still being parsed (a cycle, e.g. ``$a[0] = &$a``)
  cannot be represented and raises ``LegacyFormatError``; legacy Pydio never writes one;
* array keys are normalised as PHP does (``zend_symtable_update``): a string key holding a
  canonical decimal integer (``"5"``, ``"-3"``, not ``"05"``) becomes that ``int``, and a
  repeated key replaces the earlier value in its original position;
* ``C:`` (``Serializable``) objects: the payload is parsed as one serial value with its own
  reference table; an array payload becomes the properties (keys as text), another value
  becomes the single property ``__value__``, and a payload that is not one serial value
  (e.g. ``ArrayObject``'s ``x:i:0;…``) becomes ``__serialized__`` holding the raw bytes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final, TypeAlias

from migrate.errors import LegacyFormatError

__all__ = ["PhpArray", "PhpObject", "PhpValue", "as_text", "key_text", "loads", "loads_entries"]


@dataclass(frozen=True, slots=True)
class PhpArray:
    """An ordered PHP array; keys are ``int`` or raw ``bytes`` as PHP stored them."""

    items: tuple[tuple[int | bytes, PhpValue], ...]
    _index: dict[int | bytes, int] | None = field(
        default=None, init=False, repr=False, compare=False, hash=False
    )

    def _lookup(self) -> dict[int | bytes, int]:
        index = self._index
        if index is None:
            index = {key: pos for pos, (key, _) in enumerate(self.items)}
            # frozen: the index is a private cache, not part of the value
            object.__setattr__(self, "_index", index)
        return index

    def get(self, key: str | int | bytes, default: PhpValue = None) -> PhpValue:
        """Return the value under ``key`` (``"5"`` finds ``5``, as in PHP) or ``default``."""
        pos = self._lookup().get(_array_key(key))
        return default if pos is None else self.items[pos][1]

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str | int | bytes):
            return False
        return _array_key(key) in self._lookup()

    def __len__(self) -> int:
        return len(self.items)

    def keys(self) -> tuple[str | int, ...]:
        """Return the keys in order, ``bytes`` keys decoded as UTF-8 (surrogateescape)."""
        return tuple(key_text(k) for k, _ in self.items)

    def values(self) -> tuple[PhpValue, ...]:
        """Return the values in order."""
        return tuple(v for _, v in self.items)

    def to_dict(self) -> dict[str | int, PhpValue]:
        """Return a shallow ``dict``; ``bytes`` keys decoded as UTF-8 (surrogateescape)."""
        return {key_text(k): v for k, v in self.items}

    def is_list(self) -> bool:
        """True when the keys are exactly ``0 … n-1`` in order (a PHP "list")."""
        return all(k == i for i, (k, _) in enumerate(self.items))


@dataclass(frozen=True, slots=True)
class PhpObject:
    """A PHP object: class name and properties in order, visibility prefixes stripped."""

    class_name: str
    properties: tuple[tuple[str, PhpValue], ...]

    def get(self, name: str, default: PhpValue = None) -> PhpValue:
        """Return property ``name`` or ``default``; the last one wins if a name repeats."""
        found = default
        for key, value in self.properties:
            if key == name:
                found = value
        return found

    def __contains__(self, name: object) -> bool:
        return any(key == name for key, _ in self.properties)

    def to_dict(self) -> dict[str, PhpValue]:
        """Return the properties as a shallow ``dict``."""
        return dict(self.properties)


PhpValue: TypeAlias = bool | int | float | bytes | PhpArray | PhpObject | None


def key_text(key: int | bytes) -> str | int:
    """Return an array key for display/lookup: ``int`` as is, ``bytes`` as UTF-8 text."""
    return key if isinstance(key, int) else key.decode("utf-8", "surrogateescape")


def as_text(value: PhpValue) -> str | None:
    """Return ``value`` as text: ``None`` stays ``None``, ``bytes`` are decoded as UTF-8.

    Other values give ``str(value)``. Invalid UTF-8 raises ``LegacyFormatError`` (offset =
    position of the first bad byte) so the caller can turn it into a finding.
    """
    if value is None:
        return None
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LegacyFormatError(
                f"invalid UTF-8 in a PHP string at byte {exc.start}", offset=exc.start
            ) from exc
    return str(value)


# --- keys -----------------------------------------------------------------------------------

_INT_KEY: Final = re.compile(rb"(?:0|-?[1-9][0-9]{0,18})\Z")
_INT_START: Final = frozenset(bytes([c]) for c in b"-0123456789")
_PHP_INT_MIN: Final = -(2**63)
_PHP_INT_MAX: Final = 2**63 - 1


def _array_key(key: str | int | bytes) -> int | bytes:
    """Normalise a key the way PHP's symbol tables do (canonical decimal strings → int)."""
    if isinstance(key, bool):
        return int(key)
    if isinstance(key, int):
        return key
    raw = key.encode("utf-8", "surrogateescape") if isinstance(key, str) else key
    if raw[:1] not in _INT_START:  # fast path: most keys are names
        return raw
    if _INT_KEY.match(raw):
        number = int(raw)
        if _PHP_INT_MIN <= number <= _PHP_INT_MAX:
            return number
    return raw


# --- the parser -----------------------------------------------------------------------------

_LEN_DIGITS: Final = 19
_FLOAT: Final = re.compile(
    rb"(NAN|-?INF|[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?);"
)
_UINT: Final = re.compile(rb"([0-9]{1,19});")
_CLASS_NAME: Final = re.compile(rb"[A-Za-z_\x80-\xff\\][A-Za-z0-9_\x80-\xff\\]*\Z")
_FLOAT_MAX_CHARS: Final = 1100


class _Pending:
    """Marks a reference slot whose container is still being parsed (a cycle if used)."""

    __slots__ = ()


_PENDING: Final = _Pending()


class _Parser:
    """One pass over one serialized value; ``pos`` always points at the next unread byte."""

    def __init__(self, data: bytes, max_depth: int, base: int) -> None:
        self.data = data
        self.pos = 0
        self.max_depth = max_depth
        self.base = base  # offset of ``data`` inside the outermost input (C: payloads)
        self.slots: list[PhpValue | _Pending] = []
        self.spans: list[tuple[int | bytes, int, int]] | None = None  # see loads_entries

    def fail(self, message: str, at: int | None = None) -> LegacyFormatError:
        offset = self.base + (self.pos if at is None else at)
        return LegacyFormatError(f"PHP serial: {message} at byte {offset}", offset=offset)

    def expect(self, token: bytes) -> None:
        if not self.data.startswith(token, self.pos):
            raise self.fail(f"expected {token.decode('ascii')!r}")
        self.pos += len(token)

    def match(self, pattern: re.Pattern[bytes], what: str) -> bytes:
        found = pattern.match(self.data, self.pos)
        if found is None:
            raise self.fail(f"bad {what}")
        self.pos = found.end()
        return found.group(1)

    def length(self, what: str) -> int:
        """Read ``<digits>:`` (a length or a count)."""
        data, pos = self.data, self.pos
        colon = data.find(b":", pos, pos + _LEN_DIGITS + 1)
        digits = data[pos:colon]
        if colon < 0 or not digits.isdigit():
            raise self.fail(f"bad {what}")
        self.pos = colon + 1
        return int(digits)

    def string(self, what: str) -> bytes:
        """After ``s:``: read ``<len>:"<bytes>";`` and return the bytes (the hot path)."""
        data, pos = self.data, self.pos
        colon = data.find(b":", pos, pos + _LEN_DIGITS + 1)
        digits = data[pos:colon]
        if colon < 0 or not digits.isdigit():
            raise self.fail(f"bad {what}")
        start = colon + 2
        if data[colon + 1 : start] != b'"':
            raise self.fail("expected '\"'", colon + 1)
        end = start + int(digits)
        if end > len(data):
            raise self.fail(f"string of {int(digits)} bytes runs past the end", start)
        if data[end : end + 2] != b'";':
            at = end if data[end : end + 1] != b'"' else end + 1
            raise self.fail("expected '\"'" if at == end else "expected ';'", at)
        self.pos = end + 2
        return data[start:end]

    def integer(self, what: str) -> int:
        """After ``i:``: read ``[+-]digits;``."""
        data, pos = self.data, self.pos
        semi = data.find(b";", pos, pos + 22)
        digits = data[pos:semi]
        body = digits[1:] if digits[:1] in (b"-", b"+") else digits
        if semi < 0 or not body.isdigit():
            raise self.fail(f"bad {what}")
        self.pos = semi + 1
        return int(digits)

    def raw_string(self, size: int) -> bytes:
        """Read ``"<size bytes>"`` after the length prefix."""
        self.expect(b'"')
        end = self.pos + size
        if end > len(self.data):
            raise self.fail(f"string of {size} bytes runs past the end")
        value = self.data[self.pos : end]
        self.pos = end
        self.expect(b'"')
        return value

    def escaped_string(self, size: int) -> bytes:
        """Read the ``S:`` form: ``\\xx`` hex escapes, ``size`` decoded bytes."""
        self.expect(b'"')
        out = bytearray()
        while len(out) < size:
            if self.pos >= len(self.data):
                raise self.fail("escaped string runs past the end")
            byte = self.data[self.pos]
            if byte == 0x5C:  # backslash: two hex digits follow
                pair = self.data[self.pos + 1 : self.pos + 3]
                if len(pair) != 2 or not all(c in b"0123456789abcdefABCDEF" for c in pair):
                    raise self.fail("bad escape in S: string")
                out.append(int(pair, 16))
                self.pos += 3
            else:
                out.append(byte)
                self.pos += 1
        self.expect(b'"')
        return bytes(out)

    def value(self, depth: int) -> PhpValue:
        """Parse one value and record it in the reference table (as PHP's ``var_push``)."""
        data, pos = self.data, self.pos
        if pos + 1 >= len(data):
            raise self.fail("unexpected end of data")
        tag, sep = data[pos], data[pos + 1]
        if tag == _R and sep == _COLON:  # "R:" takes no slot of its own
            self.pos = pos + 2
            return self.reference()
        slots = self.slots
        slot = len(slots)
        slots.append(_PENDING)
        self.pos = pos + 2
        result: PhpValue
        if sep != _COLON:
            if tag != _N or sep != _SEMI:
                raise self.fail(f"unknown type {bytes([tag])!r}", pos)
            result = None
        elif tag == _S:
            result = self.string("string length")
        elif tag == _I:
            result = self.integer("integer")
        elif tag in _COMPOUND:
            # one Python frame per nesting level: value -> array/object -> value
            if depth >= self.max_depth:
                raise self.fail(f"nesting deeper than {self.max_depth}", pos)
            result = self.compound(tag, depth + 1)
        else:
            result = self.scalar(tag, pos)
        slots[slot] = result
        return result

    def reference(self) -> PhpValue:
        start = self.pos - 2
        number = int(self.match(_UINT, "reference"))
        if not 1 <= number <= len(self.slots):
            raise self.fail(f"reference {number} to no value", start)
        target = self.slots[number - 1]
        if isinstance(target, _Pending):
            raise self.fail("cyclic reference (not representable)", start)
        return target

    def compound(self, tag: int, depth: int) -> PhpValue:
        if tag == _A:
            return self.array(depth)
        if tag == _O:
            return self.object(depth)
        return self.custom_object(depth)

    def scalar(self, tag: int, start: int) -> PhpValue:
        """``b:``, ``d:``, ``r:`` and ``S:`` (the rarer scalars), after the tag."""
        if tag == _B:
            flag = self.data[self.pos : self.pos + 2]
            if flag not in (b"0;", b"1;"):
                raise self.fail("bad boolean")
            self.pos += 2
            return flag == b"1;"
        if tag == _D:
            return self.double()
        if tag == _LOWER_R:
            return self.reference()
        if tag == _UPPER_S:
            value = self.escaped_string(self.length("string length"))
            self.expect(b";")
            return value
        raise self.fail(f"unknown type {bytes([tag])!r}", start)

    def double(self) -> float:
        found = _FLOAT.match(self.data, self.pos, self.pos + _FLOAT_MAX_CHARS)
        if found is None:
            raise self.fail("bad float")
        self.pos = found.end()
        text = found.group(1)
        if text == b"NAN":
            return math.nan
        if text.endswith(b"INF"):
            return -math.inf if text.startswith(b"-") else math.inf
        return float(text)

    def count(self) -> int:
        count = self.length("element count")
        # each element takes at least 4 bytes ("i:0;N;" is 6): refuse impossible counts early
        if count * 4 > len(self.data) - self.pos:
            raise self.fail(f"{count} elements cannot fit in the remaining data")
        self.expect(b"{")
        return count

    def array(self, depth: int) -> PhpArray:
        count = self.count()
        items: list[tuple[int | bytes, PhpValue]] = []
        positions: dict[int | bytes, int] = {}
        spans = self.spans if depth == 1 else None
        for _ in range(count):
            key = self.array_key()
            start = self.pos
            value = self.value(depth)
            if spans is not None:
                spans.append((key, start, self.pos))
            if key in positions:
                items[positions[key]] = (key, value)
            else:
                positions[key] = len(items)
                items.append((key, value))
        self.expect(b"}")
        return PhpArray(tuple(items))

    def array_key(self) -> int | bytes:
        """Keys are ``i:`` or ``s:``/``S:`` and, as in PHP, take no reference slot."""
        tag = self.data[self.pos : self.pos + 2]
        start = self.pos
        if tag == b"s:":
            self.pos += 2
            key: int | bytes = self.string("key length")
        elif tag == b"i:":
            self.pos += 2
            return self.integer("integer key")
        elif tag == b"S:":
            self.pos += 2
            key = self.escaped_string(self.length("key length"))
            self.expect(b";")
        else:
            raise self.fail("array key must be an integer or a string", start)
        return _array_key(key)

    def class_name(self) -> str:
        start = self.pos
        raw = self.raw_string(self.length("class name length"))
        if not _CLASS_NAME.match(raw):
            raise self.fail("bad class name", start)
        self.expect(b":")
        return raw.decode("utf-8", "surrogateescape")

    def object(self, depth: int) -> PhpObject:
        name = self.class_name()
        count = self.count()
        props: list[tuple[str, PhpValue]] = []
        for _ in range(count):
            key = self.array_key()
            props.append((_property_name(key), self.value(depth)))
        self.expect(b"}")
        return PhpObject(name, tuple(props))

    def custom_object(self, depth: int) -> PhpObject:
        name = self.class_name()
        size = self.length("payload length")
        self.expect(b"{")
        start = self.pos
        if start + size > len(self.data):
            raise self.fail(f"payload of {size} bytes runs past the end")
        self.pos = start + size
        self.expect(b"}")
        payload = self.data[start : start + size]
        return PhpObject(name, _custom_properties(payload, depth, self.max_depth, start))


_A, _B, _D, _I, _N, _O, _S = b"a"[0], b"b"[0], b"d"[0], b"i"[0], b"N"[0], b"O"[0], b"s"[0]
_R, _LOWER_R, _UPPER_S, _C = b"R"[0], b"r"[0], b"S"[0], b"C"[0]
_COLON, _SEMI = b":"[0], b";"[0]
_COMPOUND: Final = frozenset({_A, _O, _C})


def _property_name(key: int | bytes) -> str:
    r"""Strip PHP's visibility mangling: ``\0*\0name`` (protected), ``\0Class\0name`` (private)."""
    if isinstance(key, int):
        return str(key)
    if key.startswith(b"\0"):
        end = key.find(b"\0", 1)
        if end > 0:
            key = key[end + 1 :]
    return key.decode("utf-8", "surrogateescape")


def _custom_properties(
    payload: bytes, depth: int, max_depth: int, base: int
) -> tuple[tuple[str, PhpValue], ...]:
    """Decode a ``C:`` payload (legacy-model.md §3: ``AJXP_PermissionMask`` = serialize(tree))."""
    parser = _Parser(payload, max_depth - depth, base)
    try:
        inner = parser.value(0)
        complete = parser.pos == len(payload)
    except LegacyFormatError:
        complete = False
    if not complete:
        return (("__serialized__", payload),)
    if isinstance(inner, PhpArray):
        return tuple((str(key_text(k)), v) for k, v in inner.items)
    return (("__value__", inner),)


def loads(data: bytes | str, *, max_depth: int = 256) -> PhpValue:
    """Decode one PHP-serialized value; the whole input must be consumed.

    ``str`` input is encoded as UTF-8 first (lengths are byte counts). Raises
    ``LegacyFormatError`` (with ``offset``) on any malformed input, trailing bytes, nesting
    deeper than ``max_depth`` or a cyclic reference.
    """
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    parser = _Parser(bytes(raw), max_depth, 0)
    try:
        result = parser.value(0)
    except RecursionError as exc:  # only when a caller raised max_depth past Python's limit
        raise LegacyFormatError(
            "PHP serial: nesting too deep for this interpreter", offset=parser.pos
        ) from exc
    if parser.pos != len(raw):
        raise parser.fail("trailing data after the value")
    return result


def loads_entries(data: bytes, *, max_depth: int = 256) -> tuple[tuple[int | bytes, bytes], ...]:
    """Decode a top-level array and return each entry's *raw* serialized value with its key.

    For files such as ``roles.ser`` (``{roleId: object}``) whose entries are handed one by one
    to a decoder that reports problems per entry. The whole input is validated as by
    :func:`loads` (same errors); a value that is a reference (``r:``/``R:``) to an earlier
    entry is returned as those reference bytes, which do not decode on their own.
    """
    parser = _Parser(bytes(data), max_depth, 0)
    parser.spans = []
    try:
        result = parser.value(0)
    except RecursionError as exc:
        raise LegacyFormatError(
            "PHP serial: nesting too deep for this interpreter", offset=parser.pos
        ) from exc
    if parser.pos != len(data):
        raise parser.fail("trailing data after the value")
    if not isinstance(result, PhpArray):
        raise LegacyFormatError("PHP serial: the top-level value is not an array", offset=0)
    entries: dict[int | bytes, bytes] = {}
    for key, start, end in parser.spans:
        entries[key] = parser.data[start:end]  # a repeated key: last value, first place (PHP)
    return tuple(entries.items())


def iter_items(value: PhpValue) -> Iterator[tuple[str | int, PhpValue]]:
    """Yield ``(key, value)`` of an array (keys as text/int) or nothing for a non-array."""
    if isinstance(value, PhpArray):
        for key, item in value.items:
            yield key_text(key), item
