"""Token files: the OAuth2 token (JSON, written atomically with mode 0600) and the PAT.

Hydra rotates refresh tokens and refuses a used one (auth-oauth2-hydra.yaml), so the OAuth2
file must hold the newest token the moment it is issued: a crash between the refresh and the
write would lock the tool out until the next ``cells-migrate login``.

A PAT file holds the token alone (``cells admin user token … -q > token``); it is re-read
whenever it changes, so a PAT renewed during a long run is picked up without a restart. A
file that its group or others can read is reported (the token is the admin's keys).
"""

from __future__ import annotations

import json
import logging
import os
import stat
import tempfile
import threading
from pathlib import Path
from typing import Any

from migrate.errors import ConfigError
from migrate.secret import Secret, readable_by_others

log = logging.getLogger(__name__)

_KEYS = ("access_token", "refresh_token", "token_type", "expires_at", "expires_in", "scope")


def write_token_file(path: Path, token: dict[str, Any]) -> None:
    """Replace ``path`` by ``token`` (known keys only): temp file 0600 in the same directory,
    fsync, ``os.replace``. The directory is created 0700 if missing."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    payload = {k: token[k] for k in _KEYS if k in token}
    fd, tmp = tempfile.mkstemp(prefix=".token-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ConfigError(f"cannot write the token file {path}: {exc.strerror}") from exc


def read_token_file(path: Path) -> dict[str, Any] | None:
    """Return the stored token, or None when the file does not exist.

    Raises ConfigError when it exists but is unreadable or not a token (no secret in the
    message)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read the token file {path}: {exc.strerror}") from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"the token file {path} is not JSON; run `cells-migrate login`") from exc
    if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
        raise ConfigError(f"the token file {path} holds no token; run `cells-migrate login`")
    return {k: data[k] for k in _KEYS if k in data}


def warn_if_readable(path: Path, what: str) -> None:
    """Log a warning when ``path`` (a secret file) is readable by its group or others."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if readable_by_others(mode):
        log.warning(
            "%s %s is readable by others (mode %04o): chmod 600 %s",
            what,
            path,
            stat.S_IMODE(mode),
            path,
        )


class PatFile:
    """The PAT, inline or in a file re-read when it changes (size, mtime or inode)."""

    def __init__(self, path: Path | None, *, inline: Secret | None = None) -> None:
        self.path = path.expanduser() if path is not None else None
        self._inline = inline
        self._seen: tuple[int, int, int] | None = None
        self._lock = threading.Lock()

    def changed(self) -> bool:
        """True when the file differs from the one last read (never for an inline PAT)."""
        if self.path is None:
            return False
        return self._signature() != self._seen

    def read(self) -> str:
        """The token. Raises ConfigError naming the file (never its content)."""
        if self.path is None:
            if self._inline is None or not self._inline.reveal().strip():
                raise ConfigError("cells.auth.token is empty")
            return self._inline.reveal().strip()
        with self._lock:
            signature = self._signature()
            try:
                text = self.path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"cannot read the token file {self.path}: {exc}") from exc
            if signature != self._seen:
                warn_if_readable(self.path, "the token file")
            self._seen = signature
        return pat_from_text(text, self.path)

    def _signature(self) -> tuple[int, int, int] | None:
        if self.path is None:
            return None
        try:
            info = self.path.stat()
        except OSError:
            return None
        return (info.st_ino, info.st_size, info.st_mtime_ns)


def pat_from_text(text: str, path: Path) -> str:
    """The PAT in a token file's text; ConfigError when it holds something else."""
    value = text.strip()
    if not value:
        raise ConfigError(f"the token file {path} is empty: put the PAT in it")
    if value.startswith("{"):
        raise ConfigError(
            f"the token file {path} holds an OAuth2 token (JSON): use cells.auth.method oauth2"
        )
    if any(c.isspace() for c in value):
        raise ConfigError(
            f"the token file {path} must hold the token alone (cells admin user token … -q)"
        )
    return value
