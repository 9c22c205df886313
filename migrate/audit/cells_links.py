"""The Cells side of Pydio's public links: does the same hash still open something?

A public link is anonymous access, reported in its own section (never per user). For
each Pydio link that was live (not expired, its folder still existed), the audit asks
Cells for ``/public/<hash>`` (``migrate.cells.public``): 404 means the link is lost; a page
means it is kept, or different when one asks for a password and the other did not. Which
folder and rights the Cells link gives is not compared yet: when the shares stage creates
links (keeping the Pydio hash), their LINK workspace (``START_REPOSITORY``, whose roots the
``workspace-path`` ACLs give) and hidden user's ACLs are what to compare here.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from migrate.audit.model import LinkAccess, LinkResult, LinkStatus
from migrate.cells.client import CellsClient
from migrate.cells.public import read_public_link


def check_links(
    client: CellsClient, links: Sequence[LinkAccess], *, concurrency: int, now: float
) -> tuple[list[LinkResult], list[str]]:
    """Each live Pydio link against Cells, and notes on the links left out."""
    live = [link for link in links if link.location is not None and not _expired(link, now)]
    notes = []
    expired = sum(1 for link in links if _expired(link, now))
    dead = sum(1 for link in links if link.location is None)
    if expired:
        notes.append(f"{expired} Pydio public link(s) had expired: not access, not compared")
    if dead:
        notes.append(f"{dead} Pydio public link(s) pointed at a deleted share: not compared")
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        pages = list(pool.map(lambda link: read_public_link(client, link.hash), live))
    results = []
    for link, page in zip(live, pages, strict=True):
        if page is None:
            results.append(
                LinkResult(
                    link=link,
                    status=LinkStatus.LOST,
                    detail="Cells has no public page for this hash",
                )
            )
        elif page.password != link.password:
            want = "asks" if link.password else "does not ask"
            results.append(
                LinkResult(
                    link=link,
                    status=LinkStatus.DIFFERENT,
                    detail=f"Pydio {want} for a password, Cells does the opposite",
                )
            )
        else:
            results.append(
                LinkResult(link=link, status=LinkStatus.KEPT, detail=f"Cells link {page.workspace}")
            )
    return results, notes


def _expired(link: LinkAccess, now: float) -> bool:
    return link.expire_time is not None and 0 < link.expire_time < now
