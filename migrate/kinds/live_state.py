"""What Cells holds, as far as a plan needs it: the live objects of every kind.

One field per kind, filled by the kind's handler (``KindHandler.live_field``); the plan's
fingerprint digests this value, so its fields keep their names and order.
"""

from __future__ import annotations

from dataclasses import dataclass

from migrate.cells.models import ACL, Group, Role, User, Workspace
from migrate.cells.shares import ShareCell, ShareLink
from migrate.cells.storage import DataSource


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveState:
    """What Cells holds, as far as the plan needs it. ``password_digests`` (login → digest
    of the hash stored in Cells' user table) is only known when the caller read it."""

    version: str = ""
    datasources: tuple[DataSource, ...] = ()
    workspaces: tuple[Workspace, ...] = ()
    groups: tuple[Group, ...] = ()
    roles: tuple[Role, ...] = ()
    users: tuple[User, ...] = ()
    acls: tuple[ACL, ...] = ()
    shares: tuple[ShareLink | ShareCell, ...] = ()  # links at the desired hashes, our cells
    folders: tuple[tuple[str, str], ...] = ()  # resolved sub-folder path -> node Uuid
    password_digests: tuple[tuple[str, str], ...] = ()
