"""Differ for users: matched by Uuid (ours), then by login (someone else's: adopt or conflict)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from migrate.cells.codec import live_user_fields, secret_digest, user_fields
from migrate.cells.models import User
from migrate.mapping.desired import DesiredUser, PasswordAction
from migrate.plan.actions import Action, ActionType, FieldChange, Kind, Stage
from migrate.plan.compare import describe, field_changes

# Taking over an account with another profile would silently change what its owner may do.
IDENTITY_FIELDS = frozenset({"profile"})


def diff_users(
    desired: tuple[DesiredUser, ...],
    live: tuple[User, ...],
    *,
    password_digests: Mapping[str, str] | None = None,
    tool_login: str | None = None,
) -> list[Action]:
    """create / update / noop / adopt / conflict per desired user.

    ``password_digests`` (login → digest of the hash Cells stores, when the caller could
    read it) lets a changed legacy hash show as "(sensitive value changed)"; without it a
    password cannot be compared (Cells never returns it). The account the tool logs in
    with (``tool_login``) is never modified (DESIGN.md "Passwords": a legacy ``admin`` must
    not lock out the Cells admin): it is skipped when it exists.
    """
    by_login = {u.login: u for u in live}
    digests = password_digests or {}
    actions = []
    for user in desired:
        found = by_login.get(user.login)
        action = _diff_user(user, found, digests)
        if user.login == tool_login:
            action = replace(
                action,
                action=ActionType.SKIP,
                changes=(),
                cells_id=found.uuid if found is not None else action.cells_id,
                reason=TOOL_ACCOUNT_REASON,
            )
        actions.append(action)
    return actions


# The one home of the rule (DESIGN.md "Passwords"): a legacy ``admin`` must not lock out the
# Cells admin. diff.py also skips the ACLs of this account's role for it.
TOOL_ACCOUNT_REASON = (
    "this is the account cells-migrate logs in with: it is never adopted or modified, and "
    "its legacy rights are not migrated (use another admin account to migrate it)"
)


def is_tool_account(action: Action) -> bool:
    """True for the skip of the account the tool logs in with."""
    return action.kind is Kind.USER and action.reason == TOOL_ACCOUNT_REASON


def _desired_digest(user: DesiredUser) -> str | None:
    if user.password.action is not PasswordAction.KEEP_HASH:
        return None
    return secret_digest(user.password.legacy_hash)


def _diff_user(user: DesiredUser, found: User | None, digests: Mapping[str, str]) -> Action:
    base = Action(
        stage=Stage.USERS,
        kind=Kind.USER,
        key=user.login,
        action=ActionType.NOOP,
        cells_id=user.uuid,
        order=1 if user.owner else 0,  # a shared user's owner first
    )
    if found is None:
        changes = field_changes(user_fields(user), None)
        password = FieldChange(field="password_strategy", old=None, new=user.password.action.value)
        return replace(base, action=ActionType.CREATE, changes=(*changes, password))
    if found.uuid == user.uuid:
        live_digest = digests.get(user.login)
        wanted = _desired_digest(user) if live_digest is not None else None
        changes = field_changes(
            user_fields(user, password_digest=wanted),
            live_user_fields(found, password_digest=live_digest if wanted else None),
        )
        return replace(
            base, action=ActionType.UPDATE if changes else ActionType.NOOP, changes=changes
        )
    changes = field_changes(user_fields(user), live_user_fields(found))
    clash = tuple(c for c in changes if c.field in IDENTITY_FIELDS)
    if clash:
        reason = (
            f"Cells already has a user {user.login!r} (Uuid {found.uuid}) not created by "
            f"cells-migrate, and it differs: {describe(clash)}; rename ours with users.rename "
            "in a mapping file, or change that account on Cells first"
        )
        return replace(
            base, action=ActionType.CONFLICT, changes=clash, reason=reason, cells_id=found.uuid
        )
    reason = (
        f"Cells already has a compatible user {user.login!r} (Uuid {found.uuid}); it is taken "
        "over and keeps its password"
    )
    return replace(
        base, action=ActionType.ADOPT, changes=changes, reason=reason, cells_id=found.uuid
    )
