"""The rewrite maps of ``shares redirects`` (pure): every old link URL form goes to Cells.

The nginx map is checked for syntax (balanced blocks, every directive ended, quoted
values) and by evaluating it as nginx would (the regex map gives the hash, the plain map
the target); the Apache lines by matching each ``RewriteRule`` pattern (PCRE, here
Python ``re``: the patterns use only the common subset) against request paths.
"""

from __future__ import annotations

import re

import pytest

from migrate.load.redirects import LinkRedirect, legacy_prefix, render_apache, render_nginx

LINKS = [
    LinkRedirect(legacy_hash="8deec3", cells_hash="8deec3"),
    LinkRedirect(legacy_hash="f76aa2", cells_hash="0a1b2c3d4e5f"),  # hash not kept
    LinkRedirect(legacy_hash="my-handle", cells_hash="my-handle"),
]
CELLS = "https://cells.example.com/"


def _nginx_eval(text: str, uri: str) -> str:
    """What ``$cells_migrate_link_url`` is for ``uri`` (the two maps, as nginx reads them)."""
    blocks = re.findall(r"^map (\S+) (\S+) \{\n(.*?)^\}", text, re.MULTILINE | re.DOTALL)
    assert len(blocks) == 2
    (src1, var1, body1), (src2, var2, body2) = blocks
    assert (src1, var2, src2) == ("$uri", "$cells_migrate_link_url", var1)
    entries1 = re.findall(r'^    "([^"]*)" (\S+);$', body1, re.MULTILINE)
    ((pattern, value),) = entries1
    assert pattern[0] == "~"
    assert value == "$link"
    found = re.match(pattern[1:].replace("(?<link>", "(?P<link>"), uri)
    key = found.group("link") if found else ""
    table: dict[str, str] = dict(re.findall(r'^    "([^"]*)" "([^"]*)";$', body2, re.MULTILINE))
    return table.get(key, "")


def _nginx_syntax(text: str) -> None:
    depth = 0
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("{"):
            depth += 1
        elif stripped == "}":
            depth -= 1
            assert depth >= 0
        else:
            assert stripped.endswith(";"), line
            assert stripped.count('"') % 2 == 0, line
    assert depth == 0


URIS = [
    ("/pydio/public/8deec3", "https://cells.example.com/public/8deec3"),
    ("/pydio/public/8deec3--fr", "https://cells.example.com/public/8deec3"),
    ("/pydio/public/8deec3.php", "https://cells.example.com/public/8deec3"),
    ("/pydio/data/public/8deec3.php", "https://cells.example.com/public/8deec3"),
    ("/pydio/data/public/8deec3/", "https://cells.example.com/public/8deec3"),
    ("/pydio/public/f76aa2", "https://cells.example.com/public/0a1b2c3d4e5f"),
    ("/pydio/public/my-handle", "https://cells.example.com/public/my-handle"),
    ("/pydio/public/my-handle--de", "https://cells.example.com/public/my-handle"),
    ("/pydio/public/unknown", ""),
    ("/pydio/public/8deec3x", ""),
    ("/other/public/8deec3", ""),
    ("/pydio/index.php", ""),
]


@pytest.mark.parametrize(("uri", "target"), URIS)
def test_nginx_map_sends_every_old_url_form_to_the_cells_link(uri: str, target: str) -> None:
    result = render_nginx(LINKS, legacy_path="https://old.example.com/pydio/", cells_url=CELLS)
    _nginx_syntax(result.text)
    assert result.count == 3
    assert _nginx_eval(result.text, uri) == target
    assert "return 301 $cells_migrate_link_url;" in result.text


def _apache_eval(text: str, path: str) -> str:
    for line in text.splitlines():
        if line.startswith("RewriteRule "):
            _, pattern, target, flags = line.split(" ")
            assert flags == "[R=301,L,QSD]"
            if re.match(pattern, path):
                return target
    return ""


@pytest.mark.parametrize(("uri", "target"), URIS)
def test_apache_rules_send_every_old_url_form_to_the_cells_link(uri: str, target: str) -> None:
    result = render_apache(LINKS, legacy_path="/pydio", cells_url=CELLS)
    lines = result.text.splitlines()
    assert "RewriteEngine On" in lines
    assert sum(1 for line in lines if line.startswith("RewriteRule ")) == 3
    assert _apache_eval(result.text, uri) == target
    # in a .htaccess the path comes without its leading slash
    assert _apache_eval(result.text, uri.lstrip("/")) == target


def test_pydio_at_the_site_root() -> None:
    nginx = render_nginx(LINKS, legacy_path="/", cells_url=CELLS).text
    apache = render_apache(LINKS, legacy_path="", cells_url=CELLS).text
    for text, evaluate in ((nginx, _nginx_eval), (apache, _apache_eval)):
        assert evaluate(text, "/public/8deec3") == "https://cells.example.com/public/8deec3"
        assert evaluate(text, "/data/public/f76aa2.php").endswith("/public/0a1b2c3d4e5f")
        assert evaluate(text, "/pydio/public/8deec3") == ""


def test_unsafe_or_conflicting_hashes_are_left_out_and_named() -> None:
    links = [
        *LINKS,
        LinkRedirect(legacy_hash='x"; evil', cells_hash="abc"),
        LinkRedirect(legacy_hash="8deec3", cells_hash="ffffffffffff"),
        LinkRedirect(legacy_hash="8deec3", cells_hash="8deec3"),  # the same twice: fine
    ]
    for render in (render_nginx, render_apache):
        result = render(links, legacy_path="/pydio", cells_url=CELLS)
        assert result.count == 3
        assert "evil" not in result.text
        assert "ffffffffffff" not in result.text
        assert len(result.left_out) == 2
        assert "not a plain link hash" in result.left_out[0]
        assert result.left_out[1].startswith("8deec3: two Cells hashes")


def test_no_links_gives_a_valid_empty_map() -> None:
    result = render_nginx([], legacy_path="/", cells_url=CELLS)
    _nginx_syntax(result.text)
    assert (result.count, _nginx_eval(result.text, "/public/8deec3")) == (0, "")
    assert render_apache([], legacy_path="/", cells_url=CELLS).text.count("RewriteRule") == 0


@pytest.mark.parametrize(
    ("value", "prefix"),
    [
        ("http://127.0.0.1:8082/", ""),
        ("https://files.example.com/pydio/", "/pydio"),
        ("/pydio", "/pydio"),
        ("pydio/x/", "/pydio/x"),
        ("", ""),
    ],
)
def test_legacy_prefix(value: str, prefix: str) -> None:
    assert legacy_prefix(value) == prefix
