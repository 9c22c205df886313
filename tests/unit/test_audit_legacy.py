"""The legacy oracle applies Pydio 8's rules (legacy-model.md §5.4, §6, §8, §9) by itself.

Each case is a hand-built inventory and the rights one user reached, per place:
``{"file:/srv/a": "rw", ...}`` at the roots of the views the oracle returns.
"""

from __future__ import annotations

from typing import Any

import pytest

from migrate.audit.legacy_access import LegacyOracle, mask_bits
from migrate.audit.locations import Location, PathRules
from migrate.audit.model import right_text
from migrate.legacy.model import (
    DENY,
    Inventory,
    LegacyAcl,
    LegacyMask,
    LegacyShare,
    MaskRule,
    ShareType,
)
from tests.unit.test_mapping_cases import inventory, role, user, ws

A, B, C = "a" * 32, "b" * 32, "c" * 32
WS = [ws(A, "/srv/a"), ws(B, "/srv/b"), ws(C, "/srv/c")]
# Bob shared /team of workspace A (8.x shared child, legacy-model.md §8.3).
SHARED_TEAM = ws(
    B, "AJXP_PARENT_OPTION:PATH:/team", parent_id=A, owner="bob", infer_options_from_parent=True
)
PATHS = PathRules(variables=(("AJXP_DATA_PATH", "/var/lib/pydio"),))


def oracle(inv: Inventory) -> LegacyOracle:
    return LegacyOracle(inv, paths=PATHS, login_of=str.lower)


def reach(*objects: object, login: str = "alice") -> dict[str, str]:
    """The rights ``login`` reached, by view root."""
    inv = inventory(*objects)
    o = oracle(inv)
    person = next(u for u in inv.users if u.login.lower() == login)
    return {str(v.location): right_text(v.right) for v in o.views(person)}


