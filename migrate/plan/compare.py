"""Field-level comparison shared by every differ (one home for the secret markers)."""

from __future__ import annotations

from migrate.cells.codec import SENSITIVE_FIELDS, Fields
from migrate.plan.actions import SENSITIVE_CHANGED, SENSITIVE_SET, FieldChange


def field_changes(desired: Fields, live: Fields | None) -> tuple[FieldChange, ...]:
    """The managed fields whose live value differs from the desired one.

    ``live=None`` is an object to create: every set field is a change from ``None``.
    Sensitive fields carry markers only (issue 5: "(sensitive value changed)").
    """
    old_values = dict(live) if live is not None else {}
    out: list[FieldChange] = []
    for name, new in desired:
        old = old_values.get(name)
        if live is not None and old == new:
            continue
        if live is None and new in (None, ""):
            continue
        if name in SENSITIVE_FIELDS:
            out.append(
                FieldChange(
                    field=name,
                    old=None if live is None or old is None else SENSITIVE_SET,
                    new=SENSITIVE_SET if live is None or old is None else SENSITIVE_CHANGED,
                    sensitive=True,
                )
            )
        else:
            out.append(FieldChange(field=name, old=old, new=new))
    return tuple(out)


def describe(changes: tuple[FieldChange, ...]) -> str:
    """``field (old → new), …`` for reasons (sensitive fields by name only)."""
    parts = []
    for c in changes:
        if c.sensitive:
            parts.append(f"{c.field} (sensitive value differs)")
        else:
            parts.append(f"{c.field} ({c.old or '(none)'} → {c.new or '(none)'})")
    return ", ".join(parts)
