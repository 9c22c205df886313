"""The legacy Inventory: typed, immutable records of what an AjaXplorer 4 … Pydio 8 install holds.

Every reader (``legacy/sql.py`` for conf.sql/auth.sql, ``legacy/serial.py`` for ``.ser``
files) produces one :class:`Inventory`; ``mapping/`` computes the Cells side from it alone.
Facts and field meanings come from ``spec/legacy-model.md`` (section numbers cited as §n).

Rules kept here:

* records are frozen, slotted, keyword-only dataclasses holding tuples, never dicts;
* PHP arrays (role parameters, workspace options, share data) are :class:`LegacyMap`, an
  ordered immutable map that converts back to plain Python with :meth:`LegacyMap.to_python`;
* secrets (password hashes, storage keys and passwords in workspace options) are
  :class:`~migrate.secret.Secret` values and are kept out of every ``repr``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from migrate.legacy.values import EMPTY_MAP as EMPTY_MAP
from migrate.legacy.values import LegacyMap as LegacyMap
from migrate.legacy.values import LegacyValue as LegacyValue
from migrate.legacy.values import Scalar as Scalar
from migrate.secret import Secret

# --- constants from the spec ------------------------------------------------------------------

DENY = "AJXP_VALUE_CLEAR"
"""ACL value meaning "deny" (§6: the UI's deny checkbox; survives merging)."""

VALID_RIGHTS = frozenset({"r", "w", "rw", DENY})
"""ACL values Pydio writes (§5.1 field ``acls``); anything else is reported."""

USER_ROLE_PREFIX = "AJXP_USR_/"
GROUP_ROLE_PREFIX = "AJXP_GRP_"
SHARED_ROLE_PREFIX = "AJXP_SHARED-"
ROOT_GROUP_ROLE = "AJXP_GRP_/"
ROOT_ROLE = "ROOT_ROLE"

RESERVED_ROLE_IDS = frozenset(
    {"ROOT_ROLE", "MINISITE", "MINISITE_NODOWNLOAD", "GUEST", "EXTERNAL_USERS"}
)
"""Roles made by Pydio's boot sequence (§5.3); DESIGN.md "Roles": not recreated on Cells."""

SYSTEM_WORKSPACE_IDS = frozenset({"ajxp_home", "ajxp_conf", "inbox", "ajxp_user", "ajxp_shared"})
"""Pseudo-workspaces with no storage (§8.2, §8.4)."""

SECRET_OPTION_NAMES = frozenset(
    {
        "SECRET_KEY",  # s3
        "PASS",  # remote credentials, imap
        "PASSWORD",  # swift, legacy publiclets
        "DB_PASS",  # mysql driver
        "CONSUMER_SECRET",  # dropbox
        "ENCODED_CREDENTIALS",
        "FTP_PASS",
    }
)
"""Workspace option names whose values are secrets (§8.2: stored in clear by Pydio)."""


# --- enums ------------------------------------------------------------------------------------


class HashFormat(StrEnum):
    """How a legacy password is stored (§12)."""

    PBKDF2 = "pbkdf2"  # "sha256:1000:<salt>:<hash>", salt used as text
    MD5 = "md5"  # 32 lowercase hex digits (≤5.0.2, or TRANSMIT_CLEAR_PASS=false)
    NONE = "none"  # no password row / empty (external auth)
    UNKNOWN = "unknown"  # something else: cannot be kept


class RoleKind(StrEnum):
    """What a role row is, by id convention and owner (§5.3, §10)."""

    USER = "user"  # AJXP_USR_/<login>: personal role
    GROUP = "group"  # AJXP_GRP_<path>: group role
    TEAM = "team"  # owned role (8.x owner_user_id) or 5.1-7.x ajxp_user_teams
    ROLE = "role"  # admin role, or a reserved boot-sequence role


class Severity(StrEnum):
    """How bad a finding is; ``blocker`` stops ``check`` (DESIGN.md, command line)."""

    BLOCKER = "blocker"
    WARNING = "warning"
    INFO = "info"


class FindingKind(StrEnum):
    """The object kind a finding is about (DESIGN.md machine-readable output)."""

    DATASOURCE = "datasource"
    WORKSPACE = "workspace"
    GROUP = "group"
    ROLE = "role"
    USER = "user"
    ACL = "acl"
    SHARE = "share"


class Era(StrEnum):
    """The schema/code era of the install, from tables, columns and role classes (§1.5, §13)."""

    AJXP_4 = "4.x"
    PYDIO_5 = "5.x"
    PYDIO_6_0 = "6.0"
    PYDIO_6_2 = "6.2-6.4"
    PYDIO_7 = "6.5-7.x"
    PYDIO_8 = "8.x"
    UNKNOWN = "unknown"


class WorkspaceSource(StrEnum):
    """Where a workspace definition was read from."""

    DB = "db"  # ajxp_repo + ajxp_repo_options
    STATIC = "static"  # conf/bootstrap_repositories.php (§8.4)
    SERIAL = "serial"  # repo.ser (§8.5)


class ShareType(StrEnum):
    """``SHARE_TYPE`` of a share entry (§9.2)."""

    MINISITE = "minisite"  # public link / minisite
    REPOSITORY = "repository"  # internal share
    FILE = "file"
    PUBLICLET = "publiclet"
    UNKNOWN = "unknown"


# --- records ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class LegacyAcl:
    """One right of a role on a workspace root: ``r``, ``w``, ``rw`` or ``AJXP_VALUE_CLEAR``."""

    workspace_id: str
    right: str

    @property
    def deny(self) -> bool:
        """``AJXP_VALUE_CLEAR`` is the UI's deny (§6)."""
        return self.right == DENY

    @property
    def read(self) -> bool:
        """Grants read."""
        return "r" in self.right and not self.deny

    @property
    def write(self) -> bool:
        """Grants write."""
        return "w" in self.right and not self.deny


@dataclass(frozen=True, slots=True, kw_only=True)
class MaskRule:
    """One entry of a folder permission mask: a path in the workspace and its bit-field (§5.4)."""

    path: str  # "/docs/private"
    permission: int  # READ=1, WRITE=2, DENY=4, TRAVEL=8

    @property
    def deny(self) -> bool:
        """The DENY bit is set."""
        return bool(self.permission & 4)


@dataclass(frozen=True, slots=True, kw_only=True)
class LegacyMask:
    """The permission mask of a role on one workspace, flattened to path rules (§5.4)."""

    workspace_id: str
    rules: tuple[MaskRule, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class LegacyRole:
    """A row of ``ajxp_roles`` (or roles.ser), decoded from any role class (§5.1).

    ``acls`` keep their stored order; ``label`` is ``ROLE_DISPLAY_NAME`` (5.x ``roleLabel``)
    or the id; ``owner`` set means a team (8.x owned role).
    """

    role_id: str
    kind: RoleKind
    label: str
    acls: tuple[LegacyAcl, ...] = ()
    parameters: LegacyMap = EMPTY_MAP  # {scope: {pluginId: {name: value}}}
    actions: LegacyMap = EMPTY_MAP  # {scope: {pluginId: {action: state}}}
    auto_applies: tuple[str, ...] = ()  # standard / admin / shared / guest / all
    masks: tuple[LegacyMask, ...] = ()
    owner: str | None = None
    group_path: str | None = None  # admin scope of the role
    class_name: str = ""  # PHP class the row was serialized with ("" for ajxp_user_teams)
    last_updated: int | None = None
    force_override: bool = False  # ROLE_FORCE_OVERRIDE: applied after other roles (§5.1)
    members: tuple[str, ...] = ()  # pre-8 teams only (ajxp_user_teams); 8.x: users' roles

    @property
    def reserved(self) -> bool:
        """Boot-sequence or per-link roles that are not recreated (DESIGN.md "Roles")."""
        return (
            self.role_id in RESERVED_ROLE_IDS
            or self.role_id.startswith(SHARED_ROLE_PREFIX)
            or (self.kind is RoleKind.ROLE and self.role_id.startswith("AJXP_"))
        )

    def parameter(self, name: str, plugin: str = "core.conf") -> LegacyValue:
        """A parameter under scope ``AJXP_REPO_SCOPE_ALL`` (where user attributes live, §4.3)."""
        return self.parameters.get_map("AJXP_REPO_SCOPE_ALL").get_map(plugin).get(name)

    def acl_map(self) -> dict[str, str]:
        """``{workspace id: right}`` (a fresh dict; later duplicates win)."""
        return {a.workspace_id: a.right for a in self.acls}


@dataclass(frozen=True, slots=True, kw_only=True)
class LegacyGroup:
    """A group of users: ``ajxp_groups`` row or ``AJXP_GROUP:<label>`` entry (§4.4)."""

    path: str  # "/sales/emea"
    label: str

    @property
    def parent_path(self) -> str:
        """The parent group path ("/" for a top-level group)."""
        parent = self.path.rstrip("/").rsplit("/", 1)[0]
        return parent or "/"


@dataclass(frozen=True, slots=True, kw_only=True)
class LegacyUser:
    """A user as the conf and auth stores hold it (§4).

    ``login`` is the stored value (lower-cased by auth.sql, §1.2), ``login_lower`` its
    lower-case form (the Cells login). ``password_hash`` is never shown; ``hash_format``
    says whether it can be kept. ``roles`` are the explicit roles of ``ajxp.roles``
    sorted by ``ajxp.roles.order`` (then stored order), as Pydio merges them (§6).
    ``legacy_rights`` are ≤4.x per-workspace rows that were never migrated (§4.2).
    """

    login: str
    login_lower: str
    password_hash: Secret | None = field(default=None, repr=False)
    hash_format: HashFormat = HashFormat.NONE
    group_path: str = "/"
    profile: str | None = None  # ajxp.profile as stored (may be absent)
    is_admin: bool = False
    hidden: bool = False
    parent_user: str | None = None
    display_name: str | None = None
    email: str | None = None
    lang: str | None = None
    roles: tuple[str, ...] = ()
    role_order: tuple[tuple[str, int], ...] = ()
    legacy_rights: tuple[LegacyAcl, ...] = ()
    has_auth_row: bool = True  # ajxp_users / users.ser row exists
    has_conf_row: bool = True  # ajxp_user_rights / rights.ser rows exist
    locked: bool = False  # ajxp.lock or USER_LOCK_ACTION

    @property
    def effective_profile(self) -> str:
        """The profile Pydio uses (``AbstractUser::getProfile``, §4.2 ``ajxp.profile``)."""
        if self.profile:
            return self.profile
        if self.is_admin:
            return "admin"
        if self.parent_user:
            return "shared"
        if self.login_lower == "guest":
            return "guest"
        return "standard"

    @property
    def personal_role_id(self) -> str:
        """Id of this user's personal role."""
        return USER_ROLE_PREFIX + self.login

    @property
    def shared(self) -> bool:
        """A shared/external user (created by another user, §4.2 ``ajxp.parent_user``)."""
        return self.parent_user is not None

    @property
    def group_role_ids(self) -> tuple[str, ...]:
        """``AJXP_GRP_/`` then one role per prefix of the group path (§6, parents first)."""
        ids = [ROOT_GROUP_ROLE]
        parts = [p for p in self.group_path.split("/") if p]
        for i in range(1, len(parts) + 1):
            ids.append(GROUP_ROLE_PREFIX + "/" + "/".join(parts[:i]))
        return tuple(ids)


@dataclass(frozen=True, slots=True, kw_only=True)
class LegacyWorkspace:
    """A workspace (repository): DB row, static entry or repo.ser object (§8).

    ``workspace_id`` is what ACLs and shares refer to: the uuid of a DB workspace, the array
    key of a static one. ``options`` hold every option except secret ones, which are in
    ``secret_options`` (never in a repr). ``$phpserial$`` values are already decoded.
    """

    workspace_id: str
    slug: str
    display: str
    driver: str
    source: WorkspaceSource = WorkspaceSource.DB
    path: str | None = None
    options: LegacyMap = EMPTY_MAP
    secret_options: tuple[tuple[str, Secret], ...] = field(default=(), repr=False)
    is_template: bool = False
    parent_id: str | None = None  # template id (template child) or shared parent
    owner: str | None = None  # sharer (shared children only)
    child_user: str | None = None  # the only user allowed (child_user_id)
    group_path: str | None = None
    infer_options_from_parent: bool = False
    writeable: bool = True
    enabled: bool = True
    create: bool = False  # bcreate

    @property
    def shared_child(self) -> bool:
        """A folder shared as a workspace or a public link (§8.3)."""
        return self.owner is not None and self.parent_id is not None

    @property
    def template_child(self) -> bool:
        """A workspace made from a template (§8.3)."""
        return self.parent_id is not None and self.owner is None

    @property
    def system(self) -> bool:
        """A pseudo-workspace without storage (ajxp_home, ajxp_conf, inbox, …)."""
        return self.workspace_id in SYSTEM_WORKSPACE_IDS or self.driver in SYSTEM_WORKSPACE_IDS

    @property
    def per_user(self) -> bool:
        """PATH contains ``AJXP_USER``: one folder per user (§8.2, security scope USER)."""
        return self.path is not None and "AJXP_USER" in self.path

    @property
    def default_rights(self) -> str:
        """Option ``DEFAULT_RIGHTS`` ("" when absent)."""
        value = self.options.get("DEFAULT_RIGHTS")
        return value if isinstance(value, str) else ""

    def option(self, name: str) -> LegacyValue:
        """An option by name (secret options are not returned; see ``secret_option``)."""
        return self.options.get(name)

    def secret_option(self, name: str) -> Secret | None:
        """A secret option (``SECRET_KEY``, ``PASS`` …) by name."""
        for key, value in self.secret_options:
            if key == name:
                return value
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class LegacyShare:
    """A share entry (``ajxp_simple_store`` store ``share``, §9).

    ``path`` is the shared path inside the parent workspace when it can be known (from the
    child's ``AJXP_PARENT_OPTION:PATH:<sub>`` or its content filter). ``data`` is the decoded
    entry without secrets (a legacy ``PASSWORD`` is dropped).
    """

    share_id: str
    share_type: ShareType
    owner: str | None
    workspace_id: str | None  # child workspace (REPOSITORY)
    parent_workspace_id: str | None  # related_object_id
    guest_user: str | None = None  # PRELOG_USER or PRESET_LOGIN
    password_protected: bool = False  # PRESET_LOGIN: the hidden user's password is the link's
    download_disabled: bool = False
    expire_time: int | None = None
    download_limit: int | None = None
    insertion_date: str | None = None
    path: str | None = None
    data: LegacyMap = EMPTY_MAP


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """Something the admin must know about: what is wrong and what to do (message)."""

    severity: Severity
    kind: FindingKind
    key: str  # natural key of the object: login, role id, workspace id, "role→workspace"
    message: str
    code: str = ""  # stable short id, e.g. "dangling-right", for filters and tests


@dataclass(frozen=True, slots=True, kw_only=True)
class LegacySource:
    """Where and what the inventory was read from."""

    kind: str  # "sql" or "serial"
    dialect: str | None = None  # sqlite / mysql / postgresql
    location: str = ""  # URL with the password hidden, or a folder
    era: Era = Era.UNKNOWN
    db_build: int | None = None
    features: frozenset[str] = frozenset()  # e.g. "roles.owner_user_id", "ajxp_groups"


@dataclass(frozen=True, slots=True, kw_only=True)
class Inventory:
    """Everything extracted from one legacy install, sorted by natural key."""

    source: LegacySource
    users: tuple[LegacyUser, ...] = ()
    groups: tuple[LegacyGroup, ...] = ()
    roles: tuple[LegacyRole, ...] = ()
    workspaces: tuple[LegacyWorkspace, ...] = ()
    shares: tuple[LegacyShare, ...] = ()
    findings: tuple[Finding, ...] = ()

    def counts(self) -> dict[str, int]:
        """Counts for ``inventory --json``: users, groups, roles, workspaces, rights, shares.

        ``rights`` = ACL entries of every role plus unmigrated 4.x per-user rights.
        """
        rights = sum(len(r.acls) for r in self.roles)
        rights += sum(len(u.legacy_rights) for u in self.users)
        return {
            "users": len(self.users),
            "groups": len(self.groups),
            "roles": len(self.roles),
            "workspaces": len(self.workspaces),
            "rights": rights,
            "shares": len(self.shares),
        }

    def users_by_login(self) -> dict[str, LegacyUser]:
        """``{stored login: user}`` (builds a dict: keep it if you call it often)."""
        return {u.login: u for u in self.users}

    def roles_by_id(self) -> dict[str, LegacyRole]:
        """``{role id: role}``."""
        return {r.role_id: r for r in self.roles}

    def workspaces_by_id(self) -> dict[str, LegacyWorkspace]:
        """``{workspace id: workspace}``."""
        return {w.workspace_id: w for w in self.workspaces}

    def findings_for(self, kind: FindingKind, key: str) -> tuple[Finding, ...]:
        """The findings about one object."""
        return tuple(f for f in self.findings if f.kind is kind and f.key == key)


# --- pure helpers -----------------------------------------------------------------------------

_PBKDF2 = re.compile(r"^[a-z0-9]+:\d+:[^:]+:[A-Za-z0-9+/=]+$")
_MD5 = re.compile(r"^[0-9a-f]{32}$")


def detect_hash_format(stored: str | None) -> HashFormat:
    """Classify a stored password (§12): PBKDF2 ``algo:iter:salt:hash``, bare MD5, none."""
    if stored is None or stored == "":
        return HashFormat.NONE
    if _PBKDF2.match(stored):
        return HashFormat.PBKDF2
    if _MD5.match(stored):
        return HashFormat.MD5
    return HashFormat.UNKNOWN


def role_kind(role_id: str, owner: str | None = None) -> RoleKind:
    """The kind of a role from its id and owner (§5.3)."""
    if role_id.startswith(USER_ROLE_PREFIX):
        return RoleKind.USER
    if role_id.startswith(GROUP_ROLE_PREFIX):
        return RoleKind.GROUP
    if owner:
        return RoleKind.TEAM
    return RoleKind.ROLE
