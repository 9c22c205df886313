"""Secrets never survive redaction: headers, JSON and form fields, hashes, known values."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from migrate.redact import MASK, RedactingFilter, Redactor, redact
from migrate.secret import Secret

HASH = "sha256:1000:bke78DrYaOg5fTFlcWAHLoDbKP+HfuxOvnJXZzWwjDE=:zLTuCV2l5LK72Jj0P4neelO9vjjYhnxo"

CASES = [
    ("Authorization: Bearer abc.def-123", "abc.def-123"),
    ("{'Authorization': 'Bearer tok123456'}", "tok123456"),
    ('{"Password": "S3cret!pw", "Login": "alice"}', "S3cret!pw"),
    ('{"JWT":"eyJhbGciOi.x.y","ExpireTime":1}', "eyJhbGciOi.x.y"),
    ('{"access_token":"at-1","refresh_token":"rt-1"}', "rt-1"),
    ('{"ApiKey":"AKIAXYZ","ApiSecret":"s3key"}', "AKIAXYZ"),
    ('{"CreatePassword": "link-pw"}', "link-pw"),
    ("grant_type=refresh_token&refresh_token=rt-2&client_id=cells-client", "rt-2"),
    ("grant_type=password&username=admin&password=hunter22", "hunter22"),
    ("code=AUTHCODE1&state=xyz", "AUTHCODE1"),
    ("{'json': {'Login': 'a', 'Password': 'pw-in-repr'}}", "pw-in-repr"),
    (f"legacy hash {HASH} stored", HASH),
    ('{"Password": "with \\"quote\\" inside"}', 'quote\\" inside'),
]


@pytest.mark.parametrize(("text", "secret"), CASES, ids=[c[1][:12] for c in CASES])
def test_patterns_are_masked(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out
    assert MASK in out


def test_harmless_text_is_kept() -> None:
    text = 'PUT /a/user/alice -> 200 in 12 ms {"Login": "alice", "GroupPath": "/sales"}'
    assert redact(text) == text


def test_known_values_are_masked_anywhere() -> None:
    redactor = Redactor([Secret("pinned-value")])
    redactor.add("rotating-token-1")
    out = redactor("x pinned-value y rotating-token-1 z")
    assert "pinned-value" not in out
    assert "rotating-token-1" not in out


def test_rotating_values_are_a_bounded_window() -> None:
    redactor = Redactor(window=2)
    redactor.add("old-token-a", "mid-token-b", "new-token-c")
    out = redactor("old-token-a mid-token-b new-token-c")
    assert "mid-token-b" not in out
    assert "new-token-c" not in out
    assert "old-token-a" in out  # revoked long ago; the window stays small


def test_filter_masks_message_args_and_exception(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.redact")
    redactor = Redactor()
    redactor.pin("pw-given-as-arg")
    logger.addFilter(RedactingFilter(redactor))
    try:
        with caplog.at_level(logging.DEBUG, logger="test.redact"):
            logger.debug("Adding token %s to request.", {"access_token": "tok-xyz"})
            logger.info("login with %s", "pw-given-as-arg")
            try:
                raise ValueError("Bearer leaked-in-exception")
            except ValueError:
                logger.exception("failed")
    finally:
        logger.filters.clear()
    text = caplog.text
    assert "tok-xyz" not in text
    assert "pw-given-as-arg" not in text
    assert "leaked-in-exception" not in text
    assert "Adding token" in text


@given(
    password=st.text(min_size=1, max_size=40),
    field=st.sampled_from(["Password", "password", "JWT", "ApiSecret", "refresh_token"]),
)
def test_any_secret_field_value_is_masked(password: str, field: str) -> None:
    body = json.dumps({"Login": "alice", field: password, "GroupPath": "/"})
    decoded = json.loads(redact(body))
    assert decoded == {"Login": "alice", field: MASK, "GroupPath": "/"}


@given(token=st.from_regex(r"[A-Za-z0-9\-._~+/]{8,60}", fullmatch=True))
def test_any_bearer_is_masked(token: str) -> None:
    assert token not in redact(f"Authorization: Bearer {token}")
    assert token not in redact(f"{{'Authorization': 'Bearer {token}'}}")
