"""Tokens: session login, Hydra auth-code + rotating refresh, PATs, v1 Dex password grant.

Behaviour as recorded (auth-session-login.yaml, auth-oauth2-hydra.yaml; cells-v3-behaviour.md
§1-3): bad bearers get plain-text 401s, a refresh revokes the previous access token, a used
refresh token is refused with ``invalid_request``, a used code with ``invalid_grant``.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode
from xml.sax.saxutils import escape

from migrate.cells.emulator.answers import JSON, Answer, ApiError, Call
from migrate.cells.emulator.fixtures import oidc_configuration
from migrate.cells.emulator.store import Store
from migrate.cells.emulator.users import check_password, stored_hash

CLIENT_ID = "cells-client"
REDIRECT_URIS = ("http://localhost:3000/servers/callback",)
LOCK_AFTER = 10
HYDRA_INVALID_REQUEST = (
    "The request is missing a required parameter, includes an invalid parameter value, "
    "includes a parameter more than once, or is otherwise malformed"
)
HYDRA_INVALID_GRANT = (
    "The provided authorization grant (e.g., authorization code, resource owner credentials) "
    "or refresh token is invalid, expired, revoked, does not match the redirection URI used "
    "in the authorization request, or was issued to another client"
)


@dataclass(slots=True, kw_only=True)
class Token:
    """An access token (session JWT, OAuth2 access token or PAT)."""

    login: str
    expires: float | None
    revoked: bool = False


@dataclass(slots=True, kw_only=True)
class Grant:
    """A login challenge, an authorization code or a refresh token of Hydra."""

    login: str = ""
    redirect_uri: str = ""
    state: str = ""
    scope: str = ""
    code_challenge: str = ""
    access: str = ""  # the access token a refresh token was issued with
    used: bool = False


@dataclass(slots=True, kw_only=True)
class AuthTables:
    """Every secret the emulator holds; never part of ``state()``."""

    tokens: dict[str, Token] = field(default_factory=dict)
    sessions: dict[str, JSON] = field(default_factory=dict)  # cookie -> {login, access, expire}
    challenges: dict[str, Grant] = field(default_factory=dict)
    codes: dict[str, Grant] = field(default_factory=dict)
    refresh: dict[str, Grant] = field(default_factory=dict)


def new_token(store: Store, auth: AuthTables, login: str, ttl_s: float | None) -> str:
    """Mint an access token for ``login`` (``<43>.<43>`` like a Cells PAT)."""
    token = f"{secrets.token_urlsafe(32)}.{secrets.token_urlsafe(32)}"
    expires = None if ttl_s is None else store.clock() + ttl_s
    auth.tokens[token] = Token(login=login, expires=expires)
    return token


def authenticate(store: Store, auth: AuthTables, header: str | None) -> str:
    """The login of a valid bearer; 401 plain text otherwise (recorded bodies)."""
    if not header:
        raise ApiError(401, text="Unauthorized")
    scheme, _, token = header.partition(" ")
    info = auth.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
    if info is None or info.revoked or (info.expires is not None and info.expires <= store.clock()):
        raise ApiError(401, text="Unauthorized.")
    if info.login not in store.t.users:
        raise ApiError(401, text="Unauthorized.")
    return info.login


def _link_user_refused(store: Store, login: str, minisite: str) -> bool:
    """A hidden (link) user logs in only with ``X-Pydio-Minisite: <hash>`` of the link it is
    the current user of (hidden.user.nominisite; share-link-password.yaml: the user a
    password change replaced is refused)."""
    link = store.t.links.get(store.t.link_hashes.get(minisite, "")) if minisite else None
    return link is None or link.user_login != login


def _check_login(store: Store, login: str, password: str, *, minisite: str = "") -> None:
    """Password check with the failed-login counter and lock (cells-v3-behaviour.md §1).

    A refused link-user login counts as a failure too (share-link-password.yaml: three
    failures, one of them without the header).
    """
    user = store.t.users.get(login)
    failed = int(user.attributes.get("failedConnections", "0")) if user else 0
    if (
        user is not None
        and user.attributes.get("hidden") == "true"
        and _link_user_refused(store, login, minisite)
    ):
        user.attributes["failedConnections"] = str(failed + 1)
        raise ApiError(401, "Login failed", "Unauthorized: Login failed")
    if user is not None and failed >= LOCK_AFTER:
        raise ApiError(401, "User is locked - Please contact your admin")
    if user is None or not password or not check_password(stored_hash(store, user), password):
        if user is not None:  # recorded: the counter is a visible user attribute
            user.attributes["failedConnections"] = str(failed + 1)
        raise ApiError(401, "Login failed", "Unauthorized: Login failed")
    user.attributes.pop("failedConnections", None)
    user.last_connected = store.now()


def _session_answer(store: Store, auth: AuthTables, sid: str) -> Answer:
    session = auth.sessions[sid]
    token = new_token(store, auth, session["login"], store.settings.token_ttl_s)
    old = auth.tokens.get(session.get("access", ""))
    if old is not None:
        old.revoked = True  # recorded: the previous access token is refused after a refresh
    session["access"] = token
    expire = int(session["expire"])  # recorded: ExpireTime does not move on refresh
    body = {
        "JWT": token,
        "ExpireTime": expire,
        "Token": {
            "AccessToken": token,
            "IDToken": secrets.token_urlsafe(24),
            "ExpiresAt": str(expire),
        },
    }
    cookie = f"pydio={sid}; Path=/a/frontend; Max-Age=3600; HttpOnly"
    return Answer(body=body, headers=[("Set-Cookie", cookie)])


def front_session(store: Store, auth: AuthTables, call: Call) -> Answer:
    """``POST /a/frontend/session``: credentials, challenge, refresh, logout (or ``{}``)."""
    info = call.json().get("AuthInfo") or {}
    kind = info.get("type") if isinstance(info, dict) else None
    if kind == "credentials":
        login = str(info.get("login") or "")
        minisite = str(call.headers.get("x-pydio-minisite") or "")
        _check_login(store, login, str(info.get("password") or ""), minisite=minisite)
        challenge = auth.challenges.pop(str(info.get("challenge") or ""), None)
        if challenge is not None:
            code = secrets.token_urlsafe(32)
            challenge.login = login
            auth.codes[code] = challenge
            query = urlencode({"code": code, "state": challenge.state})
            return Answer(body={"RedirectTo": f"{challenge.redirect_uri}?{query}"})
        sid = secrets.token_urlsafe(24)
        expire = store.clock() + store.settings.token_ttl_s
        auth.sessions[sid] = {"login": login, "access": "", "expire": expire}
        return _session_answer(store, auth, sid)
    sid = call.cookie("pydio") or ""
    if kind == "refresh":
        if sid not in auth.sessions:
            raise ApiError(401, "No refresh token")
        return _session_answer(store, auth, sid)
    if kind == "logout":
        session = auth.sessions.pop(sid, None)
        token = call.headers.get("authorization", "").partition(" ")[2]
        for key in (token, (session or {}).get("access", "")):
            if key in auth.tokens:
                auth.tokens[key].revoked = True
        return Answer(body={})
    return Answer(body={})  # recorded: no type -> 200 {} (no middleware matched)


def oauth_auth(store: Store, auth: AuthTables, call: Call) -> Answer:
    """``GET /oidc/oauth2/auth``: 302 to the login page with a ``login_challenge``."""
    q = {k: v[0] for k, v in call.query.items()}
    if (
        q.get("client_id") != CLIENT_ID
        or q.get("response_type") != "code"
        or q.get("redirect_uri")
        not in (*REDIRECT_URIS, *store.config.redirect_uris, f"{call.base_url}/oauth2/oob")
        or len(q.get("state", "")) < 8
    ):
        return _hydra_error(400, "invalid_request", HYDRA_INVALID_REQUEST)
    challenge = store.new_hex(32)
    auth.challenges[challenge] = Grant(
        redirect_uri=q["redirect_uri"],
        state=q["state"],
        scope=q.get("scope", ""),
        code_challenge=q.get("code_challenge", ""),
    )
    location = f"{call.base_url}/oauth2/login?login_challenge={challenge}"
    body = f'<a href="{location}">Found</a>.\n\n'
    return Answer(
        status=302,
        body=body,
        headers=[("Location", location)],
        content_type="text/html; charset=utf-8",
    )


def revoke(store: Store, auth: AuthTables, call: Call) -> Answer:
    """``POST /a/auth/token/revoke``: revoke ``TokenId`` or else the caller's own token."""
    token = str(call.json().get("TokenId") or "")
    if not token:
        token = call.headers.get("authorization", "").partition(" ")[2].strip()
    if token in auth.tokens:
        auth.tokens[token].revoked = True
    return Answer(body={"Success": True})


