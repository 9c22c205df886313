"""What a handler receives (``Call``) and answers (``Answer``, ``ApiError``).

``ApiError`` is the emulator's own signal for "answer this HTTP error"; it never leaves
the emulator's request handler, so it is not part of the ``MigrateError`` tree.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


class ApiError(Exception):
    """An error answer: Cells' ``{"Title","Detail"}`` JSON, or plain text when ``text`` is set."""

    def __init__(
        self,
        status: int,
        title: str = "",
        detail: str | None = None,
        *,
        text: str | None = None,
        body: JSON | None = None,
        delay_s: float = 0.0,
    ) -> None:
        super().__init__(f"{status} {title or text or ''}")
        self.status = status
        self.title = title
        self.detail = title if detail is None else detail
        self.text = text
        self.body = body
        self.delay_s = delay_s

    def answer(self) -> Answer:
        """Turn the error into the answer Cells gives (cells-v3-recordings README "Error shape")."""
        body: JSON | str = {"Title": self.title, "Detail": self.detail}
        if self.text is not None:
            body = self.text
        elif self.body is not None:
            body = self.body
        return Answer(status=self.status, body=body, delay_s=self.delay_s)


def not_found(message: str) -> ApiError:
    """404 as Cells v3 words it: ``Detail`` prefixed ``Not Found:``."""
    return ApiError(404, message, f"Not Found: {message}")


def bad_request_500(message: str) -> ApiError:
    """Cells v1-v3 answer most validation errors with 500 and ``Bad Request:`` in Detail."""
    return ApiError(500, message, f"Bad Request: {message}")


def method_not_allowed() -> ApiError:
    """Wrong verb: 405 with the plain-text body the gateway writes."""
    return ApiError(405, text="405: Method Not Allowed")


@dataclass(slots=True, kw_only=True)
class Answer:
    """An HTTP answer: JSON (dict), text (str) or raw bytes, plus extra headers."""

    status: int = 200
    body: JSON | str | bytes = field(default_factory=dict)
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str | None = None
    delay_s: float = 0.0  # slept after the lock is released (e.g. a slow missing-DS stat)

    def encode(self) -> tuple[bytes, str]:
        """Return the body bytes and the content type."""
        if isinstance(self.body, bytes):
            return self.body, self.content_type or "application/octet-stream"
        if isinstance(self.body, str):
            return self.body.encode(), self.content_type or "text/plain; charset=utf-8"
        data = json.dumps(self.body, separators=(",", ":"), ensure_ascii=False).encode()
        return data, self.content_type or "application/json"


@dataclass(slots=True, kw_only=True)
class Call:
    """One request as a handler sees it. ``caller`` is the login the bearer token belongs to."""

    method: str
    path: str
    params: Mapping[str, str]
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    raw: bytes
    caller: str | None = None
    base_url: str = ""
    parsed: JSON | None = None

    def json(self) -> JSON:
        """The body as a JSON object (parsed once); decoder errors become 500 as on Cells."""
        if self.parsed is not None:
            return self.parsed
        if not self.raw.strip():
            self.parsed = {}
            return self.parsed
        try:
            data = json.loads(self.raw)
        except json.JSONDecodeError as exc:
            raise ApiError(500, f"invalid character in JSON body: {exc.msg}") from exc
        if not isinstance(data, dict):
            raise ApiError(500, "json: cannot unmarshal array into Go value of type object")
        self.parsed = data
        return data

    def cookie(self, name: str) -> str | None:
        """The value of one cookie sent with the request."""
        for part in self.headers.get("cookie", "").split(";"):
            key, _, value = part.strip().partition("=")
            if key == name:
                return value
        return None
