"""Shares end to end on the real Pydio 8.2.5 lab sample (tests/data/pydio8-sqlite) and the
emulator: issue 15 "Done when".

The sample has two public links (``f76aa2``: a file, password-protected; ``8deec3``: a
folder, expiring) and one folder shared with pierre (read+write), plus an external user
(``student.ext``). After ``apply`` each link opens at its Pydio 8 hash, the cell gives
pierre the folder with read+write, the external user is a ``shared`` user; a second apply
changes nothing; rollback removes links and cells; check, plan and verify name every share
that is not migrated, with its reason.
"""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests

from migrate.cells.client import CellsClient
from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.cells.public import read_public_link
from migrate.cells.shares import (
    ShareLink,
    get_cell,
    get_link,
    list_cells,
    put_link,
    set_hash_min_length,
)
from migrate.config import AuthConfig, AuthMethod, CellsConfig
from migrate.secret import Secret
from tests.support.cli import make_folders, run, run_json, write_config

pytestmark = pytest.mark.e2e

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "pydio8-sqlite"
LAB = "/srv/pydio/lab-storage"
LINKS = {"f76aa2", "8deec3"}
EXPIRES = 1797122606  # link 8deec3's EXPIRE_TIME
LINK_PASSWORD = "Photon!Link1"


@pytest.fixture
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=15, index_delay_s=0.0)) as server:
        yield server


def lab_copy(tmp: Path) -> Path:
    """The sample's storage tree as listed in storage-listing.txt (folders and files)."""
    lab = tmp / "lab"
    for line in (SAMPLE / "storage-listing.txt").read_text().splitlines():
        kind, _, rel = line.partition(" ")
        target = lab / rel
        if kind == "d":
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(f"content of {rel}\n")
    return lab


def sample_config(tmp: Path, emu: EmulatorServer, extra: str = "") -> Path:
    root = tmp / "sample"
    shutil.copytree(SAMPLE, root)
    lab = lab_copy(tmp)
    rewrite = f"  path_rewrite:\n    - {{from: {LAB}, to: {lab}}}\n"
    config = write_config(tmp, root, emu, extra)
    text = config.read_text().replace(
        f"  install_path: {root}\n", f"  install_path: {root}\n{rewrite}"
    )
    config.write_text(text)
    make_folders(config)  # the data folders outside the lab (Common Files, My Files)
    return config


def admin_client(emu: EmulatorServer) -> CellsClient:
    auth = AuthConfig(method=AuthMethod.PAT, token=Secret(emu.mint_pat("admin")))
    return CellsClient(CellsConfig(url=emu.url, auth=auth), read_only=True)


def share_actions(config: Path) -> list[dict[str, Any]]:
    code, out, err = run(config, "plan", "--format", "json")
    assert code == 0, err
    return [a for a in json.loads(out)["actions"] if a["kind"] == "share"]


