"""The command line and what names it, both ways (issue 13 point 8).

* the README command table and the parser list the same subcommands, and every flag the
  table shows exists;
* every message, doc and runbook that names a command in backticks (`cells-migrate X
  --flag`) names an existing command and flags it accepts.
"""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

import pytest

from migrate.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
MENTION = re.compile(r"`cells-migrate ([a-z][a-z-]*)((?: [^`]*)?)`")
FLAG = re.compile(r"(?<![\w-])(--?[a-z][a-z-]*)")


def _commands() -> dict[str, argparse.ArgumentParser]:
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no subcommands")


def _flags(parser: argparse.ArgumentParser) -> set[str]:
    return {flag for action in parser._actions for flag in action.option_strings}


def _readme_table() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Commands", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `cells-migrate ([a-z-]+)([^`]*)`", section, re.MULTILINE)
    return {name: usage for name, usage in rows}


def test_readme_table_and_parser_list_the_same_commands() -> None:
    assert sorted(_readme_table()) == sorted(_commands())


@pytest.mark.parametrize("command", sorted(_readme_table()))
def test_readme_table_flags_exist(command: str) -> None:
    usage = _readme_table()[command]
    shown = set(FLAG.findall(usage.replace("\\|", " ")))
    assert shown - _flags(_commands()[command]) == set()


def _python_strings() -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / "migrate").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append((str(path.relative_to(ROOT)), node.value))
            elif isinstance(node, ast.JoinedStr):
                text = "".join(
                    str(v.value) if isinstance(v, ast.Constant) else "{}" for v in node.values
                )
                found.append((str(path.relative_to(ROOT)), text))
    return found


def _documents() -> list[tuple[str, str]]:
    paths = [ROOT / "README.md", ROOT / "config.example.yaml", *(ROOT / "runbooks").glob("*.md")]
    return [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8")) for p in sorted(paths)]


def _mentions() -> list[tuple[str, str, str]]:
    found = []
    for where, text in _python_strings() + _documents():
        for command, rest in MENTION.findall(text.replace("\n", " ")):
            found.append((where, command, rest))
    return found


def test_messages_and_docs_name_commands_and_flags_that_exist() -> None:
    commands = _commands()
    wrong = []
    for where, command, rest in _mentions():
        if command not in commands:
            wrong.append(f"{where}: `cells-migrate {command}` is not a command")
            continue
        unknown = set(FLAG.findall(rest.replace("\\|", " "))) - _flags(commands[command])
        if unknown:
            wrong.append(f"{where}: `cells-migrate {command}` has no {sorted(unknown)}")
    assert wrong == []
    assert len(_mentions()) > 40  # the scan does see the messages


def test_a_wrong_mention_would_be_caught() -> None:
    assert MENTION.findall("run `cells-migrate frobnicate --now`") == [("frobnicate", " --now")]
