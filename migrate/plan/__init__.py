"""cells-migrate: migrate/plan."""
