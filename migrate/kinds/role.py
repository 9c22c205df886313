"""Roles: matched by Uuid, which is the role's natural key (the legacy role id).

Body ``PUT /a/role/{Uuid}``; managed fields: label, AutoApplies (a sorted list: its order
means nothing), IsTeam, ForceOverride, and a team's owner. A legacy team keeps its owner
as Cells gives a team's owner (role-autoapplies-and-teams.yaml, the UI's
``saveSelectionAsTeam``): policies ``OWNER`` <the owner's user Uuid>, ``READ``/``WRITE``
``user:<login>``, ``READ``/``WRITE`` ``profile:admin``. The owner's Uuid is the live
user's when it exists, else the one the users stage creates it with. A live role with our
id that is a user's or a group's role belongs to them: writing ours over it would change
their rights (a conflict, whose ACLs are not sent either).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace

from migrate.cells.client import CellsClient
from migrate.cells.models import Policy, Role
from migrate.kinds.base import ApplyContext, DiffContext, Image, KindHandler, LiveJob, Written
from migrate.kinds.fields import Fields, field_changes, flag
from migrate.kinds.keys import ObjectRef
from migrate.kinds.live_state import LiveState
from migrate.kinds.vocabulary import Action, ActionType, Kind, Stage
from migrate.mapping.desired import DesiredRole, DesiredState, RoleTarget

BATCH = 100  # Uuids per role search


OWNER = "OWNER"


def owner_policies(login: str, uuid: str) -> tuple[Policy, ...]:
    """The policies Cells gives a team created by ``login`` (Uuid ``uuid``), in its order."""
    return (
        Policy(subject=uuid, action=OWNER),
        Policy(subject=f"user:{login}", action="READ"),
        Policy(subject=f"user:{login}", action="WRITE"),
        Policy(subject="profile:admin", action="WRITE"),
        Policy(subject="profile:admin", action="READ"),
    )


def body(role: DesiredRole, *, owner_uuid: str | None = None) -> Role:
    """The ``PUT /a/role/{Uuid}`` object; a team with an owner carries the owner's
    policies (``owner_uuid``: the owner's live Uuid, default the one it is created with).
    Without policies Cells gives a role its defaults."""
    uuid = owner_uuid or role.owner_uuid
    policies = owner_policies(role.owner, uuid) if role.owner and uuid else ()
    return Role(
        uuid=role.uuid,
        label=role.label,
        is_team=role.is_team,
        force_override=role.force_override,
        auto_applies=role.auto_applies,
        policies=policies,
    )


def owner_of(role: Role) -> str | None:
    """The owner a role's policies name: ``<login> (<Uuid>)``; None when it has none."""
    owners = [p.subject for p in role.policies if p.action == OWNER and p.effect == "allow"]
    if not owners:
        return None
    logins = sorted(
        p.subject.removeprefix("user:")
        for p in role.policies
        if p.action == "WRITE" and p.subject.startswith("user:")
    )
    return f"{', '.join(logins) or '?'} ({', '.join(sorted(owners))})"


def _batch(client: CellsClient, ids: Sequence[str]) -> LiveJob[Role]:
    def job() -> list[Role]:
        wanted = set(ids)
        return [r for r in client.search_roles([{"Uuid": list(ids)}]) if r.uuid in wanted]

    return job


class RoleHandler(KindHandler[DesiredRole, Role]):
    """Roles (see the module docstring)."""

    kind = Kind.ROLE
    live_field = "roles"
    role_target = RoleTarget.ROLE

    def desired(self, state: DesiredState) -> tuple[DesiredRole, ...]:
        """The desired roles."""
        return state.roles

    def keyed(self, state: DesiredState) -> Iterator[tuple[str, DesiredRole]]:
        """Roles by Uuid."""
        return ((r.uuid, r) for r in state.roles)

    def legacy_keys(self, obj: DesiredRole) -> tuple[str, ...]:
        """The legacy role id and the Uuid."""
        return (obj.legacy_key, obj.uuid)

    def live_jobs(
        self, client: CellsClient, desired: DesiredState, known: LiveState
    ) -> list[LiveJob[Role]]:
        """The desired roles, by Uuid, in batches."""
        ids = sorted({r.uuid for r in desired.roles})
        return [_batch(client, ids[i : i + BATCH]) for i in range(0, len(ids), BATCH)]

    def live_order(self, obj: Role) -> tuple[str, ...]:
        """By Uuid."""
        return (obj.uuid,)

    def read(self, client: CellsClient, ref: ObjectRef) -> Role | None:
        """``GET /a/role/{Uuid}``."""
        return client.get_role(ref.cells_id or ref.key)

    def diff(self, desired: tuple[DesiredRole, ...], ctx: DiffContext) -> list[Action]:
        """create / update / noop / conflict per desired role (see the module docstring)."""
        by_id = {r.uuid: r for r in self.live(ctx.live)}
        owners = {r.owner for r in desired if r.owner}
        by_login = {u.login: u for u in ctx.live.users if u.login in owners and u.uuid}
        actions = []
        for role in desired:
            found = by_id.get(role.uuid)
            base = Action(
                stage=Stage.ROLES,
                kind=Kind.ROLE,
                key=role.uuid,
                action=ActionType.NOOP,
                cells_id=role.uuid,
            )
            live_owner = by_login.get(role.owner) if role.owner else None
            wanted = self.fields(body(role, owner_uuid=live_owner.uuid if live_owner else None))
            if found is None:
                changes = field_changes(wanted, None)
                actions.append(replace(base, action=ActionType.CREATE, changes=changes))
                continue
            if found.user_role or found.group_role:
                owner = "user" if found.user_role else "group"
                reason = (
                    f"the Uuid {role.uuid!r} is the role of a Cells {owner} ({found.label!r}); "
                    "rename our role with roles.rename in a mapping file"
                )
                actions.append(replace(base, action=ActionType.CONFLICT, reason=reason))
                continue
            changes = field_changes(wanted, self.fields(found))
            if changes:
                actions.append(replace(base, action=ActionType.UPDATE, changes=changes))
            else:
                actions.append(base)
        return actions

    def fields(self, obj: Role) -> Fields:
        """Label, AutoApplies (sorted), IsTeam, ForceOverride (``AutoApplies:[""]`` of a
        GET is dropped when it is read), and the owner its policies name."""
        return (
            ("label", obj.label),
            ("auto_applies", ", ".join(sorted(obj.auto_applies))),
            ("is_team", flag(obj.is_team)),
            ("force_override", flag(obj.force_override)),
            ("owner", owner_of(obj)),
        )

    def image(self, obj: Role) -> Image:
        """The role as Cells takes it back."""
        return dict(obj.to_json())

    def from_image(self, image: Mapping[str, object]) -> Role:
        """The role an image describes."""
        return Role.from_json(image)

    def cells_id(self, obj: Role) -> str:
        """Its Uuid."""
        return obj.uuid

    def write(self, action: Action, obj: DesiredRole, ctx: ApplyContext) -> Written:
        """Create or update the role (a team's owner by its live Uuid when the user exists
        already, else by the one the users stage creates it with)."""
        owner = ctx.client.get_user(obj.owner) if obj.owner else None
        role = ctx.client.put_role(body(obj, owner_uuid=owner.uuid if owner else None))
        return Written(cells_id=role.uuid, after=self.image(role))

    def delete(
        self,
        client: CellsClient,
        ref: ObjectRef,
        live: Role,
        written: Mapping[str, object] | None,
    ) -> list[str]:
        """``DELETE /a/role/{Uuid}``."""
        client.delete_role(ref.cells_id or ref.key)
        return []

    def restore(self, client: CellsClient, ref: ObjectRef, image: Mapping[str, object]) -> None:
        """Write the role back as it was."""
        client.put_role(self.from_image(image))


HANDLER = RoleHandler()
