"""A legacy team's role is sent with the policies the Cells UI sends for a team
(role-autoapplies-and-teams.yaml: ``saveSelectionAsTeam``), issue 17."""

from __future__ import annotations

import json

import yaml

from migrate.kinds.role import body, owner_of
from migrate.mapping.desired import DesiredRole
from tests.cassettes.conftest import RECORDINGS


def _recorded_team_body() -> dict[str, object]:
    cassette = yaml.safe_load((RECORDINGS / "role-autoapplies-and-teams.yaml").read_text())
    for exchange in cassette["interactions"]:
        request = exchange["request"]
        if request["method"] == "PUT" and request["uri"].endswith("/a/role/rec2-team"):
            found: dict[str, object] = json.loads(request["body"])
            return found
    raise AssertionError("no team PUT in the recording")


def test_a_teams_body_carries_the_owner_policies_cells_records() -> None:
    recorded = _recorded_team_body()
    (owner,) = [p for p in recorded["Policies"] if p["Action"] == "OWNER"]  # type: ignore[attr-defined]
    team = DesiredRole(
        uuid="rec2-team",
        label="rec2 team",
        is_team=True,
        owner="rec2-user-auto",
        owner_uuid="not-this-one",
    )
    sent = body(team, owner_uuid=owner["Subject"]).to_json()
    assert sent["Policies"] == recorded["Policies"]
    assert sent["IsTeam"] is True
    assert owner_of(body(team)) == "rec2-user-auto (not-this-one)"  # created with that Uuid


def test_a_role_without_owner_gets_cells_default_policies() -> None:
    plain = body(DesiredRole(uuid="r1", label="R"))
    assert plain.policies == ()
    assert "Policies" not in plain.to_json()
    assert owner_of(plain) is None
