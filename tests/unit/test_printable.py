"""Control characters never reach the terminal (issue 12 point 6): ``migrate.printable``."""

from __future__ import annotations

import io
import json
import logging

import pytest

from migrate.printable import PrintableFilter, PrintableStream, printable

CASES = [
    ("plain label", "plain label"),
    ("clear\x1b[2Jscreen", "clear\\u001b[2Jscreen"),
    ("bell\x07 and back\x08space", "bell\\u0007 and back\\u0008space"),
    ("carriage\rreturn", "carriage\\u000dreturn"),
    ("c1 csi \x9b31m", "c1 csi \\u009b31m"),
    ("del\x7f", "del\\u007f"),
    ("rtl \u202eevil\u202c", "rtl \\u202eevil\\u202c"),
    ("isolate \u2066x\u2069", "isolate \\u2066x\\u2069"),
    ("line\u2028sep", "line\\u2028sep"),
    ("tab\tand\nnewline kept", "tab\tand\nnewline kept"),
    ("accents é ü 日本 kept", "accents é ü 日本 kept"),
]


@pytest.mark.parametrize(("raw", "shown"), CASES, ids=[c[1][:20] for c in CASES])
def test_printable_escapes_controls_only(raw: str, shown: str) -> None:
    assert printable(raw) == shown


def test_a_json_document_through_the_stream_stays_valid_and_exact() -> None:
    label = "W\x1b[2J\x9b\u202eend"
    inner = io.StringIO()
    stream = PrintableStream(inner)
    written = stream.write(json.dumps({"label": label}, ensure_ascii=False))
    text = inner.getvalue()
    assert written == len(json.dumps({"label": label}, ensure_ascii=False))
    assert "\x1b" not in text
    assert "\x9b" not in text
    assert "\u202e" not in text
    assert json.loads(text) == {"label": label}


def test_log_records_are_escaped_after_formatting() -> None:
    record = logging.LogRecord(
        "x", logging.WARNING, __file__, 1, "group %s failed", ("\x1b[31m",), None
    )
    assert PrintableFilter().filter(record)
    assert record.getMessage() == "group \\u001b[31m failed"
