"""Typed keys: which Cells object an action, a checkpoint item or an undo is about.

Natural keys are shown to people (a login, a group path, a datasource name); Cells ids are
what Cells stores. Both travel as plain strings in the plan file and the checkpoint DB
(their documented, stored form) and are parsed here, once, into small values.
"""

from __future__ import annotations

from dataclasses import dataclass

from migrate.cells.models import ACL
from migrate.kinds.vocabulary import Kind

UNKNOWN_ROLE = "?"
"""The role part of an ACL id whose role does not exist yet (a group still to create)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectRef:
    """One Cells object: its kind, natural key and Cells id ("" when Cells assigns it)."""

    kind: Kind
    key: str
    cells_id: str = ""

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.key}"


@dataclass(frozen=True, slots=True, kw_only=True)
class AclId:
    """Cells' unique key of an ACL: role, workspace, node, action.

    Stored as ``<role>|<workspace>|<node>|<action>`` (``Action.cells_id`` and the checkpoint's
    ``cells_id``); the role is ``?`` until the group it belongs to exists, and the node
    ``path:<path>`` until the sub-folder is indexed (``migrate.kinds.fields.node_id``).
    """

    role_id: str
    workspace_id: str
    node_id: str
    action: str

    SEPARATOR = "|"

    def __str__(self) -> str:
        return self.SEPARATOR.join((self.role_id, self.workspace_id, self.node_id, self.action))

    @classmethod
    def parse(cls, text: str) -> AclId:
        """The id stored as ``text``; missing parts are empty."""
        role, workspace, node, action = ([*text.split(cls.SEPARATOR), "", "", "", ""])[:4]
        return cls(role_id=role, workspace_id=workspace, node_id=node, action=action)

    @property
    def role_known(self) -> bool:
        """False while the role is the group still to create (``?``) or missing."""
        return self.role_id not in ("", UNKNOWN_ROLE)

    def acl(self, value: str = "") -> ACL:
        """The ACL with this key (``value`` "" matches any value in a search or delete)."""
        return ACL(
            action=self.action,
            value=value,
            role_id=self.role_id,
            workspace_id=self.workspace_id,
            node_id=self.node_id,
        )

    @classmethod
    def of(cls, acl: ACL) -> AclId:
        """The key of a Cells ACL."""
        return cls(
            role_id=acl.role_id,
            workspace_id=acl.workspace_id,
            node_id=acl.node_id,
            action=acl.action,
        )
