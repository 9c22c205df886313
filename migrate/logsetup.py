"""Logging on stderr for the command line: levels, text or JSON lines, secrets masked.

Only ``cli`` calls ``setup_logging``; library modules just use ``logging.getLogger(__name__)``.
"""

from __future__ import annotations

import json
import logging
from typing import TextIO

from migrate.printable import PrintableFilter
from migrate.redact import RedactingFilter

_CONTEXT_FIELDS = ("run_id", "stage", "item")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the context fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _CONTEXT_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(
    stream: TextIO, *, verbosity: int = 0, quiet: bool = False, json_lines: bool = False
) -> logging.Handler:
    """Install one stderr handler on the root logger (replacing ours from an earlier call)."""
    level = logging.WARNING if quiet else logging.DEBUG if verbosity > 0 else logging.INFO
    handler = logging.StreamHandler(stream)
    handler.set_name("cells-migrate")
    handler.setFormatter(
        JsonFormatter() if json_lines else logging.Formatter("%(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(RedactingFilter())
    handler.addFilter(PrintableFilter())  # after redaction: labels from legacy data
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "cells-migrate"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    if verbosity < 2:
        # urllib3 logs every connection and request line at DEBUG, requests-oauthlib and
        # oauthlib whole token requests and answers (the filter masks what could be a
        # secret, but it is noise): quiet unless -vv is asked for.
        for noisy in ("urllib3", "requests_oauthlib", "oauthlib"):
            logging.getLogger(noisy).setLevel(max(level, logging.INFO))
    return handler
