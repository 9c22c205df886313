"""What ``cells-migrate login`` asks of the person at the terminal: a password, a pasted
code, a browser. Only ``cli`` uses it; everything goes through the streams it is given, and
nothing is asked when stdin is not a terminal (the error says which flag to use instead)."""

from __future__ import annotations

import getpass
import os
import sys
import webbrowser
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

from migrate.cells.tokenfile import warn_if_readable
from migrate.errors import ConfigError


def password_source(password_file: Path | None, err: TextIO, *, login: str) -> Callable[[], str]:
    """The password of ``login``: from ``password_file`` (0600 expected), else asked on the
    terminal without echo. Asked only when called."""

    def from_file(path: Path) -> str:
        try:
            text = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read the password file {path}: {exc}") from exc
        warn_if_readable(path, "the password file")
        if not text:
            raise ConfigError(f"the password file {path} is empty")
        return text

    def asked() -> str:
        if not sys.stdin.isatty():
            raise ConfigError(
                "stdin is not a terminal, so the password cannot be asked: give --password-file"
            )
        return getpass.getpass(f"Cells password of {login}: ", stream=err)

    if password_file is not None:
        return lambda: from_file(password_file)
    return asked


def code_reader(err: TextIO) -> Callable[[], str]:
    """Read the code the Cells login page shows (the oob flow)."""

    def read() -> str:
        if not sys.stdin.isatty():
            raise ConfigError(
                "stdin is not a terminal, so the code cannot be pasted: use "
                "`cells-migrate login --username U --password-file F`"
            )
        err.write("Paste the code the login page shows (or the whole address): ")
        err.flush()
        return sys.stdin.readline()

    return read


def browser_opener(env: Mapping[str, str], *, allowed: bool) -> Callable[[str], bool]:
    """Open a URL in a graphical browser when this session has one (never a text browser
    taking over the terminal on a headless server). True when one was started."""

    def open_url(url: str) -> bool:
        if not allowed:
            return False
        if os.name == "posix" and sys.platform != "darwin":
            if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
                return False
        try:
            return webbrowser.open(url)
        except webbrowser.Error:
            return False

    return open_url
