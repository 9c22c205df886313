"""Saved plans: ``--out PLAN`` writes one, ``apply PLAN`` reads it and refuses it when stale.

A plan file is the ``cells-migrate/plan/1`` JSON document (the same as ``--format json``)
written with mode 0600. It holds no secret (actions carry markers only), but it describes
the whole directory, so it is kept private like the checkpoint database.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from migrate.errors import PlanError, StalePlanError
from migrate.legacy.model import Finding, FindingKind, Severity
from migrate.plan.actions import Action, Stage
from migrate.plan.diff import Plan
from migrate.plan.fingerprint import Fingerprint
from migrate.plan.render import PLAN_SCHEMA, plan_to_json


def write_plan_file(plan: Plan, path: Path) -> None:
    """Write ``plan`` to ``path`` atomically (temp file + rename), mode 0600.

    Raises ``PlanError`` when the file cannot be written.
    """
    data = json.dumps(plan_to_json(plan), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise PlanError(f"cannot write the plan file {path}: {exc.strerror}") from exc


def read_plan_file(path: Path) -> Plan:
    """Read a plan written by :func:`write_plan_file`.

    Raises ``PlanError`` when the file is missing, not JSON, of another schema or malformed.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlanError(f"cannot read the plan file {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise PlanError(f"the plan file {path} is not JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("schema") != PLAN_SCHEMA:
        raise PlanError(f"{path} is not a {PLAN_SCHEMA} plan file")
    try:
        return _plan(data)
    except (KeyError, ValueError, TypeError) as exc:
        raise PlanError(f"the plan file {path} is malformed: {exc!r}") from exc


def _plan(data: dict[str, object]) -> Plan:
    parts = data.get("fingerprint_parts")
    if not isinstance(parts, dict):
        raise ValueError("fingerprint_parts missing")
    fingerprint = Fingerprint.of(
        inputs=str(parts.get("inputs", "")),
        desired=str(parts.get("desired", "")),
        live=str(parts.get("live", "")),
    )
    if fingerprint.value != data.get("fingerprint"):
        raise ValueError("fingerprint does not match its parts")
    actions = data.get("actions")
    findings = data.get("findings")
    stages = data.get("stages")
    if not isinstance(actions, list) or not isinstance(findings, list):
        raise ValueError("actions and findings must be lists")
    return Plan(
        actions=tuple(Action.from_json(a, order=i) for i, a in enumerate(actions)),
        findings=tuple(
            Finding(
                severity=Severity(f["severity"]),
                kind=FindingKind(f["kind"]),
                key=str(f["key"]),
                message=str(f["message"]),
                code=str(f.get("code", "")),
            )
            for f in findings
        ),
        fingerprint=fingerprint,
        stages=tuple(Stage(s) for s in stages) if isinstance(stages, list) else (),
        cells_version=str(data.get("cells_version") or ""),
    )


_PART_NAMES = {
    "inputs": "the legacy install or the mapping rules",
    "desired": "the desired state (legacy data, rules or password strategy)",
    "live": "Cells",
}


def check_fresh(plan: Plan, current: Fingerprint | str) -> None:
    """Raise ``StalePlanError`` unless ``current`` (recomputed now) equals the plan's.

    Given a :class:`Fingerprint`, the message names what changed since the plan was made.
    """
    value = current.value if isinstance(current, Fingerprint) else current
    if value == plan.fingerprint.value:
        return
    if isinstance(current, Fingerprint):
        changed = [_PART_NAMES[p] for p in plan.fingerprint.changed_parts(current)]
        what = " and ".join(changed) or "the inputs"
    else:
        what = "the legacy install, the mapping rules or Cells"
    raise StalePlanError(
        f"the saved plan is stale: {what} changed since it was made; run `cells-migrate plan` "
        "again and review the new plan",
        subject="plan",
    )
