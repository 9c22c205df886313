"""``cells-migrate shares redirects``: the map covers exactly the links the state DB records
as in Cells (done share items of type link; not cells, failures, or links rolled back)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from migrate.cli import main
from migrate.kinds.vocabulary import Kind, Stage
from migrate.load.checkpoint import CheckpointDB, LockHolder
from migrate.load.checkpoint_records import PlannedItem
from migrate.load.checkpoint_schema import ItemAction, RunCommand, RunStatus
from tests.support.checkpoint import Clock

pytestmark = pytest.mark.e2e

ME = LockHolder(host="box", pid=10, user="ops")
BASE = "https://old.example.com/pydio/"


def _config(tmp: Path) -> Path:
    path = tmp / "config.yaml"
    path.write_text(
        f"legacy:\n  install_path: {tmp}\n"
        "cells:\n  url: http://127.0.0.1:9\n"
        "  auth:\n    method: pat\n    token: ${TOKEN}\n"
        f"state:\n  url: sqlite:///{tmp / 'state.db'}\n"
        "passwords:\n  strategy: reset\n",
        encoding="utf-8",
    )
    return path


def _link(cells_hash: str, legacy_hash: str) -> dict[str, object]:
    return {
        "type": "link",
        "hash": cells_hash,
        "legacy_hash": legacy_hash,
        "application_base": BASE,
        "Uuid": f"uuid-{legacy_hash}",
    }


def _run(
    db: CheckpointDB, command: RunCommand, outcomes: list[tuple[str, ItemAction, object]]
) -> list[int]:
    run = db.start_run(command=command, holder=ME)
    planned = [
        PlannedItem(stage=Stage.SHARES, kind=Kind.SHARE, key=key, action=action)
        for key, action, _ in outcomes
    ]
    ids = db.record_planned(run.id, planned)
    with db.writer(run.id, holder=ME) as writer:
        for item_id, (_, _, after) in zip(ids, outcomes, strict=True):
            if after == "failed":
                writer.mark_failed(item_id, error="Cells said no")
            else:
                writer.mark_done(item_id, after=after)  # type: ignore[arg-type]
    db.finish_run(run.id, holder=ME, status=RunStatus.DONE)
    return ids


def _state(tmp: Path) -> None:
    with CheckpointDB.open(f"sqlite:///{tmp / 'state.db'}", now=Clock()) as db:
        applied = _run(
            db,
            RunCommand.APPLY,
            [
                ("link:8deec3", ItemAction.CREATE, _link("8deec3", "8deec3")),
                ("link:f76aa2", ItemAction.CREATE, _link("f76aa2", "f76aa2")),
                ("link:abcdef", ItemAction.CREATE, "failed"),
                ("cell:12f50f8b", ItemAction.CREATE, {"type": "cell", "Uuid": "c1"}),
                # Cells' own ShareLink answer as the image, the hash not kept
                (
                    "link:0b1c2d",
                    ItemAction.CREATE,
                    {"Uuid": "u", "LinkHash": "99aa88bb77cc", "legacy_hash": "0b1c2d"},
                ),
            ],
        )
        # a rollback of f76aa2, as rollback records it: its delete done, the item undone
        run = db.start_run(command=RunCommand.ROLLBACK, holder=ME)
        planned = PlannedItem(
            stage=Stage.SHARES, kind=Kind.SHARE, key="link:f76aa2", action=ItemAction.DELETE
        )
        (undo,) = db.record_planned(run.id, [planned])
        with db.writer(run.id, holder=ME) as writer:
            writer.mark_done(undo)
            writer.mark_rolled_back(applied[1])
        db.finish_run(run.id, holder=ME, status=RunStatus.DONE)


def _cli(config: Path, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["shares", "redirects", "-c", str(config), *argv],
        env={"TOKEN": "x"},
        stdout=out,
        stderr=err,
    )
    return code, out.getvalue(), err.getvalue()


def test_the_map_covers_every_migrated_link_and_nothing_else(tmp_path: Path) -> None:
    config = _config(tmp_path)
    _state(tmp_path)
    code, text, err = _cli(config, "--format", "apache", "--cells-url", "https://cells.example")
    assert (code, err) == (0, "")
    rules = [line.split(" ")[1:3] for line in text.splitlines() if line.startswith("RewriteRule")]
    assert rules == [
        [
            r"^/?pydio/(?:data/)?public/0b1c2d(?:\.php|--[A-Za-z_]+)?/?$",
            "https://cells.example/public/99aa88bb77cc",
        ],
        [
            r"^/?pydio/(?:data/)?public/8deec3(?:\.php|--[A-Za-z_]+)?/?$",
            "https://cells.example/public/8deec3",
        ],
    ]


def test_nginx_to_a_file_with_the_configured_cells_url(tmp_path: Path) -> None:
    config = _config(tmp_path)
    _state(tmp_path)
    out = tmp_path / "links.conf"
    code, text, err = _cli(config, "--out", str(out), "--legacy-path", "/")
    assert (code, text) == (0, "")
    assert err == f"2 link(s) written to {out}\n"
    written = out.read_text(encoding="utf-8")
    assert '"~^/(?:data/)?public/' in written
    assert '    "8deec3" "http://127.0.0.1:9/public/8deec3";' in written
    assert '    "0b1c2d" "http://127.0.0.1:9/public/99aa88bb77cc";' in written
    assert "f76aa2" not in written
    assert "abcdef" not in written


def test_no_state_db_yet_gives_an_empty_map(tmp_path: Path) -> None:
    code, text, _ = _cli(_config(tmp_path))
    assert code == 0
    assert "0 public link(s)" in text
    assert text.count('"~^/(?:data/)?public/') == 1
