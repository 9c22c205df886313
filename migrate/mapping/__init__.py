"""cells-migrate: migrate/mapping."""
