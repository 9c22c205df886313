"""The audit's share side on the real Pydio 8 sample (issue 16 "Done when", shares).

After apply, the sample's shares are in Cells as the shares stage made them (issue 15): the
cell "Run 001 shared" (pierre rw on ``/run-001``) and the two public links at their Pydio
hashes. The audit then finds parity
(every other difference accepted with its reason); removing or changing one share in
Cells makes it exit 1 naming exactly the affected users and folders or link.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from migrate.cells.client import CellsClient
from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.cells.public import read_public_link
from migrate.cells.shares import list_cells
from migrate.demo_setup import copy_data_folders
from tests.e2e.test_audit_cli import ENV, SAMPLE, admin, audit, opened, run
from tests.support.cells_shares import (
    delete_share,
    make_cell,
    make_link,
    node_uuid,
)

pytestmark = pytest.mark.e2e

LAB = "/srv/pydio/lab-storage"  # where the sample's storage was (README)
# What the sample's migration knowingly changes, apart from shares (each with its reason).
ACCEPT = """audit:
  accept:
    - {workspace: common-files, change: widened, reason: "Cells' own Common Files"}
    - {workspace: lab-library, change: widened, reason: "DEFAULT_RIGHTS rw"}
    - {workspace: 43a67bf83ae393128d7a8277fd933a8f, change: lost, reason: "S3 not served"}
    - {user: admin, reason: "the account cells-migrate logs in with (it made the shares)"}
"""


@dataclass
class Migrated:
    config: Path
    emu: EmulatorServer
    lab: Path
    cell: str
    links: dict[str, str]  # Pydio hash -> Cells link Uuid


def _storage(lab: Path) -> None:
    """The sample's storage tree (storage-listing.txt) under ``lab``."""
    for line in (SAMPLE / "storage-listing.txt").read_text(encoding="utf-8").splitlines():
        kind, _, rel = line.partition(" ")
        target = lab / rel
        if kind == "d":
            target.mkdir(parents=True, exist_ok=True)
        elif kind == "f":
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(b"x\n")


def _config(tmp: Path, root: Path, lab: Path, emu: EmulatorServer) -> Path:
    path = tmp / "config.yaml"
    path.write_text(
        f"legacy:\n  install_path: {root}\n"
        f"  path_rewrite: [{{from: {LAB}, to: {lab}}}]\n"
        f"cells:\n  url: {emu.url}\n  concurrency: 4\n"
        "  auth:\n    method: password\n    login: admin\n    password: ${PW}\n"
        f"state:\n  url: sqlite:///{tmp / 'state.db'}\n"
        f"passwords:\n  strategy: random\n  random_passwords_file: {tmp / 'passwords.csv'}\n"
        f"{ACCEPT}",
        encoding="utf-8",
    )
    return path


def _shares(client: CellsClient) -> tuple[str, dict[str, str]]:
    """The sample's three shares as the shares stage made them (issue 15): the cell and the
    two links, found by listing and by hash."""
    (cell,) = list_cells(client)
    links = {}
    for link_hash in ("8deec3", "f76aa2"):
        page = read_public_link(client, link_hash)
        assert page is not None, link_hash
        links[link_hash] = page.workspace
    return cell, links


@pytest.fixture
def migrated(tmp_path: Path) -> Iterator[Migrated]:
    with EmulatorServer(EmulatorConfig(seed=7, index_delay_s=0.0)) as emu:
        root, lab = tmp_path / "sample", tmp_path / "lab"
        shutil.copytree(SAMPLE, root)
        _storage(lab)
        config = _config(tmp_path, root, lab, emu)
        copy_data_folders(config, ENV)
        code, out, err = run(config, "apply", "--yes")
        assert code in (0, 3), out + err  # the S3 workspace waits for its datasource
        with admin(emu) as client:
            cell, links = _shares(client)
        yield Migrated(config=config, emu=emu, lab=lab, cell=cell, links=links)


def _links(report: dict[str, Any]) -> dict[str, str]:
    return {link["hash"]: link["status"] for link in report["links"]}


def test_with_the_shares_in_cells_the_audit_finds_parity(migrated: Migrated) -> None:
    code, report = audit(migrated.config)
    assert (code, report["parity"], opened(report)) == (0, True, set())
    assert _links(report) == {"8deec3": "kept", "f76aa2": "kept"}
    details = {link["hash"]: link["detail"] for link in report["links"]}
    assert details["f76aa2"].endswith(f"r on file:{migrated.lab}/experiments/run-001/data.csv")


