"""Managed fields: the one form in which a desired object and a live one are compared.

Each kind handler reduces a Cells object (the body built for a desired object, or the object
read from Cells) to a flat tuple of *managed* fields, what the tool sets; plan diffs two
such tuples, verify reads that plan, and rollback compares the object it finds with what
the run wrote the same way ("changed since?"). Fields Cells computes (a LOCAL datasource's
ObjectsBucket, ``pydio:labelLike``, auto-applied roles) are left out by the handlers.

Secrets never appear in a field value: a secret is represented by :func:`secret_digest` (a
one-way digest, compared in memory and never rendered) and a change of a sensitive field
carries only markers (:data:`~migrate.kinds.vocabulary.SENSITIVE_CHANGED`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence

from migrate.kinds.vocabulary import SENSITIVE_CHANGED, SENSITIVE_SET, FieldChange
from migrate.mapping.desired import NodeRef
from migrate.secret import Secret

Fields = tuple[tuple[str, str | None], ...]
"""Managed fields of one object, in a fixed order: ``(name, value)``; ``None`` = absent."""

SENSITIVE_FIELDS = frozenset({"api_key", "api_secret", "password"})
"""Field names whose values are secrets (shown only as markers)."""

UNRESOLVED_PREFIX = "path:"
"""A node id not known yet: ``path:<datasource>/<sub-folder>`` until Cells indexed it."""


def secret_digest(secret: Secret | str | None) -> str | None:
    """A one-way digest standing for a secret in comparisons (``None`` when unset)."""
    if secret is None:
        return None
    value = secret.reveal() if isinstance(secret, Secret) else secret
    if not value:
        return None
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()


def flag(value: bool) -> str:
    """A boolean field value."""
    return "true" if value else "false"


def node_id(node: NodeRef, resolved: Mapping[str, str] | None = None) -> str:
    """A node's Cells Uuid, resolved by path when needed; ``path:<path>`` when unknown yet."""
    if node.uuid is not None:
        return node.uuid
    found = (resolved or {}).get(node.path)
    return found if found else UNRESOLVED_PREFIX + node.path.strip("/")


def attribute_values(attributes: Sequence[tuple[str, object]]) -> str:
    """Attributes as canonical JSON; an empty value is the same as none (Cells drops
    ``"DEFAULT_RIGHTS": ""`` when it stores a workspace)."""
    kept = {k: v for k, v in attributes if v not in ("", None)}
    return json.dumps(kept, sort_keys=True, separators=(",", ":"))


def group_path(path: str) -> str:
    """A group path in one form: ``/a/b`` (Cells v3 answers ``/a/b/`` for a user's group)."""
    return "/" + path.strip("/")


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
