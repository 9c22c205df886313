"""`cells-migrate inventory` end to end: discovery + extraction + report, on every backend."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from migrate.cli import main
from migrate.sample import BuiltInstall, InstallSpec, build_install
from tests.builders import ser_install as ser

if TYPE_CHECKING:
    from tests.support.databases import TestDatabase

pytestmark = pytest.mark.integration

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "pydio8-sqlite"
SPEC = InstallSpec(users=10, groups=2, roles=2, teams=1, workspaces=6, rights=20)


def _config(tmp: Path, install: Path) -> Path:
    path = tmp / "config.yaml"
    path.write_text(
        f"legacy:\n  install_path: {install}\n"
        "cells:\n  url: http://127.0.0.1:9\n  auth:\n    method: pat\n    token: ${T}\n",
        encoding="utf-8",
    )
    return path


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, env={"T": "unused"}, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def built(dialect: TestDatabase, tmp_path_factory: pytest.TempPathFactory) -> BuiltInstall:
    root = tmp_path_factory.mktemp("install")
    url = None if dialect.name == "sqlite" else dialect.url
    return build_install(root, dialect=dialect.name, db_url=url, spec=SPEC)


def test_inventory_json_on_built_install(built: BuiltInstall, tmp_path: Path) -> None:
    code, out, err = _run(["inventory", "-c", str(_config(tmp_path, built.root)), "--json"])
    assert code == 0, err
    report = json.loads(out)
    expected = built.expected
    assert expected is not None
    assert report["schema"] == "cells-migrate/inventory/1"
    assert report["counts"]["users"] == len(expected.users)
    assert report["counts"]["workspaces"] == len(expected.workspaces)
    assert report["counts"]["roles"] == len(expected.roles)
    reported = {(f["code"], f["kind"], f["key"]) for f in report["findings"]}
    # the extractor's findings, and the mapping's beside them (the list check and plan show)
    assert {(f.code, f.kind.value, f.key) for f in expected.findings} <= reported
    counts = report["finding_counts"]
    assert sum(counts.values()) == len(report["findings"])
    users = report["breakdown"]["users"]
    assert users["legacy"] == report["counts"]["users"]
    assert users["legacy"] - sum(users["left_out"].values()) == users["cells"]
    for user in expected.users:
        if user.password_hash is not None:
            assert user.password_hash.reveal() not in out + err


@pytest.mark.parametrize(
    ("build", "era", "users"), [("build_pydio64", "6.2-6.4", 7), ("build_ajxp4", "4.x", 3)]
)
def test_inventory_json_on_ser_installs(tmp_path: Path, build: str, era: str, users: int) -> None:
    getattr(ser, build)(tmp_path / "install")
    code, out, err = _run(
        ["inventory", "-c", str(_config(tmp_path, tmp_path / "install")), "--json"]
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["source"]["kind"] == "serial"
    assert report["source"]["era"] == era
    assert report["counts"]["users"] == users
    assert report["findings"], "the .ser fixtures hold traps that must be reported"
    for name in dir(ser):
        if name.startswith("HASH_"):
            assert getattr(ser, name) not in out + err


def test_inventory_text_on_real_sample(tmp_path: Path) -> None:
    code, out, err = _run(["inventory", "-c", str(_config(tmp_path, SAMPLE))])
    assert code == 0, err
    expected = json.loads((SAMPLE / "expected.json").read_text(encoding="utf-8"))
    assert "Era: 8.x" in out
    assert f"users       {len(expected['users']):>9}" in out
    assert f"rights      {len(expected['acls']):>9}" in out
    # one counts line, as check and plan print it, and why 14 users are 12 Cells users
    assert re.search(r"^Findings: \d+ blocker\(s\), \d+ warning\(s\), \d+ info$", out, re.M)
    assert "  users            14 → 12       2 link user(s) of public links" in out


def test_inventory_of_missing_install_says_what_to_set(tmp_path: Path) -> None:
    code, _, err = _run(["inventory", "-c", str(_config(tmp_path, tmp_path / "nowhere"))])
    assert code == 1
    assert err.startswith("error: ")
    assert "legacy." in err
