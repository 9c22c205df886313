"""The in-memory state of the emulated Cells: tables, indexes, one lock, no I/O.

Every handler runs with ``store.lock`` held, so the tables need no finer locking. Ids come
from ``uuid4`` (or a seeded ``random.Random`` when the emulator has a seed) and counters.
"""

from __future__ import annotations

import random
import sys
import threading
import uuid
from bisect import insort
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from migrate.cells.emulator.config import EmulatorConfig
from migrate.cells.emulator.records import (
    DEFAULT_POLICIES,
    Acl,
    DataSource,
    Job,
    Link,
    Node,
    Policies,
    Policy,
    Role,
    User,
    Workspace,
)
from migrate.cells.emulator.userdb import UserDB

JSON = dict[str, Any]


@dataclass(slots=True, kw_only=True)
class Settings:
    """The knobs ``configure()`` may change while the emulator runs."""

    latency_ms: float
    fault_rate: float
    fault_mix: tuple[tuple[str, int], ...]
    token_ttl_s: float
    index_delay_s: float
    missing_ds_stat_delay_s: float
    recreate_unserved_s: float
    lose_datasource_creates: int
    autoapply_cache_s: float
    forbid_writes: bool


@dataclass(slots=True, kw_only=True)
class Tables:
    """All tables; a reset replaces the whole object."""

    users: dict[str, User] = field(default_factory=dict)  # login -> user
    logins: list[str] = field(default_factory=list)  # sorted logins (paging)
    groups: dict[str, User] = field(default_factory=dict)  # full path -> group
    by_uuid: dict[str, User] = field(default_factory=dict)  # user or group uuid
    roles: dict[str, Role] = field(default_factory=dict)
    workspaces: dict[str, Workspace] = field(default_factory=dict)
    acls: dict[int, Acl] = field(default_factory=dict)
    acl_keys: dict[tuple[str, str, str, str], int] = field(default_factory=dict)
    acls_by_role: dict[str, set[int]] = field(default_factory=dict)
    acls_by_ws: dict[str, set[int]] = field(default_factory=dict)
    datasources: dict[str, DataSource] = field(default_factory=dict)  # config entries
    ds_list: list[str] = field(default_factory=list)  # the sources list (GET, DELETE)
    ds_deleted_at: dict[str, float] = field(default_factory=dict)  # name -> delete time
    nodes: dict[str, Node] = field(default_factory=dict)  # path -> node
    nodes_by_uuid: dict[str, Node] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    links: dict[str, Link] = field(default_factory=dict)  # link Uuid -> link
    link_hashes: dict[str, str] = field(default_factory=dict)  # hash -> link Uuid
    cells: dict[str, dict[str, list[JSON]]] = field(default_factory=dict)  # room -> role -> actions
    auto_roles: dict[str, None] = field(default_factory=dict)  # AutoApplies roles, in order
    next_acl: int = 1
    next_policy: int = 1


