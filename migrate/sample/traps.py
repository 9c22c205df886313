"""Bad and odd legacy data the sample install carries, each with the finding it must cause.

legacy-model.md §13 lists the pitfalls: logins lower-cased, both role class names, ``C:``
masks, 4.x rights rows, rights on deleted workspaces, broken links; the brief adds corrupt
roles (only with ``InstallSpec.damage``: a blocker), unsupported drivers, unsafe logins,
slug clashes by case, users without a password row and invalid UTF-8.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migrate.legacy.model import FindingKind, LegacyAcl, LegacyRole, RoleKind
from migrate.sample.ids import DEAD_WORKSPACE, password_for, pbkdf2_hash, uid, workspace_id_of
from migrate.sample.records import (
    SHORT_ROLE_CLASS,
    STAMP,
    RoleDef,
    ShareDef,
    TableRow,
    UserDef,
    WorkspaceDef,
    role_row,
    serialize_legacy_role,
    serialize_role,
)

if TYPE_CHECKING:
    from migrate.sample.content import SampleContent


def trap_rows(content: SampleContent) -> Iterator[TableRow]:
    """Rows of every trap; expected objects and findings are added to ``content``."""
    yield from _role_traps(content)
    yield from _workspace_traps(content)
    yield from _user_traps(content)
    # a share whose workspace was deleted
    yield from content.share(
        ShareDef(
            share_id="deadshare",
            data={"SHARE_TYPE": "minisite", "OWNER_ID": "user00001", "REPOSITORY": DEAD_WORKSPACE},
            parent_workspace=workspace_id_of(0),
        )
    )
    content.finding("dangling-share", FindingKind.SHARE, "deadshare")


def _role_traps(content: SampleContent) -> Iterator[TableRow]:
    if content.spec.damage:
        # corrupt role: a truncated serial value (a TEXT column cut short, §15); a blocker
        broken = RoleDef(role_id="broken-role", label="Broken")
        yield "ajxp_roles", role_row(broken, serialize_role(broken)[:-25])
        content.finding("corrupt-role", FindingKind.ROLE, "broken-role")

    # personal role of a deleted user, still holding a right
    yield from content.role(RoleDef(role_id="AJXP_USR_/ghost", acls={workspace_id_of(0): "rw"}))
    content.finding("orphan-role", FindingKind.ROLE, "AJXP_USR_/ghost")

    # ≤4.x AjxpRole object ("default" = auto-apply to all), and a ≤6.0 ROOT_ROLE with an ACL
    # on the obsolete static id ajxp_user (ignored, §8.4)
    legacy_serial = serialize_legacy_role("legacy-role", {workspace_id_of(1): "r"}, True)
    yield "ajxp_roles", role_row(RoleDef(role_id="legacy-role"), legacy_serial)
    if content.spec.collect_expected:
        content.roles.append(
            LegacyRole(
                role_id="legacy-role",
                kind=RoleKind.ROLE,
                label="legacy-role",
                acls=(LegacyAcl(workspace_id=workspace_id_of(1), right="r"),),
                auto_applies=("all",),
                class_name="AjxpRole",
                last_updated=STAMP,
            )
        )
    yield from content.role(
        RoleDef(
            role_id="ROOT_ROLE",
            class_name=SHORT_ROLE_CLASS,
            acls={"1": "rw", "ajxp_user": "rw", "ajxp_home": "rw"},
            auto_applies=("standard", "admin"),
            label="Root Role",
        )
    )


def _workspace_traps(content: SampleContent) -> Iterator[TableRow]:
    # storage Cells cannot serve
    smb = uid("trap-smb")
    yield from content.workspace(
        WorkspaceDef(
            uuid=smb,
            slug="smb-archive",
            display="SMB Archive",
            driver="smb",
            options={"HOST": "fileserver", "PATH": "/archive", "DEFAULT_RIGHTS": ""},
        )
    )
    content.finding("unsupported-driver", FindingKind.WORKSPACE, smb)

    # slugs equal but for case; one with a description that is not UTF-8 (Latin-1 bytes)
    first, second = sorted((uid("trap-clash-a"), uid("trap-clash-b")))
    folder = str(content.storage / "clash")
    yield from content.workspace(
        WorkspaceDef(
            uuid=first,
            slug="Projects",
            display="Projects",
            options={"PATH": folder, "USER_DESCRIPTION": b"R\xe9sum\xe9s des projets"},
        )
    )
    content.finding("invalid-utf8", FindingKind.WORKSPACE, first)
    yield from content.workspace(
        WorkspaceDef(uuid=second, slug="projects", display="projects", options={"PATH": folder})
    )
    content.finding("slug-clash", FindingKind.WORKSPACE, second)


def _user_traps(content: SampleContent) -> Iterator[TableRow]:
    # a login stored with capitals (written before auth.sql forced lower case, §1.2): kept
    # as stored, with its lower-case form for Cells; no finding
    yield from content.user(
        UserDef(
            login="Mixed.Case",
            password_hash=pbkdf2_hash(password_for("Mixed.Case"), "Mixed.Case"),
            display_name="Mixed Case",
        )
    )

    # a login with a space; a conf-side user with no password row (LDAP)
    yield from content.user(
        UserDef(
            login="john smith",
            password_hash=pbkdf2_hash(password_for("john smith"), "john smith"),
            display_name="John Smith",
        )
    )
    content.finding("unsafe-login", FindingKind.USER, "john smith")
    yield from content.user(
        UserDef(login="ldap.user", password_hash=None, has_auth=False, display_name="Ldap User")
    )
    content.finding("no-password", FindingKind.USER, "ldap.user")
