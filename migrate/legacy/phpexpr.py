"""Values and expressions of the PHP config subset read by :mod:`migrate.legacy.phparray`.

A value is ``None``/``bool``/``int``/``float``/``str``, an ordered ``dict`` for a PHP array
(keys normalised as PHP does: ``"5"`` → ``5``), or :class:`Unresolved` when it cannot be
known without running PHP on the legacy server. Expressions are evaluated with
``live=False`` on branches PHP would not run (``a or die()``, ternaries, untaken ``if``
branches), so their side effects (``define``) do not happen — as in PHP.
"""

from __future__ import annotations

import copy
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, TypeAlias

from migrate.legacy.phplex import Token, number, unescape_dq, unescape_sq

__all__ = ["ConfValue", "ExpressionEvaluator", "Skip", "Unresolved", "array_key", "truthy"]


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A value that cannot be known without running PHP on the legacy server."""

    reason: str


ConfValue: TypeAlias = "bool | int | float | str | Unresolved | dict[int | str, ConfValue] | None"


# --- values ---------------------------------------------------------------------------------

_INT_KEY: Final = re.compile(r"(?:0|-?[1-9][0-9]{0,18})\Z")
_INTERPOLATION: Final = re.compile(r"(?<!\\)(?:\{\$|\$\{|\$[A-Za-z_])")
_SIMPLE_VAR: Final = re.compile(r"(?<!\\)(?:\{\$(\w+)\}|\$\{(\w+)\}|\$(\w+))")


def array_key(key: ConfValue) -> int | str | Unresolved:
    """Normalise an array key as PHP does; arrays/unknowns cannot be keys."""
    if isinstance(key, bool):
        return int(key)
    if isinstance(key, int):
        return key
    if isinstance(key, float):
        return int(key)
    if key is None:
        return ""
    if isinstance(key, str):
        return int(key) if _INT_KEY.match(key) and abs(int(key)) < 2**63 else key
    return Unresolved("an array or unknown value used as a key")


def _to_str(value: ConfValue) -> str | Unresolved:
    """PHP's string conversion, as ``.`` applies it."""
    if isinstance(value, Unresolved):
        return value
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, float):
        return repr(value).removesuffix(".0") if value.is_integer() else repr(value)
    if isinstance(value, dict):
        return "Array"
    return str(value)


def truthy(value: ConfValue) -> bool | Unresolved:
    """PHP's boolean conversion (``"0"`` and ``""`` are false)."""
    if isinstance(value, Unresolved):
        return value
    if isinstance(value, dict):
        return bool(value)
    return value not in (None, False, 0, 0.0, "", "0")


def _php_dirname(path: str, levels: int = 1) -> str:
    for _ in range(max(levels, 1)):
        stripped = path.rstrip("/")
        if not stripped:
            return "/" if path.startswith("/") else "."
        head = stripped.rsplit("/", 1)[0] if "/" in stripped else ""
        path = head.rstrip("/") or ("/" if stripped.startswith("/") else ".")
    return path


def _php_realpath(path: str) -> str:
    # text only: the legacy tree may not be mounted where the PHP ran (path_rewrite)
    return posixpath.normpath(path) if path else path


# --- the expression evaluator ---------------------------------------------------------------


