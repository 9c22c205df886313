"""Assemble an :class:`~migrate.legacy.model.Inventory` from raw legacy records.

Readers feed rows one by one (``add_*``); nothing here does I/O, so the SQL reader and the
serial-file reader share every rule: value decoding, user assembly, the cross-checks
(dangling rights, orphan roles, slug and login clashes, unsupported drivers) and the sort.
One bad record becomes a :class:`~migrate.legacy.model.Finding`, never an exception.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from migrate.errors import LegacyFormatError
from migrate.legacy import checks
from migrate.legacy import findings as fnd
from migrate.legacy.model import (
    USER_ROLE_PREFIX,
    Era,
    Finding,
    FindingKind,
    HashFormat,
    Inventory,
    LegacyAcl,
    LegacyGroup,
    LegacyRole,
    LegacyShare,
    LegacySource,
    LegacyUser,
    LegacyWorkspace,
    RoleKind,
    detect_hash_format,
)
from migrate.legacy.phpserial import PhpArray
from migrate.legacy.roles import Problems, decode_role, decode_stored, text
from migrate.legacy.shares import decode_share
from migrate.legacy.workspaces import WorkspaceRow, build_workspace, parent_sub_path
from migrate.secret import Secret

KNOWN_STATIC_IDS = frozenset({"0", "1", "ajxp_home", "ajxp_conf", "inbox", "fs_template"})
"""Static workspace keys of a stock bootstrap_repositories.php (§8.4), used when the caller
gives no static workspaces."""


@dataclass(slots=True)
class _UserDraft:
    login: str
    password: str | None = None
    group_path: str | None = None
    has_auth: bool = False
    has_conf: bool = False
    admin: bool = False
    profile: str | None = None
    parent: str | None = None
    hidden: bool = False
    locked: bool = False
    roles: tuple[str, ...] = ()
    order: dict[str, int] = field(default_factory=dict)
    rights: list[LegacyAcl] = field(default_factory=list)


class InventoryBuilder:
    """Collects raw legacy records and builds the immutable Inventory (``build()``)."""

    def __init__(self, source: LegacySource, static_workspaces: Iterable[LegacyWorkspace] = ()):
        self.source = source
        self.static = tuple(static_workspaces)
        self.findings: list[Finding] = []
        self._users: dict[str, _UserDraft] = {}
        self._roles: dict[str, LegacyRole] = {}
        self._groups: dict[str, LegacyGroup] = {}
        self._workspaces: dict[str, WorkspaceRow] = {}
        self._shares: list[LegacyShare] = []
        self._teams: dict[str, tuple[str, str, list[str]]] = {}
        self._acl_cache: dict[tuple[str, str], LegacyAcl] = {}
        self.role_classes: set[str] = set()

    # --- intake -------------------------------------------------------------------------------

    def _draft(self, login: str) -> _UserDraft:
        draft = self._users.get(login)
        if draft is None:
            draft = self._users[login] = _UserDraft(login=login)
        return draft

    def _text(self, raw: bytes | str | None, kind: FindingKind, key: str, where: str) -> str:
        problems = Problems()
        value = text(raw if raw is not None else "", problems)
        if problems.invalid_utf8:
            self.findings.append(fnd.invalid_utf8(kind, key, where))
        return value

    def login_text(self, raw: bytes | str) -> str:
        """Decode a login column (invalid UTF-8 reported against the login)."""
        problems = Problems()
        login = text(raw, problems)
        if problems.invalid_utf8:
            self.findings.append(fnd.invalid_utf8(FindingKind.USER, login, "the login"))
        return login

    def add_auth_user(
        self, login_raw: bytes | str, password: bytes | str | None, group_path: str | None
    ) -> None:
        """One ``ajxp_users`` row (or users.ser entry)."""
        login = self.login_text(login_raw)
        draft = self._draft(login)
        if draft.has_auth:
            self.findings.append(fnd.duplicate_row(FindingKind.USER, login, "ajxp_users"))
        draft.has_auth = True
        draft.password = self._text(password, FindingKind.USER, login, "the password")
        draft.group_path = group_path

    def add_user_right(self, login_raw: bytes | str, key: str, value: bytes | str | None) -> None:
        """One ``ajxp_user_rights`` row: a flag (``ajxp.*``) or a 4.x workspace right (§4.2)."""
        login = self.login_text(login_raw)
        draft = self._draft(login)
        draft.has_conf = True
        raw = value if value is not None else ""
        if key == "ajxp.roles" or key == "ajxp.roles.order":
            self._user_roles(draft, key, raw)
            return
        val = self._text(raw, FindingKind.USER, login, key)
        if key == "ajxp.admin":
            draft.admin = val.strip().lower() in ("1", "true", "b:1;")
        elif key == "ajxp.profile":
            draft.profile = val or None
        elif key == "ajxp.parent_user":
            draft.parent = val or None
        elif key == "ajxp.hidden":
            draft.hidden = val.strip().lower() in ("true", "1", "b:1;")
        elif key == "ajxp.lock":
            draft.locked = val.strip().lower() not in ("", "false", "0", "b:0;")
        elif not key.startswith("ajxp."):
            self._legacy_right(draft, key, val)

    def _user_roles(self, draft: _UserDraft, key: str, raw: bytes | str) -> None:
        try:
            value = decode_stored(raw, bare_serial=True)
        except LegacyFormatError as exc:
            self.findings.append(fnd.corrupt_value(FindingKind.USER, draft.login, key, str(exc)))
            return
        if not isinstance(value, PhpArray):
            if value not in (b"", None):
                self.findings.append(
                    fnd.corrupt_value(FindingKind.USER, draft.login, key, "not an array")
                )
            return
        problems = Problems()
        if key == "ajxp.roles":
            draft.roles = tuple(
                text(k, problems) if isinstance(k, bytes) else str(k)
                for k, v in value.items
                if v is not False
            )
        else:
            draft.order = {
                (text(k, problems) if isinstance(k, bytes) else str(k)): v
                for k, v in value.items
                if isinstance(v, int) and not isinstance(v, bool)
            }
        if problems.invalid_utf8:
            self.findings.append(fnd.invalid_utf8(FindingKind.USER, draft.login, key))

    def _legacy_right(self, draft: _UserDraft, workspace_id: str, value: str) -> None:
        right = value.strip()
        if right in ("r", "w", "rw"):
            draft.rights.append(self.acl(workspace_id, right))
        elif right:
            self.findings.append(
                fnd.corrupt_value(
                    FindingKind.USER, draft.login, f"4.x right on {workspace_id}", "not r/w/rw"
                )
            )

    def acl(self, workspace_id: str, right: str) -> LegacyAcl:
        """A shared, interned ACL value (a million rights share a few thousand objects)."""
        key = (workspace_id, right)
        acl = self._acl_cache.get(key)
        if acl is None:
            acl = LegacyAcl(workspace_id=sys.intern(workspace_id), right=sys.intern(right))
            self._acl_cache[key] = acl
        return acl

    def add_role_row(
        self,
        role_id_raw: bytes | str,
        serial: bytes | str | None,
        *,
        owner: str | None = None,
        last_updated: int | None = None,
    ) -> None:
        """One ``ajxp_roles`` row; a corrupt value becomes a finding (§5)."""
        role_id = self._text(role_id_raw, FindingKind.ROLE, str(role_id_raw), "the role id")
        problems = Problems()
        try:
            role = decode_role(
                role_id,
                serial or b"",
                owner=owner or None,
                last_updated=last_updated,
                problems=problems,
                make_acl=self.acl,
            )
        except LegacyFormatError as exc:
            self.findings.append(fnd.corrupt_role(role_id, str(exc)))
            return
        if problems.invalid_utf8:
            self.findings.append(fnd.invalid_utf8(FindingKind.ROLE, role_id, "the role"))
        self.findings.extend(fnd.role_value(role_id, note) for note in problems.notes)
        if role_id in self._roles:
            self.findings.append(fnd.duplicate_row(FindingKind.ROLE, role_id, "ajxp_roles"))
        self.role_classes.add(role.class_name)
        self._roles[role_id] = role

    def add_role(self, role: LegacyRole) -> None:
        """A role decoded elsewhere (serial reader)."""
        self.role_classes.add(role.class_name)
        self._roles[role.role_id] = role

    def add_group(self, path: str, label: str | None) -> None:
        """One ``ajxp_groups`` row (§4.4)."""
        norm = normalize_group_path(path)
        if norm in self._groups:
            self.findings.append(fnd.duplicate_row(FindingKind.GROUP, norm, "ajxp_groups"))
        self._groups[norm] = LegacyGroup(path=norm, label=label or norm.rsplit("/", 1)[-1])

    def add_workspace_row(self, row: WorkspaceRow) -> None:
        """One ``ajxp_repo`` row with its options."""
        uuid = str(row.columns.get("uuid") or "")
        if uuid in self._workspaces:
            self.findings.append(fnd.duplicate_row(FindingKind.WORKSPACE, uuid, "ajxp_repo"))
        self._workspaces[uuid] = row

    def add_team_row(self, team_id: str, user_id: str, label: str, owner: str) -> None:
        """One ``ajxp_user_teams`` row (5.1-7.x teams, §10)."""
        entry = self._teams.setdefault(team_id, (label, owner, []))
        entry[2].append(user_id)

    def add_share_row(
        self,
        object_id: str,
        related_object_id: str | None,
        serialized: bytes | str | None,
        insertion_date: object,
    ) -> None:
        """One ``ajxp_simple_store`` row of store ``share`` (§9.1)."""
        problems = Problems()
        try:
            share = decode_share(object_id, related_object_id, serialized, insertion_date, problems)
        except LegacyFormatError as exc:
            self.findings.append(
                fnd.corrupt_value(FindingKind.SHARE, object_id, "share data", str(exc))
            )
            return
        if problems.invalid_utf8:
            self.findings.append(fnd.invalid_utf8(FindingKind.SHARE, object_id, "share data"))
        self._shares.append(share)

    # --- assembly -----------------------------------------------------------------------------

    def build(self) -> Inventory:
        """Cross-check everything collected and return the sorted, immutable Inventory."""
        self._add_teams()
        workspaces = self._build_workspaces()
        users = []
        while self._users:  # pop as we go: drafts and users never all live at once
            users.append(self._build_user(self._users.popitem()[1]))
        groups = dict(self._groups)
        for user in users:
            for path in _ancestors(user.group_path):
                if path not in groups:
                    groups[path] = LegacyGroup(path=path, label=path.rsplit("/", 1)[-1])
                    self.findings.append(fnd.missing_group(path))
        known_ws = {w.workspace_id for w in workspaces}
        if not self.static:
            known_ws |= KNOWN_STATIC_IDS
        logins = {u.login for u in users}
        self.findings.extend(
            checks.check_all(users, self._roles.values(), workspaces, known_ws, logins, groups)
        )
        by_id = {w.workspace_id: w for w in workspaces}
        shares = [_with_path(s, by_id) for s in self._shares]
        self.findings.extend(checks.check_shares(shares, known_ws, logins))
        return Inventory(
            source=self._source(),
            users=tuple(sorted(users, key=lambda u: u.login)),
            groups=tuple(sorted(groups.values(), key=lambda g: g.path)),
            roles=tuple(sorted(self._roles.values(), key=lambda r: r.role_id)),
            workspaces=tuple(sorted(workspaces, key=lambda w: w.workspace_id)),
            shares=tuple(sorted(shares, key=lambda s: s.share_id)),
            # One record can hit the same check twice (a bad login on two rows): report it once.
            findings=tuple(sorted(dict.fromkeys(self.findings), key=_finding_order)),
        )

    def _source(self) -> LegacySource:
        era = self.source.era
        if era is Era.PYDIO_6_2 and any("\\" in c for c in self.role_classes):
            era = Era.PYDIO_7  # namespaced role classes appear with 6.5 (§5.1)
        return LegacySource(
            kind=self.source.kind,
            dialect=self.source.dialect,
            location=self.source.location,
            era=era,
            db_build=self.source.db_build,
            features=self.source.features,
        )

    def _add_teams(self) -> None:
        for team_id, (label, owner, members) in self._teams.items():
            if team_id in self._roles:
                continue
            if self.source.era is Era.PYDIO_8:
                self.findings.append(fnd.stale_team(team_id))
            self._roles[team_id] = LegacyRole(
                role_id=team_id,
                kind=RoleKind.TEAM,
                label=label or team_id,
                owner=owner,
                members=tuple(sorted(set(members))),
            )

    def _build_workspaces(self) -> list[LegacyWorkspace]:
        result: dict[str, LegacyWorkspace] = {w.workspace_id: w for w in self.static}
        for row in self._workspaces.values():
            workspace, found = build_workspace(row)
            self.findings.extend(found)
            result[workspace.workspace_id] = workspace
        return list(result.values())

    def _build_user(self, draft: _UserDraft) -> LegacyUser:
        login = draft.login
        personal = self._roles.get(USER_ROLE_PREFIX + login)
        problem = fnd.login_problem(login)
        if problem is not None:
            self.findings.append(problem)
        password = draft.password if draft.has_auth else None
        hash_format = detect_hash_format(password)
        if not draft.has_auth:
            self.findings.append(fnd.no_password_row(login))
        elif hash_format is HashFormat.UNKNOWN:
            self.findings.append(fnd.unknown_hash(login))
        if not draft.has_conf:
            self.findings.append(fnd.no_conf_row(login))
        if draft.rights:
            self.findings.append(fnd.legacy_rights(login, len(draft.rights)))
        lock = personal.parameter("USER_LOCK_ACTION") if personal else None
        return LegacyUser(
            login=login,
            login_lower=_lower(login),
            password_hash=Secret(password) if password else None,
            hash_format=hash_format,
            group_path=normalize_group_path(draft.group_path),
            profile=draft.profile,
            is_admin=draft.admin,
            hidden=draft.hidden,
            parent_user=draft.parent,
            display_name=_param(personal, "USER_DISPLAY_NAME"),
            email=_param(personal, "email"),
            lang=_param(personal, "lang"),
            roles=_ordered_roles(draft.roles, draft.order),
            role_order=tuple(sorted(draft.order.items(), key=lambda kv: (kv[1], kv[0]))),
            legacy_rights=tuple(draft.rights),
            has_auth_row=draft.has_auth,
            has_conf_row=draft.has_conf,
            locked=draft.locked or bool(isinstance(lock, str) and lock.strip()),
        )


# --- helpers ----------------------------------------------------------------------------------


def normalize_group_path(path: str | None) -> str:
    """``/a/b`` form: NULL/empty → ``/``, no trailing slash, one leading slash (§4.4)."""
    parts = [p for p in (path or "").split("/") if p]
    return "/" + "/".join(parts)


def _lower(login: str) -> str:
    lower = login.lower()
    return login if lower == login else lower  # share the string when already lower-case


def _ancestors(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


def _param(role: LegacyRole | None, name: str) -> str | None:
    if role is None:
        return None
    value = role.parameter(name)
    return value if isinstance(value, str) and value != "" else None


def _ordered_roles(roles: tuple[str, ...], order: dict[str, int]) -> tuple[str, ...]:
    """Roles sorted by ``ajxp.roles.order`` (unordered ones last, stored order kept) (§6)."""
    position = {r: i for i, r in enumerate(roles)}
    big = 1 << 62
    return tuple(sorted(roles, key=lambda r: (order.get(r, big), position[r])))


def _with_path(share: LegacyShare, workspaces: dict[str, LegacyWorkspace]) -> LegacyShare:
    workspace = workspaces.get(share.workspace_id or "")
    if workspace is None:
        return share
    parent = workspaces.get(workspace.parent_id or share.parent_workspace_id or "")
    return replace(share, path=parent_sub_path(workspace, parent))


_SEVERITY_RANK = {"blocker": 0, "warning": 1, "info": 2}


def _finding_order(f: Finding) -> tuple[int, str, str, str]:
    return (_SEVERITY_RANK[f.severity.value], f.kind.value, f.key, f.code)
