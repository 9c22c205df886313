"""Mask secrets in text before it reaches a log, an exception message or a report.

What is masked (DESIGN.md "Secrets ... never reach logs, reports or the plan file"):

* ``Authorization`` / ``Cookie`` header values and ``Bearer``/``Basic`` credentials;
* token, password and key fields in JSON bodies (``"Password": "…"``, ``"JWT"``,
  ``"access_token"``, ``"ApiSecret"``, …) and in form bodies or query strings
  (``password=…&refresh_token=…``);
* Pydio/Cells password hashes (``sha256:1000:<salt>:<hash>``, spec legacy-model.md);
* any value registered as a known secret (the configured token, password, client secret).

``redact`` is pure; ``RedactingFilter`` applies it to every log record (``cli`` installs it).
"""

from __future__ import annotations

import logging
import re
from collections import deque
from collections.abc import Iterable

from migrate.secret import Secret

MASK = "***"

# Field names whose value is a secret, in JSON ("Name": "v") and form/query (name=v) shapes.
# cells-api.md §1.2 (ApiKey/ApiSecret, EncryptionKey), §1.4 (Password), §3 (tokens), shares
# (CreatePassword/UpdatePassword), Hydra token answers (access/refresh/id token, code).
_SECRET_FIELDS = (
    "password",
    "oldpassword",
    "createpassword",
    "updatepassword",
    "passwordhashed",
    "jwt",
    "accesstoken",
    "access_token",
    "refreshtoken",
    "refresh_token",
    "idtoken",
    "id_token",
    "token",
    "client_secret",
    "clientsecret",
    "apikey",
    "apisecret",
    "encryptionkey",
    "code",
    "code_verifier",
    "secret",
)
_FIELD_ALT = "|".join(sorted((re.escape(f) for f in _SECRET_FIELDS), key=len, reverse=True))
# "Field": "value"  (JSON, possibly with escaped quotes inside the value)
_JSON_FIELD = re.compile(
    r'(?i)("(?:' + _FIELD_ALT + r')"\s*:\s*")((?:[^"\\]|\\.)*)(")',
)
# 'field': 'value' (Python reprs of dicts)
_REPR_FIELD = re.compile(r"(?i)('(?:" + _FIELD_ALT + r")'\s*:\s*')([^']*)(')")
# field=value in form bodies and query strings
_FORM_FIELD = re.compile(r"(?i)(?<![A-Za-z0-9_])((?:" + _FIELD_ALT + r")=)([^&\s\"']+)")
_AUTH_HEADER = re.compile(
    r"(?i)((?:authorization|cookie|set-cookie)\s*[:=]\s*['\"]?)([^'\"\r\n,}]+)"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)(\s+)([A-Za-z0-9\-._~+/=<>]+)")
# Pydio 8 / Cells hashes: algo:iterations:salt:hash (legacy-model.md "Passwords").
_PBKDF2 = re.compile(r"\b(?:sha1|sha256|sha512):\d{1,7}:[^:\s\"']{4,}:[^:\s\"']{8,}")


def redact(text: str, secrets: Iterable[str | Secret] = ()) -> str:
    """Return ``text`` with every secret pattern and every known secret value masked."""
    if not text:
        return text
    out = text
    for value in secrets:
        raw = value.reveal() if isinstance(value, Secret) else value
        if raw and len(raw) >= 4:
            out = out.replace(raw, MASK)
    out = _JSON_FIELD.sub(lambda m: m.group(1) + MASK + m.group(3), out)
    out = _REPR_FIELD.sub(lambda m: m.group(1) + MASK + m.group(3), out)
    out = _FORM_FIELD.sub(lambda m: m.group(1) + MASK, out)
    out = _AUTH_HEADER.sub(lambda m: m.group(1) + MASK, out)
    out = _BEARER.sub(lambda m: m.group(1) + m.group(2) + MASK, out)
    return _PBKDF2.sub(MASK, out)


class Redactor:
    """Holds the secret values known at run time and masks them (plus patterns) in text.

    ``pin`` keeps long-lived values (configured password, PAT, client secret) for the
    whole run; ``add`` keeps the latest short-lived ones (rotating tokens) in a bounded
    window, since a revoked token is no longer worth a scan of every log line.
    Appends are atomic in CPython, so threads may add while others redact.
    """

    def __init__(self, secrets: Iterable[str | Secret] = (), *, window: int = 32) -> None:
        self._pinned: list[str | Secret] = [s for s in secrets if s]
        self._recent: deque[str] = deque(maxlen=window)

    def pin(self, *values: str | Secret | None) -> None:
        """Register values masked for the whole run."""
        self._pinned.extend(v for v in values if v)

    def add(self, *values: object) -> None:
        """Register short-lived values (tokens); non-strings are ignored."""
        self._recent.extend(v for v in values if isinstance(v, str) and v)

    def __call__(self, text: str) -> str:
        """Mask ``text``."""
        return redact(text, (*self._pinned, *tuple(self._recent)))


DEFAULT_REDACTOR = Redactor()


class RedactingFilter(logging.Filter):
    """A logging filter that renders each record's message and masks secrets in it.

    The %-args are merged into the message first (so a secret passed as an argument is
    masked too); exception text is masked as well. Records are never dropped.
    """

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self._redactor = redactor or DEFAULT_REDACTOR

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the record in place and keep it."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = self._redactor(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redactor(record.exc_text)
        return True
