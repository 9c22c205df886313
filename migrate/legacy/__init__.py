"""cells-migrate: migrate/legacy."""
