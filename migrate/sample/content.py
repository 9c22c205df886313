"""The content of a sample Pydio 8 install, generated deterministically from an InstallSpec.

:class:`SampleContent` yields table rows (``rows()``) in the shapes Pydio writes and, at the
same time, collects the objects an extractor must return (``expected()``). Everything is a
pure function of the spec and the paths: no randomness, no clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from migrate.legacy.findings import acl_key
from migrate.legacy.model import (
    DENY,
    FindingKind,
    LegacyGroup,
    LegacyMap,
    LegacyRole,
    LegacyShare,
    LegacyUser,
    LegacyWorkspace,
    WorkspaceSource,
)
from migrate.sample.ids import (
    DEAD_WORKSPACE,
    LINK_PASSWORD,
    SHARED_PASSWORD,
    group_path_of,
    login_of,
    md5_hash,
    password_for,
    pbkdf2_hash,
    uid,
    workspace_id_of,
)
from migrate.sample.layout import layout_role, layout_workspaces, made_folders
from migrate.sample.records import (
    SHORT_ROLE_CLASS,
    STAMP,
    RoleDef,
    ShareDef,
    TableRow,
    UserDef,
    WorkspaceDef,
    expect_role,
    expect_share,
    expect_user,
    expect_workspace,
    role_row,
    share_row,
    user_rows,
    workspace_rows,
)
from migrate.sample.spec import Expected, ExpectedFinding, InstallSpec
from migrate.sample.traps import trap_rows

RIGHT_CYCLE = ("rw", "r", "w", "rw", DENY)
META_SOURCES = {
    "metastore.serial": {"METADATA_FILE_LOCATION": "infolders", "METADATA_FILE": ".ajxp_meta"},
    "meta.watch": [],
    "meta.syncable": {"REPO_SYNCABLE": "true"},
}


class SampleContent:
    """Rows and ground truth of one sample install."""

    def __init__(self, spec: InstallSpec, *, data_path: Path, storage_path: Path, dialect: str):
        self.spec = spec
        self.data_path = data_path
        self.storage = storage_path
        self.dialect = dialect
        self.users: list[LegacyUser] = []
        self.roles: list[LegacyRole] = []
        self.groups: list[LegacyGroup] = []
        self.workspaces: list[LegacyWorkspace] = list(static_workspaces())
        self.shares: list[LegacyShare] = []
        self.findings: set[ExpectedFinding] = set()
        self.fs_folders: list[Path] = []
        self._shared_hash = pbkdf2_hash(SHARED_PASSWORD, "shared")
        self._share_acls: dict[int, dict[str, str]] = {}

    def expected(self) -> Expected:
        """The ground truth collected while ``rows()`` ran."""
        return Expected(
            users=tuple(sorted(self.users, key=lambda u: u.login)),
            groups=tuple(sorted(self.groups, key=lambda g: g.path)),
            roles=tuple(sorted(self.roles, key=lambda r: r.role_id)),
            workspaces=tuple(sorted(self.workspaces, key=lambda w: w.workspace_id)),
            shares=tuple(sorted(self.shares, key=lambda s: s.share_id)),
            findings=frozenset(self.findings),
        )

    def rows(self) -> Iterator[TableRow]:
        """Every row of the install, table by table."""
        yield from self._groups()
        yield from self._workspaces()
        yield from self._roles()
        if self.spec.shares:
            yield from self._shares()
        yield from self._users()
        if self.spec.traps:
            yield from trap_rows(self)

    # --- pieces ---------------------------------------------------------------------------

    def role(self, role: RoleDef) -> Iterator[TableRow]:
        yield "ajxp_roles", role_row(role)
        if self.spec.collect_expected:
            self.roles.append(expect_role(role))

    def workspace(self, ws: WorkspaceDef) -> Iterator[TableRow]:
        yield from workspace_rows(ws)
        if self.spec.collect_expected:
            self.workspaces.append(expect_workspace(ws))

    def user(self, user: UserDef, role_class: str | None = None) -> Iterator[TableRow]:
        yield from user_rows(user)
        personal = user.personal
        if role_class is not None:
            personal = RoleDef(
                role_id=personal.role_id,
                class_name=role_class,
                acls=personal.acls,
                parameters=personal.parameters,
            )
        yield from self.role(personal)
        if self.spec.collect_expected:
            self.users.append(expect_user(user))

    def _groups(self) -> Iterator[TableRow]:
        root = RoleDef(
            role_id="AJXP_GRP_/",
            group_path="/",
            acls={"1": "rw", "ajxp_home": "rw", "inbox": "r"},
            label="Root Group",
        )
        yield from self.role(root)
        for k in range(self.spec.groups):
            path = group_path_of(k)
            label = f"Department {k}" if k % 2 == 0 else f"Team {k}"
            yield "ajxp_groups", {"groupPath": path, "groupLabel": label}
            self.groups.append(LegacyGroup(path=path, label=label))
            ws = workspace_id_of(k % self.spec.workspaces)
            yield from self.role(
                RoleDef(role_id=f"AJXP_GRP_{path}", group_path="/", acls={ws: "r"})
            )

    def _workspaces(self) -> Iterator[TableRow]:
        for j in range(self.spec.workspaces):
            yield from self.workspace(self._project(j))
        if self.spec.layout_traps:
            options = {k: v for k, v in self._fs_options("").items() if k != "PATH"}
            spec = self.spec
            for ws in layout_workspaces(self.storage, options, spec.s3_endpoint, spec.s3_bucket):
                yield from self.workspace(ws)
            self.fs_folders.extend(made_folders(self.storage))
        template = uid("sample-template")
        # Pydio makes the homes folder on a user's first visit of the template: it is there.
        self.fs_folders.append(self.storage / "homes")
        yield from self.workspace(
            WorkspaceDef(
                uuid=template,
                slug="home-template",
                display="Personal Home Template",
                options=self._fs_options(str(self.storage / "homes" / "AJXP_USER")),
                is_template=True,
            )
        )
        yield from self.workspace(
            WorkspaceDef(
                uuid=uid("sample-template-child"),
                slug="team-home",
                display="Team Home",
                options={"CREATION_TIME": STAMP, "CREATION_USER": "admin"},
                parent_uuid=template,
                infer=True,
                path_column=False,
            )
        )

    def _project(self, j: int) -> WorkspaceDef:
        if j % 10 == 9:
            options: dict[str, object] = {
                "CREATION_TIME": STAMP,
                "DEFAULT_RIGHTS": "",
                "API_KEY": f"AKIASAMPLE{j:010d}",
                "SECRET_KEY": f"sample/secret+{j:08d}",
                "REGION": "eu-west-1",
                "CONTAINER": f"bucket-{j:05d}",
                "PATH": "/",
                "SIGNATURE_VERSION": "v4",
            }
            driver = "s3"
        else:
            folder = self.storage / f"project-{j:05d}"
            self.fs_folders.append(folder)
            options = self._fs_options(str(folder))
            driver = "fs"
        return WorkspaceDef(
            uuid=workspace_id_of(j),
            slug=f"project-{j:05d}",
            display=f"Project {j}",
            driver=driver,
            options=options,
        )

    @staticmethod
    def _fs_options(path: str) -> dict[str, object]:
        return {
            "CREATION_TIME": STAMP,
            "DEFAULT_RIGHTS": "",
            "PATH": path,
            "CREATE": True,
            "CHMOD_VALUE": "0666",
            "PURGE_AFTER": 0,
            "META_SOURCES": META_SOURCES,
        }

    def _roles(self) -> Iterator[TableRow]:
        w = self.spec.workspaces
        for r in range(self.spec.roles):
            masks = {workspace_id_of(0): {"docs": {"private": 4}, "public": 1}} if r == 0 else {}
            yield from self.role(
                RoleDef(
                    role_id=f"role-{r:02d}",
                    group_path="/",
                    acls={workspace_id_of(r % w): "r"},
                    auto_applies=("standard",) if r == 0 else (),
                    masks=masks,
                    label=f"Role {r}",
                )
            )
        if self.spec.layout_traps:
            yield from self.role(layout_role(bool(self.spec.s3_endpoint)))
        for t in range(self.spec.teams):
            yield from self.role(
                RoleDef(role_id=f"team-{t}-{100 + t}", owner=login_of(1), label=f"Team {t}")
            )
        no_share = {"AJXP_REPO_SCOPE_ALL": {"action.share": {"open_user_shares": False}}}
        reserved = (
            ("EXTERNAL_USERS", "External users", ("shared",)),
            ("MINISITE", "Minisite Users", ()),
            ("MINISITE_NODOWNLOAD", "Minisite Users - No Download", ()),
            ("GUEST", "Guest user role", ("guest",)),
        )
        for role_id, label, applies in reserved:
            yield from self.role(
                RoleDef(role_id=role_id, label=label, auto_applies=applies, actions=no_share)
            )

    def _users(self) -> Iterator[TableRow]:
        for i in range(self.spec.users):
            yield from self.user(self._user_def(i), SHORT_ROLE_CLASS if i % 3 == 1 else None)

    def _user_def(self, i: int) -> UserDef:
        spec = self.spec
        login = login_of(i)
        group = i % (spec.groups + 1)
        roles: list[str] = []
        if spec.teams and i in (2, 3):
            roles.append("team-0-100")
        if spec.roles > 1 and i % 5 == 4:
            roles.append("role-01")
        if i >= spec.real_hashes:
            password = self._shared_hash
        elif i % 7 == 3:
            password = md5_hash(password_for(login))
        else:
            password = pbkdf2_hash(password_for(login), login)
        acls = self._user_acls(i)
        if spec.traps and i == 1:
            acls[DEAD_WORKSPACE] = "rw"
            key = acl_key(f"AJXP_USR_/{login}", DEAD_WORKSPACE)
            self.finding("dangling-right", FindingKind.ACL, key)
        trap = spec.traps
        if trap and i == 2:
            self.finding("dangling-role", FindingKind.USER, login)
        if trap and i == 3:
            self.finding("legacy-rights", FindingKind.USER, login)
        return UserDef(
            login=login,
            password_hash=password,
            group_path="/" if group == 0 else group_path_of(group - 1),
            admin=i == 0,
            profile="admin" if i == 0 else "standard",
            roles=tuple(roles),
            display_name="Administrator" if i == 0 else f"User {i}",
            email=None if i % 6 == 5 else f"{login}@example.test",
            acls=acls,
            roles_format="json" if trap and i == 4 else "phpserial",
            legacy_rights={workspace_id_of(0): "rw"} if trap and i == 3 else {},
            extra_roles=("deleted-role",) if trap and i == 2 else (),
        )

    def _user_acls(self, i: int) -> dict[str, str]:
        spec = self.spec
        base, extra = divmod(spec.rights, spec.users)
        count = min(base + (1 if i < extra else 0), spec.workspaces)
        acls = {
            workspace_id_of((i * 7 + k) % spec.workspaces): RIGHT_CYCLE[(i + k) % 5]
            for k in range(count)
        }
        acls.update(self._share_acls.get(i, {}))
        return acls

    def finding(self, code: str, kind: FindingKind, key: str) -> None:
        self.findings.add(ExpectedFinding(code=code, kind=kind, key=key))

    def _shares(self) -> Iterator[TableRow]:
        owner = login_of(1)
        parent = workspace_id_of(0)
        child = uid("share-minisite")
        hidden = uid("hidden-user")[:12]
        common = {"SHARE_ACCESS": "private", "CREATION_USER": owner, "DEFAULT_RIGHTS": ""}
        yield from self.workspace(
            WorkspaceDef(
                uuid=child,
                slug="shared-folder",
                display="Shared folder",
                options={"PATH": "AJXP_PARENT_OPTION:PATH:/shared-folder", **common},
                parent_uuid=parent,
                owner=owner,
                infer=True,
            )
        )
        yield from self._link_user(hidden, owner, child)
        minisite = {
            "OWNER_ID": owner,
            "DOWNLOAD_DISABLED": False,
            "AJXP_APPLICATION_BASE": "http://pydio.example.test/",
            "PRESET_LOGIN": hidden,
            "REPOSITORY": child,
            "SHARE_TYPE": "minisite",
        }
        yield from self.share(
            ShareDef(
                share_id=uid("link")[:6],
                data=minisite,
                parent_workspace=parent,
                path="/shared-folder",
            )
        )
        yield from self._repository_share(owner, parent)

    def _link_user(self, hidden: str, owner: str, child: str) -> Iterator[TableRow]:
        """The hidden user of a password-protected link and its AJXP_SHARED role (§9.2)."""
        yield from self.role(
            RoleDef(
                role_id=f"AJXP_SHARED-{child}",
                actions={child: {"action.share": {"share": False}}},
            )
        )
        yield from self.user(
            UserDef(
                login=hidden,
                password_hash=pbkdf2_hash(LINK_PASSWORD, hidden),
                group_path="/",
                profile="shared",
                parent_user=owner,
                hidden=True,
                roles=("EXTERNAL_USERS", f"AJXP_SHARED-{child}"),
                display_name="[Minisite User] Shared folder",
                acls={child: "r"},
            )
        )

    def _repository_share(self, owner: str, parent: str) -> Iterator[TableRow]:
        child = uid("share-repo")
        yield from self.workspace(
            WorkspaceDef(
                uuid=child,
                slug="team-data",
                display="Team data",
                options={"PATH": "AJXP_PARENT_OPTION:PATH:/team-data", "SHARE_ACCESS": "private"},
                parent_uuid=parent,
                owner=owner,
                infer=True,
            )
        )
        self._share_acls.setdefault(2, {})[child] = "rw"
        data = {
            "SHARE_TYPE": "repository",
            "OWNER_ID": owner,
            "REPOSITORY": child,
            "USERS_COUNT": 1,
            "GROUPS_COUNT": 0,
        }
        yield from self.share(
            ShareDef(
                share_id=f"repo-{child}", data=data, parent_workspace=parent, path="/team-data"
            )
        )
        yield from self.user(
            UserDef(
                login="ext.partner",
                password_hash=pbkdf2_hash(password_for("ext.partner"), "ext.partner"),
                group_path="/",
                profile=None,
                parent_user=owner,
                display_name="External Partner",
                email="partner@elsewhere.test",
            )
        )

    def share(self, share: ShareDef) -> Iterator[TableRow]:
        yield "ajxp_simple_store", share_row(share, self.dialect)
        if self.spec.collect_expected:
            self.shares.append(expect_share(share))


def static_workspaces() -> tuple[LegacyWorkspace, ...]:
    """The static workspaces of ``templates/bootstrap_repositories.php`` (8.x, §8.4)."""

    def ws(key: str, display: str, slug: str, driver: str, **opts: object) -> LegacyWorkspace:
        path = opts.get("PATH")
        return LegacyWorkspace(
            workspace_id=key,
            slug=slug,
            display=display,
            driver=driver,
            source=WorkspaceSource.STATIC,
            path=path if isinstance(path, str) else None,
            options=LegacyMap.from_python(dict(opts)),
            is_template=key == "fs_template",
            writeable=False,
        )

    return (
        ws("0", "Default Files", "default", "fs", PATH="AJXP_DATA_PATH/files", DEFAULT_RIGHTS=""),
        ws(
            "1",
            "My Files",
            "my-files",
            "fs",
            PATH="AJXP_DATA_PATH/personal/AJXP_USER",
            DEFAULT_RIGHTS="rw",
        ),
        ws("ajxp_home", "Welcome", "welcome", "ajxp_home", DEFAULT_RIGHTS="rw"),
        ws("inbox", "Inbox", "inbox", "inbox", DEFAULT_RIGHTS="r"),
        ws("ajxp_conf", "Settings", "settings", "ajxp_conf"),
        ws("fs_template", "Sample Template", "sample-template", "fs"),
    )
