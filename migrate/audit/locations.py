"""Where a right points: storage locations that both sides can name the same way.

The audit compares what a user can *reach*, not which object carries the right: a Pydio
workspace and a Cells workspace are the same place when their roots are the same folder.
A :class:`Location` is a kind and an absolute path:

* ``file:/srv/data/projects`` — a folder of a local filesystem (Pydio ``fs`` driver; a Cells
  LOCAL datasource's ``StorageConfiguration.folder``);
* ``s3:/<bucket>/<prefix>`` — an S3 bucket (Pydio ``CONTAINER`` + ``PATH``; a Cells S3
  datasource's ``ObjectsBucket`` + ``ObjectsBaseFolder``); the endpoint is not compared;
* ``personal:/<login>/<sub>`` — a user's own folder: a Pydio ``PATH`` holding ``AJXP_USER``
  (legacy-model.md §8.2) and the Cells template node whose resolution is
  ``DataSources.<personal> + "/" + User.Name`` (``GET /a/config/virtualnodes``);
* ``<driver>:/<host>/<path>`` — storage Cells has no datasource for (smb, ftp, …);
* ``unresolved:/<id>`` — a right whose folder could not be worked out (it is still access).

A path segment ``*`` stands for "any other sub-folder": Pydio denies the sub-folders a
permission mask does not list (§5.4), which a checkpoint ``<root>/*`` makes visible.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

OTHER = "*"
"""The segment that stands for every sub-folder not otherwise listed."""


def clean_path(path: str) -> str:
    """``/a//b/../c/`` → ``/a/c``; always absolute, ``/`` for the root."""
    cleaned = posixpath.normpath("/" + path.strip().strip("/"))
    return "/" if cleaned in ("/", "//") else cleaned


class Location(NamedTuple):
    """A storage place: ``kind`` (file, s3, personal, a driver name, …) and an absolute path.

    A named tuple, not a dataclass: the audit hashes places millions of times at scale, and
    a tuple's hash and equality run in C."""

    kind: str
    path: str = "/"

    def __str__(self) -> str:
        return f"{self.kind}:{self.path}"

    def contains(self, other: Location) -> bool:
        """True when ``other`` is this place or lies below it."""
        if self.kind != other.kind:
            return False
        if self.path == "/" or other.path == self.path:
            return True
        return other.path.startswith(self.path + "/")

    def join(self, relative: str) -> Location:
        """The place ``relative`` (``/docs/x`` or ``docs/x``) below this one."""
        rest = relative.strip("/")
        if not rest:
            return self
        base = self.path.rstrip("/")
        return Location(self.kind, clean_path(f"{base}/{rest}"))

    def relative_to(self, root: Location) -> str:
        """This path below ``root`` (``/`` for the root itself); ``root`` must contain it."""
        if root.path == "/":
            return self.path
        return self.path[len(root.path) :] or "/"

    def parent(self) -> Location | None:
        """The enclosing place, or None at the root."""
        if self.path == "/":
            return None
        return Location(self.kind, posixpath.dirname(self.path) or "/")

    def lineage(self) -> tuple[Location, ...]:
        """This place, then each enclosing one up to the root (cached: the audit asks for
        the same few thousand places for every user)."""
        return _lineage(self)


@lru_cache(maxsize=1 << 17)
def _lineage(place: Location) -> tuple[Location, ...]:
    parent = place.parent()
    return (place,) if parent is None else (place, *_lineage(parent))


@dataclass(frozen=True, slots=True, kw_only=True)
class PathRules:
    """How a legacy path becomes a folder on the Cells host: variable values
    (``AJXP_DATA_PATH`` …, longest name first) and prefix rewrites (whole segments, the
    longest matching ``from`` wins), as the admin declared them for the data copy."""

    variables: tuple[tuple[str, str], ...] = ()
    rewrites: tuple[tuple[str, str], ...] = ()

    def resolve(self, raw: str) -> str | None:
        """The absolute folder of ``raw``, or None when a variable is left or it is relative."""
        path = raw.strip()
        for name, value in sorted(self.variables, key=lambda kv: -len(kv[0])):
            path = path.replace(name, value)
        if "AJXP_" in path or not path.startswith("/"):
            return None
        return self.rewrite(clean_path(path))

    def rewrite(self, path: str) -> str:
        """Apply the longest matching prefix rewrite to an absolute path."""
        best: tuple[str, str] | None = None
        for source, target in self.rewrites:
            base = clean_path(source)
            if (path == base or path.startswith(base.rstrip("/") + "/")) and (
                best is None or len(base) > len(best[0])
            ):
                best = (base, target)
        if best is None:
            return path
        base, target = best
        return clean_path(target.rstrip("/") + "/" + path[len(base) :].lstrip("/"))
