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
roots on nothing accepted and left out of searches, ROOT_GROUP ACL rewrite, rebuilt
attributes), structured datasources over a real folder (indexed read-only after
``index_delay_s``; job ``resync-ds-<name>``) or an S3 bucket (through the S3 API,
:mod:`.s3bucket`), one objects service per parent folder with nested roots refused
(:mod:`.objects`), admin tree with Cells' three stat answers, user-view stats with Cells'
ACL resolution, services status, discovery, and a minimal share model (links, cells). Not
modelled: the web GUI registry, user-space folder creation, template (``my-files``)
resolution, file contents, Cells' timings (no 42 s / 11 s waits unless
``missing_ds_stat_delay_s`` is set).

Where the recordings are silent, the emulator does the closest recorded thing (issue 11):

* two creates sent together lose one on Cells (the list keeps one; GET still finds the
  other): the emulator handles one request at a time, so ``lose_datasource_creates=N``
  makes the next N creates end that way;
* why a create answered 200 is never served was recorded for a regular file as folder, a
  missing bucket and a dead endpoint; the other recorded case (an objects service that
  never listened) has no cause the emulator could model: the parity replay stands it in
  with a regular file;
* a name re-created seconds after its delete: sub-folder stats answer 500 ``Not found`` for
  ``recreate_unserved_s`` (recorded 120 s; default 0 so that tests may re-apply right after
  a rollback); the root's answer in that state was not recorded (served);
* a parent folder that is not writable: checked with ``os.access`` (Cells writes a temporary
  file; the recorded server ran as root, so a 0555 parent passed there and passes here);
* S3 endpoints off this machine are never contacted: their datasources are served with an
  empty tree (what a real Cells reaching a real bucket would give, minus the content);
* a resync of a datasource that is not served creates no job (recorded ``{}``).

Control API outside ``/a/`` (never faulted): ``GET /_emulator/state``, ``GET
/_emulator/requests``, ``POST /_emulator/reset``, ``POST /_emulator/pat``, ``POST
/_emulator/configure``.
"""

from migrate.cells.emulator.config import EmulatorConfig
from migrate.cells.emulator.server import EmulatorServer, serve

__all__ = ["EmulatorConfig", "EmulatorServer", "serve"]
