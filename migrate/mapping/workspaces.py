"""Legacy workspaces → Cells datasources and workspaces (DESIGN.md "Workspaces").

Decisions, in order, for every legacy workspace (legacy-model.md §8):

1. system ids (``ajxp_home``, ``ajxp_conf``, ``inbox``…) and excluded ones are skipped;
2. shared children (§8.3, owner + parent) belong to the shares stage; templates are not
   workspaces themselves (their children are) — both unless forced;
3. the driver decides: LOCAL, S3, or skipped with the rule's reason;
4. template children read missing options from their template (§8.3);
5. a ``PATH`` with ``AJXP_USER`` is a per-user folder: the workspace is rooted on the
   Cells personal-files template node and the folder above is still a datasource, with a
   finding that says what to do on Cells Home and on Enterprise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from migrate.legacy.model import (
    Finding,
    FindingKind,
    Inventory,
    LegacyMap,
    LegacyWorkspace,
)
from migrate.mapping import ids
from migrate.mapping.attributes import legacy_text, workspace_attributes
from migrate.mapping.datasources import (
    Placement,
    S3Spec,
    StorageRoot,
    plan_datasources,
    resolve_folder,
)
from migrate.mapping.desired import DesiredDatasource, DesiredWorkspace, NodeKind, NodeRef
from migrate.mapping.findings import blocker, info, warning
from migrate.mapping.rules import MappingRules, StorageKind
from migrate.secret import Secret

_PARENT_OPTION = re.compile(r"^AJXP_PARENT_OPTION:PATH:(.*)$")
USER_TOKEN = "AJXP_USER"  # noqa: S105 - a path variable, not a password


@dataclass(frozen=True, slots=True, kw_only=True)
class _Source:
    """A workspace that will exist on Cells, before its datasource is known."""

    ws: LegacyWorkspace
    options: LegacyMap
    root: StorageRoot
    user_suffix: str | None  # after the per-user folder prefix: "/AJXP_USER/docs"


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkspaceMapping:
    """Result: Cells workspaces by legacy id, datasources, and why others were skipped."""

    workspaces: dict[str, DesiredWorkspace]
    datasources: tuple[DesiredDatasource, ...]
    skipped: dict[str, str]  # legacy id -> finding code that explains it
    findings: tuple[Finding, ...]


def root_group_rights(inventory: Inventory, rules: MappingRules) -> dict[str, str]:
    """``{workspace id: right}`` of the roles that become ROOT_GROUP, later ids winning."""
    roles = inventory.roles_by_id()
    merged: dict[str, str] = {}
    for role_id in rules.roles.root_group_ids:
        role = roles.get(role_id)
        if role is not None:
            merged.update(role.acl_map())
    return merged


def map_workspaces(inventory: Inventory, rules: MappingRules) -> WorkspaceMapping:
    """Map every legacy workspace (pure, deterministic)."""
    by_id = inventory.workspaces_by_id()
    findings: list[Finding] = []
    skipped: dict[str, str] = {}
    sources: list[_Source] = []
    for ws in sorted(inventory.workspaces, key=lambda w: w.workspace_id):
        source, code, found = _classify(ws, by_id, rules)
        findings.extend(found)
        if source is None:
            skipped[ws.workspace_id] = code
        else:
            sources.append(source)
    plan = plan_datasources([s.root for s in sources], rules)
    findings.extend(plan.findings)
    root_rights = root_group_rights(inventory, rules)
    slugs = _slugs([s.ws for s in sources if s.ws.workspace_id in plan.placements], rules)
    workspaces: dict[str, DesiredWorkspace] = {}
    for source in sources:
        wid = source.ws.workspace_id
        placement = plan.placements.get(wid)
        if placement is None:
            skipped[wid] = "datasource-folder-invalid"
            continue
        desired, found = _workspace(source, placement, slugs[wid], root_rights.get(wid), rules)
        workspaces[wid] = desired
        findings.extend(found)
        findings.extend(_scope_findings(source.ws))
    findings.extend(_shared_templates(workspaces))
    return WorkspaceMapping(
        workspaces=workspaces,
        datasources=plan.datasources,
        skipped=skipped,
        findings=tuple(findings),
    )


def _classify(
    ws: LegacyWorkspace, by_id: Mapping[str, LegacyWorkspace], rules: MappingRules
) -> tuple[_Source | None, str, list[Finding]]:
    wid = ws.workspace_id
    over = rules.workspaces.overrides
    key = FindingKind.WORKSPACE
    if wid in over.exclude:
        return None, "excluded", [info(key, wid, "excluded", f"workspace {wid} is excluded")]
    if wid in rules.workspaces.skip_ids or ws.system:
        msg = f"workspace {wid} ({ws.driver}) is a Pydio system workspace with no storage; skipped"
        return None, "system-workspace", [info(key, wid, "system-workspace", msg)]
    forced = wid in over.force
    if ws.shared_child and not forced:
        msg = (
            f"workspace {wid} ({ws.display!r}) is a share by {ws.owner}: not a workspace in "
            "Cells; the shares stage makes it a cell or a public link (or says why not)"
        )
        return None, "shared-child", [info(FindingKind.SHARE, wid, "shared-child", msg)]
    if ws.is_template and not forced:
        msg = f"workspace {wid} ({ws.display!r}) is a template; its children are migrated"
        return None, "template", [info(key, wid, "template", msg)]
    if not ws.enabled and not forced:
        msg = (
            f"workspace {wid} ({ws.display!r}) is disabled in Pydio; Cells has no disabled "
            "workspaces, so it is not migrated (add it to workspaces.force to migrate it)"
        )
        return None, "workspace-disabled", [info(key, wid, "workspace-disabled", msg)]
    parent = by_id.get(ws.parent_id) if ws.parent_id else None
    options = _effective_options(ws, parent)
    driver = _effective_driver(ws, parent)
    rule = rules.driver(driver)
    if rule.storage is StorageKind.SKIP:
        msg = f"workspace {wid} ({ws.display!r}) uses driver {driver}: {rule.reason}; not migrated"
        return None, "driver-unsupported", [warning(key, wid, "driver-unsupported", msg)]
    if rule.storage is StorageKind.S3:
        return _s3_source(ws, parent, options)
    return _local_source(ws, options, by_id, rules)


def _effective_options(ws: LegacyWorkspace, parent: LegacyWorkspace | None) -> LegacyMap:
    """Template and shared children read missing options from their parent (§8.3)."""
    if parent is None or not (ws.infer_options_from_parent or ws.template_child):
        return ws.options
    own = {k for k, _ in ws.options}
    return LegacyMap(items=ws.options.items + tuple(i for i in parent.options if i[0] not in own))


def _effective_driver(ws: LegacyWorkspace, parent: LegacyWorkspace | None) -> str:
    if ws.driver.startswith("ajxp_template_") and parent is not None:
        return parent.driver  # legacy-model.md §8.3: children made from a template
    return ws.driver


def _s3_source(
    ws: LegacyWorkspace, parent: LegacyWorkspace | None, options: LegacyMap
) -> tuple[_Source | None, str, list[Finding]]:
    wid = ws.workspace_id
    container = legacy_text(options.get("CONTAINER"))
    if not container:
        msg = f"S3 workspace {wid} has no CONTAINER option; it cannot be migrated"
        found = blocker(FindingKind.WORKSPACE, wid, "s3-container-missing", msg)
        return None, "s3-container-missing", [found]
    key_text = legacy_text(options.get("API_KEY"))  # API_KEY is a plain option in legacy-model.md
    spec = S3Spec(
        container=container,
        region=legacy_text(options.get("REGION")),
        endpoint=legacy_text(options.get("STORAGE_URL")),
        signature_version=legacy_text(options.get("SIGNATURE_VERSION")),
        api_key=_secret_option(ws, parent, "API_KEY") or (Secret(key_text) if key_text else None),
        api_secret=_secret_option(ws, parent, "SECRET_KEY"),
    )
    inner = legacy_text(options.get("PATH")) or "/"
    root = StorageRoot(workspace_id=wid, path=inner, s3=spec)
    return _Source(ws=ws, options=options, root=root, user_suffix=None), "", []


def _secret_option(ws: LegacyWorkspace, parent: LegacyWorkspace | None, name: str) -> Secret | None:
    value = ws.secret_option(name)
    if value is None and parent is not None:
        value = parent.secret_option(name)
    return value


def _raw_path(
    ws: LegacyWorkspace, options: LegacyMap, by_id: Mapping[str, LegacyWorkspace]
) -> str | None:
    """PATH, following ``AJXP_PARENT_OPTION:PATH:<sub>`` of 8.x shared children (§8.2)."""
    raw = legacy_text(options.get("PATH")) or ws.path or ""
    match = _PARENT_OPTION.match(raw)
    if match is None:
        return raw or None
    parent = by_id.get(ws.parent_id or "")
    if parent is None:
        return None
    base = _raw_path(parent, parent.options, by_id)
    return None if base is None else base.rstrip("/") + "/" + match.group(1).strip("/")


def _local_source(
    ws: LegacyWorkspace,
    options: LegacyMap,
    by_id: Mapping[str, LegacyWorkspace],
    rules: MappingRules,
) -> tuple[_Source | None, str, list[Finding]]:
    wid = ws.workspace_id
    raw = _raw_path(ws, options, by_id)
    if raw is None:
        msg = f"workspace {wid} ({ws.display!r}) has no usable PATH; it cannot be migrated"
        return None, "path-missing", [blocker(FindingKind.WORKSPACE, wid, "path-missing", msg)]
    suffix = None
    if USER_TOKEN in raw:
        before = raw[: raw.index(USER_TOKEN)]
        folder_part = before if before.endswith("/") else before.rsplit("/", 1)[0] + "/"
        suffix = raw[len(folder_part) - 1 :]
        raw = folder_part
    folder, why = resolve_folder(raw, rules)
    if folder is None:
        msg = (
            f"workspace {wid} ({ws.display!r}): {why}; set mapping paths.variables or "
            "legacy.path_rewrite"
        )
        return (
            None,
            "path-unresolved",
            [blocker(FindingKind.WORKSPACE, wid, "path-unresolved", msg)],
        )
    root = StorageRoot(workspace_id=wid, path=folder)
    return _Source(ws=ws, options=options, root=root, user_suffix=suffix), "", []


def _slugs(workspaces: list[LegacyWorkspace], rules: MappingRules) -> dict[str, str]:
    """Unique valid slugs: renamed ones first, then by (wanted slug, legacy id)."""
    over = rules.workspaces.overrides
    taken: set[str] = set(rules.workspaces.reserved_slugs)
    result: dict[str, str] = {}
    for ws in workspaces:
        renamed = over.renamed(ws.workspace_id)
        if renamed is not None:
            result[ws.workspace_id] = ids.make_unique(renamed, taken)
            taken.add(result[ws.workspace_id])
    wanted = sorted(
        (ids.slugify(ws.slug or ws.display), ws.workspace_id)
        for ws in workspaces
        if ws.workspace_id not in result
    )
    for slug, wid in wanted:
        result[wid] = ids.make_unique(slug, taken)
        taken.add(result[wid])
    return result


# Labels of Cells' own workspaces (and of Pydio's default one, which looks like them): a
# migrated workspace labelled so sits beside them as a look-alike pair.
CELLS_LOOKALIKES = frozenset({"common files", "personal files", "default files", "my files"})


def _label(legacy: str, wid: str, rules: MappingRules) -> tuple[str, list[Finding]]:
    """The Cells label (``workspaces.labels`` relabels), with an info finding either way
    when it is or was a look-alike of Cells' own workspaces."""
    relabel = dict(rules.workspaces.labels).get(legacy)
    if relabel is not None and relabel != legacy:
        msg = (
            f"workspace {wid} ({legacy!r}) is labelled {relabel!r} on Cells, so that users "
            "do not see it beside Cells' own 'Common Files' and 'Personal Files' as a "
            "look-alike (mapping workspaces.labels; map the label to itself to keep it)"
        )
        return relabel, [info(FindingKind.WORKSPACE, wid, "label-changed", msg)]
    if legacy.casefold() in CELLS_LOOKALIKES:
        msg = (
            f"workspace {wid} keeps its label {legacy!r}: users see it beside Cells' own "
            "'Common Files' and 'Personal Files' (relabel it with workspaces.labels in a "
            "mapping file)"
        )
        return legacy, [info(FindingKind.WORKSPACE, wid, "label-lookalike", msg)]
    return legacy, []


