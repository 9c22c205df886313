"""A local emulator of the Pydio Cells REST API (issue 3), faithful to a recorded Cells 3.0.9.

It shares no request-building or validation code with ``migrate.cells.client``: a bug in a
shared codec would pass every test (DESIGN.md "The emulator", STYLE.md §2.2). The
recordings in ``tests/cassettes/recordings`` are replayed against it by
``tests/emulator/test_parity.py`` (status, JSON shape and behaviour-carrying values).

    with EmulatorServer(EmulatorConfig(index_delay_s=0.0)) as emu:
        token = emu.mint_pat("admin")          # Bearer token (also POST /_emulator/pat)
        ...                                    # talk to emu.url
        emu.configure(fault_rate=0.2, latency_ms=10, forbid_writes=True)
        emu.state(); emu.requests(); emu.reset()

Modelled: session login/refresh/logout (failed-login counter and lock), Hydra auth-code +
PKCE with rotating refresh tokens and revocation, PATs, the caller's registry
(``/a/frontend/state``, its ``<user id>`` only), v1 Dex password grant (``version="1.x"``);
users/groups (upsert by Uuid, duplicate login 403/409, profile default ``shared``, group
path = parent + label, v3/v4 rendering), roles (AutoApplies with an optional cache, teams,
ForceOverride order), ACLs (unique key, bulk delete by filter), workspaces (slug suffixing,
root check, ROOT_GROUP ACL rewrite, rebuilt attributes), structured datasources over a real
folder (indexed read-only after ``index_delay_s``; job ``resync-ds-<name>``), admin tree,
user-view stats with Cells' ACL resolution, services status, discovery, and a minimal share
model (links, cells). Not modelled: the web GUI registry, user-space folder creation,
template (``my-files``) resolution, file contents, Cells' timings (no 42 s / 11 s waits).

Control API outside ``/a/`` (never faulted): ``GET /_emulator/state``, ``GET
/_emulator/requests``, ``POST /_emulator/reset``, ``POST /_emulator/pat``, ``POST
/_emulator/configure``.
"""

from migrate.cells.emulator.config import EmulatorConfig
from migrate.cells.emulator.server import EmulatorServer, serve

__all__ = ["EmulatorConfig", "EmulatorServer", "serve"]
