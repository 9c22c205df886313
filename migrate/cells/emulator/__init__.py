"""cells-migrate: migrate/cells/emulator."""
