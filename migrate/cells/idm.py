"""Identity endpoints of ``CellsClient``: users, groups, roles, workspaces, ACLs.

Each write says in its docstring how it is made safe to retry after a lost answer
(``Transport.call(check=…)``): upserts keyed by the body's id are simply sent again; writes
that would duplicate (user create without Uuid, ACL insert) look the object up first.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from migrate.cells.http import Json, Transport
from migrate.cells.models import ACL, Group, Role, User, Workspace
from migrate.cells.version import ServerVersion
from migrate.errors import CellsAuthError, CellsError, CellsNotFound

# cells-api.md §6: the user DAO applies a default limit of 100 when Limit is 0.
USER_PAGE = 100
PAGE = 500


def _seg(value: str) -> str:
    return quote(value, safe="")


class IdmEndpoints:
    """Mixin of ``CellsClient``; needs ``transport`` and ``server_version()``."""

    transport: Transport

    def server_version(self) -> ServerVersion:  # pragma: no cover - provided by the client
        """The target's version (implemented by CellsClient)."""
        raise NotImplementedError

    # ---------------------------------------------------------------- paging
    def _paged(
        self, path: str, body: dict[str, Any], keys: Sequence[str], page: int
    ) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """Yield ``(key, item)`` page by page (Total counts every key).

        Users answer the full match count in ``Total`` (pagination-and-search.yaml), but a
        workspace search with ``Limit 2`` answered ``Total 2`` while 5 matched
        (workspace-crud.yaml): a Total equal to the page's size is not trusted, and the next
        page is asked for. A short page always ends the listing.
        """
        offset = 0
        while True:
            data = self.transport.call(
                "POST", path, body={**body, "Limit": str(page), "Offset": str(offset)}
            )
            data = data if isinstance(data, Mapping) else {}
            count = 0
            for key in keys:
                for item in data.get(key) or ():
                    if isinstance(item, Mapping):
                        count += 1
                        yield key, item
            total = _total(data)
            offset += page
            if count < page or (total != count and offset >= total):
                return

    # ---------------------------------------------------------------- users & groups
    def search_people(
        self,
        queries: Sequence[Mapping[str, Any]] = (),
        *,
        operation: str = "OR",
        page: int = USER_PAGE,
    ) -> tuple[list[User], list[Group]]:
        """``POST /a/user`` paged until Total; users and groups come in separate arrays."""
        body: dict[str, Any] = {"Queries": [dict(q) for q in queries]} if queries else {}
        if queries and operation != "OR":
            body["Operation"] = operation
        parent = self.server_version().group_search_gives_parent_path
        users: list[User] = []
        groups: list[Group] = []
        for key, item in self._paged("/a/user", body, ("Users", "Groups"), page):
            if key == "Users":
                users.append(User.from_json(item))
            else:
                groups.append(Group.from_json(item, parent_paths=parent))
        return users, groups

    def list_users(self, *, page: int = USER_PAGE) -> list[User]:
        """Every user (hidden link users owned by others are not returned, §Shares)."""
        return self.search_people([{"NodeType": "USER"}], page=page)[0]

    def list_groups(self, *, page: int = USER_PAGE) -> list[Group]:
        """Every group."""
        return self.search_people([{"NodeType": "GROUP"}], page=page)[1]

    def get_user(self, login: str) -> User | None:
        """``GET /a/user/{Login}``; None when Cells says 404."""
        try:
            data = self.transport.call("GET", f"/a/user/{_seg(login)}")
        except CellsNotFound:
            return None
        return User.from_json(data) if isinstance(data, Mapping) and data else None

    def put_user(self, user: User) -> User:
        """Create or update a user (``PUT /a/user/{Login}``; update iff ``Uuid`` is set).

        Retry safety: with a Uuid the PUT is an upsert and is re-sent as is. Without one a
        second create would be refused (403 v4 / 409 v5), so before re-sending the login is
        looked up and an existing user is returned. An empty answer (Cells' reply to a body
        it ignored) is an error, never a silent success.
        """
        path = f"/a/user/{_seg(user.login)}"

        def check() -> Json:
            found = self.get_user(user.login)
            return _user_json(found) if found is not None else None

        data = self.transport.call(
            "PUT", path, body=user.to_json(), check=None if user.uuid else check
        )
        if not isinstance(data, Mapping) or not data.get("Uuid"):
            raise CellsError(
                "Cells accepted the user but returned nothing", subject=f"user:{user.login}"
            )
        return User.from_json(data)

    def put_user_roles(self, user: User) -> User:
        """Replace the user's custom roles (``PUT /a/user/roles/{Login}``, Uuid required).

        Retry safety: the list is replaced wholesale, so re-sending is harmless."""
        if not user.uuid:
            raise CellsError("a user Uuid is required to set roles", subject=f"user:{user.login}")
        data = self.transport.call("PUT", f"/a/user/roles/{_seg(user.login)}", body=user.to_json())
        return User.from_json(data if isinstance(data, Mapping) else {})

    def delete_user(self, login: str) -> bool:
        """Delete a user (its user role goes with it). True when Cells removed a row.

        Retry safety: before re-sending, a 404 on GET means the lost attempt removed it (True).
        A repeat DELETE answers 200 without NumRows (user-crud.yaml): False.
        """
        try:
            data = self.transport.call(
                "DELETE",
                f"/a/user/{_seg(login)}",
                check=lambda: {"NumRows": "1"} if self.get_user(login) is None else None,
            )
        except CellsNotFound:
            return False
        return _total(data, "NumRows") > 0

    def search_groups(self, parent_path: str = "/", *, recursive: bool = False) -> list[Group]:
        """Groups under ``parent_path`` (direct children unless ``recursive``)."""
        query: dict[str, Any] = {"GroupPath": parent_path, "NodeType": "GROUP"}
        if recursive:
            query["Recursive"] = True
        return self.search_people([query])[1]

    def put_group(self, group: Group) -> Group:
        """Create or update a group (``PUT /a/user/{GroupLabel}``, ``IsGroup``).

        Cells keys groups by path: re-sending the same body updates the same group (the
        recorded re-PUT kept its Uuid), so it is retried as is. The path sent is the parent
        on v2+ (the server appends the label) and the full path on v1.
        """
        version = self.server_version()
        body = group.to_json(server_appends_label=version.group_put_appends_label)
        data = self.transport.call("PUT", f"/a/user/{_seg(group.label)}", body=body)
        if not isinstance(data, Mapping) or not data.get("Uuid"):
            raise CellsError(
                "Cells accepted the group but returned nothing", subject=f"group:{group.path}"
            )
        return Group.from_json(data, parent_paths=version.group_search_gives_parent_path)

    def delete_group(self, path: str) -> None:
        """Delete a group and everything below it (``DELETE /a/user/<path>/``, recursive and
        asynchronous on v4). Idempotent on Cells (200 for a missing group)."""
        segments = [s for s in path.strip("/").split("/") if s]
        if not segments:
            raise CellsError("refusing to delete the root group", subject="group:/")
        self.transport.call("DELETE", "/a/user/" + "/".join(_seg(s) for s in segments) + "/")

    # ---------------------------------------------------------------- roles
    def search_roles(
        self, queries: Sequence[Mapping[str, Any]] = (), *, operation: str = "OR", page: int = PAGE
    ) -> list[Role]:
        """``POST /a/role`` paged until Total."""
        body: dict[str, Any] = {"Queries": [dict(q) for q in queries]} if queries else {}
        if queries and operation != "OR":
            body["Operation"] = operation
        return [Role.from_json(item) for _, item in self._paged("/a/role", body, ("Roles",), page)]

    def get_role(self, uuid: str) -> Role | None:
        """``GET /a/role/{Uuid}``; None on 404."""
        try:
            data = self.transport.call("GET", f"/a/role/{_seg(uuid)}")
        except CellsNotFound:
            return None
        return Role.from_json(data) if isinstance(data, Mapping) and data else None

    def put_role(self, role: Role) -> Role:
        """Create or update a role (``PUT /a/role/{Uuid}``): an upsert keyed by the body's
        Uuid, so it is re-sent as is after a lost answer."""
        if not role.uuid or not role.label:
            # Cells answers 500 "Role cannot have an empty label" (role-crud.yaml).
            raise CellsError("a role needs a Uuid and a label", subject=f"role:{role.uuid}")
        data = self.transport.call("PUT", f"/a/role/{_seg(role.uuid)}", body=role.to_json())
        return Role.from_json(data if isinstance(data, Mapping) else {})

    def delete_role(self, uuid: str) -> bool:
        """Delete a role (its ACLs go with it); False when it did not exist.

        A missing role answers 403 with "Not Found: cannot find role" (role-crud.yaml), which
        is read as "absent". Retry safety: before re-sending, a 404 on GET means it is gone.
        """
        try:
            self.transport.call(
                "DELETE",
                f"/a/role/{_seg(uuid)}",
                check=lambda: {} if self.get_role(uuid) is None else None,
            )
        except (CellsNotFound, CellsAuthError) as exc:
            if isinstance(exc, CellsNotFound) or "not find" in exc.body.lower():
                return False
            raise
        return True

    # ---------------------------------------------------------------- workspaces
    def search_workspaces(
        self,
        *,
        slug: str | None = None,
        uuid: str | None = None,
        scope: str | None = None,
        page: int = PAGE,
    ) -> list[Workspace]:
        """``POST /a/workspace`` (lowercase query fields, §1.7), paged until Total."""
        query = {k: v for k, v in (("slug", slug), ("uuid", uuid), ("scope", scope)) if v}
        body: dict[str, Any] = {"Queries": [query]} if query else {}
        if len(query) > 1:
            body["Operation"] = "AND"
        items = self._paged("/a/workspace", body, ("Workspaces",), page)
        return [Workspace.from_json(item) for _, item in items]

    def put_workspace(self, workspace: Workspace) -> Workspace:
        """Create or update a workspace (``PUT /a/workspace/{Slug}``, upsert by ``UUID``).

        Retry safety: with a UUID it is re-sent as is. Without one Cells always creates and
        renames a clashing slug to ``slug-1`` (workspace-crud.yaml), so before re-sending the
        slug is searched and a workspace found there is returned.
        """

        def check() -> Json:
            found = self.search_workspaces(slug=workspace.slug)
            return _workspace_json(found[0]) if found else None

        data = self.transport.call(
            "PUT",
            f"/a/workspace/{_seg(workspace.slug)}",
            body=workspace.to_json(),
            check=None if workspace.uuid else check,
        )
        return Workspace.from_json(data if isinstance(data, Mapping) else {})

    def delete_workspace(self, slug: str) -> bool:
        """Delete by slug (its ACLs go with it). Idempotent on Cells; True when a row went."""
        data = self.transport.call("DELETE", f"/a/workspace/{_seg(slug)}")
        return _total(data, "NumRows") > 0

    # ---------------------------------------------------------------- ACLs
    def search_acls(
        self,
        *,
        role_ids: Sequence[str] = (),
        workspace_ids: Sequence[str] = (),
        node_ids: Sequence[str] = (),
        actions: Sequence[str] = (),
    ) -> list[ACL]:
        """``POST /a/acl`` with one query (its fields combine with AND). No default limit."""
        query: dict[str, Any] = {}
        for key, values in (
            ("RoleIDs", role_ids),
            ("WorkspaceIDs", workspace_ids),
            ("NodeIDs", node_ids),
        ):
            if values:
                query[key] = list(values)
        if actions:
            query["Actions"] = [{"Name": a} for a in actions]
        body: dict[str, Any] = {"Queries": [query]} if query else {}
        data = self.transport.call("POST", "/a/acl", body=body)
        items = data.get("ACLs") if isinstance(data, Mapping) else None
        return [ACL.from_json(a) for a in items or () if isinstance(a, Mapping)]

    def find_acl(self, acl: ACL) -> ACL | None:
        """The stored ACL with ``acl``'s unique key (node, action, role, workspace), if any."""
        found = self.search_acls(
            role_ids=[acl.role_id] if acl.role_id else (),
            workspace_ids=[acl.workspace_id] if acl.workspace_id else (),
            node_ids=[acl.node_id] if acl.node_id else (),
            actions=[acl.action],
        )
        return next((a for a in found if a.key == acl.key), None)

    def put_acl(self, acl: ACL) -> ACL:
        """Insert an ACL (``PUT /a/acl``, a plain insert).

        Retry safety: a duplicate insert fails with a 500 after ~11 s (unique key, §1.6), so
        before re-sending the exact ACL is searched and returned when the lost insert landed.
        An ACL without node or without role/workspace is refused here: Cells would store it
        and REST could not remove it (acl-crud.yaml).
        """
        if not acl.action or not acl.node_id or not (acl.role_id or acl.workspace_id):
            raise CellsError(
                "an ACL needs an action, a node and a role or workspace",
                subject=f"acl:{acl.role_id}/{acl.node_id}/{acl.action}",
            )

        def check() -> Json:
            found = self.find_acl(acl)
            return _acl_json(found) if found is not None else None

        data = self.transport.call("PUT", "/a/acl", body=acl.to_json(), check=check)
        return ACL.from_json(data if isinstance(data, Mapping) else {})

    def delete_acls(self, match: ACL, *, broad: bool = False) -> int:
        """``POST /a/acl/bulk/delete`` with ``match`` as the filter; returns NumRows.

        Every non-empty field filters and an empty one matches anything, so a filter without
        action and node is refused unless ``broad`` (e.g. "all ACLs of this role").
        Idempotent: a repeat deletes nothing.
        """
        if not (match.role_id or match.workspace_id or match.node_id):
            raise CellsError("refusing an ACL delete with an empty filter", subject="acl:*")
        if not broad and not (match.action and match.node_id):
            raise CellsError(
                "an ACL delete without action and node matches too much; pass broad=True",
                subject=f"acl:{match.role_id}/{match.workspace_id}",
            )
        data = self.transport.call("POST", "/a/acl/bulk/delete", body=match.to_json())
        return _total(data, "NumRows")


def _total(data: Any, key: str = "Total") -> int:
    if not isinstance(data, Mapping):
        return 0
    try:
        return int(data.get(key) or 0)
    except (TypeError, ValueError):
        return 0


def _user_json(user: User) -> dict[str, Any]:
    return user.to_json()


def _workspace_json(ws: Workspace) -> dict[str, Any]:
    return ws.to_json()


def _acl_json(acl: ACL) -> dict[str, Any]:
    body = acl.to_json()
    body["ID"] = acl.id
    return body
