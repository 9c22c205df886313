"""Resolve the desired state's references (login, group path, folder path) to Cells ids.

An ACL names its role by kind and natural key (``RoleRef``) and its node possibly by path
(``NodeRef``); Cells stores Uuids. The live Uuid wins when the object exists (an adopted
user keeps the Uuid it has); otherwise the id the create will use: ours for users (Cells
keeps a given unknown Uuid, cells-api.md §1.4), unknown for groups (Cells assigns it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from migrate.cells.models import Group, User
from migrate.kinds.fields import node_id
from migrate.mapping.desired import DesiredState, NodeRef, RoleRef, RoleTarget

ROOT_GROUP = "ROOT_GROUP"


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolver:
    """Lookups from natural keys to Cells ids (built once per plan)."""

    user_ids: Mapping[str, str] = field(default_factory=dict)  # login -> Uuid
    group_ids: Mapping[str, str] = field(default_factory=dict)  # live group path -> Uuid
    folders: Mapping[str, str] = field(default_factory=dict)  # sub-folder path -> node Uuid

    @classmethod
    def build(
        cls,
        desired: DesiredState,
        *,
        users: Iterable[User],
        groups: Iterable[Group],
        folders: Mapping[str, str],
    ) -> Resolver:
        """Live ids first, then the ids a create would use."""
        user_ids = {u.login: u.uuid for u in desired.users}
        user_ids.update({u.login: u.uuid for u in users if u.uuid})
        return cls(
            user_ids=user_ids,
            group_ids={g.path: g.uuid for g in groups if g.uuid},
            folders=dict(folders),
        )

    def role_id(self, ref: RoleRef) -> str | None:
        """The Cells role Uuid an ACL of ``ref`` is written on; ``None`` when not known yet
        (a group that does not exist: Cells gives its role the group's new Uuid)."""
        if ref.target is RoleTarget.ROOT_GROUP:
            return ROOT_GROUP
        if ref.target is RoleTarget.USER:
            return self.user_ids.get(ref.key)
        if ref.target is RoleTarget.GROUP:
            return self.group_ids.get(ref.key)
        return ref.key

    def node_id(self, node: NodeRef) -> str:
        """The node Uuid, or ``path:<path>`` until the datasource is indexed."""
        return node_id(node, self.folders)
