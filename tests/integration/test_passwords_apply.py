"""The password step after the real applier's creates (migrate/load/password_steps.py).

``Applier(..., new_password=hook.new_password)`` creates, then ``PasswordSteps`` runs and
records the step in a real checkpoint DB: keep-hash users log in with their Pydio 8 password
afterwards, random users with the CSV's, reset users are listed, and an update (an adopted
or existing user) never touches a password. A failed step leaves the user in Cells with its
step ``failed``; run again (as ``resume`` does), it finishes.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from migrate.cells.client import CellsClient
from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.config import AuthConfig, AuthMethod, CellsConfig
from migrate.load.apply import Applier, Refs
from migrate.load.checkpoint import CheckpointDB, PlannedItem, this_process
from migrate.load.checkpoint_schema import ItemAction, PasswordState, RunCommand
from migrate.load.password_files import FileMode, RandomPasswordFile
from migrate.load.password_steps import PasswordSteps
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


@pytest.fixture
def state(tmp_path: Path) -> Iterator[CheckpointDB]:
    with CheckpointDB.open(f"sqlite:///{tmp_path / 'state.db'}", now=_now) as db:
        yield db


def _now() -> datetime:
    return datetime.now(UTC)


def _recorded(state: CheckpointDB, users: list[DesiredUser]) -> tuple[int, list[int]]:
    run = state.start_run(command=RunCommand.APPLY, holder=this_process())
    planned = [
        PlannedItem(
            stage=Stage.USERS, kind=Kind.USER, key=u.login, action=ItemAction.CREATE, password=True
        )
        for u in users
    ]
    return run.id, state.record_planned(run.id, planned)


def _states(state: CheckpointDB, run_id: int) -> dict[str, PasswordState | None]:
    return {r.key: r.password for r in state.items(run_id)}


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


def test_created_users_get_their_password_step_recorded(
    emu: EmulatorServer, client: CellsClient, db_url: str, state: CheckpointDB, tmp_path: Path
) -> None:
    csv_path = tmp_path / "random.csv"
    hook = PasswordHook(
        writer=PasswordWriter(Secret(db_url)),
        random_file=RandomPasswordFile(csv_path),
    )
    applier = Applier(client, Refs(), new_password=hook.new_password)
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
    users = [*kept, rand, reset]
    run_id, ids = _recorded(state, users)
    assert set(_states(state, run_id).values()) == {PasswordState.PENDING}
    try:
        with state.writer(run_id, holder=this_process()) as writer:
            steps = PasswordSteps(hook, client, writer)
            for item_id, user in zip(ids, users, strict=True):
                written = applier.write(_action(user, ActionType.CREATE), user)
                assert steps.after_create(item_id, user, written.cells_id) is None
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
    assert _states(state, run_id) == {
        "php8": PasswordState.DONE,
        "ajx5": PasswordState.DONE,
        "rnd": PasswordState.DONE,
        "rst": PasswordState.RESET,
    }


def test_a_failed_step_keeps_the_user_and_is_finished_when_run_again(
    emu: EmulatorServer, client: CellsClient, db_url: str, state: CheckpointDB, tmp_path: Path
) -> None:
    broken = PasswordHook(writer=PasswordWriter(Secret(f"sqlite:///{tmp_path / 'wrong.db'}")))
    applier = Applier(client, Refs(), new_password=broken.new_password)
    legacy = Secret(pbkdf2_hash(password_for("lost"), "lost"))
    user = _user(
        "lost",
        PasswordPlan(action=PasswordAction.KEEP_HASH, legacy_hash=legacy),
        "a0000000-0000-4000-8000-000000000005",
    )
    run_id, (item_id,) = _recorded(state, [user])
    with state.writer(run_id, holder=this_process()) as writer:
        written = applier.write(_action(user, ActionType.CREATE), user)
        error = PasswordSteps(broken, client, writer).after_create(item_id, user, written.cells_id)
    broken.close()
    assert error is not None
    assert error.startswith("password not set: ")
    assert legacy.reveal() not in error
    (record,) = state.items(run_id)
    assert record.password is PasswordState.FAILED
    assert record.error == error
    # The user stays in Cells, locked out by the random password of its create (never an
    # empty one) until the step is run again.
    assert client.get_user("lost") is not None
    assert _login(emu, "lost", password_for("lost")) == 401
    fixed = PasswordHook(writer=PasswordWriter(Secret(db_url)))
    with state.writer(run_id, holder=this_process()) as writer:
        assert PasswordSteps(fixed, client, writer).again(item_id, user, written.cells_id) is None
    fixed.close()
    assert _login(emu, "lost", password_for("lost")) == 200
    (record,) = state.items(run_id)
    assert (record.password, record.error) == (PasswordState.DONE, None)


def test_a_random_step_run_again_sets_a_new_password_that_logs_in(
    emu: EmulatorServer, client: CellsClient, state: CheckpointDB, tmp_path: Path
) -> None:
    csv_path = tmp_path / "random.csv"
    first = PasswordHook(random_file=RandomPasswordFile(csv_path))
    user = _user(
        "again", PasswordPlan(action=PasswordAction.RANDOM), "a0000000-0000-4000-8000-000000000006"
    )
    run_id, (item_id,) = _recorded(state, [user])
    # the create happened, then the process died before the CSV row was written
    written = Applier(client, Refs(), new_password=first.new_password).write(
        _action(user, ActionType.CREATE), user
    )
    first.close()
    second = PasswordHook(random_file=RandomPasswordFile(csv_path, mode=FileMode.APPEND))
    with state.writer(run_id, holder=this_process()) as writer:
        assert PasswordSteps(second, client, writer).again(item_id, user, written.cells_id) is None
    second.close()
    with csv_path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert [r[0] for r in rows] == ["login", "again"]
    assert _login(emu, "again", rows[1][1]) == 200
    assert _states(state, run_id) == {"again": PasswordState.DONE}
