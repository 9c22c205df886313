"""What an answer of Cells means: the status → exception table, JSON bodies, and the
description of a server that is not Cells at all.

Status table (cells-api.md §1.8; decide on the status, bodies are opaque text):

==========  ============================  =========
status      exception                     transient
==========  ============================  =========
3xx         CellsRedirected (never        no
            followed; raised by the wire)
401, 403    CellsAuthError                no
404         CellsNotFound                 no
409         CellsConflict                 no
429         CellsRateLimited              yes
502-504     CellsUnavailable              yes
other 4/5xx CellsHTTPError                no
no answer   CellsTransportError           yes
==========  ============================  =========
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from migrate.cells.errorbody import one_line
from migrate.errors import (
    CellsAuthError,
    CellsConflict,
    CellsHTTPError,
    CellsNotFound,
    CellsRateLimited,
    CellsUnavailable,
)
from migrate.redact import DEFAULT_REDACTOR, Redactor

Json = Any
_HTML_TITLE = re.compile(r"<title[^>]*>([^<]{1,120})</title>", re.IGNORECASE)
# Go's TLS server answers a plain-HTTP request on its HTTPS port with this 400 (so does nginx
# with "The plain HTTP request was sent to HTTPS port").
_PLAIN_ON_TLS = re.compile(r"HTTP request to an HTTPS server|plain HTTP request was sent to HTTPS")


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    """One answer, read whole (within the size cap and the deadline)."""

    method: str
    path: str
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def text(self) -> str:
        """The body as text (undecodable bytes replaced)."""
        return self.body.decode("utf-8", "replace")

    def header(self, name: str) -> str:
        """A header's value ('' when absent), whatever its case."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), "")


def decode_json(reply: Reply, redactor: Redactor = DEFAULT_REDACTOR) -> Json:
    """The JSON body of a success; an empty or non-JSON body is a ``CellsHTTPError`` naming
    the endpoint (Cells always answers JSON on ``/a/``; an HTML page means another server)."""
    text = reply.text
    kw: dict[str, Any] = {"method": reply.method, "path": reply.path, "status": reply.status}
    if not text.strip():
        raise CellsHTTPError("Cells answered an empty body where JSON was expected", **kw)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise CellsHTTPError(
            f"the answer is not JSON, so this is not the Cells API ({describe_server(reply)})",
            body=redactor(text),
            **kw,
        ) from exc


def status_error(reply: Reply, redactor: Redactor = DEFAULT_REDACTOR) -> CellsHTTPError:
    """The exception for an error answer (the table in the module docstring)."""
    status = reply.status
    body = redactor(reply.text)
    message = title(body) or f"HTTP {status}"
    if status == 400 and _PLAIN_ON_TLS.search(body):
        message = "this port speaks HTTPS: use https:// in cells.url"
    kw: dict[str, Any] = {"method": reply.method, "path": reply.path, "status": status}
    kw["body"] = body
    if status in (401, 403):
        return CellsAuthError(message, **kw)
    if status == 404:
        return CellsNotFound(message, **kw)
    if status == 409:
        return CellsConflict(message, **kw)
    if status == 429:
        return CellsRateLimited(message, retry_after=retry_after(reply), **kw)
    if status in (502, 503, 504):
        return CellsUnavailable(message, **kw)
    return CellsHTTPError(message, **kw)


def not_cells(reply: Reply, base_url: str, redactor: Redactor = DEFAULT_REDACTOR) -> CellsHTTPError:
    """The error for an answer no Cells gives to a path every Cells serves (a 404/405/501 or
    an HTML page): another web server answers at ``cells.url``."""
    return CellsHTTPError(
        f"{base_url} is not a Cells server, or not its root URL: it answered "
        f"{describe_server(reply)}; check cells.url (the address of the Cells web interface, "
        "with no path)",
        method=reply.method,
        path=reply.path,
        status=reply.status,
        body=redactor(reply.text)[:120],
    )


def looks_like_another_server(reply: Reply) -> bool:
    """True for answers a Cells server does not give on the paths it always serves."""
    kind = reply.header("Content-Type").lower()
    return reply.status in (404, 405, 501) or (reply.status < 300 and "html" in kind)


def describe_server(reply: Reply) -> str:
    """What answered, for messages: status, ``Server`` header, type and page title."""
    parts = [f"HTTP {reply.status}"]
    server = reply.header("Server")
    if server:
        parts.append(f"Server: {server[:60]}")
    kind = reply.header("Content-Type").split(";")[0].strip()
    if kind:
        parts.append(kind)
    found = _HTML_TITLE.search(reply.text)
    if found:
        parts.append(f"page {found.group(1).strip()!r}")
    return ", ".join(parts)


def title(body: str) -> str:
    """The message of an error body as one readable line: ``Title`` of v2+ JSON (an embedded
    JSON error unwrapped), Hydra's ``error``, or the first line of v1 / gateway plain text
    (cells-api.md §1.8); :func:`migrate.cells.errorbody.one_line` is the one home of it."""
    return one_line(body)


def retry_after(reply: Reply) -> float | None:
    """``Retry-After`` in seconds; None when absent or an HTTP-date (our backoff then)."""
    raw = reply.header("Retry-After")
    if not raw:
        return None
    try:
        return max(float(raw), 0.0)
    except ValueError:
        return None
