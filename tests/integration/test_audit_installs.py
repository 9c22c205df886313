"""The access audit after a full apply of a built install, on every database backend.

The legacy side is read by the real extractor from SQLite, MariaDB and PostgreSQL; the
audit must find parity, every difference being one the configuration accepts with a
reason (Cells' built-in Common Files, the folder masks Cells cannot express).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.cli import main
from migrate.demo_setup import copy_data_folders
from migrate.sample import InstallSpec, build_install
from tests.e2e.test_audit_cli import ACCEPT, ENV, write_config
from tests.support.databases import TestDatabase

pytestmark = pytest.mark.integration

SPEC = InstallSpec(
    users=10, groups=3, roles=2, teams=1, workspaces=5, rights=20, real_hashes=0, shares=False
)


@pytest.fixture
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=3, index_delay_s=0.0)) as server:
        yield server


def test_audit_finds_parity_after_apply_on_every_backend(
    dialect: TestDatabase, emu: EmulatorServer, tmp_path: Path
) -> None:
    url = None if dialect.name == "sqlite" else dialect.url
    install = build_install(tmp_path / "p8", dialect=dialect.name, db_url=url, spec=SPEC)
    config = write_config(tmp_path, install.root, emu, ACCEPT)
    copy_data_folders(config, ENV)
    out, err = io.StringIO(), io.StringIO()
    code = main(["-q", "apply", "-c", str(config), "--yes"], env=ENV, stdout=out, stderr=err)
    assert code == 0, out.getvalue() + err.getvalue()
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["-q", "audit", "-c", str(config), "--format", "json"], env=ENV, stdout=out, stderr=err
    )
    report = json.loads(out.getvalue())
    assert [d for d in report["differences"] if d["accepted"] is None] == []
    assert (code, report["parity"], report["totals"]["users_compared"]) == (0, True, 13)
    assert report["totals"]["accepted"] > 0
