"""Waiting for a datasource to be started and indexed, then resolving sub-folder nodes.

DESIGN.md "Real-Cells facts": a new structured datasource is usable once its
``resync-ds-<name>`` job has a Finished task and a known sub-folder stats 200 (seconds for
small trees, hours for big ones); a stat of a datasource that does not exist blocks ~42 s,
so the datasource is looked up first. Sub-folder Uuids exist only after indexing, so the
workspaces and ACLs that use them are resolved here, just before they are sent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from migrate.cells.client import CellsClient
from migrate.progress import NullProgress, Progress

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 3600.0
DEFAULT_POLL_S = 2.0


class DatasourceWaiter:
    """Polls Cells until a datasource is indexed (``sleep`` and ``clock`` injectable)."""

    def __init__(
        self,
        client: CellsClient,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        poll_s: float = DEFAULT_POLL_S,
        progress: Progress | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.timeout_s = timeout_s
        self.poll_s = poll_s
        self.progress = progress or NullProgress()
        self.sleep = sleep
        self.clock = clock

    def wait(self, name: str, probe: str | None = None) -> bool:
        """True once ``name``'s resync job is finished (or absent: an older datasource) and
        ``<name>/<probe>`` stats; False when the datasource is missing or the timeout passed
        (logged with what to do next). Never stats a datasource that does not exist."""
        if self.client.get_datasource(name) is None:
            log.error("datasource %s does not exist in Cells: its folders cannot be resolved", name)
            return False
        deadline = self.clock() + self.timeout_s
        target = probe or name
        self.progress.start(f"waiting for datasource {name} to be indexed", None)
        try:
            while True:
                job = self.client.resync_job(name)
                if (job is None or job.finished) and self.client.stat_node(target) is not None:
                    return True
                if self.clock() >= deadline:
                    log.error(
                        "datasource %s is not indexed after %.0f s (resync job %s); the items "
                        "that need its folders fail now: run `cells-migrate resume` later",
                        name,
                        self.timeout_s,
                        "finished" if job is not None and job.finished else "still running",
                    )
                    return False
                self.sleep(self.poll_s)
                self.progress.update(1)
        finally:
            self.progress.finish()

    def resolve(self, name: str, paths: Sequence[str]) -> dict[str, str]:
        """Wait for ``name`` (probing its root: a legacy folder may be gone, which must not
        look like "not indexed yet"), then stat every path: ``path → node
        Uuid`` for those Cells knows. Missing ones are left out (their items fail with a
        clear message)."""
        if not paths or not self.wait(name):
            return {}
        found: dict[str, str] = {}
        for path in paths:
            node = self.client.stat_node(path)
            if node is not None and node.uuid:
                found[path] = node.uuid
            else:
                log.warning("folder %s not found in datasource %s", path, name)
        return found
