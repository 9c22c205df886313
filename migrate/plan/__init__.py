"""plan: diff the desired state against the live Cells; render it; save and check plans.

Public API (composed by ``migrate.commands``, which reads the install and opens the
client)::

    inputs = desired_inputs(inventory, rules, strategy=PasswordStrategy.RESET)
    with CellsClient(config.cells, read_only=True) as client:
        plan = make_plan(inputs, client, stages=[Stage.USERS], progress=progress)
        render_text(plan, sys.stdout)            # or render_markdown / plan_to_json
        write_plan_file(plan, Path("plan.json"))
        saved = read_plan_file(Path("plan.json"))
        check_fresh(saved, make_plan(inputs, client, stages=saved.stages).fingerprint)

Each kind's differ is its handler's (``migrate.kinds``); this package orders them, reads
the live state, fingerprints, renders and saves.

``plan`` reads Cells through a read-only client only: no request that writes can leave the
process while planning (the client's guard refuses it before sending).
"""

from migrate.plan.actions import Action, ActionType, FieldChange, Kind, Stage
from migrate.plan.diff import Plan, build_plan, diff_state, plan_from_live
from migrate.plan.fingerprint import Fingerprint
from migrate.plan.live import LiveState, read_live
from migrate.plan.planfile import check_fresh, read_plan_file, write_plan_file
from migrate.plan.render import (
    PLAN_SCHEMA,
    plan_to_json,
    render_markdown,
    render_text,
    write_plan_json,
)
from migrate.plan.run import DesiredInputs, desired_inputs, inputs_digest, make_plan
from migrate.plan.targets import DesiredIndex

__all__ = [
    "PLAN_SCHEMA",
    "Action",
    "ActionType",
    "DesiredIndex",
    "DesiredInputs",
    "FieldChange",
    "Fingerprint",
    "Kind",
    "LiveState",
    "Plan",
    "Stage",
    "build_plan",
    "check_fresh",
    "desired_inputs",
    "diff_state",
    "inputs_digest",
    "make_plan",
    "plan_from_live",
    "plan_to_json",
    "read_live",
    "read_plan_file",
    "render_markdown",
    "render_text",
    "write_plan_file",
    "write_plan_json",
]
