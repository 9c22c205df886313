"""Legacy users → Cells users (DESIGN.md "Users" and "Passwords", cells-api.md §1.4).

* login lower-cased as auth.sql stored it (legacy-model.md §1.2), or renamed; a login Cells
  cannot take (``/`` splits it into a group path, cells-v3-behaviour.md §8-9) is a blocker;
* hidden link users are not Cells users: they belong to their share (shares stage);
* the profile is always sent (Cells defaults a missing one to ``shared``);
* roles: explicit admin roles and teams in Pydio's order; personal, group and reserved roles
  are left out, and so are roles that auto-apply to the user's profile (Cells adds those
  when it reads the user, cells-v3-behaviour.md "Role resolution");
* a password plan per ``passwords.strategy``; ``keep-hash`` needs a PBKDF2 or MD5 hash.
"""

from __future__ import annotations

from dataclasses import dataclass

from migrate.legacy.model import (
    Finding,
    FindingKind,
    HashFormat,
    Inventory,
    LegacyUser,
)
from migrate.mapping import ids
from migrate.mapping.desired import DesiredUser, PasswordAction, PasswordPlan
from migrate.mapping.findings import blocker, info, warning
from migrate.mapping.groups import GroupMapping
from migrate.mapping.roles import RoleMapping
from migrate.mapping.rules import MappingRules, PasswordStrategy

_KEEPABLE = frozenset({HashFormat.PBKDF2, HashFormat.MD5})


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginMapping:
    """Cells login of every migrated legacy login, and why the others are not migrated."""

    logins: dict[str, str]  # stored legacy login -> Cells login
    skipped: dict[str, str]  # stored legacy login -> finding code
    findings: tuple[Finding, ...]
    by_lower: dict[str, str]  # lower-cased legacy login -> Cells login (first in order)

    def login_of(self, legacy: str) -> str | None:
        """The Cells login of a legacy login (stored or any case), if migrated."""
        found = self.logins.get(legacy)
        return found if found is not None else self.by_lower.get(legacy.lower())


def map_logins(inventory: Inventory, rules: MappingRules) -> LoginMapping:
    """Decide which users become Cells users and under which login."""
    over = rules.users.overrides
    logins: dict[str, str] = {}
    skipped: dict[str, str] = {}
    findings: list[Finding] = []
    owners: dict[str, str] = {}
    for user in sorted(inventory.users, key=lambda u: u.login):
        code, found = _skip_reason(user, rules)
        if code:
            skipped[user.login] = code
            findings.extend(found)
            continue
        login = over.renamed(user.login) or (
            user.login_lower if rules.users.lowercase_logins else user.login
        )
        if not login or "/" in login:
            skipped[user.login] = "login-invalid"
            findings.append(_bad_login(user.login))
        elif login in owners:
            skipped[user.login] = "login-clash"
            findings.append(_clash(user.login, owners[login], login))
        else:
            owners[login] = user.login
            logins[user.login] = login
    by_lower: dict[str, str] = {}
    for legacy, login in logins.items():
        by_lower.setdefault(legacy.lower(), login)
    return LoginMapping(logins=logins, skipped=skipped, findings=tuple(findings), by_lower=by_lower)


def _skip_reason(user: LegacyUser, rules: MappingRules) -> tuple[str, list[Finding]]:
    over = rules.users.overrides
    key = user.login
    if key in over.exclude:
        return "excluded", [info(FindingKind.USER, key, "excluded", f"user {key} is excluded")]
    if user.hidden and key not in over.force:
        msg = (
            f"user {key} is the hidden guest of a public link by {user.parent_user}; it is "
            "not a Cells user (the shares stage recreates the link)"
        )
        return "link-user", [info(FindingKind.USER, key, "link-user", msg)]
    known, profile = rules.profile(user.effective_profile)
    if known and profile is None:
        msg = f"user {key} has profile {user.effective_profile}, which has no Cells equivalent"
        return "profile-unmapped", [warning(FindingKind.USER, key, "profile-unmapped", msg)]
    return "", []


@dataclass(frozen=True, slots=True, kw_only=True)
class _UserContext:
    rules: MappingRules
    logins: LoginMapping
    groups: GroupMapping
    roles: RoleMapping
    strategy: PasswordStrategy
    known_roles: frozenset[str]
    teams: dict[str, tuple[str, ...]]  # pre-8 team members -> team ids


