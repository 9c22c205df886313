"""Findings about legacy data: one home for their codes, severities and messages.

Every message says what is wrong and what the admin can do; none holds a secret (hashes,
keys and passwords never appear, only logins, ids and option names).

=====================  ========  =========  ==============================================
code                   severity  kind       meaning
=====================  ========  =========  ==============================================
invalid-login          blocker   user       ``/``, control characters or empty: Cells refuses
login-clash            blocker   user       logins equal once lower-cased
corrupt-role           blocker   role       ``serial_role`` (or roles.ser) cannot be decoded: it
                                            may hold a deny, skipping it could widen access
workspace-store        blocker   workspace  ``ajxp_repo`` absent, ``repo.ser`` unreadable or
                                            ``bootstrap_repositories.php`` missing/unreadable
unsafe-path            blocker   group/ws   ``..`` in a group path or a workspace folder
invalid-utf8           blocker   any        a key, path, right or password column is not UTF-8
                                            (a label column: warning); names table/column/row
unsafe-login           warning   user       space or other URL-unsafe characters
no-password            warning   user       no ``ajxp_users`` row (external auth, LDAP)
unknown-hash           warning   user       stored password neither PBKDF2 nor MD5
dangling-role          warning   user       attached to a role that does not exist
bad-role-value         warning   role       an invalid ACL value or an unreadable mask
orphan-role            warning   role       personal/group role of a user/group that is gone
dangling-right         warning   acl        right on a workspace that does not exist
unsupported-driver     warning   workspace  storage with no Cells equivalent (smb, ftp…)
slug-clash             warning   workspace  slugs equal once lower-cased
dangling-share         warning   share      share of a workspace or owner that is gone
corrupt-value          warning   any        an option, user flag or share value undecodable
invalid-utf8           warning   any        bytes that are not UTF-8 (replaced by U+FFFD)
no-conf-row            info      user       password but no rights rows
legacy-rights          info      user       AjaXplorer 4.x rights rows never migrated
missing-group          info      group      group path used by users, no ``ajxp_groups`` row
missing-slug           info      workspace  DB workspace without a slug
duplicate-row          info      any        a key twice in a table without primary key
stale-team             info      role       8.x install still holding ``ajxp_user_teams``
=====================  ========  =========  ==============================================
"""

from __future__ import annotations

import re

from migrate.legacy.model import Finding, FindingKind, Severity

_SAFE_LOGIN = re.compile(r"^[A-Za-z0-9._@+\-]+$")
_FORBIDDEN_LOGIN_CHARS = re.compile(r"[/\x00-\x1f\x7f]")


def acl_key(role_id: str, workspace_id: str) -> str:
    """Natural key of one right: ``<role id>#<workspace id>``."""
    return f"{role_id}#{workspace_id}"


def _f(sev: Severity, kind: FindingKind, key: str, code: str, message: str) -> Finding:
    return Finding(severity=sev, kind=kind, key=key, code=code, message=message)


def corrupt_role(role_id: str, reason: str) -> Finding:
    """The ``serial_role`` value (or the whole roles file) cannot be decoded: a blocker,
    because the role may hold a deny that skipping it would lift (issue 12 point 5)."""
    return _f(
        Severity.BLOCKER,
        FindingKind.ROLE,
        role_id,
        "corrupt-role",
        f"role {role_id} cannot be decoded ({reason}): it may hold a deny, so migrating "
        "without it could give its users more access than Pydio does. Re-save it in the "
        "Pydio admin console (or restore it from a backup, or delete it if nobody uses it), "
        "then re-run; --force migrates without it.",
    )


def workspace_store(where: str, problem: str) -> Finding:
    """Where the legacy workspaces are stored is missing or unreadable: without it users
    would be migrated without any workspace (issue 12 point 5)."""
    return _f(
        Severity.BLOCKER,
        FindingKind.WORKSPACE,
        where,
        "workspace-store",
        f"the workspace store {where} {problem}: no workspace, and no right on one, can be "
        "read from it. Restore it from a backup of the Pydio install, then re-run; --force "
        "migrates the users without those workspaces.",
    )


def unsafe_group_path(path: str) -> Finding:
    """A group path with a ``..`` or ``.`` segment (issue 12 point 5)."""
    return _f(
        Severity.BLOCKER,
        FindingKind.GROUP,
        path,
        "unsafe-path",
        f"group path {path} holds a '..' or '.' segment: read as a path it names another "
        "group, whose rights its users would get. Move its users to a group with a plain "
        "name in Pydio, then re-run; --force migrates it with the segment kept as a name.",
    )


