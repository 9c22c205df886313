"""The pasted answer of the oob login: a bare code or the whole redirect URL (state checked)."""

from __future__ import annotations

import pytest

from migrate.cells.login import code_from
from migrate.errors import CellsAuthError


@pytest.mark.parametrize(
    ("pasted", "code"),
    [
        ("abc123", "abc123"),
        ("http://localhost:3000/servers/callback?code=abc123&state=s-12345678", "abc123"),
        ("https://cells.example/oauth2/oob?state=s-12345678&code=x%2By", "x+y"),
    ],
)
def test_code_or_redirect_is_accepted(pasted: str, code: str) -> None:
    assert code_from(pasted, "s-12345678") == code


def test_a_redirect_of_another_login_is_refused() -> None:
    with pytest.raises(CellsAuthError, match="state mismatch"):
        code_from("http://localhost:3000/servers/callback?code=abc&state=other-state", "s-1")


def test_nothing_pasted_is_refused() -> None:
    with pytest.raises(CellsAuthError, match="no authorization code"):
        code_from("", "s-1")
