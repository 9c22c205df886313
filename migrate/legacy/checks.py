"""Cross-checks over assembled legacy records (pure): what cannot be migrated as is.

Each check yields :class:`~migrate.legacy.model.Finding` values built by
``legacy/findings.py``. Spec: ``spec/legacy-model.md`` §5.3 (role ids), §8.4 (obsolete static
ids), §13 pitfalls (broken links to deleted workspaces/users, case-folded logins).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping

from migrate.legacy import findings as fnd
from migrate.legacy.model import (
    GROUP_ROLE_PREFIX,
    USER_ROLE_PREFIX,
    Finding,
    LegacyGroup,
    LegacyRole,
    LegacyShare,
    LegacyUser,
    LegacyWorkspace,
    RoleKind,
)
from migrate.legacy.workspaces import SUPPORTED_DRIVERS

IGNORED_ACL_IDS = frozenset({"ajxp_user", "ajxp_shared"})
"""Static workspaces removed in later versions: ACLs on them are ignored (§8.4)."""


def check_all(
    users: list[LegacyUser],
    roles: Iterable[LegacyRole],
    workspaces: list[LegacyWorkspace],
    known_workspaces: set[str],
    logins: set[str],
    groups: Mapping[str, LegacyGroup],
) -> Iterator[Finding]:
    """Every cross-check except shares."""
    role_list = list(roles)
    yield from check_login_clashes(users)
    yield from check_roles(role_list, known_workspaces, logins, groups)
    yield from check_user_links(users, {r.role_id for r in role_list}, known_workspaces)
    yield from check_workspaces(workspaces)
    yield from check_paths(groups, workspaces)


def _dotted(path: str) -> bool:
    return any(part in ("..", ".") for part in path.split("/"))


def check_paths(
    groups: Mapping[str, LegacyGroup], workspaces: Iterable[LegacyWorkspace]
) -> Iterator[Finding]:
    """``..`` (or ``.``) in a group path or ``..`` in a workspace folder: Pydio stored them
    as written, but read as paths they name another group or a folder anywhere (a blocker,
    issue 12 point 5)."""
    for group_path in sorted(groups):
        if _dotted(group_path):
            yield fnd.unsafe_group_path(group_path)
    for ws in workspaces:
        option = ws.option("PATH")
        for folder in dict.fromkeys((ws.path, option if isinstance(option, str) else None)):
            if folder and ".." in folder.replace("\\", "/").split("/"):
                yield fnd.unsafe_folder(ws.workspace_id, folder)


def check_login_clashes(users: Iterable[LegacyUser]) -> Iterator[Finding]:
    """Logins equal once lower-cased would be one Cells user (auth.sql lower-cases, §1.2)."""
    by_lower: dict[str, list[str]] = defaultdict(list)
    for user in users:
        by_lower[user.login_lower].append(user.login)
    for lower, logins in sorted(by_lower.items()):
        if len(logins) > 1:
            yield fnd.login_clash(lower, logins)


def check_roles(
    roles: Iterable[LegacyRole],
    known_workspaces: set[str],
    logins: set[str],
    groups: Mapping[str, LegacyGroup],
) -> Iterator[Finding]:
    """Orphan personal/group roles and rights on workspaces that are gone."""
    for role in roles:
        if role.kind is RoleKind.USER:
            login = role.role_id[len(USER_ROLE_PREFIX) :]
            if login not in logins:
                yield fnd.orphan_role(role.role_id, "user", login)
                continue
        elif role.kind is RoleKind.GROUP:
            path = role.role_id[len(GROUP_ROLE_PREFIX) :]
            if path not in ("/", "") and path.rstrip("/") not in groups:
                yield fnd.orphan_role(role.role_id, "group", path)
                continue
        for acl in role.acls:
            ws = acl.workspace_id
            if ws not in known_workspaces and ws not in IGNORED_ACL_IDS:
                yield fnd.dangling_right(role.role_id, ws)


def check_user_links(
    users: Iterable[LegacyUser], role_ids: set[str], known_workspaces: set[str]
) -> Iterator[Finding]:
    """Users attached to missing roles; 4.x rights on missing workspaces."""
    for user in users:
        for role_id in user.roles:
            if role_id in role_ids or role_id.startswith(GROUP_ROLE_PREFIX):
                continue
            if role_id == user.personal_role_id:
                continue  # Pydio recreates an empty personal role on load
            yield fnd.dangling_role(user.login, role_id)
        for acl in user.legacy_rights:
            ws = acl.workspace_id
            if ws not in known_workspaces and ws not in IGNORED_ACL_IDS:
                yield fnd.dangling_right(user.personal_role_id, ws)


def check_workspaces(workspaces: list[LegacyWorkspace]) -> Iterator[Finding]:
    """Unsupported drivers and slugs that clash once lower-cased."""
    by_slug: dict[str, list[LegacyWorkspace]] = defaultdict(list)
    for ws in sorted(workspaces, key=lambda w: (w.source.value, w.workspace_id)):
        by_slug[ws.slug.lower()].append(ws)
        if ws.system or ws.driver in SUPPORTED_DRIVERS or ws.driver == "":
            continue
        yield fnd.unsupported_driver(ws.workspace_id, ws.display, ws.driver)
    for clashing in by_slug.values():
        first = clashing[0]
        for other in clashing[1:]:
            yield fnd.slug_clash(other.workspace_id, other.slug, first.workspace_id)


def check_shares(
    shares: Iterable[LegacyShare], known_workspaces: set[str], logins: set[str]
) -> Iterator[Finding]:
    """Shares whose child workspace or owner is gone."""
    for share in shares:
        if share.workspace_id is None or share.workspace_id not in known_workspaces:
            yield fnd.dangling_share(share.share_id, "workspace", str(share.workspace_id))
        elif share.owner is not None and share.owner not in logins:
            yield fnd.dangling_share(share.share_id, "owner", share.owner)