def test_plan_shows_every_share_as_a_link_or_cell_to_create(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    config = sample_config(tmp_path, emu)
    actions = {a["key"]: a["action"] for a in share_actions(config)}
    assert actions == {
        "link:8deec3": "create",
        "link:f76aa2": "create",
        "cell:Run 001 shared": "create",
    }
    code, out, _err = run(config, "plan")
    assert code == 0
    assert "\nshares:\n" in out
    assert "  + share link:f76aa2" in out
    assert "  + share cell:Run 001 shared" in out


def test_apply_migrates_every_share_then_rerun_changes_nothing_then_rollback(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    config = sample_config(tmp_path, emu)
    code, result = run_json(config, "apply", "--yes")
    # the sample's S3 workspace roots on a folder the (empty) bucket does not have
    assert code in (0, 3), result
    assert [f for f in result["failures"] if f["kind"] == "share"] == []
    with admin_client(emu) as client:
        for link_hash in LINKS:
            page = read_public_link(client, link_hash)
            assert page is not None, link_hash
            link = get_link(client, page.workspace)
            assert link is not None
            assert link.link_hash == link_hash
        protected = read_public_link(client, "f76aa2")
        assert protected is not None
        assert protected.password
        marie = client.get_user("marie")
        assert marie is not None
        laser = get_link(client, read_public_link(client, "8deec3").workspace)  # type: ignore[union-attr]
        assert laser is not None
        assert (laser.label, laser.access_end, laser.owner) == (
            "Laser results",
            str(EXPIRES),
            marie.uuid,
        )
        cells = list_cells(client)
        assert len(cells) == 1
        cell = get_cell(client, cells[0])
        pierre = client.get_user("pierre")
        assert cell is not None
        assert pierre is not None
        assert (cell.label, cell.owner) == ("Run 001 shared", marie.uuid)
        assert dict(cell.acls)[pierre.uuid] == ("read", "write")
        assert dict(cell.acls)[marie.uuid] == ("read", "write")
        student = client.get_user("student.ext")
        assert student is not None
        assert dict(student.attributes)["profile"] == "shared"
    state = emu.state()
    code, report = run_json(config, "verify")
    assert [m for m in report["missing"] if m["kind"] == "share"] == []
    assert [d for d in report["different"] if d["kind"] == "share"] == []
    assert report["checked"] >= 3
    assert [a for a in share_actions(config) if a["action"] != "noop"] == []
    code, again = run_json(config, "apply", "--yes")
    assert code in (0, 3), again
    assert emu.state() == state
    code, rolled = run_json(config, "rollback", "--stage", "shares", "--yes")
    assert code == 0, rolled
    with admin_client(emu) as client:
        assert all(read_public_link(client, h) is None for h in LINKS)
        assert list_cells(client) == []


def _visitor_login(emu: EmulatorServer, link_hash: str, login: str, password: str) -> int:
    body = {"AuthInfo": {"login": login, "password": password, "type": "credentials"}}
    headers = {"X-Pydio-Minisite": link_hash}
    reply = requests.post(f"{emu.url}/a/frontend/session", json=body, headers=headers, timeout=10)
    return reply.status_code


def _hidden_login(emu: EmulatorServer, link_hash: str) -> str:
    with admin_client(emu) as client:
        page = read_public_link(client, link_hash)
        assert page is not None
        link = get_link(client, page.workspace)
        assert link is not None
        return link.user_login


def test_keep_hash_the_pydio8_link_password_opens_the_migrated_link(tmp_path: Path) -> None:
    users_db = f"sqlite:///{tmp_path / 'cells-users.db'}"
    extra = f"passwords:\n  strategy: keep-hash\n  cells_database_url: {users_db}\n"
    config = EmulatorConfig(seed=15, index_delay_s=0.0, user_db_url=users_db)
    with EmulatorServer(config) as emu:
        cfg = sample_config(tmp_path, emu, extra)
        code, result = run_json(cfg, "apply", "--yes")
        assert code in (0, 3), result
        assert [f for f in result["failures"] if f["kind"] == "share"] == []
        hidden = _hidden_login(emu, "f76aa2")
        assert _visitor_login(emu, "f76aa2", hidden, LINK_PASSWORD) == 200
        assert _visitor_login(emu, "f76aa2", hidden, "not-the-password") == 401


def test_random_strategy_writes_the_new_link_password_to_the_0600_csv(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    csv_path = tmp_path / "passwords.csv"
    extra = f"passwords:\n  strategy: random\n  random_passwords_file: {csv_path}\n"
    config = sample_config(tmp_path, emu, extra)
    code, result = run_json(config, "apply", "--yes")
    assert code in (0, 3), result
    assert csv_path.stat().st_mode & 0o777 == 0o600
    rows = dict(csv.reader(csv_path.read_text().splitlines()[1:]))
    password = rows["link:f76aa2"]
    hidden = _hidden_login(emu, "f76aa2")
    assert _visitor_login(emu, "f76aa2", hidden, password) == 200


def _expire(config: Path) -> None:
    """Make link 8deec3 expired in the sample copy (same serialized length: 10 digits)."""
    db = config.parent / "sample" / "data" / "plugins" / "conf.sql" / "pydio.db"
    with sqlite3.connect(db) as conn:
        (data,) = conn.execute(
            "SELECT serialized_data FROM ajxp_simple_store WHERE object_id = '8deec3'"
        ).fetchone()
        raw = data if isinstance(data, bytes) else data.encode()
        changed = raw.replace(str(EXPIRES).encode(), b"1000000000")
        assert changed != raw
        conn.execute(
            "UPDATE ajxp_simple_store SET serialized_data = ? WHERE object_id = '8deec3'",
            (changed if isinstance(data, bytes) else changed.decode(),),
        )


def test_an_expired_link_is_listed_with_its_reason_in_check_plan_and_verify(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    config = sample_config(tmp_path, emu)
    _expire(config)
    code, out, _err = run(config, "plan")
    assert code == 0
    assert "  x share 8deec3  (skip)" in out
    assert "expired" in out
    assert "Warning: 1 legacy share(s) cannot be migrated" in out
    _code, out, _err = run(config, "check")
    assert "8deec3" in out
    assert run_json(config, "apply", "--yes")[0] in (0, 3)
    code, out, _err = run(config, "verify")
    assert not out.startswith("verify: OK")  # NOT OK here: the sample's S3 workspace
    assert "1 share(s) not migrated" in out
    assert "not migrated share:8deec3" in out
    code, out, _err = run(config, "plan")
    assert "No changes" not in out
    assert "Warning: 1 legacy share(s) cannot be migrated" in out


def writer_client(emu: EmulatorServer) -> CellsClient:
    auth = AuthConfig(method=AuthMethod.PAT, token=Secret(emu.mint_pat("admin")))
    return CellsClient(CellsConfig(url=emu.url, auth=auth), read_only=False)


def test_a_hash_held_by_another_link_is_a_conflict_never_taken_over(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    config = sample_config(tmp_path, emu)
    assert run_json(config, "apply", "--yes", "--stage", "datasources")[0] == 0
    with writer_client(emu) as client:
        other = client.stat_node("experiments/run-001")
        assert other is not None
        admin = client.get_user("admin")
        assert admin is not None
        set_hash_min_length(client, admin.uuid, 6)
        theirs = put_link(client, ShareLink(label="someone else's", root_nodes=(other.uuid,)))
        theirs = put_link(client, theirs, custom_hash="8deec3")
    actions = {a["key"]: a for a in share_actions(config)}
    assert actions["link:8deec3"]["action"] == "conflict"
    assert "never taken over" in actions["link:8deec3"]["reason"]
    run_json(config, "apply", "--yes", "--force")
    with admin_client(emu) as client:
        still = get_link(client, theirs.uuid)
        assert still is not None
        assert (still.link_hash, still.label) == ("8deec3", "someone else's")


def test_a_link_changed_by_hand_is_updated_and_rollback_puts_the_hand_change_back(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    config = sample_config(tmp_path, emu)
    assert run_json(config, "apply", "--yes")[0] in (0, 3)
    with writer_client(emu) as client:
        page = read_public_link(client, "8deec3")
        assert page is not None
        link = get_link(client, page.workspace)
        assert link is not None
        put_link(client, replace(link, label="renamed by hand"))
    actions = {a["key"]: a for a in share_actions(config)}
    assert actions["link:8deec3"]["action"] == "update"
    code, result = run_json(config, "apply", "--yes", "--stage", "shares", "--force")
    assert code == 0, result
    with admin_client(emu) as client:
        fixed = get_link(client, page.workspace)
        assert fixed is not None
        assert fixed.label == "Laser results"
    code, rolled = run_json(config, "rollback", "--yes")
    assert code == 0, rolled
    with admin_client(emu) as client:
        back = get_link(client, page.workspace)
        assert back is not None
        assert (back.label, back.link_hash) == ("renamed by hand", "8deec3")
