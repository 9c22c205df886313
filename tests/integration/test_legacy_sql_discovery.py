"""A built install read the way ``cells-migrate`` reads a real one: discovery of its conf
files (``legacy.reader.read_install``) picks the database and static workspaces, then the
SQL extractor returns the ground truth."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from migrate.config import LegacyConfig
from migrate.legacy.model import Inventory, WorkspaceSource
from migrate.legacy.reader import read_install
from migrate.progress import NullProgress
from migrate.sample import BuiltInstall, InstallSpec, build_install

if TYPE_CHECKING:
    from tests.support.databases import TestDatabase

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def built(dialect: TestDatabase, tmp_path_factory: pytest.TempPathFactory) -> BuiltInstall:
    root = tmp_path_factory.mktemp("install")
    url = None if dialect.name == "sqlite" else dialect.url
    return build_install(root, dialect=dialect.name, db_url=url, spec=InstallSpec())


@pytest.fixture(scope="module")
def progress(dialect: TestDatabase) -> NullProgress:
    assert dialect.name  # one reporter per backend
    return NullProgress()


@pytest.fixture(scope="module")
def inventory(built: BuiltInstall, progress: NullProgress) -> Inventory:
    return read_install(LegacyConfig(install_path=built.root), progress=progress)


def test_discovered_install_reads_as_built(built: BuiltInstall, inventory: Inventory) -> None:
    expected = built.expected
    assert expected is not None
    assert inventory.users == expected.users
    assert inventory.roles == expected.roles
    assert inventory.groups == expected.groups
    assert inventory.shares == expected.shares
    got_db = [w for w in inventory.workspaces if w.source is WorkspaceSource.DB]
    want_db = [w for w in expected.workspaces if w.source is WorkspaceSource.DB]
    assert got_db == want_db
    assert {(f.code, f.kind, f.key) for f in inventory.findings} == {
        (f.code, f.kind, f.key) for f in expected.findings
    }


def test_static_workspaces_from_the_conf_file(built: BuiltInstall, inventory: Inventory) -> None:
    def shape(ws: object) -> tuple[object, ...]:
        return tuple(
            getattr(ws, name) for name in ("workspace_id", "slug", "driver", "path", "is_template")
        )

    got = sorted(shape(w) for w in inventory.workspaces if w.source is WorkspaceSource.STATIC)
    assert got == sorted(shape(w) for w in built.static_workspaces)


def test_progress_reports_each_phase(
    built: BuiltInstall, progress: NullProgress, inventory: Inventory
) -> None:
    labels = [label for label, _ in progress.phases]
    assert labels == ["roles", "user rights", "users"]
    assert progress.done == built.counts["ajxp_users"]  # the last phase counted every row
    assert inventory.counts()["users"] == 17
