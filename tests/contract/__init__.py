"""cells-migrate tests: contract."""
