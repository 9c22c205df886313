"""Share endpoints: public links (``/a/share/link``), cells (``/a/share/cell``), their
policies and the share listing (cells-v3-recordings/README.md "Shares").

Facts that shape these calls (the recordings):

* no caller-chosen ids: every PUT without ``Uuid`` creates (a second link or cell); an
  update sends the object as GET returned it (``UserLogin``, ``UserUuid``, ``LinkHash``
  unchanged) — never a changed ``LinkHash``, which Cells stores as an extra hash without any
  check (the hash-hijack pitfall);
* a link's hash is set by a second PUT with ``UpdateCustomHash`` (403 when shorter than the
  caller's ``HASH_MIN_LENGTH``, 500 ``hash is already in use`` when taken);
* a cell's ``ACLs`` actions need ``Value:"1"``;
* a link is found by its hash through the anonymous public page (``START_REPOSITORY``).

Retry safety: a create cannot be re-sent blindly (it would make a second object), so a
create is sent with a ``check`` that looks for what the lost attempt made.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

from migrate.cells.client import CellsClient
from migrate.cells.models import Policy
from migrate.cells.public import read_public_link
from migrate.errors import CellsError, CellsHTTPError, CellsNotFound
from migrate.jsontypes import JsonValue

Json = dict[str, JsonValue]
HASH_MIN_LENGTH_ACTION = "parameter:action.share:HASH_MIN_LENGTH"
ALL_WORKSPACES = "PYDIO_REPO_SCOPE_ALL"
DEFAULT_HASH_MIN_LENGTH = 12


def _s(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value)


def _roots(data: Mapping[str, Any]) -> tuple[str, ...]:
    nodes = data.get("RootNodes") or []
    return tuple(str(n.get("Uuid") or "") for n in nodes if isinstance(n, Mapping))


def _policies(data: Mapping[str, Any]) -> tuple[Policy, ...]:
    items = data.get("Policies") or []
    return tuple(Policy.from_json(p) for p in items if isinstance(p, Mapping))


def owner_of(policies: Sequence[Policy]) -> str:
    """The Uuid the OWNER policy names ("" when none)."""
    return next((p.subject for p in policies if p.action == "OWNER"), "")


def handed_over(
    policies: Sequence[Policy], *, owner_uuid: str, owner_login: str, caller_login: str
) -> tuple[Policy, ...]:
    """The policies with ownership moved to ``owner``, as recorded (share-link-owner.yaml,
    share-cell-create.yaml): OWNER = the owner's Uuid, the caller's READ/WRITE
    ``user:<caller>`` become ``user:<owner>``; the rest (``WRITE profile:admin``, the hidden
    link user's READ, the cell members' READ) is kept, in order."""
    out: list[Policy] = []
    for p in policies:
        if p.action == "OWNER":
            p = replace(p, subject=owner_uuid)
        elif p.subject == f"user:{caller_login}" and p.action in ("READ", "WRITE"):
            p = replace(p, subject=f"user:{owner_login}")
        if p not in out:
            out.append(p)
    return tuple(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class ShareLink:
    """A public link as Cells holds it (``raw``: the object as GET returned it, for updates)."""

    uuid: str = ""
    link_hash: str = ""
    label: str = ""
    description: str = ""
    root_nodes: tuple[str, ...] = ()
    permissions: tuple[str, ...] = ()
    access_end: str = ""
    max_downloads: str = ""
    template: str = ""
    password_required: bool = False
    user_login: str = ""
    user_uuid: str = ""
    policies: tuple[Policy, ...] = ()
    raw: Json = field(default_factory=dict, compare=False, repr=False)

    @property
    def owner(self) -> str:
        """The owner's Uuid."""
        return owner_of(self.policies)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ShareLink:
        """Parse a ``/a/share/link`` answer."""
        perms = data.get("Permissions") or []
        return cls(
            uuid=_s(data, "Uuid"),
            link_hash=_s(data, "LinkHash"),
            label=_s(data, "Label"),
            description=_s(data, "Description"),
            root_nodes=_roots(data),
            permissions=tuple(str(p) for p in perms),
            access_end="" if _s(data, "AccessEnd") in ("", "0") else _s(data, "AccessEnd"),
            max_downloads="" if _s(data, "MaxDownloads") in ("", "0") else _s(data, "MaxDownloads"),
            template=_s(data, "ViewTemplateName"),
            password_required=bool(data.get("PasswordRequired")),
            user_login=_s(data, "UserLogin"),
            user_uuid=_s(data, "UserUuid"),
            policies=_policies(data),
            raw={k: v for k, v in data.items() if isinstance(k, str)},
        )

    def body(self) -> Json:
        """The ``ShareLink`` object to send. An update is the object as GET returned it
        (``UserLogin``, ``UserUuid``, ``LinkHash``, policies unchanged: never a changed
        hash, the hijack pitfall) with our managed fields; a create only those fields."""
        out: Json = dict(self.raw) if self.uuid else {}
        managed: Json = {"Label": self.label}
        if self.description or self.uuid:
            managed["Description"] = self.description
        managed["RootNodes"] = [{"Uuid": u} for u in self.root_nodes]
        managed["Permissions"] = list(self.permissions)
        for key, value in (("AccessEnd", self.access_end), ("MaxDownloads", self.max_downloads)):
            if value:
                managed[key] = value
            else:
                out.pop(key, None)
        managed["ViewTemplateName"] = self.template
        out.update(managed)
        if self.uuid:
            out["Uuid"] = self.uuid
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class ShareCell:
    """A cell (shared room) as Cells holds it: ``acls`` role → granted actions (Value "1")."""

    uuid: str = ""
    label: str = ""
    description: str = ""
    root_nodes: tuple[str, ...] = ()
    acls: tuple[tuple[str, tuple[str, ...]], ...] = ()
    policies: tuple[Policy, ...] = ()

    @property
    def owner(self) -> str:
        """The owner's Uuid."""
        return owner_of(self.policies)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ShareCell:
        """Parse a ``/a/share/cell`` answer (only actions with a value count)."""
        acls: dict[str, tuple[str, ...]] = {}
        raw = data.get("ACLs") or {}
        for key, value in raw.items() if isinstance(raw, Mapping) else ():
            if not isinstance(value, Mapping):
                continue
            role = str(value.get("RoleId") or key)
            actions = value.get("Actions") or []
            granted = sorted(
                str(a.get("Name"))
                for a in actions
                if isinstance(a, Mapping) and str(a.get("Value") or "") not in ("", "0")
            )
            acls[role] = tuple(granted)
        return cls(
            uuid=_s(data, "Uuid"),
            label=_s(data, "Label"),
            description=_s(data, "Description"),
            root_nodes=_roots(data),
            acls=tuple(sorted(acls.items())),
            policies=_policies(data),
        )

    def body(self) -> Json:
        """The ``Room`` object to send (``Value:"1"`` on every action)."""
        out: Json = {
            "Label": self.label,
            "Description": self.description,
            "RootNodes": [{"Uuid": u} for u in self.root_nodes],
            "ACLs": {
                role: {"RoleId": role, "Actions": [{"Name": a, "Value": "1"} for a in actions]}
                for role, actions in self.acls
            },
        }
        if self.uuid:
            out["Uuid"] = self.uuid
        return out


