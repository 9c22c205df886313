"""``plan`` against the emulator (a real HTTP server on loopback), issue 5 "Done when".

The desired state is written by hand (small, every kind, a sub-folder root); the objects a
plan says to create are created in the test itself through a read-write client and the
same bodies (the apply stage does not exist yet). Every plan is computed with a read-only
client while the emulator refuses any write (``forbid_writes``), and the request log is
checked to hold reads only.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from migrate.cells.client import CellsClient
from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from migrate.cells.http import is_write
from migrate.cells.models import ACL, User, Workspace
from migrate.config import AuthConfig, AuthMethod, CellsConfig
from migrate.errors import DatasourceNotServed, StalePlanError
from migrate.kinds.acl import body as acl_body
from migrate.kinds.datasource import body as datasource_body
from migrate.kinds.group import body as group_body
from migrate.kinds.keys import AclId
from migrate.kinds.role import body as role_body
from migrate.kinds.user import body as user_body
from migrate.kinds.workspace import body as workspace_body
from migrate.mapping.desired import (
    DesiredAcl,
    DesiredDatasource,
    DesiredGroup,
    DesiredRole,
    DesiredState,
    DesiredUser,
    DesiredWorkspace,
    NodeKind,
    NodeRef,
    PasswordAction,
    PasswordPlan,
    RoleRef,
    RoleTarget,
)
from migrate.plan import (
    ActionType,
    DesiredIndex,
    Kind,
    Plan,
    Stage,
    build_plan,
    check_fresh,
    plan_to_json,
    read_plan_file,
    render_markdown,
    render_text,
    write_plan_file,
)
from migrate.progress import NullProgress
from migrate.secret import Secret

pytestmark = pytest.mark.integration

WS_DATA = "5f0c2b1e8a9d4c3b2a1f0e9d8c7b6a51"
WS_PROJECTS = "5f0c2b1e8a9d4c3b2a1f0e9d8c7b6a52"
S3_SECRET = "s3-secret-key-never-shown-0001"
S3_KEY = "AKIAEXAMPLEKEY0001"
LEGACY_HASH = "sha256:1000:c2FsdHNhbHQ=:aGFzaGhhc2hoYXNoaGFzaA=="


def _user(
    login: str, group: str, roles: tuple[str, ...] = (), profile: str = "standard"
) -> DesiredUser:
    return DesiredUser(
        uuid=f"00000000-0000-5000-8000-{abs(hash(login)) % 10**12:012d}",
        login=login,
        group_path=group,
        profile=profile,
        display_name=login.title(),
        email=f"{login}@lab.example",
        roles=roles,
        password=PasswordPlan(action=PasswordAction.KEEP_HASH, legacy_hash=Secret(LEGACY_HASH)),
        legacy_key=login,
    )


def _desired(storage: Path) -> DesiredState:
    folder = storage / "labdata"
    (folder / "projects").mkdir(parents=True, exist_ok=True)
    (folder / "projects" / "readme.txt").write_text("hello", encoding="utf-8")
    data_root = NodeRef(kind=NodeKind.DATASOURCE, path="labdata", uuid="DATASOURCE:labdata")
    projects = NodeRef(kind=NodeKind.FOLDER, path="labdata/projects")
    users = (
        _user("ada", "/lab/optics", ("visitors",)),
        _user("bob", "/lab"),
        _user("carol", "/lab"),
    )
    return DesiredState(
        datasources=(
            DesiredDatasource(
                name="labdata",
                storage_type="LOCAL",
                storage_configuration=(("folder", str(folder)), ("normalize", "false")),
                legacy_key=str(folder),
            ),
        ),
        groups=(
            DesiredGroup(
                uuid="g1", path="/lab", parent_path="/", label="lab", display_name="Physics Lab"
            ),
            DesiredGroup(
                uuid="g2",
                path="/lab/optics",
                parent_path="/lab",
                label="optics",
                display_name="Optics Team",
            ),
        ),
        roles=(DesiredRole(uuid="visitors", label="Lab Visitors", auto_applies=("shared",)),),
        users=users,
        workspaces=(
            DesiredWorkspace(
                uuid=WS_DATA,
                slug="lab-data",
                label="Lab Data",
                attributes=(("ALLOW_SYNC", True), ("DEFAULT_RIGHTS", "")),
                root_nodes=(data_root,),
                datasource="labdata",
                legacy_key=WS_DATA,
            ),
            DesiredWorkspace(
                uuid=WS_PROJECTS,
                slug="projects",
                label="Projects",
                attributes=(("DEFAULT_RIGHTS", "r"),),
                root_nodes=(projects,),
                datasource="labdata",
                legacy_key=WS_PROJECTS,
            ),
        ),
        acls=(
            DesiredAcl(
                role=RoleRef(target=RoleTarget.GROUP, key="/lab"),
                workspace_uuid=WS_DATA,
                node=data_root,
                action="read",
            ),
            DesiredAcl(
                role=RoleRef(target=RoleTarget.USER, key="ada"),
                workspace_uuid=WS_DATA,
                node=data_root,
                action="write",
            ),
            DesiredAcl(
                role=RoleRef(target=RoleTarget.ROLE, key="visitors"),
                workspace_uuid=WS_PROJECTS,
                node=projects,
                action="read",
            ),
            DesiredAcl(
                role=RoleRef(target=RoleTarget.USER, key="bob"),
                workspace_uuid=WS_PROJECTS,
                node=projects,
                action="read",
            ),
            DesiredAcl(
                role=RoleRef(target=RoleTarget.USER, key="carol"),
                workspace_uuid=WS_DATA,
                node=data_root,
                action="read",
            ),
        ),
    )


@pytest.fixture
def emu() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=11, index_delay_s=0.0)) as server:
        yield server


def _client(emu: EmulatorServer, *, read_only: bool) -> CellsClient:
    auth = AuthConfig(method=AuthMethod.PAT, token=Secret(emu.mint_pat("admin")))
    return CellsClient(CellsConfig(url=emu.url, auth=auth, concurrency=4), read_only=read_only)


def _plan(emu: EmulatorServer, desired: DesiredState, **kw: object) -> Plan:
    """A plan while the emulator refuses writes; asserts that only reads were received."""
    before = len(emu.requests())
    emu.configure(forbid_writes=True)
    try:
        with _client(emu, read_only=True) as client:
            plan = build_plan(desired, client, progress=NullProgress(), **kw)  # type: ignore[arg-type]
    finally:
        emu.configure(forbid_writes=False)
    sent = emu.requests()[before:]
    assert sent, "the plan read nothing"
    assert [r for r in sent if is_write(r["method"], r["path"])] == []
    assert all(r["status"] == 200 for r in sent), sent
    return plan


def _push(client: CellsClient, desired: DesiredState, plan: Plan, stages: set[Stage]) -> int:
    """Write what ``plan`` creates, updates or adopts in ``stages`` (the test's mini-apply)."""
    index = DesiredIndex.build(desired)
    folders = {}
    for node in [n for w in desired.workspaces for n in w.root_nodes]:
        if node.kind is NodeKind.FOLDER:
            try:
                found = client.stat_node(node.path)
            except DatasourceNotServed:
                continue  # not created yet (the first round creates it)
            if found is not None:
                folders[node.path] = found.uuid
    written = 0
    for action in plan.actions:
        if action.stage not in stages or not action.action.changes_cells:
            continue
        obj = index.get(action)
        if isinstance(obj, DesiredDatasource):
            client.put_datasource(datasource_body(obj))
        elif isinstance(obj, DesiredGroup):
            client.put_group(group_body(obj))
        elif isinstance(obj, DesiredRole):
            client.put_role(role_body(obj))
        elif isinstance(obj, DesiredUser):
            client.put_user(user_body(obj, uuid=action.cells_id))
        elif isinstance(obj, DesiredWorkspace):
            client.put_workspace(workspace_body(obj, folders))
        elif action.kind is Kind.ACL:
            target = AclId.parse(action.cells_id)
            assert target.role_known, action
            assert not target.node_id.startswith("path:"), action
            client.put_acl(acl_body(target, "1"))
        else:
            raise AssertionError(f"unexpected action {action}")
        written += 1
    return written


def _converge(emu: EmulatorServer, desired: DesiredState) -> None:
    """Create everything, stage group by stage group, re-planning between them (ids of
    groups and indexed folders are only known once they exist)."""
    with _client(emu, read_only=False) as client:
        for stages in (
            {Stage.DATASOURCES, Stage.GROUPS, Stage.ROLES, Stage.USERS},
            {Stage.WORKSPACES},
            {Stage.ACLS},
        ):
            _push(client, desired, _plan(emu, desired), stages)


def _actions(plan: Plan) -> dict[tuple[str, str], str]:
    return {(a.kind.value, a.key): a.action.value for a in plan.actions}


def _not_noop(plan: Plan) -> dict[tuple[str, str], tuple[str, tuple[str, ...]]]:
    return {
        (a.kind.value, a.key): (a.action.value, tuple(c.field for c in a.changes))
        for a in plan.actions
        if a.action is not ActionType.NOOP
    }


def test_empty_cells_gives_only_creates(emu: EmulatorServer, tmp_path: Path) -> None:
    desired = _desired(tmp_path)
    plan = _plan(emu, desired)
    assert {a.action for a in plan.actions} == {ActionType.CREATE}
    assert plan.summary()["create"] == 1 + 2 + 1 + 3 + 2 + 5
    assert plan.by_kind()["acl"]["create"] == 5
    # stage order, parents before children
    stages = [a.stage.rank for a in plan.actions]
    assert stages == sorted(stages)
    groups = [a.key for a in plan.actions if a.kind is Kind.GROUP]
    assert groups == ["/lab", "/lab/optics"]
    assert plan.has_changes


def test_after_creating_everything_the_plan_is_all_noops(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    desired = _desired(tmp_path)
    _converge(emu, desired)
    plan = _plan(emu, desired)
    assert _not_noop(plan) == {}
    assert len(plan.actions) == 14
    assert not plan.has_changes
    out = io.StringIO()
    render_text(plan, out)
    assert "No changes." in out.getvalue()


def test_drift_shows_exactly_those_updates(emu: EmulatorServer, tmp_path: Path) -> None:
    desired = _desired(tmp_path)
    _converge(emu, desired)
    with _client(emu, read_only=False) as client:
        role = client.get_role("visitors")
        assert role is not None
        client.put_role(replace(role, label="Visitors (renamed by hand)", policies=()))
        ada = client.get_user("ada")
        assert ada is not None
        client.put_user(replace(ada, group_path="/lab", policies=()))
        removed = client.delete_acls(
            ACL(
                action="read",
                role_id="visitors",
                workspace_id=WS_PROJECTS,
                node_id=_projects(client),
            )
        )
        assert removed == 1
        ws = client.search_workspaces(uuid=WS_DATA)[0]
        client.put_workspace(replace(ws, label="Lab Data (old)", policies=()))
    plan = _plan(emu, desired)
    assert _not_noop(plan) == {
        ("role", "visitors"): ("update", ("label",)),
        ("user", "ada"): ("update", ("group_path",)),
        ("workspace", "lab-data"): ("update", ("label",)),
        ("acl", "role:visitors@projects:labdata/projects:read"): ("create", ("value",)),
    }
    by_key = {(a.kind, a.key): a for a in plan.actions}
    change = by_key[(Kind.USER, "ada")].changes[0]
    assert (change.old, change.new) == ("/lab", "/lab/optics")
    label = by_key[(Kind.ROLE, "visitors")].changes[0]
    assert (label.old, label.new) == ("Visitors (renamed by hand)", "Lab Visitors")


def _projects(client: CellsClient) -> str:
    node = client.stat_node("labdata/projects")
    assert node is not None
    return node.uuid


def test_slug_taken_by_another_workspace_is_a_conflict(emu: EmulatorServer, tmp_path: Path) -> None:
    desired = _desired(tmp_path)
    with _client(emu, read_only=False) as client:
        theirs = client.put_workspace(Workspace(uuid="", slug="lab-data", label="Someone's data"))
    plan = _plan(emu, desired)
    action = next(a for a in plan.actions if a.key == "lab-data")
    assert action.action is ActionType.CONFLICT
    assert theirs.uuid in action.reason
    assert WS_DATA in action.reason
    assert "workspaces.rename" in action.reason
    assert plan.has_changes


def test_existing_user_is_adopted_or_in_conflict(emu: EmulatorServer, tmp_path: Path) -> None:
    desired = _desired(tmp_path)
    with _client(emu, read_only=False) as client:
        bob = client.put_user(
            User(login="bob", group_path="/lab", attributes=(("profile", "standard"),))
        )
        carol = client.put_user(
            User(login="carol", group_path="/lab", attributes=(("profile", "admin"),))
        )
    plan = _plan(emu, desired)
    by_key = {(a.kind, a.key): a for a in plan.actions}
    adopt = by_key[(Kind.USER, "bob")]
    assert adopt.action is ActionType.ADOPT
    assert adopt.cells_id == bob.uuid
    assert {c.field for c in adopt.changes} == {"display_name", "email"}
    assert "keeps its password" in adopt.reason
    conflict = by_key[(Kind.USER, "carol")]
    assert conflict.action is ActionType.CONFLICT
    assert [(c.field, c.old, c.new) for c in conflict.changes] == [("profile", "admin", "standard")]
    assert carol.uuid in conflict.reason
    assert "users.rename" in conflict.reason
    # ACLs follow the adopted account and are held back for the conflicting one
    bob_acl = next(a for a in plan.actions if a.key.startswith("user:bob@"))
    assert bob_acl.action is ActionType.CREATE
    assert bob_acl.cells_id.startswith(bob.uuid + "|")
    carol_acl = next(a for a in plan.actions if a.key.startswith("user:carol@"))
    assert carol_acl.action is ActionType.SKIP
    assert "conflict" in carol_acl.reason


def test_objects_not_ours_are_never_deleted(emu: EmulatorServer, tmp_path: Path) -> None:
    desired = _desired(tmp_path)
    _converge(emu, desired)
    with _client(emu, read_only=False) as client:
        client.put_workspace(Workspace(uuid="", slug="hand-made", label="Hand made"))
        client.put_acl(
            ACL(
                action="write",
                value="1",
                role_id="visitors",
                workspace_id=WS_DATA,
                node_id="DATASOURCE:labdata",
            )
        )
    plan = _plan(emu, desired)
    assert _not_noop(plan) == {}
    assert all(a.key != "hand-made" for a in plan.actions)
    assert [a for a in plan.actions if a.action is ActionType.DELETE] == []
    assert plan.summary()["delete"] == 0


def test_secrets_never_in_plan_output_or_file(emu: EmulatorServer, tmp_path: Path) -> None:
    desired = _desired(tmp_path)
    s3 = DesiredDatasource(
        name="archive",
        storage_type="S3",
        objects_bucket="lab-archive",
        api_key=Secret(S3_KEY),
        api_secret=Secret(S3_SECRET),
        legacy_key="s3://lab-archive",
    )
    desired = replace(desired, datasources=(*desired.datasources, s3))
    plan = _plan(emu, desired)
    text, md = io.StringIO(), io.StringIO()
    render_text(plan, text)
    render_markdown(plan, md)
    path = tmp_path / "plan.json"
    write_plan_file(plan, path)
    outputs = [text.getvalue(), md.getvalue(), json.dumps(plan_to_json(plan)), path.read_text()]
    for output in outputs:
        for secret in (S3_KEY, S3_SECRET, LEGACY_HASH, "c2FsdHNhbHQ="):
            assert secret not in output
    assert "api_secret: (sensitive value)" in text.getvalue()
    assert path.stat().st_mode & 0o777 == 0o600


def test_saved_plan_is_stale_after_cells_changes(emu: EmulatorServer, tmp_path: Path) -> None:
    desired = _desired(tmp_path)
    _converge(emu, desired)
    saved_path = tmp_path / "plan.json"
    write_plan_file(_plan(emu, desired), saved_path)
    saved = read_plan_file(saved_path)
    check_fresh(saved, _plan(emu, desired).fingerprint)  # nothing changed: fresh
    with _client(emu, read_only=False) as client:
        group = next(g for g in client.list_groups() if g.path == "/lab")
        client.put_group(replace(group, attributes=(("displayName", "Renamed"),), policies=()))
    with pytest.raises(StalePlanError, match="Cells changed"):
        check_fresh(saved, _plan(emu, desired).fingerprint)


def test_stage_filter_keeps_only_those_stages(emu: EmulatorServer, tmp_path: Path) -> None:
    desired = _desired(tmp_path)
    plan = _plan(emu, desired, stages=[Stage.USERS, Stage.GROUPS])
    assert {a.stage for a in plan.actions} == {Stage.USERS, Stage.GROUPS}
    assert plan.stages == (Stage.GROUPS, Stage.USERS)
    assert _actions(plan)[("user", "ada")] == "create"
