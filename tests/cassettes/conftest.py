"""Replay of the real Cells 3.0.9 recordings (record_mode="none") against CellsClient.

Requests are matched on method, path, query and the *shape* of the body: JSON bodies are
compared parsed (key order free; ``Limit``/``Offset`` left out, since paging is ours to
choose), form bodies compared as field sets. So a request the client builds differently
from what a real Cells received finds no recording and the test fails.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import vcr

from migrate.cells.client import CellsClient
from migrate.cells.version import ServerVersion
from migrate.config import AuthConfig, AuthMethod, CellsConfig
from migrate.secret import Secret

RECORDINGS = Path(__file__).parent / "recordings"
BASE = "http://127.0.0.1:8080"
V3 = ServerVersion(version="3.0.9", edition="PydioHome")


def _text(body: Any) -> str:
    if body is None:
        return ""
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return str(body)


def _shape(body: Any) -> Any:
    text = _text(body).strip()
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return {k: sorted(v) for k, v in parse_qs(text, keep_blank_values=True).items()}
    if isinstance(data, dict):
        data = {k: _nested(v) for k, v in data.items() if k not in ("Limit", "Offset")}
    return data


def _nested(value: Any) -> Any:
    """JSON-in-a-string fields (workspace Attributes, job JsonParameters) compare parsed."""
    if isinstance(value, str) and value.startswith("{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def body_shape(r1: Any, r2: Any) -> None:
    """vcrpy matcher: same JSON (or form) content, paging keys aside."""
    assert _shape(r1.body) == _shape(r2.body)


def make_vcr() -> vcr.VCR:
    """A replay-only VCR with our matcher."""
    replay = vcr.VCR(
        record_mode="none",
        match_on=["method", "path", "query", "body_shape"],
        decode_compressed_response=True,
    )
    replay.register_matcher("body_shape", body_shape)
    return replay


def pat_config(**auth: Any) -> CellsConfig:
    """The config the recordings were made with: a bearer (scrubbed to <TOKEN>)."""
    return CellsConfig(
        url=BASE, auth=AuthConfig(method=AuthMethod.PAT, token=Secret("<TOKEN>"), **auth)
    )


class Sleeps(list[float]):
    """Records the waits the retry layer asked for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def replay() -> Callable[[str], Any]:
    """``with replay("role-crud.yaml") as cassette:`` — fails on any unrecorded request."""
    player = make_vcr()

    def use(name: str) -> Any:
        return player.use_cassette(str(RECORDINGS / name), allow_playback_repeats=False)

    return use


@pytest.fixture
def new_client() -> Iterator[Callable[..., CellsClient]]:
    """Factory of clients on the recordings' base URL (closed after the test)."""
    made: list[CellsClient] = []

    def make(**kw: Any) -> CellsClient:
        kw.setdefault("read_only", False)
        kw.setdefault("sleep", Sleeps())
        made.append(CellsClient(pat_config(), **kw))
        return made[-1]

    yield make
    for c in made:
        c.close()


@pytest.fixture
def client() -> Iterator[CellsClient]:
    """A write-enabled client pinned to v3.0.9 (no discovery call), retries not sleeping."""
    with CellsClient(pat_config(), read_only=False, version=V3, sleep=Sleeps()) as c:
        yield c
