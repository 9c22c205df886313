"""Apply and rollback of datasources the way a real Cells 3 treats them (issue 11, points
2, 3, 6 and 8), on the emulator and a real S3 API on loopback (moto).

* a datasource Cells answers 200 for but never serves (its bucket does not exist) fails
  with Cells' reason after the bounded start wait, is removed again, and only the objects
  on it are skipped: the run goes on and ends partial (exit 3);
* a create Cells does not keep in its list (two creates sent together, recorded) is sent
  again and confirmed, so the run is done;
* rollback deletes a datasource whose list entry was lost (re-created, then deleted) and
  keeps the ``.pydio`` files another datasource over the same tree still needs.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from migrate import commands
from migrate.cells.client import CellsClient
from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.cells.storage import DataSource
from migrate.commands import ApplyOptions, Hooks
from migrate.config import Config, load_config
from migrate.errors import CellsAuthError
from migrate.load.checkpoint import RunStatus
from migrate.plan import Plan, Stage
from migrate.sample import BuiltInstall, InstallSpec, build_install
from tests.support.fakeclock import FakeClock  # shared by the emulator and the waiter

pytestmark = pytest.mark.integration

BUCKET = "issue11-archive"


def _now() -> datetime:
    return datetime.now(UTC)


def _install(tmp: Path, s3_url: str | None) -> BuiltInstall:
    spec = InstallSpec(
        users=6,
        groups=1,
        roles=1,
        teams=0,
        workspaces=3,
        rights=8,
        real_hashes=1,
        traps=False,
        shares=False,
        layout_traps=True,
        s3_endpoint=s3_url,
        s3_bucket=BUCKET,
    )
    built = build_install(tmp / "p8", dialect="sqlite", spec=spec)
    for folder in ("gone", "homes"):  # the blockers of the layout: fixed
        (built.storage_path / folder).mkdir(exist_ok=True)
    return built


def _config(install: BuiltInstall, emu: EmulatorServer, tmp: Path, start_s: float) -> Config:
    return load_config(
        None,
        {},
        {
            "legacy.install_path": str(install.root),
            "cells.url": emu.url,
            "cells.auth.method": "pat",
            "cells.auth.token": emu.mint_pat("admin", ttl_s=10**9),
            "cells.datasource_start_timeout_s": start_s,
            "state.url": f"sqlite:///{tmp / 'state.db'}",
        },
    )


@pytest.fixture
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=5, index_delay_s=0.0)) as server:
        yield server


def test_a_datasource_cells_never_serves_fails_alone_and_is_removed(
    s3_server: Any, tmp_path: Path
) -> None:
    install = _install(tmp_path, s3_server.url)  # the bucket is never created
    clock = FakeClock()
    with EmulatorServer(EmulatorConfig(seed=5, index_delay_s=0.0), clock=clock.time) as emu:
        config = _config(install, emu, tmp_path, start_s=120.0)
        hooks = Hooks(sleep=clock.sleep, clock=clock.time)
        result = commands.apply(config, ApplyOptions(), now=_now, hooks=hooks)
        names = {d["Name"] for d in emu.state()["datasources"]}
    assert result.status is RunStatus.PARTIAL
    assert result.exit_code == 3
    failed = [f for f in result.failures if f.status == "failed"]
    assert [(f.kind, f.key) for f in failed] == [("datasource", "issue11archive")]
    assert "Could not find DataSource issue11archive" in failed[0].error
    assert "it was removed again" in failed[0].error
    assert "issue11archive" not in names
    skipped = [f for f in result.failures if f.status == "skipped"]
    assert {f.kind for f in skipped} >= {"workspace", "acl"}
    assert all("issue11archive" in f.error for f in skipped if f.kind == "workspace")
    assert 120.0 <= sum(clock.slept) < 200.0  # bounded by the start timeout, not the index one
    assert result.counts["users"].get("failed", 0) == 0
    assert result.counts["workspaces"]["done"] > 0


def test_a_create_cells_does_not_keep_is_sent_again(emu: EmulatorServer, tmp_path: Path) -> None:
    install = _install(tmp_path, None)
    config = _config(install, emu, tmp_path, start_s=5.0)
    emu.configure(lose_datasource_creates=1)
    result = commands.apply(config, ApplyOptions(stages=(Stage.DATASOURCES,)), now=_now)
    assert result.status is RunStatus.DONE, result.failures
    posts = [
        r["path"] for r in emu.requests() if r["method"] == "POST" and "/datasource/" in r["path"]
    ]
    assert len(posts) == len(set(posts)) + 1  # the lost one was sent twice
    listed = {d["Name"] for d in emu.state()["datasources"]}
    assert {p.rsplit("/", 1)[1] for p in posts} <= listed


def test_rollback_deletes_a_lost_datasource_and_keeps_shared_markers(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    install = _install(tmp_path, None)
    config = _config(install, emu, tmp_path, start_s=5.0)
    result = commands.apply(config, ApplyOptions(stages=(Stage.DATASOURCES,)), now=_now)
    assert result.status is RunStatus.DONE
    ours = sorted(
        (d["Name"], d["Folder"]) for d in emu.state()["datasources"] if "p8" in d["Folder"]
    )
    (lost, _), (shared, shared_folder) = ours[0], ours[1]
    with emu.store.lock:  # a create of someone else's, sent at the same time, lost ours
        emu.store.t.ds_list.remove(lost)
    marker = Path(shared_folder) / ".pydio"
    marker.write_text("uuid", encoding="utf-8")
    # Cells' admin made another datasource over the same folder (it shares its node ids)
    with CellsClient(config.cells, read_only=False) as cells:
        cells.put_datasource(
            DataSource(name="theirs", storage_configuration=(("folder", shared_folder),))
        )
    report = commands.rollback(config, now=_now)
    assert report.exit_code == 0, report.failed
    remaining = {d["Name"] for d in emu.state()["datasources"]}
    assert lost not in remaining
    assert shared not in remaining
    assert marker.exists()
    assert any(
        f"datasource {shared}: the .pydio files" in n and "theirs" in n for n in report.notes
    )


def test_a_revoked_token_stops_the_run_instead_of_failing_every_item(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    install = _install(tmp_path, None)
    token = emu.mint_pat("admin", ttl_s=10**9)
    config = load_config(
        None,
        {},
        {
            "legacy.install_path": str(install.root),
            "cells.url": emu.url,
            "cells.auth.method": "pat",
            "cells.auth.token": token,
            "state.url": f"sqlite:///{tmp_path / 'state.db'}",
        },
    )
    done = [0]
    lock = threading.Lock()

    def revoke_after_five() -> None:
        with lock:
            done[0] += 1
            if done[0] != 5:
                return
        resp = requests.post(
            f"{emu.url}/a/auth/token/revoke",
            json={"TokenId": token},
            headers={"Authorization": f"Bearer {emu.mint_pat('admin')}"},
            timeout=10,
        )
        assert resp.status_code == 200

    with pytest.raises(CellsAuthError) as err:
        commands.apply(config, ApplyOptions(), now=_now, hooks=Hooks(on_done=revoke_after_five))
    assert err.value.status == 401
    with commands.open_state(config, now=_now, create=False) as db:
        (run,) = db.runs()
        statuses = {r.status.value for r in db.items(run.id)}
    assert run.status is RunStatus.FAILED  # resumable, not partial: nothing failed alone
    assert "failed" not in statuses
    assert "pending" in statuses


def test_a_folder_gone_after_the_plan_fails_its_item_as_missing_not_unindexed(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    install = _install(tmp_path, None)
    public = install.storage_path / "project-00000" / "public"
    assert public.is_dir()  # role-00's mask is on it (migrate/sample/layout.py)
    config = _config(install, emu, tmp_path, start_s=5.0)

    def data_copy_loses_it(plan: Plan) -> bool:
        # as when the data lives on the Cells host and the tool cannot look at it
        shutil.rmtree(public)
        return True

    result = commands.apply(config, ApplyOptions(), now=_now, confirm=data_copy_loses_it)
    failed = [f for f in result.failures if f.status == "failed"]
    assert failed
    assert {f.kind for f in failed} == {"acl"}
    for failure in failed:
        assert "folder public does not exist in datasource project00000" in failure.error
        assert "resume" not in failure.error
    assert result.status is RunStatus.PARTIAL