def oauth_revoke(store: Store, auth: AuthTables, call: Call) -> Answer:
    """``POST /oidc/oauth2/revoke`` (Hydra, RFC 7009, advertised as ``revocation_endpoint``):
    a refresh token takes its grant's access token with it; unknown tokens answer 200 too."""
    form = {k: v[0] for k, v in parse_qs(call.raw.decode(errors="replace")).items()}
    if form.get("client_id") != CLIENT_ID:
        return _hydra_error(401, "invalid_client", "Client authentication failed")
    token = form.get("token", "")
    grant = auth.refresh.get(token)
    if grant is not None:
        grant.used = True
        token = grant.access
    if token in auth.tokens:
        auth.tokens[token].revoked = True
    return Answer(body="", content_type="text/plain")


def frontend_state(store: Store, auth: AuthTables, call: Call) -> Answer:
    """``GET /a/frontend/state``: the caller's registry (XML); only ``<user id>`` is modelled
    (acl-crud.yaml: the real one lists actions, plugins and repositories around it)."""
    login = escape(call.caller or "", {'"': "&quot;"})
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n <pydio_registry>\n  <actions></actions>\n'
        f'  <user id="{login}">\n   <active_repo id="homepage"></active_repo>\n  </user>\n'
        " </pydio_registry>\n"
    )
    return Answer(body=xml, content_type="application/xml")


