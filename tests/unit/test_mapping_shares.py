"""The share mapping (migrate/mapping/shares.py) and the share differ (migrate/kinds/share.py).

Inventories are built by hand with the builders of test_mapping_cases.py; the differ runs
on hand-made live states (pure: no server).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from migrate.cells.models import Policy, User
from migrate.cells.shares import ShareCell, ShareLink, handed_over
from migrate.kinds.base import DiffContext
from migrate.kinds.live_state import LiveState
from migrate.kinds.registry import handler_for
from migrate.kinds.vocabulary import ActionType, Kind
from migrate.legacy.model import (
    HashFormat,
    Inventory,
    LegacyMap,
    LegacyShare,
    LegacySource,
    LegacyUser,
    LegacyWorkspace,
    ShareType,
)
from migrate.mapping import DesiredState, PasswordStrategy, map_inventory
from migrate.mapping.desired import LinkPassword, NodeKind, RoleTarget
from migrate.mapping.rules import MappingRules
from migrate.secret import Secret
from tests.unit.test_mapping_cases import RULES, role, user, with_rules, ws

PARENT = "0123456789abcdef0123456789abcdef"
CHILD = "11111111111111111111111111111111"
LINKED = "22222222222222222222222222222222"
NOW = 1_800_000_000
HANDLER = handler_for(Kind.SHARE)


def child(wid: str, sub: str, **options: Any) -> LegacyWorkspace:
    """A shared child of PARENT on ``sub`` (8.x ``AJXP_PARENT_OPTION``)."""
    return LegacyWorkspace(
        workspace_id=wid,
        slug=wid[:6],
        display=options.pop("display", f"shared {sub}"),
        driver="fs",
        path=f"AJXP_PARENT_OPTION:PATH:{sub}",
        options=LegacyMap.from_python({"PATH": f"AJXP_PARENT_OPTION:PATH:{sub}", **options}),
        parent_id=PARENT,
        owner="marie",
        infer_options_from_parent=True,
    )


def share(sid: str, kind: ShareType, workspace: str, **kw: Any) -> LegacyShare:
    data: dict[str, object] = {
        "SHARE_TYPE": kind.value,
        "OWNER_ID": "marie",
        "REPOSITORY": workspace,
    }
    data.update(kw.pop("data", {}))
    return LegacyShare(
        share_id=sid,
        share_type=kind,
        owner="marie",
        workspace_id=workspace,
        parent_workspace_id=PARENT,
        data=LegacyMap.from_python(data),
        **kw,
    )


def hidden(login: str) -> LegacyUser:
    return user(
        login,
        profile="shared",
        hidden=True,
        parent_user="marie",
        password_hash=Secret("sha256:1000:c2FsdA==:bGluaw=="),
        hash_format=HashFormat.PBKDF2,
    )


def lab(*shares: LegacyShare, extra: tuple[object, ...] = ()) -> Inventory:
    objects: list[object] = [
        ws(PARENT, "/srv/lab", slug="lab"),
        child(CHILD, "/team", USER_DESCRIPTION="team data"),
        child(LINKED, "/pub"),
        user("marie"),
        user("pierre"),
        hidden("abcdef012345"),
        role("AJXP_USR_/pierre", {CHILD: "rw"}),
        role("AJXP_USR_/abcdef012345", {LINKED: "rw"}),
        *extra,
    ]

    def of(cls: type) -> tuple[Any, ...]:
        return tuple(o for o in objects if isinstance(o, cls))

    return Inventory(
        source=LegacySource(kind="sql", dialect="sqlite"),
        users=of(LegacyUser),
        roles=of(type(role("x"))),
        workspaces=of(LegacyWorkspace),
        shares=shares,
    )


def mapped(
    inventory: Inventory,
    rules: MappingRules = RULES,
    strategy: PasswordStrategy = PasswordStrategy.RESET,
) -> DesiredState:
    return map_inventory(inventory, rules, password_strategy=strategy, now=NOW)


REPO = share(f"repo-{CHILD}", ShareType.REPOSITORY, CHILD)
LINK = share("abc123", ShareType.MINISITE, LINKED, guest_user="abcdef012345")


def test_a_repository_share_is_a_cell_owned_by_the_sharer_with_its_members() -> None:
    state = mapped(lab(REPO))
    (cell,) = state.cells
    assert (cell.label, cell.owner, cell.description) == ("shared /team", "marie", "team data")
    assert cell.root.kind is NodeKind.FOLDER
    assert cell.root.path.endswith("/team")
    assert [(m.role.target, m.role.key, m.read, m.write) for m in cell.members] == [
        (RoleTarget.USER, "pierre", True, True)
    ]
    assert cell.key == "cell:shared /team"


def test_a_minisite_is_a_link_at_the_same_hash_with_upload_from_the_link_user() -> None:
    state = mapped(lab(LINK))
    (link,) = state.links
    assert (link.link_hash, link.key, link.owner) == ("abc123", "link:abc123", "marie")
    assert link.permissions == ("Preview", "Download", "Upload")
    assert link.password is LinkPassword.NONE
    assert link.template == "pydio_shared_folder"
    assert link.root.path.endswith("/pub")
    # the hidden link user is not a Cells user, and gives the cell no member
    assert "abcdef012345" not in {u.login for u in state.users}


def test_link_password_keeps_the_hidden_users_hash_only_with_keep_hash() -> None:
    protected = dataclasses.replace(LINK, password_protected=True)
    kept = mapped(lab(protected), strategy=PasswordStrategy.KEEP_HASH).links[0]
    assert kept.password is LinkPassword.KEEP_HASH
    assert kept.legacy_hash is not None
    assert "bGluaw" not in repr(kept)  # never in a repr
    fresh = mapped(lab(protected), strategy=PasswordStrategy.RANDOM).links[0]
    assert (fresh.password, fresh.legacy_hash) == (LinkPassword.NEW, None)


def test_download_disabled_expiry_and_limit_carry_over() -> None:
    link = dataclasses.replace(LINK, download_disabled=True, expire_time=NOW + 60, download_limit=5)
    (out,) = mapped(lab(link)).links
    assert out.permissions == ("Preview", "Upload")
    assert (out.access_end, out.max_downloads) == (NOW + 60, 5)


def test_expired_link_is_a_warning_unless_the_mapping_migrates_expired_ones() -> None:
    expired = dataclasses.replace(LINK, expire_time=NOW - 1)
    state = mapped(lab(expired))
    assert state.links == ()
    (finding,) = [f for f in state.findings if f.key == "abc123"]
    assert (finding.code, finding.severity.value) == ("share-expired", "warning")
    assert "migrate_expired" in finding.message
    rules = with_rules(shares={"migrate_expired": True})
    assert [link.link_hash for link in mapped(lab(expired), rules).links] == ["abc123"]


def test_download_limit_reached_owner_gone_and_unknown_types_are_warnings() -> None:
    used = dataclasses.replace(
        LINK,
        download_limit=2,
        data=LegacyMap.from_python({**dict(LINK.data.items), "DOWNLOAD_COUNT": 2}),
    )
    orphan = dataclasses.replace(REPO, owner="ghost")
    odd = share("oldlink", ShareType.PUBLICLET, LINKED)
    for legacy, code in (
        (used, "share-download-limit-reached"),
        (orphan, "share-owner-not-migrated"),
        (odd, "share-type-unsupported"),
    ):
        state = mapped(lab(legacy))
        made = {link.legacy_key for link in state.links} | {c.legacy_key for c in state.cells}
        assert legacy.share_id not in made
        assert code in {f.code for f in state.findings if f.key == legacy.share_id}


def test_the_plan_skips_an_unmigratable_share_with_its_reason() -> None:
    from migrate.plan.diff import diff_state

    state = mapped(lab(dataclasses.replace(LINK, expire_time=NOW - 1)))
    actions = diff_state(state, LiveState())
    skips = [a for a in actions if a.kind is Kind.SHARE and a.action is ActionType.SKIP]
    assert [(a.key, a.action) for a in skips] == [("abc123", ActionType.SKIP)]
    assert "expired" in skips[0].reason


# --- the differ ------------------------------------------------------------------------------

MARIE = User(login="marie", uuid="u-marie")
PIERRE = User(login="pierre", uuid="u-pierre")
ADMIN = User(login="admin", uuid="u-admin")
NODE = "node-pub"
TEAM_NODE = "node-team"


def _ctx(state: DesiredState, *shares: ShareLink | ShareCell) -> DiffContext:
    desired = state
    folders = {state.links[0].root.path: NODE} if state.links else {}
    folders.update({c.root.path: TEAM_NODE for c in state.cells})
    live = LiveState(
        users=(ADMIN, MARIE, PIERRE), shares=shares, folders=tuple(sorted(folders.items()))
    )
    return DiffContext(desired=desired, live=live, tool_login="admin")


def _live_link(**kw: Any) -> ShareLink:
    base = ShareLink(
        uuid="l1",
        link_hash="abc123",
        label="shared /pub",
        root_nodes=(NODE,),
        permissions=("Preview", "Download", "Upload"),
        template="pydio_shared_folder",
        policies=(Policy(subject="u-marie", action="OWNER"),),
    )
    return dataclasses.replace(base, **kw)


def test_link_diff_create_noop_update_and_hash_conflict() -> None:
    state = mapped(lab(LINK))
    desired = tuple(o for o in HANDLER.desired(state) if o.key == "link:abc123")
    (create,) = HANDLER.diff(desired, _ctx(state))
    assert (create.key, create.action) == ("link:abc123", ActionType.CREATE)
    (noop,) = HANDLER.diff(desired, _ctx(state, _live_link()))
    assert (noop.action, noop.cells_id) == (ActionType.NOOP, "l1")
    (update,) = HANDLER.diff(desired, _ctx(state, _live_link(label="renamed")))
    assert update.action is ActionType.UPDATE
    assert [(c.field, c.old, c.new) for c in update.changes] == [
        ("label", "renamed", "shared /pub")
    ]
    (clash,) = HANDLER.diff(desired, _ctx(state, _live_link(root_nodes=("elsewhere",))))
    assert clash.action is ActionType.CONFLICT
    assert "never taken over" in clash.reason


def test_cell_diff_finds_the_cell_by_root_and_label_and_compares_members() -> None:
    state = mapped(lab(REPO))
    desired = HANDLER.desired(state)
    acls = (
        ("u-admin", ("read", "write")),
        ("u-marie", ("read", "write")),
        ("u-pierre", ("read", "write")),
    )
    live = ShareCell(
        uuid="c1",
        label="shared /team",
        description="team data",
        root_nodes=(TEAM_NODE,),
        acls=acls,
        policies=(Policy(subject="u-marie", action="OWNER"),),
    )
    (noop,) = HANDLER.diff(desired, _ctx(state, live))
    assert (noop.action, noop.cells_id) == (ActionType.NOOP, "c1")
    read_only = dataclasses.replace(live, acls=(*acls[:2], ("u-pierre", ("read",))))
    (update,) = HANDLER.diff(desired, _ctx(state, read_only))
    assert update.action is ActionType.UPDATE
    assert [c.field for c in update.changes] == ["members"]
    other_label = dataclasses.replace(live, label="someone else's")
    (create,) = HANDLER.diff(desired, _ctx(state, other_label))
    assert create.action is ActionType.CREATE


def test_hand_over_moves_ownership_as_recorded() -> None:
    policies = (
        Policy(subject="u-admin", action="OWNER"),
        Policy(subject="user:admin", action="READ"),
        Policy(subject="user:admin", action="WRITE"),
        Policy(subject="profile:admin", action="WRITE"),
        Policy(subject="user:hidden", action="READ"),
    )
    out = handed_over(policies, owner_uuid="u-marie", owner_login="marie", caller_login="admin")
    assert [(p.action, p.subject) for p in out] == [
        ("OWNER", "u-marie"),
        ("READ", "user:marie"),
        ("WRITE", "user:marie"),
        ("WRITE", "profile:admin"),
        ("READ", "user:hidden"),
    ]


def test_images_round_trip_and_hold_no_password() -> None:
    link = _live_link(password_required=True)
    image = HANDLER.image(link)
    assert HANDLER.fields(HANDLER.from_image(image)) == HANDLER.fields(link)
    assert not {"CreatePassword", "UpdatePassword", "Password"} & set(image)
    cell = ShareCell(uuid="c1", label="x", root_nodes=("n",), acls=(("r", ("read",)),))
    assert HANDLER.fields(HANDLER.from_image(HANDLER.image(cell))) == HANDLER.fields(cell)
