"""cells-migrate tests: emulator."""
