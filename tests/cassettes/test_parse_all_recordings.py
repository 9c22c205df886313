"""Every recorded answer of an endpoint the client models parses into its typed objects.

Shares are a later stage: their answers are only checked to be JSON with the ids a later
share loader will need.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from migrate.cells.models import ACL, Group, Policy, Role, User, Workspace
from migrate.cells.password_auth import _session_token
from migrate.cells.storage import DataSource, Job, Node, Service
from migrate.cells.version import ServerVersion

pytestmark = pytest.mark.cassette
RECORDINGS = Path(__file__).parent / "recordings"
CASSETTES = sorted(p.name for p in RECORDINGS.glob("*.yaml"))


def _people(data: dict[str, Any]) -> list[object]:
    found: list[object] = [User.from_json(u) for u in data.get("Users", [])]
    found += [Group.from_json(g) for g in data.get("Groups", [])]
    if data.get("IsGroup"):
        found.append(Group.from_json(data))
    elif data.get("Uuid"):
        found.append(User.from_json(data))
    return found


def _ids(objects: list[object]) -> list[str]:
    return [
        str(getattr(o, "uuid", "") or getattr(o, "id", "") or getattr(o, "name", ""))
        for o in objects
    ]


PARSERS: list[tuple[str, str, Callable[[dict[str, Any]], list[object]]]] = [
    ("GET|PUT|POST", r"^/a/user(/[^/]+)?$", _people),
    ("PUT", r"^/a/user/roles/", _people),
    ("GET|PUT", r"^/a/role/", lambda d: [Role.from_json(d)] if d.get("Label") else []),
    ("POST", r"^/a/role$", lambda d: [Role.from_json(r) for r in d.get("Roles", [])]),
    ("PUT", r"^/a/workspace/", lambda d: [Workspace.from_json(d)]),
    (
        "POST",
        r"^/a/workspace$",
        lambda d: [Workspace.from_json(w) for w in d.get("Workspaces", [])],
    ),
    ("PUT", r"^/a/acl$", lambda d: [ACL.from_json(d)]),
    ("POST", r"^/a/acl$", lambda d: [ACL.from_json(a) for a in d.get("ACLs", [])]),
    ("GET|POST", r"^/a/config/datasource/.", lambda d: [DataSource.from_json(d)]),
    ("POST", r"^/a/tree/admin/stat$", lambda d: [Node.from_json(d["Node"])]),
    ("POST", r"^/a/tree/admin/list$", lambda d: [Node.from_json(n) for n in d.get("Children", [])]),
    ("GET", r"^/a/config/virtualnodes$", lambda d: [Node.from_json(n) for n in d["Children"]]),
    ("GET", r"^/a/config/ctl$", lambda d: [Service.from_json(s) for s in d["Services"]]),
    ("POST", r"^/a/jobs/user$", lambda d: [Job.from_json(j) for j in d.get("Jobs", [])]),
]


def _parse(method: str, path: str, data: Any) -> list[object] | None:
    for methods, pattern, parser in PARSERS:
        if method in methods.split("|") and re.search(pattern, path) and isinstance(data, dict):
            return parser(data)
    return None


@pytest.mark.parametrize("name", CASSETTES)
def test_every_modelled_answer_parses(name: str) -> None:
    interactions = yaml.safe_load((RECORDINGS / name).read_text(encoding="utf-8"))["interactions"]
    parsed = 0
    for item in interactions:
        request, response = item["request"], item["response"]
        if response["status"]["code"] != 200:
            continue
        path = urlsplit(request["uri"]).path  # batch 4 was recorded on port 8380
        text = response["body"]["string"] or ""
        if path.startswith("/a/share/"):
            data = json.loads(text) if text.strip() else {}
            assert isinstance(data, dict)
            if request["method"] == "PUT" and data:
                # links/cells answer the object; PUT /a/share/policies answers Success+Policies
                policies = [Policy.from_json(p) for p in data.get("Policies", [])]
                assert data.get("Uuid") or (data.get("Success") and policies), name
                assert all(p.subject and p.action for p in policies)
            parsed += 1
            continue
        if path == "/a/frontend/session" and text.strip().startswith("{"):
            data = json.loads(text)
            assert _session_token(data, 0.0) is not None or set(data) <= {"RedirectTo"}
            parsed += 1
            continue
        if path == "/a/config/discovery":
            version = ServerVersion.from_discovery(json.loads(text))
            assert version.version in ("", "3.0.9")
            parsed += 1
            continue
        if not text.strip().startswith("{"):
            continue
        objects = _parse(request["method"], path, json.loads(text))
        if objects is None:
            continue
        assert all(_ids(objects)), f"{name}: {request['method']} {path} parsed without ids"
        parsed += 1
    assert parsed > 0, f"{name}: nothing the client models"
