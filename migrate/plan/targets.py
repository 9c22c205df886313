"""Find the desired object behind an action (what ``apply`` sends for it).

Actions hold natural keys, not objects, so that a plan file stays small and secret-free;
``apply`` recomputes the desired state, checks the saved plan is fresh, and looks each
action's object up here (each kind's handler says how its objects are keyed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from migrate.kinds.registry import HANDLERS
from migrate.kinds.vocabulary import Action, Kind
from migrate.mapping.desired import DesiredState, DesiredWorkspace


@dataclass(frozen=True, slots=True, kw_only=True)
class DesiredIndex:
    """``(kind, key)`` → desired object, with the keys the differs give actions."""

    objects: Mapping[tuple[Kind, str], object] = field(default_factory=dict)

    @classmethod
    def build(cls, desired: DesiredState) -> DesiredIndex:
        """Index every object of ``desired`` by its action key."""
        objects: dict[tuple[Kind, str], object] = {}
        for kind, handler in HANDLERS.items():
            objects.update({(kind, key): obj for key, obj in handler.keyed(desired)})
        return cls(objects=objects)

    def get(self, action: Action) -> object | None:
        """The object ``action`` is about (``None`` for skips of legacy objects)."""
        return self.objects.get((action.kind, action.key))

    def slugs(self) -> dict[str, str]:
        """Workspace Uuid → slug of the indexed workspaces (ACL dependencies name them)."""
        return {w.uuid: w.slug for w in self.objects.values() if isinstance(w, DesiredWorkspace)}
