"""The mapping on real installs: extract with the real extractor, map, check every object.

1. The real Pydio 8.2.5 "physics lab" (tests/data/pydio8-sqlite): each Cells object is
   checked against expectations written by hand from its ``expected.json``.
2. The extractor's built installs (every trap) on every backend: every legacy right is an
   ACL or a finding, ids are unique, each migrated user/workspace matches the builder's
   ground truth.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from migrate.config import LegacyConfig
from migrate.legacy.bootstrap import discover_install
from migrate.legacy.model import Inventory, Severity
from migrate.legacy.sql import read_inventory_sql
from migrate.mapping import (
    DesiredState,
    NodeKind,
    PasswordAction,
    PasswordStrategy,
    map_inventory,
)
from migrate.mapping.ids import stable_uuid
from migrate.mapping.rules import MappingRules
from migrate.rulesfile import load_rules
from migrate.sample import BuiltInstall, InstallSpec, build_install

if TYPE_CHECKING:
    from tests.support.databases import TestDatabase

pytestmark = pytest.mark.integration

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "pydio8-sqlite"
ORIGINAL_DATA = "/srv/pydio/src-sqlite/core/src/data"  # README: where the data folder was
LAB = "/srv/pydio/lab-storage"

# workspace ids (expected.json "workspaces")
COLD = "43a67bf83ae393128d7a8277fd933a8f"
EXPERIMENTS = "60f07a33add334c3182cf5fd0dcd110e"
INSTRUMENTS = "945dce0f93d541f3f2ff5fc34ac15d76"
LIBRARY = "b5a04297fd595b7e4d4e296805ce3846"
NOTEBOOKS = "caa82982a1300fb93273715edbf24fc2"
LASER = "1179c09f20781016581bbfff28afad0f"
OPTICS_HOME = "54808ec162d0f21335527efa6067741d"
HOME_TEMPLATE = "ec78ee10f59d5a8ea6a021cd11751d0b"
SHARES = {
    "90b5634b61f9fa510dc6537bd65955e4",
    "12f50f8ba53db5d54567471b2203ed30",
    "ca425b2bc86a2842b63466ccb4cba487",
}


@pytest.fixture(scope="module")
def lab() -> tuple[Inventory, DesiredState]:
    install = discover_install(LegacyConfig(install_path=SAMPLE))
    assert install.conf.database is not None
    inventory = read_inventory_sql(
        install.conf.database.url.reveal(), static_workspaces=install.static_workspaces
    )
    rules = load_rules(
        path_variables=install.substitutions(),
        path_rewrite=[(install.data_path, ORIGINAL_DATA)],
    )
    return inventory, map_inventory(inventory, rules, password_strategy=PasswordStrategy.KEEP_HASH)


def test_lab_datasources(lab: tuple[Inventory, DesiredState]) -> None:
    _, state = lab
    local = {
        (d.name, d.folder, d.workspaces) for d in state.datasources if d.storage_type == "LOCAL"
    }
    assert local == {
        ("experiments", f"{LAB}/experiments", (LASER, EXPERIMENTS)),  # Laser Run folded in
        ("instruments", f"{LAB}/instruments", (INSTRUMENTS,)),
        ("library", f"{LAB}/library", (LIBRARY,)),
        ("notebooks", f"{LAB}/notebooks", (NOTEBOOKS,)),  # per-user folders live here
        ("homes", f"{LAB}/homes", (OPTICS_HOME,)),  # from the template's PATH
        ("files", f"{ORIGINAL_DATA}/files", ("0",)),
        ("p8personal", f"{ORIGINAL_DATA}/personal", ("1",)),  # "personal" is Cells' own
    }
    (s3,) = [d for d in state.datasources if d.storage_type == "S3"]
    assert (s3.name, s3.objects_bucket, s3.workspaces) == (
        "physicslabcoldarchive",
        "physics-lab-cold-archive",
        (COLD,),
    )
    assert dict(s3.storage_configuration) == {"customRegion": "eu-west-1", "signatureVersion": "v4"}
    assert s3.api_key is not None
    assert s3.api_key.reveal() == "AKIAFAKELAB0000KEY01"
    assert s3.api_secret is not None
    assert s3.api_secret.reveal() == "fakeLabSecret/NotARealKey+0123456789abcd"


def test_lab_workspaces(lab: tuple[Inventory, DesiredState]) -> None:
    _, state = lab
    got = {
        w.slug: (
            w.uuid,
            w.label,
            w.root_nodes[0].kind,
            w.root_nodes[0].path,
            w.attribute("DEFAULT_RIGHTS"),
        )
        for w in state.workspaces
    }
    template = NodeKind.TEMPLATE
    assert got == {
        "cold-archive-s3": (
            COLD,
            "Cold Archive S3",
            NodeKind.FOLDER,
            "physicslabcoldarchive/raw-data",
            "",
        ),
        "default": (
            stable_uuid("workspace", "0"),
            "Pydio Default Files",  # workspaces.labels (issue 17)
            NodeKind.DATASOURCE,
            "files",
            "",
        ),
        "experiments": (EXPERIMENTS, "Experiments", NodeKind.DATASOURCE, "experiments", ""),
        "instruments": (INSTRUMENTS, "Instruments", NodeKind.DATASOURCE, "instruments", ""),
        # DEFAULT_RIGHTS rw was saved as an option only (README "Odd behaviours")
        "lab-library": (LIBRARY, "Lab Library", NodeKind.DATASOURCE, "library", "rw"),
        "lab-notebooks": (NOTEBOOKS, "Lab Notebooks", template, "my-files", ""),
        "laser-run-2026": (LASER, "Laser Run 2026", NodeKind.FOLDER, "experiments/laser-2026", ""),
        # AJXP_GRP_/ holds 1: rw -> the root group's right is the DEFAULT_RIGHTS
        "my-files": (stable_uuid("workspace", "1"), "My Files", template, "my-files", "rw"),
        "optics-home": (OPTICS_HOME, "Optics Home", template, "my-files", ""),
    }
    notebooks = next(w for w in state.workspaces if w.slug == "lab-notebooks")
    assert notebooks.template_resolution == 'DataSources.notebooks + "/" + User.Name'
    assert all(w.scope == "ADMIN" for w in state.workspaces)


def test_the_default_workspace_is_relabelled_and_the_plan_says_so(
    lab: tuple[Inventory, DesiredState], tmp_path: Path
) -> None:
    """Issue 17: Pydio's workspace 0 "Default Files" would sit beside Cells' own "Common
    Files" and "Personal Files"; the default mapping relabels it, with an info finding, and
    a mapping file can keep the label (the finding then says it is a look-alike)."""
    inventory, state = lab
    (changed,) = [f for f in state.findings if f.code == "label-changed"]
    assert (changed.severity, changed.key) == (Severity.INFO, "0")
    assert "'Default Files'" in changed.message
    assert "'Pydio Default Files'" in changed.message
    keep = tmp_path / "keep.yaml"
    keep.write_text('workspaces:\n  labels: {"Default Files": "Default Files"}\n', "utf-8")
    install = discover_install(LegacyConfig(install_path=SAMPLE))
    rules = load_rules(
        [keep],
        path_variables=install.substitutions(),
        path_rewrite=[(install.data_path, ORIGINAL_DATA)],
    )
    kept = map_inventory(inventory, rules, password_strategy=PasswordStrategy.KEEP_HASH)
    assert {w.label for w in kept.workspaces if w.legacy_key == "0"} == {"Default Files"}
    lookalikes = {f.key for f in kept.findings if f.code == "label-lookalike"}
    assert "0" in lookalikes
    assert not [f for f in kept.findings if f.code == "label-changed"]


def test_lab_groups_roles_and_users(lab: tuple[Inventory, DesiredState]) -> None:
    _, state = lab
    assert [(g.path, g.parent_path, g.label, g.display_name) for g in state.groups] == [
        ("/lab", "/", "lab", "Physics Lab"),
        ("/lab/optics", "/lab", "optics", "Optics Team"),
    ]
    assert [(r.uuid, r.label, r.auto_applies, r.is_team, r.owner) for r in state.roles] == [
        ("curie-team-521", "Curie Team", (), True, "marie"),
        ("visitors", "Lab Visitors", ("shared",), False, None),
    ]
    users = {
        u.login: (u.group_path, u.profile, u.display_name, u.email, u.roles, u.owner)
        for u in state.users
    }
    assert users == {
        "ada": (
            "/lab/optics",
            "standard",
            "Ada Lovelace",
            "ada@lab.example",
            ("curie-team-521",),
            None,
        ),
        "alan": ("/", "standard", "Alan Turing", "alan.turing@lab.example", (), None),
        "enrico": ("/", "admin", "Enrico Fermi", "enrico.fermi@lab.example", (), None),
        "grace.hopper": (
            "/lab/optics",
            "standard",
            "Grace Hopper",
            "grace.hopper@lab.example",
            (),
            None,
        ),
        "kent": ("/", "standard", "Ken Thompson", "ken@lab.example", (), None),  # asked as KenT
        "linus": ("/", "standard", "Linus Torvalds", "linus@lab.example", ("visitors",), None),
        "lise.meitner@lab.example": (
            "/lab",
            "standard",
            "Lise Meitner",
            "lise.meitner@lab.example",
            (),
            None,
        ),
        "marie": ("/lab", "standard", "Marie Curie", "marie.curie@lab.example", (), None),
        "pierre": (
            "/lab",
            "standard",
            "Pierre Curie",
            "pierre.curie@lab.example",
            ("curie-team-521",),
            None,
        ),
        # no ajxp.profile row; ajxp.admin=1 -> admin, always sent explicitly
        "root-admin": ("/", "admin", "Lab Root Administrator", None, (), None),
        "rosalind": ("/lab/optics", "standard", "Rosalind Franklin", None, (), None),
        "student.ext": ("/lab", "shared", "Visiting Student", "student@univ.example", (), "marie"),
    }  # hidden link guests e6bec0edd06d and f3fce3fccec7 are not Cells users
    assert {u.password.action for u in state.users} == {PasswordAction.KEEP_HASH}
    assert {u.password.hash_format for u in state.users} == {"pbkdf2"}


# expected.json "acls", written as (legacy role, workspace id, value): what each becomes
RIGHT_TO_ACLS: list[tuple[str, str, str, set[tuple[str, str, str, str]]]] = [
    ("AJXP_GRP_/lab", EXPERIMENTS, "r", {("group", "/lab", "experiments", "read")}),
    (
        "AJXP_GRP_/lab",
        NOTEBOOKS,
        "rw",
        {("group", "/lab", "my-files", "read"), ("group", "/lab", "my-files", "write")},
    ),
    (
        "AJXP_GRP_/lab/optics",
        LASER,
        "rw",
        {
            ("group", "/lab/optics", "experiments/laser-2026", "read"),
            ("group", "/lab/optics", "experiments/laser-2026", "write"),
        },
    ),
    (
        "AJXP_GRP_/lab/optics",
        OPTICS_HOME,
        "rw",
        {
            ("group", "/lab/optics", "my-files", "read"),
            ("group", "/lab/optics", "my-files", "write"),
        },
    ),
    (
        "AJXP_GRP_/lab/optics",
        LIBRARY,
        "AJXP_VALUE_CLEAR",
        {("group", "/lab/optics", "library", "deny")},
    ),
    ("visitors", LIBRARY, "r", {("role", "visitors", "library", "read")}),
    (
        "AJXP_USR_/ada",
        INSTRUMENTS,
        "rw",
        {("user", "ada", "instruments", "read"), ("user", "ada", "instruments", "write")},
    ),
    ("AJXP_USR_/alan", EXPERIMENTS, "AJXP_VALUE_CLEAR", {("user", "alan", "experiments", "deny")}),
    ("AJXP_USR_/alan", COLD, "r", {("user", "alan", "physicslabcoldarchive/raw-data", "read")}),
    (
        "AJXP_USR_/enrico",
        COLD,
        "rw",
        {
            ("user", "enrico", "physicslabcoldarchive/raw-data", "read"),
            ("user", "enrico", "physicslabcoldarchive/raw-data", "write"),
        },
    ),
    (
        "AJXP_USR_/enrico",
        LIBRARY,
        "rw",
        {("user", "enrico", "library", "read"), ("user", "enrico", "library", "write")},
    ),
    (
        "AJXP_USR_/grace.hopper",
        LASER,
        "r",
        {("user", "grace.hopper", "experiments/laser-2026", "read")},
    ),
    ("AJXP_USR_/kent", INSTRUMENTS, "r", {("user", "kent", "instruments", "read")}),
    (
        "AJXP_USR_/kent",
        NOTEBOOKS,
        "rw",
        {("user", "kent", "my-files", "read"), ("user", "kent", "my-files", "write")},
    ),
    (
        "AJXP_USR_/linus",
        COLD,
        "rw",
        {
            ("user", "linus", "physicslabcoldarchive/raw-data", "read"),
            ("user", "linus", "physicslabcoldarchive/raw-data", "write"),
        },
    ),
    (
        "AJXP_USR_/lise.meitner@lab.example",
        EXPERIMENTS,
        "rw",
        {
            ("user", "lise.meitner@lab.example", "experiments", "read"),
            ("user", "lise.meitner@lab.example", "experiments", "write"),
        },
    ),
    (
        "AJXP_USR_/marie",
        LASER,
        "rw",
        {
            ("user", "marie", "experiments/laser-2026", "read"),
            ("user", "marie", "experiments/laser-2026", "write"),
        },
    ),
    (
        "AJXP_USR_/marie",
        EXPERIMENTS,
        "rw",
        {("user", "marie", "experiments", "read"), ("user", "marie", "experiments", "write")},
    ),
    ("AJXP_USR_/marie", INSTRUMENTS, "r", {("user", "marie", "instruments", "read")}),
    (
        "AJXP_USR_/pierre",
        LASER,
        "rw",
        {
            ("user", "pierre", "experiments/laser-2026", "read"),
            ("user", "pierre", "experiments/laser-2026", "write"),
        },
    ),
    ("AJXP_USR_/pierre", EXPERIMENTS, "r", {("user", "pierre", "experiments", "read")}),
]
# root-admin's rw on every workspace (create_repository) maps to read+write on each root
ADMIN_ROOTS = {
    LASER: "experiments/laser-2026",
    COLD: "physicslabcoldarchive/raw-data",
    OPTICS_HOME: "my-files",
    "1": "my-files",
    EXPERIMENTS: "experiments",
    INSTRUMENTS: "instruments",
    "0": "files",
    LIBRARY: "library",
    NOTEBOOKS: "my-files",
}
RIGHT_TO_ACLS += [
    (
        "AJXP_USR_/root-admin",
        wid,
        "rw",
        {("user", "root-admin", path, "read"), ("user", "root-admin", path, "write")},
    )
    for wid, path in ADMIN_ROOTS.items()
]
# rights that are findings: (legacy role, workspace id, finding code)
RIGHT_TO_FINDING = [
    ("AJXP_GRP_/", "1", "default-rights"),
    ("AJXP_GRP_/", "ajxp_home", "right-on-system-workspace"),
    ("AJXP_GRP_/", "inbox", "right-on-system-workspace"),
    ("AJXP_USR_/enrico", "ajxp_conf", "right-on-system-workspace"),
    ("AJXP_USR_/root-admin", "ajxp_conf", "right-on-system-workspace"),
    ("AJXP_USR_/root-admin", "ajxp_home", "right-on-system-workspace"),
    ("AJXP_USR_/root-admin", "inbox", "right-on-system-workspace"),
    ("AJXP_USR_/root-admin", "fs_template", "right-on-template"),
    ("AJXP_USR_/root-admin", HOME_TEMPLATE, "right-on-template"),
    ("AJXP_USR_/pierre", "90b5634b61f9fa510dc6537bd65955e4", "share-right"),
    ("AJXP_USR_/e6bec0edd06d", "12f50f8ba53db5d54567471b2203ed30", "share-right"),
    ("AJXP_USR_/f3fce3fccec7", "ca425b2bc86a2842b63466ccb4cba487", "share-right"),
]


def test_lab_every_right_object_by_object(lab: tuple[Inventory, DesiredState]) -> None:
    inventory, state = lab
    by_key: dict[str, set[tuple[str, str, str, str]]] = {}
    for acl in state.acls:
        by_key.setdefault(acl.legacy_key, set()).add(
            (acl.role.target.value, acl.role.key, acl.node.path, acl.action)
        )
    legacy = {(r.role_id, a.workspace_id, a.right) for r in inventory.roles for a in r.acls}
    expected_rights = {(r, w, v) for r, w, v, _ in RIGHT_TO_ACLS}
    assert expected_rights <= legacy
    for role_id, wid, _, acls in RIGHT_TO_ACLS:
        assert by_key.pop(f"{role_id}#{wid}") == acls, (role_id, wid)
    # what remains are student.ext's own ACLs: Pydio ignored group/root rights for him
    assert by_key == {
        f"isolation:student.ext#{EXPERIMENTS}": {("user", "student.ext", "experiments", "deny")},
        f"isolation:student.ext#{NOTEBOOKS}": {("user", "student.ext", "my-files", "deny")},
        "isolation:student.ext#1": {("user", "student.ext", "my-files", "deny")},
        # DEFAULT_RIGHTS rw of Lab Library is ignored; the shared-auto role visitors says r
        f"isolation:student.ext#{LIBRARY}": {("user", "student.ext", "library", "read")},
    }
    findings = {(f.key, f.code) for f in state.findings}
    for role_id, wid, code in RIGHT_TO_FINDING:
        assert (f"{role_id}#{wid}", code) in findings
    # and nothing else: every legacy right is one of the two tables
    assert len(legacy) == len(RIGHT_TO_ACLS) + len(RIGHT_TO_FINDING)


def test_lab_findings(lab: tuple[Inventory, DesiredState]) -> None:
    _, state = lab
    found = {(f.severity, f.code, f.key) for f in state.findings}
    expected = {
        (Severity.INFO, "link-user", "e6bec0edd06d"),
        (Severity.INFO, "link-user", "f3fce3fccec7"),
        *((Severity.INFO, "shared-child", wid) for wid in SHARES),
        (Severity.INFO, "template", HOME_TEMPLATE),
        (Severity.INFO, "template", "fs_template"),
        *((Severity.INFO, "system-workspace", w) for w in ("ajxp_home", "ajxp_conf", "inbox")),
        *((Severity.WARNING, "personal-files", w) for w in ("1", NOTEBOOKS, OPTICS_HOME)),
        (Severity.WARNING, "default-rights-widen", LIBRARY),
        (Severity.WARNING, "personal-files-shared", "my-files"),
        (Severity.INFO, "shared-user-isolation", "student.ext"),
        *(
            (Severity.INFO, "reserved-role", r)
            for r in (
                "EXTERNAL_USERS",
                "GUEST",
                "MINISITE",
                "MINISITE_NODOWNLOAD",
                "AJXP_SHARED-12f50f8ba53db5d54567471b2203ed30",
                "AJXP_SHARED-ca425b2bc86a2842b63466ccb4cba487",
            )
        ),
    }
    assert expected <= found
    assert not [f for f in state.findings if f.severity is Severity.BLOCKER]


def test_lab_is_deterministic_and_keeps_secrets_out(lab: tuple[Inventory, DesiredState]) -> None:
    inventory, state = lab
    text = state.to_json()
    rules = load_rules(
        path_variables={"AJXP_DATA_PATH": str(SAMPLE / "data"), "AJXP_INSTALL_PATH": str(SAMPLE)},
        path_rewrite=[(str(SAMPLE / "data"), ORIGINAL_DATA)],
    )
    again = map_inventory(inventory, rules, password_strategy=PasswordStrategy.KEEP_HASH)
    assert again.to_json() == text
    assert "fakeLabSecret" not in text
    assert "AKIAFAKELAB" not in text
    assert "sha256:1000:" not in text


# --- built installs on every backend ----------------------------------------------------------

SPEC = InstallSpec(users=12, groups=3, roles=2, teams=1, workspaces=10, rights=40)


@pytest.fixture(scope="module")
def built(dialect: TestDatabase, tmp_path_factory: pytest.TempPathFactory) -> BuiltInstall:
    root = tmp_path_factory.mktemp("mapping-install")
    url = None if dialect.name == "sqlite" else dialect.url
    return build_install(root, dialect=dialect.name, db_url=url, spec=SPEC)


@pytest.fixture(scope="module")
def built_state(built: BuiltInstall) -> tuple[Inventory, MappingRules, DesiredState]:
    inventory = read_inventory_sql(built.db_url, static_workspaces=built.static_workspaces)
    rules = load_rules(path_variables={"AJXP_DATA_PATH": str(built.data_path)})
    return inventory, rules, map_inventory(inventory, rules)


def test_built_install_rights_are_all_accounted_for(
    built_state: tuple[Inventory, MappingRules, DesiredState],
) -> None:
    inventory, _, state = built_state
    accounted = {a.legacy_key for a in state.acls} | {f.key for f in state.findings}
    rights = [f"{r.role_id}#{a.workspace_id}" for r in inventory.roles for a in r.acls]
    rights += [
        f"{u.personal_role_id}#{a.workspace_id}" for u in inventory.users for a in u.legacy_rights
    ]
    assert len(rights) >= SPEC.rights
    assert [k for k in rights if k not in accounted] == []
    assert len(state.acls) > 0


def test_built_install_objects_match_the_ground_truth(
    built: BuiltInstall, built_state: tuple[Inventory, MappingRules, DesiredState]
) -> None:
    expected = built.expected
    assert expected is not None
    _, rules, state = built_state
    users = {u.legacy_key: u for u in state.users}
    for legacy in expected.users:
        desired = users.get(legacy.login)
        if legacy.hidden or "/" in legacy.login or legacy.effective_profile == "guest":
            assert desired is None, legacy.login
            continue
        assert desired is not None, legacy.login
        assert desired.login == legacy.login_lower
        assert desired.profile == rules.profile(legacy.effective_profile)[1]
        assert desired.display_name == (legacy.display_name or desired.login)
        assert desired.email == (legacy.email or None)
    workspaces = {w.legacy_key for w in state.workspaces}
    skipped = {
        f.key for f in state.findings if f.kind.value in ("workspace", "share", "datasource")
    }
    for legacy_ws in expected.workspaces:
        assert legacy_ws.workspace_id in workspaces | skipped, legacy_ws.workspace_id
    assert len({w.slug for w in state.workspaces}) == len(state.workspaces)
    assert len({d.name for d in state.datasources}) == len(state.datasources)
