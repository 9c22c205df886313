"""Datasource folders chosen so that no two Cells objects services nest (issue 11 point 1).

Cells runs a LOCAL datasource's objects service on the folder's parent and refuses a
datasource whose parent is an ancestor or a descendant of another one's
(datasource-object-service-roots.yaml). Cases are tables: legacy workspace folders in,
datasource folders and workspace placements out.
"""

from __future__ import annotations

import pytest

from migrate.mapping.datasources import (
    Placement,
    StorageRoot,
    nested_service,
    plan_datasources,
)
from migrate.mapping.rules import DatasourceRules, MappingRules

CASES = [
    (
        # Pydio 8's own layout: data in the web root, storage beside the install.
        {"files": "/srv/pydio/www/data/files", "store": "/srv/pydio/storage"},
        {"www": "/srv/pydio/www", "storage": "/srv/pydio/storage"},
        {
            "files": Placement(datasource="www", sub="data/files"),
            "store": Placement(datasource="storage"),
        },
        {"datasource-service-widened"},
    ),
    (
        # siblings share one service: nothing to do
        {"one": "/srv/legacy/a/one", "two": "/srv/legacy/a/two"},
        {"one": "/srv/legacy/a/one", "two": "/srv/legacy/a/two"},
        {"one": Placement(datasource="one"), "two": Placement(datasource="two")},
        set(),
    ),
    (
        # a nested folder is folded into the outer datasource, as before
        {"outer": "/srv/p/projects", "inner": "/srv/p/projects/x/inner"},
        {"projects": "/srv/p/projects"},
        {
            "outer": Placement(datasource="projects"),
            "inner": Placement(datasource="projects", sub="x/inner"),
        },
        set(),
    ),
    (
        # widened twice: deep/area/reports -> deep (its parent storage = the others')
        {"p": "/srv/s/storage/proj", "r": "/srv/s/storage/deep/area/reports"},
        {"proj": "/srv/s/storage/proj", "deep": "/srv/s/storage/deep"},
        {"p": Placement(datasource="proj"), "r": Placement(datasource="deep", sub="area/reports")},
        {"datasource-service-widened"},
    ),
]


@pytest.mark.parametrize(
    ("folders", "datasources", "placements", "codes"),
    CASES,
    ids=["pydio8-default", "siblings", "nested", "deep"],
)
def test_service_roots_never_nest(
    folders: dict[str, str],
    datasources: dict[str, str],
    placements: dict[str, Placement],
    codes: set[str],
) -> None:
    roots = [StorageRoot(workspace_id=ws, path=p) for ws, p in folders.items()]
    plan = plan_datasources(roots, MappingRules())
    got = {d.name: dict(d.storage_configuration)["folder"] for d in plan.datasources}
    assert got == datasources
    assert plan.placements == placements
    assert {f.code for f in plan.findings} == codes
    parents = {f.rsplit("/", 1)[0] for f in got.values()}
    assert not any(a != b and b.startswith(a + "/") for a in parents for b in parents)


def test_widening_is_reported_on_the_datasource_it_ends_in() -> None:
    roots = [
        StorageRoot(workspace_id="files", path="/srv/pydio/www/data/files"),
        StorageRoot(workspace_id="store", path="/srv/pydio/storage"),
    ]
    plan = plan_datasources(roots, MappingRules())
    (finding,) = plan.findings
    assert finding.key == "/srv/pydio/www"  # the datasource's folder: no spurious skip
    assert "/srv/pydio/www/data" in finding.message
    assert "datasources.folders" in finding.message


def test_explicit_datasource_folders_win() -> None:
    rules = MappingRules(datasources=DatasourceRules(folders=("/srv/pydio",)))
    roots = [
        StorageRoot(workspace_id="files", path="/srv/pydio/www/data/files"),
        StorageRoot(workspace_id="store", path="/srv/pydio/storage"),
    ]
    plan = plan_datasources(roots, rules)
    assert [dict(d.storage_configuration)["folder"] for d in plan.datasources] == ["/srv/pydio"]
    assert plan.placements["store"] == Placement(datasource="pydio", sub="storage")
    assert plan.findings == ()


def test_a_layout_that_cannot_be_placed_is_a_blocker() -> None:
    # widening /x/ab/c/d to /x/ab would need bucket name "ab": too short -> blocker
    roots = [
        StorageRoot(workspace_id="top", path="/x/toplevel"),
        StorageRoot(workspace_id="low", path="/x/ab/c/data"),
    ]
    plan = plan_datasources(roots, MappingRules())
    blockers = [f for f in plan.findings if f.code == "datasource-service-nested"]
    assert [f.key for f in blockers] == ["/x/ab/c/data"]
    assert "low" in blockers[0].message
    assert "datasources.folders" in blockers[0].message
    assert "low" not in plan.placements
    assert [d.name for d in plan.datasources] == ["toplevel"]


@pytest.mark.parametrize(
    ("folder", "live", "clash"),
    [
        ("/srv/legacy/top", [("one", "/srv/legacy/a/one")], ("one", "/srv/legacy/a/one")),
        ("/srv/legacy/a/sub/inner", [("one", "/srv/legacy/a/one")], ("one", "/srv/legacy/a/one")),
        ("/srv/legacy/a", [("one", "/srv/legacy/a/one")], ("one", "/srv/legacy/a/one")),
        ("/srv/legacy/a/two", [("one", "/srv/legacy/a/one")], None),
        ("/srv/other/x", [("one", "/srv/legacy/a/one")], None),
    ],
    ids=["ancestor", "descendant", "equal-to-root", "sibling", "unrelated"],
)
def test_nested_service_is_cells_prefix_rule(
    folder: str, live: list[tuple[str, str]], clash: tuple[str, str] | None
) -> None:
    # the three refused cases and the shared one of datasource-object-service-roots.yaml
    assert nested_service(folder, live) == clash
