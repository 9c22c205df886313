"""Decode PHP values into model records: serialized roles, masks, ``$phpserial$`` strings.

Pure functions (no I/O), shared by every reader. Facts from ``spec/legacy-model.md``:
role classes and properties §5.1, masks §5.4, value encodings §3.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from migrate.errors import LegacyFormatError
from migrate.legacy import phpserial
from migrate.legacy.model import (
    EMPTY_MAP,
    VALID_RIGHTS,
    LegacyAcl,
    LegacyMap,
    LegacyMask,
    LegacyRole,
    LegacyValue,
    MaskRule,
    role_kind,
)
from migrate.legacy.phpserial import PhpArray, PhpObject, PhpValue

AclFactory = Callable[[str, str], LegacyAcl]

PHPSERIAL_PREFIX = b"$phpserial$"
JSON_PREFIX = b"$json$"


@dataclass(slots=True)
class Problems:
    """What went wrong while decoding one object (turned into findings by the caller)."""

    invalid_utf8: bool = False
    notes: list[str] = field(default_factory=list)


def as_bytes(raw: bytes | bytearray | memoryview | str) -> bytes:
    """Column values arrive as ``bytes`` (blob/bytea) or ``str`` (text): give bytes."""
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return bytes(raw)


def text(raw: bytes | str, problems: Problems) -> str:
    """UTF-8 text; invalid bytes become U+FFFD and flag ``problems.invalid_utf8``."""
    if isinstance(raw, str):
        if raw.isascii():
            return raw
        try:
            raw.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates from a lenient driver
            problems.invalid_utf8 = True
            return raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        problems.invalid_utf8 = True
        return raw.decode("utf-8", "replace")


def to_value(value: PhpValue, problems: Problems) -> LegacyValue:
    """Convert a PHP value into a model value (strings decoded, arrays to ``LegacyMap``)."""
    if isinstance(value, bytes):
        return text(value, problems)
    if isinstance(value, PhpArray):
        if not value.items:
            return EMPTY_MAP  # shared: most roles hold several empty arrays
        return LegacyMap(
            items=tuple((_key(k, problems), to_value(v, problems)) for k, v in value.items)
        )
    if isinstance(value, PhpObject):
        return LegacyMap(
            items=tuple((sys.intern(k), to_value(v, problems)) for k, v in value.properties),
            class_name=sys.intern(value.class_name),
        )
    return value


def to_map(value: PhpValue, problems: Problems) -> LegacyMap:
    """Like :func:`to_value` but always a map (a non-array gives an empty map)."""
    converted = to_value(value, problems)
    return converted if isinstance(converted, LegacyMap) else EMPTY_MAP


def _key(key: int | bytes, problems: Problems) -> str:
    # keys repeat in every role and option (scopes, plugin ids, names): share one copy
    return sys.intern(str(key) if isinstance(key, int) else text(key, problems))


def decode_stored(raw: bytes | str, *, bare_serial: bool = False) -> PhpValue:
    """Decode a stored value: ``$phpserial$…``, ``$json$…`` or plain text (§3).

    Plain values come back as ``bytes``. With ``bare_serial`` a value that parses as a bare
    ``serialize()`` is decoded too (4.x rows, ``META_SOURCES``, shares). Raises
    ``LegacyFormatError`` when a prefixed value does not decode.
    """
    data = as_bytes(raw)
    if data.startswith(PHPSERIAL_PREFIX):
        return phpserial.loads(data[len(PHPSERIAL_PREFIX) :])
    if data.startswith(JSON_PREFIX):
        try:
            return _from_json(json.loads(data[len(JSON_PREFIX) :]))
        except (ValueError, RecursionError) as exc:
            raise LegacyFormatError(f"invalid $json$ value: {exc}") from exc
    if bare_serial and data[:2] in (b"a:", b"O:", b"b:", b"i:", b"s:", b"d:", b"N;"):
        try:
            return phpserial.loads(data)
        except LegacyFormatError:
            return data
    return data


def _from_json(value: object) -> PhpValue:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, dict):
        return PhpArray(tuple((k.encode("utf-8"), _from_json(v)) for k, v in value.items()))
    if isinstance(value, list):
        return PhpArray(tuple((i, _from_json(v)) for i, v in enumerate(value)))
    if value is None or isinstance(value, bool | int | float):
        return value
    raise LegacyFormatError(f"unsupported JSON value {type(value).__name__}")


# --- roles ------------------------------------------------------------------------------------


def is_role_class(name: str) -> bool:
    """Role classes of every era: ``AjxpRole``, ``AJXP_Role``, ``Pydio\\Conf\\Core\\AJXP_Role``."""
    return name == "AjxpRole" or name == "AJXP_Role" or name.endswith("\\AJXP_Role")


def decode_role(
    role_id: str,
    raw: bytes | str,
    *,
    owner: str | None = None,
    last_updated: int | None = None,
    problems: Problems,
    make_acl: AclFactory | None = None,
) -> LegacyRole:
    """Decode one ``serial_role`` value into a :class:`LegacyRole` (§5.1).

    Bad ACL values are dropped and noted in ``problems``. ``make_acl`` lets a reader share
    identical ACL objects across roles (memory at scale). Raises ``LegacyFormatError`` when
    the value is not a serialized role object at all (the caller reports a corrupt role).
    """
    obj = phpserial.loads(as_bytes(raw))
    if not isinstance(obj, PhpObject) or not is_role_class(obj.class_name):
        kind = obj.class_name if isinstance(obj, PhpObject) else type(obj).__name__
        raise LegacyFormatError(f"not a role object ({kind})")
    make = make_acl or _new_acl
    if obj.class_name == "AjxpRole":
        role = _decode_legacy_role(role_id, obj, owner=owner, problems=problems, make_acl=make)
        return replace(role, last_updated=last_updated)
    parameters = to_map(obj.get("parameters"), problems)
    core = parameters.get_map("AJXP_REPO_SCOPE_ALL").get_map("core.conf")
    label = core.get_str("ROLE_DISPLAY_NAME") or _opt_text(obj.get("roleLabel"), problems)
    owner = owner or _opt_text(obj.get("ownerId"), problems)
    stamp = obj.get("lastUpdated")
    return LegacyRole(
        role_id=role_id,
        kind=role_kind(role_id, owner),
        label=label or role_id,
        acls=_acls(obj.get("acls"), problems, make),
        parameters=parameters,
        actions=to_map(obj.get("actions"), problems),
        auto_applies=_strings(obj.get("autoApplies"), problems),
        masks=_masks(obj.get("masks"), problems),
        owner=owner,
        group_path=_opt_text(obj.get("groupPath"), problems),
        class_name=sys.intern(obj.class_name),
        last_updated=last_updated if last_updated is not None else _opt_int(stamp),
        force_override=str(core.get("ROLE_FORCE_OVERRIDE")).lower() in ("true", "1"),
    )


def _decode_legacy_role(
    role_id: str, obj: PhpObject, *, owner: str | None, problems: Problems, make_acl: AclFactory
) -> LegacyRole:
    """``AjxpRole`` (≤4.x): ``rights[repo]``, ``rights["ajxp.actions"]``, ``default`` (§5.1)."""
    rights = obj.get("rights")
    acl_items: list[tuple[int | bytes, PhpValue]] = []
    actions: list[tuple[str, LegacyValue]] = []
    if isinstance(rights, PhpArray):
        for key, value in rights.items:
            if key == b"ajxp.actions" and isinstance(value, PhpArray):
                for repo, states in value.items:
                    plugin_all = LegacyMap(items=(("plugin.all", to_value(states, problems)),))
                    actions.append((_key(repo, problems), plugin_all))
            else:
                acl_items.append((key, value))
    default = obj.get("default")
    return LegacyRole(
        role_id=role_id,
        kind=role_kind(role_id, owner),
        label=role_id,
        acls=_acls(PhpArray(tuple(acl_items)), problems, make_acl),
        actions=LegacyMap(items=tuple(actions)),
        auto_applies=("all",) if default else (),
        owner=owner,
        group_path=_opt_text(obj.get("groupPath"), problems),
        class_name=obj.class_name,
    )


def _new_acl(workspace_id: str, right: str) -> LegacyAcl:
    return LegacyAcl(workspace_id=workspace_id, right=right)


def _acls(value: PhpValue, problems: Problems, make_acl: AclFactory) -> tuple[LegacyAcl, ...]:
    if not isinstance(value, PhpArray):
        return ()
    acls: list[LegacyAcl] = []
    for key, right in value.items:
        workspace = _key(key, problems)
        right_text = _opt_text(right, problems)
        if right_text in (None, ""):
            continue  # "" is never stored: inherit (§5.1)
        if right_text not in VALID_RIGHTS:
            problems.notes.append(
                f"ACL on workspace {workspace!r} has invalid value {right_text!r}"
            )
            continue
        acls.append(make_acl(workspace, right_text))
    return tuple(acls)


def _strings(value: PhpValue, problems: Problems) -> tuple[str, ...]:
    if not isinstance(value, PhpArray):
        return ()
    return tuple(sys.intern(t) for v in value.values() if (t := _opt_text(v, problems)))


def _opt_text(value: PhpValue, problems: Problems) -> str | None:
    if value is None or isinstance(value, PhpArray | PhpObject):
        return None
    if isinstance(value, bytes):
        return text(value, problems)
    return str(value)


def _opt_int(value: PhpValue) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# --- masks ------------------------------------------------------------------------------------


def _masks(value: PhpValue, problems: Problems) -> tuple[LegacyMask, ...]:
    """``{repoId: AJXP_PermissionMask}`` → flattened rules (§5.4)."""
    if not isinstance(value, PhpArray):
        return ()
    masks: list[LegacyMask] = []
    for key, mask in value.items:
        workspace = _key(key, problems)
        if not isinstance(mask, PhpObject) or "__serialized__" in mask:
            problems.notes.append(f"permission mask on workspace {workspace!r} is unreadable")
            continue
        rules: list[MaskRule] = []
        _walk_mask(mask.properties, "", rules, problems)
        masks.append(LegacyMask(workspace_id=workspace, rules=tuple(rules)))
    return tuple(masks)


def _walk_mask(
    items: tuple[tuple[str, PhpValue], ...] | tuple[tuple[int | bytes, PhpValue], ...],
    prefix: str,
    out: list[MaskRule],
    problems: Problems,
) -> None:
    for key, node in items:
        name = key if isinstance(key, str) else _key(key, problems)
        path = f"{prefix}/{name}"
        if isinstance(node, PhpObject) and node.class_name.endswith("AJXP_Permission"):
            bits = node.get("value")
            out.append(MaskRule(path=path, permission=bits if isinstance(bits, int) else 0))
        elif isinstance(node, PhpArray):
            _walk_mask(node.items, path, out, problems)
        elif isinstance(node, PhpObject):
            _walk_mask(node.properties, path, out, problems)
