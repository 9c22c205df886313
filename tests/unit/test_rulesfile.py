"""rulesfile: built-in defaults first, later files override per key, every problem named by
file and key path, config path rewrites appended."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrate.errors import ConfigError
from migrate.mapping.rules import DefaultRightsMode, PathRewrite, StorageKind
from migrate.rulesfile import BUILTIN_NAME, builtin_text, load_rules

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_defaults_are_the_top_level_mappings_file() -> None:
    top = ROOT / "mappings" / "default.yaml"
    assert top.is_symlink()
    assert top.read_text(encoding="utf-8") == builtin_text()
    rules = load_rules()
    assert rules.sources == (BUILTIN_NAME,)
    assert rules.driver("fs").storage is StorageKind.LOCAL
    assert rules.driver("s3").storage is StorageKind.S3
    assert rules.driver("smb").storage is StorageKind.SKIP
    assert rules.actions("AJXP_VALUE_CLEAR") == ("deny",)
    assert rules.profile("guest") == (True, None)
    assert rules.workspaces.default_rights is DefaultRightsMode.ATTRIBUTE


def test_later_files_override_per_key_and_lists_of_keys_add_up(tmp_path: Path) -> None:
    first = write(
        tmp_path,
        "site.yaml",
        "users:\n  rename: {Bob: robert}\n  exclude: [old1]\n"
        "datasources: {name_prefix: p8}\nworkspaces: {default_rights: drop}\n",
    )
    second = write(
        tmp_path,
        "team.yaml",
        "users:\n  rename: {Ann: anna}\n  exclude: [old2]\ndrivers: {smb: {storage: LOCAL}}\n",
    )
    rules = load_rules([first, second], path_rewrite=[("/var/lib/pydio", "/srv/p8")])
    assert dict(rules.users.overrides.rename) == {"Ann": "anna", "Bob": "robert"}
    assert rules.users.overrides.exclude == {"old1", "old2"}
    assert rules.datasources.name_prefix == "p8"
    assert rules.workspaces.default_rights is DefaultRightsMode.DROP
    assert rules.driver("smb").storage is StorageKind.LOCAL
    assert rules.driver("ftp").storage is StorageKind.SKIP  # untouched keys stay
    assert rules.path_rewrite == (PathRewrite(source="/var/lib/pydio", target="/srv/p8"),)
    assert rules.sources == (BUILTIN_NAME, str(first), str(second))


def test_path_variables_from_the_caller_and_from_files(tmp_path: Path) -> None:
    site = write(tmp_path, "site.yaml", "paths:\n  variables: {AJXP_INSTALL_PATH: /opt/pydio}\n")
    rules = load_rules([site], path_variables={"AJXP_DATA_PATH": "/var/lib/pydio"})
    assert dict(rules.path_variables) == {
        "AJXP_DATA_PATH": "/var/lib/pydio",
        "AJXP_INSTALL_PATH": "/opt/pydio",
    }


INVALID_CASES = [
    ("unknown-key", "users: {lowercase: true}\n", "users.lowercase: unknown key"),
    ("unknown-section", "workspace: {}\n", "workspace: unknown key"),
    (
        "bad-slug",
        "workspaces: {rename: {'0': 'Not A Slug'}}\n",
        "workspaces.rename.0: must be a valid slug",
    ),
    ("bad-login", "users: {rename: {bob: 'a/b'}}\n", "users.rename.bob: must be a login"),
    (
        "bad-ds-name",
        "datasources: {rename: {/srv/a: My-DS}}\n",
        "datasources.rename./srv/a: must match",
    ),
    ("skip-without-reason", "drivers: {nfs: {storage: skip}}\n", "drivers.nfs.reason: is required"),
    ("bad-storage", "drivers: {nfs: {storage: NFS}}\n", "drivers.nfs.storage: must be LOCAL"),
    ("bad-action", "rights: {r: [look]}\n", "rights.r: must be a non-empty list"),
    ("bad-profile", "profiles: {guest: visitor}\n", "profiles.guest: must be admin"),
    (
        "bad-mode",
        "workspaces: {default_rights: maybe}\n",
        "workspaces.default_rights: must be a string matching",
    ),
    ("bad-rewrite", "paths: {rewrite: [{from: a, to: /b}]}\n", "paths.rewrite[0]: must be"),
    ("bad-variable", "paths: {variables: {DATA: /x}}\n", "paths.variables.DATA: must name"),
    ("bad-depth", "datasources: {min_depth: 0}\n", "datasources.min_depth: must be an integer"),
    ("bad-version", "version: 2\n", "version: must be 1"),
    ("not-a-mapping", "- a\n- b\n", "must hold a mapping"),
    ("not-yaml", "users: {rename: [\n", "not valid YAML (line"),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in INVALID_CASES], ids=[c[0] for c in INVALID_CASES]
)
def test_invalid_rules_name_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    bad = write(tmp_path, "bad.yaml", text)
    with pytest.raises(ConfigError) as caught:
        load_rules([bad])
    problems = caught.value.problems
    assert any(p.startswith(f"{bad}: ") and expected in p for p in problems), problems
    assert expected in str(caught.value)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.yaml", "version: 3\nusers: {lowercase: 1}\nrights: {r: []}\n")
    with pytest.raises(ConfigError) as caught:
        load_rules([bad])
    assert len(caught.value.problems) == 3


def test_missing_file_is_an_error_but_the_listed_default_falls_back(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_rules([tmp_path / "nope.yaml"])
    rules = load_rules([tmp_path / "mappings" / "default.yaml"])
    assert rules.driver("fs").storage is StorageKind.LOCAL


def test_the_tool_accounts_rights_are_sent_only_when_asked(tmp_path: Path) -> None:
    assert load_rules().users.tool_account_rights is False
    asked = write(tmp_path, "site.yaml", "users:\n  tool_account_rights: true\n")
    assert load_rules([asked]).users.tool_account_rights is True
