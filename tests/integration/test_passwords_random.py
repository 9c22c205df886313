"""``random`` and ``reset``: generated passwords that log in, a 0600 CSV, the reset list.

Users are created on the emulator with the password ``PasswordHook.new_password`` gave (as
the applier does), then the hook records it; the CSV's password must log in. The file is
created 0600, never overwritten unless asked, appended to on resume.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import stat
import string
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from migrate.cells.client import CellsClient
from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.config import (
    AuthConfig,
    AuthMethod,
    CellsConfig,
    Config,
    LegacyConfig,
    PasswordsConfig,
    PasswordStrategy,
)
from migrate.errors import ConfigError, MigrateError
from migrate.kinds.user import body as user_body
from migrate.load.password_files import (
    PASSWORD_LENGTH,
    FileMode,
    RandomPasswordFile,
    generate_password,
)
from migrate.load.passwords import PasswordHook, hook_for_run, users_needing_reset
from migrate.logsetup import setup_logging
from migrate.mapping import DesiredUser
from migrate.mapping.desired import PasswordAction, PasswordPlan
from migrate.plan.actions import Action, ActionType, Kind, Stage
from migrate.secret import Secret

pytestmark = pytest.mark.integration


@pytest.fixture
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=9, index_delay_s=0.0)) as server:
        yield server


@pytest.fixture
def client(emu: EmulatorServer) -> Iterator[CellsClient]:
    auth = AuthConfig(method=AuthMethod.PAT, token=Secret(emu.mint_pat("admin")))
    with CellsClient(CellsConfig(url=emu.url, auth=auth), read_only=False) as c:
        yield c


def _user(login: str, action: PasswordAction) -> DesiredUser:
    return DesiredUser(
        uuid="",
        login=login,
        group_path="/",
        profile="standard",
        display_name=login,
        password=PasswordPlan(action=action),
    )


def _login(emu: EmulatorServer, login: str, password: str) -> int:
    body = {"AuthInfo": {"login": login, "password": password, "type": "credentials"}}
    return requests.post(f"{emu.url}/a/frontend/session", json=body, timeout=10).status_code


def _create(client: CellsClient, hook: PasswordHook, user: DesiredUser) -> None:
    """What the applier does for a reset/random create: send ``new_password()``, then hook."""
    body = replace(user_body(user, uuid=""), password=Secret(hook.new_password()))
    hook(user, client.put_user(body).uuid)


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _our_messages(caplog: pytest.LogCaptureFixture) -> str:
    """What cells-migrate's own loggers said, before any redaction."""
    return "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("migrate."))


