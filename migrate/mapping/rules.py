"""MappingRules: the mapping tables of ``mappings/*.yaml`` as typed, immutable values.

``migrate/rulesfile.py`` reads, merges and validates the YAML files into one
:class:`MappingRules`; the mapping functions only ever see this value (no I/O here).
The reference defaults live in ``migrate/data/mappings/default.yaml`` (DESIGN.md "Mapping
rules"); the dataclass defaults below are their core (without the per-driver skip reasons),
for callers that build rules by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class StorageKind(StrEnum):
    """What a legacy driver becomes on Cells."""

    LOCAL = "LOCAL"  # structured LOCAL datasource over the legacy folder
    S3 = "S3"  # S3 datasource
    SKIP = "skip"  # no Cells equivalent: reported, not migrated


class PasswordStrategy(StrEnum):
    """``passwords.strategy`` of the configuration (DESIGN.md "Passwords").

    Mapping keeps its own enum so that it never imports ``migrate.config`` (STYLE.md 2.2);
    the values are the configuration's strings.
    """

    KEEP_HASH = "keep-hash"
    RESET = "reset"
    RANDOM = "random"


class DefaultRightsMode(StrEnum):
    """What the legacy ``DEFAULT_RIGHTS`` option becomes."""

    ATTRIBUTE = "attribute"  # DESIGN.md: DEFAULT_RIGHTS attribute of the workspace
    DROP = "drop"  # like Cells' wizard: rights come from role ACLs only


@dataclass(frozen=True, slots=True, kw_only=True)
class DriverRule:
    """One legacy driver (``accessType``) and what it maps to."""

    driver: str
    storage: StorageKind
    reason: str = ""  # why it is skipped (shown in the finding)


@dataclass(frozen=True, slots=True, kw_only=True)
class PathRewrite:
    """Replace the legacy path prefix ``source`` by ``target`` (the data moved hosts)."""

    source: str
    target: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Overrides:
    """Per-object overrides by legacy natural key (login, group path, role id, workspace id).

    ``rename``: key → new Cells name (login, group label, role Uuid, workspace slug);
    ``exclude``: keys not migrated (reported); ``force``: keys migrated although a default
    rule skips them (hidden link users, reserved roles, templates and shared children,
    groups that have no ``ajxp_groups`` row).
    """

    rename: tuple[tuple[str, str], ...] = ()
    exclude: frozenset[str] = frozenset()
    force: frozenset[str] = frozenset()

    def renamed(self, key: str) -> str | None:
        """The new name of ``key``, if renamed."""
        for old, new in self.rename:
            if old == key:
                return new
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleRules:
    """Special role ids (legacy-model.md §5.3) and role overrides."""

    root_group_ids: tuple[str, ...] = ("AJXP_GRP_/", "ROOT_ROLE")
    root_group_target: str = "ROOT_GROUP"
    user_role_prefix: str = "AJXP_USR_/"
    group_role_prefix: str = "AJXP_GRP_"
    reserved_ids: frozenset[str] = frozenset(
        {"ROOT_ROLE", "MINISITE", "MINISITE_NODOWNLOAD", "GUEST", "EXTERNAL_USERS"}
    )
    reserved_prefixes: tuple[str, ...] = ("AJXP_",)
    cells_reserved_ids: frozenset[str] = frozenset({"ROOT_GROUP", "ADMINS", "EXTERNAL_USERS"})
    cells_id_prefix: str = "p8-"
    overrides: Overrides = field(default_factory=Overrides)


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkspaceRules:
    """Workspace rules: skipped ids, slugs, default rights, personal files."""

    skip_ids: frozenset[str] = frozenset(
        {"ajxp_home", "ajxp_conf", "inbox", "ajxp_user", "ajxp_shared"}
    )
    reserved_slugs: frozenset[str] = frozenset({"personal-files", "common-files", "cells"})
    default_rights: DefaultRightsMode = DefaultRightsMode.ATTRIBUTE
    personal_template_node: str = "my-files"
    label_max: int = 500  # cells-api.md §1.3
    description_max: int = 1000
    # legacy label -> Cells label; default: Pydio's workspace 0 "Default Files", which would
    # sit beside Cells' own "Common Files" and "Personal Files" (issue 17)
    labels: tuple[tuple[str, str], ...] = (("Default Files", "Pydio Default Files"),)
    overrides: Overrides = field(default_factory=Overrides)


@dataclass(frozen=True, slots=True, kw_only=True)
class DatasourceRules:
    """Datasource naming and Cells' folder rules (cells-api.md §1.2)."""

    name_prefix: str = ""
    name_max_length: int = 32
    reserved_names: frozenset[str] = frozenset(
        {"pydiods1", "personal", "cellsdata", "versions", "thumbnails", "default"}
    )
    reserved_prefix: str = "p8"
    min_depth: int = 2
    normalize: str = "false"
    rename: tuple[tuple[str, str], ...] = ()  # resolved folder -> datasource name
    # Folders to use as datasource folders (after rewrites): the workspaces under one are
    # rooted on its sub-folders (a way out of nested objects-service roots, issue 11).
    folders: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class UserRules:
    """Login normalisation and user overrides."""

    lowercase_logins: bool = True
    # The account the tool logs in with is never modified; its legacy rights are sent to
    # its role only when asked (issue 17 point 7).
    tool_account_rights: bool = False
    overrides: Overrides = field(default_factory=Overrides)


