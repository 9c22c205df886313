"""Anonymous public-link pages: ``GET /public/<hash>`` (share-link-create.yaml).

The page is what a visitor of a Pydio/Cells link gets. Cells answers 404 when no link has
the hash (or it expired, or its download limit is reached) and 200 with HTML whose start
parameters name the link workspace (``START_REPOSITORY``) and its visitor account
(``PRELOG_USER`` without password, ``PRESET_LOGIN`` with one; cells-v3-behaviour.md
"Public page and visitor login"). The request carries no credentials and changes nothing
(Cells only writes an audit-log line). ``requests`` errors become ``Cells*`` errors here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

import requests

from migrate.cells.http import status_error
from migrate.config import CellsConfig
from migrate.errors import CellsError, CellsTransportError

_PARAM = re.compile(r'"(START_REPOSITORY|PRELOG_USER|PRESET_LOGIN)"\s*:\s*"([^"]*)"')


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicLink:
    """What a public page discloses about its link."""

    link_hash: str
    workspace: str  # START_REPOSITORY: the link's workspace Uuid
    password: bool  # PRESET_LOGIN: the visitor must type a password


def read_public_link(config: CellsConfig, link_hash: str) -> PublicLink | None:
    """The link behind ``/public/<link_hash>``, None when Cells answers 404.

    Raises ``CellsTransportError`` when Cells cannot be reached, ``CellsHTTPError`` for
    another error answer, ``CellsError`` for a TLS failure.
    """
    path = "/public/" + quote(link_hash, safe="")
    with requests.Session() as session:
        session.verify = str(config.tls.ca_bundle) if config.tls.ca_bundle else config.tls.verify
        try:
            resp = session.get(config.url.rstrip("/") + path, timeout=config.timeout_s)
        except requests.exceptions.SSLError as exc:
            raise CellsError(f"GET {path}: TLS verification failed; see cells.tls") from exc
        except requests.RequestException as exc:
            kind = type(exc).__name__
            raise CellsTransportError(f"GET {path}: no answer ({kind})") from exc
    if resp.status_code == 404:
        return None
    if resp.status_code >= 400:
        raise status_error(resp, "GET", path)
    params = dict(_PARAM.findall(resp.text))
    return PublicLink(
        link_hash=link_hash,
        workspace=params.get("START_REPOSITORY", ""),
        password=bool(params.get("PRESET_LOGIN")),
    )
