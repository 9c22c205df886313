"""What the legacy folders hold decides what can be migrated (issue 11 point 4; pure).

``plan/folders.py`` looks at the folders from where the tool runs and passes the facts in:

* a LOCAL datasource folder that does not exist or is not a directory is a **blocker**:
  Cells refuses a missing folder (500 ``stat …: no such file or directory``) and accepts a
  regular file but never serves it (datasource-missing-and-unwritable-folder.yaml);
* a workspace rooted on a sub-folder that does not exist is a **blocker** (its data is not
  there: Cells would accept a root on nothing, tree-stat-missing.yaml);
* a right or mask on a sub-folder that no longer exists (Pydio keeps them after the folder
  is deleted) is left out with a **warning**: the plan shows it as a skip with the reason,
  and verify does not count it as missing;
* a folder that cannot be seen from here (its parent is not there either: the data lives
  on another host) is reported once as info; apply then fails a missing sub-folder's item
  with "folder F does not exist in datasource D".
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import replace
from enum import StrEnum

from migrate.legacy.model import Finding, FindingKind
from migrate.mapping.desired import (
    DesiredAcl,
    DesiredCell,
    DesiredDatasource,
    DesiredLink,
    DesiredState,
    NodeKind,
)
from migrate.mapping.findings import blocker, info, warning


class FolderState(StrEnum):
    """What a folder is, seen from where the tool runs."""

    DIR = "dir"
    NOT_DIR = "not-dir"  # exists but is a file
    MISSING = "missing"  # its parent is there, it is not
    UNSEEN = "unseen"  # cannot tell from here


def local_folders(desired: DesiredState) -> dict[str, str]:
    """Datasource name → folder, for the LOCAL datasources."""
    return {
        d.name: dict(d.storage_configuration).get("folder", "")
        for d in desired.datasources
        if d.storage_type == "LOCAL"
    }


def folder_of(node_path: str, roots: Mapping[str, str]) -> str | None:
    """The absolute folder of a ``<ds>/<sub>`` node of a LOCAL datasource."""
    name, _, sub = node_path.partition("/")
    root = roots.get(name)
    return posixpath.join(root, sub) if root and sub else None


def apply_folder_facts(desired: DesiredState, facts: Mapping[str, FolderState]) -> DesiredState:
    """``desired`` with the findings the folder facts call for, and without the ACLs on
    sub-folders that no longer exist. ``facts`` maps absolute folders to their state."""
    roots = local_folders(desired)
    served = {name for name, folder in roots.items() if facts.get(folder) is FolderState.DIR}
    findings = [f for d in desired.datasources if (f := _datasource(d, roots, facts))]
    for ws in desired.workspaces:
        for node in ws.root_nodes:
            folder = folder_of(node.path, roots)
            gone = folder is not None and _gone(facts.get(folder))
            if node.kind is NodeKind.FOLDER and node.path.split("/", 1)[0] in served and gone:
                findings.append(_workspace_missing(ws.slug, ws.label, str(folder)))
    kept: list[DesiredAcl] = []
    for acl in desired.acls:
        folder = folder_of(acl.node.path, roots) if acl.node.kind is NodeKind.FOLDER else None
        in_served = acl.node.path.split("/", 1)[0] in served
        if folder is not None and in_served and _gone(facts.get(folder)):
            findings.append(_acl_missing(acl, folder))
            continue
        kept.append(acl)
    links: list[DesiredLink] = []
    cells: list[DesiredCell] = []
    shares: list[DesiredLink | DesiredCell] = [*desired.links, *desired.cells]
    for share in shares:
        folder = folder_of(share.root.path, roots)
        in_served = share.root.path.split("/", 1)[0] in served
        if folder is not None and in_served and facts.get(folder) is FolderState.MISSING:
            findings.append(_share_missing(share.legacy_key, folder))
        elif isinstance(share, DesiredLink):
            links.append(share)
        else:
            cells.append(share)
    if not findings:
        return desired
    return replace(
        desired,
        acls=tuple(kept),
        links=tuple(links),
        cells=tuple(cells),
        findings=(*desired.findings, *findings),
    )


def _share_missing(key: str, folder: str) -> Finding:
    return warning(
        FindingKind.SHARE,
        key,
        "share-folder-missing",
        f"share {key} is on {folder}, which no longer exists in the legacy data (not "
        "migrated: copy the data there, or fix legacy.path_rewrite, to migrate it)",
    )


def _gone(state: FolderState | None) -> bool:
    return state in (FolderState.MISSING, FolderState.NOT_DIR)


def _datasource(
    ds: DesiredDatasource, roots: Mapping[str, str], facts: Mapping[str, FolderState]
) -> Finding | None:
    folder = roots.get(ds.name)
    if not folder:
        return None
    state = facts.get(folder)
    used = ", ".join(ds.workspaces) or "none"
    if state is FolderState.MISSING:
        return blocker(
            FindingKind.DATASOURCE,
            folder,
            "datasource-folder-missing",
            f"folder {folder} of datasource {ds.name} (workspaces {used}) does not exist: "
            f"copy the legacy data there (or `mkdir -p {folder}` if it is meant to be empty), "
            "or point legacy.path_rewrite at where the data is now; then re-run check",
        )
    if state is FolderState.NOT_DIR:
        return blocker(
            FindingKind.DATASOURCE,
            folder,
            "datasource-folder-not-dir",
            f"{folder} (datasource {ds.name}, workspaces {used}) is a file, not a folder: Cells "
            "would accept it and never serve it. Put the folder there, or fix "
            "legacy.path_rewrite; then re-run check",
        )
    if state is FolderState.UNSEEN:
        return info(
            FindingKind.DATASOURCE,
            folder,
            "datasource-folder-unchecked",
            f"folder {folder} of datasource {ds.name} cannot be seen from here (the data is "
            "on another host?): it and its sub-folders are checked when Cells indexes it",
        )
    return None


def _workspace_missing(slug: str, label: str, folder: str) -> Finding:
    return blocker(
        FindingKind.WORKSPACE,
        slug,
        "workspace-folder-missing",
        f"workspace {label!r} is rooted on {folder}, which does not exist in the legacy data: "
        "copy the data there, fix legacy.path_rewrite, or exclude the workspace in a mapping "
        "file; then re-run check",
    )


def _acl_missing(acl: DesiredAcl, folder: str) -> Finding:
    return warning(
        FindingKind.ACL,
        f"{acl.legacy_key}:{acl.node.path}:{acl.action}",
        "acl-folder-missing",
        f"{acl.origin.value} {acl.action} of {acl.role.target.value} {acl.role.key!r} on "
        f"{folder} is not migrated: the folder no longer exists in the legacy data (Pydio "
        "keeps rights and masks after a folder is deleted)",
    )
