"""Datasources from workspace storage roots (DESIGN.md "Workspaces", cells-api.md §1.2).

Cells' rules enforced here, for structured LOCAL datasources:

* one datasource per distinct legacy folder; a folder inside another one's folder is folded
  into the outer datasource and its workspace is rooted on the sub-folder (v5 refuses nested
  folders across datasources with ``DatasourceConflict``, cells-api.md §1.2);
* the folder is at least ``min_depth`` (2) levels deep and its last segment is a usable
  bucket name (the last segment becomes ``ObjectsBucket``); a folder that fails is widened to
  the nearest ancestor that passes, and reported;
* names match ``^[0-9a-z]+$`` and are unique; Cells' own datasource names are avoided;
* Cells runs one objects service per **parent** folder and refuses a datasource whose
  parent is an ancestor or a descendant of another one's (HTTP 500 "make sure to avoid
  using nested paths", datasource-object-service-roots.yaml): a datasource whose parent
  lies under another one's parent is widened to the sub-folder of that parent holding it,
  so both share one service, and its workspaces are rooted on sub-folders (reported);
  ``datasources.folders`` in a mapping file chooses datasource folders explicitly.

S3 workspaces become one S3 datasource per (endpoint, region, container, key), rooted on the
workspace's inner ``PATH``. Keys stay :class:`~migrate.secret.Secret` values.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field

from migrate.legacy.model import Finding, FindingKind
from migrate.mapping import ids
from migrate.mapping.desired import DesiredDatasource
from migrate.mapping.findings import blocker, info, warning
from migrate.mapping.rules import DatasourceRules, MappingRules
from migrate.secret import Secret


@dataclass(frozen=True, slots=True, kw_only=True)
class S3Spec:
    """The S3 coordinates of a workspace (legacy-model.md §8.2, driver s3)."""

    container: str
    region: str = ""
    endpoint: str = ""
    signature_version: str = ""
    api_key: Secret | None = field(default=None, repr=False)
    api_secret: Secret | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class StorageRoot:
    """Where a workspace's data is: a resolved folder (LOCAL) or an S3 inner path."""

    workspace_id: str
    path: str  # absolute folder (LOCAL) or inner path in the bucket (S3), "/" = whole
    s3: S3Spec | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Placement:
    """A workspace root inside a datasource: ``sub`` is "" for the datasource root."""

    datasource: str
    sub: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class DatasourcePlan:
    """The datasources, where each workspace root landed, and what was reported."""

    datasources: tuple[DesiredDatasource, ...]
    placements: dict[str, Placement]
    findings: tuple[Finding, ...]


def resolve_folder(raw: str, rules: MappingRules) -> tuple[str | None, str]:
    """Substitute path variables, apply ``path_rewrite``, normalise.

    Returns ``(folder, "")`` or ``(None, why)`` when the path stays relative or still holds
    an unresolved ``AJXP_*`` variable (``AJXP_USER`` is handled by the caller).
    """
    path = raw.strip()
    for name, value in sorted(rules.path_variables, key=lambda kv: -len(kv[0])):
        path = path.replace(name, value)
    if "AJXP_" in path:
        return None, f"path {raw!r} holds a variable the mapping cannot resolve"
    path = _rewrite(posixpath.normpath(path), rules)
    if not path.startswith("/"):
        return None, f"path {raw!r} is not absolute"
    return posixpath.normpath(path), ""


def _rewrite(path: str, rules: MappingRules) -> str:
    best = None
    for rw in rules.path_rewrite:
        src = posixpath.normpath(rw.source)
        if (path == src or path.startswith(src.rstrip("/") + "/")) and (
            best is None or len(src) > len(posixpath.normpath(best.source))
        ):
            best = rw
    if best is None:
        return path
    src = posixpath.normpath(best.source)
    return posixpath.normpath(best.target.rstrip("/") + "/" + path[len(src) :].lstrip("/"))


def _segments(path: str) -> tuple[str, ...]:
    return tuple(p for p in path.split("/") if p)


def _usable(segs: tuple[str, ...], rules: DatasourceRules) -> bool:
    return len(segs) >= rules.min_depth and ids.is_valid_bucket(segs[-1])


def _candidate(path: str, rules: DatasourceRules) -> tuple[str, ...] | None:
    """The folder itself or its nearest ancestor that Cells accepts as a datasource folder."""
    segs = _segments(path)
    while segs and not _usable(segs, rules):
        segs = segs[:-1]
    return segs or None


