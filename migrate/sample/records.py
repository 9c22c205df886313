"""Definitions of sample objects and their two faces: DB rows as Pydio writes them, and the
model objects an extractor must return for them (the builder's ground truth).

Row shapes: legacy-model.md §2.1 (tables), §4.2 (user rights keys), §5.1 (role objects,
9 properties in 8.x), §5.4 (masks in ``C:`` form), §8.2 (``$phpserial$`` options), §9 (shares).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from migrate.legacy.model import (
    SECRET_OPTION_NAMES,
    LegacyAcl,
    LegacyMap,
    LegacyMask,
    LegacyRole,
    LegacyShare,
    LegacyUser,
    LegacyValue,
    LegacyWorkspace,
    MaskRule,
    ShareType,
    WorkspaceSource,
    detect_hash_format,
    role_kind,
)
from migrate.sample.phpwrite import PhpCustom, PhpObj, dumps
from migrate.secret import Secret

Row = dict[str, object]
TableRow = tuple[str, Row]

ROLE_CLASS = "Pydio\\Conf\\Core\\AJXP_Role"
SHORT_ROLE_CLASS = "AJXP_Role"
MASK_CLASS = "Pydio\\Access\\Core\\Filter\\AJXP_PermissionMask"
PERMISSION_CLASS = "Pydio\\Access\\Core\\Filter\\AJXP_Permission"
STAMP = 1795826585
PHPSERIAL = b"$phpserial$"


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleDef:
    """A role as the builder defines it (plain Python values)."""

    role_id: str
    class_name: str = ROLE_CLASS
    group_path: str | None = None
    acls: Mapping[str, str] = field(default_factory=dict)
    parameters: Mapping[str, object] = field(default_factory=dict)
    actions: Mapping[str, object] = field(default_factory=dict)
    auto_applies: tuple[str, ...] = ()
    masks: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    owner: str | None = None
    label: str | None = None  # ROLE_DISPLAY_NAME

    def params(self) -> dict[str, object]:
        """Parameters with the label folded in (where Pydio stores it, §5.1)."""
        if self.label is None:
            return dict(self.parameters)
        scope = dict(self.parameters.get("AJXP_REPO_SCOPE_ALL", {}))  # type: ignore[call-overload]
        core = dict(scope.get("core.conf", {}))
        core["ROLE_DISPLAY_NAME"] = self.label
        scope["core.conf"] = core
        return {**self.parameters, "AJXP_REPO_SCOPE_ALL": scope}


def serialize_role(role: RoleDef) -> bytes:
    """``serialize($role)`` for an 8.x (or 6.2+ short-named) ``AJXP_Role``."""
    masks = {ws: PhpCustom(MASK_CLASS, _mask_tree(tree)) for ws, tree in role.masks.items()}
    props: list[tuple[str, str, object]] = [
        ("groupPath", "protected", role.group_path),
        ("roleId", "protected", role.role_id),
        ("acls", "protected", dict(role.acls)),
        ("parameters", "protected", role.params()),
        ("actions", "protected", dict(role.actions)),
        ("autoApplies", "protected", list(role.auto_applies)),
        ("masks", "protected", masks),
        ("lastUpdated", "protected", STAMP),
        ("ownerId", "protected", role.owner),
    ]
    return dumps(PhpObj(role.class_name, tuple(props)))


def serialize_legacy_role(role_id: str, rights: Mapping[str, str], default: bool) -> bytes:
    """A ≤4.x ``AjxpRole`` (private ``id``, ``rights``, ``default``; §5.1)."""
    props = (("id", "private", role_id), ("rights", "private", dict(rights)))
    return dumps(PhpObj("AjxpRole", (*props, ("default", "private", default))))


def _mask_tree(tree: Mapping[str, object]) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, node in tree.items():
        if isinstance(node, int):
            out[name] = PhpObj(PERMISSION_CLASS, (("value", "private", node),))
        else:
            out[name] = _mask_tree(node)  # type: ignore[arg-type]
    return out


def _mask_rules(tree: Mapping[str, object], prefix: str = "") -> Iterator[MaskRule]:
    for name, node in tree.items():
        if isinstance(node, int):
            yield MaskRule(path=f"{prefix}/{name}", permission=node)
        else:
            yield from _mask_rules(node, f"{prefix}/{name}")  # type: ignore[arg-type]


def expect_role(role: RoleDef) -> LegacyRole:
    """The LegacyRole an extractor must return for ``role``."""
    params = LegacyMap.from_python(role.params())
    return LegacyRole(
        role_id=role.role_id,
        kind=role_kind(role.role_id, role.owner),
        label=role.label or role.role_id,
        acls=tuple(LegacyAcl(workspace_id=k, right=v) for k, v in role.acls.items()),
        parameters=params,
        actions=LegacyMap.from_python(dict(role.actions)),
        auto_applies=role.auto_applies,
        masks=tuple(
            LegacyMask(workspace_id=ws, rules=tuple(_mask_rules(tree)))
            for ws, tree in role.masks.items()
        ),
        owner=role.owner,
        group_path=role.group_path,
        class_name=role.class_name,
        last_updated=STAMP,
        force_override=False,
    )


def role_row(role: RoleDef, serial: bytes | None = None) -> Row:
    """The ``ajxp_roles`` row (``searchable_repositories`` is dropped where absent)."""
    acls = dumps(dict(role.acls)).decode("utf-8")
    return {
        "role_id": role.role_id,
        "serial_role": serial if serial is not None else serialize_role(role),
        "searchable_repositories": acls,
        "owner_user_id": role.owner,
        "last_updated": STAMP,
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class UserDef:
    """A user: auth row, conf rows and personal role (``acls`` go to the personal role)."""

    login: str
    password_hash: str | None
    group_path: str = "/"
    admin: bool = False
    profile: str | None = "standard"
    parent_user: str | None = None
    hidden: bool = False
    roles: tuple[str, ...] = ()  # explicit roles besides the personal one, in order
    display_name: str | None = None
    email: str | None = None
    acls: Mapping[str, str] = field(default_factory=dict)
    has_auth: bool = True
    has_conf: bool = True
    roles_format: str = "phpserial"  # or "json" ($json$ prefix, §3)
    legacy_rights: Mapping[str, str] = field(default_factory=dict)  # unmigrated 4.x rows
    extra_roles: tuple[str, ...] = ()  # attached roles that do not exist (dangling)

    @property
    def personal(self) -> RoleDef:
        """The personal role ``AJXP_USR_/<login>``."""
        core = {"USER_DISPLAY_NAME": self.display_name, "email": self.email}
        core = {k: v for k, v in core.items() if v is not None}
        params = {"AJXP_REPO_SCOPE_ALL": {"core.conf": core}} if core else {}
        return RoleDef(role_id=f"AJXP_USR_/{self.login}", acls=self.acls, parameters=params)

    def attached(self) -> list[str]:
        """``ajxp.roles`` keys in ``ajxp.roles.order`` order (personal role first)."""
        return [self.personal.role_id, *self.roles, *self.extra_roles]


def user_rows(user: UserDef) -> Iterator[TableRow]:
    """Rows of ``ajxp_users`` and ``ajxp_user_rights`` for one user (§4.2)."""
    if user.has_auth:
        yield (
            "ajxp_users",
            {
                "login": user.login,
                "password": user.password_hash or "",
                "groupPath": user.group_path,
            },
        )
    if not user.has_conf:
        return
    attached = user.attached()
    roles = {r: True for r in reversed(attached)}  # Pydio stores them unordered
    order = {r: i if i == 0 else i + 2 for i, r in enumerate(attached)}
    if user.roles_format == "json":
        roles_value = "$json$" + "{" + ",".join(f'"{r}":true' for r in roles) + "}"
    else:
        roles_value = (PHPSERIAL + dumps(roles)).decode("utf-8")
    flags: list[tuple[str, str]] = [
        ("ajxp.roles", roles_value),
        ("ajxp.admin", "1" if user.admin else "0"),
        ("ajxp.roles.order", (PHPSERIAL + dumps(order)).decode("utf-8")),
    ]
    if user.profile is not None:
        flags.append(("ajxp.profile", user.profile))
    if user.hidden:
        flags.append(("ajxp.hidden", "true"))
    if user.parent_user is not None:
        flags.append(("ajxp.parent_user", user.parent_user))
    flags.extend(user.legacy_rights.items())
    for key, value in flags:
        yield "ajxp_user_rights", {"login": user.login, "repo_uuid": key, "rights": value}


def expect_user(user: UserDef) -> LegacyUser:
    """The LegacyUser an extractor must return for ``user``."""
    attached = user.attached() if user.has_conf else []
    order = {r: i if i == 0 else i + 2 for i, r in enumerate(attached)}
    return LegacyUser(
        login=user.login,
        login_lower=user.login.lower(),
        password_hash=Secret(user.password_hash) if user.has_auth and user.password_hash else None,
        hash_format=detect_hash_format(user.password_hash if user.has_auth else None),
        group_path=user.group_path,
        profile=user.profile if user.has_conf else None,
        is_admin=user.admin,
        hidden=user.hidden,
        parent_user=user.parent_user,
        display_name=user.display_name,
        email=user.email,
        roles=tuple(attached),
        role_order=tuple(sorted(order.items(), key=lambda kv: (kv[1], kv[0]))),
        legacy_rights=tuple(
            LegacyAcl(workspace_id=k, right=v) for k, v in user.legacy_rights.items()
        ),
        has_auth_row=user.has_auth,
        has_conf_row=user.has_conf,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkspaceDef:
    """A DB workspace: ``ajxp_repo`` row plus options (stored in this order)."""

    uuid: str
    slug: str
    display: str
    driver: str = "fs"
    options: Mapping[str, object] = field(default_factory=dict)
    is_template: bool = False
    parent_uuid: str | None = None
    owner: str | None = None
    infer: bool = False
    path_column: bool = True  # template children store no path


def _option_value(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return PHPSERIAL + dumps(value)


def workspace_rows(ws: WorkspaceDef) -> Iterator[TableRow]:
    """The ``ajxp_repo`` row and its ``ajxp_repo_options`` rows (§8.2)."""
    path = ws.options.get("PATH") if ws.path_column else None
    yield (
        "ajxp_repo",
        {
            "uuid": ws.uuid,
            "parent_uuid": ws.parent_uuid,
            "owner_user_id": ws.owner,
            "child_user_id": None,
            "path": path,
            "display": ws.display,
            "accessType": ws.driver,
            "recycle": "",
            "bcreate": True,
            "writeable": True,
            "enabled": None,
            "isTemplate": ws.is_template,
            "inferOptionsFromParent": ws.infer,
            "slug": ws.slug,
            "groupPath": None,
        },
    )
    for name, value in ws.options.items():
        yield "ajxp_repo_options", {"uuid": ws.uuid, "name": name, "val": _option_value(value)}


def _expected_option(value: object) -> LegacyValue:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return LegacyMap.from_python(value)
    return value  # type: ignore[return-value]


def expect_workspace(ws: WorkspaceDef) -> LegacyWorkspace:
    """The LegacyWorkspace an extractor must return for ``ws``."""
    plain = [
        (k, _expected_option(v)) for k, v in ws.options.items() if k not in SECRET_OPTION_NAMES
    ]
    secret = [(k, Secret(str(v))) for k, v in ws.options.items() if k in SECRET_OPTION_NAMES]
    path = ws.options.get("PATH")
    return LegacyWorkspace(
        workspace_id=ws.uuid,
        slug=ws.slug,
        display=ws.display,
        driver=ws.driver,
        source=WorkspaceSource.DB,
        path=path if isinstance(path, str) else None,
        options=LegacyMap(items=tuple(plain)),
        secret_options=tuple(secret),
        is_template=ws.is_template,
        parent_id=ws.parent_uuid,
        owner=ws.owner,
        infer_options_from_parent=ws.infer,
        writeable=True,
        enabled=True,
        create=True,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ShareDef:
    """A share entry of ``ajxp_simple_store`` (§9.2)."""

    share_id: str
    data: Mapping[str, object]
    parent_workspace: str | None
    path: str | None = None
    inserted: dt.datetime = dt.datetime(2026, 11, 28, 0, 43, 22)


def share_row(share: ShareDef, dialect: str) -> Row:
    """The ``ajxp_simple_store`` row (bare ``serialize()``, as 8.x writes it)."""
    inserted: object = share.inserted
    if dialect == "sqlite":
        inserted = share.inserted.strftime("%Y-%m-%d %H:%M:%S")
    return {
        "object_id": share.share_id,
        "store_id": "share",
        "serialized_data": dumps(dict(share.data)),
        "binary_data": None,
        "related_object_id": share.parent_workspace,
        "insertion_date": inserted,
    }


def expect_share(share: ShareDef) -> LegacyShare:
    """The LegacyShare an extractor must return for ``share``."""
    data = share.data
    preset = data.get("PRESET_LOGIN")
    expire = data.get("EXPIRE_TIME")
    repo = data.get("REPOSITORY")
    owner = data.get("OWNER_ID")
    return LegacyShare(
        share_id=share.share_id,
        share_type=ShareType(str(data.get("SHARE_TYPE"))),
        owner=owner if isinstance(owner, str) else None,
        workspace_id=repo if isinstance(repo, str) else None,
        parent_workspace_id=share.parent_workspace,
        guest_user=str(preset or data.get("PRELOG_USER") or "") or None,
        password_protected=bool(preset),
        download_disabled=bool(data.get("DOWNLOAD_DISABLED")),
        expire_time=expire if isinstance(expire, int) else None,
        insertion_date=share.inserted.strftime("%Y-%m-%d %H:%M:%S"),
        path=share.path,
        data=LegacyMap.from_python(dict(data)),
    )
