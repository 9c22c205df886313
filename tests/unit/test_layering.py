"""The dependency direction of STYLE.md 2.2, checked by walking every module's imports."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "migrate"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _modules() -> list[tuple[str, set[str]]]:
    result = []
    for path in sorted(PACKAGE.rglob("*.py")):
        dotted = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        result.append((dotted, _imports(path)))
    return result


def _starts(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


# (modules the rule applies to, imports they must not have, exceptions allowed)
RULES: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("migrate.legacy", ("migrate.cells", "migrate.mapping", "migrate.plan", "migrate.load"), ()),
    ("migrate.cells", ("migrate.legacy",), ()),
    (
        "migrate.mapping",
        (
            "migrate.cells",
            "migrate.plan",
            "migrate.load",
            "requests",
            "sqlalchemy",
            "yaml",
            "os",
            "urllib3",
        ),
        (),
    ),
    # The kind handlers sit under plan and load (which look them up), above cells.
    (
        "migrate.kinds",
        ("migrate.plan", "migrate.load", "migrate.commands", "migrate.cli", "migrate.legacy.sql"),
        (),
    ),
    (
        "migrate.cells.emulator",
        ("migrate.cells.client", "migrate.cells.auth", "migrate.cells.models"),
        (),
    ),
    # The audit is independent of the mapping: its oracle reads the inventory only, and
    # run.py takes identities and paths (not access) from the mapping rules.
    *(
        (
            f"migrate.audit.{m}",
            ("migrate.mapping", "migrate.cells", "migrate.plan", "migrate.load"),
            (),
        )
        for m in ("legacy_access", "legacy_roles", "legacy_paths", "locations", "compare")
    ),
    (
        "migrate.audit",
        ("migrate.plan", "migrate.load", "migrate.mapping"),
        ("migrate.mapping.rules",),
    ),
]


@pytest.mark.parametrize(("owner", "forbidden", "allowed"), RULES, ids=[r[0] for r in RULES])
def test_layer_does_not_import(
    owner: str, forbidden: tuple[str, ...], allowed: tuple[str, ...]
) -> None:
    offenders = [
        f"{module} imports {name}"
        for module, names in _modules()
        if _starts(module, (owner,))
        for name in names
        if _starts(name, forbidden) and not _starts(name, allowed)
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("library", "owners"),
    [
        (
            "sqlalchemy",
            (
                "migrate.legacy.sql",
                "migrate.load.checkpoint",
                "migrate.load.checkpoint_schema",
                "migrate.load.checkpoint_records",
                "migrate.load.checkpoint_queries",
                "migrate.load.checkpoint_writer",
                "migrate.load.checkpoint_identity",
                "migrate.load.checkpoint_upgrade",
                "migrate.load.lock",
                "migrate.load.passwords",
                "migrate.cells.emulator.userdb",
                "migrate.sample",
            ),
        ),
        ("tenacity", ("migrate.cells.client", "migrate.cells.http")),
    ],
)
def test_library_confined(library: str, owners: tuple[str, ...]) -> None:
    offenders = [
        module
        for module, names in _modules()
        if any(_starts(n, (library,)) for n in names) and not _starts(module, owners)
    ]
    assert offenders == []


def test_only_cli_exits() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name in {"cli.py", "__main__.py"}:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bsys\.exit\(|(?<![\w.])print\(", text):
            offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []
