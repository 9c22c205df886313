"""Parity: every recorded request of every cassette, replayed on a fresh emulator.

For each cassette the emulator must give the recorded HTTP status and the same JSON shape
(key sets, recursively; ids and timestamps ignored), and the same values for the keys that
carry behaviour (slugs, group paths, logins, labels, error titles, ACL tuples…, see
``emulator_replay.VALUE_KEYS``; recorded ids are translated to the emulator's first),
except where ``SAME_SHAPE`` says why not.
The recordings were made in sequence on one server, so a cassette that uses objects an
earlier one created first replays those (``PRELUDES``, not asserted there); objects made
outside any cassette are created by ``SETUPS``. Recorded credentials are replaced by
emulator tokens (``TOKENS``).

Skipped interactions (not modelled by the emulator), with the reason:

| cassette / path                          | why skipped                                        |
| ---------------------------------------- | -------------------------------------------------- |
| ``GET /a/frontend/state`` (any)           | XML GUI registry of the web client: not modelled   |
| personal-files-template #8 (tree stats)   | template roots (``personal/<login>``) not resolved |
| ``POST /a/tree/create`` (any)             | user-space tree: folder creation in a workspace    |
| ``POST /a/meta/bulk/get`` (any)           | user-space tree listing                            |
| ``GET /a/frontend/bootconf`` (any)        | 177 KB boot config with i18n; a reduced one served |
| personal-files-template #12, #13          | ``personal/<login>`` appears on user-space access  |
| share-link-password #0 (tree create)      | user-space folder creation: the folder is made by  |
|                                           | the test (``SHARE_FOLDERS``)                       |
| datasource-missing-and-unwritable #4       | an immutable parent (``chattr +i``) cannot be made |
|                                            | by the test; as root, write access is always given |
| datasource-object-service-roots #39        | of two datasources re-created the same way, one    |
|                                            | served at once (#39), one not for 120 s (#37): the |
|                                            | emulator models the one that is not                |

The share cassettes (third batch) were recorded in one sequence (link-create, link-owner,
custom-hash, password, cell-create, idempotency), on folders of ``common-files`` made off
the record: the test makes them in the emulator's ``pydiods1`` folder and maps their
recorded Uuids (``SHARE_FOLDERS``). Every ``Authorization`` header was scrubbed to one
``<TOKEN>``: which account sent each request (alice, bob, a link's visitor) is read from
the recording (the owner in the answers' policies, what each can see) and is in ``TOKENS``.
``/public/<hash>`` pages are compared by status (HTML, not JSON) and by the start
parameters they carry. Node ``Path`` values in share answers are not compared (Cells gives
one of the caller's workspaces, a different one between calls: README "Shares"); the
recording server's other workspaces (``migrated-ws``, ``fid-dr-*``) only add ``AppearsIn``
entries. Off the record, the recording changed a link password (share-link-password
between #17 and #19) and used the prelogged visitor's password: ``HOOKS`` supply both.

The fourth batch (``datasource-*``, ``tree-stat-missing``) was recorded at port 8380 with
folders under ``/srv/legacy`` (rebuilt under the test's folder by ``build_batch4_tree``) and
an S3 server at 9500 (replaced by the session's moto server, bucket rebuilt from the
recorded listing). What the recording shows but a sequential replay cannot send is made by
``HOOKS``: the second of two concurrent datasource creates (not in the cassette) and the
loss of the first one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from migrate.cells.emulator import EmulatorConfig, EmulatorServer
from tests.emulator.emulator_replay import (
    FakeClock,
    Outcome,
    Replayer,
    build_batch4_tree,
    build_legacy_tree,
    load,
    s3_objects,
)

SKIP_PATHS = {
    "/a/frontend/state": "XML GUI registry not modelled",
    "/a/tree/create": "user-space tree not modelled",
    "/a/meta/bulk/get": "user-space tree not modelled",
    "/a/frontend/bootconf": "reduced boot configuration",
}
SKIP_ITEMS = {
    ("share-link-password.yaml", 0): "user-space folder creation (made by the test)",
    ("datasource-missing-and-unwritable-folder.yaml", 4): "immutable parent not reproducible",
    ("datasource-object-service-roots.yaml", 39): "the re-create served at once is not modelled",
    ("personal-files-template.yaml", 8): "template roots (personal/<login>) not resolved",
    ("personal-files-template.yaml", 12): "personal/<login> made by user-space access",
    ("personal-files-template.yaml", 13): "personal/<login> made by user-space access",
}
ALICE, BOB = "login:rec3-alice", "login:rec3-bob"
# Interactions whose values differ while status and shape are the same, with the reason.
SAME_SHAPE = {
    # README batch 4: rec4dup on rec4one's folder shows rec4one's node Uuids (read from the
    # .pydio files); the emulator gives the second datasource's nodes their own Uuids
    ("datasource-object-service-roots.yaml", 17): "a re-used folder's node Uuids",
    ("datasource-object-service-roots.yaml", 18): "a re-used folder's node Uuids",
}
# Which credentials a recorded ``Bearer <TOKEN>`` stood for, when it was not the admin's.
TOKENS = {
    ("auth-session-login.yaml", 1): "session",
    ("auth-session-login.yaml", 4): "session",
    ("auth-session-login.yaml", 5): "session-prev",
    ("auth-session-login.yaml", 11): "garbage",
    ("auth-session-login.yaml", 12): "expired",
    ("auth-session-login.yaml", 14): "garbage",
    ("auth-session-login.yaml", 16): "session",
    ("auth-oauth2-hydra.yaml", 9): "oauth",
    ("auth-oauth2-hydra.yaml", 12): "oauth",
    ("auth-oauth2-hydra.yaml", 13): "oauth-prev",
    ("acl-crud.yaml", 8): "login:rec-acl-user",
    ("acl-crud.yaml", 10): "login:rec-acl-user",
    ("acl-crud.yaml", 11): "login:rec-acl-user",
    ("acl-crud.yaml", 15): "login:rec-acl-user",
    **{("user-and-group-role-acls.yaml", i): "login:rec2-user-g" for i in (7, 9, 13, 15, 17, 19)},
    **{("user-and-group-role-acls.yaml", i): "login:rec2-user-nog" for i in (11, 23, 25, 28)},
    ("acl-crud.yaml", 19): "login:rec-acl-user",
    ("personal-files-template.yaml", 7): "login:rec2-user-mf",
    ("role-autoapplies-and-teams.yaml", 12): "login:rec2-user-auto",
    ("role-autoapplies-and-teams.yaml", 14): "login:rec2-user-g",
    **{("share-link-owner.yaml", i): ALICE for i in (3, 4, 5, 6, 15, 18)},
    **{("share-link-owner.yaml", i): BOB for i in (22, 24, 25, 26)},
    **{("share-link-custom-hash.yaml", i): ALICE for i in (1, 2, 4, 7, 8, 9)},
    ("share-link-password.yaml", 8): "session",  # the link visitor who logged in at #7
    ("share-link-password.yaml", 13): "session",  # the visitor of #12
    **{("share-cell-create.yaml", i): ALICE for i in (0, 1, 6, 7, 9, 10, 15, 16, 18, 19, 22)},
    # bob, a member: sees the cells (no PoliciesContextEditable), cannot open rec3-cell
    **{("share-cell-create.yaml", i): BOB for i in (3, 4, 5, 11, 12, 20)},
    **{("share-idempotency.yaml", i): ALICE for i in (0, 3, 7, 8, 12, 14, 15)},
    **{("share-idempotency.yaml", i): BOB for i in (1, 2)},
}
# Seconds the recording let pass before an interaction (indexing ~2 s/4 s, auto-apply cache).
CLOCK_STEPS = {
    ("datasource-structured-create.yaml", 3): 4.0,
    ("datasource-readiness.yaml", 5): 2.0,
    ("datasource-readiness.yaml", 9): 2.0,
    ("datasource-s3.yaml", 3): 2.0,
    ("role-autoapplies-and-teams.yaml", 4): 10.0,
}
PRELUDES: dict[str, tuple[str, ...]] = {
    "workspace-crud.yaml": ("datasource-structured-create.yaml",),
    "acl-crud.yaml": ("datasource-structured-create.yaml", "workspace-crud.yaml", "role-crud.yaml"),
    "user-crud.yaml": ("role-crud.yaml",),
    "pagination-and-search.yaml": (
        "role-crud.yaml",
        "group-crud.yaml",
        "user-crud.yaml",
        "legacy-password-hash.yaml",
    ),
    "workspace-attributes-and-default-rights.yaml": ("datasource-readiness.yaml",),
    "personal-files-template.yaml": (
        "datasource-readiness.yaml",
        "workspace-attributes-and-default-rights.yaml",
    ),
    "user-and-group-role-acls.yaml": ("datasource-readiness.yaml",),
    "role-autoapplies-and-teams.yaml": (
        "datasource-readiness.yaml",
        "user-and-group-role-acls.yaml",
    ),
    "delete-semantics-for-rollback.yaml": (
        "datasource-readiness.yaml",
        "workspace-attributes-and-default-rights.yaml",
        "user-and-group-role-acls.yaml",
    ),
}
# The share cassettes, in the order they were recorded: each replays the earlier ones first.
SHARE_SEQUENCE = (
    "share-link-create.yaml",
    "share-link-owner.yaml",
    "share-link-custom-hash.yaml",
    "share-link-password.yaml",
    "share-cell-create.yaml",
    "share-idempotency.yaml",
)
PRELUDES.update({name: SHARE_SEQUENCE[:i] for i, name in enumerate(SHARE_SEQUENCE) if i})
SHARES_RECORDED_AT = 1_795_827_100.0  # share-link-create.yaml: MTime of its folders
# Folders of common-files (datasource pydiods1) the share cassettes use: recorded Uuid ->
# name (made off the record, or by the skipped tree create of share-link-password #0).
SHARE_FOLDERS = {
    "3abf29cc-b60e-4dad-8b73-8ac1d7cee7fb": "rec3-linkdir",
    "a8ad7369-9d33-4e23-923d-42f39debb9d4": "rec3-linkdir2",
    "94aa53d3-9804-41ec-a8ab-841833e7f5b8": "rec3-alicedir",
    "b7e9457e-6f86-4e3a-b7a1-480271169798": "rec3-pwdir",
    "d6845a6d-8028-4b22-9602-92f5c347f604": "rec3-celldir",
    "d212a4b1-3900-4635-ad8b-bf0b65d858f5": "rec3-admincell",
}
BATCH4 = frozenset(
    {
        "datasource-object-service-roots.yaml",
        "tree-stat-missing.yaml",
        "datasource-s3.yaml",
        "datasource-missing-and-unwritable-folder.yaml",
    }
)
CASSETTES = sorted(
    p.name
    for p in (Path(__file__).resolve().parent.parent / "cassettes" / "recordings").glob("*.yaml")
) or [
    "acl-crud.yaml",
]


def _api(rep: Replayer, method: str, path: str, body: object = None) -> dict[str, object]:
    resp = requests.request(
        method,
        rep.emu.url + path,
        json=body,
        headers={"Authorization": f"Bearer {rep.admin}"},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    data = resp.json()
    assert isinstance(data, dict)
    return data


def _setup_db_injected(rep: Replayer) -> None:
    """The hash was written into the Cells DB off the record: create the user with it."""
    body = {
        "Login": "rec-legacy2",
        "Password": "Legacy-Pass-2026",
        "Attributes": {"profile": "standard"},
    }
    _api(rep, "PUT", "/a/user/rec-legacy2", body)


def _setup_deletes(rep: Replayer) -> None:
    """Objects the delete cassette removes, created off the record (ids mapped by hand)."""
    _api(rep, "PUT", "/a/role/rec2-role-del", {"Uuid": "rec2-role-del", "Label": "del"})
    root = {"DATASOURCE:rectwods": {"Uuid": "DATASOURCE:rectwods", "Path": "rectwods"}}
    ws_body = {"Slug": "rec2-ws-del", "Label": "del", "Scope": "ADMIN", "RootNodes": root}
    ws = str(_api(rep, "PUT", "/a/workspace/rec2-ws-del", ws_body)["UUID"])
    stat = _api(rep, "POST", "/a/tree/admin/stat", {"Node": {"Path": "rectwods/Documents"}})
    node = str(stat["Node"]["Uuid"])  # type: ignore[index]
    user2 = _api(rep, "PUT", "/a/user/rec2-user-del2", _user("rec2-user-del2", "/"))
    group_body = {"IsGroup": True, "GroupPath": "/", "GroupLabel": "rec2-grp-del"}
    group = str(_api(rep, "PUT", "/a/user/rec2-grp-del", group_body)["Uuid"])
    member = str(
        _api(rep, "PUT", "/a/user/rec2-user-del", _user("rec2-user-del", "/rec2-grp-del"))["Uuid"]
    )
    for action, role, ws_id, node_id in (
        ("read", "rec2-role-del", ws, "DATASOURCE:rectwods"),
        ("write", "rec2-role-del", ws, "DATASOURCE:rectwods"),
        ("deny", "rec2-role-del", "", node),
        ("read", group, ws, "DATASOURCE:rectwods"),
        ("read", member, ws, "DATASOURCE:rectwods"),
    ):
        acl = {"Action": {"Name": action, "Value": "1"}, "RoleID": role, "WorkspaceID": ws_id}
        _api(rep, "PUT", "/a/acl", dict(acl, NodeID=node_id))
    rep.ids.update(
        {
            "2dabfc93-05b9-4902-8ebb-5cb193d2d76e": ws,
            "1f11bfef-09f2-4655-b2e4-6d2a34f491b4": node,
            "7dea3290-690e-4157-8c95-a0d14974ac36": str(user2["Uuid"]),
            "826c6fe7-b795-4dc2-a29c-f17eafd130fc": group,
            "f82e8622-66c0-4bac-923a-250688b94a67": member,
        }
    )


def _user(login: str, group_path: str) -> dict[str, object]:
    return {"Login": login, "GroupPath": group_path, "Attributes": {"profile": "standard"}}


def _setup_jdoe(rep: Replayer) -> None:
    """``jdoe`` was made on the recorded server by an acceptance check, off the record."""
    attrs = {"profile": "standard", "displayName": "John Doe", "email": "jdoe@example.invalid"}
    _api(rep, "PUT", "/a/user/jdoe", {"Login": "jdoe", "Attributes": attrs})


def _share_folders(rep: Replayer) -> None:
    """The recorded Uuids of the share cassettes' folders -> the emulator's."""
    for recorded, name in SHARE_FOLDERS.items():
        stat = _api(rep, "POST", "/a/tree/admin/stat", {"Node": {"Path": f"pydiods1/{name}"}})
        rep.ids[recorded] = str(stat["Node"]["Uuid"])  # type: ignore[index]


SETUPS: dict[str, Callable[[Replayer], None]] = {
    "pagination-and-search.yaml": _setup_jdoe,
    "legacy-password-hash-db-injected.yaml": _setup_db_injected,
    "delete-semantics-for-rollback.yaml": _setup_deletes,
}


def _lose_next_create(rep: Replayer) -> None:
    """#49 and an unrecorded POST of rec4two were sent together: rec4one was not kept."""
    rep.emu.configure(lose_datasource_creates=1)


