"""The objects the apply benchmarks write, prepared once: a real plan of a sample install.

A sample Pydio 8 install (SQLite, ``migrate.sample``) is read and mapped by the real
pipeline (``commands.desired``) and planned against an empty emulator (``build_plan``) for
the groups, roles and users stages: every action is a create. The same objects are also
turned into plain HTTP requests (method, path, JSON body), built with the tool's own bodies,
for the sequential baseline and for the emulator's ceiling: the three measures write the
same objects with the same bodies.

ACLs and workspaces are left out of the throughput workload: their bodies need the ids Cells
gives the roles, workspaces and folders (the resolver), which a plain loop would have to
re-implement; users, groups and roles are ~all of the requests that carry no such ids.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote

from bench.common import EmulatorProcess, sqlite_install, write_config
from migrate import commands
from migrate.cells.client import CellsClient
from migrate.config import Config, load_config
from migrate.kinds import group, role, user
from migrate.mapping import PasswordAction
from migrate.mapping.desired import DesiredGroup, DesiredRole, DesiredUser
from migrate.plan import Action, ActionType, DesiredIndex, Stage, build_plan
from migrate.sample.spec import InstallSpec
from migrate.secret import Secret

STAGES = (Stage.GROUPS, Stage.ROLES, Stage.USERS)


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    """One plain HTTP write: ``wave`` is (stage rank, order); a wave's requests are
    independent, a later wave may need an earlier one (a sub-group needs its parent)."""

    wave: tuple[int, int]
    method: str
    path: str
    body: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class Workload:
    """The config, the desired state's index, the create actions and their plain requests."""

    config: Config
    index: DesiredIndex
    actions: tuple[Action, ...]
    requests: tuple[Request, ...]
    counts: dict[str, int]


def spec_for(users: int) -> InstallSpec:
    """A sample install of ``users`` users (groups and roles in proportion)."""
    return InstallSpec(
        users=users,
        groups=max(users // 50, 3),
        roles=10,
        teams=1,
        workspaces=20,
        rights=users,
        shares=False,
        traps=False,
        real_hashes=0,
        collect_expected=False,
        batch_size=5000,
    )


def prepare(root: Path, emu: EmulatorProcess, users: int) -> Workload:
    """Build the install, plan it against the (reset) emulator, build the plain requests."""
    install = sqlite_install(root, spec_for(users))
    path = write_config(
        root,
        install=install,
        cells_url=emu.url,
        state=f"sqlite:///{root / 'state.db'}",
    )
    config = load_config(path, env={"CELLS_TOKEN": emu.token})
    inputs = commands.desired(config)
    emu.reset()
    with CellsClient(config.cells, read_only=True) as reader:
        plan = build_plan(inputs.desired, reader, stages=STAGES, inputs_digest=inputs.digest)
    creates = tuple(a for a in plan.actions if a.action is ActionType.CREATE)
    # On an empty Cells the rest is the adoption of Cells' own admin account (not timed).
    index = DesiredIndex.build(inputs.desired)
    counts: dict[str, int] = {}
    for action in creates:
        counts[action.stage.value] = counts.get(action.stage.value, 0) + 1
    return Workload(
        config=config,
        index=index,
        actions=creates,
        requests=tuple(plain_requests(creates, index)),
        counts=counts,
    )


def plain_requests(actions: tuple[Action, ...], index: DesiredIndex) -> list[Request]:
    """The requests a hand-written script would send for ``actions``, in run order."""
    password = Secret(secrets.token_urlsafe(24))
    out: list[Request] = []
    for action in sorted(actions, key=lambda a: (a.stage.rank, a.order)):
        obj = index.get(action)
        wave = (action.stage.rank, action.order)
        if isinstance(obj, DesiredGroup):
            body = group.body(obj).to_json(server_appends_label=True)
            path = f"/a/user/{quote(obj.label, safe='')}"
        elif isinstance(obj, DesiredRole):
            body = role.body(obj).to_json()
            path = f"/a/role/{quote(obj.uuid, safe='')}"
        elif isinstance(obj, DesiredUser):
            sent = user.body(obj, uuid=action.cells_id or obj.uuid)
            if obj.password.action is not PasswordAction.KEEP_HASH:
                sent = replace(sent, password=password)
            body = sent.to_json()
            path = f"/a/user/{quote(obj.login, safe='')}"
        else:
            raise RuntimeError(f"unexpected object in the workload: {action.kind.value}")
        out.append(Request(wave=wave, method="PUT", path=path, body=json.dumps(body).encode()))
    return out