def plan_datasources(roots: Iterable[StorageRoot], rules: MappingRules) -> DatasourcePlan:
    """Fold the roots into datasources and place every workspace root (pure, deterministic)."""
    local = sorted((r for r in roots if r.s3 is None), key=lambda r: (r.path, r.workspace_id))
    s3_roots = sorted(
        (r for r in roots if r.s3 is not None), key=lambda r: (r.path, r.workspace_id)
    )
    findings: list[Finding] = []
    candidates: dict[str, tuple[str, ...]] = {}
    chosen = [_segments(f) for f in rules.datasources.folders]
    for root in local:
        segs = _segments(root.path)
        explicit = max((f for f in chosen if segs[: len(f)] == f), key=len, default=None)
        cand = explicit or _candidate(root.path, rules.datasources)
        if cand is None:
            findings.append(_unplaceable(root, rules.datasources))
            continue
        candidates[root.workspace_id] = cand
        if explicit is None and cand != segs:
            findings.append(_widened(root, "/" + "/".join(cand)))
    outers = _separate_services(candidates, rules.datasources, findings)
    names = _name_outers(outers, rules.datasources)
    placements: dict[str, Placement] = {}
    members: dict[tuple[str, ...], list[str]] = {o: [] for o in outers}
    for root in local:
        if root.workspace_id not in candidates:
            continue
        segs = _segments(root.path)
        outer = next(segs[:i] for i in range(1, len(segs) + 1) if segs[:i] in members)
        members[outer].append(root.workspace_id)
        placements[root.workspace_id] = Placement(
            datasource=names[outer], sub="/".join(segs[len(outer) :])
        )
    result = [_local_ds(outer, names[outer], tuple(members[outer]), rules) for outer in outers]
    taken = set(names.values()) | rules.datasources.reserved_names
    result += _s3_datasources(s3_roots, rules.datasources, taken, placements, findings)
    return DatasourcePlan(
        datasources=tuple(sorted(result, key=lambda d: d.name)),
        placements=placements,
        findings=tuple(findings),
    )


