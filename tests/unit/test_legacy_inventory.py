"""InventoryBuilder and the cross-checks, fed with hand-made legacy rows (no database)."""

from __future__ import annotations

import pytest

from migrate.legacy.findings import acl_key, login_problem
from migrate.legacy.inventory import InventoryBuilder, normalize_group_path
from migrate.legacy.model import (
    Era,
    FindingKind,
    HashFormat,
    Inventory,
    LegacySource,
    LegacyWorkspace,
    RoleKind,
    Severity,
    WorkspaceSource,
)
from migrate.legacy.workspaces import WorkspaceRow, as_bool
from migrate.sample.phpwrite import PhpObj, dumps

PBKDF2 = "sha256:1000:c2FsdA==:aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo"


def _role(role_id: str, acls: dict[str, str], cls: str = "Pydio\\Conf\\Core\\AJXP_Role") -> bytes:
    return dumps(PhpObj(cls, (("roleId", "protected", role_id), ("acls", "protected", acls))))


def _builder(era: Era = Era.PYDIO_8, static: tuple[LegacyWorkspace, ...] = ()) -> InventoryBuilder:
    return InventoryBuilder(LegacySource(kind="sql", dialect="sqlite", era=era), static)


def _user(b: InventoryBuilder, login: str, *, password: str | None = PBKDF2) -> None:
    if password is not None:
        b.add_auth_user(login, password, None)
    b.add_user_right(login, "ajxp.admin", "0")
    b.add_user_right(
        login, "ajxp.roles", f'$phpserial$a:1:{{s:{10 + len(login)}:"AJXP_USR_/{login}";b:1;}}'
    )


def _codes(inventory: Inventory) -> set[tuple[str, FindingKind, str]]:
    return {(f.code, f.kind, f.key) for f in inventory.findings}


@pytest.mark.parametrize(
    ("login", "code", "severity"),
    [
        ("alice", None, None),
        ("lise.meitner@lab.example", None, None),
        ("first-last_2+x", None, None),
        ("john smith", "unsafe-login", Severity.WARNING),
        ("café", "unsafe-login", Severity.WARNING),
        ("a/b", "invalid-login", Severity.BLOCKER),
        ("tab\there", "invalid-login", Severity.BLOCKER),
        ("", "invalid-login", Severity.BLOCKER),
    ],
)
def test_login_problem(login: str, code: str | None, severity: Severity | None) -> None:
    finding = login_problem(login)
    assert (finding.code if finding else None) == code
    assert (finding.severity if finding else None) == severity


@pytest.mark.parametrize(
    ("raw", "path"),
    [(None, "/"), ("", "/"), ("/", "/"), ("/a/b/", "/a/b"), ("a//b", "/a/b")],
)
def test_normalize_group_path(raw: str | None, path: str) -> None:
    assert normalize_group_path(raw) == path


@pytest.mark.parametrize(
    ("value", "result"),
    [(1, True), (0, False), (None, False), ("t", True), ("f", False), (b"1", True), (True, True)],
)
def test_booleans_of_every_dialect(value: object, result: bool) -> None:
    assert as_bool(value) is result


def test_login_clash_and_user_without_rows() -> None:
    b = _builder()
    _user(b, "Bob")
    _user(b, "bob")
    b.add_auth_user("carol", "plain-text-password", "/x/")  # auth row only, odd hash
    inventory = b.build()
    assert _codes(inventory) >= {
        ("login-clash", FindingKind.USER, "bob"),
        ("no-conf-row", FindingKind.USER, "carol"),
        ("unknown-hash", FindingKind.USER, "carol"),
        ("missing-group", FindingKind.GROUP, "/x"),
    }
    carol = inventory.users_by_login()["carol"]
    assert (carol.group_path, carol.hash_format, carol.has_conf_row) == (
        "/x",
        HashFormat.UNKNOWN,
        False,
    )
    assert [g.path for g in inventory.groups] == ["/x"]
    assert inventory.findings[0].severity is Severity.BLOCKER  # blockers sort first


def test_dangling_rights_and_roles() -> None:
    b = _builder()
    _user(b, "alice")
    b.add_user_right(
        "alice", "ajxp.roles", '$phpserial$a:2:{s:15:"AJXP_USR_/alice";b:1;s:4:"gone";b:1;}'
    )
    b.add_role_row(
        "AJXP_USR_/alice", _role("AJXP_USR_/alice", {"1": "rw", "missing": "r", "ajxp_user": "rw"})
    )
    b.add_role_row("AJXP_GRP_/nogroup", _role("AJXP_GRP_/nogroup", {"1": "r"}))
    b.add_role_row("AJXP_USR_/ghost", _role("AJXP_USR_/ghost", {"1": "r"}))
    inventory = b.build()
    assert _codes(inventory) == {
        ("dangling-right", FindingKind.ACL, acl_key("AJXP_USR_/alice", "missing")),
        ("dangling-role", FindingKind.USER, "alice"),
        ("orphan-role", FindingKind.ROLE, "AJXP_GRP_/nogroup"),
        ("orphan-role", FindingKind.ROLE, "AJXP_USR_/ghost"),
    }