@dataclass(frozen=True, slots=True, kw_only=True)
class ShareRules:
    """``shares:`` — what happens to public links and shared folders."""

    migrate_expired: bool = False  # expired links are skipped with a finding by default


@dataclass(frozen=True, slots=True, kw_only=True)
class MappingRules:
    """Every rule the mapping applies; built by ``rulesfile.load_rules``."""

    drivers: tuple[DriverRule, ...] = (
        DriverRule(driver="fs", storage=StorageKind.LOCAL),
        DriverRule(driver="s3", storage=StorageKind.S3),
    )
    unknown_driver_reason: str = "driver has no Cells equivalent"
    rights: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("r", ("read",)),
        ("w", ("write",)),
        ("rw", ("read", "write")),
        ("AJXP_VALUE_CLEAR", ("deny",)),
    )
    profiles: tuple[tuple[str, str | None], ...] = (
        ("admin", "admin"),
        ("standard", "standard"),
        ("shared", "shared"),
        ("guest", None),
    )
    all_profiles: tuple[str, ...] = ("standard", "shared", "admin")
    roles: RoleRules = field(default_factory=RoleRules)
    workspaces: WorkspaceRules = field(default_factory=WorkspaceRules)
    datasources: DatasourceRules = field(default_factory=DatasourceRules)
    users: UserRules = field(default_factory=UserRules)
    groups: Overrides = field(default_factory=Overrides)
    shares: ShareRules = field(default_factory=ShareRules)
    path_variables: tuple[tuple[str, str], ...] = ()  # AJXP_DATA_PATH -> /var/lib/pydio
    path_rewrite: tuple[PathRewrite, ...] = ()
    sources: tuple[str, ...] = ()  # files the rules were read from, in order

    def driver(self, name: str) -> DriverRule:
        """The rule for a driver; unknown drivers are skipped with the default reason."""
        for rule in self.drivers:
            if rule.driver == name:
                return rule
        return DriverRule(driver=name, storage=StorageKind.SKIP, reason=self.unknown_driver_reason)

    def actions(self, right: str) -> tuple[str, ...] | None:
        """The Cells ACL actions of a legacy right value, or ``None`` when unknown."""
        for value, actions in self.rights:
            if value == right:
                return actions
        return None

    def profile(self, legacy: str) -> tuple[bool, str | None]:
        """``(known, cells profile)``; a known profile may map to ``None`` (not migrated)."""
        for value, cells in self.profiles:
            if value == legacy:
                return True, cells
        return False, None


DEFAULT_RULES = MappingRules()
"""The dataclass defaults (``rulesfile.load_rules()`` gives the full built-in rules)."""