def _second_concurrent_create(rep: Replayer) -> None:
    body = {
        "Name": "rec4two",
        "StorageType": "LOCAL",
        "FlatStorage": False,
        "EncryptionMode": "CLEAR",
        "StorageConfiguration": {"folder": f"{rep.data_dir}/legacy/a/two", "normalize": "false"},
        "ObjectsPort": 9412,
    }
    _api(rep, "POST", "/a/config/datasource/rec4two", body)


def _prelog_password(rep: Replayer) -> None:
    """A link without password: its visitor's password is ``<UserLogin>#$!Az1`` (README)."""
    rep.ids["<PRELOG_PASSWORD_1>"] = rep.translate("d8b28f5d053647d8") + "#$!Az1"


def _link_password_3(rep: Replayer) -> None:
    """Between #17 and #19 the link's password became <LINK_PASSWORD_3> off the record (the
    cassette has no request for it): set on the current link user here."""
    login = rep.translate("ee88afba3d7e48d8")
    user = _api(rep, "GET", f"/a/user/{login}")
    user["Password"] = "<LINK_PASSWORD_3>"
    _api(rep, "PUT", f"/a/user/{login}", user)


# (cassette, index) -> (before, after) the recorded interaction is replayed.
Hook = Callable[[Replayer], None]
HOOKS: dict[tuple[str, int], tuple[Hook | None, Hook | None]] = {
    ("datasource-object-service-roots.yaml", 49): (_lose_next_create, _second_concurrent_create),
    ("share-link-password.yaml", 12): (_prelog_password, None),
    ("share-link-password.yaml", 19): (_link_password_3, None),
}


