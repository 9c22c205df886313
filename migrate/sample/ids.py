"""Deterministic ids, logins, paths and password hashes of the sample install."""

from __future__ import annotations

import base64
import hashlib

SHARED_PASSWORD = "Sample-Password-1"  # noqa: S105 - a documented test password
"""Clear password of every user beyond ``InstallSpec.real_hashes``."""
LINK_PASSWORD = "Link-Password-1"  # noqa: S105 - a documented test password
"""Password of the password-protected public link (its hidden user's password)."""
DEAD_WORKSPACE = "deadbeefdeadbeefdeadbeefdeadbeef"
"""A workspace id that rights and shares point to but that does not exist (a trap)."""


def password_for(login: str) -> str:
    """The clear password of a user whose hash is real (``real_hashes``)."""
    return f"Pw-{login}-1"


def pbkdf2_hash(password: str, salt_seed: str) -> str:
    """``sha256:1000:<salt>:<hash>``, salt used as text (legacy-model.md §12)."""
    salt = base64.b64encode(hashlib.sha256(salt_seed.encode()).digest()).decode()
    key = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 1000, 24)
    return f"sha256:1000:{salt}:{base64.b64encode(key).decode()}"


def md5_hash(password: str) -> str:
    """A ≤5.0.2 password hash: 32 lowercase hex digits (§12)."""
    return hashlib.md5(password.encode(), usedforsecurity=False).hexdigest()


def uid(seed: str) -> str:
    """A deterministic 32-hex id, shaped like Pydio's ``md5(microtime())`` uuids."""
    return hashlib.md5(seed.encode(), usedforsecurity=False).hexdigest()


def login_of(i: int) -> str:
    """Login of user ``i`` (user 0 is the admin)."""
    return "admin" if i == 0 else f"user{i:05d}"


def group_path_of(k: int) -> str:
    """Path of group ``k``: even ones at the root, odd ones under the previous one."""
    if k % 2 == 0:
        return f"/dept-{k:02d}"
    return f"/dept-{k - 1:02d}/team-{k:02d}"


def workspace_id_of(j: int) -> str:
    """Id of DB workspace ``j``."""
    return uid(f"sample-workspace-{j}")
