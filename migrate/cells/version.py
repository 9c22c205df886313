"""Cells server version and the per-version differences the client must respect.

Detection: ``GET /a/config/discovery`` with a token gives ``Version``, ``PackageType``,
``PackageLabel``, ``BuildStamp``, ``BuildRevision``; without a token only ``Endpoints``
(version-detection.yaml). Never call ``POST /a/update`` (it phones the update server).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_VERSION = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?")


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerVersion:
    """What the target Cells said about itself. ``major`` is None when unknown."""

    version: str = ""
    edition: str = ""
    edition_label: str = ""
    build_stamp: int = 0
    build_revision: str = ""

    @property
    def parts(self) -> tuple[int, int, int] | None:
        """``(major, minor, patch)`` or None when the version was not disclosed."""
        match = _VERSION.match(self.version)
        if not match:
            return None
        return (int(match.group(1)), int(match.group(2) or 0), int(match.group(3) or 0))

    @property
    def major(self) -> int | None:
        """1, 2, 3, 4, 5 … or None."""
        parts = self.parts
        return parts[0] if parts else None

    @property
    def known(self) -> bool:
        """True when the server disclosed its version (a token was accepted)."""
        return self.major is not None

    # --- per-version behaviour (cells-api.md §1.4, §1.8, §1.9; cells-v3-behaviour.md) ---

    @property
    def group_put_appends_label(self) -> bool:
        """PUT of a group: v2+ append GroupLabel to GroupPath (send the parent path);
        v1.0 stored GroupPath as sent (send the full path). Recorded on v3.0.9:
        parent + label. Unknown version: assume the modern behaviour."""
        return self.major is None or self.major >= 2

    @property
    def group_search_gives_parent_path(self) -> bool:
        """Group search answers: v1-v3 give the parent path (``/g/``), v4+ the full path."""
        return self.major is None or self.major <= 3

    @property
    def has_flat_storage(self) -> bool:
        """``objectDataSource.FlatStorage`` exists from v3 (absent from the v2.2 spec)."""
        return self.major is None or self.major >= 3

    @property
    def json_error_bodies(self) -> bool:
        """v1.0 answered errors as plain text; later versions as ``{Title, Detail}``."""
        return self.major is None or self.major >= 2

    @property
    def duplicate_user_status(self) -> int:
        """A user PUT without Uuid for an existing login: 403 up to v4, 409 on v5."""
        return 409 if (self.major or 0) >= 5 else 403

    @classmethod
    def from_discovery(cls, data: Mapping[str, Any]) -> ServerVersion:
        """Parse ``GET /a/config/discovery`` (anonymous answers give no version)."""
        stamp = data.get("BuildStamp")
        try:
            build_stamp = int(stamp) if stamp not in (None, "") else 0
        except (TypeError, ValueError):
            build_stamp = 0
        return cls(
            version=str(data.get("Version") or ""),
            edition=str(data.get("PackageType") or ""),
            edition_label=str(data.get("PackageLabel") or ""),
            build_stamp=build_stamp,
            build_revision=str(data.get("BuildRevision") or ""),
        )

    @classmethod
    def from_bootconf(cls, data: Mapping[str, Any]) -> ServerVersion:
        """Parse anonymous ``GET /a/frontend/bootconf``: the edition only, because the
        anonymous ``ajxpVersion`` is an md5 hash, not a version (version-detection.yaml)."""
        backend = data.get("backend")
        backend = backend if isinstance(backend, Mapping) else {}
        raw = str(data.get("ajxpVersion") or "")
        return cls(
            version=raw if _VERSION.match(raw) and "." in raw else "",
            edition=str(backend.get("PackageType") or ""),
            edition_label=str(backend.get("PackageLabel") or ""),
        )
