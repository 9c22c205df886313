"""Static facts of a fresh Cells 3.0.9 Home, as recorded (cells-v3-recordings/)."""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]

BUILD_STAMP = 1795823125
BUILD_REVISION = "45829abcab9274b3127b59ab7373a57b41b12ea0"
PACKAGE_TYPE = "PydioHome"
PACKAGE_LABEL = "Pydio Cells Home Edition"
SERVICES_ONLY_DATA_DIR = "/var/cells/data"

# version-detection.yaml `GET /a/config/ctl`: (name, tag, description, controllable, grpc).
SERVICES: tuple[tuple[str, str, str, bool, bool], ...] = (
    ("pydio.gateway.data", "gateway", "S3 Gateway to tree service", True, True),
    ("pydio.gateway.dav", "gateway", "DAV Gateway to tree service", True, False),
    ("pydio.gateway.grpc.clear", "gateway", "External gRPC Access (clear)", True, True),
    ("pydio.gateway.proxy", "gateway", "Main HTTP proxy for exposing a unique address", True, True),
    ("pydio.gateway.rest", "gateway", "Proxy handler to dispatch REST requests", True, False),
    ("pydio.gateway.websocket", "gateway", "WebSocket server pushing event", True, False),
    ("pydio.gateway.wopi", "gateway", "WOPI REST Gateway to tree service", True, False),
    ("pydio.grpc.acl", "idm", "Access Control List service", True, True),
    ("pydio.grpc.activity", "broker", "Activity Service", True, True),
    ("pydio.grpc.broker", "discovery", "Main service broker", True, True),
    ("pydio.grpc.config", "discovery", "Main service loading configurations", False, True),
    ("pydio.grpc.data.index", "datasource", "Starter for data sources indexes", True, True),
    ("pydio.grpc.data.objects", "datasource", "Starter for different sources objects", True, True),
    ("pydio.grpc.data.sync", "datasource", "Starter for data sources synchronizations", True, True),
    ("pydio.grpc.docstore", "data", "Generic document store", True, True),
    ("pydio.grpc.jobs", "scheduler", "Store for scheduler jobs description", True, True),
    ("pydio.grpc.meta", "data", "Metadata server for tree nodes", True, True),
    ("pydio.grpc.oauth", "idm", "OAuth Provider", True, True),
    ("pydio.grpc.policy", "idm", "Policy Engine Service", True, True),
    ("pydio.grpc.role", "idm", "Roles Service", True, True),
    ("pydio.grpc.tasks", "scheduler", "Tasks are running jobs", True, True),
    ("pydio.grpc.token", "idm", "Personal Access Token Provider", True, True),
    ("pydio.grpc.tree", "data", "Aggregator of all datasources into one master tree", True, True),
    ("pydio.grpc.user", "idm", "Users persistence layer", True, True),
    ("pydio.grpc.user-meta", "idm", "User-defined Metadata", True, True),
    ("pydio.grpc.workspace", "idm", "Workspaces Service", True, True),
    ("pydio.rest.acl", "idm", "RESTFul - Access Control List service", True, False),
    ("pydio.rest.config", "discovery", "Configuration", True, False),
    ("pydio.rest.frontend", "frontend", "REST service for frontend", True, False),
    ("pydio.rest.jobs", "scheduler", "REST gateway to the scheduler service", True, False),
    ("pydio.rest.role", "idm", "REST gateway to role service", True, False),
    ("pydio.rest.tree", "data", "RESTful Gateway to tree service", True, False),
    ("pydio.rest.user", "idm", "RESTful Gateway to users service", True, False),
    ("pydio.rest.workspace", "idm", "RESTful Gateway to workspaces service", True, False),
    ("pydio.web.oauth", "idm", "OAuth Provider", True, False),
)
# Extra peer metadata some services carry (acl, activity, user-meta in the recording).
SERVICE_META: dict[str, JSON] = {
    "pydio.grpc.acl": {"MetaProvider": "stream"},
    "pydio.grpc.activity": {"MetaProvider": "stream"},
    "pydio.grpc.user-meta": {"MetaNsProvider": "list", "MetaProvider": "stream"},
}

