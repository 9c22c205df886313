"""HTTP plumbing: a keep-alive ``ThreadingHTTPServer`` on loopback, faults, latency, control API.

Control endpoints live outside ``/a/`` (``/_emulator/state|reset|requests|pat|configure``) and
are never subject to faults, latency, auth or ``forbid_writes``.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from migrate.cells.emulator import auth, datasources, fresh, routes, schemas
from migrate.cells.emulator.answers import Answer, ApiError, Call
from migrate.cells.emulator.auth import AuthTables
from migrate.cells.emulator.config import FAULT_KINDS, EmulatorConfig
from migrate.cells.emulator.store import Store

log = logging.getLogger(__name__)
LIVE_KNOBS = frozenset(
    {
        "latency_ms",
        "fault_rate",
        "fault_mix",
        "autoapply_cache_s",
        "token_ttl_s",
        "index_delay_s",
        "missing_ds_stat_delay_s",
        "recreate_unserved_s",
        "lose_datasource_creates",
        "forbid_writes",
    }
)
WRITE_FORBIDDEN = "write forbidden by test"
REQUEST_LOG_SIZE = 200_000


class Emulator:
    """The emulated Cells without the socket: store, secrets, request log, dispatch."""

    def __init__(
        self,
        config: EmulatorConfig,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.sleep = sleep
        self.store = Store(config, clock=clock)
        self.auth = AuthTables()
        # The newest REQUEST_LOG_SIZE requests: plenty for tests, bounded for benchmarks.
        self.log: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_SIZE)
        self.reset()

    def reset(self) -> None:
        """Back to a fresh Cells (tokens minted so far stay valid for the admin)."""
        with self.store.lock:
            fresh.seed(self.store)
            self.log.clear()

    def mint_pat(self, login: str, ttl_s: float | None = None) -> str:
        """A personal access token for ``login`` (Cells creates them with its CLI only)."""
        with self.store.lock:
            return auth.new_token(self.store, self.auth, login, ttl_s)

    def state(self) -> dict[str, Any]:
        """The whole state as JSON-ready data (same as ``GET /_emulator/state``)."""
        with self.store.lock:
            datasources.tick(self.store)
            return fresh.dump(self.store)

    def requests(self) -> list[dict[str, Any]]:
        """Every request received outside ``/_emulator``: method, path, status."""
        with self.store.lock:
            return [dict(r) for r in self.log]

    def configure(self, **knobs: Any) -> None:
        """Change live knobs: latency_ms, fault_rate, fault_mix, token_ttl_s, forbid_writes…"""
        unknown = set(knobs) - LIVE_KNOBS
        if unknown:
            raise ValueError(f"unknown emulator setting(s): {sorted(unknown)}")
        with self.store.lock:
            for key, value in knobs.items():
                if key == "fault_mix":
                    value = tuple((str(k), int(w)) for k, w in value)
                    if any(k not in FAULT_KINDS for k, _ in value):
                        raise ValueError(f"bad fault_mix {value!r}")
                setattr(self.store.settings, key, value)

    def pick_fault(self, path: str) -> str | None:
        """The fault to inject for this request, if any (under ``/a/`` and Hydra's ``/oidc/``:
        a gateway in front of Cells fails the login and the refresh as well)."""
        settings = self.store.settings
        if not path.startswith(("/a/", "/oidc/")) or settings.fault_rate <= 0:
            return None
        with self.store.lock:
            if self.store.rng.random() >= settings.fault_rate:
                return None
            kinds = [k for k, w in settings.fault_mix if w > 0]
            weights = [w for _, w in settings.fault_mix if w > 0]
            return self.store.rng.choices(kinds, weights)[0] if kinds else None

    def coin(self) -> bool:
        """A fair coin from the seeded generator."""
        with self.store.lock:
            return self.store.rng.random() < 0.5

    def dispatch(self, route: routes.Route, call: Call) -> Answer:
        """Run one routed request under the store lock; errors become answers."""
        with self.store.lock:
            try:
                datasources.tick(self.store)
                header = call.headers.get("authorization")
                if route.access == routes.BEARER or (route.access == routes.OPTIONAL and header):
                    call.caller = auth.authenticate(self.store, self.auth, header)
                if route.schema is not None:
                    schemas.check(call.json(), route.schema)
                return route.handler(self.store, self.auth, call)
            except ApiError as err:
                return err.answer()
            except Exception as exc:  # the server boundary: a bug answers 500, logged, not a hang
                log.exception("emulator: %s %s failed", call.method, call.path)
                detail = f"emulator bug: {type(exc).__name__}"
                return Answer(status=500, body={"Title": detail, "Detail": detail})
            finally:
                if route.write or route.access == routes.PUBLIC:
                    self.store.generation += 1

    def record(self, method: str, path: str, status: int) -> None:
        """Append to the request log."""
        with self.store.lock:
            self.log.append({"method": method, "path": path, "status": status})


class _Handler(BaseHTTPRequestHandler):
    """One connection; HTTP/1.1 keep-alive."""

    protocol_version = "HTTP/1.1"
    server_version = "CellsEmulator/1"
    sys_version = ""
    emulator: Emulator  # set on the subclass made per server

    def setup(self) -> None:
        """Set TCP_NODELAY on the accepted socket."""
        super().setup()
        # Headers and body go out in separate writes: without NODELAY, Nagle + delayed ACK
        # would add ~40 ms to every keep-alive request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        """Access log lines go to ``logging`` at DEBUG, not to stderr."""
        log.debug("emulator: " + format, *args)

    def do_GET(self) -> None:
        """Handle a GET."""
        self._handle()

    def do_POST(self) -> None:
        """Handle a POST."""
        self._handle()

    def do_PUT(self) -> None:
        """Handle a PUT."""
        self._handle()

    def do_DELETE(self) -> None:
        """Handle a DELETE."""
        self._handle()

    def _handle(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if len(raw) < length:
            # The client died mid-request (a killed apply): like any HTTP server, never act
            # on a truncated body (read as {} it would store an empty object).
            self.close_connection = True
            return
        if url.path.startswith("/_emulator/"):
            self._send(control(self.emulator, self.command, url.path, raw))
            return
        emu = self.emulator
        if emu.store.settings.latency_ms > 0:
            emu.sleep(emu.store.settings.latency_ms / 1000)
        route, params, known = routes.find(self.command, url.path)
        call = Call(
            method=self.command,
            path=url.path,
            params=params,
            query=parse_qs(url.query),
            headers={k.lower(): v for k, v in self.headers.items()},
            raw=raw,
            base_url=f"http://{self.headers.get('Host') or '127.0.0.1'}",
        )
        fault = emu.pick_fault(url.path)
        if fault is not None and fault != "drop":
            answer = Answer(status=int(fault), body=f"{fault} injected by the emulator")
            if fault == "429":
                answer.headers.append(("Retry-After", "1"))
        elif route is None:
            answer = _unrouted(url.path, known)
        elif route.write and emu.store.settings.forbid_writes:
            answer = Answer(status=500, body={"Title": WRITE_FORBIDDEN, "Detail": WRITE_FORBIDDEN})
        elif fault == "drop" and not (route.write and emu.coin()):
            answer = Answer(status=0)
        else:
            answer = emu.dispatch(route, call)
            if fault == "drop":  # a write applied, then the connection lost before the answer
                answer = Answer(status=0)
        emu.record(self.command, url.path, answer.status)
        if answer.status == 0:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if answer.delay_s > 0:
            self.emulator.sleep(answer.delay_s)
        self._send(answer)

    def _send(self, answer: Answer) -> None:
        data, content_type = answer.encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in answer.headers:
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


def _unrouted(path: str, known: bool) -> Answer:
    """405 for a wrong verb or an empty id under ``/a/`` (recorded), 404 elsewhere."""
    if known or (path.startswith("/a/") and path.endswith("/")):
        return ApiError(405, text="405: Method Not Allowed").answer()
    if path.startswith("/a/"):
        return Answer(
            status=404, body=f"404 page not found: {path} is not modelled by the emulator"
        )
    if path.startswith("/oidc/"):
        error = "Error 404 - The requested route does not exist. Make sure you are using the right path, domain, and port."  # noqa: E501
        return Answer(status=404, body={"error": error})
    return Answer(status=404, body="404 page not found")


def control(emu: Emulator, method: str, path: str, raw: bytes) -> Answer:
    """The ``/_emulator/*`` endpoints (tests and the CLI demo use them)."""
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return Answer(status=400, body={"error": "body is not JSON"})
    if (method, path) == ("GET", "/_emulator/state"):
        return Answer(body=emu.state())
    if (method, path) == ("GET", "/_emulator/requests"):
        return Answer(body={"requests": emu.requests()})
    if (method, path) == ("POST", "/_emulator/reset"):
        emu.reset()
        return Answer(body={"ok": True})
    if (method, path) == ("POST", "/_emulator/pat"):
        login = str(body.get("login") or emu.config.admin_login)
        return Answer(body={"token": emu.mint_pat(login, body.get("ttl_s"))})
    if (method, path) == ("POST", "/_emulator/configure"):
        try:
            emu.configure(**body)
        except (TypeError, ValueError) as exc:
            return Answer(status=400, body={"error": str(exc)})
        return Answer(body={"ok": True})
    return Answer(status=404, body={"error": f"no control endpoint {method} {path}"})


class EmulatorServer(Emulator):
    """The emulator on a real socket, served by a background thread (a context manager)."""

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Bind the socket now (so ``url`` is known); ``start()`` begins serving."""
        super().__init__(config or EmulatorConfig(), clock=clock, sleep=sleep)
        handler = type("BoundHandler", (_Handler,), {"emulator": self})
        self._httpd = ThreadingHTTPServer((self.config.host, self.config.port), handler)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:PORT``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        """Start serving in a daemon thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="cells-emulator",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()
        if self.store.userdb is not None:
            self.store.userdb.close()

    def wait(self) -> None:
        """Block until the serving thread ends (interruptible by Ctrl-C)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(0.5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(cfg: EmulatorConfig, *, ready: Callable[[str], None] | None = None) -> None:
    """Run the emulator until Ctrl-C (for ``cells-migrate emulator``); ``ready(url)`` once up."""
    server = EmulatorServer(cfg).start()
    try:
        if ready is not None:
            ready(server.url)
        server.wait()
    except KeyboardInterrupt:
        log.info("emulator: interrupted, stopping")
    finally:
        server.stop()
