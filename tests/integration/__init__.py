"""cells-migrate tests: integration."""
