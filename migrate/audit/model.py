"""The audit's values: rights as bits, what each side grants a user, and the differences.

Both sides reduce to the same shape, a list of *views* per user (a place reached through
one workspace, with the rights there), so one comparison (``compare.py``) serves both.
Rights are bits: ``READ`` and ``WRITE``; a deny is the absence of both (it is kept as a
word in the sources of a report, not in the comparison: a deny and "nothing granted" reach
the same nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from migrate.audit.locations import Location

NONE, READ, WRITE = 0, 1, 2
RW = READ | WRITE
_TEXT = {NONE: "none", READ: "r", WRITE: "w", RW: "rw"}


def right_text(bits: int) -> str:
    """``rw``, ``r``, ``w`` or ``none``."""
    return _TEXT[bits & RW]


def right_bits(value: str) -> int:
    """Bits of a Pydio right (``r``, ``w``, ``rw``); anything else (deny, "") is none."""
    return (READ if "r" in value else NONE) | (WRITE if "w" in value else NONE)


class View(Protocol):
    """A place a user reaches through one workspace (legacy or Cells)."""

    @property
    def location(self) -> Location:
        """The workspace root, as a storage place."""
        ...

    @property
    def workspace(self) -> str:
        """How a report names the workspace (label and id, or slug)."""
        ...

    def at(self, place: Location) -> int:
        """Rights at ``place`` (inside ``location``) through this view."""
        ...

    def via(self, place: Location) -> str:
        """Where the rights at ``place`` come from (workspace and role), for reports."""
        ...

    def checkpoints(self) -> tuple[Location, ...]:
        """Places inside the view where rights may differ from the root (masks, sub-nodes)."""
        ...

    def names(self) -> tuple[str, ...]:
        """What an accept rule's ``workspace`` may match (ids, labels, slugs)."""
        ...


class Change(StrEnum):
    """How a user's rights on a place changed from Pydio to Cells."""

    LOST = "lost"  # Pydio gave something, Cells gives nothing
    WIDENED = "widened"  # Cells gives more than Pydio did (or anything where Pydio gave none)
    CHANGED = "changed"  # something else (rw -> r, r -> w)


def classify(legacy: int, cells: int) -> Change | None:
    """The change from ``legacy`` to ``cells`` bits, None when equal."""
    if legacy == cells:
        return None
    if cells == NONE:
        return Change.LOST
    if legacy == NONE or (cells & legacy) == legacy:
        return Change.WIDENED
    return Change.CHANGED


@dataclass(frozen=True, slots=True, kw_only=True)
class Difference:
    """One user's rights on one place differ between Pydio and Cells.

    ``user`` is the legacy login ("" for an account that exists only on Cells),
    ``cells_login`` the Cells login ("" when the user is not on Cells). ``names`` are what
    an accept rule's ``workspace`` may match: legacy workspace ids and labels, Cells slugs.
    """

    user: str
    cells_login: str
    change: Change
    location: Location
    legacy: int
    cells: int
    legacy_via: str
    cells_via: str
    names: tuple[str, ...] = ()
    accepted: str | None = None  # the reason of the accept rule that matched


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkAccess:
    """A Pydio public link (anonymous access, legacy-model.md §9): what it opened."""

    hash: str
    owner: str
    share_type: str
    workspace: str  # the shared child workspace, as a report names it
    location: Location | None
    right: int
    password: bool
    download_disabled: bool
    expire_time: int | None


class LinkStatus(StrEnum):
    """What Cells holds for a Pydio public link."""

    KEPT = "kept"  # the same hash answers on Cells
    LOST = "lost"  # no public page for the hash
    DIFFERENT = "different"  # the hash answers, but not as Pydio's did (password)


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkResult:
    """A Pydio public link next to what Cells serves for its hash."""

    link: LinkAccess
    status: LinkStatus
    detail: str = ""
    accepted: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SampleMismatch:
    """A logged-in user's real view of a place disagrees with the computed Cells rights."""

    login: str
    path: str  # the user-view path that was stat'ed (``<slug>/<sub>``)
    computed: str  # "writable", "read-only", "hidden"
    seen: str
