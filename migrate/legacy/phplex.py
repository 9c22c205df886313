"""Tokens of PHP source for :mod:`migrate.legacy.phparray` (only what config files need).

Strings are returned unescaped-ready (``sq``: single-quoted body, ``dq``: double-quoted body,
``hd``/``nd``: heredoc/nowdoc body), numbers as their text; comments, whitespace and text
outside ``<?php … ?>`` are dropped (``?>`` becomes a ``;``). Never raises: an unknown
character becomes an ``other`` token that the evaluator skips with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = ["Token", "number", "tokenize", "unescape_dq", "unescape_sq"]


@dataclass(frozen=True, slots=True)
class Token:
    """One token: ``kind`` is name, var, sq, dq, hd, nd, num, op, other or eof."""

    kind: str  # name var sq dq num op eof
    text: str
    line: int


_TOKEN: Final = re.compile(
    r"""
     (?P<ws>\s+)
    |(?P<comment>(?://|\#)[^\n]*?(?=\?>|\n|\Z)|/\*.*?(?:\*/|\Z))
    |(?P<close>\?>)
    |(?P<sq>'(?:[^'\\]|\\.)*')
    |(?P<dq>"(?:[^"\\]|\\.)*")
    |(?P<heredoc><<<[ \t]*(?P<q>['"]?)(?P<label>[A-Za-z_]\w*)(?P=q)\r?\n)
    |(?P<num>0[xX][0-9a-fA-F_]+|0[bB][01_]+
        |(?:[0-9][0-9_]*)?\.[0-9][0-9_]*(?:[eE][+-]?[0-9]+)?
        |[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][+-]?[0-9]+)?)
    |(?P<var>\$[A-Za-z_\x80-\U0010ffff][\w\x80-\U0010ffff]*)
    |(?P<name>\\?[A-Za-z_\x80-\U0010ffff][\w\x80-\U0010ffff]*(?:\\[A-Za-z_][\w]*)*)
    |(?P<op>===|!==|\?\?|::|->|=>|==|!=|<>|<=|>=|&&|\|\||\.=|\.\.\.|[-+*/%.=,;()\[\]{}?:!@&|^~<>])
    |(?P<other>.)
    """,
    re.S | re.X,
)
_OPEN_TAG: Final = re.compile(r"<\?(?:php\b|=)?", re.I)


def tokenize(source: str) -> list[Token]:
    """Split PHP code into tokens; text outside ``<?php … ?>`` is dropped. Never raises."""
    tokens: list[Token] = []
    pos, line, code = 0, 1, False
    while pos < len(source):
        if not code:
            found = _OPEN_TAG.search(source, pos)
            if found is None:
                break
            line += source.count("\n", pos, found.end())
            pos, code = found.end(), True
            continue
        match = _TOKEN.match(source, pos)
        if match is None:  # cannot happen: "other" matches any character
            break
        kind = match.lastgroup or "other"
        text = match.group(0)
        if kind == "heredoc":
            text, end = _heredoc(source, match)
            tokens.append(Token("nd" if match.group("q") == "'" else "hd", text, line))
        else:
            end = match.end()
            if kind == "close":
                code = False
                tokens.append(Token("op", ";", line))  # "?>" ends a statement
            elif kind not in ("ws", "comment"):
                tokens.append(Token(kind, text, line))
        line += source.count("\n", pos, end)
        pos = end
    tokens.append(Token("eof", "", line))
    return tokens


def _heredoc(source: str, header: re.Match[str]) -> tuple[str, int]:
    closing = re.compile(r"^[ \t]*" + re.escape(header.group("label")) + r"\b", re.M)
    found = closing.search(source, header.end())
    if found is None:
        return source[header.end() :], len(source)
    body = source[header.end() : found.start()]
    return body.removesuffix("\n").removesuffix("\r"), found.end()


_DQ_ESCAPE: Final = re.compile(
    r"\\(?:([nrtvef\\$\"])|([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|u\{([0-9A-Fa-f]+)\})"
)
_DQ_SIMPLE: Final = {"n": "\n", "r": "\r", "t": "\t", "v": "\v", "e": "\x1b", "f": "\f"}


def unescape_sq(raw: str) -> str:
    """The value of a single-quoted string body."""
    return re.sub(r"\\([\\'])", r"\1", raw)


def unescape_dq(raw: str) -> str:
    """The value of a double-quoted string body without interpolation."""

    def one(m: re.Match[str]) -> str:
        simple, octal, hexa, uni = m.groups()
        if simple:
            return _DQ_SIMPLE.get(simple, simple)
        if octal:
            return chr(int(octal, 8) & 0xFF)
        if hexa:
            return chr(int(hexa, 16))
        code = int(uni, 16)
        return chr(code) if code <= 0x10FFFF else m.group(0)

    return _DQ_ESCAPE.sub(one, raw)


def number(text: str) -> int | float:
    """The value of a PHP integer/float literal (``0770`` is octal, as in PHP)."""
    clean = text.replace("_", "")
    lower = clean.lower()
    if lower.startswith("0x"):
        return int(lower[2:] or "0", 16)
    if lower.startswith("0b"):
        return int(lower[2:] or "0", 2)
    if re.fullmatch(r"0[0-7]+", clean):
        return int(clean, 8)  # PHP octal literal, e.g. "LOG_CHMOD" => 0770
    if re.fullmatch(r"[0-9]+", clean):
        return int(clean)
    try:
        return float(clean)
    except ValueError:
        return 0
