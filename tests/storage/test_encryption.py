"""The store is encrypted at rest: real SQLCipher files, read back by plain sqlite3 and by bytes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from constants import TEST_KEY
from cspdesk.services.partnership.partnership import PartnershipService
from cspdesk.services.database.workspace import OpenFailed, close_workspace, open_workspace
from cspdesk.storage.engine import StoreOpenError, open_store


def test_plain_sqlite_cannot_read_the_file(db_path: Path) -> None:
    ctx = open_workspace(db_path, key=TEST_KEY)
    PartnershipService(ctx).set_up("Safer Testshire Partnership")
    close_workspace(ctx)
    con = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        con.execute("SELECT name FROM sqlite_master").fetchall()
    con.close()


def test_no_plaintext_in_the_file_or_its_wal(db_path: Path) -> None:
    ctx = open_workspace(db_path, key=TEST_KEY)
    PartnershipService(ctx).set_up("Quixotically Named Partnership")
    # Leave the write in the WAL (no checkpoint) and look at both files while open.
    wal = db_path.with_name(db_path.name + "-wal")
    for path in (db_path, wal):
        if path.exists():
            data = path.read_bytes()
            assert b"Quixotically" not in data
            assert b"CREATE TABLE" not in data
    close_workspace(ctx)
    assert b"Quixotically" not in db_path.read_bytes()


def test_demo_names_are_nowhere_in_the_file(demo_db: Path) -> None:
    from cspdesk.services.referrals.cases import CaseService

    ctx = open_workspace(demo_db, key=TEST_KEY)
    names = {row.subject for row in CaseService(ctx).search("a", limit=40)}
    names |= {r.subject for r in CaseService(ctx).case_rows(CaseService(ctx).case_ids()[:40])}
    close_workspace(ctx)
    assert len(names) >= 20
    data = demo_db.read_bytes()
    for name in names:
        for part in name.split():
            if len(part) >= 5:
                assert part.encode() not in data, part


def test_a_wrong_key_gives_a_plain_message(db_path: Path) -> None:
    open_store(db_path, key=TEST_KEY).dispose()
    with pytest.raises(StoreOpenError, match="not a CSPDesk database, or the key for it is not the right one"):
        open_store(db_path, key=bytes(32))


def test_a_file_that_is_not_a_database_gives_a_plain_message(tmp_path: Path) -> None:
    bogus = tmp_path / "minutes.docx"
    bogus.write_bytes(b"PK\x03\x04 definitely a Word document" * 100)
    with pytest.raises(OpenFailed, match="not a CSPDesk database"):
        open_workspace(bogus, key=TEST_KEY)


def test_a_file_is_never_opened_without_a_key(db_path: Path) -> None:
    with pytest.raises(OpenFailed, match="opened by signing in"):
        open_workspace(db_path)
    assert not db_path.exists()


def test_foreign_keys_and_wal_are_on(db_path: Path) -> None:
    store = open_store(db_path, key=TEST_KEY)
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    store.dispose()


def test_a_missing_file_is_not_created_when_asked_not_to(tmp_path: Path) -> None:
    with pytest.raises(OpenFailed, match="There is no database"):
        open_workspace(tmp_path / "nope.db", key=TEST_KEY, create=False)
    assert not (tmp_path / "nope.db").exists()
