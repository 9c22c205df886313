"""Which public links the checkpoint DB records as migrated (for ``shares redirects``).

A link counts when the newest ``done`` item of the shares stage for its key (every run, in
confirmation order; rollback marks what it undid ``rolled_back``, so an undone link is not
``done`` any more) wrote it and was not a delete. Which item is a link is the after-image's
to say (what Cells holds, whatever the shares handler records): it must carry a link hash;
the shapes read:

* ``{"type": "link", "hash": <Cells hash>, "legacy_hash": <Pydio hash>,
  "application_base": <AJXP_APPLICATION_BASE of the Pydio share>}`` (``legacy_hash``
  defaults to ``hash``; ``application_base`` is optional), or
* Cells' own ``ShareLink`` answer (``LinkHash``, ``Uuid``), with ``legacy_hash`` beside it.

Anything else of kind ``share`` (a cell, a skip) is not a link and is not counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from migrate.kinds.vocabulary import Stage
from migrate.load.checkpoint import CheckpointDB
from migrate.load.checkpoint_records import ItemRecord
from migrate.load.checkpoint_schema import ItemAction
from migrate.load.redirects import LinkRedirect

LINK_TYPE = "link"


@dataclass(slots=True, kw_only=True)
class MigratedLinks:
    """The migrated links and the Pydio base URLs their shares were made under."""

    links: list[LinkRedirect] = field(default_factory=list)
    bases: set[str] = field(default_factory=set)


def link_of(image: Mapping[str, object]) -> tuple[LinkRedirect, str] | None:
    """``(redirect, application base)`` of a link after-image, None for anything else."""
    if str(image.get("type") or "").lower() == LINK_TYPE and image.get("hash"):
        cells_hash = str(image["hash"])
    elif image.get("LinkHash") and "Room" not in image:
        cells_hash = str(image["LinkHash"])
    else:
        return None
    legacy = str(image.get("legacy_hash") or cells_hash)
    base = str(image.get("application_base") or "")
    return LinkRedirect(legacy_hash=legacy, cells_hash=cells_hash), base


def newest_share_items(db: CheckpointDB) -> dict[str, ItemRecord]:
    """The newest ``done`` item of the shares stage per key, over every run."""
    newest: dict[str, ItemRecord] = {}
    for item in db.done_items_newest_first(None, stage=Stage.SHARES):
        newest.setdefault(item.key, item)
    return newest


def migrated_links(db: CheckpointDB) -> MigratedLinks:
    """Every public link that is in Cells as far as the checkpoint DB knows."""
    found = MigratedLinks()
    for _, item in sorted(newest_share_items(db).items()):
        if item.action is ItemAction.DELETE or item.after is None:
            continue
        link = link_of(item.after)
        if link is not None:
            found.links.append(link[0])
            if link[1]:
                found.bases.add(link[1])
    return found