# personal-files-template.yaml `GET /a/config/virtualnodes`.
VIRTUAL_NODES: tuple[JSON, ...] = (
    {
        "Uuid": "cells",
        "Path": "cells",
        "Type": "COLLECTION",
        "MetaStore": {
            "contentType": "text/javascript",
            "name": "cells",
            "resolution": "// Default node used as parent for creating empty cells. \n"
            'Path = DataSources.cellsdata + "/" + User.Name;',
        },
    },
    {
        "Uuid": "my-files",
        "Path": "my-files",
        "Type": "COLLECTION",
        "MetaStore": {
            "contentType": "text/javascript",
            "name": "my-files",
            "onDelete": "rename-uuid",
            "resolution": "// Default node used for storing personal users data in "
            "separate folders. \n"
            'Path = DataSources.personal + "/" + User.Name;',
        },
    },
)

# Datasources of a fresh install (index/sync services in the recorded /a/config/ctl).
DEFAULT_DATASOURCES: tuple[tuple[str, bool], ...] = (
    ("cellsdata", False),
    ("personal", False),
    ("pydiods1", False),
    ("thumbnails", True),
    ("versions", True),
)

# Workspaces of a fresh install: (slug, label, description, root uuid, root path).
DEFAULT_WORKSPACES: tuple[tuple[str, str, str, str, str], ...] = (
    ("personal-files", "Personal Files", "User personal data", "my-files", "my-files"),
    ("common-files", "Common Files", "Data shared by all users", "DATASOURCE:pydiods1", "pydiods1"),
)

# Roles of a fresh install: (uuid, label, flags, policies), role-crud.yaml `POST /a/role {}`.
READ_ALL_WRITE_ADMIN = (("READ", "*", "allow"), ("WRITE", "profile:admin", "allow"))
DEFAULT_ROLES: tuple[tuple[str, str, JSON, tuple[tuple[str, str, str], ...]], ...] = (
    ("ROOT_GROUP", "Root Group", {"group_role": True}, READ_ALL_WRITE_ADMIN),
    ("ADMINS", "Administrators", {"auto_applies": ("admin",)}, READ_ALL_WRITE_ADMIN),
    (
        "EXTERNAL_USERS",
        "External Users",
        {"auto_applies": ("shared",)},
        (("READ", "*", "allow"), ("WRITE", "profile:standard", "allow")),
    ),
    ("MINISITE", "Minisite Permissions", {}, READ_ALL_WRITE_ADMIN),
    ("MINISITE_NODOWNLOAD", "Minisite (Download Disabled)", {}, READ_ALL_WRITE_ADMIN),
)


def oidc_configuration(base: str) -> JSON:
    """Hydra's discovery document (auth-oauth2-hydra.yaml), for the emulator's own URL."""
    oidc = f"{base}/oidc"
    return {
        "issuer": f"{oidc}/",
        "authorization_endpoint": f"{oidc}/oauth2/auth",
        "registration_endpoint": base,
        "token_endpoint": f"{oidc}/oauth2/token",
        "jwks_uri": f"{oidc}/.well-known/jwks.json",
        "subject_types_supported": ["public"],
        "response_types_supported": [
            "code",
            "code id_token",
            "id_token",
            "token id_token",
            "token",
            "token id_token code",
        ],
        "claims_supported": [],
        "grant_types_supported": [
            "authorization_code",
            "implicit",
            "client_credentials",
            "refresh_token",
        ],
        "response_modes_supported": ["query", "fragment"],
        # Recorded: the advertised userinfo endpoint is relative (and 404 under /oidc).
        "userinfo_endpoint": "/oauth2/userinfo",
        "scopes_supported": [],
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "client_secret_basic",
            "private_key_jwt",
            "none",
        ],
        "userinfo_signing_alg_values_supported": ["none", "RS256"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "request_parameter_supported": True,
        "request_uri_parameter_supported": True,
        "require_request_uri_registration": True,
        "claims_parameter_supported": False,
        "revocation_endpoint": f"{oidc}/oauth2/revoke",
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "frontchannel_logout_supported": True,
        "frontchannel_logout_session_supported": True,
        "end_session_endpoint": f"{oidc}/oauth2/sessions/logout",
    }


def discovery_endpoints(base: str) -> JSON:
    """``Endpoints`` of ``GET /a/config/discovery`` (version-detection.yaml)."""
    ws = base.replace("http", "ws", 1)
    return {
        "chats": f"{ws}/ws/chat",
        "forms": f"{base}/a/config/discovery/forms/{{serviceName}}",
        "frontend": base,
        "grpc": "0",
        "oidc": f"{base}/auth",
        "openapi": f"{base}/a/config/discovery/openapi",
        "rest": f"{base}/a",
        "s3": f"{base}/io",
        "websocket": f"{ws}/ws/event",
    }
