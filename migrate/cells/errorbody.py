"""Cells error bodies as one readable line, and what a tree stat's 500 means.

Cells v2+ answers ``{"Title","Detail"}``; some Titles are themselves an embedded JSON
error (``{"id","code","detail","status"}``, datasource-missing-and-unwritable-folder.yaml);
the gateway and v1 answer plain text; OAuth2 answers ``{"error","error_description"}``.
The operator gets one line, never raw JSON (issue 11 point 3).

A ``/a/tree/admin/stat`` 500 is not always an error (tree-stat-missing.yaml,
datasource-object-service-roots.yaml):

* ``Could not retrieve node /<sub>`` / ``Node <uuid> Not found in tree!`` (Detail
  ``Not Found: …``): the node does not exist in a datasource Cells serves;
* ``Could not find DataSource <ds>`` (after ~42 s): the datasource does not exist or Cells
  does not serve it (not indexed yet, or its objects service never started);
* ``Not found`` alone: a datasource re-created under a name deleted seconds earlier, not
  served yet.
"""

from __future__ import annotations

import json
from enum import StrEnum

MAX_LINE = 300


class StatAnswer(StrEnum):
    """What a failed tree stat says about the node and its datasource."""

    MISSING = "missing"  # the datasource is served and the node is not in it
    NOT_SERVED = "not-served"  # the datasource does not answer (yet)
    ERROR = "error"  # anything else: a real error


def error_fields(body: str) -> tuple[str, str]:
    """``(title, detail)`` of an error body; an embedded JSON error in the title is
    unwrapped to its ``detail``. Plain text gives its first line as the title."""
    text = body.strip()
    try:
        data = json.loads(text)
    except ValueError:
        return (text.splitlines()[0] if text else ""), ""
    if not isinstance(data, dict):
        return "", ""
    title = _str(data, "Title") or _str(data, "error_description") or _str(data, "error")
    detail = _str(data, "Detail") or (_str(data, "error") if title != _str(data, "error") else "")
    return _unwrap(title), _unwrap(detail)


def _str(data: dict[str, object], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def _unwrap(text: str) -> str:
    """``Not Found: {"detail": "stat …"}`` → ``Not Found: stat …``."""
    head, brace, rest = text.partition("{")
    if not brace:
        return text
    try:
        inner = json.loads(brace + rest)
    except ValueError:
        return text
    if isinstance(inner, dict) and isinstance(inner.get("detail"), str) and inner["detail"]:
        return head + str(inner["detail"])
    return text


def one_line(body: str) -> str:
    """The body as one readable line (empty when it says nothing)."""
    title, detail = error_fields(body)
    line = title or detail
    if title and detail and detail != title and not detail.endswith(title):
        line = f"{title} ({detail})"
    line = " ".join(line.split())
    return line if len(line) <= MAX_LINE else line[:MAX_LINE] + "…"


def stat_answer(body: str) -> StatAnswer:
    """What a tree stat's 500 body means (see the module docstring)."""
    title, detail = error_fields(body)
    if title.startswith("Could not find DataSource") or title == "Not found":
        return StatAnswer.NOT_SERVED
    if detail.startswith("Not Found:") or title.startswith("Could not retrieve node"):
        return StatAnswer.MISSING
    return StatAnswer.ERROR
