"""Users: matched by Uuid (ours), then by login (someone else's: adopted or a conflict).

Body ``PUT /a/user/{Login}`` without a password (a create sends one nobody knows; the
password step of :mod:`migrate.load.password_steps` finishes it per ``passwords.strategy``).
Managed fields: group path, profile, display name, email, the assigned roles in order, and
the password only when the digest of the hash Cells stores could be read. The account the
tool logs in with is never adopted or modified, and its legacy rights are not sent
(:data:`TOOL_ACCOUNT_REASON`, the one home of that rule; DESIGN.md "Passwords").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace

from migrate.cells.client import CellsClient
from migrate.cells.models import User
from migrate.kinds.base import (
    ApplyContext,
    Blocked,
    DiffContext,
    Image,
    KindHandler,
    LiveJob,
    Written,
)
from migrate.kinds.fields import Fields, describe, field_changes, group_path, secret_digest
from migrate.kinds.group import ancestors
from migrate.kinds.keys import ObjectRef
from migrate.kinds.live_state import LiveState
from migrate.kinds.vocabulary import Action, ActionType, FieldChange, Kind, Stage
from migrate.mapping.desired import DesiredState, DesiredUser, PasswordAction, RoleTarget
from migrate.secret import Secret

PAGE = 500  # users per search page
# Taking over an account with another profile would silently change what its owner may do.
IDENTITY_FIELDS = frozenset({"profile"})

# The one home of the rule (DESIGN.md "Passwords"): a legacy ``admin`` must not lock out the
# Cells admin. The ACLs of this account's role are skipped for it (UserHandler.blocks).
TOOL_ACCOUNT_REASON = (
    "this is the account cells-migrate logs in with: it is never adopted or modified, and "
    "its legacy rights are not sent to it unless the mapping sets users.tool_account_rights: "
    "true (or use another admin account to migrate it)"
)


def body(user: DesiredUser, *, uuid: str) -> User:
    """The ``PUT /a/user/{Login}`` object, without a password (apply sets it per strategy).

    ``uuid`` is ours on create (Cells keeps a given unknown Uuid, cells-api.md §1.4) or the
    live user's when it is updated or adopted.
    """
    return User(
        login=user.login,
        uuid=uuid,
        group_path=user.group_path,
        attributes=user.attributes(),
        roles=user.roles,
    )


def creates_user(action: Action) -> bool:
    """True for a user create: its password is a step recorded of its own."""
    return action.kind is Kind.USER and action.action is ActionType.CREATE


def is_tool_login(login: str, tool_login: str | None) -> bool:
    """True when ``login`` is the account the tool logs in with, ignoring case (a login
    typed ``Admin`` in the config is Cells' ``admin``: never risk modifying it)."""
    return tool_login is not None and login.casefold() == tool_login.casefold()


def is_tool_account(action: Action) -> bool:
    """True for the skip of the account the tool logs in with."""
    return action.kind is Kind.USER and action.reason == TOOL_ACCOUNT_REASON


def _desired_digest(user: DesiredUser) -> str | None:
    if user.password.action is not PasswordAction.KEEP_HASH:
        return None
    return secret_digest(user.password.legacy_hash)


class UserHandler(KindHandler[DesiredUser, User]):
    """Users (see the module docstring)."""

    kind = Kind.USER
    live_field = "users"
    role_target = RoleTarget.USER
    # Cells adds AutoApplies roles when a user is read, with up to ~10 s of cache.
    settling_fields = frozenset({"roles"})

    def desired(self, state: DesiredState) -> tuple[DesiredUser, ...]:
        """The desired users."""
        return state.users

    def keyed(self, state: DesiredState) -> Iterator[tuple[str, DesiredUser]]:
        """Users by login."""
        return ((u.login, u) for u in state.users)

    def legacy_keys(self, obj: DesiredUser) -> tuple[str, ...]:
        """The legacy login and the Cells login."""
        return (obj.legacy_key, obj.login)

    def dependencies(self, obj: DesiredUser, slugs: Mapping[str, str]) -> list[tuple[Kind, str]]:
        """Its groups, its roles, and a shared user's owner."""
        deps = [(Kind.GROUP, p) for p in ancestors(obj.group_path)]
        deps += [(Kind.ROLE, r) for r in obj.roles]
        if obj.owner:
            deps.append((Kind.USER, obj.owner))
        return deps

    def live_jobs(
        self, client: CellsClient, desired: DesiredState, known: LiveState
    ) -> list[LiveJob[User]]:
        """Every user (paged)."""
        return [lambda: client.search_people([{"NodeType": "USER"}], page=PAGE)[0]]

    def live_order(self, obj: User) -> tuple[str, ...]:
        """By login."""
        return (obj.login,)

    def read(self, client: CellsClient, ref: ObjectRef) -> User | None:
        """``GET /a/user/{Login}``."""
        return client.get_user(ref.key)

    # ---------------------------------------------------------------- plan
    def diff(self, desired: tuple[DesiredUser, ...], ctx: DiffContext) -> list[Action]:
        """create / update / noop / adopt / conflict per desired user; the tool's own
        account is a skip; a shared user's owner first (``order``)."""
        by_login = {u.login: u for u in self.live(ctx.live)}
        digests = dict(ctx.live.password_digests)
        actions = []
        for user in desired:
            found = by_login.get(user.login)
            action = self._diff_one(user, found, digests)
            if is_tool_login(user.login, ctx.tool_login):
                action = replace(
                    action,
                    action=ActionType.SKIP,
                    changes=(),
                    cells_id=found.uuid if found is not None else action.cells_id,
                    reason=TOOL_ACCOUNT_REASON,
                )
            actions.append(action)
        return sorted(actions, key=lambda a: (a.order, a.key))

    def blocks(self, actions: Sequence[Action]) -> Blocked:
        """The ACLs of users in conflict, and of the tool's own account."""
        out = super().blocks(actions)
        for a in actions:
            if is_tool_account(a):
                out[(RoleTarget.USER, a.key)] = (
                    f"user {a.key!r} is the account cells-migrate logs in with; not sent"
                )
        return out

    def _diff_one(
        self, user: DesiredUser, found: User | None, digests: Mapping[str, str]
    ) -> Action:
        base = Action(
            stage=Stage.USERS,
            kind=Kind.USER,
            key=user.login,
            action=ActionType.NOOP,
            cells_id=user.uuid,
            order=1 if user.owner else 0,  # a shared user's owner first
        )
        wanted = body(user, uuid=user.uuid)
        if found is None:
            changes = field_changes(self.fields(wanted), None)
            password = FieldChange(
                field="password_strategy", old=None, new=user.password.action.value
            )
            return replace(base, action=ActionType.CREATE, changes=(*changes, password))
        if found.uuid == user.uuid:
            # A password compares only when the digest of the hash Cells stores is known.
            live_digest = digests.get(user.login)
            digest = _desired_digest(user) if live_digest is not None else None
            changes = field_changes(
                self.fields(wanted, password_digest=digest),
                self.fields(found, password_digest=live_digest if digest else None),
            )
            return replace(
                base, action=ActionType.UPDATE if changes else ActionType.NOOP, changes=changes
            )
        changes = field_changes(self.fields(wanted), self.fields(found))
        clash = tuple(c for c in changes if c.field in IDENTITY_FIELDS)
        if clash:
            reason = (
                f"Cells already has a user {user.login!r} (Uuid {found.uuid}) not created by "
                f"cells-migrate, and it differs: {describe(clash)}; rename ours with "
                "users.rename in a mapping file, or change that account on Cells first"
            )
            return replace(
                base, action=ActionType.CONFLICT, changes=clash, reason=reason, cells_id=found.uuid
            )
        reason = (
            f"Cells already has a compatible user {user.login!r} (Uuid {found.uuid}); it is "
            "taken over and keeps its password"
        )
        return replace(
            base, action=ActionType.ADOPT, changes=changes, reason=reason, cells_id=found.uuid
        )

    # ---------------------------------------------------------------- fields and images
    def fields(self, obj: User, *, password_digest: str | None = None) -> Fields:
        """Group path (one form), profile, display name, email, the assigned roles in
        order; ``password`` only when a digest is given to compare."""
        attrs = dict(obj.attributes)
        out: list[tuple[str, str | None]] = [
            ("group_path", group_path(obj.group_path)),
            ("profile", attrs.get("profile")),
            ("display_name", attrs.get("displayName")),
            ("email", attrs.get("email")),
            ("roles", ", ".join(obj.roles or ())),
        ]
        if password_digest is not None:
            out.append(("password", password_digest))
        return tuple(out)

    def image(self, obj: User) -> Image:
        """The user as Cells would take it back (no password)."""
        return dict(replace(obj, password=None).to_json())

    def from_image(self, image: Mapping[str, object]) -> User:
        """The user an image describes."""
        return User.from_json(image)

    def cells_id(self, obj: User) -> str:
        """Its Uuid."""
        return obj.uuid

    # ---------------------------------------------------------------- writes
    def write(self, action: Action, obj: DesiredUser, ctx: ApplyContext) -> Written:
        """Create (with a password nobody knows yet) or update/adopt the user."""
        sent = body(obj, uuid=action.cells_id or obj.uuid)
        if action.action is ActionType.CREATE:
            # reset / random: a password nobody knows until the admin resets or hands it out;
            # keep-hash: the same until the password step writes the legacy hash, so a failed
            # or interrupted step leaves a locked-out user, never an empty password
            # (DESIGN.md "Passwords"). An adopted user keeps its own (never sent).
            sent = replace(sent, password=Secret(ctx.new_password()))
        written = ctx.client.put_user(sent)
        return Written(cells_id=written.uuid, after=self.image(written))

    def delete(
        self,
        client: CellsClient,
        ref: ObjectRef,
        live: User,
        written: Mapping[str, object] | None,
    ) -> list[str]:
        """``DELETE /a/user/{Login}``."""
        client.delete_user(ref.key)
        return []

    def restore(self, client: CellsClient, ref: ObjectRef, image: Mapping[str, object]) -> None:
        """Write the user back as it was (its password is left as it is)."""
        client.put_user(self.from_image(image))


HANDLER = UserHandler()
