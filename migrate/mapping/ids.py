"""Deterministic Cells ids and the one home of every naming rule (STYLE.md 2.7).

* :data:`NAMESPACE` is the only UUIDv5 namespace of the project: every id we make is
  ``uuid5(NAMESPACE, "<kind>:<natural key>")``, so a re-run finds what the last run made.
* Workspace UUID = the legacy repo id when it is a valid id, as Cells' own wizard does
  (cells-api.md §2 step 3: ``UUID = <Pydio 8 repo id>``), else the UUIDv5 of it.
* Slugs: lower-case ASCII letters, digits and ``-`` (what Cells' ``slug.Make`` produces).
* Datasource names: ``^[0-9a-z]+$`` (cells-api.md §1.2: anything else answers 500).
* Bucket names: the last folder segment becomes a MinIO bucket (cells-api.md §1.2, §7 q7):
  3-63 characters of lower-case letters, digits, ``.`` and ``-``, starting and ending with a
  letter or digit, not shaped like an IP address.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable, Collection

NAMESPACE = uuid.UUID("6f1c1a52-3a0e-5d57-9a43-7c0e2b9d1c48")
"""UUIDv5 namespace of cells-migrate (fixed forever: changing it changes every id)."""

_LEGACY_REPO_ID = re.compile(r"^[0-9a-f]{32}$")
_CANONICAL_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_DS_NAME = re.compile(r"^[0-9a-z]+$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IPV4 = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def stable_uuid(kind: str, key: str) -> str:
    """The deterministic id of an object of ``kind`` with natural key ``key``."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def is_valid_id(value: str) -> bool:
    """A legacy repo id Cells accepts as a workspace UUID: 32 hex digits or a canonical UUID."""
    return bool(_LEGACY_REPO_ID.match(value) or _CANONICAL_UUID.match(value))


def workspace_uuid(legacy_id: str) -> str:
    """Workspace UUID: the legacy id where valid (Cells' wizard), else its UUIDv5."""
    return legacy_id if is_valid_id(legacy_id) else stable_uuid("workspace", legacy_id)


def _ascii_lower(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return folded.lower()


def slugify(text: str, *, fallback: str = "workspace") -> str:
    """A valid Cells slug for ``text`` (``fallback`` when nothing usable is left)."""
    slug = _NOT_SLUG.sub("-", _ascii_lower(text)).strip("-")
    return slug or fallback


def is_valid_slug(slug: str) -> bool:
    """True when ``slug`` is already what :func:`slugify` would produce."""
    return bool(slug) and slugify(slug, fallback="") == slug


def datasource_name(text: str, *, prefix: str = "", max_length: int = 32) -> str:
    """A datasource name matching ``^[0-9a-z]+$`` built from ``text``."""
    core = re.sub(r"[^0-9a-z]", "", _ascii_lower(text)) or "ds"
    name = (re.sub(r"[^0-9a-z]", "", prefix.lower()) + core)[: max(1, max_length)]
    return name


def is_valid_datasource_name(name: str) -> bool:
    """Cells' datasource-name rule (cells-api.md §1.2)."""
    return bool(_DS_NAME.match(name))


def is_valid_bucket(segment: str) -> bool:
    """Whether a folder's last segment can be the MinIO bucket of a LOCAL datasource."""
    return (
        bool(_BUCKET.match(segment))
        and ".." not in segment
        and not _IPV4.match(segment)
        and "-." not in segment
        and ".-" not in segment
    )


def make_unique(
    name: str, taken: Collection[str], *, join: Callable[[str, int], str] | None = None
) -> str:
    """``name`` if free, else the first free ``join(name, n)`` for n = 2, 3, …"""
    if name not in taken:
        return name
    joiner = join or (lambda base, n: f"{base}-{n}")
    n = 2
    while joiner(name, n) in taken:
        n += 1
    return joiner(name, n)
