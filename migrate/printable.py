"""Text shown to people never carries control characters (issue 12 point 6): one home.

Labels, logins, paths and messages come from the legacy data, which anyone who could name a
workspace or a share wrote. Printed raw, a label holding ``ESC [ 2 J`` clears the admin's
screen in ``plan``, and bidi overrides can make one name read as another. So everything the
command line writes goes through :func:`printable`: C0 and C1 control characters (except
tab and newline, which the reports use for layout), DEL, and the Unicode bidi controls and
line separators are shown as ``\\uXXXX``.

That form is also a JSON string escape, so a JSON document passed through the same stream
stays valid and decodes to the exact original value (the encoders already escape C0 inside
strings; C1 and bidi characters, which ``ensure_ascii=False`` keeps raw, come back the same).

:class:`PrintableStream` applies it to a text stream (``cli`` wraps stdout with it);
:class:`PrintableFilter` to log records (``logsetup`` installs it on stderr's handler).
"""

from __future__ import annotations

import io
import logging
import re
from typing import TextIO

__all__ = ["PrintableFilter", "PrintableStream", "printable"]

_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def printable(text: str) -> str:
    """``text`` with every control character but tab and newline shown as ``\\uXXXX``."""
    return _UNSAFE.sub(_escape, text)


class PrintableStream(io.TextIOBase):
    """A text stream that writes :func:`printable` text to ``inner`` (stdout)."""

    def __init__(self, inner: TextIO) -> None:
        super().__init__()
        self.inner = inner

    def write(self, text: str) -> int:
        """Write ``text`` escaped; returns the length of ``text`` (as ``TextIO`` does)."""
        self.inner.write(printable(text))
        return len(text)

    def flush(self) -> None:
        """Flush the inner stream."""
        self.inner.flush()

    def isatty(self) -> bool:
        """Whether the inner stream is a terminal."""
        return self.inner.isatty()

    def writable(self) -> bool:
        """Always writable."""
        return True


class PrintableFilter(logging.Filter):
    """Escapes control characters in a log record's message (after its arguments are in)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite ``record.msg`` as the escaped, formatted message; keep the record."""
        message = record.getMessage()
        escaped = printable(message)
        if escaped != message or record.args:
            record.msg = escaped
            record.args = None
        return True