def _separate_services(
    candidates: dict[str, tuple[str, ...]], rules: DatasourceRules, findings: list[Finding]
) -> list[tuple[str, ...]]:
    """Fold the candidates until no two objects-service roots (parents) nest; returns the
    datasource folders. Workspaces that cannot be placed are dropped with a blocker; a
    widening is reported on the datasource folder it ends in."""
    widened: list[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = []
    while True:
        outers = _fold(candidates.values())
        parents = sorted({o[:-1] for o in outers}, key=lambda p: (len(p), p))
        clash = next(
            ((o, q) for o in outers for q in parents if len(q) < len(o) - 1 and o[: len(q)] == q),
            None,
        )
        if clash is None:
            for outer, root, wider in widened:
                final = next(o for o in outers if wider[: len(o)] == o)
                findings.append(_service_widened(outer, root, final))
            return outers
        outer, root = clash
        wider = outer[: len(root) + 1]
        members = sorted(ws for ws, c in candidates.items() if c[: len(outer)] == outer)
        if _usable(wider, rules):
            for ws in members:
                candidates[ws] = wider
            widened.append((outer, root, wider))
            continue
        for ws in members:
            del candidates[ws]
        findings.append(_service_nested(outer, root, members))


def service_root(folder: str) -> str:
    """Where Cells runs the objects service of a LOCAL datasource over ``folder``."""
    return posixpath.dirname(posixpath.normpath(folder))


def nested_service(folder: str, live: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
    """The live LOCAL datasource (name, folder) whose objects-service root nests with the
    one a new datasource over ``folder`` needs (Cells refuses it); None when none does.
    Equal roots share a service and are fine."""
    mine = service_root(folder)
    for name, other in sorted(live):
        theirs = service_root(other)
        if theirs != mine and (
            mine.startswith(theirs.rstrip("/") + "/") or theirs.startswith(mine.rstrip("/") + "/")
        ):
            return name, other
    return None


def _fold(candidates: Iterable[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Keep only outermost folders: sorted by segments, parents come before children."""
    kept: list[tuple[str, ...]] = []
    kept_set: set[tuple[str, ...]] = set()
    for cand in sorted(set(candidates)):
        if any(cand[:i] in kept_set for i in range(1, len(cand) + 1)):
            continue
        kept.append(cand)
        kept_set.add(cand)
    return kept


def _name_outers(
    outers: list[tuple[str, ...]], rules: DatasourceRules
) -> dict[tuple[str, ...], str]:
    renames = dict(rules.rename)
    names: dict[tuple[str, ...], str] = {}
    taken: set[str] = set()
    for outer in outers:  # explicit renames first, so they always win their name
        folder = "/" + "/".join(outer)
        if folder in renames:
            names[outer] = renames[folder]
            taken.add(renames[folder])
    for outer in outers:
        if outer in names:
            continue
        names[outer] = _free_name(outer[-1], rules, taken)
        taken.add(names[outer])
    return names


def _free_name(text: str, rules: DatasourceRules, taken: set[str]) -> str:
    name = ids.datasource_name(text, prefix=rules.name_prefix, max_length=rules.name_max_length)
    if name in rules.reserved_names:
        name = ids.datasource_name(rules.reserved_prefix + name, max_length=rules.name_max_length)
    return ids.make_unique(name, taken | rules.reserved_names, join=lambda b, n: f"{b}{n}")


def _local_ds(
    outer: tuple[str, ...], name: str, members: tuple[str, ...], rules: MappingRules
) -> DesiredDatasource:
    folder = "/" + "/".join(outer)
    return DesiredDatasource(
        name=name,
        storage_type="LOCAL",
        # cells-v3-behaviour.md §4: structured = {"folder", "normalize":"false"} + FlatStorage:false
        storage_configuration=(("folder", folder), ("normalize", rules.datasources.normalize)),
        flat_storage=False,
        legacy_key=folder,
        workspaces=tuple(sorted(members)),
    )


def _s3_datasources(
    roots: list[StorageRoot],
    rules: DatasourceRules,
    taken: set[str],
    placements: dict[str, Placement],
    findings: list[Finding],
) -> list[DesiredDatasource]:
    groups: dict[tuple[str, str, str, str], list[tuple[StorageRoot, S3Spec]]] = {}
    for root in roots:
        if root.s3 is None:
            continue
        s3 = root.s3
        key_id = s3.api_key.reveal() if s3.api_key else ""
        groups.setdefault((s3.endpoint, s3.region, s3.container, key_id), []).append((root, s3))
    result = []
    for key in sorted(groups):
        members = [root for root, _ in groups[key]]
        spec = groups[key][0][1]
        name = _free_name(spec.container, rules, taken)
        taken.add(name)
        for root in members:
            placements[root.workspace_id] = Placement(datasource=name, sub=root.path.strip("/"))
            if not (spec.api_key and spec.api_secret):
                findings.append(_s3_keys_missing(root))
        config = [("customRegion", spec.region)] if spec.region else []
        if spec.endpoint:
            config.append(("customEndpoint", spec.endpoint))
        if spec.signature_version:
            config.append(("signatureVersion", spec.signature_version))
        result.append(
            DesiredDatasource(
                name=name,
                storage_type="S3",
                storage_configuration=tuple(sorted(config)),
                objects_bucket=spec.container,
                api_key=spec.api_key,
                api_secret=spec.api_secret,
                legacy_key=f"s3://{spec.container}",
                workspaces=tuple(sorted(r.workspace_id for r in members)),
            )
        )
    return result


def _unplaceable(root: StorageRoot, rules: DatasourceRules) -> Finding:
    return blocker(
        FindingKind.DATASOURCE,
        root.path,
        "datasource-folder-invalid",
        f"folder {root.path} of workspace {root.workspace_id} cannot be a Cells datasource "
        f"folder (it and its ancestors are less than {rules.min_depth} levels deep or end in "
        "a segment that is not a valid bucket name: 3-63 lower-case letters, digits, '.' or "
        "'-'). Move or rename the folder and add a legacy.path_rewrite, then re-run.",
    )


def _widened(root: StorageRoot, folder: str) -> Finding:
    return info(
        FindingKind.DATASOURCE,
        root.path,
        "datasource-folder-widened",
        f"folder {root.path} of workspace {root.workspace_id} ends in a segment that cannot "
        f"be a bucket name; the datasource covers {folder} and the workspace is rooted on "
        "the sub-folder. Cells admins will see the other folders of that datasource.",
    )


def _service_widened(
    outer: tuple[str, ...], root: tuple[str, ...], wider: tuple[str, ...]
) -> Finding:
    folder, parent, common, used = ("/" + "/".join(s) for s in (outer, outer[:-1], root, wider))
    return warning(
        FindingKind.DATASOURCE,
        used,
        "datasource-service-widened",
        f"a datasource over {folder} would need a Cells objects service on {parent}, inside "
        f"the one on {common} another datasource needs (Cells refuses nested objects-service "
        f"folders); the datasource covers {used} instead and its workspaces are rooted on "
        f"sub-folders. Cells indexes every folder of {used} and writes .pydio files into "
        "them: to choose other folders, list them under datasources.folders in a mapping "
        "file, or move the data.",
    )


def _service_nested(outer: tuple[str, ...], root: tuple[str, ...], members: list[str]) -> Finding:
    folder, common = "/" + "/".join(outer), "/" + "/".join(root)
    return blocker(
        FindingKind.DATASOURCE,
        folder,
        "datasource-service-nested",
        f"folder {folder} (workspaces {', '.join(members)}) cannot be a Cells datasource: "
        f"its objects service would sit inside the one on {common}, and no wider folder is a "
        "valid datasource folder. List a common folder under datasources.folders in a "
        "mapping file, or move the data (and add a legacy.path_rewrite), then re-run check.",
    )


def _s3_keys_missing(root: StorageRoot) -> Finding:
    return blocker(
        FindingKind.DATASOURCE,
        root.workspace_id,
        "s3-keys-missing",
        f"S3 workspace {root.workspace_id} has no API_KEY/SECRET_KEY; Cells needs both to "
        "create its datasource. Add them to the legacy workspace or exclude it.",
    )
