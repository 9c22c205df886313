"""A Pydio public link against the Cells link at its hash (``audit/cells_links.py``, pure)."""

from __future__ import annotations

import pytest

from migrate.audit.cells_links import CellsLink, compare_link, link_rights
from migrate.audit.locations import Location
from migrate.audit.model import READ, RW, LinkAccess, LinkStatus

RESULTS = Location("file", "/srv/lab/results")


def _pydio(**changes: object) -> LinkAccess:
    values: dict[str, object] = {
        "hash": "8deec3",
        "owner": "marie",
        "share_type": "minisite",
        "workspace": "'Laser results' (ca42)",
        "location": RESULTS,
        "right": READ,
        "password": False,
        "download_disabled": False,
        "expire_time": None,
    }
    values.update(changes)
    return LinkAccess(**values)  # type: ignore[arg-type]


def _cells(**changes: object) -> CellsLink:
    values: dict[str, object] = {
        "uuid": "u1",
        "places": (RESULTS,),
        "right": READ,
        "download": True,
        "password": False,
    }
    values.update(changes)
    return CellsLink(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("permissions", "bits"),
    [
        (["Preview", "Download"], READ),
        (["Preview"], READ),
        (["Download"], READ),
        (["Preview", "Download", "Upload"], RW),
        (["Upload"], 2),
        ([], 0),
    ],
)
def test_link_rights(permissions: list[str], bits: int) -> None:
    assert link_rights(permissions) == bits


def test_the_same_link_is_kept() -> None:
    result = compare_link(_pydio(), _cells())
    assert (result.status, result.detail) == (
        LinkStatus.KEPT,
        "Cells link u1: r on file:/srv/lab/results",
    )


@pytest.mark.parametrize(
    ("pydio", "cells", "detail"),
    [
        (
            {},
            {"places": (Location("file", "/srv/lab"),)},
            "Cells opens file:/srv/lab, Pydio opened file:/srv/lab/results",
        ),
        ({}, {"places": (None,)}, "Cells opens (not located), Pydio opened"),
        ({}, {"right": RW}, "Pydio gave r, Cells gives rw"),
        ({"right": RW}, {}, "Pydio gave rw, Cells gives r"),
        ({"download_disabled": True}, {}, "Pydio disabled download, Cells does the opposite"),
        ({}, {"download": False}, "Pydio allowed download, Cells does the opposite"),
        ({"password": True}, {}, "Pydio asks for a password, Cells does the opposite"),
    ],
)
def test_each_mismatch_is_named(
    pydio: dict[str, object], cells: dict[str, object], detail: str
) -> None:
    result = compare_link(_pydio(**pydio), _cells(**cells))
    assert result.status is LinkStatus.DIFFERENT
    assert detail in result.detail
    assert result.detail.count(";") == 0  # only that one


def test_several_mismatches_are_all_named() -> None:
    result = compare_link(_pydio(password=True), _cells(right=RW, download=False))
    assert result.detail.count(";") == 2
