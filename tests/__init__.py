"""cells-migrate tests (a package: helpers are imported as ``tests.support.*``)."""
