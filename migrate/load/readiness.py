"""Waiting for a datasource to be served and indexed, then resolving sub-folder nodes.

DESIGN.md "Real-Cells facts" and the recordings (datasource-readiness.yaml,
tree-stat-missing.yaml, datasource-s3.yaml): a new structured datasource is usable once its
root stats 200, its ``resync-ds-<name>`` job has a Finished task (or none: an older
datasource), and then a missing sub-folder stats as 500 ``Could not retrieve node`` — it
does not exist. Until Cells serves the datasource, every stat blocks ~42 s and answers 500
``Could not find DataSource``; a create answered 200 can stay in that state for ever (a
bucket that does not exist, an endpoint where nothing listens, a regular file as folder, an
objects service that never started). So there are two bounds: ``start_timeout_s`` for
"served at all" (a few minutes: then the datasource fails with Cells' reason) and
``timeout_s`` for indexing (hours for big trees). A stat of a datasource that does not exist
blocks too, so the datasource is looked up first.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from migrate.cells.client import CellsClient
from migrate.errors import DatasourceNotServed, DatasourceUnusable
from migrate.progress import NullProgress, Progress

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 3600.0
DEFAULT_START_TIMEOUT_S = 300.0
DEFAULT_POLL_S = 2.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Folders:
    """Sub-folders of one datasource: node Uuids found, paths that do not exist."""

    found: dict[str, str] = field(default_factory=dict)
    missing: tuple[str, ...] = ()


class DatasourceWaiter:
    """Polls Cells until a datasource is served and indexed (``sleep``/``clock`` injectable)."""

    def __init__(
        self,
        client: CellsClient,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        start_timeout_s: float = DEFAULT_START_TIMEOUT_S,
        poll_s: float = DEFAULT_POLL_S,
        progress: Progress | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.timeout_s = timeout_s
        self.start_timeout_s = start_timeout_s
        self.poll_s = poll_s
        self.progress = progress or NullProgress()
        self.sleep = sleep
        self.clock = clock

    def wait_served(self, name: str) -> None:
        """Return once Cells serves ``name`` (its root stats 200).

        Raises ``DatasourceUnusable`` with Cells' answer when it still does not after
        ``start_timeout_s``, and ``CellsError`` when Cells fails otherwise.
        """
        started = self.clock()
        self.progress.start(f"waiting for Cells to serve datasource {name}", None)
        try:
            while True:
                try:
                    self.client.stat_node(name)
                    return
                except DatasourceNotServed as exc:
                    waited = self.clock() - started
                    if waited >= self.start_timeout_s:
                        raise DatasourceUnusable(
                            f"Cells does not serve datasource {name} after {waited:.0f} s "
                            f"({exc.message}): its folder is not a directory, or its bucket "
                            "or endpoint is wrong (Cells' log says which)",
                            subject=f"datasource:{name}",
                        ) from exc
                self.sleep(self.poll_s)
                self.progress.update(1)
        finally:
            self.progress.finish()

    def wait(self, name: str) -> None:
        """Return once ``name`` is served and its resync job is finished (or absent).

        Raises ``DatasourceUnusable`` when it does not exist, is not served in
        ``start_timeout_s`` or not indexed in ``timeout_s``.
        """
        if self.client.get_datasource(name) is None:
            raise DatasourceUnusable(
                f"datasource {name} does not exist in Cells", subject=f"datasource:{name}"
            )
        self.wait_served(name)
        deadline = self.clock() + self.timeout_s
        self.progress.start(f"waiting for datasource {name} to be indexed", None)
        try:
            while True:
                job = self.client.resync_job(name)
                if job is None or job.finished:
                    return
                if self.clock() >= deadline:
                    raise DatasourceUnusable(
                        f"datasource {name} is not indexed after {self.timeout_s:.0f} s (resync "
                        "job still running); run `cells-migrate resume` once it is",
                        subject=f"datasource:{name}",
                    )
                self.sleep(self.poll_s)
                self.progress.update(1)
        finally:
            self.progress.finish()

    def resolve(self, name: str, paths: Sequence[str]) -> Folders:
        """Wait for ``name``, then stat every path (``<name>/<sub>``): the node Uuids Cells
        has, and the paths that do not exist in the indexed datasource.

        Raises ``DatasourceUnusable`` (see :meth:`wait`) and ``CellsError``.
        """
        if not paths:
            return Folders()
        self.wait(name)
        found: dict[str, str] = {}
        missing: list[str] = []
        for path in paths:
            try:
                node = self.client.stat_node(path)
            except DatasourceNotServed as exc:
                raise DatasourceUnusable(
                    f"Cells stopped serving datasource {name}: {exc.message}",
                    subject=f"datasource:{name}",
                ) from exc
            if node is not None and node.uuid:
                found[path] = node.uuid
            else:
                log.warning("folder %s does not exist in datasource %s", path, name)
                missing.append(path)
        return Folders(found=found, missing=tuple(missing))
