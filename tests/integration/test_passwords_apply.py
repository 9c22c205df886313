"""The password hook inside the real applier (migrate/load/apply.py): what ``apply`` runs.

``Applier(..., password_writer=hook, new_password=hook.new_password)``: keep-hash users log
in with their Pydio 8 password afterwards, random users with the CSV's, and an update
(an adopted or existing user) never touches a password.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from migrate.cells.client import CellsClient
from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.config import AuthConfig, AuthMethod, CellsConfig
from migrate.errors import CellsError
from migrate.load.apply import Applier, Refs
from migrate.load.password_files import RandomPasswordFile
from migrate.load.passwords import PasswordHook, PasswordWriter
from migrate.mapping import DesiredUser
from migrate.mapping.desired import PasswordAction, PasswordPlan
from migrate.plan.actions import Action, ActionType, Kind, Stage
from migrate.sample.ids import md5_hash, password_for, pbkdf2_hash
from migrate.secret import Secret

pytestmark = pytest.mark.integration


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cells-users.db'}"


@pytest.fixture
def emu(db_url: str) -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=4, index_delay_s=0.0, user_db_url=db_url)) as e:
        yield e


@pytest.fixture
def client(emu: EmulatorServer) -> Iterator[CellsClient]:
    auth = AuthConfig(method=AuthMethod.PAT, token=Secret(emu.mint_pat("admin")))
    with CellsClient(CellsConfig(url=emu.url, auth=auth), read_only=False) as c:
        yield c


def _user(login: str, plan: PasswordPlan, uuid: str) -> DesiredUser:
    return DesiredUser(
        uuid=uuid,
        login=login,
        group_path="/",
        profile="standard",
        display_name=login,
        password=plan,
    )


def _action(user: DesiredUser, kind: ActionType) -> Action:
    return Action(
        stage=Stage.USERS, kind=Kind.USER, key=user.login, action=kind, cells_id=user.uuid
    )


def _login(emu: EmulatorServer, login: str, password: str) -> int:
    body = {"AuthInfo": {"login": login, "password": password, "type": "credentials"}}
    return requests.post(f"{emu.url}/a/frontend/session", json=body, timeout=10).status_code


def test_applier_creates_keep_the_hash_random_and_updates_leave_passwords(
    emu: EmulatorServer, client: CellsClient, db_url: str, tmp_path: Path
) -> None:
    csv_path = tmp_path / "random.csv"
    hook = PasswordHook(
        writer=PasswordWriter(Secret(db_url)),
        random_file=RandomPasswordFile(csv_path),
    )
    applier = Applier(client, Refs(), password_writer=hook, new_password=hook.new_password)
    kept = [
        _user(
            "php8",
            PasswordPlan(
                action=PasswordAction.KEEP_HASH,
                legacy_hash=Secret(pbkdf2_hash(password_for("php8"), "php8")),
            ),
            "a0000000-0000-4000-8000-000000000001",
        ),
        _user(
            "ajx5",
            PasswordPlan(
                action=PasswordAction.KEEP_HASH, legacy_hash=Secret(md5_hash(password_for("ajx5")))
            ),
            "a0000000-0000-4000-8000-000000000002",
        ),
    ]
    rand = _user(
        "rnd", PasswordPlan(action=PasswordAction.RANDOM), "a0000000-0000-4000-8000-000000000003"
    )
    reset = _user(
        "rst", PasswordPlan(action=PasswordAction.RESET), "a0000000-0000-4000-8000-000000000004"
    )
    try:
        for user in [*kept, rand, reset]:
            applier.write(_action(user, ActionType.CREATE), user)
        # An update of a user (adopted, or changed attributes) sends no password: kept.
        applier.write(_action(kept[0], ActionType.UPDATE), kept[0])
    finally:
        hook.close()
    for user in kept:
        assert _login(emu, user.login, password_for(user.login)) == 200
        assert _login(emu, user.login, "wrong") == 401
    with csv_path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert [r[0] for r in rows] == ["login", "rnd"]
    assert _login(emu, "rnd", rows[1][1]) == 200
    assert hook.users_to_reset() == ["rst"]


def test_a_failed_hash_write_undoes_the_create_so_that_a_retry_keeps_the_hash(
    emu: EmulatorServer, client: CellsClient, db_url: str, tmp_path: Path
) -> None:
    broken = PasswordHook(writer=PasswordWriter(Secret(f"sqlite:///{tmp_path / 'wrong.db'}")))
    sent: list[str] = []

    def new_password() -> str:
        sent.append(broken.new_password())
        return sent[-1]

    applier = Applier(client, Refs(), password_writer=broken, new_password=new_password)
    legacy = Secret(pbkdf2_hash(password_for("lost"), "lost"))
    user = _user(
        "lost",
        PasswordPlan(action=PasswordAction.KEEP_HASH, legacy_hash=legacy),
        "a0000000-0000-4000-8000-000000000005",
    )
    with pytest.raises(CellsError) as caught:
        applier.write(_action(user, ActionType.CREATE), user)
    broken.close()
    assert caught.value.subject == "user:lost"
    assert legacy.reveal() not in str(caught.value)
    assert len(sent) == 1  # the keep-hash create sent a random password of its own
    # The user is gone again (its row too): a resume plans a create, not a noop.
    assert client.get_user("lost") is None
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT COUNT(*) FROM idm_user_idx_tree WHERE uuid = :u"), {"u": user.uuid}
            ).scalar_one()
    finally:
        engine.dispose()
    assert rows == 0
    fixed = PasswordHook(writer=PasswordWriter(Secret(db_url)))
    retry = Applier(client, Refs(), password_writer=fixed, new_password=fixed.new_password)
    retry.write(_action(user, ActionType.CREATE), user)
    fixed.close()
    assert _login(emu, "lost", password_for("lost")) == 200
