"""Read a conf.serial / auth.serial install (``.ser`` files, legacy-model.md §11) into an Inventory.

Both layouts are handled:

* AjaXplorer 4.x: ``<USERS_DIRPATH>/<login>/rights.ser`` with per-workspace rights and
  ``ajxp.roles``; ``AjxpRole`` objects in ``roles.ser``; no groups, no personal roles;
* Pydio 5.0-6.4: ``<USERS_DIRPATH>/<group path>/<login>/`` with ``rights.ser`` (flags, roles)
  and ``role.ser`` (the personal ``AJXP_Role``), ``groups.ser`` (``{login: path,
  "AJXP_GROUP:<label>": path}``), group and custom roles in ``roles.ser``.

``users.ser`` holds ``{login: password hash}``; ``repo.ser`` ``{uuid: Repository}``,
``aliases.ser`` ``{slug: uuid}``. Every value goes through the same
:class:`~migrate.legacy.inventory.InventoryBuilder` as the SQL reader, so decoding rules,
cross-checks and findings are shared. A file that cannot be read or decoded becomes a
finding for the object it belongs to (a user's ``role.ser``, one role), never an exception;
only a missing serial configuration raises. Public links of serial installs live in
encrypted ``.php`` files (§9.1) and are not read here.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from migrate.errors import LegacyError, LegacyFormatError
from migrate.legacy import findings as fnd
from migrate.legacy.bootstrap import LegacyInstall, SerialFiles
from migrate.legacy.inventory import InventoryBuilder
from migrate.legacy.model import (
    SECRET_OPTION_NAMES,
    USER_ROLE_PREFIX,
    Era,
    Finding,
    FindingKind,
    Inventory,
    LegacyMap,
    LegacySource,
    LegacyValue,
    LegacyWorkspace,
    Severity,
    WorkspaceSource,
)
from migrate.legacy.phpserial import PhpArray, PhpObject, PhpValue, key_text, loads, loads_entries
from migrate.legacy.roles import Problems, text, to_value
from migrate.progress import Progress
from migrate.secret import Secret

__all__ = ["read_inventory_serial"]

log = logging.getLogger(__name__)

GROUP_PREFIX = "AJXP_GROUP:"
_USER_FILES = ("rights.ser", "role.ser")


@dataclass(slots=True)
class _UserDir:
    """The files of one user folder, raw, before they are fed to the builder."""

    login: bytes  # as stored (bytes: may be invalid UTF-8)
    path: Path
    group_path: str | None = None
    rights: tuple[tuple[int | bytes, bytes], ...] = ()
    role: bytes | None = None


@dataclass(slots=True)
class _Reader:
    files: SerialFiles
    case_sensitive: bool
    findings: list[Finding] = field(default_factory=list)

    def read(self, path: str | Path, *, kind: FindingKind, key: str) -> bytes | None:
        """A file's bytes; ``None`` when absent; an unreadable file is a finding."""
        try:
            return Path(path).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self.findings.append(
                fnd.corrupt_value(kind, key, str(path), exc.strerror or type(exc).__name__)
            )
            return None


def read_inventory_serial(install: LegacyInstall, *, progress: Progress | None = None) -> Inventory:
    """Read every ``.ser`` file of a serial install described by ``install``.

    ``progress`` gets one phase ("serial users") ticked per user folder.

    Raises ``LegacyError`` when ``install`` is not a conf.serial install; everything else
    that is wrong (corrupt or unreadable files, dangling rights …) is in ``findings``.
    """
    if install.serial is None:
        raise LegacyError(
            f"the install at {install.install_path} uses {install.conf.plugin}, not conf.serial"
        )
    reader = _Reader(files=install.serial, case_sensitive=install.case_sensitive)
    workspaces = _repositories(reader)
    roles_raw = reader.read(install.serial.roles_file, kind=FindingKind.ROLE, key="roles.ser")
    user_groups, group_labels = _groups(reader)
    users = _user_dirs(reader, user_groups)
    source = LegacySource(
        kind="serial",
        location=install.serial.users_dir,
        era=_era(roles_raw, users),
        features=frozenset({"serial"} | ({"groups.ser"} if user_groups else set())),
    )
    builder = InventoryBuilder(source, (*install.static_workspaces, *workspaces))
    for path, label in group_labels:
        builder.add_group(path, label)
    _auth_users(reader, builder, install, users)
    personal = {u.login for u in users.values() if u.role is not None}
    _roles(reader, builder, roles_raw, personal)
    if progress is not None:
        progress.start("serial users", total=len(users))
    for user in users.values():
        _user_rights(reader, builder, user)
        if progress is not None:
            progress.update()
    if progress is not None:
        progress.finish()
    builder.findings.extend(reader.findings)
    return builder.build()


