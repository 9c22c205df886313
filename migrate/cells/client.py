"""``CellsClient``: typed access to the Cells REST API a migration needs (cells-api.md §1.1).

Composition: one ``CellsSession`` (auth_session.py: a ``requests_oauthlib.OAuth2Session``
holding the token, cookies, pooled connections), one ``Wire`` (wire.py:
no redirects, deadline, size cap), one ``Authenticator`` (auth.py, password_auth.py: the
auth flow), one ``Transport`` (http.py: read-only guard, retries, status → exception),
typed endpoints here and in idm.py. A client
opened with ``read_only=True`` refuses every write before anything leaves the process, which
is how ``plan`` is guaranteed never to change Cells.

Example::

    with CellsClient(config.cells, read_only=True) as cells:
        version = cells.server_version()
        users = cells.list_users()
"""

from __future__ import annotations

import html
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any
from urllib.parse import quote

from migrate.cells.auth import DEFAULT_SKEW_S, Authenticator, build_authenticator, build_session
from migrate.cells.auth_session import CellsSession
from migrate.cells.errorbody import StatAnswer, stat_answer
from migrate.cells.http import RetryPolicy, Transport
from migrate.cells.idm import IdmEndpoints
from migrate.cells.statuses import (
    decode_json,
    looks_like_another_server,
    not_cells,
    status_error,
)
from migrate.cells.storage import DataSource, Job, Node, Service
from migrate.cells.version import ServerVersion
from migrate.cells.wire import Wire
from migrate.config import AuthMethod, CellsConfig
from migrate.errors import (
    CellsError,
    CellsHTTPError,
    CellsNotFound,
    CellsTransportError,
    DatasourceNotServed,
)
from migrate.redact import DEFAULT_REDACTOR, Redactor

log = logging.getLogger(__name__)

# A stat of a datasource that does not exist blocks ~42 s before answering (readiness
# recordings): stat calls get at least 60 s.
STAT_TIMEOUT_S = 60.0
MARKER_FILE = ".pydio"
STATE_PATH = "/a/frontend/state"
# The registry /a/frontend/state answers holds one <user id="login"> (acl-crud.yaml).
_STATE_USER = re.compile(r"<user\s+id=\"([^\"]+)\"")
CANNOT_FIND_DATASOURCE = "Cannot find datasource!"


