"""The command-line contract: every subcommand has help and is documented; usage exits 2."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from migrate.cli import build_parser, main

README = Path(__file__).resolve().parents[2] / "README.md"


def _subcommands() -> list[str]:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return sorted(action.choices)
    raise AssertionError("no subcommands")


@pytest.mark.parametrize("command", _subcommands())
def test_subcommand_has_help(command: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main([command, "--help"], env={}, stdout=out, stderr=err)
    assert code == 0
    assert f"cells-migrate {command}" in out.getvalue()


@pytest.mark.parametrize("command", _subcommands())
def test_subcommand_documented_in_readme(command: str) -> None:
    assert f"cells-migrate {command}" in README.read_text(encoding="utf-8")


def test_unknown_command_is_a_usage_error() -> None:
    err = io.StringIO()
    assert main(["frobnicate"], env={}, stdout=io.StringIO(), stderr=err) == 2
    assert "invalid choice" in err.getvalue()


def test_missing_config_is_a_usage_error() -> None:
    err = io.StringIO()
    assert main(["inventory"], env={}, stdout=io.StringIO(), stderr=err) == 2
    assert "--config" in err.getvalue()


def test_unreadable_config_is_an_error_exit_1(tmp_path: Path) -> None:
    err = io.StringIO()
    code = main(
        ["inventory", "-c", str(tmp_path / "nope.yaml")], env={}, stdout=io.StringIO(), stderr=err
    )
    assert code == 1
    assert err.getvalue().startswith("error: cannot read the configuration file")


def test_interrupt_exit_codes_are_documented() -> None:
    """Ctrl-C 130 and SIGTERM 143 (issue 12) are in the README's exit-code table, and the
    constants ``cli`` returns are those numbers."""
    from migrate import cli

    text = README.read_text(encoding="utf-8")
    assert (cli.EXIT_INTERRUPTED, cli.EXIT_TERMINATED) == (130, 143)
    assert "| 130 | interrupted (Ctrl-C)" in text
    assert "| 143 | terminated (SIGTERM" in text