def _decode(
    reader: _Reader, raw: bytes | None, *, kind: FindingKind, key: str, what: str
) -> PhpValue:
    if raw is None:
        return None
    try:
        return loads(raw)
    except LegacyFormatError as exc:
        reader.findings.append(fnd.corrupt_value(kind, key, what, str(exc)))
        return None


def _groups(reader: _Reader) -> tuple[dict[bytes, str], list[tuple[str, str | None]]]:
    """``groups.ser``: user → group path, and the group definitions (§4.4)."""
    raw = reader.read(reader.files.groups_file, kind=FindingKind.GROUP, key="groups.ser")
    value = _decode(reader, raw, kind=FindingKind.GROUP, key="groups.ser", what="the file")
    users: dict[bytes, str] = {}
    groups: list[tuple[str, str | None]] = []
    if not isinstance(value, PhpArray):
        return users, groups
    for key, path in value.items:
        if not isinstance(path, bytes):
            continue
        group_path = path.decode("utf-8", "replace")
        name = key if isinstance(key, bytes) else str(key).encode()
        if name.startswith(GROUP_PREFIX.encode()):
            groups.append((group_path, name[len(GROUP_PREFIX) :].decode("utf-8", "replace")))
        else:
            users[name] = group_path
    return users, groups


def _user_dirs(reader: _Reader, user_groups: dict[bytes, str]) -> dict[bytes, _UserDir]:
    """Every folder holding ``rights.ser`` or ``role.ser`` under ``USERS_DIRPATH``."""
    base = Path(reader.files.users_dir)
    found: dict[bytes, _UserDir] = {}
    for folder in _walk_user_folders(base):
        login = os.fsencode(folder.name)
        relative = folder.parent.relative_to(base).as_posix()
        located = "/" if relative == "." else "/" + relative
        canonical = _canonical_login(login, user_groups)
        user = _UserDir(login=canonical, path=folder)
        user.group_path = user_groups.get(canonical) or (located if located != "/" else None)
        _read_user_files(reader, user)
        found.setdefault(canonical, user)
    return found


def _walk_user_folders(base: Path) -> Iterator[Path]:
    if not base.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames.sort()
        if any(name in filenames for name in _USER_FILES):
            yield Path(dirpath)


def _canonical_login(folder_login: bytes, user_groups: dict[bytes, str]) -> bytes:
    """The stored login for a folder name (folders are lower-cased when case-insensitive)."""
    if folder_login in user_groups:
        return folder_login
    lowered = {k.lower(): k for k in user_groups}
    return lowered.get(folder_login.lower(), folder_login)


def _read_user_files(reader: _Reader, user: _UserDir) -> None:
    key = user.login.decode("utf-8", "replace")
    rights = reader.read(user.path / "rights.ser", kind=FindingKind.USER, key=key)
    if rights is not None:
        try:
            user.rights = loads_entries(rights)
        except LegacyFormatError as exc:
            reader.findings.append(fnd.corrupt_value(FindingKind.USER, key, "rights.ser", str(exc)))
    user.role = reader.read(user.path / "role.ser", kind=FindingKind.USER, key=key)
    if user.group_path is None:
        for name, raw in user.rights:
            if name == b"ajxp.group_path" and raw.startswith(b"s:"):
                value = _decode(reader, raw, kind=FindingKind.USER, key=key, what=str(name))
                if isinstance(value, bytes) and value:
                    user.group_path = value.decode("utf-8", "replace")