def _workspace(
    source: _Source,
    placement: Placement,
    slug: str,
    root_right: str | None,
    rules: MappingRules,
) -> tuple[DesiredWorkspace, list[Finding]]:
    ws, wid = source.ws, source.ws.workspace_id
    wrules = rules.workspaces
    findings: list[Finding] = []
    if slug != ids.slugify(ws.slug or ws.display):
        msg = f"workspace {wid}: slug {ws.slug!r} becomes {slug!r} on Cells"
        findings.append(info(FindingKind.WORKSPACE, wid, "slug-changed", msg))
    label, relabelled = _label(ws.display or ws.slug or wid, wid, rules)
    findings += relabelled
    description = legacy_text(source.options.get("USER_DESCRIPTION"))
    if len(label) > wrules.label_max or len(description) > wrules.description_max:
        msg = f"workspace {wid}: label or description cut to Cells' limits"
        findings.append(info(FindingKind.WORKSPACE, wid, "text-truncated", msg))
    attrs, found = workspace_attributes(wid, source.options, root_right, rules)
    findings.extend(found)
    node, template = _root_node(source, placement, rules)
    if template is not None:
        findings.append(_personal_finding(ws, source, placement, template, node.path))
    desired = DesiredWorkspace(
        uuid=ids.workspace_uuid(wid),
        slug=slug,
        label=label[: wrules.label_max],
        description=description[: wrules.description_max],
        attributes=attrs,
        root_nodes=(node,),
        datasource=placement.datasource,
        template_resolution=template,
        legacy_key=wid,
    )
    return desired, findings


