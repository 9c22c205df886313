"""Rollback refusals name the fields changed since the run wrote them (issue 17 point 4)."""

from __future__ import annotations

from migrate.cells.models import Role
from migrate.kinds.registry import handler_for
from migrate.kinds.vocabulary import SENSITIVE_CHANGED, FieldChange, Kind
from migrate.load.rollback import since_text


def test_a_refusal_names_each_changed_field_as_written_then_as_it_is_now() -> None:
    handler = handler_for(Kind.ROLE)
    written = handler.image(Role(uuid="r1", label="Sales", auto_applies=("standard",)))
    live = Role(uuid="r1", label="Sales (old)", auto_applies=("standard",), is_team=True)
    text = since_text(handler.changes_since(written, live))
    assert text == "label: 'Sales' → 'Sales (old)'; is_team: 'false' → 'true'"


def test_an_unchanged_object_has_nothing_to_name() -> None:
    handler = handler_for(Kind.ROLE)
    role = Role(uuid="r1", label="Sales")
    assert handler.changes_since(handler.image(role), role) == ()


def test_a_sensitive_field_shows_a_marker_never_a_value() -> None:
    change = FieldChange(field="api_secret", old="s3cr3t-now", new="s3cr3t-then", sensitive=True)
    text = since_text([change])
    assert text == f"api_secret: {SENSITIVE_CHANGED}"
    assert "s3cr3t" not in text
