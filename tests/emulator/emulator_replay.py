"""Replays recorded Cells interactions against the emulator and compares answer shapes.

Recorded ids (UUIDs, hex challenges, scrubbed ``<PLACEHOLDER>`` tokens) are learned from
the emulator's answers at the same place in the JSON and substituted into later requests.
This module is test tooling: it shares nothing with ``migrate.cells.client``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
import yaml

from migrate.cells.emulator import EmulatorServer

HERE = Path(__file__).resolve().parent
RECORDINGS = HERE.parent / "cassettes" / "recordings"
if not RECORDINGS.is_dir():
    RECORDINGS = Path("/work/shared/cells-v3-recordings")
# Batches 1-3 were recorded at 8080 with legacy folders under /srv/cells/legacy-files,
# batch 4 at 8380 with folders under /srv/legacy and an S3 server at 9500 (README).
RECORDED_BASES = ("http://127.0.0.1:8080", "http://127.0.0.1:8380")
RECORDED_DATA = "/srv/cells/legacy-files"
RECORDED_LEGACY = "/srv/legacy"
RECORDED_S3 = "http://127.0.0.1:9500"
ID_RE = re.compile(
    r"\A(<[A-Z_0-9]+>|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})\Z"
)
UUID_RE = re.compile(r"\A[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
# The start parameters of a ``/public/<hash>`` page (HTML) that must be the same.
START_PARAMS = re.compile(
    r'"(MINISITE|START_REPOSITORY|PRELOG_USER|PRESET_LOGIN|PASSWORD_AUTH_ONLY)"'
)
# Keys whose recorded values must come back equal (after id translation), not just present.
VALUE_KEYS = frozenset(
    {
        "Slug",
        "Path",
        "Uuid",
        "UUID",
        "Attributes",
        "AutoApplies",
        "GroupPath",
        "Login",
        "GroupLabel",
        "Label",
        "Title",
        "Success",
        "NumRows",
        "Status",
        "IsGroup",
        "IsTeam",
        "UserRole",
        "GroupRole",
        "ForceOverride",
        "Scope",
        "Name",
        "Value",
        "RoleID",
        "WorkspaceID",
        "NodeID",
        "Type",
        "error",
        "JobUuid",
        "profile",
        "displayName",
        "Version",
    }
)
# Keys whose values are lists of records, aligned by a natural key to learn ids.
ALIGN_KEYS = ("Path", "Login", "GroupLabel", "Slug", "Name", "Label", "JobID")


def load(name: str) -> list[dict[str, Any]]:
    """The interactions of one cassette."""
    with (RECORDINGS / name).open(encoding="utf-8") as fh:
        return list(yaml.safe_load(fh)["interactions"])


def shape(value: Any) -> Any:
    """JSON key sets, recursively; list elements are merged; leaves are just ``.``."""
    if isinstance(value, dict):  # map keys that are ids (RootNodes) compare as "<id>"
        return {("<id>" if ID_RE.match(k) else k): shape(v) for k, v in value.items()}
    if isinstance(value, list):
        merged: Any = None
        for item in value:
            merged = merge(merged, shape(item))
        return ["list", merged]
    return "."


def merge(a: Any, b: Any) -> Any:
    """Union of two shapes."""
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: merge(a.get(k), b.get(k)) for k in sorted(set(a) | set(b))}
    if isinstance(a, list) and isinstance(b, list):
        return ["list", merge(a[1], b[1])]
    return a


def diff_shapes(want: Any, got: Any, where: str = "$") -> list[str]:
    """Differences between a recorded and an emulated shape (empty list = same shape)."""
    if want is None or got is None:
        return []  # an empty list on one side tells nothing about its elements
    if isinstance(want, dict) and isinstance(got, dict):
        out = [f"{where}: missing key {k!r}" for k in sorted(set(want) - set(got))]
        out += [f"{where}: extra key {k!r}" for k in sorted(set(got) - set(want))]
        for key in sorted(set(want) & set(got)):
            out += diff_shapes(want[key], got[key], f"{where}.{key}")
        return out
    if isinstance(want, list) and isinstance(got, list):
        return diff_shapes(want[1], got[1], f"{where}[]")
    if type(want) is not type(got):
        return [f"{where}: recorded {type(want).__name__}, emulated {type(got).__name__}"]
    return []


class FakeClock:
    """The emulator's clock, moved by the replay where the recording shows time passing."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Outcome:
    """What one replayed interaction gave."""

    index: int
    method: str
    path: str
    want_status: int
    got_status: int
    problems: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)