def _root_node(
    source: _Source, placement: Placement, rules: MappingRules
) -> tuple[NodeRef, str | None]:
    """The workspace root and, for per-user folders, the Enterprise template resolution."""
    if source.user_suffix is not None:
        node_id = rules.workspaces.personal_template_node
        template = _template_resolution(placement, source.user_suffix)
        return NodeRef(kind=NodeKind.TEMPLATE, path=node_id, uuid=node_id), template
    if placement.sub:
        return NodeRef(kind=NodeKind.FOLDER, path=f"{placement.datasource}/{placement.sub}"), None
    name = placement.datasource
    return NodeRef(kind=NodeKind.DATASOURCE, path=name, uuid=f"DATASOURCE:{name}"), None


def _template_resolution(placement: Placement, suffix: str) -> str:
    """Cells' template-path syntax (cells-api.md §2 step 2): ``AJXP_USER`` → ``User.Name``."""
    head = f"/{placement.sub}" if placement.sub else ""
    pieces = [
        f'"{head}{p}"' if i == 0 else f'"{p}"' for i, p in enumerate(suffix.split(USER_TOKEN))
    ]
    joined = " + User.Name + ".join(pieces)
    return f"DataSources.{placement.datasource} + {joined}".replace(' + ""', "")


def _personal_finding(
    ws: LegacyWorkspace, source: _Source, placement: Placement, template: str, node_id: str
) -> Finding:
    folder = source.root.path
    return warning(
        FindingKind.WORKSPACE,
        ws.workspace_id,
        "personal-files",
        f"workspace {ws.workspace_id} ({ws.display!r}) has one folder per user under "
        f"{folder}. It is rooted on the Cells template node "
        f"'{node_id}'. Cells Home: only the "
        "built-in My Files template exists; copy each user's folder into that user's Cells "
        "personal folder (personal/<login>) after the users stage. Cells Enterprise: create a "
        f"template path resolving to {template} and re-root the workspace on it. The folder "
        f"itself is kept reachable for admins in datasource {placement.datasource}.",
    )


