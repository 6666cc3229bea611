"""Importing a referral log with a child's own-right columns (issue 19): "Child's school",
"Encompass notified", "CSC status" and the rest fill the child's details; a status the app does
not know is the row's problem, naming the column."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from core.referral_setup import intake  # noqa: F401 - the fixture
from cspdesk.domain.children import ChildDetails, CscStatus
from cspdesk.services.records_io.referral_import import import_referrals
from cspdesk.services.referrals.children import ChildrenService

HEADER = ["Referral Date", "Referring Agency", "given_name", "FAMILY NAME", "date of birth", "consent_given",
          "Child's name", "Child's date of birth", "Child's school", "Encompass notified", "Encompass date",
          "Encompass notified by", "CSC status", "child2_name", "child2_school", "child2_csc_status",
          "professional_judgement", "professional_judgement_reason"]


def _log(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _row(csc: str = "CIN") -> list[str]:
    return ["01/06/2026", "POL", "Sarah", "Smith", "01/05/1990", "Yes",
            "Pip Smith", "03/05/2019", "Testtown Primary", "Yes", "02/06/2026", "Police", csc,
            "Tam Smith", "not in education", "LAC", "Yes", "Escalating."]


def test_a_log_fills_each_childs_details(intake, tmp_path) -> None:  # noqa: F811
    report = import_referrals(intake.ctx, _log(tmp_path / "log.csv", [_row()]), intake.marac,
                              good_rows_only=False).value
    assert report.problems == (), report.lines()
    (case_id,) = [r.case_id for r in report.imported]
    children = {c.name: c.details for c in ChildrenService(intake.ctx).children(case_id)}
    assert children == {
        "Pip Smith": ChildDetails(education_setting="Testtown Primary", encompass_notified=True,
                                  encompass_on=date(2026, 6, 2), encompass_by="Police",
                                  csc_status=CscStatus.CHILD_IN_NEED),
        "Tam Smith": ChildDetails(not_in_education=True, csc_status=CscStatus.LOOKED_AFTER),
    }


def test_an_unknown_status_is_the_rows_problem_naming_the_column(intake, tmp_path) -> None:  # noqa: F811
    report = import_referrals(intake.ctx, _log(tmp_path / "log.csv", [_row("maybe")]), intake.marac,
                              good_rows_only=False).value
    assert report.imported == ()
    assert any("CSC status" in line or "csc_status" in line for line in report.lines()), report.lines()


def test_a_long_log_keeps_each_childs_details_too(intake, tmp_path) -> None:  # noqa: F811
    """From 500 good rows the import writes in bulk; a row whose children carry their own-right
    details is written by the form's save, so nothing of them is dropped on a long log."""
    rows = []
    for n in range(520):
        row = _row(csc="CP" if n % 2 else "CIN")
        row[2], row[3], row[6] = f"Given{n}", f"Family{n}", f"Pip Family{n}"
        rows.append(row)
    report = import_referrals(intake.ctx, _log(tmp_path / "long.csv", rows), intake.marac,
                              good_rows_only=False).value
    assert report.problems == () and len(report.imported) == 520, report.lines()[:5]
    service = ChildrenService(intake.ctx)
    for written in (report.imported[0], report.imported[-1]):
        details = {c.name: c.details for c in service.children(written.case_id)}
        pip = next(d for name, d in details.items() if name.startswith("Pip"))
        assert pip.encompass_notified is True and pip.csc_status in (CscStatus.CHILD_IN_NEED,
                                                                     CscStatus.CHILD_PROTECTION)
        assert details["Tam Smith"] == ChildDetails(not_in_education=True, csc_status=CscStatus.LOOKED_AFTER)