class Replayer:
    """Replays cassettes, in order, against one emulator."""

    def __init__(self, emu: EmulatorServer, data_dir: Path, s3_url: str | None = None) -> None:
        self.emu = emu
        self.data_dir = data_dir
        self.s3_url = s3_url
        self.ids: dict[str, str] = {"<ADMIN_PASSWORD>": emu.config.admin_password}
        self.admin = emu.mint_pat(emu.config.admin_login)
        self.expired = emu.mint_pat(emu.config.admin_login, ttl_s=-1.0)
        self.sessions: list[str] = []
        self.by_login: dict[str, str] = {}
        self.oauth: list[str] = []
        self.cookie: str | None = None
        self.http = requests.Session()
        # Where ``Path`` values are not compared: node paths of share answers, which Cells
        # gives through one of the caller's workspaces, a different one between calls (so
        # the ``ws_root`` meta that a path at a workspace root carries may differ too).
        self.loose_paths: tuple[str, ...] = ()

    # substitution ---------------------------------------------------------------------
    def translate(self, text: str) -> str:
        """Recorded ids and paths -> the emulator's."""
        for base in RECORDED_BASES:
            text = text.replace(base, self.emu.url)
        text = text.replace(RECORDED_DATA, str(self.data_dir))
        text = text.replace(RECORDED_LEGACY, str(self.data_dir / "legacy"))
        if self.s3_url is not None:
            text = text.replace(RECORDED_S3, self.s3_url)
        for old in sorted(self.ids, key=len, reverse=True):
            if old in text:
                text = text.replace(old, self.ids[old])
        return text

    def compare_values(self, want: Any, got: Any, where: str = "$") -> list[str]:
        """Recorded values of ``VALUE_KEYS`` that the emulator answered differently."""
        out: list[str] = []
        if (
            isinstance(want, dict)
            and isinstance(got, dict)
            and isinstance(want.get("ACLs"), dict)
            and isinstance(got.get("ACLs"), dict)
        ):
            # a cell's members: role id -> actions (name, value), compared as a whole
            w_cell = {self.translate(k): _actions(v) for k, v in want["ACLs"].items()}
            g_cell = {k: _actions(v) for k, v in got["ACLs"].items()}
            if w_cell != g_cell:
                out.append(f"{where}.ACLs: {g_cell} != recorded {w_cell}")
            rest_w = {k: v for k, v in want.items() if k != "ACLs"}
            rest_g = {k: v for k, v in got.items() if k != "ACLs"}
            out += self.compare_values(rest_w, rest_g, where)
        elif isinstance(want, dict) and isinstance(got, dict) and "ACLs" in want and "ACLs" in got:
            # ACLs have no natural key and come back in DB order: compare them as multisets.
            w_set = sorted(self._acl_key(a, translate=True) for a in want["ACLs"])
            g_set = sorted(self._acl_key(a, translate=False) for a in got["ACLs"])
            if w_set != g_set:
                out.append(f"{where}.ACLs: {g_set} != recorded {w_set}")
        elif isinstance(want, dict) and isinstance(got, dict):
            for key in set(want) & set(got):
                w, g = want[key], got[key]
                if key == "Attributes" and isinstance(w, str) and isinstance(g, str):
                    if _json(w) != _json(g):  # a workspace's JSON string: compare parsed
                        out.append(f"{where}.{key}: {g!r} != recorded {w!r}")
                elif key == "Path" and where.startswith(self.loose_paths):
                    continue  # Cells picks one of the caller's workspaces (see loose_paths)
                elif key in VALUE_KEYS and (
                    not isinstance(w, (dict, list)) or key == "AutoApplies"
                ):
                    w = self.translate(w) if isinstance(w, str) else w
                    if w != g:
                        out.append(f"{where}.{key}: {g!r} != recorded {w!r}")
                else:
                    out += self.compare_values(w, g, f"{where}.{key}")
        elif isinstance(want, list) and isinstance(got, list):
            for w, g in self._align(want, got):
                out += self.compare_values(w, g, f"{where}[]")
        return out

    def _acl_key(self, acl: dict[str, Any], *, translate: bool) -> tuple[str, ...]:
        action = acl.get("Action") or {}
        fields = (
            action.get("Name", ""),
            action.get("Value", ""),
            acl.get("RoleID", ""),
            acl.get("WorkspaceID", ""),
            acl.get("NodeID", ""),
        )
        return tuple(self.translate(str(f)) if translate else str(f) for f in fields)

    def learn(self, want: Any, got: Any) -> None:
        """Map recorded id-like leaves to the emulator's values at the same place."""
        if isinstance(want, dict) and isinstance(got, dict):
            for key in set(want) & set(got):
                self.learn(want[key], got[key])
            link_hash, new_hash = want.get("LinkHash"), got.get("LinkHash")
            if isinstance(link_hash, str) and isinstance(new_hash, str) and link_hash != new_hash:
                self.ids.setdefault(link_hash, new_hash)  # a random link hash (12 or 6 hex)
        elif isinstance(want, list) and isinstance(got, list):
            for w, g in self._align(want, got):
                self.learn(w, g)
        elif isinstance(want, str) and isinstance(got, str) and want != got:
            if ID_RE.match(want) and want not in self.ids:
                self.ids[want] = got
                if UUID_RE.match(want) and UUID_RE.match(got):
                    # a link's hidden user is named after 16 hex characters of its Uuid
                    self.ids.setdefault(_login_of(want), _login_of(got))
            elif "?" in want and "?" in got:  # a URL: learn its query values (code, state)
                w, g = parse_qs(urlsplit(want).query), parse_qs(urlsplit(got).query)
                for key in set(w) & set(g):
                    self.learn(w[key][0], g[key][0])

    @staticmethod
    def _align(want: list[Any], got: list[Any]) -> list[tuple[Any, Any]]:
        for key in ALIGN_KEYS:
            if (
                want
                and all(isinstance(x, dict) and key in x for x in want + got)
                and len({x[key] for x in want}) == len(want)  # a key two records share
            ):
                index = {x[key]: x for x in got}
                return [(w, index[w[key]]) for w in want if w[key] in index]
        return list(zip(want, got, strict=False))

    # one interaction ---------------------------------------------------------------
    def token(self, kind: str) -> str | None:
        """The bearer for a token kind of the TOKENS table (default: the admin PAT)."""
        if kind.startswith("login:"):
            return self.by_login[kind[6:]]
        choices = {
            "admin": self.admin,
            "session": self.sessions[-1] if self.sessions else None,
            "session-prev": self.sessions[-2] if len(self.sessions) > 1 else None,
            "oauth": self.oauth[-1] if self.oauth else None,
            "oauth-prev": self.oauth[-2] if len(self.oauth) > 1 else None,
            "garbage": "garbage-token",
            "expired": self.expired,
        }
        return choices[kind]

    def send(self, item: dict[str, Any], kind: str | None) -> requests.Response:
        """Send one recorded request, translated, with the chosen credentials."""
        req = item["request"]
        uri = self.translate(req["uri"])
        body = req.get("body") or ""
        if isinstance(body, dict):
            body = body.get("string") or ""
        body = self.translate(body)
        rec_headers = {k.lower(): v[0] for k, v in (req.get("headers") or {}).items()}
        headers = {"Content-Type": rec_headers.get("content-type", "application/json")}
        if "authorization" in rec_headers:
            token = self.token(kind or "admin")
            if token is not None:
                headers["Authorization"] = f"Bearer {token}"
        if "x-pydio-minisite" in rec_headers:  # a link visitor's login (share-link-password)
            headers["X-Pydio-Minisite"] = self.translate(rec_headers["x-pydio-minisite"])
        if "cookie" in rec_headers and self.cookie:
            headers["Cookie"] = f"pydio={self.cookie}"
        if "/oidc/oauth2/auth" in uri:
            uri = self._pkce(uri)
        resp = self.http.request(
            req["method"],
            uri,
            data=body.encode(),
            headers=headers,
            allow_redirects=False,
            timeout=30,
        )
        self.http.cookies.clear()  # the recorded Cookie header decides what is sent
        return resp

    def _pkce(self, uri: str) -> str:
        """Replace the recorded PKCE challenge with one whose verifier we know."""
        verifier = secrets.token_urlsafe(32)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        self.ids["<CODE_VERIFIER_1>"] = verifier
        return re.sub(
            r"code_challenge=[^&]+", f"code_challenge={challenge.rstrip(b'=').decode()}", uri
        )

    def replay(self, item: dict[str, Any], index: int, kind: str | None) -> Outcome:
        """Send, compare status and shape, learn ids and tokens."""
        resp = self.send(item, kind)
        rec = item["response"]
        out = Outcome(
            index=index,
            method=item["request"]["method"],
            path=urlsplit(item["request"]["uri"]).path,
            want_status=rec["status"]["code"],
            got_status=resp.status_code,
        )
        if out.want_status != out.got_status:
            out.problems.append(f"status {out.got_status} != recorded {out.want_status}")
        want = _json(rec["body"].get("string") or "")
        got = _json(resp.text)
        if (want is None) != (got is None):
            out.problems.append("one answer is JSON, the other is not")
        elif want is not None:
            out.problems += [
                p
                for p in diff_shapes(shape(want), shape(got))
                if not (p.startswith(self.loose_paths) and p.endswith("key 'ws_root'"))
            ]
            self.learn(want, got)
            out.values = self.compare_values(want, got)
        elif out.path.startswith("/public/"):
            want_params = sorted(set(START_PARAMS.findall(rec["body"].get("string") or "")))
            got_params = sorted(set(START_PARAMS.findall(resp.text)))
            if want_params != got_params:
                out.problems.append(f"start parameters {got_params} != recorded {want_params}")
        if out.want_status == 302:
            self.learn(rec["headers"].get("Location", [""])[0], resp.headers.get("Location", ""))
        self._remember(item, resp, got)
        return out

    def _remember(self, item: dict[str, Any], resp: requests.Response, got: Any) -> None:
        if resp.cookies.get("pydio"):
            self.cookie = resp.cookies["pydio"]
        if not isinstance(got, dict):
            return
        if "JWT" in got:
            self.sessions.append(got["JWT"])
            body = _json(self.translate(item["request"].get("body") or "")) or {}
            login = (body.get("AuthInfo") or {}).get("login")
            if login:
                self.by_login[login] = got["JWT"]
        if "access_token" in got:
            self.oauth.append(got["access_token"])


