"""ids: the one home of UUIDv5 ids, slugs, datasource names and bucket-name checks."""

from __future__ import annotations

import uuid

import pytest

from migrate.mapping import ids

SLUG_CASES = [
    ("Lab Library", "lab-library"),
    ("  Été 2026!! ", "ete-2026"),
    ("run_001--shared", "run-001-shared"),
    ("Ω", "workspace"),
    ("already-valid-1", "already-valid-1"),
]


@pytest.mark.parametrize(("legacy", "expected"), SLUG_CASES, ids=[c[1] for c in SLUG_CASES])
def test_slugify(legacy: str, expected: str) -> None:
    assert ids.slugify(legacy) == expected
    assert ids.is_valid_slug(expected)


DS_NAME_CASES = [
    ("laser-2026", "", "laser2026"),
    ("My Files", "", "myfiles"),
    ("___", "", "ds"),
    ("experiments", "p8", "p8experiments"),
    ("a" * 40, "", "a" * 32),
]


@pytest.mark.parametrize(
    ("legacy", "prefix", "expected"), DS_NAME_CASES, ids=[c[2][:12] for c in DS_NAME_CASES]
)
def test_datasource_name(legacy: str, prefix: str, expected: str) -> None:
    assert ids.datasource_name(legacy, prefix=prefix) == expected
    assert ids.is_valid_datasource_name(expected)


BUCKET_CASES = [
    ("experiments", True),
    ("laser-2026", True),
    ("lab.storage", True),
    ("ab", False),
    ("My_Files", False),
    ("-lead", False),
    ("a..b", False),
    ("192.168.1.1", False),
    ("x" * 64, False),
]


@pytest.mark.parametrize(
    ("legacy", "expected"), BUCKET_CASES, ids=[c[0][:12] for c in BUCKET_CASES]
)
def test_bucket_rule(legacy: str, expected: bool) -> None:
    assert ids.is_valid_bucket(legacy) is expected


def test_workspace_uuid_keeps_valid_legacy_ids_only() -> None:
    hex_id = "60f07a33add334c3182cf5fd0dcd110e"
    assert ids.workspace_uuid(hex_id) == hex_id
    derived = ids.workspace_uuid("0")
    assert derived == str(uuid.uuid5(ids.NAMESPACE, "workspace:0"))
    assert derived != ids.workspace_uuid("1")
    assert ids.stable_uuid("user", "bob") == ids.stable_uuid("user", "bob")
    assert ids.stable_uuid("user", "bob") != ids.stable_uuid("group", "bob")


def test_make_unique() -> None:
    assert ids.make_unique("a", set()) == "a"
    assert ids.make_unique("a", {"a", "a-2"}) == "a-3"
    assert ids.make_unique("ds", {"ds"}, join=lambda b, n: f"{b}{n}") == "ds2"
