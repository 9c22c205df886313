"""cells-migrate tests: cassettes."""
