"""Request body types, checked like Cells' Go/protobuf JSON decoder does.

A value of the wrong JSON type is refused with 500 ``json: cannot unmarshal <kind> into Go
value of type <type>`` (workspace-crud.yaml records it for ``Attributes`` sent as an object).
int64 fields take a number or a numeric string (cells-api.md §0); ``null`` is always accepted;
unknown fields are ignored. Handlers can then trust the types they read.
"""

from __future__ import annotations

from typing import Any

from migrate.cells.emulator.answers import ApiError

# A spec is: "s" string, "b" bool, "i" int64, "e" enum (string or number), "m" map of
# strings, "o" any object, a dict (object with typed fields), or ("l", spec) / ("d", spec)
# for a list / a map of ``spec`` values.
Spec = Any

POLICY: Spec = {
    "id": "e",
    "Resource": "s",
    "Description": "s",
    "Subject": "s",
    "Action": "e",
    "Effect": "e",
    "JsonConditions": "s",
}
NODE: Spec = {
    "Uuid": "s",
    "Path": "s",
    "Type": "e",
    "Size": "i",
    "MTime": "i",
    "Mode": "i",
    "Etag": "s",
    "MetaStore": "m",
}
ROLE: Spec = {
    "Uuid": "s",
    "Label": "s",
    "IsTeam": "b",
    "GroupRole": "b",
    "UserRole": "b",
    "LastUpdated": "i",
    "AutoApplies": ("l", "s"),
    "Policies": ("l", POLICY),
    "PoliciesContextEditable": "b",
    "ForceOverride": "b",
}
USER: Spec = {
    "Uuid": "s",
    "Login": "s",
    "GroupPath": "s",
    "Attributes": "m",
    "Roles": ("l", ROLE),
    "Password": "s",
    "OldPassword": "s",
    "IsGroup": "b",
    "GroupLabel": "s",
    "LastConnected": "i",
    "Policies": ("l", POLICY),
    "PoliciesContextEditable": "b",
}
WORKSPACE: Spec = {
    "UUID": "s",
    "Label": "s",
    "Description": "s",
    "Slug": "s",
    "Scope": "e",
    "LastUpdated": "i",
    "Policies": ("l", POLICY),
    "Attributes": "s",
    "RootUUIDs": ("l", "s"),
    "RootNodes": ("d", NODE),
    "PoliciesContextEditable": "b",
}
ACTION: Spec = {"Name": "s", "Value": "s"}
ACL: Spec = {"ID": "s", "Action": ACTION, "RoleID": "s", "WorkspaceID": "s", "NodeID": "s"}


def search(query: Spec) -> Spec:
    """The common search wrapper around one single-query type."""
    return {
        "Queries": ("l", query),
        "Limit": "i",
        "Offset": "i",
        "Operation": "e",
        "CountOnly": "b",
        "ResourcePolicyQuery": "o",
        "GroupBy": "i",
    }


