"""cells-migrate: move an AjaXplorer / Pydio 5-8 install onto Pydio Cells."""

__version__ = "0.1.0"
