"""Anonymous public-link pages: ``GET /public/<hash>`` (share-link-create.yaml).

The page is what a visitor of a Pydio/Cells link gets. Cells answers 404 when no link has
the hash (or it expired, or its download limit is reached) and 200 with HTML whose start
parameters name the link workspace (``START_REPOSITORY``) and its visitor account
(``PRELOG_USER`` without password, ``PRESET_LOGIN`` with one; cells-v3-behaviour.md
"Public page and visitor login"). The request carries no credentials and changes nothing
(Cells only writes an audit-log line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from migrate.cells.client import CellsClient

_PARAM = re.compile(r'"(START_REPOSITORY|PRELOG_USER|PRESET_LOGIN)"\s*:\s*"([^"]*)"')


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicLink:
    """What a public page discloses about its link."""

    link_hash: str
    workspace: str  # START_REPOSITORY: the link's workspace Uuid
    password: bool  # PRESET_LOGIN: the visitor must type a password


def read_public_link(client: CellsClient, link_hash: str) -> PublicLink | None:
    """The link behind ``/public/<link_hash>``, None when Cells answers 404.

    Sent through the client's wire without credentials (same redirect policy, deadline and
    size cap as every call). Raises ``CellsTransportError`` when Cells cannot be reached,
    ``CellsHTTPError`` for another error answer, ``CellsError`` for a TLS failure.
    """
    text = client.public_page(link_hash)
    if text is None:
        return None
    params = dict(_PARAM.findall(text))
    return PublicLink(
        link_hash=link_hash,
        workspace=params.get("START_REPOSITORY", ""),
        password=bool(params.get("PRESET_LOGIN")),
    )