class Skip(Exception):
    """The current statement is outside the subset: the evaluator skips it with a warning."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_LOW_OPS: Final = {"or": "||", "and": "&&", "xor": "xor"}
_COMPARE: Final = frozenset({"==", "!=", "<>", "===", "!==", "<", ">", "<=", ">="})

Func: TypeAlias = Callable[[list[ConfValue]], ConfValue]


class ExpressionEvaluator:
    """Recursive descent over the tokens; ``live=False`` parses without any effect."""

    def __init__(self, tokens: list[Token], file_path: str, constants: dict[str, ConfValue]):
        self.toks = tokens
        self.i = 0
        self.file_path = file_path
        self.constants = constants
        self.variables: dict[str, ConfValue] = {}
        self.warnings: list[tuple[int, str]] = []
        self.funcs: dict[str, Func] = {
            "dirname": self._f_dirname,
            "realpath": self._f_path(_php_realpath),
            "basename": self._f_path(lambda p: posixpath.basename(p.rstrip("/"))),
            "strtolower": self._f_path(str.lower),
            "strtoupper": self._f_path(str.upper),
            "trim": self._f_path(str.strip),
            "rtrim": self._f_path(str.rstrip),
            "ltrim": self._f_path(str.lstrip),
            "constant": self._f_constant,
            "array_merge": self._f_array_merge,
        }

    # token helpers
    @property
    def tok(self) -> Token:
        """The current token."""
        # never past the final "eof" token, whatever a caller skipped
        return self.toks[min(self.i, len(self.toks) - 1)]

    def at(self, text: str, kind: str = "op") -> bool:
        """Is the current token ``text`` of ``kind`` (names compare case-insensitively)?"""
        tok = self.tok
        return tok.kind == kind and (
            tok.text == text or (kind == "name" and tok.text.lower() == text)
        )

    def eat(self, text: str, kind: str = "op") -> bool:
        """Consume the current token if it is ``text``."""
        if self.at(text, kind):
            self.i += 1
            return True
        return False

    def need(self, text: str) -> None:
        """Consume ``text`` or give up on the statement (:class:`Skip`)."""
        if not self.eat(text):
            raise Skip(f"expected {text!r}, found {self.tok.text or 'end of file'!r}")

    def warn(self, line: int, message: str) -> None:
        """Record a warning for ``line``."""
        self.warnings.append((line, message))

    @staticmethod
    def _next_key(array: dict[int | str, ConfValue]) -> int:
        ints = [k for k in array if isinstance(k, int)]
        return max(ints) + 1 if ints else 0

    # expressions, lowest precedence first
    def expression(self, live: bool) -> ConfValue:
        """A full expression; ``or``/``and``/``xor`` bind loosest (PHP precedence)."""
        left = self.ternary(live)
        while self.tok.kind == "name" and self.tok.text.lower() in _LOW_OPS:
            left = self._logical(_LOW_OPS[self.tok.text.lower()], left, self.ternary, live)
        return left

    def _logical(
        self, op: str, left: ConfValue, operand: Callable[[bool], ConfValue], live: bool
    ) -> ConfValue:
        self.i += 1
        lhs = truthy(left)
        if op == "xor" or isinstance(lhs, Unresolved):
            right = operand(live)
            rhs = truthy(right)
            if isinstance(lhs, Unresolved):
                return lhs
            if isinstance(rhs, Unresolved):
                return rhs
            return lhs != rhs
        short = lhs if op == "||" else not lhs  # the right side is never evaluated
        right = operand(live and not short)
        if short:
            return lhs
        rhs = truthy(right)
        return rhs if isinstance(rhs, Unresolved) else bool(rhs)

    def ternary(self, live: bool) -> ConfValue:
        """``a ? b : c``, ``a ?: b``, ``a ?? b``."""
        cond = self.logic_or(live)
        if self.eat("??"):
            unset = cond is None or (isinstance(cond, Unresolved) and "not set" in cond.reason)
            right = self.ternary(live and unset)
            return right if unset else cond
        if not self.eat("?"):
            return cond
        test = truthy(cond)
        if self.eat(":"):  # "a ?: b"
            other = self.ternary(live and test is False)
            return other if test is False else cond
        known = not isinstance(test, Unresolved)
        yes = self.ternary(live and known and bool(test))
        self.need(":")
        no = self.ternary(live and known and not test)
        if isinstance(test, Unresolved):
            return test
        return yes if test else no

    def logic_or(self, live: bool) -> ConfValue:
        """``a || b`` (short-circuit: ``b`` is not live when ``a`` is true)."""
        left = self.logic_and(live)
        while self.at("||"):
            left = self._logical("||", left, self.logic_and, live)
        return left

    def logic_and(self, live: bool) -> ConfValue:
        """``a && b``."""
        left = self.comparison(live)
        while self.at("&&"):
            left = self._logical("&&", left, self.comparison, live)
        return left

    def comparison(self, live: bool) -> ConfValue:
        """``==``, ``===``, ``!=`` … (ordering comparisons stay unresolved)."""
        left = self.additive(live)
        while self.tok.kind == "op" and self.tok.text in _COMPARE:
            op = self.tok.text
            self.i += 1
            right = self.additive(live)
            left = self._compare(op, left, right)
        return left

    @staticmethod
    def _compare(op: str, left: ConfValue, right: ConfValue) -> ConfValue:
        if isinstance(left, Unresolved) or isinstance(right, Unresolved):
            return Unresolved(f"comparison '{op}' of an unknown value")
        if op == "===":
            return type(left) is type(right) and left == right
        if op == "!==":
            return not (type(left) is type(right) and left == right)
        if op in ("==", "!=", "<>"):
            same = left == right or _to_str(left) == _to_str(right)
            return same if op == "==" else not same
        return Unresolved(f"ordering comparison '{op}' is not evaluated")

    def additive(self, live: bool) -> ConfValue:
        """``.`` concatenation and ``+``/``-`` (one precedence level before PHP 8)."""
        left = self.multiplicative(live)
        while self.tok.kind == "op" and self.tok.text in (".", "+", "-"):
            op = self.tok.text
            self.i += 1
            right = self.multiplicative(live)
            left = self._concat(left, right) if op == "." else self._arith(op, left, right)
        return left

    @staticmethod
    def _concat(left: ConfValue, right: ConfValue) -> ConfValue:
        a, b = _to_str(left), _to_str(right)
        if isinstance(a, Unresolved):
            return a
        if isinstance(b, Unresolved):
            return b
        return a + b

    @staticmethod
    def _arith(op: str, left: ConfValue, right: ConfValue) -> ConfValue:
        numbers = (int, float)
        if (
            isinstance(left, numbers)
            and isinstance(right, numbers)
            and not isinstance(left, bool)
            and not isinstance(right, bool)
        ):
            return {"+": left + right, "-": left - right, "*": left * right}.get(op)
        if op == "+" and isinstance(left, dict) and isinstance(right, dict):
            return {**right, **left}  # PHP array union: left keys win
        return Unresolved(f"arithmetic '{op}' on non-numbers")

    def multiplicative(self, live: bool) -> ConfValue:
        """``*`` (``/`` and ``%`` stay unresolved)."""
        left = self.unary(live)
        while self.tok.kind == "op" and self.tok.text in ("*", "/", "%"):
            op = self.tok.text
            self.i += 1
            right = self.unary(live)
            left = self._arith(op, left, right) if op == "*" else Unresolved(f"'{op}'")
        return left

    def unary(self, live: bool) -> ConfValue:
        """``!``, ``-``, ``+``, ``@`` prefixes."""
        if self.eat("!"):
            test = truthy(self.unary(live))
            return test if isinstance(test, Unresolved) else not test
        if self.eat("@") or self.eat("+"):
            return self.unary(live)
        if self.eat("-"):
            value = self.unary(live)
            if isinstance(value, int | float) and not isinstance(value, bool):
                return -value
            return Unresolved("unary minus on a non-number")
        return self.postfix(live)

    def postfix(self, live: bool) -> ConfValue:
        """A primary followed by ``[index]`` reads."""
        value = self.primary(live)
        while self.eat("["):
            key = array_key(self.expression(live))
            self.need("]")
            if isinstance(value, dict) and not isinstance(key, Unresolved):
                value = value.get(key)
            elif not isinstance(value, Unresolved):
                value = Unresolved("index into a non-array")
        return value

    def primary(self, live: bool) -> ConfValue:
        """A literal, variable, array, call, constant or parenthesised expression."""
        tok = self.tok
        if tok.kind == "eof":
            raise Skip("unexpected end of file")
        self.i += 1
        if tok.kind == "num":
            return number(tok.text)
        if tok.kind == "sq":
            return unescape_sq(tok.text[1:-1])
        if tok.kind == "nd":  # nowdoc: no escapes at all
            return tok.text
        if tok.kind in ("dq", "hd"):
            return self.interpolate(tok.text[1:-1] if tok.kind == "dq" else tok.text, live)
        if tok.kind == "var":
            return self.read_variable(tok.text[1:])
        if tok.kind == "op":
            return self.primary_op(tok, live)
        if tok.kind == "name":
            return self.name(tok, live)
        raise Skip(f"unexpected {tok.text or 'end of file'!r}")

    def primary_op(self, tok: Token, live: bool) -> ConfValue:
        """A primary that starts with an operator: ``(…)``, ``[…]``, ``&$ref``."""
        if tok.text == "(":
            value = self.expression(live)
            self.need(")")
            return value
        if tok.text == "[":
            return self.array_literal("]", live)
        if tok.text == "&":
            return self.unary(live)
        raise Skip(f"unexpected {tok.text!r}")

    def read_variable(self, name: str) -> ConfValue:
        """The value of ``$name`` (a copy: PHP arrays are values)."""
        if name not in self.variables:
            return Unresolved(f"${name} is not set")
        return copy.deepcopy(self.variables[name])

    def interpolate(self, raw: str, live: bool) -> ConfValue:
        """A double-quoted string; simple ``$var``/``{$var}`` interpolation only."""
        if not _INTERPOLATION.search(raw):
            return unescape_dq(raw)
        parts: list[str] = []
        last = 0
        for m in _SIMPLE_VAR.finditer(raw):
            value = _to_str(self.variables.get(m.group(m.lastindex or 1), Unresolved("unset")))
            if isinstance(value, Unresolved):
                return Unresolved(f"string interpolates an unknown variable {m.group(0)}")
            parts += [unescape_dq(raw[last : m.start()]), value]
            last = m.end()
        rest = raw[last:]
        if "$" in rest.replace("\\$", ""):
            return Unresolved("complex string interpolation")
        return "".join([*parts, unescape_dq(rest)])

    def name(self, tok: Token, live: bool) -> ConfValue:
        """A primary that starts with a name: ``array(``, builtins, calls, constants."""
        word = tok.text.lower()
        if word == "array" and self.eat("("):
            return self.array_literal(")", live)
        if word in ("isset", "empty", "defined", "define", "die", "exit") and self.at("("):
            return self.builtin(word, tok.line, live)
        if self.at("("):
            return self.call(tok, live)
        if self.eat("::"):
            member = self.tok.text
            if self.tok.kind == "eof":
                raise Skip("unexpected end of file")
            self.i += 1
            if self.at("("):
                self.arguments(live)
                return Unresolved(f"{tok.text}::{member}() is not evaluated")
            return Unresolved(f"class constant {tok.text}::{member} is not evaluated")
        return self.constant_value(tok)

    def constant_value(self, tok: Token) -> ConfValue:
        """``true``/``false``/``null``, magic constants, or a defined constant."""
        word = tok.text.lower()
        simple: dict[str, ConfValue] = {"true": True, "false": False, "null": None}
        if word in simple:
            return simple[word]
        magic: dict[str, ConfValue] = {
            "__FILE__": self.file_path,
            "__DIR__": _php_dirname(self.file_path),
            "__LINE__": tok.line,
            "DIRECTORY_SEPARATOR": "/",
            "PHP_EOL": "\n",
        }
        if tok.text in magic:
            return magic[tok.text]
        if tok.text in self.constants:
            return copy.deepcopy(self.constants[tok.text])
        return Unresolved(f"constant {tok.text} is not defined here")

    def arguments(self, live: bool) -> list[ConfValue]:
        """``(a, b, …)`` of a call."""
        self.need("(")
        args: list[ConfValue] = []
        while not self.eat(")"):
            args.append(self.expression(live))
            if not self.eat(","):
                self.need(")")
                break
        return args

    def builtin(self, word: str, line: int, live: bool) -> ConfValue:
        """``isset``, ``empty``, ``defined``, ``define``, ``die``/``exit``."""
        if word in ("isset", "empty"):
            self.need("(")
            if self.tok.kind != "var":
                raise Skip(f"{word}() of a non-variable")
            known = self.variables.get(self.tok.text[1:]) is not None
            self.i += 1
            while self.eat("["):  # isset($a["k"]): answer for the array itself (conservative)
                self.expression(live)
                self.need("]")
            self.need(")")
            return known if word == "isset" else not known
        args = self.arguments(live)
        if not live:
            return None
        name = args[0] if args else None
        if word == "defined":
            return isinstance(name, str) and name in self.constants
        if word == "define":
            if not isinstance(name, str) or len(args) < 2:
                self.warn(line, "define() with an unknown name: skipped")
                return False
            if isinstance(args[1], Unresolved):
                self.warn(line, f"constant {name} not known: {args[1].reason}")
            self.constants.setdefault(name, args[1])  # PHP: a second define() is ignored
            return True
        return Unresolved(f"{word}() reached, where PHP would stop; the rest is still read")

    def call(self, tok: Token, live: bool) -> ConfValue:
        """A call of a supported pure function (``dirname``, ``realpath`` …)."""
        args = self.arguments(live)
        func = self.funcs.get(tok.text.lower().lstrip("\\"))
        if func is None:
            return Unresolved(f"{tok.text}() is not evaluated")
        if not live:
            return None
        for arg in args:
            if isinstance(arg, Unresolved):
                return arg
        return func(args)

    def _f_dirname(self, args: list[ConfValue]) -> ConfValue:
        path = _to_str(args[0]) if args else ""
        levels = args[1] if len(args) > 1 and isinstance(args[1], int) else 1
        return path if isinstance(path, Unresolved) else _php_dirname(path, levels)

    @staticmethod
    def _f_path(func: Callable[[str], str]) -> Func:
        def apply(args: list[ConfValue]) -> ConfValue:
            text = _to_str(args[0]) if args else ""
            return text if isinstance(text, Unresolved) else func(text)

        return apply

    def _f_constant(self, args: list[ConfValue]) -> ConfValue:
        name = args[0] if args else None
        if isinstance(name, str) and name in self.constants:
            return copy.deepcopy(self.constants[name])
        return Unresolved(f"constant({name!r}) is not defined here")

    @staticmethod
    def _f_array_merge(args: list[ConfValue]) -> ConfValue:
        merged: dict[int | str, ConfValue] = {}
        for arg in args:
            if not isinstance(arg, dict):
                return Unresolved("array_merge() of a non-array")
            for key, value in arg.items():
                if isinstance(key, int):
                    merged[ExpressionEvaluator._next_key(merged)] = value
                else:
                    merged[key] = value
        return merged

    def array_literal(self, close: str, live: bool) -> ConfValue:
        """The elements of ``array(…)`` / ``[…]`` up to ``close``."""
        result: dict[int | str, ConfValue] = {}
        while not self.eat(close):
            line = self.tok.line
            first = self.expression(live)
            if self.eat("=>"):
                key = array_key(first)
                value = self.expression(live)
            else:
                key, value = self._next_key(result), first
            if isinstance(key, Unresolved):
                if live:
                    self.warn(line, f"array element skipped: {key.reason}")
            else:
                result[key] = value
            if not self.eat(","):
                self.need(close)
                break
        return result
