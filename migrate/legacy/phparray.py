"""Read the values out of Pydio's PHP configuration files without running PHP.

``conf/bootstrap_context.php``, ``conf/bootstrap_plugins.php`` and
``conf/bootstrap_repositories.php`` (legacy-model.md §1.1, §1.3, §8.4) are PHP programs, but
the values we need come from a small subset: ``define("X", expr)``, ``$var = array(...)`` /
``[...]``, ``$var[key][…] = expr``, literals, ``.`` concatenation, constants,
``dirname(__FILE__)``/``__DIR__``/``realpath(…)``, ternaries, ``defined(…)``/``isset(…)``,
``… or die(…)`` and ``if`` guards. This module tokenizes and evaluates exactly that subset.

Guarantees: no ``eval``, no PHP, no file or environment access (``realpath`` only normalises
the path text, ``getenv`` is never consulted); any input returns a :class:`PhpConfig` — a
construct outside the subset is skipped and recorded as a :class:`PhpWarning` with its line,
a value that cannot be known statically is an :class:`Unresolved` carrying the reason.
PHP arrays become ordered ``dict`` objects (this is an edge, like JSON): keys are ``int`` or
``str``, normalised as PHP does (``"5"`` → ``5``); assigning copies, as PHP arrays are values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from migrate.legacy.phpexpr import (
    ConfValue,
    ExpressionEvaluator,
    Skip,
    Unresolved,
    array_key,
    truthy,
)
from migrate.legacy.phplex import tokenize

__all__ = ["ConfValue", "PhpConfig", "PhpWarning", "Unresolved", "evaluate"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PhpWarning:
    """A construct that was skipped or a value that could not be evaluated."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True, kw_only=True)
class PhpConfig:
    """What a PHP config file defines: constants, top-level variables, and the warnings."""

    constants: Mapping[str, ConfValue]
    variables: Mapping[str, ConfValue]
    warnings: tuple[PhpWarning, ...] = ()

    def constant(self, name: str) -> ConfValue:
        """The value of ``define(name, …)``, or ``None`` when the file does not define it."""
        return self.constants.get(name)

    def variable(self, name: str) -> ConfValue:
        """The value of ``$name`` at the end of the file, or ``None``."""
        return self.variables.get(name)


def evaluate(
    source: str,
    *,
    file_path: str = "",
    constants: Mapping[str, ConfValue] | None = None,
) -> PhpConfig:
    """Evaluate the config subset of a PHP file.

    ``file_path`` gives ``__FILE__``/``__DIR__``; ``constants`` are defined beforehand (e.g.
    ``AJXP_INSTALL_PATH`` from ``base.conf.php``, or the constants of
    ``bootstrap_context.php`` when reading the files that include it). The returned
    ``constants`` hold the given ones plus those the file defines. Never raises on bad input.
    """
    evaluator = _Evaluator(tokenize(source), file_path, dict(constants or {}))
    try:
        evaluator.run()
    except RecursionError:
        evaluator.warn(evaluator.tok.line, "nested too deeply: the rest of the file is ignored")
    return PhpConfig(
        constants=MappingProxyType(evaluator.constants),
        variables=MappingProxyType(evaluator.variables),
        warnings=tuple(PhpWarning(line=ln, message=msg) for ln, msg in evaluator.warnings),
    )


_SKIPPED_KEYWORDS: Final = frozenset(
    {
        "foreach", "while", "for", "do", "switch", "return", "global", "static", "echo",
        "print", "unset", "list", "namespace", "use", "class", "interface", "trait",
        "abstract", "final", "try", "throw", "goto", "declare", "const",
    }
)  # fmt: skip
_INCLUDES: Final = frozenset({"require", "require_once", "include", "include_once"})


