"""Fixtures for every test: global state the CLI touches is restored after each test."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.examples import load_profile

load_profile()

_LOGGERS = ("", "urllib3", "requests_oauthlib", "oauthlib")


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """``cli.main`` installs a handler and sets levels; undo it so tests stay independent."""
    saved = {name: logging.getLogger(name).level for name in _LOGGERS}
    handlers = list(logging.getLogger().handlers)
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)


S3_TEST_KEYS = ("test-key", "test-secret")


class S3Server:
    """A real S3 API on loopback (moto's server mode), started once per test session."""

    def __init__(self, url: str) -> None:
        self.url = url

    def client(self, keys: tuple[str, str] = S3_TEST_KEYS) -> Any:
        """A boto3 client for this server (moto accepts any key)."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id=keys[0],
            aws_secret_access_key=keys[1],
        )

    def bucket(self, name: str, objects: dict[str, bytes]) -> None:
        """Create bucket ``name`` (emptied if it exists) holding ``objects``."""
        s3 = self.client()
        if name in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
            for item in s3.list_objects_v2(Bucket=name).get("Contents", []):
                s3.delete_object(Bucket=name, Key=item["Key"])
        else:
            s3.create_bucket(Bucket=name)
        for key, body in objects.items():
            s3.put_object(Bucket=name, Key=key, Body=body)

    def keys(self, name: str) -> list[str]:
        """Every object key of bucket ``name``, sorted."""
        found = self.client().list_objects_v2(Bucket=name).get("Contents", [])
        return sorted(str(item["Key"]) for item in found)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """moto in server mode on 127.0.0.1 and a free port (skipped without moto, failed in CI)."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        message = "moto[server] is not installed (pip install -e '.[test]')"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}; CI=true requires the local S3 server")
        pytest.skip(message)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield S3Server(f"http://{host}:{port}")
    finally:
        server.stop()