def unsafe_folder(workspace_id: str, path: str) -> Finding:
    """A workspace folder with a ``..`` segment (issue 12 point 5)."""
    return _f(
        Severity.BLOCKER,
        FindingKind.WORKSPACE,
        workspace_id,
        "unsafe-path",
        f"workspace {workspace_id}: its folder {path} holds '..', so it can resolve outside "
        "the data tree. Set the workspace's PATH to the real folder in Pydio (or a "
        "mappings/ override), then re-run; --force migrates it on the resolved folder.",
    )


# Columns whose text only labels an object: bad bytes there are a warning, not a blocker.
LABEL_COLUMNS = frozenset({"grouplabel", "display", "team_label"})
SECRET_COLUMNS = frozenset({"password"})


def invalid_utf8_column(
    kind: FindingKind, table: str, column: str, row_key: str, shown: str
) -> Finding:
    """A text column holds bytes that are not UTF-8 (read as U+FFFD): named by table, column
    and row key, the value escaped (never a password). A blocker unless the column is a
    mere label: with U+FFFD a login, path or right would name something else."""
    label = column in LABEL_COLUMNS
    value = "(hidden)" if column in SECRET_COLUMNS else shown
    consequence = (
        "it is shown with '\ufffd'"
        if label
        else "read as '\ufffd' it would name another object or right"
    )
    return _f(
        Severity.WARNING if label else Severity.BLOCKER,
        kind,
        row_key,
        "invalid-utf8",
        f"{table}.{column} of row {row_key} holds bytes that are not UTF-8 ({value}): "
        f"{consequence}. Correct the value in the legacy database, then re-run"
        + ("." if label else "; --force migrates it as read."),
    )


def role_value(role_id: str, note: str) -> Finding:
    """A part of a role was unusable (bad ACL value, unreadable mask)."""
    return _f(
        Severity.WARNING,
        FindingKind.ROLE,
        role_id,
        "bad-role-value",
        f"role {role_id}: {note}; that part is skipped. Fix it in Pydio if it matters.",
    )


def corrupt_value(kind: FindingKind, key: str, what: str, reason: str) -> Finding:
    """A stored value (option, user flag, share data) cannot be decoded."""
    return _f(
        Severity.WARNING,
        kind,
        key,
        "corrupt-value",
        f"{kind.value} {key}: {what} cannot be decoded ({reason}); it is ignored. "
        "Check the row in the legacy database.",
    )


def invalid_utf8(kind: FindingKind, key: str, where: str) -> Finding:
    """Bytes that are not UTF-8 were replaced by U+FFFD."""
    return _f(
        Severity.WARNING,
        kind,
        key,
        "invalid-utf8",
        f"{kind.value} {key}: {where} holds bytes that are not valid UTF-8; they were "
        "replaced by '\ufffd'. Correct the text in Pydio (or the database) before migrating "
        "if it must be kept exactly.",
    )


def dangling_right(role_id: str, workspace_id: str) -> Finding:
    """A role grants a right on a workspace that no longer exists."""
    return _f(
        Severity.WARNING,
        FindingKind.ACL,
        acl_key(role_id, workspace_id),
        "dangling-right",
        f"role {role_id} has a right on workspace {workspace_id}, which does not exist any "
        "more; the right is not migrated. Nothing to do unless the workspace should exist.",
    )


def orphan_role(role_id: str, owner_kind: str, owner: str) -> Finding:
    """A personal or group role whose user or group is gone."""
    return _f(
        Severity.WARNING,
        FindingKind.ROLE,
        role_id,
        "orphan-role",
        f"role {role_id} belongs to {owner_kind} {owner}, which does not exist; its rights "
        "are not migrated. Delete the role in Pydio or recreate the "
        f"{owner_kind} if it is still needed.",
    )


def dangling_role(login: str, role_id: str) -> Finding:
    """A user is attached to a role that does not exist."""
    return _f(
        Severity.WARNING,
        FindingKind.USER,
        login,
        "dangling-role",
        f"user {login} is attached to role {role_id}, which does not exist; the attachment "
        "is dropped.",
    )


def unsupported_driver(workspace_id: str, label: str, driver: str) -> Finding:
    """A workspace whose storage driver has no Cells equivalent."""
    return _f(
        Severity.WARNING,
        FindingKind.WORKSPACE,
        workspace_id,
        "unsupported-driver",
        f"workspace {label!r} ({workspace_id}) uses driver {driver!r}, which Cells cannot "
        "serve; it and its rights are skipped. Copy its data into a local folder or S3 "
        "bucket and create the workspace by hand.",
    )


