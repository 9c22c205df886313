"""The vocabulary every layer shares: stages, kinds, and the actions ``plan`` shows and
``apply`` executes (one set of objects for both).

STYLE.md 3 "A separate dry-run code path": the kind handlers (``migrate.kinds``) produce
these values, the renderers show them, the plan file stores them, the executor runs them,
and the checkpoint records them. ``inverse()`` is the action that undoes one: rollback
takes it of every recorded action (a future incremental sync takes it of the creates whose
objects are no longer wanted). ``migrate.plan.actions`` re-exports this module.

No action ever holds a secret: a change of a sensitive field carries only
:data:`SENSITIVE_CHANGED` / :data:`SENSITIVE_SET` markers, never the values.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

SENSITIVE_CHANGED = "(sensitive value changed)"
SENSITIVE_SET = "(sensitive value)"
NONE_SHOWN = "(none)"


class Stage(StrEnum):
    """The stages, in the order they run (DESIGN.md "Stages and their order")."""

    DATASOURCES = "datasources"
    GROUPS = "groups"
    ROLES = "roles"
    USERS = "users"
    WORKSPACES = "workspaces"
    ACLS = "acls"
    SHARES = "shares"

    @property
    def rank(self) -> int:
        """Position in the run order (0 = first)."""
        return _RANKS[self]


_RANKS = {stage: index for index, stage in enumerate(Stage)}


class Kind(StrEnum):
    """Kinds of objects (DESIGN.md machine-readable output)."""

    DATASOURCE = "datasource"
    WORKSPACE = "workspace"
    GROUP = "group"
    ROLE = "role"
    USER = "user"
    ACL = "acl"
    SHARE = "share"

    @property
    def stage(self) -> Stage:
        """The stage that handles this kind."""
        return _STAGE_OF[self]


_STAGE_OF = {
    Kind.DATASOURCE: Stage.DATASOURCES,
    Kind.GROUP: Stage.GROUPS,
    Kind.ROLE: Stage.ROLES,
    Kind.USER: Stage.USERS,
    Kind.WORKSPACE: Stage.WORKSPACES,
    Kind.ACL: Stage.ACLS,
    Kind.SHARE: Stage.SHARES,
}


class ActionType(StrEnum):
    """What the plan does with one object (issue 5).

    The differs never produce ``delete``: a plan does not remove objects. It exists for
    :meth:`Action.inverse` of a create, i.e. rollback of what a run created (from its
    checkpoint), and shows as ``0 to delete`` in every plan summary; the executor runs one
    through the kind's handler like any other action.
    """

    CREATE = "create"
    UPDATE = "update"
    NOOP = "noop"
    ADOPT = "adopt"
    CONFLICT = "conflict"
    SKIP = "skip"
    DELETE = "delete"

    @property
    def symbol(self) -> str:
        """The one-character marker of the text output (terraform's ``+``/``~``)."""
        return _SYMBOLS[self]

    @property
    def changes_cells(self) -> bool:
        """True when applying it writes to Cells."""
        return self in (
            ActionType.CREATE,
            ActionType.UPDATE,
            ActionType.ADOPT,
            ActionType.DELETE,
        )


_SYMBOLS = {
    ActionType.CREATE: "+",
    ActionType.UPDATE: "~",
    ActionType.NOOP: "=",
    ActionType.ADOPT: "&",
    ActionType.CONFLICT: "!",
    ActionType.SKIP: "x",
    ActionType.DELETE: "-",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldChange:
    """One managed field: ``old`` (live, ``None`` when absent) → ``new`` (desired).

    For a ``sensitive`` field both values are markers, never the secret itself.
    """

    field: str
    old: str | None
    new: str | None
    sensitive: bool = False

    def inverse(self) -> FieldChange:
        """The change that restores ``old``."""
        return replace(self, old=self.new, new=self.old)

    def to_json(self) -> dict[str, object]:
        """``{"field", "old", "new", "sensitive"}``."""
        return {"field": self.field, "old": self.old, "new": self.new, "sensitive": self.sensitive}


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    """One planned step on one object.

    ``key`` is the natural key shown to people (login, group path, slug, datasource name,
    role id, ``role|workspace|node|action`` for an ACL). ``cells_id`` is the id the write
    will use (the live object's for updates and adoptions, ours for creates; empty when
    Cells assigns it). For an ACL it is ``<role id>|<workspace id>|<node id>|<action>``
    with ``?`` for a role not known yet (a group still to create) and ``path:<path>`` for a
    sub-folder not indexed yet: apply resolves those. ``reason`` explains conflicts,
    adoptions and skips.
    """

    stage: Stage
    kind: Kind
    key: str
    action: ActionType
    changes: tuple[FieldChange, ...] = ()
    reason: str = ""
    cells_id: str = ""
    order: int = 0  # dependency order inside a stage (parents before children)

    @property
    def sort_key(self) -> tuple[int, int, str, str]:
        """Stage order, then dependency order, then kind and key."""
        return (self.stage.rank, self.order, self.kind.value, self.key)

    def inverse(self) -> Action | None:
        """The action that undoes this one, or ``None`` when nothing was written.

        A create is undone by a delete of that object (rollback only: never planned); an
        update or adoption by an update back to what was there before (the old values of
        ``changes``; rollback restores the checkpoint's before-image, which holds them
        all); a delete by a create of the deleted object from that image.
        """
        if self.action is ActionType.CREATE:
            return replace(
                self,
                action=ActionType.DELETE,
                changes=tuple(c.inverse() for c in self.changes),
                reason="undo create: delete what the run created",
            )
        if self.action in (ActionType.UPDATE, ActionType.ADOPT):
            return replace(
                self,
                action=ActionType.UPDATE,
                changes=tuple(c.inverse() for c in self.changes),
                reason=f"undo {self.action.value}: restore what was there before",
            )
        if self.action is ActionType.DELETE:
            return replace(
                self,
                action=ActionType.CREATE,
                changes=tuple(c.inverse() for c in self.changes),
                reason="undo delete: create the object again as it was",
            )
        return None

    def to_json(self) -> dict[str, object]:
        """The documented action object of ``cells-migrate/plan/1``."""
        return {
            "stage": self.stage.value,
            "kind": self.kind.value,
            "key": self.key,
            "action": self.action.value,
            "changes": [c.to_json() for c in self.changes],
            "reason": self.reason,
            "cells_id": self.cells_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, object], order: int = 0) -> Action:
        """Parse one action of a plan file (raises ``KeyError``/``ValueError`` if malformed)."""
        changes = data.get("changes") or []
        if not isinstance(changes, list):
            raise ValueError("changes must be a list")
        return cls(
            stage=Stage(str(data["stage"])),
            kind=Kind(str(data["kind"])),
            key=str(data["key"]),
            action=ActionType(str(data["action"])),
            changes=tuple(
                FieldChange(
                    field=str(c["field"]),
                    old=None if c.get("old") is None else str(c["old"]),
                    new=None if c.get("new") is None else str(c["new"]),
                    sensitive=bool(c.get("sensitive")),
                )
                for c in changes
                if isinstance(c, dict)
            ),
            reason=str(data.get("reason") or ""),
            cells_id=str(data.get("cells_id") or ""),
            order=order,
        )