def _scope_findings(ws: LegacyWorkspace) -> list[Finding]:
    """Pydio visibility rules Cells has no equivalent for (legacy-model.md §6)."""
    wid = ws.workspace_id
    found = []
    if ws.child_user:
        msg = (
            f"workspace {wid} was visible to {ws.child_user} only in Pydio; on Cells anyone "
            "its ACLs name can open it"
        )
        found.append(warning(FindingKind.WORKSPACE, wid, "unique-user-lost", msg))
    if ws.group_path not in (None, "", "/"):
        msg = (
            f"workspace {wid} was visible only to users under group {ws.group_path} in "
            "Pydio; on Cells its ACLs alone decide"
        )
        found.append(info(FindingKind.WORKSPACE, wid, "group-scope-lost", msg))
    return found


def _shared_templates(workspaces: Mapping[str, DesiredWorkspace]) -> list[Finding]:
    """Several per-user workspaces on one template node show the same folder on Cells Home."""
    by_node: dict[str, list[str]] = {}
    for wid, desired in sorted(workspaces.items()):
        for node in desired.root_nodes:
            if node.kind is NodeKind.TEMPLATE:
                by_node.setdefault(node.path, []).append(wid)
    return [
        warning(
            FindingKind.WORKSPACE,
            node,
            "personal-files-shared",
            f"workspaces {', '.join(wids)} are all rooted on template node {node!r}: on Cells "
            "Home they show the same per-user folder. Give each its own template path "
            "(Enterprise) or merge their folders.",
        )
        for node, wids in sorted(by_node.items())
        if len(wids) > 1
    ]