def _gone(exc: CellsHTTPError) -> bool:
    """404, or the 500 ``Cannot find workspace`` / ``Cannot find link`` of an unknown Uuid."""
    return isinstance(exc, CellsNotFound) or (
        exc.status == 500 and "cannot find" in exc.message.lower()
    )


def get_link(client: CellsClient, uuid: str) -> ShareLink | None:
    """``GET /a/share/link/{Uuid}``; None when there is no such link."""
    try:
        data = client.transport.call("GET", f"/a/share/link/{quote(uuid, safe='')}")
    except CellsHTTPError as exc:
        if _gone(exc):
            return None
        raise
    return ShareLink.from_json(data) if isinstance(data, Mapping) and data.get("Uuid") else None


def link_by_hash(client: CellsClient, link_hash: str) -> ShareLink | None:
    """The link at ``/public/<hash>`` (None when the page is 404: no link, expired, or its
    download limit is reached)."""
    page = read_public_link(client, link_hash)
    if page is None or not page.workspace:
        return None
    return get_link(client, page.workspace)


def put_link(
    client: CellsClient,
    link: ShareLink,
    *,
    password: str | None = None,
    update_password: bool = False,
    custom_hash: str = "",
    check: Callable[[], JsonValue] | None = None,
) -> ShareLink:
    """``PUT /a/share/link``: create (no Uuid) or update. ``password`` with
    ``PasswordEnabled`` (``CreatePassword`` on create, ``UpdatePassword`` when
    ``update_password``); ``custom_hash`` as ``UpdateCustomHash``."""
    body: Json = {"ShareLink": link.body()}
    if password is not None:
        body["PasswordEnabled"] = True
        body["UpdatePassword" if update_password else "CreatePassword"] = password
    elif link.password_required:
        body["PasswordEnabled"] = True  # keep the one it has
    else:
        body["PasswordEnabled"] = False
    if custom_hash:
        body["UpdateCustomHash"] = custom_hash
    data = client.transport.call("PUT", "/a/share/link", body=body, check=check)
    if not isinstance(data, Mapping) or not data.get("Uuid"):
        raise CellsError("Cells accepted the link but returned nothing", subject="share:link")
    return ShareLink.from_json(data)