CASES: list[tuple[str, list[Any], dict[str, str]]] = [
    (
        "personal role wins over group role",
        [*WS, role("AJXP_GRP_/", {A: "r"}), role("AJXP_USR_/alice", {A: "rw"}), user("alice")],
        {"file:/srv/a": "rw"},
    ),
    (
        "later role replaces: group r + user w = w only",
        [*WS, role("AJXP_GRP_/", {A: "r"}), role("AJXP_USR_/alice", {A: "w"}), user("alice")],
        {"file:/srv/a": "w"},
    ),
    (
        "deny on the personal role removes a group right",
        [*WS, role("AJXP_GRP_/", {A: "rw"}), role("AJXP_USR_/alice", {A: DENY}), user("alice")],
        {},
    ),
    (
        "a later allow replaces an earlier deny",
        [*WS, role("AJXP_GRP_/", {A: DENY}), role("AJXP_USR_/alice", {A: "r"}), user("alice")],
        {"file:/srv/a": "r"},
    ),
    (
        "group roles parents first, child group wins",
        [
            *WS,
            role("AJXP_GRP_/sales", {A: "rw"}),
            role("AJXP_GRP_/sales/emea", {A: "r"}),
            user("alice", group="/sales/emea"),
        ],
        {"file:/srv/a": "r"},
    ),
    (
        "a sibling group's role does not apply",
        [*WS, role("AJXP_GRP_/hr", {A: "rw"}), user("alice", group="/sales")],
        {},
    ),
    (
        "auto-applied role by profile; not for another profile",
        [
            *WS,
            role("r1", {A: "r"}, auto_applies=("admin",)),
            role("r2", {B: "rw"}, auto_applies=("standard",)),
            user("alice"),
        ],
        {"file:/srv/b": "rw"},
    ),
    (
        "auto-apply 'all' applies to everyone",
        [*WS, role("r1", {A: "r"}, auto_applies=("all",)), user("alice")],
        {"file:/srv/a": "r"},
    ),
    (
        "auto-applied role scoped to another group does not apply",
        [
            *WS,
            role("r1", {A: "r"}, auto_applies=("standard",), group_path="/hr"),
            user("alice", group="/sales"),
        ],
        {},
    ),
    (
        "explicit roles in order: the later wins",
        [
            *WS,
            role("r1", {A: "r"}),
            role("r2", {A: "rw"}),
            user("alice", roles=("AJXP_USR_/alice", "r1", "r2")),
        ],
        {"file:/srv/a": "rw"},
    ),
    (
        "ROLE_FORCE_OVERRIDE role goes after the others",
        [
            *WS,
            role("r1", {A: "r"}, force_override=True),
            role("r2", {A: "rw"}),
            user("alice", roles=("AJXP_USR_/alice", "r1", "r2")),
        ],
        {"file:/srv/a": "r"},
    ),
    (
        "shared user: group and admin roles are discarded, own role kept",
        [
            *WS,
            role("AJXP_GRP_/", {A: "rw"}),
            role("r1", {B: "rw"}),
            role("AJXP_USR_/alice", {C: "r"}),
            user("alice", profile="shared", parent_user="bob", roles=("AJXP_USR_/alice", "r1")),
        ],
        {"file:/srv/c": "r"},
    ),
    (
        "shared user keeps teams and roles auto-applied to shared",
        [
            *WS,
            role("t1", {A: "r"}, owner="bob"),
            role("ext", {B: "r"}, auto_applies=("shared",)),
            user("alice", profile="shared", parent_user="bob", roles=("AJXP_USR_/alice", "t1")),
        ],
        {"file:/srv/a": "r", "file:/srv/b": "r"},
    ),
    (
        "pre-8 team membership (ajxp_user_teams)",
        [*WS, role("team-1", {A: "rw"}, kind=None, members=("alice",)), user("alice")],
        {"file:/srv/a": "rw"},
    ),
    (
        "unmigrated 4.x rights rows fold into the personal role and win",
        [
            *WS,
            role("AJXP_USR_/alice", {A: "r"}),
            user("alice", legacy_rights=(LegacyAcl(workspace_id=A, right="rw"),)),
        ],
        {"file:/srv/a": "rw"},
    ),
    (
        "DEFAULT_RIGHTS is not read (copied once into the root role at boot)",
        [ws(A, "/srv/a", options={"DEFAULT_RIGHTS": "rw"}), user("alice")],
        {},
    ),
    (
        "templates, disabled workspaces and dangling rights give nothing",
        [
            ws(A, "/srv/a", is_template=True),
            ws(B, "/srv/b", enabled=False),
            role("AJXP_USR_/alice", {A: "rw", B: "rw", "d" * 32: "rw"}),
            user("alice"),
        ],
        {},
    ),
    (
        "child_user_id: only that user sees the workspace",
        [ws(A, "/srv/a", child_user="bob"), role("AJXP_GRP_/", {A: "rw"}), user("alice")],
        {},
    ),
    (
        "workspace groupPath scopes visibility",
        [
            ws(A, "/srv/a", group_path="/hr"),
            role("AJXP_GRP_/", {A: "rw"}),
            user("alice", group="/sales"),
        ],
        {},
    ),
    (
        "system workspaces hold no files",
        [
            ws("ajxp_home", None, driver="ajxp_home"),
            role("AJXP_GRP_/", {"ajxp_home": "rw"}),
            user("alice"),
        ],
        {},
    ),
    (
        "AJXP_USER: the user's own folder; variables resolved",
        [
            ws("1", "AJXP_DATA_PATH/personal/AJXP_USER"),
            ws(A, "AJXP_DATA_PATH/files"),
            role("AJXP_GRP_/", {"1": "rw", A: "r"}),
            user("Alice"),
        ],
        {"personal:/alice": "rw", "file:/var/lib/pydio/files": "r"},
    ),
    (
        "template child reads PATH from its template",
        [
            ws("tpl", "/srv/homes/AJXP_USER/docs", is_template=True),
            ws(A, None, parent_id="tpl", infer_options_from_parent=True),
            role("AJXP_GRP_/", {A: "rw"}),
            user("alice"),
        ],
        {"personal:/alice/docs": "rw"},
    ),
    (
        "an unresolvable path is still access",
        [ws(A, "AJXP_SOMETHING/x"), role("AJXP_GRP_/", {A: "r"}), user("alice")],
        {f"unresolved:/{A}": "r"},
    ),
    (
        "s3 and remote drivers",
        [
            ws(A, "/inner", driver="s3", options={"CONTAINER": "bucket"}),
            ws(B, "/share", driver="smb", options={"HOST": "nas"}),
            role("AJXP_GRP_/", {A: "r", B: "rw"}),
            user("alice"),
        ],
        {"s3:/bucket/inner": "r", "smb:/nas/share": "rw"},
    ),
    (
        "shared child: the sharer's sub-folder, invisible to the sharer",
        [
            ws(A, "/srv/a"),
            SHARED_TEAM,
            role("AJXP_USR_/alice", {B: "rw"}),
            role("AJXP_USR_/bob", {B: "rw"}),
            user("alice"),
            user("bob"),
        ],
        {"file:/srv/a/team": "rw"},
    ),
]


