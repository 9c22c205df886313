"""Settings of the Cells emulator (defaults match the ``cells-migrate emulator`` flags)."""

from __future__ import annotations

from dataclasses import dataclass, field

# DESIGN.md "The command line": default admin admin/admin on 127.0.0.1.
DEFAULT_FAULT_MIX: tuple[tuple[str, int], ...] = (("503", 10), ("429", 5), ("drop", 2))
FAULT_KINDS = frozenset({"502", "503", "504", "429", "drop"})


@dataclass(frozen=True, slots=True, kw_only=True)
class EmulatorConfig:
    """How the emulator starts; the live knobs can later be changed with ``configure()``.

    ``version`` is what ``/a/config/discovery`` reports and selects version-specific
    behaviour (major 1: Dex password grant; major >= 4: group paths rendered in full;
    major >= 5: duplicate user answers 409).
    """

    host: str = "127.0.0.1"
    port: int = 0
    admin_login: str = "admin"
    admin_password: str = field(default="admin", repr=False)
    token_ttl_s: float = 600.0
    latency_ms: float = 0.0
    fault_rate: float = 0.0
    fault_mix: tuple[tuple[str, int], ...] = DEFAULT_FAULT_MIX
    index_delay_s: float = 0.5
    missing_ds_stat_delay_s: float = 0.0
    # A datasource re-created under a name deleted less than this many seconds earlier has
    # its sub-folders stat 500 "Not found" for that long (recorded 120 s; 0 = off, so that
    # tests re-applying right after a rollback do not wait).
    recreate_unserved_s: float = 0.0
    autoapply_cache_s: float = 0.0
    data_dir: str | None = None  # folders of the default datasources (indexed, never written)
    seed: int | None = None
    version: str = "3.0.9"
    forbid_writes: bool = False
    # A SQLAlchemy URL (SQLite file, MariaDB): users also live in a real idm_user_idx_tree
    # and logins check the etag read from it (userdb.py). May hold a DB password: no repr.
    user_db_url: str | None = field(default=None, repr=False)
    # More redirect URIs cells-client accepts (a test's loopback port; the recorded ones,
    # http://localhost:3000/servers/callback and <site>/oauth2/oob, always are).
    redirect_uris: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 0.0 <= self.fault_rate <= 1.0:
            raise ValueError("fault_rate must be between 0 and 1")
        for kind, weight in self.fault_mix:
            if kind not in FAULT_KINDS or weight < 0:
                raise ValueError(f"bad fault_mix entry {kind!r}: {weight}")
        if self.token_ttl_s <= 0 or self.latency_ms < 0 or self.index_delay_s < 0:
            raise ValueError("token_ttl_s must be > 0, latency_ms and index_delay_s >= 0")

    @property
    def major(self) -> int:
        """Major version number of the emulated Cells."""
        head = self.version.split(".", 1)[0]
        return int(head) if head.isdigit() else 3