def _skip_reason(cassette: str, index: int, path: str) -> str | None:
    if (cassette, index) in SKIP_ITEMS:
        return SKIP_ITEMS[(cassette, index)]
    return SKIP_PATHS.get(path)


def run_cassette(
    rep: Replayer, clock: FakeClock, cassette: str, outcomes: list[Outcome] | None
) -> int:
    """Replay one cassette; returns how many interactions were skipped."""
    skipped = 0
    for index, item in enumerate(load(cassette)):
        clock.advance(CLOCK_STEPS.get((cassette, index), 0.0))
        path = urlsplit(item["request"]["uri"]).path
        if _skip_reason(cassette, index, path):
            skipped += 1
            continue
        before, after = HOOKS.get((cassette, index), (None, None))
        if before is not None:
            before(rep)
        outcome = rep.replay(item, index, TOKENS.get((cassette, index)))
        if after is not None:
            after(rep)
        if outcomes is not None:
            outcomes.append(outcome)
    return skipped


@pytest.mark.integration
@pytest.mark.parametrize("cassette", CASSETTES)
def test_recorded_interactions_replay_with_same_status_and_shape(
    cassette: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    build_legacy_tree(tmp_path)
    s3_url = None
    if cassette in BATCH4:
        build_batch4_tree(tmp_path)
    cells_data = None
    if cassette.startswith("share-"):
        cells_data = tmp_path / "cells-data"
        for name in SHARE_FOLDERS.values():
            (cells_data / "pydiods1" / name).mkdir(parents=True)
    if cassette == "datasource-s3.yaml":
        s3 = request.getfixturevalue("s3_server")
        s3.bucket("rec4bucket", s3_objects())
        s3_url = s3.url
    # Batch 4 kept only the answers after indexing (poll loops trimmed): index at once. A
    # name re-created seconds after its delete is not served for 120 s (recorded).
    config = EmulatorConfig(
        index_delay_s=0.0 if cassette in BATCH4 - {"datasource-s3.yaml"} else 2.0,
        autoapply_cache_s=10.0,
        seed=7,
        recreate_unserved_s=120.0,
        data_dir=str(cells_data) if cells_data else None,
    )
    # the share cassettes hold link expiry dates: their own recording time
    clock = FakeClock(SHARES_RECORDED_AT if cassette.startswith("share-") else 1_800_000_000.0)
    with EmulatorServer(config, clock=clock) as emu:
        rep = Replayer(emu, tmp_path, s3_url)
        if cells_data is not None:
            _share_folders(rep)
            rep.loose_paths = ("$.RootNodes[]", "$.Resources[].Node")
        for prelude in PRELUDES.get(cassette, ()):
            run_cassette(rep, clock, prelude, None)
        if cassette in SETUPS:
            SETUPS[cassette](rep)
        outcomes: list[Outcome] = []
        skipped = run_cassette(rep, clock, cassette, outcomes)
    bad = [
        o for o in outcomes if o.problems or (o.values and (cassette, o.index) not in SAME_SHAPE)
    ]
    report = "\n".join(
        f"#{o.index} {o.method} {o.path}: " + "; ".join([*o.problems, *o.values][:6]) for o in bad
    )
    assert outcomes, f"nothing replayed ({skipped} skipped)"
    assert not bad, f"{len(bad)}/{len(outcomes)} interactions differ:\n{report}"
