"""Nothing personal in logs or error messages, whatever the log level."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from cspdesk.logs import configure_logging, safe_crash_report
from cspdesk.services.access import auth
from cspdesk.services.referrals.cases import CaseQuery, CaseService
from cspdesk.services.database.workspace import close_workspace
from cspdesk.storage.models import Person

PASSWORD = "correct horse battery"


@pytest.fixture
def debug_log(tmp_path: Path):  # noqa: ANN201
    """The application's own log set to DEBUG, as it would be when someone chases a problem."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    path = configure_logging(tmp_path / "logs", logging.DEBUG)
    yield path
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def test_debug_logs_and_database_errors_carry_no_personal_data(
    tmp_path: Path, debug_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSPDESK_FAST_KDF", "1")
    monkeypatch.setattr(auth, "FAILED_DELAY_STEP", 0.0)
    logging.getLogger("cspdesk.test").debug("log started")
    created, _ = auth.create_demo_database(tmp_path / "d.db", password=PASSWORD)
    close_workspace(created.ctx)
    ctx = auth.sign_in(tmp_path / "d.db", "coord", PASSWORD)
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(tmp_path / "d.db", "coord", "my secret guess")

    service = CaseService(ctx)
    rows = service.case_rows(service.case_ids(CaseQuery())[:30])
    names = {r.subject for r in rows if r.subject_kind.value == "person"}
    assert len(names) > 5
    searched = next(iter(names))
    service.search(searched)
    detail = service.get_case(rows[0].id)

    # A statement that fails with personal values in it: the message must not repeat them.
    with pytest.raises(IntegrityError) as err:
        with ctx.unit_of_work() as s:
            s.add(Person(given_name="Zebedee", family_name="Quarrington-Smythe", given_norm="zebedee",
                         family_norm=None, created_at=ctx.now()))
    message = str(err.value)
    assert "Zebedee" not in message and "Quarrington" not in message
    report = safe_crash_report(err.value)
    assert "IntegrityError" in report and "test_privacy.py" in report
    assert "Zebedee" not in report and "NOT NULL" not in report

    logged = debug_log.read_text(encoding="utf-8")
    assert "log started" in logged
    for name in names | {p.name for p in detail.people}:
        for part in name.split():
            if len(part) > 3:
                assert part not in logged, part
    assert "Zebedee" not in logged
    assert "my secret guess" not in logged and PASSWORD not in logged
    close_workspace(ctx)
