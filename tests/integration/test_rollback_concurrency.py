"""Rollback on the apply's bounded concurrency, in reverse dependency order (issue 12 point 3).

``rollback --all`` runs as a real child process against the emulator.

Deterministic, no timing: the emulator holds each of the first ``concurrency`` ACL deletes
(the first batch of the undo) at a barrier until that many are in flight together, which a
sequential rollback could never reach (the barrier would break); the request log then shows
the order of the undo:
ACLs, workspaces, users, roles, groups (deepest first), datasources.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.sample import InstallSpec, build_install
from tests.support.cli import PASSWORD, make_folders, run_json, start_cli, write_config

pytestmark = pytest.mark.integration

CONCURRENCY = 4  # write_config's cells.concurrency
# No shares: undoing a link puts the tool account's HASH_MIN_LENGTH parameter back with an
# ACL delete of its own, which the barrier below would hold (shares have their own tests).
SPEC = InstallSpec(
    users=12, groups=3, roles=2, teams=1, workspaces=4, rights=20, real_hashes=1, shares=False
)


class BarrierEmulator(EmulatorServer):
    """Holds the first ``CONCURRENCY`` ACL deletes until they are all in flight."""

    barrier = threading.Barrier(CONCURRENCY)
    held = 0
    broken = False

    def record(self, method: str, path: str, status: int) -> None:
        super().record(method, path, status)
        if path != "/a/acl/bulk/delete":
            return
        with self.store.lock:
            self.held += 1
            hold = self.held <= CONCURRENCY
        if hold:
            try:
                self.barrier.wait(timeout=60)
            except threading.BrokenBarrierError:
                self.broken = True


@pytest.fixture
def emu() -> Iterator[BarrierEmulator]:
    BarrierEmulator.barrier = threading.Barrier(CONCURRENCY)
    with BarrierEmulator(EmulatorConfig(seed=4, index_delay_s=0.0)) as server:
        yield server


def _kind(method: str, path: str) -> str | None:
    if path == "/a/acl/bulk/delete":
        return "acl"
    if method != "DELETE":
        return None
    if path.startswith("/a/workspace/"):
        return "workspace"
    if path.startswith("/a/role/"):
        return "role"
    if path.startswith("/a/config/datasource/"):
        return "datasource"
    if path.startswith("/a/user/"):
        return "group" if path.endswith("/") else "user"
    return None


def test_rollback_runs_concurrently_in_reverse_dependency_order(
    emu: BarrierEmulator, tmp_path: Path
) -> None:
    install = build_install(tmp_path / "p8", dialect="sqlite", spec=SPEC)
    config = write_config(tmp_path, install.root, emu)
    make_folders(config)
    assert run_json(config, "apply", "--yes")[0] == 0
    start = len(emu.requests())
    child = start_cli(config, "rollback", "--all", "--yes", "--json", password=PASSWORD)
    out, err = child.communicate(timeout=300)
    assert child.returncode == 0, err
    assert json.loads(out)["refused"] == []
    assert not emu.broken  # CONCURRENCY ACL deletes were in flight at once
    undone = [(_kind(r["method"], r["path"]), r["path"]) for r in emu.requests()[start:]]
    kinds = [k for k, _ in undone if k is not None]
    order = ["acl", "workspace", "user", "role", "group", "datasource"]
    assert [k for k in dict.fromkeys(kinds)] == [k for k in order if k in kinds]
    last = {k: max(i for i, x in enumerate(kinds) if x == k) for k in set(kinds)}
    first = {k: min(i for i, x in enumerate(kinds) if x == k) for k in set(kinds)}
    for earlier, later in itertools.pairwise(order):
        if earlier in kinds and later in kinds:
            assert last[earlier] < first[later], (earlier, later)
    groups = [p for k, p in undone if k == "group"]
    depths = [p.rstrip("/").count("/") for p in groups]
    assert depths == sorted(depths, reverse=True)  # sub-groups before their parents
