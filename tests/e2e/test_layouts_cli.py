"""Issue 11 "Done when": a generated install with the layouts a real Cells 3 refuses or
mishandles goes check → plan → apply → verify on the emulator.

The install (``InstallSpec.layout_traps``, migrate/sample/layout.py) has sibling project
folders, a workspace nested in another one's folder, a folder whose objects service would
nest inside the siblings' one, a workspace whose folder does not exist, a mask on a deleted
folder, and an S3 workspace with sub-folder rights on a real S3 API on loopback (moto).
Cells already holds a datasource whose objects service would nest with the install's.
``check`` names both blockers before anything is written; once they are fixed, apply
exits 0 with no failed item and verify exits 0. Rollback lists the ``.pydio`` objects
Cells wrote into the bucket (they stay there, as recorded).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.cli import main
from migrate.sample import InstallSpec, build_install

pytestmark = pytest.mark.e2e

PASSWORD = "admin"  # the emulator's default admin
BUCKET = "layout-archive"
OBJECTS = {
    "Projects/2020/report.txt": b"report\n",
    "Projects/plan.txt": b"plan\n",
    "Photos/p1.jpg": b"jpg\n",
    "readme.txt": b"readme\n",
}


@pytest.fixture
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=11, index_delay_s=0.0)) as server:
        yield server


def run(config: Path, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    cmd, *rest = argv
    code = main(["-q", cmd, "-c", str(config), *rest], env={"PW": PASSWORD}, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def run_json(config: Path, *argv: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run(config, *argv)
    assert out, err
    return code, json.loads(out)


def admin(emu: EmulatorServer, method: str, path: str, body: object = None) -> dict[str, Any]:
    import requests

    resp = requests.request(
        method,
        emu.url + path,
        json=body,
        headers={"Authorization": f"Bearer {emu.mint_pat('admin')}"},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    data: dict[str, Any] = resp.json()
    return data


def test_layouts_check_then_fixed_install_applies_verifies_and_rolls_back(
    emu: EmulatorServer, s3_server: Any, tmp_path: Path
) -> None:
    s3_server.bucket(BUCKET, OBJECTS)
    spec = InstallSpec(
        users=8,
        groups=2,
        roles=2,
        teams=1,
        workspaces=4,
        rights=12,
        real_hashes=2,
        traps=False,  # the extractor's traps are tested elsewhere
        layout_traps=True,
        s3_endpoint=s3_server.url,
        s3_bucket=BUCKET,
    )
    install = build_install(tmp_path / "p8", dialect="sqlite", spec=spec)
    # Cells already serves a datasource whose objects service sits inside the install's.
    cells_side = install.storage_path / "project-00001" / "old" / "cellsstore"
    cells_side.mkdir(parents=True)
    body = {"Name": "cellsold", "StorageConfiguration": {"folder": str(cells_side)}}
    admin(emu, "POST", "/a/config/datasource/cellsold", body)
    config = tmp_path / "config.yaml"
    config.write_text(
        f"legacy:\n  install_path: {install.root}\n"
        f"cells:\n  url: {emu.url}\n  datasource_start_timeout_s: 5\n"
        "  auth:\n    method: password\n    login: admin\n    password: ${PW}\n"
        f"state:\n  url: sqlite:///{tmp_path / 'state.db'}\n",
        encoding="utf-8",
    )

    code, report = run_json(config, "check", "--json")
    # the install's findings (as inventory and plan show them) and those against this Cells
    found = report["findings"] + report["cells_findings"]
    blockers = [f for f in found if f["severity"] == "blocker"]
    assert code == 1
    assert {f["code"] for f in report["cells_findings"]} == {"datasource-service-nested"}
    missing = {f["key"] for f in blockers if f["code"] == "datasource-folder-missing"}
    # storage/gone (the layout trap's workspace folder that is not there)
    assert missing == {str(install.storage_path / "gone")}
    nested = [f for f in blockers if f["code"] == "datasource-service-nested"]
    # every datasource whose objects service would sit on storage/ nests with cellsold's
    assert {f["key"] for f in nested} >= {"deep", "gone", "project00000"}
    assert all(
        "'cellsold'" in f["message"] and "datasources.folders" in f["message"] for f in nested
    )
    assert len(blockers) == len(nested) + len(missing), blockers
    codes = {f["code"] for f in report["findings"]}
    assert {"datasource-service-widened", "acl-folder-missing"} <= codes
    assert not any(r.startswith("/a/") and m != "GET" for m, r in _writes(emu)), "check wrote"

    # The admin's fixes: make the missing folders, remove Cells' old datasource.
    for folder in missing:
        Path(folder).mkdir()
    admin(emu, "DELETE", "/a/config/datasource/cellsold")
    code, out, err = run(config, "check")
    assert code == 0, out + err

    code, plan = run_json(config, "plan", "--format", "json")
    assert code == 0
    skips = [a for a in plan["actions"] if a["action"] == "skip" and a["kind"] == "acl"]
    assert any("docs/private" in a["key"] and "no longer exists" in a["reason"] for a in skips)
    datasources = {a["key"]: a for a in plan["actions"] if a["kind"] == "datasource"}
    # storage/deep/area/reports: its service would sit inside storage/'s, so it is widened
    # to storage/deep; storage/project-00000/sub is folded into project-00000's datasource
    assert set(datasources) >= {"deep", "files", "project00000", "layoutarchive"}
    assert all(a["action"] == "create" for a in datasources.values()), datasources

    code, result = run_json(config, "apply", "--yes", "--json")
    assert code == 0, result
    assert result["counts"]["failed"] == 0, result["failures"]
    assert result["status"] == "done"
    code, verified = run_json(config, "verify", "--json")
    assert (code, verified["missing"], verified["different"]) == (0, [], [])

    state = emu.state()
    folders = {d["Name"]: d["Folder"] for d in state["datasources"]}
    assert folders["deep"] == str(install.storage_path / "deep")
    assert "sub" not in {Path(f).name for f in folders.values()}
    s3_nodes = {n["Path"]: n["Uuid"] for n in state["nodes"] if n["Path"].startswith("layout")}
    acl_nodes = {a["NodeID"] for a in state["acls"]}
    assert s3_nodes["layoutarchive/Projects/2020"] in acl_nodes
    assert s3_nodes["layoutarchive/Photos"] in acl_nodes

    code, rolled = run_json(config, "rollback", "--yes", "--json")
    assert code == 0, rolled
    notes = " ".join(rolled["notes"])
    assert f"bucket {BUCKET}" in notes
    assert "Projects/2020/.pydio" in notes
    assert {".pydio", "Projects/2020/.pydio", "Photos/.pydio"} <= set(s3_server.keys(BUCKET))


def _writes(emu: EmulatorServer) -> list[tuple[str, str]]:
    return [
        (r["method"], r["path"])
        for r in emu.requests()
        if r["method"] in ("PUT", "DELETE")
        or (r["method"] == "POST" and "/config/datasource/" in r["path"])
    ][1:]  # the test's own datasource create comes first