class Store:
    """Tables + lock + id/clock sources. Handlers in the sibling modules operate on it."""

    def __init__(self, config: EmulatorConfig, *, clock: Callable[[], float]) -> None:
        self.config = config
        self.clock = clock
        self.lock = threading.RLock()
        self.rng = random.Random(config.seed)  # noqa: S311 - ids and faults, not secrets
        self._seeded = config.seed is not None
        self.settings = Settings(
            latency_ms=config.latency_ms,
            fault_rate=config.fault_rate,
            fault_mix=config.fault_mix,
            token_ttl_s=config.token_ttl_s,
            index_delay_s=config.index_delay_s,
            missing_ds_stat_delay_s=config.missing_ds_stat_delay_s,
            recreate_unserved_s=config.recreate_unserved_s,
            lose_datasource_creates=0,
            autoapply_cache_s=config.autoapply_cache_s,
            forbid_writes=config.forbid_writes,
        )
        self.t = Tables()
        # Bumped by every write; search results are cached per generation so that paging
        # through a large, unchanged table costs O(page) (cells-migrate plans page users).
        self.generation = 0
        self.search_cache: dict[tuple[str, ...], list[Any]] = {}
        # Optional real user table (EmulatorConfig.user_db_url); None keeps users in memory.
        self.userdb = UserDB(config.user_db_url) if config.user_db_url else None

    # ids and time -------------------------------------------------------------------
    def now(self) -> int:
        """Current time as Cells' integer seconds."""
        return int(self.clock())

    def new_uuid(self) -> str:
        """A fresh UUID (reproducible when the emulator has a seed)."""
        if self._seeded:
            return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        return str(uuid.uuid4())

    def new_hex(self, n: int = 32) -> str:
        """``n`` random hex characters."""
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def policies(self, items: Iterable[Policy] = DEFAULT_POLICIES) -> Policies:
        """Policies with fresh row ids."""
        out = Policies()
        for item in items:
            out.items.append(item)
            out.ids.append(self.t.next_policy)
            self.t.next_policy += 1
        return out

    # users ----------------------------------------------------------------------------
    def add_user(self, user: User) -> None:
        """Insert a user or group into its tables and indexes."""
        self.generation += 1
        if user.is_group:
            self.t.groups[user.full_path] = user
        else:
            self.t.users[user.login] = user
            insort(self.t.logins, user.login)
            if self.userdb is not None:
                self.userdb.add(
                    uuid=user.uuid,
                    login=user.login,
                    group_path=user.group_path,
                    etag=user.password_hash,
                    mtime=self.now(),
                )
        self.t.by_uuid[user.uuid] = user

    def drop_user(self, user: User) -> None:
        """Remove a user or group, its own role and that role's ACLs."""
        self.generation += 1
        if user.is_group:
            self.t.groups.pop(user.full_path, None)
        else:
            self.t.users.pop(user.login, None)
            self.t.logins.remove(user.login)
            if self.userdb is not None:
                self.userdb.delete(user.uuid)
        self.t.by_uuid.pop(user.uuid, None)
        self.drop_role(user.uuid)

    def drop_role(self, role_id: str) -> bool:
        """Remove a role and every ACL of it; False when it did not exist."""
        for acl_id in sorted(self.t.acls_by_role.get(role_id, ())):
            self.drop_acl(acl_id)
        self.t.auto_roles.pop(role_id, None)
        return self.t.roles.pop(role_id, None) is not None

    # acls -----------------------------------------------------------------------------
    def add_acl(self, action: str, value: str, role: str, ws: str, node: str) -> Acl | None:
        """Insert an ACL; None when its unique key exists already."""
        # Interned: a million ACLs share a few thousand role/workspace/node strings.
        acl = Acl(
            id=self.t.next_acl,
            action=sys.intern(action),
            value=sys.intern(value),
            role_id=sys.intern(role),
            workspace_id=sys.intern(ws),
            node_id=sys.intern(node),
        )
        if acl.key in self.t.acl_keys:
            return None
        self.t.next_acl += 1
        self.generation += 1
        self.t.acls[acl.id] = acl
        self.t.acl_keys[acl.key] = acl.id
        self.t.acls_by_role.setdefault(role, set()).add(acl.id)
        self.t.acls_by_ws.setdefault(ws, set()).add(acl.id)
        return acl

    def drop_acl(self, acl_id: int) -> None:
        """Remove one ACL and its index entries."""
        self.generation += 1
        acl = self.t.acls.pop(acl_id, None)
        if acl is None:
            return
        self.t.acl_keys.pop(acl.key, None)
        self.t.acls_by_role.get(acl.role_id, set()).discard(acl_id)
        self.t.acls_by_ws.get(acl.workspace_id, set()).discard(acl_id)

    def acls_of_workspace(self, ws: str) -> list[Acl]:
        """ACLs with this WorkspaceID, by id."""
        return [self.t.acls[i] for i in sorted(self.t.acls_by_ws.get(ws, ()))]

    # nodes ----------------------------------------------------------------------------
    def add_node(self, node: Node) -> None:
        """Insert a tree node."""
        self.t.nodes[node.path] = node
        self.t.nodes_by_uuid[node.uuid] = node

    def drop_nodes(self, ds: str) -> None:
        """Remove every node of a datasource (the root included)."""
        prefix = ds + "/"
        for path in [p for p in self.t.nodes if p == ds or p.startswith(prefix)]:
            node = self.t.nodes.pop(path)
            self.t.nodes_by_uuid.pop(node.uuid, None)

    # roles ------------------------------------------------------------------------------
    def new_role(
        self, uuid_: str, label: str, *, policies: Iterable[Policy] = DEFAULT_POLICIES, **flags: Any
    ) -> Role:
        """Create and store a role."""
        self.generation += 1
        role = Role(uuid=uuid_, label=label, last_updated=self.now(), **flags)
        role.policies = self.policies(policies)
        self.t.roles[uuid_] = role
        if role.auto_applies:
            self.t.auto_roles[uuid_] = None
        return role
