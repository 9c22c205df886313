"""What checkpointing costs: milliseconds per 1,000 item outcomes written to the state DB.

DESIGN.md "Performance": checkpointing adds ≤ 5 % to apply time. A real Cells 3.0.9 on two
cores takes ~140-300 objects/s at its best (DESIGN.md "Real-Cells facts"), so 1,000 items
take ≥ 3.3 s of apply and the budget is ≥ 167 ms per 1,000 outcomes.

    .venv/bin/python bench/checkpoint_writes.py [--url URL] [--items N] [--threads T]

Without ``--url`` it uses a SQLite file (WAL) in a temporary folder. Each outcome carries a
~300-byte "after" image, as a user or workspace would. Reported: the batched writer at its
default batch size, from T threads at once, and one transaction per outcome for contrast.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from migrate.kinds.vocabulary import Kind, Stage
from migrate.load.checkpoint import CheckpointDB, LockHolder, PlannedItem, RunStatus
from migrate.load.checkpoint_schema import ItemAction, JsonValue, RunCommand

ME = LockHolder(host="bench", pid=1, user="bench")
AFTER: dict[str, JsonValue] = {
    "Login": "user-00000",
    "GroupPath": "/sales/emea",
    "Attributes": {"profile": "standard", "displayName": "A User", "email": "a.user@example.com"},
    "Roles": [{"Uuid": "3f1e2d4c-5b6a-7980-a1b2-c3d4e5f60718", "Label": "sales"}],
}


def now() -> datetime:
    return datetime.now(UTC)


def _run(db: CheckpointDB, n: int, *, batch_size: int, threads: int) -> float:
    """Seconds to report ``n`` done outcomes (and flush them) from ``threads`` threads."""
    run = db.start_run(command=RunCommand.APPLY, holder=ME)
    planned = [
        PlannedItem(
            stage=Stage.USERS, kind=Kind.USER, key=f"user-{i:06d}", action=ItemAction.CREATE
        )
        for i in range(n)
    ]
    ids = db.record_planned(run.id, planned)
    writer = db.writer(run.id, holder=ME, batch_size=batch_size)
    chunks = [ids[t::threads] for t in range(threads)]

    def work(chunk: list[int]) -> None:
        for item_id in chunk:
            writer.mark_done(item_id, cells_id=f"uuid-{item_id}", after=AFTER)

    start = time.perf_counter()
    workers = [threading.Thread(target=work, args=(c,)) for c in chunks]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    writer.close()
    elapsed = time.perf_counter() - start
    db.finish_run(run.id, holder=ME, status=RunStatus.DONE)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--url", default=None)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench-state.db'}"
        with CheckpointDB.open(url, now=now) as db:
            cases = [
                ("batched (500), 1 thread", 500, 1, args.items),
                (f"batched (500), {args.threads} threads", 500, args.threads, args.items),
                ("one transaction per outcome", 1, 1, min(args.items, 2_000)),
            ]
            print(f"state DB: {db.shown_url}")
            for label, batch, threads, n in cases:
                times = [_run(db, n, batch_size=batch, threads=threads) for _ in range(args.repeat)]
                per_1000 = statistics.median(times) / n * 1000 * 1000
                print(f"{label:38s} {per_1000:8.1f} ms per 1,000 outcomes ({n} items)")


if __name__ == "__main__":
    main()
