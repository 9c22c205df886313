"""cells-migrate: migrate/load."""
