"""Accepted differences: ``audit.accept`` rules from the configuration and mapping files.

A difference (or a public link) that a rule matches is still reported, marked "accepted"
with the rule's reason; only the unaccepted ones decide the exit code. Rules come from the
configuration's ``audit.accept`` and from an ``audit: {accept: [...]}`` section of any
mapping file (``mapping.files``), in that order; the first rule that matches is the one
shown. A rule that matches nothing is reported too (it may be stale).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from fnmatch import fnmatchcase
from pathlib import Path

import yaml

from migrate.audit.model import Difference, LinkResult
from migrate.config import AcceptRule, Config, parse_accept_rules
from migrate.errors import ConfigError


def load_accept_rules(config: Config) -> tuple[AcceptRule, ...]:
    """The configuration's rules, then the mapping files' ones.

    Raises ``ConfigError`` listing every invalid entry (file and index).
    """
    rules = list(config.audit.accept)
    problems: list[str] = []
    for path in config.mapping.files:
        rules.extend(
            parse_accept_rules(_section(path, problems), f"{path}: audit.accept", problems)
        )
    if problems:
        raise ConfigError("audit.accept rules are invalid", problems=tuple(problems))
    return tuple(rules)


def _section(path: Path, problems: list[str]) -> object:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None  # reported by the mapping loader (or the built-in default is used)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problems.append(f"{path}: cannot be read ({type(exc).__name__})")
        return None
    audit = data.get("audit") if isinstance(data, dict) else None
    return audit.get("accept") if isinstance(audit, dict) else None


def _match(pattern: str | None, *values: str) -> bool:
    return pattern is None or any(fnmatchcase(v, pattern) for v in values)


def matches(rule: AcceptRule, diff: Difference) -> bool:
    """True when every field the rule sets matches the difference (links excluded)."""
    return _match(rule.user, diff.user, diff.cells_login) and _matches_place(rule, diff)


def _matches_place(rule: AcceptRule, diff: Difference) -> bool:
    """Every field but the user's: what many users' differences have in common."""
    return (
        rule.link is None
        and _match(rule.change, diff.change.value)
        and _match(rule.location, str(diff.location))
        and _match(rule.workspace, *diff.names)
        and _match(rule.legacy, diff.legacy_via)
        and _match(rule.cells, diff.cells_via)
    )


def matches_link(rule: AcceptRule, result: LinkResult) -> bool:
    """True for a link rule whose fields match the link."""
    link = result.link
    place = str(link.location) if link.location is not None else ""
    return (
        rule.link is not None
        and _match(rule.link, link.hash)
        and _match(rule.user, link.owner)
        and _match(rule.change, result.status.value)
        and _match(rule.location, place)
        and _match(rule.workspace, link.workspace)
    )


class Acceptor:
    """Marks differences and links with the reason of the first matching rule; counts."""

    def __init__(self, rules: Sequence[AcceptRule]) -> None:
        self.rules = tuple(rules)
        self.used: Counter[int] = Counter()
        # The same place-and-source differences repeat for many users (a built-in
        # workspace widened for everyone): the rules matching them are found once.
        self._candidates: dict[tuple[object, ...], tuple[int, ...]] = {}

    def difference(self, diff: Difference) -> Difference:
        """``diff``, accepted when a rule matches."""
        key = (diff.change, diff.location, diff.names, diff.legacy_via, diff.cells_via)
        candidates = self._candidates.get(key)
        if candidates is None:
            candidates = tuple(i for i, rule in enumerate(self.rules) if _matches_place(rule, diff))
            self._candidates[key] = candidates
        for index in candidates:
            rule = self.rules[index]
            if _match(rule.user, diff.user, diff.cells_login):
                self.used[index] += 1
                return replace(diff, accepted=rule.reason)
        return diff

    def link(self, result: LinkResult) -> LinkResult:
        """``result``, accepted when a link rule matches (kept links need no rule)."""
        if result.status.value == "kept":
            return result
        for index, rule in enumerate(self.rules):
            if matches_link(rule, result):
                self.used[index] += 1
                return replace(result, accepted=rule.reason)
        return result

    def counts(self) -> list[tuple[AcceptRule, int]]:
        """Every rule with how many differences and links it accepted."""
        return [(rule, self.used[i]) for i, rule in enumerate(self.rules)]