def delete_link(client: CellsClient, uuid: str) -> bool:
    """``DELETE /a/share/link/{Uuid}`` (its hidden user goes too); False when gone already."""
    try:
        client.transport.call("DELETE", f"/a/share/link/{quote(uuid, safe='')}")
    except CellsHTTPError as exc:
        if _gone(exc):
            return False
        raise
    return True


def get_cell(client: CellsClient, uuid: str) -> ShareCell | None:
    """``GET /a/share/cell/{Uuid}``; None when there is no such cell."""
    try:
        data = client.transport.call("GET", f"/a/share/cell/{quote(uuid, safe='')}")
    except CellsHTTPError as exc:
        if _gone(exc):
            return None
        raise
    return ShareCell.from_json(data) if isinstance(data, Mapping) and data.get("Uuid") else None


def put_cell(
    client: CellsClient, cell: ShareCell, *, check: Callable[[], JsonValue] | None = None
) -> ShareCell:
    """``PUT /a/share/cell``: create (no Uuid: always a new cell) or update by Uuid."""
    data = client.transport.call("PUT", "/a/share/cell", body={"Room": cell.body()}, check=check)
    if not isinstance(data, Mapping) or not data.get("Uuid"):
        raise CellsError("Cells accepted the cell but returned nothing", subject="share:cell")
    return ShareCell.from_json(data)


def delete_cell(client: CellsClient, uuid: str) -> bool:
    """``DELETE /a/share/cell/{Uuid}`` (the folder stays); False when gone already."""
    try:
        client.transport.call("DELETE", f"/a/share/cell/{quote(uuid, safe='')}")
    except CellsHTTPError as exc:
        if _gone(exc):
            return False
        raise
    return True


def put_policies(client: CellsClient, uuid: str, policies: Sequence[Policy]) -> None:
    """``PUT /a/share/policies``: replace a link's or cell's policies (the hand-over)."""
    client.transport.call(
        "PUT",
        "/a/share/policies",
        body={"Uuid": uuid, "Policies": [{"Resource": uuid, **p.to_json()} for p in policies]},
    )


