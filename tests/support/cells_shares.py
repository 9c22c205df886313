"""Shares made in Cells directly through our ``CellsClient`` (test setup), the way the
recordings show they are made (cells-v3-recordings README "Shares"): the admin creates a
link or a cell, lowers its own ``HASH_MIN_LENGTH`` to keep a 6-character Pydio hash, and
hands the share over to the sharer with ``PUT /a/share/policies``.

These bodies are the recorded ones; the shares stage of the tool (issue 15) is what makes
them in a migration. Tests use this to give the audit a Cells side with shares in it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from migrate.cells.client import CellsClient
from migrate.jsontypes import JsonObject, JsonValue

HASH_PARAMETER = "parameter:action.share:HASH_MIN_LENGTH"
ALL_WORKSPACES = "PYDIO_REPO_SCOPE_ALL"


def node_uuid(client: CellsClient, path: str) -> str:
    """The Uuid of an admin-tree path (``<datasource>/<sub>``)."""
    node = client.stat_node(path)
    assert node is not None, path
    return node.uuid


def allow_short_hashes(client: CellsClient, login: str, length: int = 6) -> None:
    """``HASH_MIN_LENGTH`` lowered on ``login``'s own role (share-link-custom-hash.yaml)."""
    user = client.get_user(login)
    assert user is not None, login
    body = {
        "Action": {"Name": HASH_PARAMETER, "Value": str(length)},
        "RoleID": user.uuid,
        "WorkspaceID": ALL_WORKSPACES,
    }
    _call(client, "PUT", "/a/acl", body)  # no NodeID, as recorded: the client's put_acl wants one


def _call(client: CellsClient, method: str, path: str, body: object = None) -> JsonObject:
    data = client.transport.call(method, path, body=body)
    assert isinstance(data, Mapping), data
    return dict(data)


def hand_over(client: CellsClient, share_uuid: str, owner_login: str) -> None:
    """``PUT /a/share/policies``: ``owner_login`` owns the share (share-link-owner.yaml)."""
    owner = client.get_user(owner_login)
    assert owner is not None, owner_login
    current = _call(client, "GET", f"/a/share/link/{share_uuid}").get("Policies")
    hidden = [
        p
        for p in (current if isinstance(current, list) else [])
        if isinstance(p, Mapping)
        and p.get("Action") == "READ"
        and str(p.get("Subject", "")).startswith("user:")
        and p.get("Subject") != "user:admin"
    ]
    policies = [
        {"Resource": share_uuid, "Action": "OWNER", "Subject": owner.uuid, "Effect": "allow"},
        {
            "Resource": share_uuid,
            "Action": "READ",
            "Subject": f"user:{owner_login}",
            "Effect": "allow",
        },
        {
            "Resource": share_uuid,
            "Action": "WRITE",
            "Subject": f"user:{owner_login}",
            "Effect": "allow",
        },
        {"Resource": share_uuid, "Action": "WRITE", "Subject": "profile:admin", "Effect": "allow"},
        *hidden,
    ]
    _call(client, "PUT", "/a/share/policies", {"Uuid": share_uuid, "Policies": policies})


def make_link(
    client: CellsClient,
    *,
    root: str,
    label: str,
    link_hash: str,
    permissions: Sequence[str] = ("Preview", "Download"),
    password: str | None = None,
) -> JsonObject:
    """A public link on node ``root`` answering at ``/public/<link_hash>``; the link as
    ``GET /a/share/link`` gives it back."""
    body: JsonObject = {
        "ShareLink": {
            "Label": label,
            "RootNodes": [{"Uuid": root}],
            "Permissions": list(permissions),
            "ViewTemplateName": "pydio_shared_folder",
        },
        "PasswordEnabled": password is not None,
    }
    if password is not None:
        body["CreatePassword"] = password
    created = _call(client, "PUT", "/a/share/link", body)
    uuid = str(created["Uuid"])
    current = _call(client, "GET", f"/a/share/link/{uuid}")
    update: JsonObject = {
        "ShareLink": current,
        "PasswordEnabled": password is not None,
        "UpdateCustomHash": link_hash,
    }
    _call(client, "PUT", "/a/share/link", update)
    return _call(client, "GET", f"/a/share/link/{uuid}")


def make_cell(client: CellsClient, *, root: str, label: str, members: Mapping[str, str]) -> str:
    """A cell on node ``root`` with ``members`` (login -> ``r``/``rw``); returns its Uuid."""
    acls: JsonObject = {}
    for login, right in members.items():
        user = client.get_user(login)
        assert user is not None, login
        actions: list[JsonValue] = [{"Name": "read", "Value": "1"}]
        if "w" in right:
            actions.append({"Name": "write", "Value": "1"})
        acls[user.uuid] = {"RoleId": user.uuid, "Actions": actions}
    room = {"Label": label, "Description": "", "RootNodes": [{"Uuid": root}], "ACLs": acls}
    return str(_call(client, "PUT", "/a/share/cell", {"Room": room})["Uuid"])


def delete_share(client: CellsClient, kind: str, uuid: str) -> None:
    """``DELETE /a/share/link/<uuid>`` or ``/a/share/cell/<uuid>``."""
    _call(client, "DELETE", f"/a/share/{kind}/{uuid}")