def oidc_discovery(store: Store, auth: AuthTables, call: Call) -> Answer:
    """``GET /oidc/.well-known/openid-configuration`` (Hydra's discovery document)."""
    return Answer(body=oidc_configuration(call.base_url))


def login_page(store: Store, auth: AuthTables, call: Call) -> Answer:
    """The login page the 302 points at (the real one is the JS app)."""
    html = "<!DOCTYPE html>\n<html><head><title>Cells Emulator</title></head><body></body></html>\n"
    return Answer(body=html, content_type="text/html; charset=utf-8")


def _hydra_error(status: int, error: str, description: str) -> Answer:
    body = {
        "error": error,
        "error_description": description,
        "error_hint": "",
        "status_code": status,
    }
    return Answer(status=status, body=body)


def _issue(store: Store, auth: AuthTables, login: str, scope: str) -> Answer:
    access = new_token(store, auth, login, store.settings.token_ttl_s)
    refresh = secrets.token_urlsafe(32)
    auth.refresh[refresh] = Grant(login=login, scope=scope, access=access)
    body = {
        "access_token": access,
        "expires_in": int(store.settings.token_ttl_s),
        "id_token": secrets.token_urlsafe(24),
        "refresh_token": refresh,
        "scope": scope,
        "token_type": "bearer",
    }
    return Answer(body=body, headers=[("Cache-Control", "no-store")])


def oauth_token(store: Store, auth: AuthTables, call: Call) -> Answer:
    """``POST /oidc/oauth2/token`` (form): authorization_code and rotating refresh_token."""
    form = {k: v[0] for k, v in parse_qs(call.raw.decode(errors="replace")).items()}
    grant = form.get("grant_type")
    if form.get("client_id") != CLIENT_ID:
        return _hydra_error(401, "invalid_client", "Client authentication failed")
    if grant == "authorization_code":
        code = auth.codes.get(form.get("code", ""))
        if code is None or code.used:
            detail = "The authorization code has already been used." if code else ""
            return _hydra_error(400, "invalid_grant", f"{HYDRA_INVALID_GRANT} {detail}".strip())
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
        if form.get("redirect_uri") != code.redirect_uri or (
            code.code_challenge and digest.decode() != code.code_challenge
        ):
            return _hydra_error(400, "invalid_grant", HYDRA_INVALID_GRANT)
        code.used = True
        return _issue(store, auth, code.login, code.scope)
    if grant == "refresh_token":
        old = auth.refresh.get(form.get("refresh_token", ""))
        if old is None or old.used:
            # Recorded: a rotated-out or unknown refresh token gives invalid_request.
            return _hydra_error(400, "invalid_request", HYDRA_INVALID_REQUEST)
        old.used = True
        if old.access in auth.tokens:
            auth.tokens[old.access].revoked = True
        return _issue(store, auth, old.login, old.scope)
    return _hydra_error(400, "invalid_request", HYDRA_INVALID_REQUEST)


def dex_token(store: Store, auth: AuthTables, call: Call) -> Answer:
    """Cells v1 ``/auth/dex/token`` password grant; the ``id_token`` is the bearer (§3.1)."""
    if store.config.major != 1:
        raise ApiError(404, text="404 page not found")
    form = {k: v[0] for k, v in parse_qs(call.raw.decode(errors="replace")).items()}
    if form.get("grant_type") != "password":
        return _hydra_error(400, "unsupported_grant_type", "unsupported grant type")
    try:
        _check_login(store, form.get("username", ""), form.get("password", ""))
    except ApiError:
        return _hydra_error(403, "access_denied", "Invalid username or password")
    token = new_token(store, auth, form["username"], store.settings.token_ttl_s)
    body = {
        "access_token": secrets.token_urlsafe(24),
        "token_type": "bearer",
        "expires_in": str(int(store.settings.token_ttl_s) - 1),
        "id_token": token,
    }
    return Answer(body=body)
