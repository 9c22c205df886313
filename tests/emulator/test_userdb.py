"""The emulator's optional user DB: a real ``idm_user_idx_tree`` whose ``etag`` logins check.

Modelled on cells-v3-behaviour.md §10 and the recording
``legacy-password-hash-db-injected.yaml``: a hash written straight into the user's row (PHP
style salt-as-text, Go style decoded salt, bare MD5) makes the original password log in and
the REST-given one fail. These tests use a SQLite file; tests/integration/test_passwords.py
runs the whole keep-hash path on SQLite, MariaDB and PostgreSQL.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.sample.ids import md5_hash, password_for, pbkdf2_hash

pytestmark = pytest.mark.integration

REST_PASSWORD = "Rest-Given-1"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cells-users.db'}"


@pytest.fixture
def emu(db_url: str) -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=11, index_delay_s=0.0, user_db_url=db_url)) as e:
        yield e


def _admin(emu: EmulatorServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {emu.mint_pat('admin')}"}


def _create(emu: EmulatorServer, login: str, password: str | None = REST_PASSWORD) -> str:
    body: dict[str, object] = {"Login": login, "Attributes": {"profile": "standard"}}
    if password is not None:
        body["Password"] = password
    answer = requests.put(f"{emu.url}/a/user/{login}", json=body, headers=_admin(emu), timeout=10)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["Uuid"])


def _login(emu: EmulatorServer, login: str, password: str) -> int:
    body = {"AuthInfo": {"login": login, "password": password, "type": "credentials"}}
    return requests.post(f"{emu.url}/a/frontend/session", json=body, timeout=10).status_code


def _rows(url: str) -> dict[str, tuple[str, str]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(sa.text("SELECT uuid, name, etag FROM idm_user_idx_tree"))
            return {str(r[0]): (str(r[1]), str(r[2])) for r in found}
    finally:
        engine.dispose()


def _set_etag(url: str, uuid: str, etag: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            changed = conn.execute(
                sa.text("UPDATE idm_user_idx_tree SET etag = :e WHERE uuid = :u"),
                {"e": etag, "u": uuid},
            ).rowcount
        assert changed == 1
    finally:
        engine.dispose()


def _go_style(password: str) -> str:
    """Cells' own format: the salt is base64 of the bytes PBKDF2 used."""
    salt = b"0123456789abcdef0123456789abcdef"
    key = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 1000, 24)
    return f"sha256:1000:{base64.b64encode(salt).decode()}:{base64.b64encode(key).decode()}"


def test_every_user_has_a_row_with_a_cells_hash(emu: EmulatorServer, db_url: str) -> None:
    uuid = _create(emu, "carol")
    rows = _rows(db_url)
    assert rows[uuid][0] == "carol"
    assert rows[uuid][1].startswith("sha256:1000:")
    assert REST_PASSWORD not in rows[uuid][1]
    admin = emu.state()["users"]
    admin_uuid = next(u["Uuid"] for u in admin if u["Login"] == "admin")
    assert rows[admin_uuid][0] == "admin"
    assert _login(emu, "carol", REST_PASSWORD) == 200
    assert _login(emu, "carol", "wrong") == 401
    assert _login(emu, "admin", "admin") == 200


@pytest.mark.parametrize(
    "make_hash",
    [
        lambda pw: pbkdf2_hash(pw, "dave"),  # Pydio 8: salt used as text
        _go_style,  # Cells: salt base64-decoded
        md5_hash,  # AjaXplorer <= 5.0.2: bare MD5 hex
    ],
    ids=["php-salt-as-text", "go-decoded-salt", "md5"],
)
def test_a_hash_written_into_the_db_is_what_the_next_login_checks(
    emu: EmulatorServer, db_url: str, make_hash: object
) -> None:
    uuid = _create(emu, "dave")
    original = password_for("dave")
    assert callable(make_hash)
    _set_etag(db_url, uuid, make_hash(original))
    assert _login(emu, "dave", original) == 200
    assert _login(emu, "dave", REST_PASSWORD) == 401
    assert _login(emu, "dave", original + "x") == 401


@pytest.mark.parametrize(
    "garbage",
    [
        "sha256:lots:c2FsdA==:aGFzaA==",
        "sha512:1000:c2FsdA==:aGFzaA==",
        "sha256:1000:c2FsdA==:not base64!",
        "sha256:1000:c2FsdA==:",
        "a:b:c:d:e",
        "",
        "é-not-ascii",
    ],
)
def test_a_malformed_hash_fails_the_login_without_a_500(
    emu: EmulatorServer, db_url: str, garbage: str
) -> None:
    uuid = _create(emu, "erin")
    _set_etag(db_url, uuid, garbage)
    assert _login(emu, "erin", REST_PASSWORD) == 401
    assert _login(emu, "erin", garbage or "x") == 401


def test_rest_password_change_rename_delete_and_reset_follow_the_table(
    emu: EmulatorServer, db_url: str
) -> None:
    uuid = _create(emu, "fred")
    _set_etag(db_url, uuid, md5_hash("Legacy-1"))
    # A rename keeps the row's etag (the hash someone wrote stays valid).
    body = {"Uuid": uuid, "Login": "frederic", "Attributes": {"profile": "standard"}}
    answer = requests.put(f"{emu.url}/a/user/frederic", json=body, headers=_admin(emu), timeout=10)
    assert answer.status_code == 200
    assert _rows(db_url)[uuid] == ("frederic", md5_hash("Legacy-1"))
    assert _login(emu, "frederic", "Legacy-1") == 200
    # A password set over REST replaces the etag.
    body["Password"] = "New-Rest-2"
    answer = requests.put(f"{emu.url}/a/user/frederic", json=body, headers=_admin(emu), timeout=10)
    assert answer.status_code == 200
    assert _login(emu, "frederic", "Legacy-1") == 401
    assert _login(emu, "frederic", "New-Rest-2") == 200
    gone = requests.delete(f"{emu.url}/a/user/frederic", headers=_admin(emu), timeout=10)
    assert gone.status_code == 200
    assert uuid not in _rows(db_url)
    _create(emu, "gina")
    assert len(_rows(db_url)) == len(emu.state()["users"])
    emu.reset()
    assert "gina" not in {name for name, _ in _rows(db_url).values()}
    assert len(_rows(db_url)) == len(emu.state()["users"])


def test_a_user_without_a_row_cannot_log_in(emu: EmulatorServer, db_url: str) -> None:
    uuid = _create(emu, "hank")
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM idm_user_idx_tree WHERE uuid = :u"), {"u": uuid})
    finally:
        engine.dispose()
    assert _login(emu, "hank", REST_PASSWORD) == 401


def test_without_a_user_db_logins_use_the_memory_store() -> None:
    with EmulatorServer(EmulatorConfig(seed=11, index_delay_s=0.0)) as emu:
        assert emu.store.userdb is None
        _create(emu, "ivy")
        assert _login(emu, "ivy", REST_PASSWORD) == 200
        assert _login(emu, "ivy", "wrong") == 401


def test_the_config_repr_hides_the_database_url() -> None:
    config = EmulatorConfig(user_db_url="mysql+pymysql://cells:Db-Secret-9@127.0.0.1/cells")
    assert "Db-Secret-9" not in repr(config)