def _auth_users(
    reader: _Reader, builder: InventoryBuilder, install: LegacyInstall, users: dict[bytes, _UserDir]
) -> None:
    """``users.ser``: ``{login: hash}`` (auth.serial, §11)."""
    users_file = reader.files.users_file
    if users_file is None:
        return
    raw = reader.read(users_file, kind=FindingKind.USER, key="users.ser")
    if raw is None:
        reader.findings.append(_file_finding(users_file, "is missing", Severity.WARNING))
        return
    try:
        entries = loads_entries(raw)
    except LegacyFormatError as exc:
        reader.findings.append(_file_finding(users_file, f"cannot be decoded ({exc})"))
        return
    for key, value_raw in entries:
        login = key if isinstance(key, bytes) else str(key).encode()
        value = _decode(
            reader, value_raw, kind=FindingKind.USER, key=str(key_text(key)), what="hash"
        )
        password = value if isinstance(value, bytes) else None
        user = users.get(login)
        builder.add_auth_user(login, password, user.group_path if user else None)


def _file_finding(path: str, problem: str, severity: Severity = Severity.BLOCKER) -> Finding:
    return Finding(
        severity=severity,
        kind=FindingKind.USER,
        key=Path(path).name,
        code="corrupt-file",
        message=f"{path} {problem}: no user password can be read from it. Restore the file "
        "from a backup (or re-create the users) before migrating.",
    )


def _roles(
    reader: _Reader, builder: InventoryBuilder, raw: bytes | None, personal: set[bytes]
) -> None:
    """``roles.ser``: ``{roleId: role}``; a personal role found in ``role.ser`` wins (§11)."""
    if raw is None:
        return
    try:
        entries = loads_entries(raw)
    except LegacyFormatError as exc:
        reader.findings.append(fnd.corrupt_role("roles.ser", f"the roles file: {exc}"))
        return
    prefix = USER_ROLE_PREFIX.encode()
    for key, value_raw in entries:
        role_id = key if isinstance(key, bytes) else str(key).encode()
        if role_id.startswith(prefix) and role_id[len(prefix) :] in personal:
            continue
        builder.add_role_row(role_id, value_raw)


def _user_rights(reader: _Reader, builder: InventoryBuilder, user: _UserDir) -> None:
    """``rights.ser`` flags and roles, then the personal role of ``role.ser``."""
    key = user.login.decode("utf-8", "replace")
    for name, raw in user.rights:
        if not isinstance(name, bytes):  # 4.x workspace ids may be ints: a right
            name = str(name).encode()
        text = name.decode("utf-8", "replace")
        if text in ("ajxp.roles", "ajxp.roles.order"):
            # bare serialize(), decoded by the builder
            builder.add_user_right(user.login, text, _without_group_roles(raw))
            continue
        value = _decode(reader, raw, kind=FindingKind.USER, key=key, what=text)
        if isinstance(value, bool):
            builder.add_user_right(user.login, text, "1" if value else "0")
        elif isinstance(value, bytes | int | float) and not isinstance(value, bool):
            builder.add_user_right(
                user.login, text, value if isinstance(value, bytes) else str(value)
            )
    if not user.rights and user.role is None:
        return
    if user.role is not None:
        builder.add_role_row(USER_ROLE_PREFIX.encode() + user.login, user.role)


def _without_group_roles(raw: bytes) -> bytes:
    """Drop ``AJXP_GRP_*`` keys from a serialized role list, keeping the other bytes as they are.

    6.x ``AJXP_SerialUser::__destruct`` saves ``$this->rights`` instead of the filtered copy,
    so ``rights.ser`` lists the group roles that ``load()`` added; conf.sql filters them out
    before saving (legacy-model.md §4.2). Membership comes from the group path instead.
    """
    try:
        entries = loads_entries(raw)
    except LegacyFormatError:
        return raw  # the builder reports it
    kept = [(k, v) for k, v in entries if not (isinstance(k, bytes) and k.startswith(b"AJXP_GRP_"))]
    if len(kept) == len(entries):
        return raw
    keys = (b"i:%d;" % k if isinstance(k, int) else b's:%d:"%s";' % (len(k), k) for k, _ in kept)
    return b"a:%d:{%s}" % (
        len(kept),
        b"".join(key + v for key, (_, v) in zip(keys, kept, strict=True)),
    )


def _era(roles_raw: bytes | None, users: dict[bytes, _UserDir]) -> Era:
    """Era from what the files hold (§5.1, §13): role classes, masks, role.ser files."""
    blobs = [roles_raw or b"", *(u.role or b"" for u in users.values())]
    joined = b"".join(blobs)
    if b'"AjxpRole"' in joined or not any(u.role for u in users.values()):
        return Era.AJXP_4 if b"AJXP_Role" not in joined else Era.PYDIO_5
    if b"\0*\0masks" in joined:
        return Era.PYDIO_6_2
    if b"\0*\0roleLabel" in joined:
        return Era.PYDIO_5
    return Era.PYDIO_6_0


