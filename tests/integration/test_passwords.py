"""keep-hash end to end: users keep their Pydio 8 passwords on the emulator's real user DB.

The real lab sample (tests/data/pydio8-sqlite) is mapped with ``keep-hash``; each user is
created over REST (as apply does, no password sent), then ``PasswordHook`` writes the legacy
hash into ``idm_user_idx_tree.etag`` through ``PasswordWriter``; the emulator, whose users
live in that same database, checks the next login against it (cells-v3-behaviour.md §10).
The user then logs in with the ORIGINAL password from expected.json (200), a wrong one
gets 401, and the hash appears in no log line and no exception. Every backend: SQLite,
MariaDB, PostgreSQL (``dialect``).
"""

from __future__ import annotations

import io
import json
import logging
import traceback
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from migrate.cells.client import CellsClient
from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.config import AuthConfig, AuthMethod, CellsConfig, LegacyConfig
from migrate.errors import CellsError, ConfigError, MigrateError
from migrate.kinds.user import body as user_body
from migrate.legacy.bootstrap import discover_install
from migrate.legacy.sql import read_inventory_sql
from migrate.load.passwords import PasswordHook, PasswordWriter, check_password_table
from migrate.logsetup import setup_logging
from migrate.mapping import DesiredState, DesiredUser, PasswordStrategy, map_inventory
from migrate.mapping.desired import PasswordAction, PasswordPlan
from migrate.rulesfile import load_rules
from migrate.sample.ids import md5_hash, password_for, pbkdf2_hash
from migrate.secret import Secret
from tests.support.databases import TestDatabase

