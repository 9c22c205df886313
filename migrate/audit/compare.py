"""One user's Pydio views against their Cells views: the places where rights differ.

Checkpoints are every workspace root of either side and every place inside one where
rights may change (mask paths, ``<root>/*``, Cells sub-folder ACLs). At each, a side's
rights are the union over its views that contain the place (a folder reachable through
two workspaces can be opened through either). A checkpoint that shows the same pair of
rights as the nearest checkpoint above it adds nothing and is left out, so a user who lost
a whole workspace gets one line, not one per sub-folder.

At 100,000 users most checkpoints are equal: the words of a difference (where the rights
come from) are built only for the ones that differ, and shared by every difference that
says the same (``Interner``), which keeps a report of a million accepted lines small.
"""

from __future__ import annotations

from collections.abc import Sequence

from migrate.audit.locations import Location
from migrate.audit.model import NONE, Difference, View, classify

NOTHING = "-"


class Interner:
    """One copy of each repeated text and name tuple across all differences."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._names: dict[tuple[str, ...], tuple[str, ...]] = {}

    def text(self, value: str) -> str:
        """The shared copy of ``value``."""
        return self._texts.setdefault(value, value)

    def names(self, value: tuple[str, ...]) -> tuple[str, ...]:
        """The shared copy of a name tuple."""
        return self._names.setdefault(value, value)


def _index(views: Sequence[View]) -> dict[Location, list[View]]:
    by_root: dict[Location, list[View]] = {}
    for view in views:
        by_root.setdefault(view.location, []).append(view)
    return by_root


def _containing(by_root: dict[Location, list[View]], place: Location) -> list[View]:
    found: list[View] = []
    for anc in place.lineage():
        views = by_root.get(anc)
        if views:
            found.extend(views)
    return found


def _bits(views: Sequence[View], place: Location) -> int:
    bits = NONE
    for view in views:
        bits |= view.at(place)
    return bits


def _via(views: Sequence[View], place: Location) -> str:
    """The sources that grant rights at ``place`` (or, when none does, why not)."""
    granting = [view.via(place) for view in views if view.at(place)]
    return "; ".join(granting or [view.via(place) for view in views]) or NOTHING


def compare_views(
    user: str,
    cells_login: str,
    legacy: Sequence[View],
    cells: Sequence[View],
    interner: Interner | None = None,
) -> list[Difference]:
    """The differences of one user (``user`` legacy login, ``cells_login`` Cells login)."""
    if not legacy and not cells:
        return []
    words = interner or Interner()
    old, new = _index(legacy), _index(cells)
    points: set[Location] = set()
    for view in (*legacy, *cells):
        points.update(view.checkpoints())
    seen: dict[Location, tuple[int, int]] = {}
    found: list[Difference] = []
    for place in sorted(points, key=lambda p: (p.kind, p.path.count("/"), p.path)):
        was_views, now_views = _containing(old, place), _containing(new, place)
        was, now = _bits(was_views, place), _bits(now_views, place)
        above = next((seen[a] for a in place.lineage()[1:] if a in seen), None)
        seen[place] = (was, now)
        change = classify(was, now)
        if change is None or above == (was, now):
            continue
        names = sorted({n for view in (*was_views, *now_views) for n in view.names() if n})
        found.append(
            Difference(
                user=user,
                cells_login=cells_login,
                change=change,
                location=place,
                legacy=was,
                cells=now,
                legacy_via=words.text(_via(was_views, place)),
                cells_via=words.text(_via(now_views, place)),
                names=words.names(tuple(names)),
            )
        )
    return found
