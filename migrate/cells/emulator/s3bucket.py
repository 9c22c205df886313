"""Indexing an S3 datasource through the S3 API, as Cells' gateway does (datasource-s3.yaml).

The bucket is read with the datasource's own endpoint, region and keys: prefixes become
folders (``Projects``, ``Projects/2020``; an ``Empty/`` marker object is the folder
``Empty``), objects become files. Like Cells, the emulator then writes a ``.pydio`` object
(the folder's node Uuid, 36 bytes) into every folder of the bucket that has none, and those
objects stay after the datasource is deleted (recorded). A bucket that does not exist or an
endpoint where nothing answers makes a datasource Cells never serves (recorded: POST 200,
then every stat 500 ``Could not find DataSource``).

boto3 is an optional dependency (extra ``s3``, part of ``test``): without it an S3
datasource is never served, with that reason.

The emulator never sends traffic off this machine: an endpoint that is not on loopback (or
none: Amazon S3) is not contacted, and its datasource is served with an empty tree — the
closest to a real Cells reaching a real bucket the emulator cannot see (not recorded).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

MARKER = ".pydio"
CONNECT_TIMEOUT_S = 3.0


@dataclass(frozen=True, slots=True, kw_only=True)
class S3Entry:
    """One folder or object of a bucket, relative to its root."""

    rel: str
    is_dir: bool
    size: int
    mtime: int


@dataclass(frozen=True, slots=True, kw_only=True)
class S3Target:
    """Where a datasource's bucket is and how to sign in to it."""

    endpoint: str
    region: str
    bucket: str
    key: str
    secret: str


def _client(target: S3Target) -> tuple[Any, tuple[type[BaseException], ...]]:
    """A boto3 S3 client and the botocore errors it raises."""
    try:
        boto3 = importlib.import_module("boto3")
        botocore_config = importlib.import_module("botocore.config")
        errors = importlib.import_module("botocore.exceptions")
    except ImportError as exc:
        raise S3Unavailable(
            "the emulator needs boto3 to index S3 datasources (pip install 'cells-migrate[s3]')"
        ) from exc
    config = botocore_config.Config(
        connect_timeout=CONNECT_TIMEOUT_S, read_timeout=30, retries={"max_attempts": 1}
    )
    client = boto3.client(
        "s3",
        endpoint_url=target.endpoint or None,
        region_name=target.region or "us-east-1",
        aws_access_key_id=target.key,
        aws_secret_access_key=target.secret,
        config=config,
    )
    return client, (errors.BotoCoreError, errors.ClientError)


class S3Unavailable(Exception):
    """The bucket cannot be read (missing bucket, nothing listening, bad keys, no boto3)."""


def on_loopback(endpoint: str) -> bool:
    """True for an endpoint on this machine (the only ones the emulator contacts)."""
    host = urlsplit(endpoint).hostname or ""
    return host == "localhost" or host == "::1" or host.startswith("127.")


def list_bucket(target: S3Target) -> list[S3Entry]:
    """Every folder and object of the bucket (``.pydio`` markers included); empty for an
    endpoint off this machine (never contacted).

    Raises ``S3Unavailable`` with the S3 error when the bucket cannot be listed.
    """
    if not on_loopback(target.endpoint):
        return []
    client, errors = _client(target)
    objects: list[tuple[str, int, int]] = []
    try:
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=target.bucket)
        for page in pages:
            for item in page.get("Contents", ()):
                stamp = item.get("LastModified")
                mtime = int(stamp.timestamp()) if stamp is not None else 0
                objects.append((str(item["Key"]), int(item.get("Size", 0)), mtime))
    except errors as exc:
        raise S3Unavailable(f"{type(exc).__name__}: {exc}") from exc
    return _entries(objects)


def _entries(objects: list[tuple[str, int, int]]) -> list[S3Entry]:
    folders: dict[str, int] = {}
    files: list[S3Entry] = []
    for key, size, mtime in objects:
        parts = [p for p in key.split("/") if p]
        depth = len(parts) if key.endswith("/") else len(parts) - 1
        for i in range(1, depth + 1):
            rel = "/".join(parts[:i])
            folders[rel] = max(folders.get(rel, 0), mtime)
        if not key.endswith("/") and parts:
            files.append(S3Entry(rel="/".join(parts), is_dir=False, size=size, mtime=mtime))
    totals: dict[str, int] = {}
    for entry in files:
        parts = entry.rel.split("/")
        for i in range(1, len(parts)):
            key = "/".join(parts[:i])
            totals[key] = totals.get(key, 0) + entry.size
    dirs = [S3Entry(rel=r, is_dir=True, size=totals.get(r, 0), mtime=m) for r, m in folders.items()]
    return sorted(dirs + files, key=lambda e: e.rel)


def write_markers(target: S3Target, folders: list[tuple[str, str]]) -> int:
    """Put ``<folder>/.pydio`` (content: the folder's node Uuid) where missing; ``""`` is
    the bucket root. Returns how many were written; raises ``S3Unavailable``."""
    if not on_loopback(target.endpoint):
        return 0
    client, errors = _client(target)
    have = {e.rel for e in list_bucket(target) if not e.is_dir}
    written = 0
    try:
        for rel, uuid in folders:
            key = f"{rel}/{MARKER}" if rel else MARKER
            if key in have:
                continue
            client.put_object(Bucket=target.bucket, Key=key, Body=uuid.encode())
            written += 1
    except errors as exc:
        raise S3Unavailable(f"{type(exc).__name__}: {exc}") from exc
    return written
