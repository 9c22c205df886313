"""Plan actions: re-exported from :mod:`migrate.kinds.vocabulary`, their one home (the kind
handlers, the checkpoint and the plan share them)."""

from migrate.kinds.vocabulary import (
    NONE_SHOWN,
    SENSITIVE_CHANGED,
    SENSITIVE_SET,
    Action,
    ActionType,
    FieldChange,
    Kind,
    Stage,
)

__all__ = [
    "NONE_SHOWN",
    "SENSITIVE_CHANGED",
    "SENSITIVE_SET",
    "Action",
    "ActionType",
    "FieldChange",
    "Kind",
    "Stage",
]
