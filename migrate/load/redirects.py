"""Rewrite maps from old Pydio public-link URLs to Cells' ``/public/<hash>`` (pure).

Which old URLs a link had (legacy-model.md §9.1, 8.2.5 sources): Pydio 8 hands out
``<base>/public/<hash>`` (optionally ``--<lang>``, and ``.php`` for the links Pydio 5 and 6
wrote as ``<hash>.php`` files), and the files themselves lived in ``PUBLIC_DOWNLOAD_FOLDER``,
by default ``<base>/data/public/<hash>.php``, linked with or without ``.php``. Every form is
sent to ``<cells>/public/<cells hash>`` with a permanent redirect; the query string is
dropped (Cells' page takes none).

* nginx: two ``map`` blocks for the ``http`` context: one regex turns the request path into
  the hash, a plain (hashed, constant-time) map turns the hash into the Cells URL; one line
  in the old site's ``server`` block redirects when it is not empty.
* Apache: one ``RewriteRule`` per link (``^/?`` so that it works in a vhost and in
  ``.htaccess``), after ``RewriteEngine On``.

Hashes that are not plain ``[A-Za-z0-9_-]`` are left out and reported: they cannot come
from Pydio or Cells, and would be unsafe to write into a server configuration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

HASH_RE = re.compile(r"\A[A-Za-z0-9_-]{1,128}\Z")
NGINX_KEY_VAR = "$cells_migrate_link_hash"
NGINX_TARGET_VAR = "$cells_migrate_link_url"
FORMATS = ("nginx", "apache")
# <base>/(data/)public/<hash>, then .php, --<lang> or a trailing slash (see the docstring)
_SUFFIX = r"(?:\.php|--[A-Za-z_]+)?/?"


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkRedirect:
    """One migrated public link: its Pydio hash and the hash Cells serves it under."""

    legacy_hash: str
    cells_hash: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RedirectMap:
    """The rendered map and the links it had to leave out (with the reason)."""

    text: str
    count: int
    left_out: tuple[str, ...] = ()


def legacy_prefix(value: str) -> str:
    """The URL path Pydio was served under (``https://old/pydio/`` or ``/pydio`` ->
    ``/pydio``; ``/`` or ``""`` -> ``""``)."""
    path = urlsplit(value).path if "://" in value else value
    parts = [p for p in path.split("/") if p]
    return "/" + "/".join(parts) if parts else ""


def _usable(
    redirects: Iterable[LinkRedirect],
) -> tuple[list[LinkRedirect], list[str]]:
    kept: dict[str, LinkRedirect] = {}
    left_out: list[str] = []
    for item in redirects:
        if not HASH_RE.match(item.legacy_hash) or not HASH_RE.match(item.cells_hash):
            left_out.append(f"{item.legacy_hash!r}: not a plain link hash, left out of the map")
        elif item.legacy_hash in kept and kept[item.legacy_hash] != item:
            left_out.append(f"{item.legacy_hash}: two Cells hashes recorded, the first one kept")
        else:
            kept.setdefault(item.legacy_hash, item)
    return sorted(kept.values(), key=lambda r: r.legacy_hash), left_out


def _target(cells_url: str, item: LinkRedirect) -> str:
    return f"{cells_url.rstrip('/')}/public/{item.cells_hash}"


def _path_regex(prefix: str) -> str:
    return "^" + re.escape(prefix) + "/(?:data/)?public/"


def render_nginx(
    redirects: Iterable[LinkRedirect], *, legacy_path: str, cells_url: str
) -> RedirectMap:
    """The nginx ``map`` blocks and the ``server`` line (module docstring)."""
    items, left_out = _usable(redirects)
    prefix = legacy_prefix(legacy_path)
    key = _path_regex(prefix) + "(?<link>[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*?)" + _SUFFIX + "$"
    lines = [
        f"# cells-migrate shares redirects: {len(items)} public link(s), Pydio -> Cells",
        "# Put the two maps in the http {} context, and in the server {} block of the old",
        "# Pydio site:",
        f"#     if ({NGINX_TARGET_VAR}) {{ return 301 {NGINX_TARGET_VAR}; }}",
        f"map $uri {NGINX_KEY_VAR} {{",
        '    default "";',
        f'    "~{key}" $link;',
        "}",
        f"map {NGINX_KEY_VAR} {NGINX_TARGET_VAR} {{",
        '    default "";',
        *(f'    "{r.legacy_hash}" "{_target(cells_url, r)}";' for r in items),
        "}",
    ]
    return RedirectMap(text="\n".join(lines) + "\n", count=len(items), left_out=tuple(left_out))


def render_apache(
    redirects: Iterable[LinkRedirect], *, legacy_path: str, cells_url: str
) -> RedirectMap:
    """``RewriteRule`` lines (module docstring)."""
    items, left_out = _usable(redirects)
    prefix = legacy_prefix(legacy_path).lstrip("/")
    base = "^/?" + (re.escape(prefix) + "/" if prefix else "") + "(?:data/)?public/"
    lines = [
        f"# cells-migrate shares redirects: {len(items)} public link(s), Pydio -> Cells",
        "# For the old Pydio site's <VirtualHost> (or its .htaccess); needs mod_rewrite.",
        "RewriteEngine On",
        *(
            f"RewriteRule {base}{re.escape(r.legacy_hash)}{_SUFFIX}$ "
            f"{_target(cells_url, r)} [R=301,L,QSD]"
            for r in items
        ),
    ]
    return RedirectMap(text="\n".join(lines) + "\n", count=len(items), left_out=tuple(left_out))


def render(
    redirects: Sequence[LinkRedirect], *, fmt: str, legacy_path: str, cells_url: str
) -> RedirectMap:
    """The map in ``fmt`` (``nginx`` or ``apache``)."""
    if fmt == "apache":
        return render_apache(redirects, legacy_path=legacy_path, cells_url=cells_url)
    return render_nginx(redirects, legacy_path=legacy_path, cells_url=cells_url)
