"""config.example.yaml loads and documents every key of the schema."""

from __future__ import annotations

import re
from pathlib import Path

from migrate.config import SCHEMA, load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.yaml"
ENV = {"CELLS_TOKEN": "t", "CELLS_PASSWORD": "p", "CELLS_DB_PASSWORD": "d"}


def test_example_loads() -> None:
    config = load_config(EXAMPLE, ENV)
    assert config.cells.url == "https://cells.example.com"
    assert config.legacy.path_rewrite[0].target == "/srv/p8data"


def test_example_names_every_key() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\s*([a-z_]+):", text, flags=re.MULTILINE))
    expected = {key for keys in SCHEMA.values() for key in keys} | set(SCHEMA)
    expected = {k.rsplit(".", 1)[-1] for k in expected}
    assert expected - documented == set()
