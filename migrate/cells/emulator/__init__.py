"""A local emulator of the Pydio Cells REST API (issue 3), faithful to recorded Cells 3.0.9.

It shares no request-building or validation code with ``migrate.cells.client``: a bug in a
shared codec would pass every test (DESIGN.md "The emulator", STYLE.md §2.2).

    with EmulatorServer(EmulatorConfig()) as emu:
        token = emu.mint_pat("admin")
        ...  # talk to emu.url
"""

from migrate.cells.emulator.config import EmulatorConfig
from migrate.cells.emulator.server import EmulatorServer, serve

__all__ = ["EmulatorConfig", "EmulatorServer", "serve"]