def test_given_static_workspaces_replace_the_stock_list() -> None:
    static = (
        LegacyWorkspace(
            workspace_id="1",
            slug="my-files",
            display="My",
            driver="fs",
            source=WorkspaceSource.STATIC,
        ),
    )
    b = _builder(static=static)
    _user(b, "alice")
    b.add_role_row("AJXP_USR_/alice", _role("AJXP_USR_/alice", {"1": "rw", "inbox": "r"}))
    inventory = b.build()
    assert _codes(inventory) == {
        ("dangling-right", FindingKind.ACL, acl_key("AJXP_USR_/alice", "inbox"))
    }
    assert inventory.workspaces == static


def test_teams_before_8x_and_stale_teams_in_8x() -> None:
    for era, stale in ((Era.PYDIO_7, False), (Era.PYDIO_8, True)):
        b = _builder(era)
        for member in ("bob", "alice", "bob"):
            b.add_team_row("friends-12", member, "Friends", "carol")
        inventory = b.build()
        (team,) = inventory.roles
        assert (team.kind, team.label, team.owner, team.members) == (
            RoleKind.TEAM,
            "Friends",
            "carol",
            ("alice", "bob"),
        )
        assert (("stale-team", FindingKind.ROLE, "friends-12") in _codes(inventory)) is stale


def test_era_is_refined_by_role_classes() -> None:
    b = _builder(Era.PYDIO_6_2)
    b.add_role_row("r1", _role("r1", {}))
    assert b.build().source.era is Era.PYDIO_7
    b = _builder(Era.PYDIO_6_2)
    b.add_role_row("r1", _role("r1", {}, cls="AJXP_Role"))
    assert b.build().source.era is Era.PYDIO_6_2


def test_duplicates_corrupt_values_and_shares() -> None:
    b = _builder()
    _user(b, "alice")
    b.add_auth_user("alice", PBKDF2, "/")
    b.add_user_right("alice", "ajxp.roles.order", "$phpserial$a:1:{broken")
    b.add_user_right("alice", "ws-from-4x", "rx")
    b.add_role_row("bad", b'O:9:"AJXP_Role":1:{s:1')
    b.add_share_row("s1", "p", b"not serialized", None)
    b.add_share_row("s2", None, dumps({"SHARE_TYPE": "minisite", "REPOSITORY": "gone"}), None)
    b.add_workspace_row(WorkspaceRow(columns={"uuid": "w1", "display": "W 1"}))
    inventory = b.build()
    assert _codes(inventory) == {
        ("duplicate-row", FindingKind.USER, "alice"),
        ("corrupt-value", FindingKind.USER, "alice"),
        ("corrupt-role", FindingKind.ROLE, "bad"),
        ("corrupt-value", FindingKind.SHARE, "s1"),
        ("dangling-share", FindingKind.SHARE, "s2"),
        ("missing-slug", FindingKind.WORKSPACE, "w1"),
    }
    assert inventory.workspaces_by_id()["w1"].slug == "w-1"
    assert len([f for f in inventory.findings if f.code == "corrupt-value"]) == 3


def test_share_paths_of_every_era() -> None:
    b = _builder()
    _user(b, "ann")
    parent: dict[str, object] = {
        "uuid": "p",
        "slug": "p",
        "display": "P",
        "accessType": "fs",
        "path": "/srv/p/",
    }
    b.add_workspace_row(WorkspaceRow(columns=parent))
    for uuid, path in (
        ("c6", "/srv/p/sub/dir"),
        ("c8", "AJXP_PARENT_OPTION:PATH:/x"),
        ("cx", "/elsewhere"),
    ):
        columns: dict[str, object] = {
            "uuid": uuid,
            "slug": uuid,
            "display": uuid,
            "accessType": "fs",
            "path": path,
            "parent_uuid": "p",
            "owner_user_id": "ann",
        }
        b.add_workspace_row(WorkspaceRow(columns=columns))
        data = dumps({"SHARE_TYPE": "repository", "OWNER_ID": "ann", "REPOSITORY": uuid})
        b.add_share_row(f"repo-{uuid}", "p", data, None)
    inventory = b.build()
    assert {s.share_id: s.path for s in inventory.shares} == {
        "repo-c6": "/sub/dir",
        "repo-c8": "/x",
        "repo-cx": None,
    }
    assert inventory.findings == ()