# --- repo.ser (§8.5) --------------------------------------------------------------------------


def _repositories(reader: _Reader) -> list[LegacyWorkspace]:
    """``repo.ser`` ``{uuid: Repository}`` with slugs from the object or ``aliases.ser``."""
    files = reader.files
    path = Path(files.repositories_file)
    try:
        raw: bytes | None = path.read_bytes()
    except FileNotFoundError:
        raw = None  # no DB workspace was ever created: Pydio writes it with the first one
    except OSError as exc:
        reader.findings.append(
            fnd.workspace_store(str(path), f"cannot be read ({exc.strerror or exc})")
        )
        return []
    if raw is None:
        return []
    try:
        value = loads(raw)
    except LegacyFormatError as exc:
        reader.findings.append(fnd.workspace_store(str(path), f"cannot be decoded ({exc})"))
        return []
    if not isinstance(value, PhpArray):
        reader.findings.append(fnd.workspace_store(str(path), "holds no list of workspaces"))
        return []
    aliases_raw = reader.read(files.aliases_file, kind=FindingKind.WORKSPACE, key="aliases.ser")
    aliases = _decode(
        reader, aliases_raw, kind=FindingKind.WORKSPACE, key="aliases.ser", what="the file"
    )
    slugs: dict[bytes, str] = {}
    if isinstance(aliases, PhpArray):
        for slug, uuid in aliases.items:
            if isinstance(uuid, bytes):
                slugs[uuid] = str(key_text(slug))
    result = []
    for key, repo in value.items:
        uuid = key if isinstance(key, bytes) else str(key).encode()
        workspace = _workspace(reader, uuid, repo, slugs.get(uuid))
        if workspace is not None:
            result.append(workspace)
    return result


def _workspace(
    reader: _Reader, uuid_raw: bytes, repo: PhpValue, alias: str | None
) -> LegacyWorkspace | None:
    problems = Problems()
    uuid = text(uuid_raw, problems)
    if not isinstance(repo, PhpObject):
        reader.findings.append(
            fnd.corrupt_value(FindingKind.WORKSPACE, uuid, "repo.ser entry", "not an object")
        )
        return None
    plain: list[tuple[str, LegacyValue]] = []
    secrets: list[tuple[str, Secret]] = []
    options = repo.get("options")
    for name, option in options.to_dict().items() if isinstance(options, PhpArray) else ():
        converted = to_value(option, problems)
        if str(name) in SECRET_OPTION_NAMES:
            secrets.append((str(name), Secret("" if converted is None else str(converted))))
        else:
            plain.append((str(name), converted))
    option_map = LegacyMap(items=tuple(plain))
    display = _opt(repo.get("display"), problems) or uuid
    slug = _opt(repo.get("slug"), problems) or alias
    if not slug:
        reader.findings.append(fnd.missing_slug(uuid))
        slug = "".join(c if c.isalnum() else "-" for c in display.lower()).strip("-") or uuid
    path = option_map.get_str("PATH") or _opt(repo.get("path"), problems)
    if problems.invalid_utf8:
        reader.findings.append(fnd.invalid_utf8(FindingKind.WORKSPACE, uuid, "repo.ser"))
    return LegacyWorkspace(
        workspace_id=uuid,
        slug=slug,
        display=display,
        driver=_opt(repo.get("accessType"), problems) or "",
        source=WorkspaceSource.SERIAL,
        path=path,
        options=option_map,
        secret_options=tuple(secrets),
        is_template=bool(repo.get("isTemplate")),
        parent_id=_opt(repo.get("parentId"), problems),
        owner=_opt(repo.get("owner"), problems),
        child_user=_opt(repo.get("uniqueUser"), problems),
        group_path=_opt(repo.get("groupPath"), problems),
        infer_options_from_parent=bool(repo.get("inferOptionsFromParent")),
        writeable=bool(repo.get("writeable", True)),
        enabled=bool(repo.get("enabled", True)),
        create=bool(repo.get("create")),
    )


def _opt(value: PhpValue, problems: Problems) -> str | None:
    if isinstance(value, bytes):
        return text(value, problems) or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None
