"""Find the desired object behind an action (what ``apply`` sends for it).

Actions hold natural keys, not objects, so that a plan file stays small and secret-free;
``apply`` recomputes the desired state, checks the saved plan is fresh, and looks each
action's object up here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from migrate.mapping.desired import (
    DesiredAcl,
    DesiredDatasource,
    DesiredGroup,
    DesiredRole,
    DesiredState,
    DesiredUser,
    DesiredWorkspace,
)
from migrate.plan.acls import acl_key
from migrate.plan.actions import Action, Kind

DesiredObject = (
    DesiredDatasource | DesiredGroup | DesiredRole | DesiredUser | DesiredWorkspace | DesiredAcl
)


@dataclass(frozen=True, slots=True, kw_only=True)
class DesiredIndex:
    """``(kind, key)`` → desired object, with the keys the differs give actions."""

    objects: Mapping[tuple[Kind, str], DesiredObject] = field(default_factory=dict)

    @classmethod
    def build(cls, desired: DesiredState) -> DesiredIndex:
        """Index every object of ``desired`` by its action key."""
        slugs = {w.uuid: w.slug for w in desired.workspaces}
        objects: dict[tuple[Kind, str], DesiredObject] = {}
        objects.update({(Kind.DATASOURCE, d.name): d for d in desired.datasources})
        objects.update({(Kind.GROUP, g.path): g for g in desired.groups})
        objects.update({(Kind.ROLE, r.uuid): r for r in desired.roles})
        objects.update({(Kind.USER, u.login): u for u in desired.users})
        objects.update({(Kind.WORKSPACE, w.slug): w for w in desired.workspaces})
        objects.update({(Kind.ACL, acl_key(a, slugs)): a for a in desired.acls})
        return cls(objects=objects)

    def get(self, action: Action) -> DesiredObject | None:
        """The object ``action`` is about (``None`` for skips of legacy objects)."""
        return self.objects.get((action.kind, action.key))
