"""cells-migrate tests: builders."""
