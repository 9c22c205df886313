"""cells-migrate tests: unit."""
