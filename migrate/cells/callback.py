"""The loopback catcher of the OAuth2 redirect (``cells-migrate login`` with a browser).

A one-shot HTTP server on ``127.0.0.1:<port>`` that waits for the browser to come back to
``/servers/callback?code=…&state=…`` (or ``?error=…``), answers a short page, and hands the
query over. Other paths (a favicon) get a 404 and the wait goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)

_DONE_PAGE = (
    b"<!DOCTYPE html><html><head><title>cells-migrate</title></head><body>"
    b"<p>cells-migrate: the login came back. You can close this tab.</p></body></html>"
)


class _Server(HTTPServer):
    query: dict[str, str] | None = None
    path: str = ""


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        """The redirect (or anything else the browser asks for)."""
        url = urlsplit(self.path)
        if url.path != self.server.path:
            self.send_error(404)
            return
        self.server.query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(_DONE_PAGE)))
        self.end_headers()
        self.wfile.write(_DONE_PAGE)

    def log_message(self, format: str, *args: Any) -> None:
        """Access lines go to logging at DEBUG (the query holds the code)."""
        log.debug("login callback: %s", self.command)


class CallbackCatcher:
    """Waits for one redirect on a loopback port; ``close()`` stops listening."""

    def __init__(self, server: _Server) -> None:
        self._server = server

    @classmethod
    def bind(cls, port: int, path: str) -> CallbackCatcher | None:
        """Listen on ``127.0.0.1:port``; None when the port cannot be bound (taken)."""
        try:
            server = _Server(("127.0.0.1", port), _Handler)
        except OSError as exc:
            log.info("cannot listen on 127.0.0.1:%d for the login redirect: %s", port, exc)
            return None
        server.path = path
        return cls(server)

    @property
    def port(self) -> int:
        """The bound port."""
        return int(self._server.server_address[1])

    def wait(self, seconds: float, clock: Callable[[], float]) -> dict[str, str] | None:
        """The redirect's query, or None when none came within ``seconds`` on ``clock``."""
        until = clock() + seconds
        while self._server.query is None:
            left = until - clock()
            if left <= 0:
                return None
            self._server.timeout = min(left, 1.0)
            self._server.handle_request()
        return self._server.query

    def close(self) -> None:
        """Stop listening."""
        self._server.server_close()
