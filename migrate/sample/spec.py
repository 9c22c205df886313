"""What to build (:class:`InstallSpec`) and what was built (:class:`BuiltInstall`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from migrate.legacy.model import (
    FindingKind,
    LegacyGroup,
    LegacyRole,
    LegacyShare,
    LegacyUser,
    LegacyWorkspace,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class InstallSpec:
    """Sizes and options of a sample Pydio 8 install.

    ``rights`` is the number of ACL entries placed on users' personal roles (spread over
    the workspaces); ``traps`` adds the bad data an extractor must report (dangling rights,
    unsupported driver, unsafe login, slug clash by case, user without password row,
    invalid UTF-8, 4.x rights rows, dangling share); ``damage`` adds a role that cannot be
    decoded, a blocker (issue 12: it may hold a deny), so that an install with only
    ``traps`` can be applied without ``--force``. ``real_hashes`` users get
    their own PBKDF2 hash of ``password_for(login)``; the others share one precomputed hash
    of :data:`~migrate.sample.content.SHARED_PASSWORD` (PBKDF2 costs ~1 ms each).
    ``collect_expected=False`` skips building the ground truth (benchmarks at 100k users).
    """

    users: int = 12
    groups: int = 3
    roles: int = 2
    teams: int = 1
    workspaces: int = 6
    rights: int = 30
    shares: bool = True
    traps: bool = True
    damage: bool = False
    real_hashes: int = 20
    batch_size: int = 2000
    collect_expected: bool = True
    # Issue 11 layouts (migrate/sample/layout.py): nested and widened folders, a missing
    # workspace folder, a mask on a deleted folder, and an S3 workspace on ``s3_endpoint``.
    layout_traps: bool = False
    s3_endpoint: str | None = None
    s3_bucket: str = "sample-archive"

    def __post_init__(self) -> None:
        if self.users < 4 or self.workspaces < 2:
            raise ValueError("a sample install needs at least 4 users and 2 workspaces")


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpectedFinding:
    """A finding the extractor must report: its code, kind and key."""

    code: str
    kind: FindingKind
    key: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Expected:
    """Ground truth: exactly what an extractor must return for the built install.

    ``workspaces`` include the static ones of ``conf/bootstrap_repositories.php``;
    ``findings`` are the ones the traps must produce (nothing else may be reported).
    """

    users: tuple[LegacyUser, ...] = ()
    groups: tuple[LegacyGroup, ...] = ()
    roles: tuple[LegacyRole, ...] = ()
    workspaces: tuple[LegacyWorkspace, ...] = ()
    shares: tuple[LegacyShare, ...] = ()
    findings: frozenset[ExpectedFinding] = frozenset()


@dataclass(frozen=True, slots=True, kw_only=True)
class BuiltInstall:
    """A laid-out install: where things are, how to reach the DB, and the ground truth."""

    root: Path
    conf_path: Path
    data_path: Path
    storage_path: Path
    dialect: str
    db_url: str = field(repr=False)  # may hold a password
    static_workspaces: tuple[LegacyWorkspace, ...]
    expected: Expected | None
    counts: dict[str, int]  # rows written per table
