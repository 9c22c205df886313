"""Config loading: precedence, ${VAR}, env overrides, secrets, validation messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrate.config import AuthMethod, PasswordStrategy, load_config
from migrate.errors import ConfigError
from migrate.secret import Secret, hide_password

MINIMAL = """
legacy:
  install_path: /var/www/pydio
cells:
  url: https://cells.example.com/
  auth:
    method: pat
    token: ${CELLS_TOKEN}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(exc: pytest.ExceptionInfo[ConfigError]) -> str:
    return "\n".join(exc.value.problems)


def test_minimal_config_loads_with_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL), {"CELLS_TOKEN": "tok-123"})
    assert config.legacy.install_path == Path("/var/www/pydio")
    assert config.cells.url == "https://cells.example.com"
    assert config.cells.auth.method is AuthMethod.PAT
    assert config.cells.auth.token == Secret("tok-123")
    assert config.cells.tls.verify is True
    assert config.cells.concurrency == 4
    assert config.passwords.strategy is PasswordStrategy.RESET
    assert config.state.url.reveal() == "sqlite:///cells-migrate-state.db"


def test_secret_never_in_repr(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL), {"CELLS_TOKEN": "tok-very-secret"})
    assert "tok-very-secret" not in repr(config)
    assert "tok-very-secret" not in str(config.cells.auth.token)


def test_unset_variable_is_an_error_naming_key_and_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(write(tmp_path, MINIMAL), {})
    assert "cells.auth.token: environment variable CELLS_TOKEN is not set" in problems_of(exc)


def test_env_override_beats_yaml_and_flag_beats_env(tmp_path: Path) -> None:
    env = {
        "CELLS_TOKEN": "t",
        "CELLS_MIGRATE__CELLS__URL": "https://other.example.com",
        "CELLS_MIGRATE__CELLS__CONCURRENCY": "8",
    }
    config = load_config(write(tmp_path, MINIMAL), env)
    assert config.cells.url == "https://other.example.com"
    assert config.cells.concurrency == 8
    config = load_config(write(tmp_path, MINIMAL), env, {"cells.concurrency": 2})
    assert config.cells.concurrency == 2


def test_env_secret_stays_a_string(tmp_path: Path) -> None:
    env = {"CELLS_TOKEN": "t", "CELLS_MIGRATE__CELLS__AUTH__TOKEN": "12345"}
    config = load_config(write(tmp_path, MINIMAL), env)
    assert config.cells.auth.token == Secret("12345")


def test_literal_secret_in_yaml_is_refused(tmp_path: Path) -> None:
    text = MINIMAL.replace("${CELLS_TOKEN}", "plain-token-in-file")
    with pytest.raises(ConfigError) as exc:
        load_config(write(tmp_path, text), {})
    message = problems_of(exc)
    assert "cells.auth.token: a secret must not be written in the YAML file" in message
    assert "plain-token-in-file" not in str(exc.value)


def test_literal_password_in_database_url_is_refused(tmp_path: Path) -> None:
    text = MINIMAL + "state:\n  url: mysql+pymysql://cm:hunter2@db/state\n"
    with pytest.raises(ConfigError) as exc:
        load_config(write(tmp_path, text), {"CELLS_TOKEN": "t"})
    assert "state.url: the URL holds a password" in problems_of(exc)
    assert "hunter2" not in str(exc.value)


def test_password_in_url_from_variable_is_accepted(tmp_path: Path) -> None:
    text = MINIMAL + "state:\n  url: mysql+pymysql://cm:${STATE_PW}@db/state\n"
    config = load_config(write(tmp_path, text), {"CELLS_TOKEN": "t", "STATE_PW": "pw"})
    assert config.state.url.reveal() == "mysql+pymysql://cm:pw@db/state"


def test_unknown_keys_are_errors_with_suggestion(tmp_path: Path) -> None:
    text = MINIMAL + "  concurency: 3\nextra_section: {}\n"
    with pytest.raises(ConfigError) as exc:
        load_config(write(tmp_path, text), {"CELLS_TOKEN": "t"})
    message = problems_of(exc)
    assert "cells.concurency: unknown key (did you mean cells.concurrency?)" in message
    assert "extra_section: unknown key" in message


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    text = """
cells:
  url: ftp://nope
  concurrency: 0
  auth: {method: magic}
passwords: {strategy: keep-hash}
"""
    with pytest.raises(ConfigError) as exc:
        load_config(write(tmp_path, text), {})
    message = problems_of(exc)
    for expected in (
        "legacy.install_path: is required",
        "cells.url: must start with http:// or https://",
        "cells.concurrency: must be at least 1",
        "cells.auth.method: must be one of pat | password | oauth2",
        "passwords.cells_database_url: is required for strategy keep-hash",
    ):
        assert expected in message


def test_password_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "pw.txt").write_text("s3cret\n", encoding="utf-8")
    text = """
legacy: {install_path: /srv/pydio}
cells:
  url: http://127.0.0.1:8080
  auth: {method: password, login: admin, password_file: pw.txt}
"""
    config = load_config(write(tmp_path, text), {})
    assert config.cells.auth.password == Secret("s3cret")


def test_relative_paths_resolve_against_the_config_file(tmp_path: Path) -> None:
    text = MINIMAL + "mapping:\n  files: [mappings/site.yaml]\n"
    config = load_config(write(tmp_path, text), {"CELLS_TOKEN": "t"})
    assert config.mapping.files == (tmp_path / "mappings/site.yaml",)


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "legacy: [unclosed\n")
    with pytest.raises(ConfigError, match="is not valid YAML"):
        load_config(path, {})


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("mysql+pymysql://cells:pw@127.0.0.1/cells", "mysql+pymysql://cells:***@127.0.0.1/cells"),
        ("sqlite:///state.db", "sqlite:///state.db"),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
    ],
)
def test_hide_password(url: str, shown: str) -> None:
    assert hide_password(url) == shown
