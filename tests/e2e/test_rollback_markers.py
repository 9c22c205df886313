"""``rollback --force`` removes ``.pydio`` files only from the folder recorded when the tool
created the datasource, never from where the live datasource points now (issue 12 point 4).

The emulator never writes ``.pydio`` files (a real Cells writes one into every folder of a
new datasource), so the test puts them in both folders itself.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from migrate.cells.client import MARKER_FILE, CellsClient
from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.cli import main
from migrate.config import AuthConfig, AuthMethod, CellsConfig
from migrate.sample import InstallSpec, build_install
from migrate.secret import Secret

pytestmark = pytest.mark.e2e

SPEC = InstallSpec(users=4, groups=1, roles=1, teams=0, workspaces=2, rights=2, traps=False)


@pytest.fixture
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=8, index_delay_s=0.0)) as server:
        yield server


def _run(config: Path, *argv: str) -> tuple[int, dict[str, object]]:
    out, err = io.StringIO(), io.StringIO()
    command, *rest = argv
    code = main(
        ["-q", command, "-c", str(config), *rest, "--json"],
        env={"PW": "admin"},
        stdout=out,
        stderr=err,
    )
    assert out.getvalue(), err.getvalue()
    return code, json.loads(out.getvalue())


def _markers(root: Path) -> list[Path]:
    return sorted(root.rglob(MARKER_FILE))


def test_markers_go_only_from_the_folder_the_datasource_was_created_on(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    install = build_install(tmp_path / "p8", dialect="sqlite", spec=SPEC)
    config = tmp_path / "config.yaml"
    config.write_text(
        f"legacy:\n  install_path: {install.root}\ncells:\n  url: {emu.url}\n"
        "  auth:\n    method: password\n    login: admin\n    password: ${PW}\n"
        f"state:\n  url: sqlite:///{tmp_path / 'state.db'}\n",
        encoding="utf-8",
    )
    code, result = _run(config, "apply", "--yes", "--stage", "datasources")
    assert code in (0, 3), result  # a datasource whose folder the built install leaves out fails
    auth = AuthConfig(method=AuthMethod.PAT, token=Secret(emu.mint_pat("admin")))
    with CellsClient(CellsConfig(url=emu.url, auth=auth), read_only=False) as client:
        (ds,) = [d for d in client.list_datasources() if d.folder.startswith(str(install.root))][:1]
        created_on = Path(ds.folder)
        elsewhere = tmp_path / "elsewhere" / ds.name
        for folder in (created_on / "sub", elsewhere / "sub"):
            folder.mkdir(parents=True, exist_ok=True)
            (folder / MARKER_FILE).write_text("cells", encoding="utf-8")
            (folder.parent / MARKER_FILE).write_text("cells", encoding="utf-8")
        # someone points the datasource somewhere else since
        config_now = dict(ds.storage_configuration) | {"folder": str(elsewhere)}
        client.put_datasource(replace(ds, storage_configuration=tuple(config_now.items())))
    code, report = _run(config, "rollback", "--all", "--yes")
    assert code == 3  # refused: it changed since the run created it
    assert any(f"datasource:{ds.name}" in r for r in report["refused"])  # type: ignore[attr-defined]
    assert len(_markers(created_on)) == 2
    code, report = _run(config, "rollback", "--all", "--yes", "--force")
    assert code == 0, report
    assert _markers(created_on) == []  # removed from the folder it was created on …
    assert len(_markers(elsewhere)) == 2  # … never from where it points now
    notes = [n for n in report["notes"] if f"datasource {ds.name}:" in n]  # type: ignore[attr-defined]
    assert notes == [f"datasource {ds.name}: removed 2 {MARKER_FILE} file(s) from {created_on}"]