class CellsClient(IdmEndpoints):
    """The Cells API client. Thread-safe: share one instance between worker threads.

    ``sleep`` is what the retry layer waits with (tests inject a recorder); ``version``
    pins the server version (skips discovery, e.g. for replayed recordings).
    """

    def __init__(
        self,
        config: CellsConfig,
        *,
        read_only: bool,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        version: ServerVersion | None = None,
        redactor: Redactor = DEFAULT_REDACTOR,
        retry_attempts: int = 6,
        skew_s: float = DEFAULT_SKEW_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.read_only = read_only
        self.session: CellsSession = build_session(config)
        self.wire = Wire(config, self.session, redactor=redactor, monotonic=monotonic)
        self.auth: Authenticator = build_authenticator(
            config, self.wire, clock=clock, redactor=redactor, skew_s=skew_s
        )
        self.retry = RetryPolicy(attempts=retry_attempts, sleep=sleep)
        self.transport = Transport(self.wire, self.auth, read_only=read_only, retry=self.retry)
        self._version = version
        self._version_lock = threading.Lock()
        self._account: str | None = None

    # ---------------------------------------------------------------- lifecycle
    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()

    def __enter__(self) -> CellsClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ---------------------------------------------------------------- version & services
    def server_version(self) -> ServerVersion:
        """The target's version from ``GET /a/config/discovery`` (once, then cached).

        With a valid token Cells discloses ``Version``; an anonymous answer holds only the
        edition, and ``ServerVersion.known`` is then False. Never calls ``POST /a/update``.
        """
        with self._version_lock:
            if self._version is None:
                data = self.transport.call("GET", "/a/config/discovery")
                found = ServerVersion.from_discovery(data if isinstance(data, Mapping) else {})
                if not found.known:
                    # Anonymous discovery holds endpoints only; bootconf gives the edition.
                    boot = self.transport.call("GET", "/a/frontend/bootconf")
                    found = ServerVersion.from_bootconf(boot if isinstance(boot, Mapping) else {})
                self._version = found
                log.info(
                    "Cells version %s (%s)", self._version.version or "?", self._version.edition
                )
            return self._version

    def probe(self) -> ServerVersion:
        """Anonymous ``GET /a/config/discovery``: is a Cells server answering at
        ``cells.url``? (It answers ``{"Endpoints": …}`` to anyone, version-detection.yaml.)

        Raises ``CellsTransportError`` when nothing answers, ``CellsHTTPError`` naming what
        answered when it is not Cells, ``CellsRedirected`` for a redirect. Sends no secret.
        """
        path = "/a/config/discovery"
        reply = self.retry.run(f"GET {path}", lambda: self.wire.send("GET", path))
        data = None if looks_like_another_server(reply) else decode_json(reply)
        if not isinstance(data, Mapping) or not ({"Endpoints", "PackageType"} & set(data)):
            raise not_cells(reply, self.wire.base_url, self.wire.redactor)
        return ServerVersion.from_discovery(data)

    def public_page(self, link_hash: str) -> str | None:
        """Anonymous ``GET /public/<hash>``: the HTML page a visitor of the link gets, None
        when Cells answers 404 (no link, expired, download limit reached). Sends no secret."""
        path = "/public/" + quote(link_hash, safe="")
        reply = self.retry.run(f"GET {path}", lambda: self.wire.send("GET", path))
        if reply.status == 404:
            return None
        if reply.status >= 400:
            raise status_error(reply, self.wire.redactor)
        return reply.text

    def account(self) -> str:
        """The login of the account the tool acts as (cached): the configured login for
        ``password``, otherwise the user Cells names for the token in its registry
        (``GET /a/frontend/state``, answered to any valid token by every Cells version).
        Raises ``CellsError`` when Cells names nobody: the tool cannot then promise to leave
        its own account alone."""
        if self._account is None:
            auth = self.config.auth
            if auth.method is AuthMethod.PASSWORD and auth.login:
                self._account = auth.login
            else:
                self._account = self._state_user()
        return self._account

    def _state_user(self) -> str:
        text = self.transport.call_text("GET", STATE_PATH)
        found = _STATE_USER.search(text)
        if found is None:
            raise CellsError(
                f"cannot tell which Cells account the {self.config.auth.method.value} token "
                f"belongs to: GET {STATE_PATH} named no user"
            )
        return html.unescape(found.group(1))

    def reachable(self) -> bool:
        """True when Cells answers at all (one attempt, no retry): tells "this request got
        no answer" from "Cells is gone" (then the whole run stops, issue 11 point 3)."""
        try:
            self.wire.send("GET", "/a/config/discovery")
        except CellsTransportError:
            return False
        except CellsError:
            return True  # an answer, even an error, means Cells is there
        return True

    def services(self, *, started_only: bool = False) -> list[Service]:
        """``GET /a/config/ctl`` (admin token needed): the services and their status."""
        params = {"StatusFilter": "STARTED"} if started_only else None
        data = self.transport.call("GET", "/a/config/ctl", params=params)
        items = data.get("Services") if isinstance(data, Mapping) else None
        return [Service.from_json(s) for s in items or () if isinstance(s, Mapping)]

    def virtual_nodes(self) -> list[Node]:
        """``GET /a/config/virtualnodes``: template paths such as ``my-files`` and ``cells``."""
        data = self.transport.call("GET", "/a/config/virtualnodes")
        items = data.get("Children") if isinstance(data, Mapping) else None
        return [Node.from_json(n) for n in items or () if isinstance(n, Mapping)]

    # ---------------------------------------------------------------- datasources
    def list_datasources(self) -> list[DataSource]:
        """``GET /a/config/datasource``."""
        data = self.transport.call("GET", "/a/config/datasource")
        items = data.get("DataSources") if isinstance(data, Mapping) else None
        return [DataSource.from_json(d) for d in items or () if isinstance(d, Mapping)]

    def get_datasource(self, name: str) -> DataSource | None:
        """``GET /a/config/datasource/{Name}``; None on 404 (unknown datasource)."""
        try:
            data = self.transport.call("GET", f"/a/config/datasource/{name}")
        except CellsNotFound:
            return None
        return DataSource.from_json(data) if isinstance(data, Mapping) and data else None

    def put_datasource(self, datasource: DataSource) -> DataSource:
        """Create or update a datasource: **POST** ``/a/config/datasource/{Name}`` (PUT is
        another route, datasource-structured-create.yaml). An upsert keyed by the name, so
        it is re-sent as is after a lost answer. ``FlatStorage`` is sent only to v3+.
        The name must match ``^[0-9a-z]+$`` (Cells answers 500 otherwise)."""
        name = datasource.name
        if not name or not name.isascii() or not all(c.isdigit() or c.islower() for c in name):
            raise CellsError(
                "datasource names are lowercase letters and digits only",
                subject=f"datasource:{name}",
            )
        body = datasource.to_json(with_flat_storage=self.server_version().has_flat_storage)
        data = self.transport.call("POST", f"/a/config/datasource/{name}", body=body)
        return DataSource.from_json(data if isinstance(data, Mapping) else {})

    def delete_datasource(self, name: str) -> bool:
        """``DELETE /a/config/datasource/{Name}``; refused (500) while workspaces use it.
        False when Cells has no such datasource: a 404, or the 500 ``Cannot find
        datasource!`` Cells gives for a name missing from its list while GET finds no entry
        either (datasource-object-service-roots.yaml). A name GET still finds but the list
        lost (two creates sent together) raises ``CellsHTTPError``: re-create it with
        :meth:`put_datasource`, then delete it. Retry safety: before re-sending, a 404 on
        GET means it is gone."""
        try:
            self.transport.call(
                "DELETE",
                f"/a/config/datasource/{name}",
                check=lambda: {} if self.get_datasource(name) is None else None,
            )
        except CellsNotFound:
            return False
        except CellsHTTPError as exc:
            gone = exc.status == 500 and CANNOT_FIND_DATASOURCE in exc.message
            if gone and self.get_datasource(name) is None:
                return False
            raise
        return True

    def datasource_listed(self, name: str) -> bool:
        """True when ``name`` is in ``GET /a/config/datasource`` (the list a create must
        land in: two creates sent together both answer 200 and one is not kept)."""
        return any(d.name == name for d in self.list_datasources())

    def resync_datasource(self, name: str) -> str:
        """Start job ``resync-ds-<name>`` as the admin UI does; returns the job id.
        Re-sending only triggers the same job again."""
        body = {"JobName": "datasource-resync", "JsonParameters": json.dumps({"dsName": name})}
        data = self.transport.call("PUT", "/a/jobs/user/datasource-resync", body=body)
        return str(data.get("JobUuid") or "") if isinstance(data, Mapping) else ""

    def resync_job(self, name: str) -> Job | None:
        """The ``resync-ds-<name>`` job with its latest tasks, or None before it exists."""
        body = {"Owner": "*", "JobIDs": [f"resync-ds-{name}"], "LoadTasks": "Any", "TasksLimit": 3}
        data = self.transport.call("POST", "/a/jobs/user", body=body)
        jobs = data.get("Jobs") if isinstance(data, Mapping) else None
        found = [Job.from_json(j) for j in jobs or () if isinstance(j, Mapping)]
        return next((j for j in found if j.id == f"resync-ds-{name}"), None)

    def datasource_ready(self, name: str, probe: str | None = None) -> bool:
        """True when job ``resync-ds-<name>`` has a Finished task **and** the sub-folder
        ``probe`` (or the datasource root) stats 200 (cells-v3-recordings README,
        "Datasource readiness"). Never call it before the datasource was created: a stat
        of a missing datasource blocks ~42 s."""
        job = self.resync_job(name)
        if job is None or not job.finished:
            return False
        target = f"{name}/{probe.strip('/')}" if probe else name
        try:
            return self.stat_node(target) is not None
        except DatasourceNotServed:
            return False

    # ---------------------------------------------------------------- admin tree
    def stat_node(self, path: str) -> Node | None:
        """``POST /a/tree/admin/stat``; None when the node does not exist in a datasource
        Cells serves (404, or the 500 ``Could not retrieve node`` / ``Not Found:`` of v2-v4,
        tree-stat-missing.yaml). Raises ``DatasourceNotServed`` when Cells does not serve
        the datasource (500 ``Could not find DataSource``, after ~42 s). Timeout ≥ 60 s."""
        timeout = max(STAT_TIMEOUT_S, self.config.timeout_s)
        try:
            data = self.transport.call(
                "POST", "/a/tree/admin/stat", body={"Node": {"Path": path}}, timeout=timeout
            )
        except CellsNotFound:
            return None
        except CellsHTTPError as exc:
            meaning = stat_answer(exc.body) if exc.status == 500 else StatAnswer.ERROR
            if meaning is StatAnswer.MISSING:
                return None
            if meaning is StatAnswer.NOT_SERVED:
                raise DatasourceNotServed(
                    exc.message,
                    method=exc.method,
                    path=exc.path,
                    status=exc.status,
                    body=exc.body,
                    subject=f"datasource:{path.split('/', 1)[0]}",
                ) from exc
            raise
        node = data.get("Node") if isinstance(data, Mapping) else None
        return Node.from_json(node) if isinstance(node, Mapping) else None

    def list_nodes(
        self, path: str, *, recursive: bool = False, limit: int = 0, skip_markers: bool = True
    ) -> list[Node]:
        """``POST /a/tree/admin/list`` (paths ``<ds>/<sub>``; ``/`` lists datasources and
        templates). ``.pydio`` marker files Cells writes into every folder are dropped
        unless ``skip_markers`` is False. A missing parent raises CellsNotFound."""
        body: dict[str, Any] = {"Node": {"Path": path}}
        if recursive:
            body["Recursive"] = True
        if limit:
            body["Limit"] = str(limit)
        data = self.transport.call(
            "POST",
            "/a/tree/admin/list",
            body=body,
            timeout=max(STAT_TIMEOUT_S, self.config.timeout_s),
        )
        items = data.get("Children") if isinstance(data, Mapping) else None
        nodes = [Node.from_json(n) for n in items or () if isinstance(n, Mapping)]
        if skip_markers:
            nodes = [n for n in nodes if n.name != MARKER_FILE]
        return nodes