@pytest.mark.parametrize(("objects", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_oracle_reaches(objects: list[Any], expected: dict[str, str]) -> None:
    assert reach(*objects) == expected


def test_the_sharer_does_not_see_its_own_share() -> None:
    objects = [
        ws(A, "/srv/a"),
        SHARED_TEAM,
        role("AJXP_USR_/bob", {B: "rw"}),
        user("bob"),
    ]
    assert reach(*objects, login="bob") == {}


def test_a_share_of_a_personal_folder_opens_the_sharers_folder() -> None:
    objects = [
        ws("1", "/data/personal/AJXP_USER"),
        ws(
            B,
            "AJXP_PARENT_OPTION:PATH:/photos",
            parent_id="1",
            owner="Bob",
            infer_options_from_parent=True,
        ),
        role("AJXP_USR_/alice", {B: "r"}),
        user("alice"),
        user("Bob"),
    ]
    assert reach(*objects) == {"personal:/bob/photos": "r"}


MASK = (("/docs/private", 4, "m"), ("/public", 1, "m"), ("/team", 3, "m"))


@pytest.mark.parametrize(
    ("relative", "bits"),
    [
        ("/", 1),  # the root stays readable
        ("/public", 1),
        ("/public/x/y", 1),  # below a listed path: its permission
        ("/team/x", 3),
        ("/docs/private", 0),  # deny
        ("/docs/private/deeper", 0),
        ("/docs", 0),  # ancestor of a denied path only: not traversable
        ("/other", 0),  # not listed: denied once a mask exists
        ("/*", 0),
    ],
)
def test_mask_bits(relative: str, bits: int) -> None:
    assert mask_bits(MASK, relative) == bits


def test_masks_merge_path_by_path_and_limit_the_workspace_right() -> None:
    early = LegacyMask(workspace_id=A, rules=(MaskRule(path="/docs", permission=3),))
    late = LegacyMask(
        workspace_id=A,
        rules=(MaskRule(path="/docs", permission=1), MaskRule(path="/x", permission=4)),
    )
    inv = inventory(
        ws(A, "/srv/a"),
        role("AJXP_GRP_/", {A: "rw"}, masks=(early,)),
        role("AJXP_USR_/alice", masks=(late,)),
        user("alice"),
    )
    (view,) = oracle(inv).views(inv.users_by_login()["alice"])
    root = Location("file", "/srv/a")
    at = {p: right_text(view.at(root.join(p))) for p in ("/", "/docs", "/docs/sub", "/x", "/y")}
    assert at == {"/": "r", "/docs": "r", "/docs/sub": "r", "/x": "none", "/y": "none"}
    assert set(map(str, view.checkpoints())) == {
        "file:/srv/a",
        "file:/srv/a/*",
        "file:/srv/a/docs",
        "file:/srv/a/x",
    }


def test_hidden_users_are_links_not_users() -> None:
    child = ws(
        B, "AJXP_PARENT_OPTION:PATH:/pub", parent_id=A, owner="bob", infer_options_from_parent=True
    )
    share = LegacyShare(
        share_id="abc123",
        share_type=ShareType.MINISITE,
        owner="bob",
        workspace_id=B,
        parent_workspace_id=A,
        guest_user="hid",
        password_protected=True,
    )
    inv = inventory(
        ws(A, "/srv/a"),
        child,
        role("AJXP_USR_/hid", {B: "rw"}),
        user("hid", profile="shared", parent_user="bob", hidden=True),
        user("bob"),
    )
    inv = Inventory(
        source=inv.source,
        users=inv.users,
        roles=inv.roles,
        workspaces=inv.workspaces,
        shares=(share,),
    )
    o = oracle(inv)
    assert [u.login for u in o.users()] == ["bob"]
    (link,) = o.links()
    assert (link.hash, link.owner, str(link.location), right_text(link.right), link.password) == (
        "abc123",
        "bob",
        "file:/srv/a/pub",
        "rw",
        True,
    )


def test_path_rules_rewrite_the_longest_prefix_and_refuse_leftover_variables() -> None:
    rules = PathRules(
        variables=(("AJXP_DATA_PATH", "/var/lib/pydio"), ("AJXP_DATA", "/wrong")),
        rewrites=(("/var/lib", "/mnt"), ("/var/lib/pydio/files", "/srv/files")),
    )
    assert rules.resolve("AJXP_DATA_PATH/files/x") == "/srv/files/x"
    assert rules.resolve("AJXP_DATA_PATH/personal") == "/mnt/pydio/personal"
    assert rules.resolve("AJXP_INSTALL_PATH/x") is None
    assert rules.resolve("relative/x") is None
