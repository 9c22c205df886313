"""The registry: every kind of object and its handler, in stage order.

Plan, apply, resume, rollback and verify find a kind's behaviour here and nowhere else
(STYLE.md 3 "Switching on the kind in many places"). A new kind is one module (a
:class:`~migrate.kinds.base.KindHandler`) and one ``case`` below: mypy checks that the
``match`` covers every :class:`~migrate.kinds.vocabulary.Kind` (``assert_never``), so a kind
without a handler does not type-check.
"""

from __future__ import annotations

from typing import Any, assert_never

from migrate.kinds import acl, datasource, group, role, share, user, workspace
from migrate.kinds.base import KindHandler
from migrate.kinds.vocabulary import Kind

AnyHandler = KindHandler[Any, Any]


def _handler(kind: Kind) -> AnyHandler:
    match kind:
        case Kind.DATASOURCE:
            return datasource.HANDLER
        case Kind.GROUP:
            return group.HANDLER
        case Kind.ROLE:
            return role.HANDLER
        case Kind.USER:
            return user.HANDLER
        case Kind.WORKSPACE:
            return workspace.HANDLER
        case Kind.ACL:
            return acl.HANDLER
        case Kind.SHARE:
            return share.HANDLER
        case _:
            assert_never(kind)


HANDLERS: dict[Kind, AnyHandler] = {kind: _handler(kind) for kind in Kind}


def handler_for(kind: Kind) -> AnyHandler:
    """The handler of ``kind``."""
    return HANDLERS[kind]


def in_stage_order() -> list[AnyHandler]:
    """Every handler, in the order their stages run (datasources first, shares last)."""
    return sorted(HANDLERS.values(), key=lambda h: h.stage.rank)
