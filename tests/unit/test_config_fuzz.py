"""The configuration loader never fails with anything but a ``ConfigError`` (issue 13 point 7):
whatever YAML, environment overrides or files it is given, the admin reads a message naming
the key, never a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrate.config import SCHEMA, Config, load_config
from migrate.errors import ConfigError
from tests.support.examples import examples

KEYS = sorted({k for keys in SCHEMA.values() for k in keys} | {s.split(".")[-1] for s in SCHEMA})
KEYS += ["from", "to", "strategy", "url"]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        [
            "pat",
            "oauth2",
            "password",
            "keep-hash",
            "random",
            "http://127.0.0.1:1",
            "https://h",
            "mysql+pymysql://u@127.0.0.1:notaport/db",
            "sqlite:///x.db",
            "${UNSET}",
            "${SET}",
            "a\x00b",
            "~/x",
            "/",
        ]
    ),
)
KEY = st.one_of(st.sampled_from(KEYS), st.text(max_size=6), st.integers(-3, 3))


def _values(depth: int) -> st.SearchStrategy[Any]:
    if depth == 0:
        return SCALARS
    inner = _values(depth - 1)
    return st.one_of(
        SCALARS,
        st.lists(inner, max_size=3),
        st.dictionaries(KEY, inner, max_size=5),
    )


SECTIONS = ("legacy", "cells", "mapping", "passwords", "state", "auth", "tls")
DOCUMENTS = st.dictionaries(st.one_of(st.sampled_from(SECTIONS), KEY), _values(3), max_size=6)
ENV_NAMES = st.sampled_from(
    [
        "CELLS_MIGRATE__CELLS__URL",
        "CELLS_MIGRATE__CELLS__AUTH__METHOD",
        "CELLS_MIGRATE__CELLS__TIMEOUT_S",
        "CELLS_MIGRATE__CELLS__CONCURRENCY",
        "CELLS_MIGRATE__CELLS",
        "CELLS_MIGRATE__",
        "CELLS_MIGRATE____X",
        "CELLS_MIGRATE__LEGACY__PATH_REWRITE",
        "CELLS_MIGRATE__STATE__URL",
        "SET",
    ]
)
ENVS = st.dictionaries(ENV_NAMES, st.text(max_size=10), max_size=3)


DOTTED = sorted(
    f"{section}.{key}"
    for section, keys in SCHEMA.items()
    for key in keys
    if f"{section}.{key}" not in SCHEMA
)


@st.composite
def _mutated(draw: st.DrawFn) -> dict[str, Any]:
    """A valid configuration with some keys replaced by anything (deep values reach every
    validator, not only the first missing section)."""
    document: dict[str, Any] = {
        "legacy": {"install_path": "/x"},
        "cells": {"url": "https://h", "auth": {"method": "pat", "token": "${SET}"}},
    }
    for dotted in draw(st.lists(st.sampled_from(DOTTED), max_size=6, unique=True)):
        node = document
        *parents, last = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = draw(_values(2))
    return document


def _load(folder: Path, text: str, env: dict[str, str]) -> None:
    path = folder / "cfg.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        result: Config | ConfigError = load_config(path, env)
    except ConfigError as exc:
        result = exc
    assert isinstance(result, Config) or str(result)  # a config, or a message


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=DOCUMENTS, env=ENVS)
def test_any_document_is_a_config_or_a_config_error(
    tmp_path_factory: pytest.TempPathFactory, document: dict[Any, Any], env: dict[str, str]
) -> None:
    try:
        text = yaml.safe_dump(document, allow_unicode=True)
    except yaml.YAMLError:
        return
    _load(tmp_path_factory.mktemp("fuzz"), text, env)


@settings(max_examples=examples(250), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=_mutated(), env=ENVS)
def test_any_value_of_any_key_is_a_config_or_a_config_error(
    tmp_path_factory: pytest.TempPathFactory, document: dict[str, Any], env: dict[str, str]
) -> None:
    text = yaml.safe_dump(document, allow_unicode=True)
    _load(tmp_path_factory.mktemp("fuzz"), text, {"SET": "v", **env})


@settings(max_examples=examples(150), deadline=None)
@given(text=st.text(max_size=80))
def test_any_text_is_a_config_or_a_config_error(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    _load(tmp_path_factory.mktemp("fuzz"), text, {})


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ("legacy: {install_path: /x, path_rewrite: 5}", "legacy.path_rewrite"),
        ("legacy: {install_path: /x}\ncells: {url: 'https://h', concurrency: .nan}", "concurrency"),
        ("legacy: {install_path: /x}\ncells: {url: 'https://h', timeout_s: .inf}", "timeout_s"),
        (
            "legacy: {install_path: /x}\ncells: {url: 'https://h'}\n"
            "passwords: {strategy: keep-hash, cells_database_url: "
            "'mysql+pymysql://cells@127.0.0.1:notaport/cells'}",
            "passwords.cells_database_url",
        ),
        ("legacy: {install_path: /x}\ncells: {url: 'https://h:99999'}", "cells.url"),
        (
            "legacy: {install_path: /x}\ncells: {url: 'https://h', tls: {verify: false, "
            "ca_bundle: cfg.yaml}}",
            "cells.tls",
        ),
        ("legacy: {install_path: /x}\ncells: {url: 'https://h', auth: {token_file: nope}}", "nope"),
    ],
    ids=["rewrite-int", "nan", "inf", "db-port", "url-port", "verify-and-bundle", "pat-file"],
)
def test_bad_values_are_named(tmp_path: Path, document: str, named: str) -> None:
    path = tmp_path / "cfg.yaml"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(path, {})
    assert named in str(refused.value)