pytestmark = pytest.mark.integration

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "pydio8-sqlite"
EXPECTED = json.loads((SAMPLE / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def desired() -> DesiredState:
    install = discover_install(LegacyConfig(install_path=SAMPLE))
    assert install.conf.database is not None
    inventory = read_inventory_sql(
        install.conf.database.url.reveal(), static_workspaces=install.static_workspaces
    )
    rules = load_rules(path_variables=install.substitutions())
    return map_inventory(inventory, rules, password_strategy=PasswordStrategy.KEEP_HASH)


@pytest.fixture
def emu(dialect: TestDatabase) -> Iterator[EmulatorServer]:
    config = EmulatorConfig(seed=5, index_delay_s=0.0, user_db_url=dialect.url)
    with EmulatorServer(config) as server:
        yield server


@pytest.fixture
def client(emu: EmulatorServer) -> Iterator[CellsClient]:
    auth = AuthConfig(method=AuthMethod.PAT, token=Secret(emu.mint_pat("admin")))
    with CellsClient(CellsConfig(url=emu.url, auth=auth), read_only=False) as c:
        yield c


def _login(emu: EmulatorServer, login: str, password: str) -> int:
    body = {"AuthInfo": {"login": login, "password": password, "type": "credentials"}}
    return requests.post(f"{emu.url}/a/frontend/session", json=body, timeout=10).status_code


def _clear_passwords() -> dict[str, str]:
    people = [EXPECTED["admin"], *EXPECTED["users"], *EXPECTED["external_users"]]
    return {p["login"]: p["password"] for p in people if p.get("password")}


def _our_messages(caplog: pytest.LogCaptureFixture) -> str:
    """What cells-migrate's own loggers said, before any redaction."""
    return "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("migrate."))


def _etags(url: str) -> dict[str, str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT uuid, etag FROM idm_user_idx_tree"))
            return {str(r[0]): str(r[1]) for r in rows}
    finally:
        engine.dispose()


def _create(client: CellsClient, user: DesiredUser) -> str:
    """What apply sends for a keep-hash create: the user handler's body, no password."""
    return client.put_user(user_body(user, uuid=user.uuid)).uuid


def test_sample_users_log_in_with_their_pydio8_password(
    emu: EmulatorServer,
    client: CellsClient,
    dialect: TestDatabase,
    desired: DesiredState,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    stderr = io.StringIO()
    setup_logging(stderr, verbosity=2)  # the CLI's handler, at its most verbose
    assert check_password_table(Secret(dialect.url)) == []
    clear = _clear_passwords()
    users = [u for u in desired.users if u.login in clear]
    assert len(users) >= 10
    assert all(u.password.action is PasswordAction.KEEP_HASH for u in users)
    hook = PasswordHook(writer=PasswordWriter(Secret(dialect.url)))
    try:
        for user in users:
            uuid = _create(client, user)
            assert _login(emu, user.login, clear[user.login]) == 401  # a random password yet
            hook(user, uuid)
    finally:
        hook.close()
    for user in users:
        assert _login(emu, user.login, clear[user.login]) == 200, user.login
        assert _login(emu, user.login, clear[user.login] + "!") == 401, user.login
    etags = _etags(dialect.url)
    hashes = [u.password.legacy_hash.reveal() for u in users if u.password.legacy_hash]
    assert sorted(etags[u.uuid] for u in users) == sorted(hashes)
    assert hook.users_to_reset() == []
    for secret in [*hashes, *clear.values()]:
        assert secret not in stderr.getvalue()
        assert secret not in _our_messages(caplog)
    assert "legacy password hash written for user:ada" in stderr.getvalue()


@pytest.mark.parametrize(
    ("login", "make_hash"),
    [("pbk", lambda pw: pbkdf2_hash(pw, "pbk")), ("oldmd5", md5_hash)],
    ids=["pbkdf2-salt-as-text", "md5"],
)
def test_generated_hash_formats_log_in(
    emu: EmulatorServer, client: CellsClient, dialect: TestDatabase, login: str, make_hash: object
) -> None:
    assert callable(make_hash)
    legacy = Secret(make_hash(password_for(login)))
    user = DesiredUser(
        uuid=str(uuid.uuid5(uuid.NAMESPACE_URL, f"test-passwords/{login}")),
        login=login,
        group_path="/",
        profile="standard",
        display_name=login,
        password=PasswordPlan(action=PasswordAction.KEEP_HASH, legacy_hash=legacy),
    )
    with PasswordWriter(Secret(dialect.url)) as writer:
        PasswordHook(writer=writer)(user, _create(client, user))
        # Re-writing the same hash (a resumed run) matches the row again: no error.
        writer.write(user.uuid, legacy, subject=f"user:{login}")
    assert _login(emu, login, password_for(login)) == 200
    assert _login(emu, login, password_for(login).upper()) == 401


def test_an_unknown_uuid_changes_nothing_and_names_the_user_not_the_hash(
    emu: EmulatorServer, dialect: TestDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    legacy = Secret(pbkdf2_hash("Ghost-Pass-1", "ghost"))
    before = _etags(dialect.url)
    with PasswordWriter(Secret(dialect.url)) as writer, pytest.raises(CellsError) as caught:
        writer.write("no-such-uuid", legacy, subject="user:ghost")
    assert caught.value.subject == "user:ghost"
    assert "user:ghost" in str(caught.value)
    assert "0 row(s)" in str(caught.value)
    text = "".join(traceback.format_exception(caught.value))
    assert legacy.reveal() not in text
    assert legacy.reveal() not in _our_messages(caplog)
    assert _etags(dialect.url) == before


def test_eight_threads_share_one_writer(
    emu: EmulatorServer, client: CellsClient, dialect: TestDatabase
) -> None:
    users = [
        DesiredUser(
            uuid=f"11111111-0000-4000-8000-{i:012d}",
            login=f"par{i:02d}",
            group_path="/",
            profile="standard",
            display_name=f"par{i:02d}",
        )
        for i in range(24)
    ]
    for user in users:
        _create(client, user)
    with PasswordWriter(Secret(dialect.url), pool_size=8) as writer, ThreadPoolExecutor(8) as pool:
        done = pool.map(
            lambda u: writer.write(
                u.uuid, Secret(md5_hash(password_for(u.login))), subject=f"user:{u.login}"
            ),
            users,
        )
        assert len(list(done)) == len(users)
    etags = _etags(dialect.url)
    assert all(etags[u.uuid] == md5_hash(password_for(u.login)) for u in users)
    assert all(_login(emu, u.login, password_for(u.login)) == 200 for u in users[:4])


def test_check_refuses_keep_hash_when_the_table_differs(dialect: TestDatabase) -> None:
    engine = sa.create_engine(dialect.url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS idm_user_idx_tree"))
            # A v5-like table: the password is no longer in an etag column.
            conn.execute(
                sa.text("CREATE TABLE idm_user_idx_tree (uuid VARCHAR(128), password TEXT)")
            )
        problems = check_password_table(Secret(dialect.url))
        assert len(problems) == 1
        assert "lacks column(s) etag" in problems[0]
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE idm_user_idx_tree"))
        problems = check_password_table(Secret(dialect.url))
        assert "has no table idm_user_idx_tree" in problems[0]
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS idm_user_idx_tree"))
        engine.dispose()


def test_database_errors_hide_the_dsn_password_and_the_hash(tmp_path: Path) -> None:
    legacy = Secret(pbkdf2_hash("Pw-x-1", "x"))
    urls = [
        "mysql+pymysql://cells:Dsn-Secret-7@127.0.0.1:3306/cm_no_such_db?connect_timeout=5",
        f"sqlite:///{tmp_path / 'no-table.db'}",
    ]
    for url in urls:
        writer = PasswordWriter(Secret(url))
        with pytest.raises(CellsError) as caught:
            writer.write("some-uuid", legacy, subject="user:x")
        writer.close()
        text = "".join(traceback.format_exception(caught.value)) + repr(writer)
        assert "Dsn-Secret-7" not in text
        assert legacy.reveal() not in text
        assert caught.value.subject == "user:x"
    with pytest.raises(ConfigError) as bad:
        PasswordWriter(Secret("nodriver+x://u:Dsn-Secret-7@h/db"))
    assert "Dsn-Secret-7" not in str(bad.value)


def test_keep_hash_without_a_writer_is_an_error_naming_the_user(desired: DesiredState) -> None:
    user = next(u for u in desired.users if u.login == "ada")
    with pytest.raises(MigrateError) as caught:
        PasswordHook()(user, user.uuid)
    assert caught.value.subject == "user:ada"
    assert user.password.legacy_hash is not None
    assert user.password.legacy_hash.reveal() not in str(caught.value)
