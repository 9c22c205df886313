"""The OAuth2 token file: written atomically with mode 0600, read back leniently.

Hydra rotates refresh tokens and refuses a used one (auth-oauth2-hydra.yaml), so the file
must hold the newest token the moment it is issued: a crash between the refresh and the
write would lock the tool out until the next ``cells-migrate login``.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from migrate.errors import ConfigError

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
