"""One user's Pydio views against their Cells views: the places where rights differ.

Checkpoints are every workspace root of either side and every place inside one where
rights may change (mask paths, ``<root>/*``, Cells sub-folder ACLs). At each, a side's
rights are the union over its views that contain the place (a folder reachable through
two workspaces can be opened through either). A checkpoint that shows the same pair of
rights as the nearest checkpoint above it adds nothing and is left out, so a user who lost
a whole workspace gets one line, not one per sub-folder.
"""

from __future__ import annotations

from collections.abc import Sequence

from migrate.audit.locations import Location
from migrate.audit.model import NONE, Difference, View, classify

NOTHING = "-"


def _index(views: Sequence[View]) -> dict[Location, list[View]]:
    by_root: dict[Location, list[View]] = {}
    for view in views:
        by_root.setdefault(view.location, []).append(view)
    return by_root


def _rights(by_root: dict[Location, list[View]], place: Location) -> tuple[int, str, list[View]]:
    """Union of the rights at ``place``, the sources that grant them, the views containing it."""
    bits = NONE
    sources: list[str] = []
    containing: list[View] = []
    for anc in place.lineage():
        for view in by_root.get(anc, ()):
            containing.append(view)
            here = view.at(place)
            if here:
                bits |= here
                sources.append(view.via(place))
    if not sources and containing:
        sources = [view.via(place) for view in containing]  # e.g. "deny via role X"
    return bits, "; ".join(sources) or NOTHING, containing


def _names(views: Sequence[View]) -> tuple[str, ...]:
    return tuple(sorted({n for view in views for n in view.names() if n}))


def compare_views(
    user: str, cells_login: str, legacy: Sequence[View], cells: Sequence[View]
) -> list[Difference]:
    """The differences of one user (``user`` legacy login, ``cells_login`` Cells login)."""
    if not legacy and not cells:
        return []
    old, new = _index(legacy), _index(cells)
    points: set[Location] = set()
    for view in (*legacy, *cells):
        points.update(view.checkpoints())
    seen: dict[Location, tuple[int, int]] = {}
    found: list[Difference] = []
    for place in sorted(points, key=lambda p: (p.kind, p.path.count("/"), p.path)):
        was, was_via, was_views = _rights(old, place)
        now, now_via, now_views = _rights(new, place)
        above = next((seen[a] for a in place.lineage() if a != place and a in seen), None)
        seen[place] = (was, now)
        change = classify(was, now)
        if change is None or above == (was, now):
            continue
        found.append(
            Difference(
                user=user,
                cells_login=cells_login,
                change=change,
                location=place,
                legacy=was,
                cells=now,
                legacy_via=was_via,
                cells_via=now_via,
                names=_names([*was_views, *now_views]),
            )
        )
    return found