def list_cells(client: CellsClient) -> list[str]:
    """Uuids of the cells the caller can read (``POST /a/share/resources`` CELLS): the
    cells this tool created (the admin that creates a cell stays one of its members)."""
    data = client.transport.call("POST", "/a/share/resources", body={"ShareType": "CELLS"})
    out: list[str] = []
    resources = data.get("Resources") if isinstance(data, Mapping) else None
    for res in resources or []:
        if isinstance(res, Mapping):
            for cell in res.get("Cells") or []:
                if isinstance(cell, Mapping) and cell.get("Uuid"):
                    out.append(str(cell["Uuid"]))
    return sorted(set(out))


def hash_min_length(client: CellsClient, role_id: str) -> int | None:
    """The ``HASH_MIN_LENGTH`` parameter ACL on ``role_id`` (None when it has none)."""
    query = {"RoleIDs": [role_id], "Actions": [{"Name": HASH_MIN_LENGTH_ACTION}]}
    data = client.transport.call("POST", "/a/acl", body={"Queries": [query]})
    items = data.get("ACLs") if isinstance(data, Mapping) else None
    for item in items or []:
        action = item.get("Action") if isinstance(item, Mapping) else None
        if isinstance(action, Mapping) and item.get("WorkspaceID") == ALL_WORKSPACES:
            try:
                return int(str(action.get("Value") or "").strip('"'))
            except ValueError:
                return None
    return None


def set_hash_min_length(client: CellsClient, role_id: str, length: int) -> None:
    """Set the ``HASH_MIN_LENGTH`` parameter of ``role_id`` to ``length`` (recorded in
    share-link-custom-hash.yaml: an ACL on workspace ``PYDIO_REPO_SCOPE_ALL``, no node)."""
    reset_hash_min_length(client, role_id, None)
    body = {
        "Action": {"Name": HASH_MIN_LENGTH_ACTION, "Value": str(length)},
        "RoleID": role_id,
        "WorkspaceID": ALL_WORKSPACES,
    }
    client.transport.call("PUT", "/a/acl", body=body)


def reset_hash_min_length(client: CellsClient, role_id: str, length: int | None) -> None:
    """Put ``role_id``'s ``HASH_MIN_LENGTH`` back to ``length`` (None: remove it)."""
    if hash_min_length(client, role_id) is not None:
        match = {
            "Action": {"Name": HASH_MIN_LENGTH_ACTION},
            "RoleID": role_id,
            "WorkspaceID": ALL_WORKSPACES,
        }
        client.transport.call("POST", "/a/acl/bulk/delete", body=match)
    if length is not None:
        set_hash_min_length(client, role_id, length)


def own_link_on(client: CellsClient, root: str, label: str) -> ShareLink | None:
    """A link the caller owns on node ``root`` with ``label`` (``POST /a/share/resources``
    LINKS, owned): what a create whose answer was lost made. Cells lists one link per node,
    so this finds it only when it is the node's listed one."""
    body = {"ShareType": "LINKS", "OwnedBySubject": True}
    data = client.transport.call("POST", "/a/share/resources", body=body)
    resources = data.get("Resources") if isinstance(data, Mapping) else None
    for res in resources or []:
        if not isinstance(res, Mapping):
            continue
        node, link = res.get("Node"), res.get("Link")
        if not isinstance(node, Mapping) or not isinstance(link, Mapping):
            continue
        if node.get("Uuid") == root and link.get("Label") == label and link.get("Uuid"):
            return get_link(client, str(link["Uuid"]))
    return None


def cell_on(client: CellsClient, root: str, label: str) -> ShareCell | None:
    """The cell the caller can list on node ``root`` with ``label`` (a re-run's lookup)."""
    for uuid in list_cells(client):
        cell = get_cell(client, uuid)
        if cell is not None and cell.root_nodes == (root,) and cell.label == label:
            return cell
    return None


def cell_json(cell: ShareCell) -> Json:
    """A cell as Cells answers it (what a retried create returns when it had landed)."""
    out = cell.body()
    out["Policies"] = [dict(p.to_json()) for p in cell.policies]
    return out