def slug_clash(workspace_id: str, slug: str, other_id: str) -> Finding:
    """Two workspaces whose slugs are equal once lower-cased."""
    return _f(
        Severity.WARNING,
        FindingKind.WORKSPACE,
        workspace_id,
        "slug-clash",
        f"workspace {workspace_id} has slug {slug!r}, which clashes (ignoring case) with "
        f"workspace {other_id}; it will get a suffixed slug on Cells. Rename one of them in "
        "Pydio if links by slug must keep working.",
    )


def missing_slug(workspace_id: str) -> Finding:
    """A DB workspace with no slug."""
    return _f(
        Severity.INFO,
        FindingKind.WORKSPACE,
        workspace_id,
        "missing-slug",
        f"workspace {workspace_id} has no slug; one is derived from its label.",
    )


def login_problem(login: str) -> Finding | None:
    """A login Cells refuses (``/``, control characters) or that is unsafe in URLs."""
    if _SAFE_LOGIN.match(login):
        return None
    if not login or _FORBIDDEN_LOGIN_CHARS.search(login):
        return _f(
            Severity.BLOCKER,
            FindingKind.USER,
            login,
            "invalid-login",
            f"login {login!r} is empty or contains '/' or control characters, which Cells "
            "refuses; rename the user in Pydio or exclude it.",
        )
    bad = "".join(sorted({c for c in login if not _SAFE_LOGIN.match(c)}))
    return _f(
        Severity.WARNING,
        FindingKind.USER,
        login,
        "unsafe-login",
        f"login {login!r} contains {bad!r} (space or other unsafe characters); it is kept "
        "as is, but such logins are hard to type and to use in URLs. Consider renaming it.",
    )


def login_clash(login_lower: str, logins: list[str]) -> Finding:
    """Several stored logins that are the same once lower-cased."""
    return _f(
        Severity.BLOCKER,
        FindingKind.USER,
        login_lower,
        "login-clash",
        f"logins {', '.join(sorted(logins))} differ only by case and would be the same Cells "
        "user; merge or rename them in Pydio first.",
    )


def no_password_row(login: str) -> Finding:
    """A conf-side user without an auth row (external auth or deleted account)."""
    return _f(
        Severity.WARNING,
        FindingKind.USER,
        login,
        "no-password",
        f"user {login} has no row in ajxp_users (external authentication such as LDAP, or a "
        "half-deleted account); it gets a new password (strategy reset). Check the user.",
    )


def unknown_hash(login: str) -> Finding:
    """A stored password in a format Cells cannot verify."""
    return _f(
        Severity.WARNING,
        FindingKind.USER,
        login,
        "unknown-hash",
        f"user {login} has a stored password in an unknown format; it cannot be kept and "
        "the user gets a new password (strategy reset).",
    )


def no_conf_row(login: str) -> Finding:
    """An auth row without any conf row (never logged in since creation)."""
    return _f(
        Severity.INFO,
        FindingKind.USER,
        login,
        "no-conf-row",
        f"user {login} has a password but no rights rows (never loaded by Pydio); it is "
        "migrated with the default profile and no roles.",
    )


def legacy_rights(login: str, count: int) -> Finding:
    """≤4.x per-workspace rights rows that were never migrated (§4.2)."""
    return _f(
        Severity.INFO,
        FindingKind.USER,
        login,
        "legacy-rights",
        f"user {login} still has {count} AjaXplorer 4.x right(s) in ajxp_user_rights that "
        "Pydio never moved into the personal role; they are migrated as personal rights.",
    )


def missing_group(path: str) -> Finding:
    """A group path used by users but absent from ``ajxp_groups``."""
    return _f(
        Severity.INFO,
        FindingKind.GROUP,
        path,
        "missing-group",
        f"group {path} is used by users but has no ajxp_groups row; it is created with its "
        "last path segment as label.",
    )


def duplicate_row(kind: FindingKind, key: str, table: str) -> Finding:
    """A key seen twice in a table without a primary key (SQLite, §2.2)."""
    return _f(
        Severity.INFO,
        kind,
        key,
        "duplicate-row",
        f"{table} holds {key} more than once; the last row is used.",
    )


def stale_team(team_id: str) -> Finding:
    """An ``ajxp_user_teams`` team in an 8.x install (not migrated by Pydio 8, §10)."""
    return _f(
        Severity.INFO,
        FindingKind.ROLE,
        team_id,
        "stale-team",
        f"team {team_id} exists only in ajxp_user_teams, which Pydio 8 no longer reads; it "
        "is migrated as a team anyway. Delete it in Cells if nobody uses it.",
    )


def dangling_share(share_id: str, what: str, ref: str) -> Finding:
    """A share whose workspace or owner is gone."""
    return _f(
        Severity.WARNING,
        FindingKind.SHARE,
        share_id,
        "dangling-share",
        f"share {share_id} points to {what} {ref}, which does not exist; the share is not "
        "migrated.",
    )
