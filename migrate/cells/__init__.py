"""cells-migrate: migrate/cells."""
