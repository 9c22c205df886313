"""The ``random`` password strategy's side: strong passwords and the admin's 0600 CSV.

DESIGN.md "Passwords": ``random`` sends a generated password with each REST create and
writes ``login,password`` to ``passwords.random_passwords_file``, a CSV only its owner may
read. An existing file is refused unless the caller says to overwrite it, or to append to
it (``resume`` continues the file of the interrupted run).
"""

from __future__ import annotations

import csv
import io
import logging
import os
import secrets
import string
import threading
from enum import StrEnum
from pathlib import Path

from migrate.errors import ConfigError, MigrateError
from migrate.secret import Secret

log = logging.getLogger(__name__)

PASSWORD_LENGTH = 20
_SYMBOLS = "-_.!+"
_ALPHABET = string.ascii_letters + string.digits + _SYMBOLS
_CLASSES = (string.ascii_lowercase, string.ascii_uppercase, string.digits, _SYMBOLS)
HEADER = ("login", "password")
FILE_MODE = 0o600


def generate_password(length: int = PASSWORD_LENGTH) -> Secret:
    """A random password from ``secrets``: ``length`` characters (~6 bits each), with a
    lower and upper case letter, a digit and a symbol, starting with a letter so that no
    spreadsheet reads it as a formula."""
    if length < len(_CLASSES) + 1:
        raise ValueError(f"a password needs at least {len(_CLASSES) + 1} characters")
    while True:
        chars = [secrets.choice(string.ascii_letters)]
        chars += [secrets.choice(_ALPHABET) for _ in range(length - 1)]
        if all(any(c in group for c in chars) for group in _CLASSES):
            return Secret("".join(chars))


class FileMode(StrEnum):
    """What to do when the CSV exists already."""

    REFUSE = "refuse"  # a new apply: never overwrite passwords handed out before
    APPEND = "append"  # resume: the same run continues its file
    OVERWRITE = "overwrite"  # the operator said so


class RandomPasswordFile:
    """``login,password`` rows, one per created user, in a file of mode 0600.

    Thread-safe; every row is flushed and synced before ``add`` returns, so a crash loses
    no password of a user Cells confirmed. ``ConfigError`` when the file cannot be opened
    (exists and ``mode`` is ``REFUSE``, missing folder, no rights); ``MigrateError`` naming
    the user when a row cannot be written. Passwords never appear in messages or logs.
    """

    def __init__(self, path: Path, *, mode: FileMode = FileMode.REFUSE) -> None:
        """Create (or open, per ``mode``) ``path`` with mode 0600."""
        self.path = path
        self._lock = threading.Lock()
        flags = os.O_WRONLY | os.O_CREAT
        flags |= {
            FileMode.REFUSE: os.O_EXCL,
            FileMode.APPEND: os.O_APPEND,
            FileMode.OVERWRITE: os.O_TRUNC,
        }[mode]
        try:
            fd = os.open(path, flags, FILE_MODE)
        except FileExistsError as exc:
            raise ConfigError(
                f"passwords.random_passwords_file {path} exists already: it may hold passwords "
                "handed out by an earlier run; move it away (or `resume` the run that wrote it)"
            ) from exc
        except OSError as exc:
            raise ConfigError(
                f"cannot create passwords.random_passwords_file {path}: {exc.strerror}"
            ) from exc
        try:
            # An existing file keeps its old mode through O_APPEND/O_TRUNC: tighten it.
            os.fchmod(fd, FILE_MODE)
            empty = os.fstat(fd).st_size == 0
        except OSError as exc:
            os.close(fd)
            raise ConfigError(f"cannot secure {path} (mode 0600): {exc.strerror}") from exc
        self._file = os.fdopen(fd, "w", encoding="utf-8", newline="")
        if empty:
            self._write_row(HEADER)
        log.info("random passwords are written to %s (mode 0600)", path)

    def __repr__(self) -> str:
        return f"RandomPasswordFile({str(self.path)!r})"

    def add(self, login: str, password: Secret) -> None:
        """Append the row of ``login``; durable on return."""
        try:
            self._write_row((login, password.reveal()))
        except OSError as exc:
            raise MigrateError(
                f"cannot write the generated password to {self.path} ({exc.strerror}); "
                "reset this user's password in Cells",
                subject=f"user:{login}",
            ) from exc

    def _write_row(self, row: tuple[str, str]) -> None:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(row)
        with self._lock:
            self._file.write(buffer.getvalue())
            self._file.flush()
            os.fsync(self._file.fileno())

    def close(self) -> None:
        """Close the file (idempotent)."""
        with self._lock:
            self._file.close()

    def __enter__(self) -> RandomPasswordFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