def _actions(member: Any) -> list[tuple[str, str]]:
    actions = member.get("Actions") if isinstance(member, dict) else None
    return sorted(
        (str(a.get("Name", "")), str(a.get("Value", "")))
        for a in actions or ()
        if isinstance(a, dict)
    )


def _login_of(uuid: str) -> str:
    return uuid.replace("-", "")[:16]


def _json(text: str) -> Any:
    try:
        return json.loads(text) if text.strip() else None
    except ValueError:
        return None


def build_legacy_tree(root: Path) -> None:
    """Recreate the recorded legacy folders (from the recorded recursive admin lists)."""
    for cassette, index, folder in (
        ("datasource-structured-create.yaml", 7, "rec-ds1"),
        ("datasource-readiness.yaml", 14, "rec2-ds"),
    ):
        listing = json.loads(load(cassette)[index]["response"]["body"]["string"])
        base = root / folder
        base.mkdir(parents=True, exist_ok=True)
        for node in listing.get("Children", []):
            rel = node["Path"].split("/", 1)[1]
            if rel.endswith(".pydio"):
                continue  # written by Cells itself, not part of the legacy tree
            target = base / rel
            if node["Type"] == "COLLECTION":
                target.mkdir(parents=True, exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(b"x" * int(node.get("Size", "0")))


def build_batch4_tree(root: Path) -> None:
    """The folders of the fourth batch under ``root/legacy`` (README "Object services,
    missing nodes, S3"): two siblings with content, the folders the nested-root cases point
    at (they exist: Cells checks the folder before the nesting), a read-only case, and two
    regular files where a folder is expected (``f/afile``; ``b/big`` stands for the recorded
    datasource whose objects service never started: the emulator gives both the same
    never-served answers)."""
    legacy = root / "legacy"
    for folder in ("a/one/Docs", "a/two/Pics", "a/sub/inner", "top", "ro/data/Sub", "m", "f", "b"):
        (legacy / folder).mkdir(parents=True, exist_ok=True)
    (legacy / "a/one/top.txt").write_bytes(b"top\n")
    (legacy / "ro/data/Sub/kept.txt").write_bytes(b"x" * 38)  # the recorded Sub held 38 bytes
    (legacy / "a/one/Docs/readme.txt").write_bytes(b"docs\n")
    (legacy / "a/two/Pics/p1.jpg").write_bytes(b"jpg\n")
    (legacy / "f/afile").write_bytes(b"not a folder\n")
    (legacy / "b/big").write_bytes(b"stands for a datasource that never started\n")


def s3_objects(cassette: str = "datasource-s3.yaml", index: int = 6) -> dict[str, bytes]:
    """The recorded bucket's objects (from its recursive admin list), without Cells' own
    ``.pydio`` markers."""
    listing = json.loads(load(cassette)[index]["response"]["body"]["string"])
    objects: dict[str, bytes] = {}
    for node in listing.get("Children", []):
        rel = node["Path"].split("/", 1)[1]
        if rel.endswith(".pydio") or rel == "Empty/Empty":
            continue
        if node["Type"] != "COLLECTION":
            objects[rel] = b"x" * int(node.get("Size", "0"))
        elif not any(
            n["Path"].startswith(node["Path"] + "/")
            for n in listing["Children"]
            if not n["Path"].endswith((".pydio", "/Empty"))
        ):
            objects[rel + "/"] = b""  # an empty folder is a marker object on S3
    return objects
