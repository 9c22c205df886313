"""Errors at the database boundary become LegacyError, with the password hidden."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from migrate.errors import LegacyError, LegacyFormatError
from migrate.legacy.sql import read_inventory_sql

pytestmark = pytest.mark.integration


def test_unreachable_server_hides_the_password() -> None:
    url = "mysql+pymysql://pydio:Sup3r-Secret@127.0.0.1:1/pydio?connect_timeout=2"
    with pytest.raises(LegacyError) as caught:
        read_inventory_sql(url)
    text = str(caught.value)
    assert "Sup3r-Secret" not in text
    assert "pydio:***@127.0.0.1:1/pydio" in text
    assert "Check the URL" in text
    assert isinstance(caught.value.__cause__, sa.exc.OperationalError)


def test_wrong_password_on_a_real_server_hides_it() -> None:
    url = "postgresql+psycopg://nobody:Wr0ng-Pass@127.0.0.1:5432/test?connect_timeout=3"
    with pytest.raises(LegacyError) as caught:  # role "nobody" does not exist
        read_inventory_sql(url)
    assert "Wr0ng-Pass" not in str(caught.value)
    assert "nobody:***@" in str(caught.value)


def test_a_database_without_pydio_tables(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE unrelated (id INTEGER)")
    engine.dispose()
    with pytest.raises(LegacyFormatError, match=r"no conf\.sql tables"):
        read_inventory_sql(f"sqlite:///{db}")


def test_an_invalid_url() -> None:
    with pytest.raises(LegacyError, match="invalid legacy database URL"):
        read_inventory_sql("nosuchdriver://u:pw@host/db")


def test_a_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    with pytest.raises(LegacyError, match="does not exist"):
        read_inventory_sql(f"sqlite:///{missing}")
    assert not missing.exists()
