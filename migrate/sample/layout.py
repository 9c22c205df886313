"""Storage layouts a real Cells 3 is picky about (issue 11), for ``InstallSpec.layout_traps``.

Besides the sample's sibling project folders (``storage/project-*``):

* ``storage/project-00000/sub``: a workspace nested inside another one's folder (one
  datasource, the inner workspace rooted on its sub-folder);
* ``storage/deep/area/reports``: a folder whose Cells objects service (its parent) would sit
  inside the one of ``storage/project-*`` (``storage``): the mapping widens it;
* ``storage/gone``: a workspace whose folder does not exist (a blocker until it is made);
* ``project-00000/docs`` exists but ``docs/private`` does not: role-00's mask on it is a
  right on a deleted folder (``public`` exists);
* with ``s3_endpoint``: an S3 workspace on bucket ``s3_bucket`` of that endpoint, with a
  mask on ``Projects/2020`` and a deny on ``Photos`` (the bucket is the caller's to fill).

Rights on all of them are on role ``layout-role``, which every standard user gets.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from migrate.sample.ids import uid
from migrate.sample.records import STAMP, RoleDef, WorkspaceDef

S3_KEY = "AKIASAMPLELAYOUT0001"
S3_SECRET = "sample/layout+secret"  # noqa: S105 - a sample install's fake S3 secret
LAYOUT_ROLE = "layout-role"
GONE = "gone"


def layout_id(name: str) -> str:
    """Id of a layout workspace."""
    return uid(f"sample-layout-{name}")


def layout_folders(storage: Path) -> dict[str, Path]:
    """Layout workspace name → its folder (``gone`` is the one never created)."""
    return {
        "nested-sub": storage / "project-00000" / "sub",
        "deep-reports": storage / "deep" / "area" / "reports",
        GONE: storage / GONE,
    }


def made_folders(storage: Path) -> list[Path]:
    """Folders the builder creates for the layout (not ``gone``, not ``docs/private``)."""
    folders = [p for name, p in layout_folders(storage).items() if name != GONE]
    return [*folders, storage / "project-00000" / "docs", storage / "project-00000" / "public"]


def layout_workspaces(
    storage: Path, fs_options: dict[str, object], s3_endpoint: str | None, s3_bucket: str
) -> Iterator[WorkspaceDef]:
    """The layout workspaces (``fs_options`` is the sample's option set minus ``PATH``)."""
    for name, folder in layout_folders(storage).items():
        yield WorkspaceDef(
            uuid=layout_id(name),
            slug=f"layout-{name}",
            display=f"Layout {name}",
            options={**fs_options, "PATH": str(folder)},
        )
    if s3_endpoint:
        yield WorkspaceDef(
            uuid=layout_id("s3"),
            slug="layout-s3",
            display="Layout S3 archive",
            driver="s3",
            options={
                "CREATION_TIME": STAMP,
                "DEFAULT_RIGHTS": "",
                "API_KEY": S3_KEY,
                "SECRET_KEY": S3_SECRET,
                "REGION": "us-east-1",
                "CONTAINER": s3_bucket,
                "STORAGE_URL": s3_endpoint,
                "PATH": "/",
                "SIGNATURE_VERSION": "v4",
            },
        )


def layout_role(s3: bool) -> RoleDef:
    """``layout-role``: read/write on every layout workspace, masks on S3 sub-folders."""
    names = [*layout_folders(Path("/")), *(["s3"] if s3 else [])]
    masks: dict[str, dict[str, object]] = {}
    if s3:
        masks[layout_id("s3")] = {"Projects": {"2020": 1}, "Photos": 4}
    return RoleDef(
        role_id=LAYOUT_ROLE,
        group_path="/",
        acls={layout_id(n): "rw" for n in names},
        auto_applies=("standard",),
        masks=masks,
        label="Layout role",
    )
