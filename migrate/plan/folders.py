"""Looking at the legacy folders from where the tool runs (the I/O half of
:mod:`migrate.mapping.folders`; read-only: only ``stat``)."""

from __future__ import annotations

import os
import posixpath

from migrate.mapping.desired import DesiredState, NodeKind
from migrate.mapping.folders import FolderState, apply_folder_facts, folder_of, local_folders


def probe(folder: str) -> FolderState:
    """What ``folder`` is: a directory, a file, missing (its parent is there), or unseen."""
    try:
        if os.path.isdir(folder):
            return FolderState.DIR
        if os.path.lexists(folder):
            return FolderState.NOT_DIR
        if os.path.isdir(posixpath.dirname(folder.rstrip("/"))):
            return FolderState.MISSING
    except OSError:
        return FolderState.UNSEEN
    return FolderState.UNSEEN


def check_folders(desired: DesiredState) -> DesiredState:
    """``desired`` with the findings of its LOCAL folders (see :mod:`migrate.mapping.folders`).

    Sub-folders are looked at only inside a datasource folder that exists here; there a
    missing one is missing, whatever its parent."""
    roots = local_folders(desired)
    facts = {folder: probe(folder) for folder in roots.values() if folder}
    seen = {name for name, folder in roots.items() if facts.get(folder) is FolderState.DIR}
    nodes = [n for w in desired.workspaces for n in w.root_nodes]
    nodes += [a.node for a in desired.acls]
    nodes += [link.root for link in desired.links] + [cell.root for cell in desired.cells]
    for node in nodes:
        folder = folder_of(node.path, roots) if node.kind is NodeKind.FOLDER else None
        if folder is None or folder in facts or node.path.split("/", 1)[0] not in seen:
            continue
        state = probe(folder)
        facts[folder] = FolderState.MISSING if state is FolderState.UNSEEN else state
    return apply_folder_facts(desired, facts)