def map_users(
    inventory: Inventory,
    rules: MappingRules,
    logins: LoginMapping,
    groups: GroupMapping,
    roles: RoleMapping,
    strategy: PasswordStrategy,
) -> tuple[dict[str, DesiredUser], list[Finding]]:
    """Map every migrated user (pure, deterministic); keys are stored legacy logins."""
    teams: dict[str, list[str]] = {}
    for role in inventory.roles:  # pre-8 teams list their members (legacy-model.md §10)
        for member in role.members:
            teams.setdefault(member, []).append(role.role_id)
    ctx = _UserContext(
        rules=rules,
        logins=logins,
        groups=groups,
        roles=roles,
        strategy=strategy,
        known_roles=frozenset(r.role_id for r in inventory.roles),
        teams={k: tuple(sorted(v)) for k, v in teams.items()},
    )
    users: dict[str, DesiredUser] = {}
    findings: list[Finding] = []
    for user in sorted(inventory.users, key=lambda u: u.login):
        login = logins.logins.get(user.login)
        if login is not None:
            users[user.login] = _user(user, login, ctx, findings)
    return users, findings


def _user(user: LegacyUser, login: str, ctx: _UserContext, findings: list[Finding]) -> DesiredUser:
    known, profile = ctx.rules.profile(user.effective_profile)
    if not known or profile is None:
        msg = f"user {user.login}: profile {user.effective_profile!r} is unknown; standard is used"
        findings.append(warning(FindingKind.USER, user.login, "profile-unknown", msg))
        profile = "standard"
    wanted = (*user.roles, *ctx.teams.get(user.login, ()))
    if user.locked:
        msg = f"user {user.login} is locked in Pydio; lock it on Cells by hand"
        findings.append(info(FindingKind.USER, user.login, "user-locked", msg))
    return DesiredUser(
        uuid=ids.stable_uuid("user", login),
        login=login,
        group_path=ctx.groups.cells_path(user.group_path),
        profile=profile,
        display_name=user.display_name or login,
        email=user.email or None,
        roles=_user_roles(user.login, wanted, profile, ctx, findings),
        password=_password(user, ctx.strategy, findings),
        owner=ctx.logins.login_of(user.parent_user) if user.parent_user else None,
        legacy_key=user.login,
    )


def _user_roles(
    login: str,
    wanted: tuple[str, ...],
    profile: str,
    ctx: _UserContext,
    findings: list[Finding],
) -> tuple[str, ...]:
    result: list[str] = []
    for rid in wanted:
        desired = ctx.roles.roles.get(rid)
        if desired is None:
            if rid not in ctx.known_roles and not _special(rid, ctx.rules):
                findings.append(
                    warning(
                        FindingKind.USER,
                        login,
                        "dangling-role",
                        f"user {login} refers to role {rid}, which does not exist; left out",
                    )
                )
            continue
        if profile in desired.auto_applies or desired.uuid in result:
            continue
        result.append(desired.uuid)
    return tuple(result)


def _special(rid: str, rules: MappingRules) -> bool:
    r = rules.roles
    return (
        rid in r.root_group_ids
        or rid.startswith(r.user_role_prefix)
        or rid.startswith(r.group_role_prefix)
        or rid in r.reserved_ids
        or any(rid.startswith(p) for p in r.reserved_prefixes)
    )


def _password(
    user: LegacyUser, strategy: PasswordStrategy, findings: list[Finding]
) -> PasswordPlan:
    fmt = user.hash_format.value
    if strategy is PasswordStrategy.RANDOM:
        return PasswordPlan(action=PasswordAction.RANDOM, hash_format=fmt)
    if strategy is PasswordStrategy.RESET:
        return PasswordPlan(action=PasswordAction.RESET, hash_format=fmt)
    if user.hash_format in _KEEPABLE and user.password_hash:
        return PasswordPlan(
            action=PasswordAction.KEEP_HASH, legacy_hash=user.password_hash, hash_format=fmt
        )
    findings.append(
        info(
            FindingKind.USER,
            user.login,
            "no-usable-hash",
            f"user {user.login} has no usable password hash ({fmt}); the password "
            "is reset instead (external auth or unknown format)",
        )
    )
    return PasswordPlan(action=PasswordAction.RESET, hash_format=fmt)


def _bad_login(login: str) -> Finding:
    return blocker(
        FindingKind.USER,
        login,
        "login-invalid",
        f"login {login!r} cannot be a Cells login (empty or contains '/'); rename it with "
        "users.rename in a mapping file",
    )


def _clash(login: str, other: str, cells: str) -> Finding:
    return blocker(
        FindingKind.USER,
        login,
        "login-clash",
        f"users {other!r} and {login!r} both become Cells login {cells!r}; rename one with "
        "users.rename in a mapping file",
    )
