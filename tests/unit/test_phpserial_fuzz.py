"""PHP unserialize under hypothesis: garbage only ever raises LegacyFormatError; round trips hold.

The serializer is the test-side one in tests/builders/ser_install.py, written apart from the
library's reader.
"""

from __future__ import annotations

import math
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrate.errors import LegacyFormatError
from migrate.legacy.phpserial import PhpArray, PhpObject, PhpValue, loads, loads_entries
from tests.builders import ser_install as ser
from tests.support.examples import examples
from tests.unit.test_phpserial import REAL_PAYLOADS as REAL  # real sample rows, spec examples

FUZZ = settings(
    max_examples=examples(600), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _decodes_or_format_error(data: bytes) -> None:
    """Either a value comes back or a LegacyFormatError with an offset inside the input."""
    for decode in (loads, loads_entries):
        offset: int | None = -1
        try:
            decode(data)
        except LegacyFormatError as exc:
            offset = exc.offset
        assert offset is not None
        assert -1 <= offset <= len(data)


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_only_raise_format_error(data: bytes) -> None:
    _decodes_or_format_error(data)


_TOKENS = st.sampled_from(
    [b"a:", b"O:", b"C:", b"s:", b"i:", b"d:", b"R:", b"r:", b"N;", b"{", b"}", b";", b":", b'"']
)


@FUZZ
@given(st.lists(st.one_of(_TOKENS, st.binary(max_size=3)), max_size=60).map(b"".join))
def test_token_soup_only_raises_format_error(data: bytes) -> None:
    _decodes_or_format_error(data)


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(REAL)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "delete", "insert", "digit"]))
        pos = draw(st.integers(0, len(data) - 1)) if data else 0
        if kind == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif kind == "delete":
            del data[pos : pos + draw(st.integers(1, 8))]
        elif kind == "insert":
            data[pos:pos] = draw(st.one_of(_TOKENS, st.binary(min_size=1, max_size=4)))
        else:  # change a length or count: the classic way to desynchronise a parser
            data[pos:pos] = str(draw(st.integers(0, 10**6))).encode()
    return bytes(data)


@FUZZ
@given(_mutated())
def test_mutated_real_payloads_only_raise_format_error(data: bytes) -> None:
    _decodes_or_format_error(data)


# --- round trip ----------------------------------------------------------------------------

_INT_KEY = re.compile(rb"0|-?[1-9][0-9]*")
_PHP_INT = st.integers(-(2**63), 2**63 - 1)
_KEYS = st.one_of(_PHP_INT, st.binary(max_size=12).filter(lambda b: not _INT_KEY.fullmatch(b)))
_NAMES = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\0"), max_size=8)
_CLASSES = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_\\]{0,15}\Z")

Pair = tuple[Any, PhpValue]  # (what the serializer gets, what loads must return)


def _leaf() -> st.SearchStrategy[Pair]:
    plain = st.one_of(
        st.none(),
        st.booleans(),
        _PHP_INT,
        st.floats(allow_nan=False),
        st.binary(max_size=20),
    )
    return plain.map(lambda v: (v, v))


def _array(children: st.SearchStrategy[Pair]) -> st.SearchStrategy[Pair]:
    entries = st.lists(st.tuples(_KEYS, children), max_size=5, unique_by=lambda e: e[0])
    return entries.map(
        lambda es: (
            PhpArray(tuple((k, d) for k, (d, _) in es)),
            PhpArray(tuple((k, e) for k, (_, e) in es)),
        )
    )


@st.composite
def _object(draw: st.DrawFn, children: st.SearchStrategy[Pair]) -> Pair:
    cls = draw(_CLASSES)
    names = draw(st.lists(_NAMES, max_size=4, unique=True))
    raw_props: list[tuple[bytes, Any]] = []
    props: list[tuple[str, PhpValue]] = []
    for name in names:
        dumped, expected = draw(children)
        mangle = draw(st.sampled_from(["public", "protected", "private"]))
        if mangle == "protected":
            key = ser.protected(name)
        elif mangle == "private":
            key = ser.private(cls, name)
        else:
            if name.startswith("\0"):
                continue
            key = name.encode()
        raw_props.append((key, dumped))
        props.append((name, expected))
    return ser.RawObj(cls, raw_props), PhpObject(cls, tuple(props))


@st.composite
def _custom(draw: st.DrawFn, children: st.SearchStrategy[Pair]) -> Pair:
    cls = draw(_CLASSES)
    dumped, expected = draw(_array(children))
    assert isinstance(expected, PhpArray)
    props = tuple((k if isinstance(k, str) else _key_str(k), v) for k, v in expected.items)
    return ser.Custom(cls, ser.dumps(dumped)), PhpObject(cls, props)


def _key_str(key: int | bytes) -> str:
    return str(key) if isinstance(key, int) else key.decode("utf-8", "surrogateescape")


_VALUES = st.recursive(
    _leaf(),
    lambda children: st.one_of(_array(children), _object(children), _custom(children)),
    max_leaves=25,
)


@settings(max_examples=examples(400), deadline=None)
@given(_VALUES)
def test_round_trip(pair: Pair) -> None:
    dumped, expected = pair
    data = ser.dumps(dumped)
    assert loads(data) == expected


@settings(max_examples=examples(100), deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_float_round_trip_keeps_sign_inf_nan(value: float) -> None:
    result = loads(ser.dumps(value))
    assert isinstance(result, float)
    if math.isnan(value):
        assert math.isnan(result)
    else:
        assert result == value
        assert math.copysign(1.0, result) == math.copysign(1.0, value)
