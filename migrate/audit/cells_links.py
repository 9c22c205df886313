"""The Cells side of Pydio's public links: does the same hash still open the same thing?

A public link is anonymous access, reported in its own section (never per user). For
each Pydio link that was live (not expired, its folder still existed), the audit asks
Cells for ``/public/<hash>`` (``migrate.cells.public``): 404 means the link is lost. A page
names the link (``START_REPOSITORY``, the LINK workspace Uuid), which ``GET
/a/share/link/<Uuid>`` reads (it needs no rights on the link: share-link-owner.yaml), and
the link is kept only when all of these match Pydio's:

* the place it opens: its root node (``RootNodes``), located like every Cells node
  (``cells_read.NodeLocator``), against the folder or file of the Pydio link;
* its rights: ``Preview``/``Download`` give read, ``Upload`` write (cells-api.md "Shares":
  a Pydio ``rw`` minisite is a link with Upload), against the hidden Pydio user's right on
  the shared child workspace;
* download: Pydio's ``DOWNLOAD_DISABLED`` is a Cells link without ``Download``;
* the password: ``PRESET_LOGIN`` on the page (a password is asked) against Pydio's.

Anything else is ``different``, with every mismatch named.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from migrate.audit.locations import Location
from migrate.audit.model import NONE, READ, WRITE, LinkAccess, LinkResult, LinkStatus, right_text
from migrate.cells.client import CellsClient
from migrate.cells.public import PublicLink, read_public_link
from migrate.errors import CellsHTTPError

READ_PERMISSIONS = frozenset({"Preview", "Download"})
WRITE_PERMISSION = "Upload"
DOWNLOAD_PERMISSION = "Download"


@dataclass(frozen=True, slots=True, kw_only=True)
class CellsLink:
    """What a Cells link gives: where, which rights, download, password."""

    uuid: str
    places: tuple[Location | None, ...]
    right: int
    download: bool
    password: bool


def link_rights(permissions: Sequence[str]) -> int:
    """Read/write bits of a Cells link's ``Permissions``."""
    bits = READ if READ_PERMISSIONS & set(permissions) else NONE
    return bits | (WRITE if WRITE_PERMISSION in permissions else NONE)


def read_cells_link(
    client: CellsClient, page: PublicLink, locate: Callable[[str], Location | None]
) -> CellsLink | str:
    """The link behind a public page, or why it cannot be read."""
    try:
        data = client.transport.call("GET", f"/a/share/link/{page.workspace}")
    except CellsHTTPError as exc:  # 404 gone meanwhile; 500 a hijacked hash (recorded)
        return f"Cells cannot read link {page.workspace}: HTTP {exc.status}"
    data = data if isinstance(data, Mapping) else {}
    roots = [r for r in data.get("RootNodes") or () if isinstance(r, Mapping)]
    permissions = [str(p) for p in data.get("Permissions") or ()]
    return CellsLink(
        uuid=page.workspace,
        places=tuple(locate(str(r.get("Uuid") or "")) for r in roots),
        right=link_rights(permissions),
        download=DOWNLOAD_PERMISSION in permissions,
        password=page.password,
    )


def compare_link(link: LinkAccess, cells: CellsLink) -> LinkResult:
    """A Pydio link against the Cells link at its hash (module docstring)."""
    problems = []
    if link.location not in cells.places:
        shown = ", ".join(str(p) if p is not None else "(not located)" for p in cells.places)
        problems.append(f"Cells opens {shown or 'nothing'}, Pydio opened {link.location}")
    if cells.right != link.right:
        problems.append(
            f"Pydio gave {right_text(link.right)}, Cells gives {right_text(cells.right)}"
        )
    if cells.download == link.download_disabled:
        pydio = "disabled" if link.download_disabled else "allowed"
        problems.append(f"Pydio {pydio} download, Cells does the opposite")
    if cells.password != link.password:
        want = "asks" if link.password else "does not ask"
        problems.append(f"Pydio {want} for a password, Cells does the opposite")
    if problems:
        detail = f"Cells link {cells.uuid}: " + "; ".join(problems)
        return LinkResult(link=link, status=LinkStatus.DIFFERENT, detail=detail)
    detail = f"Cells link {cells.uuid}: {right_text(cells.right)} on {link.location}"
    return LinkResult(link=link, status=LinkStatus.KEPT, detail=detail)


def check_links(
    client: CellsClient,
    links: Sequence[LinkAccess],
    *,
    concurrency: int,
    now: float,
    locate: Callable[[str], Location | None],
) -> tuple[list[LinkResult], list[str]]:
    """Each live Pydio link against Cells, and notes on the links left out. ``locate``:
    the place of a Cells node Uuid (``NodeLocator.locate`` for no user)."""
    live = [link for link in links if link.location is not None and not _expired(link, now)]
    notes = []
    expired = sum(1 for link in links if _expired(link, now))
    dead = sum(1 for link in links if link.location is None)
    if expired:
        notes.append(f"{expired} Pydio public link(s) had expired: not access, not compared")
    if dead:
        notes.append(f"{dead} Pydio public link(s) pointed at a deleted share: not compared")

    def one(link: LinkAccess) -> LinkResult:
        page = read_public_link(client, link.hash)
        if page is None:
            detail = "Cells has no public page for this hash"
            return LinkResult(link=link, status=LinkStatus.LOST, detail=detail)
        cells = read_cells_link(client, page, locate)
        if isinstance(cells, str):
            return LinkResult(link=link, status=LinkStatus.DIFFERENT, detail=cells)
        return compare_link(link, cells)

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        return list(pool.map(one, live)), notes


def _expired(link: LinkAccess, now: float) -> bool:
    return link.expire_time is not None and 0 < link.expire_time < now