USER_SEARCH = search(
    {
        "Uuid": "s",
        "Login": "s",
        "GroupPath": "s",
        "Recursive": "b",
        "FullPath": "s",
        "AttributeName": "s",
        "AttributeValue": "s",
        "AttributeAnyValue": "b",
        "HasRole": "s",
        "NodeType": "e",
        "HasProfile": "s",
        "ConnectedSince": "s",
        "not": "b",
    }
)
ROLE_SEARCH = search(
    {
        "Uuid": ("l", "s"),
        "Label": "s",
        "IsTeam": "b",
        "IsGroupRole": "b",
        "IsUserRole": "b",
        "HasAutoApply": "b",
        "not": "b",
    }
)
WORKSPACE_SEARCH = search(
    {
        "uuid": "s",
        "label": "s",
        "description": "s",
        "slug": "s",
        "scope": "e",
        "not": "b",
        "HasAttribute": "s",
        "AttributeName": "s",
        "AttributeValue": "s",
        "LastUpdated": "s",
    }
)
ACL_SEARCH = search(
    {
        "Actions": ("l", ACTION),
        "RoleIDs": ("l", "s"),
        "WorkspaceIDs": ("l", "s"),
        "NodeIDs": ("l", "s"),
        "not": "b",
    }
)
DATASOURCE: Spec = {
    "Name": "s",
    "Disabled": "b",
    "StorageType": "e",
    "StorageConfiguration": "m",
    "ObjectsServiceName": "s",
    "ObjectsHost": "s",
    "ObjectsPort": "i",
    "ObjectsSecure": "b",
    "ObjectsBucket": "s",
    "ObjectsBaseFolder": "s",
    "ApiKey": "s",
    "ApiSecret": "s",
    "PeerAddress": "s",
    "Watch": "b",
    "FlatStorage": "b",
    "SkipSyncOnRestart": "b",
    "EncryptionMode": "e",
    "EncryptionKey": "s",
    "VersioningPolicyName": "s",
    "CreationDate": "i",
    "LastSynchronizationDate": "i",
}
TREE_REQUEST: Spec = {
    "Node": NODE,
    "Recursive": "b",
    "Limit": "i",
    "Offset": "i",
    "NodePaths": ("l", "s"),
    "WithCommits": "b",
}
JOBS_LIST: Spec = {
    "Owner": "s",
    "JobIDs": ("l", "s"),
    "LoadTasks": "e",
    "TasksLimit": "i",
    "EventsOnly": "b",
    "TimersOnly": "b",
    "TaskCursor": "i",
}
JOB_PUT: Spec = {"JobName": "s", "JsonParameters": "s"}
SESSION: Spec = {"AuthInfo": "m", "ClientTime": "i", "Logout": "b"}
SHARE_LINK: Spec = {
    "ShareLink": {
        "Uuid": "s",
        "LinkHash": "s",
        "LinkUrl": "s",
        "Label": "s",
        "Description": "s",
        "UserUuid": "s",
        "UserLogin": "s",
        "PasswordRequired": "b",
        "AccessStart": "i",
        "AccessEnd": "i",
        "MaxDownloads": "i",
        "CurrentDownloads": "i",
        "ViewTemplateName": "s",
        "TargetUsers": "o",
        "RootNodes": ("l", NODE),
        "Permissions": ("l", "e"),
        "Policies": ("l", POLICY),
        "PoliciesContextEditable": "b",
    },
    "PasswordEnabled": "b",
    "CreatePassword": "s",
    "UpdatePassword": "s",
    "UpdateCustomHash": "s",
}
CELL: Spec = {
    "Room": {
        "Uuid": "s",
        "Label": "s",
        "Description": "s",
        "RootNodes": ("l", NODE),
        "ACLs": (
            "d",
            {
                "RoleId": "s",
                "Actions": ("l", ACTION),
                "User": "o",
                "Group": "o",
                "Role": "o",
                "IsUserRole": "b",
            },
        ),
        "Policies": ("l", POLICY),
        "PoliciesContextEditable": "b",
    },
    "CreateEmptyRoot": "b",
}
RESOURCES: Spec = {"Subject": "s", "ShareType": "e", "OwnedBySubject": "b", "OffsetLimit": "o"}
POLICIES: Spec = {"Uuid": "s", "Policies": ("l", POLICY)}
REVOKE: Spec = {"TokenId": "s"}

_GO = {
    "s": "string",
    "b": "bool",
    "i": "int64",
    "e": "enum",
    "m": "map[string]string",
    "o": "object",
}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _fail(value: Any, go_type: str) -> ApiError:
    return ApiError(500, f"json: cannot unmarshal {_kind(value)} into Go value of type {go_type}")


def _scalar_ok(value: Any, spec: str) -> bool:
    if spec == "s":
        return isinstance(value, str)
    if spec == "b":
        return isinstance(value, bool)
    if spec in ("i", "e"):
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return True
        if isinstance(value, str):
            return spec == "e" or value.strip().lstrip("-").isdigit() or not value
        return False
    if spec == "m":
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    return isinstance(value, dict)  # "o"


def check(value: Any, spec: Spec) -> None:
    """Raise the decoder's 500 when ``value`` does not fit ``spec``."""
    if value is None:
        return
    if isinstance(spec, str):
        if not _scalar_ok(value, spec):
            raise _fail(value, _GO[spec])
        return
    if isinstance(spec, tuple):
        container, item = spec
        if container == "l" and not isinstance(value, list):
            raise _fail(value, "[]")
        if container == "d" and not isinstance(value, dict):
            raise _fail(value, "map")
        for element in value if container == "l" else value.values():
            check(element, item)
        return
    if not isinstance(value, dict):
        raise _fail(value, "struct")
    for key, sub in spec.items():
        if key in value:
            check(value[key], sub)
