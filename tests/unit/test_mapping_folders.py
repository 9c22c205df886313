"""The legacy folders decide what is migrated (issue 11 point 4; pure part)."""

from __future__ import annotations

import pytest

from migrate.legacy.model import Severity
from migrate.mapping.desired import (
    AclOrigin,
    DesiredAcl,
    DesiredDatasource,
    DesiredState,
    DesiredWorkspace,
    NodeKind,
    NodeRef,
    RoleRef,
    RoleTarget,
)
from migrate.mapping.folders import FolderState, apply_folder_facts
from migrate.plan.diff import finding_skips

DS = DesiredDatasource(
    name="storage",
    storage_type="LOCAL",
    storage_configuration=(("folder", "/srv/p8/storage"), ("normalize", "false")),
    legacy_key="/srv/p8/storage",
    workspaces=("w1",),
)
ROOT = NodeRef(kind=NodeKind.DATASOURCE, path="storage", uuid="DATASOURCE:storage")
SUB = NodeRef(kind=NodeKind.FOLDER, path="storage/sub")


def _acl(path: str, action: str = "read") -> DesiredAcl:
    return DesiredAcl(
        role=RoleRef(target=RoleTarget.ROLE, key="r1"),
        workspace_uuid="ws-uuid",
        node=NodeRef(kind=NodeKind.FOLDER, path=path),
        action=action,
        origin=AclOrigin.MASK,
        legacy_key="mask:r1→w1",
    )


def _state(*acls: DesiredAcl, roots: tuple[NodeRef, ...] = (ROOT,)) -> DesiredState:
    ws = DesiredWorkspace(
        uuid="ws-uuid", slug="projects", label="Projects", datasource="storage", root_nodes=roots
    )
    return DesiredState(datasources=(DS,), workspaces=(ws,), acls=acls)


@pytest.mark.parametrize(
    ("state", "code", "severity"),
    [
        (FolderState.MISSING, "datasource-folder-missing", Severity.BLOCKER),
        (FolderState.NOT_DIR, "datasource-folder-not-dir", Severity.BLOCKER),
        (FolderState.UNSEEN, "datasource-folder-unchecked", Severity.INFO),
    ],
)
def test_datasource_folder_states(state: FolderState, code: str, severity: Severity) -> None:
    out = apply_folder_facts(_state(), {"/srv/p8/storage": state})
    assert [(f.code, f.severity, f.key) for f in out.findings] == [
        (code, severity, "/srv/p8/storage")
    ]


def test_a_right_on_a_deleted_folder_is_a_skip_with_its_reason() -> None:
    kept, gone = _acl("storage/docs"), _acl("storage/docs/private")
    facts = {
        "/srv/p8/storage": FolderState.DIR,
        "/srv/p8/storage/docs": FolderState.DIR,
        "/srv/p8/storage/docs/private": FolderState.MISSING,
    }
    out = apply_folder_facts(_state(kept, gone), facts)
    assert out.acls == (kept,)
    (finding,) = out.findings
    assert (finding.code, finding.severity) == ("acl-folder-missing", Severity.WARNING)
    assert "/srv/p8/storage/docs/private" in finding.message
    (skip,) = finding_skips(out)
    assert skip.key == "mask:r1→w1:storage/docs/private:read"
    assert "no longer exists" in skip.reason


def test_a_workspace_on_a_missing_folder_is_a_blocker() -> None:
    facts = {"/srv/p8/storage": FolderState.DIR, "/srv/p8/storage/sub": FolderState.MISSING}
    out = apply_folder_facts(_state(roots=(SUB,)), facts)
    assert [(f.code, f.key) for f in out.blockers()] == [("workspace-folder-missing", "projects")]


def test_nothing_is_dropped_when_the_datasource_folder_cannot_be_seen() -> None:
    acl = _acl("storage/docs/private")
    out = apply_folder_facts(_state(acl), {"/srv/p8/storage": FolderState.UNSEEN})
    assert out.acls == (acl,)
    assert [f.code for f in out.findings] == ["datasource-folder-unchecked"]
