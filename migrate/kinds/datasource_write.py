"""Writing one datasource the way a real Cells 3 keeps it (datasource-object-service-roots.yaml).

* Datasources are created one at a time (the executor runs their stage on one worker): two
  creates sent together both answer 200 and one is not kept in Cells' datasource list
  (its entry still GETs 200, but DELETE answers 500 ``Cannot find datasource!``).
* After the POST the datasource must be in ``GET /a/config/datasource``; if it is not, it
  is POSTed once more (the recorded cure: it is listed again), then checked again.
* A create Cells answered 200 may never be served (every stat: ~42 s then 500 ``Could not
  find DataSource``): with a waiter, the write waits a bounded time for the datasource to
  be served and fails with Cells' answer otherwise. A datasource this write created is
  then deleted again, so nothing unusable is left behind; a retry must wait: a name
  deleted seconds earlier is not served for ~2 minutes when re-created (recorded), so the
  tool never deletes and re-creates a name as a retry within a run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from migrate.cells.client import CellsClient
from migrate.cells.storage import DataSource
from migrate.errors import CellsError, DatasourceUnusable
from migrate.kinds.vocabulary import ActionType

log = logging.getLogger(__name__)

RECREATE_PAUSE = "resume after 2 minutes (Cells does not serve a name re-created seconds after "
RECREATE_PAUSE += "its delete)"


def write_datasource(
    client: CellsClient,
    body: DataSource,
    *,
    wait_served: Callable[[str], None] | None,
    action: ActionType,
) -> DataSource:
    """POST ``body``, confirm it is listed, and (with ``wait_served``, the apply's
    ``DatasourceWaiter.wait_served``) that Cells serves it.

    Raises ``CellsError`` naming the datasource: refused, not kept in the list, or never
    served (``DatasourceUnusable``; a datasource created here is deleted again first).
    """
    name = body.name
    written = client.put_datasource(body)
    if not client.datasource_listed(name):
        log.warning("datasource %s answered 200 but is not in Cells' list: sending it again", name)
        written = client.put_datasource(body)
        if not client.datasource_listed(name):
            raise CellsError(
                "Cells answered 200 twice but does not keep it in its datasource list "
                "(was another datasource created at the same time?); check "
                "`GET /a/config/datasource`, then resume",
                subject=f"datasource:{name}",
            )
    if wait_served is None:
        return written
    try:
        wait_served(name)
    except DatasourceUnusable as exc:
        if action is ActionType.CREATE:
            raise DatasourceUnusable(_removed(client, name, exc), subject=exc.subject) from exc
        raise
    return written


def _removed(client: CellsClient, name: str, exc: DatasourceUnusable) -> str:
    """Delete the unusable datasource this run created; the message says what was done."""
    try:
        client.delete_datasource(name)
    except CellsError as err:
        return f"{exc.message}; it could not be removed ({err}): delete it in Cells by hand"
    return f"{exc.message}; it was removed again: fix it, then {RECREATE_PAUSE}"
