"""Migration 0003_referrals: phonetic name keys added and filled for the people already held."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from constants import TEST_KEY
from cspdesk.storage.engine import open_store
from cspdesk.storage.migrate import HEAD_REVISION, alembic_config, current_revision, upgrade_to_head


def test_0003_fills_the_keys_of_people_already_held_and_goes_back(db_path: Path) -> None:
    store = open_store(db_path, key=TEST_KEY)
    try:
        with store.engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0002_security")
        assert current_revision(store.engine) == "0002_security"
        with store.engine.begin() as conn:
            conn.execute(text("INSERT INTO person (id, given_name, family_name, given_norm, family_norm, gender, "
                              "address, postcode, phone, safe_times, contact_notes, ethnicity, language, "
                              "interpreter_needed, created_at) VALUES (1, 'Kathryn Jane', 'Smyth', 'kathryn jane', "
                              "'smyth', '', '', '', '', '', '', '', '', 0, '2026-01-01 00:00:00')"))
            conn.execute(text("INSERT INTO person_alias (id, person_id, alias, alias_norm) "
                              "VALUES (1, 1, 'Kathryn Thompson', 'kathryn thompson')"))
        assert upgrade_to_head(store.engine) is True
        assert current_revision(store.engine) == HEAD_REVISION
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT given_key, family_key FROM person")).one() == ("KTRN", "SMT")
            assert conn.execute(text("SELECT alias_key FROM person_alias")).scalar() == "TMPSN"  # Thompson
            indexes = {r[1] for r in conn.execute(text("PRAGMA index_list('person')"))}
        assert {"ix_person_family_key", "ix_person_given_key_date_of_birth"} <= indexes
    finally:
        store.dispose()
