"""A value that must never be printed: passwords, tokens, hashes, keys."""

from __future__ import annotations


class Secret:
    """Wraps a secret string; ``repr``/``str`` show ``***`` and only ``reveal()`` gives it back.

    Equality compares the hidden values so that frozen dataclasses holding secrets still
    compare by content; the hash is stable but does not leak the value in any output.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the secret itself; call this only where it is sent, never to display it."""
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))


def hide_password(url: str) -> str:
    """Return a database/HTTP URL with its password replaced by ``***`` (for display only)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, tail = rest.partition("/")
    userinfo, at, host = netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}{slash}{tail}"


def readable_by_others(mode: int) -> bool:
    """True when a file ``mode`` lets its group or anyone else read it (a secret file must
    be 0600 or 0400)."""
    return bool(mode & 0o044)
