"""The route table: (method, path pattern) -> handler, with auth and write flags."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from migrate.cells.emulator import (
    acls,
    auth,
    datasources,
    discovery,
    links,
    roles,
    rooms,
    schemas,
    tree,
    users,
    userspace,
    workspaces,
)
from migrate.cells.emulator.answers import Answer, Call
from migrate.cells.emulator.auth import AuthTables
from migrate.cells.emulator.store import Store

Handler = Callable[[Store, AuthTables, Call], Answer]
StoreHandler = Callable[[Store, Call], Answer]

BEARER, OPTIONAL, PUBLIC = "bearer", "optional", "public"


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    """One endpoint. ``write`` marks what ``forbid_writes`` refuses and faults may half-apply."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    access: str = BEARER
    write: bool = False
    schema: Any = None  # schemas.py spec of the body, checked before the handler runs


def _s(handler: StoreHandler) -> Handler:
    return lambda store, _auth, call: handler(store, call)


_TABLE: tuple[tuple[Any, ...], ...] = (
    ("POST", "/a/frontend/session", auth.front_session, PUBLIC, False, schemas.SESSION),
    ("POST", "/a/auth/token/revoke", auth.revoke, BEARER, False, schemas.REVOKE),
    ("GET", "/a/frontend/bootconf", _s(discovery.bootconf), OPTIONAL, False),
    ("GET", "/a/config/discovery", _s(discovery.discovery), OPTIONAL, False),
    ("GET", "/a/config/ctl", _s(discovery.services), BEARER, False),
    ("GET", "/a/config/peers", _s(discovery.peers), BEARER, False),
    ("GET", "/a/config/virtualnodes", _s(discovery.virtual_nodes), BEARER, False),
    ("GET", "/a/config/datasource", _s(datasources.list_datasources), BEARER, False),
    ("GET", "/a/config/datasource/(?P<name>[^/]+)", _s(datasources.get_datasource), BEARER, False),
    (
        "POST",
        "/a/config/datasource/(?P<name>[^/]+)",
        _s(datasources.post_datasource),
        BEARER,
        True,
        schemas.DATASOURCE,
    ),
    ("PUT", "/a/config/datasource/(?P<name>[^/]+)", _s(datasources.put_datasource), BEARER, True),
    (
        "DELETE",
        "/a/config/datasource/(?P<name>[^/]+)",
        _s(datasources.delete_datasource),
        BEARER,
        True,
    ),
    (
        "POST",
        "/a/workspace",
        _s(workspaces.search_workspaces),
        BEARER,
        False,
        schemas.WORKSPACE_SEARCH,
    ),
    (
        "PUT",
        "/a/workspace/(?P<slug>[^/]+)",
        _s(workspaces.put_workspace),
        BEARER,
        True,
        schemas.WORKSPACE,
    ),
    ("DELETE", "/a/workspace/(?P<slug>[^/]+)", _s(workspaces.delete_workspace), BEARER, True),
    ("POST", "/a/role", _s(roles.search_roles), BEARER, False, schemas.ROLE_SEARCH),
    ("GET", "/a/role/(?P<uuid>[^/]+)", _s(roles.get_role), BEARER, False),
    ("PUT", "/a/role/(?P<uuid>[^/]+)", _s(roles.put_role), BEARER, True, schemas.ROLE),
    ("DELETE", "/a/role/(?P<uuid>[^/]+)", _s(roles.delete_role), BEARER, True),
    ("POST", "/a/user", _s(users.search_users), BEARER, False, schemas.USER_SEARCH),
    ("PUT", "/a/user/roles/(?P<login>[^/]+)", _s(users.put_user_roles), BEARER, True, schemas.USER),
    ("GET", "/a/user/(?P<login>.+)", _s(users.get_user), BEARER, False),
    ("PUT", "/a/user/(?P<login>.+)", _s(users.put_user), BEARER, True, schemas.USER),
    ("DELETE", "/a/user/(?P<login>.+)", _s(users.delete_user), BEARER, True),
    ("PUT", "/a/acl", _s(acls.put_acl), BEARER, True, schemas.ACL),
    ("POST", "/a/acl", _s(acls.search_acls), BEARER, False, schemas.ACL_SEARCH),
    ("POST", "/a/acl/bulk/delete", _s(acls.bulk_delete), BEARER, True, schemas.ACL),
    ("POST", "/a/tree/admin/stat", _s(tree.admin_stat), BEARER, False, schemas.TREE_REQUEST),
    ("POST", "/a/tree/stats", _s(userspace.tree_stats), BEARER, False, schemas.TREE_REQUEST),
    ("POST", "/a/tree/admin/list", _s(tree.admin_list), BEARER, False, schemas.TREE_REQUEST),
    ("POST", "/a/jobs/user", _s(tree.list_jobs), BEARER, False, schemas.JOBS_LIST),
    ("PUT", "/a/jobs/user/(?P<job>[^/]+)", _s(tree.put_user_job), BEARER, True, schemas.JOB_PUT),
    ("PUT", "/a/share/link", _s(links.put_link), BEARER, True, schemas.SHARE_LINK),
    ("GET", "/a/share/link/(?P<uuid>[^/]+)", _s(links.get_link), BEARER, False),
    ("DELETE", "/a/share/link/(?P<uuid>[^/]+)", _s(links.delete_link), BEARER, True),
    ("PUT", "/a/share/cell", _s(rooms.put_cell), BEARER, True, schemas.CELL),
    ("GET", "/a/share/cell/(?P<uuid>[^/]+)", _s(rooms.get_cell), BEARER, False),
    ("DELETE", "/a/share/cell/(?P<uuid>[^/]+)", _s(rooms.delete_cell), BEARER, True),
    ("PUT", "/a/share/policies", _s(rooms.put_policies), BEARER, True, schemas.POLICIES),
    ("POST", "/a/share/resources", _s(rooms.list_resources), BEARER, False, schemas.RESOURCES),
    ("GET", "/public/(?P<hash>[^/]+)", _s(links.public_page), PUBLIC, False),
    ("GET", "/oidc/oauth2/auth", auth.oauth_auth, PUBLIC, False),
    ("POST", "/oidc/oauth2/token", auth.oauth_token, PUBLIC, False),
    ("POST", "/oidc/oauth2/revoke", auth.oauth_revoke, PUBLIC, False),
    ("GET", "/a/frontend/state", auth.frontend_state, BEARER, False),
    ("GET", "/oauth2/login", auth.login_page, PUBLIC, False),
    ("GET", "/oidc/.well-known/openid-configuration", auth.oidc_discovery, PUBLIC, False),
    ("POST", "/auth/dex/token", auth.dex_token, PUBLIC, False),
)

ROUTES: tuple[Route, ...] = tuple(
    Route(
        method=m,
        pattern=re.compile(p + r"\Z"),
        handler=h,
        access=a,
        write=w,
        schema=rest[0] if rest else None,
    )
    for m, p, h, a, w, *rest in _TABLE
)
_EXACT: dict[tuple[str, str], Route] = {
    (r.method, r.pattern.pattern[:-2]): r for r in ROUTES if "(" not in r.pattern.pattern
}


def find(method: str, raw_path: str) -> tuple[Route | None, dict[str, str], bool]:
    """(route, decoded params, path known for another method)."""
    exact = _EXACT.get((method, raw_path))
    if exact is not None:
        return exact, {}, True
    known = False
    for route in ROUTES:
        match = route.pattern.match(raw_path)
        if match is None:
            continue
        if route.method == method:
            return route, {k: unquote(v) for k, v in match.groupdict().items()}, True
        known = True
    return None, {}, known
