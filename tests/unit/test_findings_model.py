"""The one findings list (issue 17): the extractor's and the mapping's, one per object and
code, at the higher severity; and the count breakdown of legacy objects left out."""

from __future__ import annotations

from migrate.legacy.model import (
    Finding,
    FindingKind,
    Inventory,
    LegacyRole,
    LegacySource,
    LegacyUser,
    RoleKind,
    Severity,
)
from migrate.mapping import DEFAULT_RULES, PasswordStrategy, map_inventory
from migrate.mapping.breakdown import count_breakdown
from migrate.mapping.findings import all_findings


def _f(severity: Severity, key: str, code: str, message: str = "m") -> Finding:
    return Finding(
        severity=severity, kind=FindingKind.WORKSPACE, key=key, code=code, message=message
    )


def test_the_same_object_and_code_is_one_finding_with_the_first_text() -> None:
    legacy = [_f(Severity.WARNING, "w1", "unsupported-driver", "smb: copy the data")]
    mapping = [
        _f(Severity.WARNING, "w1", "driver-unsupported", "SMB has no datasource"),
        _f(Severity.INFO, "w2", "template"),
    ]
    found = all_findings(legacy, mapping)
    assert [(f.key, f.code, f.message) for f in found] == [
        ("w1", "unsupported-driver", "smb: copy the data"),
        ("w2", "template", "m"),
    ]


def test_a_restatement_at_a_higher_severity_raises_it() -> None:
    found = all_findings(
        [_f(Severity.WARNING, "w1", "x", "first")], [_f(Severity.BLOCKER, "w1", "x", "second")]
    )
    assert [(f.severity, f.message) for f in found] == [(Severity.BLOCKER, "first")]


def test_different_codes_on_one_object_stay_apart() -> None:
    found = all_findings([_f(Severity.WARNING, "w1", "a"), _f(Severity.WARNING, "w1", "b")])
    assert len(found) == 2


def _user(login: str, *, hidden: bool = False) -> LegacyUser:
    return LegacyUser(login=login, login_lower=login.lower(), hidden=hidden)


def test_the_breakdown_names_why_legacy_objects_have_no_cells_object() -> None:
    inventory = Inventory(
        source=LegacySource(kind="sql"),
        users=(_user("alice"), _user("bob"), _user("f287ae8beec6", hidden=True)),
        roles=(
            LegacyRole(role_id="AJXP_USR_/alice", kind=RoleKind.USER, label="alice"),
            LegacyRole(role_id="AJXP_USR_/bob", kind=RoleKind.USER, label="bob"),
            LegacyRole(role_id="GUEST", kind=RoleKind.ROLE, label="guest"),
            LegacyRole(role_id="sales", kind=RoleKind.ROLE, label="Sales"),
        ),
    )
    desired = map_inventory(inventory, DEFAULT_RULES, password_strategy=PasswordStrategy.RESET)
    rows = {row.kind: row for row in count_breakdown(inventory, desired)}
    users = rows["users"]
    assert (users.legacy, users.cells, users.left_out) == (3, 2, (("link-user", 1),))
    roles = rows["roles"]
    assert (roles.legacy, roles.cells) == (4, 1)
    assert dict(roles.left_out) == {"personal-role": 2, "reserved-role": 1}
    assert roles.reasons_text().startswith("2 personal role(s): their rights go on")