class _Evaluator(ExpressionEvaluator):
    """Adds statements to the expression evaluator: defines, assignments, ``if``, skips."""

    # statements
    def run(self) -> None:
        while self.tok.kind != "eof":
            self.statement(live=True)

    def statement(self, *, live: bool) -> None:
        start, line = self.i, self.tok.line
        try:
            self._statement(live)
        except Skip as exc:
            self.i = start
            self.skip_statement()
            if live:
                excerpt = " ".join(t.text for t in self.toks[start : min(self.i, start + 8)])
                self.warn(line, f"skipped ({exc.reason}): {excerpt[:80]}")

    def _statement(self, live: bool) -> None:
        tok = self.tok
        if self.eat(";"):
            return
        if self.eat("{"):
            while not self.at("}") and self.tok.kind != "eof":
                self.statement(live=live)
            self.need("}")
            return
        if tok.kind == "name":
            word = tok.text.lower()
            if word == "if":
                self.if_statement(live)
                return
            if word == "function":
                raise Skip("function declaration")
            if word in _INCLUDES:
                raise Skip(f"{word} is not followed")
            if word in _SKIPPED_KEYWORDS:
                raise Skip(f"unsupported statement {word!r}")
        if tok.kind == "var" and self.assignment(live):
            return
        value = self.expression(live)
        self.end_statement()
        if live and isinstance(value, Unresolved):
            self.warn(tok.line, f"statement not evaluated: {value.reason}")

    def end_statement(self) -> None:
        if not (self.eat(";") or self.tok.kind == "eof"):
            raise Skip(f"unexpected {self.tok.text!r}")

    def skip_statement(self) -> None:
        """Move past one statement: up to a ``;`` or a ``{…}`` block at depth 0."""
        depth = 0
        while self.tok.kind != "eof":
            text = self.tok.text if self.tok.kind == "op" else ""
            self.i += 1
            if text in ("(", "[", "{"):
                depth += 1
            elif text in (")", "]", "}"):
                depth -= 1
                block_end = depth <= 0 and text == "}"
                if block_end and not (self.at("else", "name") or self.at("elseif", "name")):
                    self.eat(";")
                    return
            elif text == ";" and depth <= 0:
                return

    def if_statement(self, live: bool) -> None:
        line = self.tok.line
        self.i += 1
        self.need("(")
        cond = self.expression(live)
        self.need(")")
        test = truthy(cond) if live else False
        if isinstance(test, Unresolved):
            self.warn(line, f"if condition not known ({test.reason}): both branches skipped")
        taken = test is True
        done = taken
        self.statement(live=live and taken)
        while self.at("elseif", "name") or (self.at("else", "name") and self._else_if()):
            self.i += 1 if self.at("elseif", "name") else 2
            self.need("(")
            cond = self.expression(live and not done)
            self.need(")")
            branch = truthy(cond) if live and not done else False
            branch = False if isinstance(branch, Unresolved) else branch
            self.statement(live=live and branch)
            done = done or branch
        if self.eat("else", "name"):
            self.statement(live=live and not done)

    def _else_if(self) -> bool:
        nxt = self.toks[min(self.i + 1, len(self.toks) - 1)]
        return nxt.kind == "name" and nxt.text.lower() == "if"

    def assignment(self, live: bool) -> bool:
        """``$v = e;``, ``$v[k]…[] = e;``, ``$v .= e;``; False (nothing consumed) otherwise."""
        start = self.i
        name = self.tok.text[1:]
        self.i += 1
        path: list[ConfValue | None] = []  # None = "[]" (append)
        while self.eat("["):
            path.append(None if self.at("]") else self.expression(live))
            self.need("]")
        if not (self.at("=") or self.at(".=")):
            self.i = start
            return False
        concat = self.tok.text == ".="
        self.i += 1
        value = self.expression(live)
        self.end_statement()
        if live:
            if concat:
                old = self.variables.get(name)
                value = self._concat(old, value) if not path else Unresolved("'.=' on an element")
            self._assign(name, path, value)
        return True

    def _assign(self, name: str, path: list[ConfValue | None], value: ConfValue) -> None:
        if not path:
            self.variables[name] = value
            return
        target = self.variables.get(name)
        if not isinstance(target, dict):
            target = self.variables[name] = {}
        for depth, raw in enumerate(path):
            key = self._next_key(target) if raw is None else array_key(raw)
            if isinstance(key, Unresolved):
                raise Skip(key.reason)
            if depth == len(path) - 1:
                target[key] = value
                return
            child = target.get(key)
            if not isinstance(child, dict):
                child = target[key] = {}
            target = child
