"""cells-migrate tests: e2e."""