def test_the_cell_removed_names_exactly_its_member_and_folder(migrated: Migrated) -> None:
    with admin(migrated.emu) as client:
        delete_share(client, "cell", migrated.cell)
    code, report = audit(migrated.config)
    assert code == 1
    place = f"file:{migrated.lab}/experiments/run-001"
    # pierre keeps Experiments' read: the write the share gave is what is gone
    assert opened(report) == {("pierre", "changed", place, "rw", "r")}
    (diff,) = [d for d in report["differences"] if d["accepted"] is None]
    assert (
        "'Run 001 shared' (90b5634b61f9fa510dc6537bd65955e4) (share by marie)"
        in (diff["legacy_source"])
    )
    assert _links(report) == {"8deec3": "kept", "f76aa2": "kept"}


def test_a_cell_without_its_member_is_caught_and_an_extra_member_too(
    migrated: Migrated,
) -> None:
    with admin(migrated.emu) as client:
        delete_share(client, "cell", migrated.cell)
        make_cell(
            client,
            root=node_uuid(client, "experiments/run-001"),
            label="Run 001 shared",
            members={"ada": "rw"},
        )
    code, report = audit(migrated.config)
    assert code == 1
    place = f"file:{migrated.lab}/experiments/run-001"
    found = opened(report)
    assert ("pierre", "changed", place, "rw", "r") in found
    assert {(u, c, p) for u, c, p, _, _ in found} == {
        ("pierre", "changed", place),
        ("ada", "widened", place),
    }


def test_a_cell_whose_actions_have_no_value_gives_nothing(migrated: Migrated) -> None:
    """share-cell-create.yaml: without ``Value:"1"`` the member's ACLs are stored empty and
    the member cannot open the cell; the audit counts them as nothing."""
    with admin(migrated.emu) as client:
        delete_share(client, "cell", migrated.cell)
        pierre = client.get_user("pierre")
        assert pierre is not None
        actions = [{"Name": "read"}, {"Name": "write"}]
        room = {
            "Label": "Run 001 shared",
            "RootNodes": [{"Uuid": node_uuid(client, "experiments/run-001")}],
            "ACLs": {pierre.uuid: {"RoleId": pierre.uuid, "Actions": actions}},
        }
        client.transport.call("PUT", "/a/share/cell", body={"Room": room})
    code, report = audit(migrated.config)
    place = f"file:{migrated.lab}/experiments/run-001"
    assert (code, opened(report)) == (1, {("pierre", "changed", place, "rw", "r")})


def test_a_link_removed_is_lost_and_nothing_else(migrated: Migrated) -> None:
    with admin(migrated.emu) as client:
        delete_share(client, "link", migrated.links["8deec3"])
    code, report = audit(migrated.config)
    assert (code, opened(report)) == (1, set())
    assert _links(report) == {"8deec3": "lost", "f76aa2": "kept"}
    assert report["totals"]["links_lost"] == 1


def test_a_link_on_another_folder_or_with_other_rights_is_different(
    migrated: Migrated,
) -> None:
    with admin(migrated.emu) as client:
        delete_share(client, "link", migrated.links["8deec3"])
        make_link(
            client,
            root=node_uuid(client, "experiments/laser-2026"),  # the parent, not results/
            label="Laser results",
            link_hash="8deec3",
        )
        delete_share(client, "link", migrated.links["f76aa2"])
        make_link(
            client,
            root=node_uuid(client, "experiments/run-001/data.csv"),
            label="data.csv",
            link_hash="f76aa2",
            permissions=("Preview", "Upload"),  # upload, no download: not Pydio's
        )
    code, report = audit(migrated.config)
    assert (code, opened(report)) == (1, set())
    assert _links(report) == {"8deec3": "different", "f76aa2": "different"}
    details = {link["hash"]: link["detail"] for link in report["links"]}
    experiments = f"file:{migrated.lab}/experiments"
    assert (
        f"Cells opens {experiments}/laser-2026, Pydio opened {experiments}/laser-2026/results"
        in details["8deec3"]
    )
    assert "Pydio gave r" not in details["8deec3"]
    assert "Pydio gave r, Cells gives rw" in details["f76aa2"]
    assert "Pydio allowed download, Cells does the opposite" in details["f76aa2"]
    assert "Pydio asks for a password, Cells does the opposite" in details["f76aa2"]
    code, text, _ = run(migrated.config, "audit")
    assert code == 1
    assert "Pydio gave r, Cells gives rw" in text