def test_random_passwords_go_to_a_0600_csv_and_log_in(
    emu: EmulatorServer, client: CellsClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    stderr = io.StringIO()
    setup_logging(stderr, verbosity=2)  # the CLI's handler, at its most verbose
    path = tmp_path / "passwords.csv"
    config = PasswordsConfig(strategy=PasswordStrategy.RANDOM, random_passwords_file=path)
    hook = PasswordHook.for_config(config)
    logins = ["rita", "sam, jr", 'quote"d', "zoë"]
    try:
        for login in logins:
            _create(client, hook, _user(login, PasswordAction.RANDOM))
    finally:
        hook.close()
    assert _mode(path) == 0o600
    rows = _rows(path)
    assert rows[0] == ["login", "password"]
    assert [r[0] for r in rows[1:]] == logins
    for login, password in rows[1:]:
        assert len(password) == PASSWORD_LENGTH
        assert _login(emu, login, password) == 200
        assert _login(emu, login, password[:-1]) == 401
        assert password not in stderr.getvalue()
        assert password not in _our_messages(caplog)
    assert len({r[1] for r in rows[1:]}) == len(logins)
    assert "random passwords are written to" in stderr.getvalue()
    assert hook.users_to_reset() == []


def test_an_existing_file_is_refused_appended_on_resume_or_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "passwords.csv"
    with RandomPasswordFile(path) as first:
        first.add("ann", Secret("Pw-ann-1"))
    with pytest.raises(ConfigError) as refused:
        RandomPasswordFile(path)
    assert "exists already" in str(refused.value)
    assert _rows(path) == [["login", "password"], ["ann", "Pw-ann-1"]]
    with RandomPasswordFile(path, mode=FileMode.APPEND) as resumed:
        resumed.add("bob", Secret("Pw-bob-1"))
    assert _rows(path) == [["login", "password"], ["ann", "Pw-ann-1"], ["bob", "Pw-bob-1"]]
    os.chmod(path, 0o644)
    with RandomPasswordFile(path, mode=FileMode.OVERWRITE) as fresh:
        fresh.add("cid", Secret("Pw-cid-1"))
    assert _rows(path) == [["login", "password"], ["cid", "Pw-cid-1"]]
    assert _mode(path) == 0o600


def test_a_file_in_a_missing_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        RandomPasswordFile(tmp_path / "missing" / "passwords.csv")
    assert "cannot create" in str(caught.value)


def test_generated_passwords_are_strong_and_distinct() -> None:
    made = [generate_password().reveal() for _ in range(500)]
    assert len(set(made)) == len(made)
    for password in made:
        assert len(password) == PASSWORD_LENGTH
        assert password[0] in string.ascii_letters
        assert any(c.islower() for c in password)
        assert any(c.isupper() for c in password)
        assert any(c.isdigit() for c in password)
        assert any(c in "-_.!+" for c in password)
    assert repr(generate_password()) == "Secret('***')"
    with pytest.raises(ValueError, match="at least"):
        generate_password(4)


def test_reset_users_are_listed_for_the_report(
    emu: EmulatorServer, client: CellsClient, tmp_path: Path
) -> None:
    hook = PasswordHook()
    for login in ("uma", "external.vic"):
        _create(client, hook, _user(login, PasswordAction.RESET))
    assert hook.users_to_reset() == ["external.vic", "uma"]
    # A password nobody was given: none that the test knows logs in.
    assert _login(emu, "uma", "") == 401
    users = [
        _user("uma", PasswordAction.RESET),
        _user("walt", PasswordAction.RESET),
        _user("xena", PasswordAction.RANDOM),
        _user("yves", PasswordAction.KEEP_HASH),
    ]
    assert users_needing_reset(users, {"uma", "xena", "yves"}) == ["uma"]


def test_random_without_a_generated_password_is_an_error(tmp_path: Path) -> None:
    hook = PasswordHook(random_file=RandomPasswordFile(tmp_path / "p.csv"))
    try:
        with pytest.raises(MigrateError) as caught:
            hook(_user("nopw", PasswordAction.RANDOM), "uuid-1")
        assert caught.value.subject == "user:nopw"
        # The password generated for one create is used once only.
        hook.new_password()
        hook(_user("once", PasswordAction.RANDOM), "uuid-2")
        with pytest.raises(MigrateError):
            hook(_user("twice", PasswordAction.RANDOM), "uuid-3")
    finally:
        hook.close()
    assert [r[0] for r in _rows(tmp_path / "p.csv")] == ["login", "once"]


def test_for_config_opens_only_what_the_strategy_and_the_plan_need(tmp_path: Path) -> None:
    path = tmp_path / "passwords.csv"
    random_cfg = PasswordsConfig(strategy=PasswordStrategy.RANDOM, random_passwords_file=path)
    later_stage = PasswordHook.for_config(random_cfg, creates_users=False)
    assert later_stage.random_file is None
    assert later_stage.writer is None
    assert not path.exists()
    first = PasswordHook.for_config(random_cfg)
    first.new_password()
    first(_user("kim", PasswordAction.RANDOM), "uuid-kim")
    first.close()
    with pytest.raises(ConfigError):
        PasswordHook.for_config(random_cfg)  # a new apply never overwrites handed-out passwords
    resumed = PasswordHook.for_config(random_cfg, file_mode=FileMode.APPEND)
    resumed.new_password()
    resumed(_user("lou", PasswordAction.RANDOM), "uuid-lou")
    resumed.close()
    assert [r[0] for r in _rows(path)] == ["login", "kim", "lou"]
    keep = PasswordsConfig(
        strategy=PasswordStrategy.KEEP_HASH,
        cells_database_url=Secret(f"sqlite:///{tmp_path / 'cells.db'}"),
    )
    hook = PasswordHook.for_config(keep)
    assert hook.writer is not None
    assert hook.random_file is None
    hook.close()


def test_hook_for_run_follows_the_plan(tmp_path: Path) -> None:
    path = tmp_path / "passwords.csv"
    config = Config(
        legacy=LegacyConfig(install_path=tmp_path),
        cells=CellsConfig(
            url="http://127.0.0.1:1",
            auth=AuthConfig(method=AuthMethod.PASSWORD, login="admin", password=Secret("pw")),
        ),
        passwords=PasswordsConfig(strategy=PasswordStrategy.RANDOM, random_passwords_file=path),
    )
    user = _user("mo", PasswordAction.RANDOM)
    create = Action(stage=Stage.USERS, kind=Kind.USER, key="mo", action=ActionType.CREATE)
    noop = replace(create, action=ActionType.NOOP)
    assert hook_for_run(config, [noop], resuming=False).random_file is None
    first = hook_for_run(config, [noop, create], resuming=False)
    first.new_password()
    first(user, "uuid-mo")
    first.close()
    with pytest.raises(ConfigError):
        hook_for_run(config, [create], resuming=False)
    resumed = hook_for_run(config, [create], resuming=True)
    resumed.new_password()
    resumed(replace(user, login="ned"), "uuid-ned")
    resumed.close()
    assert [r[0] for r in _rows(path)] == ["login", "mo", "ned"]


def test_closing_the_hook_logs_who_needs_a_reset(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="migrate.load.passwords")
    hook = PasswordHook()
    for login in ("zed", "amy"):
        hook(_user(login, PasswordAction.RESET), f"uuid-{login}")
    hook.close()
    assert "2 created user(s) need a password reset" in caplog.text
    assert "amy, zed" in caplog.text
