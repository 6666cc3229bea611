"""Importing referrals from the window: the check off the GUI thread, the report naming each bad
row, then the good rows imported — or nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cspdesk.domain.enums import PanelType
from cspdesk.services.referrals.cases import CaseQuery, CaseService
from cspdesk.services.partnership.panels import PanelService
from cspdesk_gui.main_window import Section
from cspdesk_gui.referrals.import_dialog import ImportDialog

TEMPLATE = Path(__file__).resolve().parents[2] / "cspdesk" / "resources" / "templates" / "referrals-marac.csv"


def _file(tmp_path: Path) -> Path:
    """Three referrals: rows 2 and 4 good, row 3 with a referral date that is not a date."""
    with TEMPLATE.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        sample = next(reader)
    rows = []
    for given, family, referred in (("Imogen", "Importwell", "14/05/2026"), ("Bad", "Row", "31/02/2026"),
                                    ("Juno", "Importwell", "20/05/2026")):
        row = dict(sample, given_name=given, family_name=family, referral_date=referred, dash_date=referred,
                   referring_agency="Kent Police",
                   aliases="", perpetrator_given_name="", perpetrator_family_name="",
                   perpetrator_date_of_birth="", perpetrator_relationship="", child1_name="",
                   child1_date_of_birth="", child1_relationship_to_victim="", child1_relationship_to_perpetrator="",
                   child1_school="")
        rows.append(row)
    path = tmp_path / "referrals.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _marac(ctx) -> int:  # noqa: ANN001
    return next(p.id for p in PanelService(ctx).list_panels() if p.panel_type == PanelType.MARAC)


def _count(ctx) -> int:  # noqa: ANN001
    return len(CaseService(ctx).case_ids(CaseQuery(statuses=None)))


def _open(qtbot, make_window, ctx, path: Path) -> tuple:  # noqa: ANN001
    window = make_window(ctx)
    window.show_section(Section.CASES)
    cases = window.page(Section.CASES)
    cases.show_panel(_marac(ctx))
    with qtbot.waitSignal(cases.import_dialog_opened, timeout=3000) as opened:
        cases.import_referrals()
    dialog = opened.args[0]
    assert isinstance(dialog, ImportDialog)
    assert dialog.panel_id() == _marac(ctx)
    dialog.progress_seen = []
    shown = dialog._progressed
    dialog._progressed = lambda percent, message: (dialog.progress_seen.append((percent, message)),
                                                   shown(percent, message))
    with qtbot.waitSignal(dialog.checked, timeout=30_000) as checked:
        dialog.choose_file(path)
        assert dialog.progress.isVisible()  # the work runs on its own thread; the window stays live
    return window, cases, dialog, checked.args[0]


def test_a_bad_row_is_reported_by_number_and_the_good_rows_imported(qtbot, make_window, demo_ctx, tmp_path):
    path = _file(tmp_path)
    before = _count(demo_ctx)
    window, cases, dialog, report = _open(qtbot, make_window, demo_ctx, path)
    # The check wrote nothing, and reported its progress as it went.
    assert _count(demo_ctx) == before
    assert dialog.progress_seen and dialog.progress_seen[-1][1] == "Checking the rows…"
    assert not dialog.progress.isVisible()
    assert report.bad_rows == (3,)
    assert report.good_rows == 2
    assert "row 3" in dialog.summary.text()
    lines = [dialog.report_model.line(r) for r in range(dialog.report_model.rowCount())]
    problems = [line for line in lines if line[3]]
    assert problems and all(line[0] == 3 for line in problems)
    assert any(line[1] == "referral_date" for line in problems)
    assert dialog.report_model.index(0, 0).data() == "3"
    assert dialog.report_table.isVisibleTo(dialog)
    assert dialog.import_button.text() == "&Import the 2 good rows"
    assert dialog.import_button.isEnabled()

    with qtbot.waitSignal(dialog.finished_import, timeout=30_000) as done:
        dialog.import_button.click()
    final = done.args[0]
    assert final.committed
    assert [r.row for r in final.imported] == [2, 4]
    assert _count(demo_ctx) == before + 2
    assert not dialog.import_button.isEnabled()
    assert dialog.summary.text().startswith("Imported 2 of 3 rows")
    # The list beside it shows them.
    cases.set_search_text("Importwell")
    qtbot.waitUntil(lambda: cases.model.query.text == "Importwell" and cases.model.rowCount() == 2, timeout=3000)


def test_import_nothing_leaves_the_database_as_it_was(qtbot, make_window, demo_ctx, tmp_path):
    path = _file(tmp_path)
    before = _count(demo_ctx)
    _window, _cases, dialog, report = _open(qtbot, make_window, demo_ctx, path)
    assert report.bad_rows == (3,)
    dialog.nothing_button.click()
    assert not dialog.isVisible()
    assert _count(demo_ctx) == before
    assert not CaseService(demo_ctx).case_ids(CaseQuery(statuses=None, text="Importwell"))


def test_a_file_that_is_not_a_table_is_said_in_words(qtbot, make_window, demo_ctx, tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("just some words\n", encoding="utf-8")
    window = make_window(demo_ctx)
    cases = window.page(Section.CASES)
    cases.show_panel(_marac(demo_ctx))
    dialog = cases.import_referrals()
    with qtbot.waitSignal(dialog.failed, timeout=30_000) as failed:
        dialog.choose_file(path)
    assert failed.args[0]
    assert dialog.error.isVisibleTo(dialog)
    assert not dialog.import_button.isEnabled()
    dialog.close()


@pytest.mark.parametrize("missing", ["", "panel"])
def test_the_dialog_asks_for_what_is_missing(qtbot, demo_ctx, missing):
    panels = [] if missing == "panel" else [p for p in PanelService(demo_ctx).list_panels()]
    dialog = ImportDialog(demo_ctx, panels)
    qtbot.addWidget(dialog)
    dialog.path_edit.setText("" if missing == "" else "x.csv")
    dialog.check()
    assert dialog.error.text() == ("Choose the file to import." if missing == "" else
                                   "Choose the panel the referrals are for.")


def test_a_heading_not_recognised_is_given_its_field_in_the_dialog(qtbot, make_window, demo_ctx, tmp_path):
    """Issue 17: a column neither recognised nor mapped is shown, and choosing its field reads it."""
    from PySide6.QtWidgets import QComboBox

    path = tmp_path / "log.csv"
    path.write_text("Date of referral,Victim name,Worker,Consent given?\n"
                    "01/02/2026,Amy Columnwell,PC Example,Yes\n", encoding="utf-8")
    _window, _cases, dialog, report = _open(qtbot, make_window, demo_ctx, path)
    assert report.ignored_columns == ("Worker", "Consent given?")
    assert dialog.columns_box.isVisibleTo(dialog)
    worker = dialog.findChild(QComboBox, "importColumn:Worker")
    assert worker is not None and worker.currentData() is None
    with qtbot.waitSignal(dialog.checked, timeout=30_000) as checked:
        worker.setCurrentIndex(worker.findData("referrer_name"))
    assert checked.args[0].ignored_columns == ("Consent given?",)
    consent = dialog.findChild(QComboBox, "importColumn:Consent given?")
    with qtbot.waitSignal(dialog.checked, timeout=30_000) as checked:
        consent.setCurrentIndex(consent.findData("consent_given"))
    final_check = checked.args[0]
    assert final_check.ignored_columns == () and not final_check.problems, final_check.lines()
    # The columns chosen stay in view (to change a choice), each showing its field.
    assert dialog.findChild(QComboBox, "importColumn:Worker").currentData() == "referrer_name"
    with qtbot.waitSignal(dialog.finished_import, timeout=30_000) as done:
        dialog.import_button.click()
    assert done.args[0].committed
    assert CaseService(demo_ctx).case_ids(CaseQuery(statuses=None, text="Columnwell"))


def test_a_log_with_no_heading_recognised_is_mapped_from_the_dialog_and_remembered(qtbot, make_window, demo_ctx,
                                                                                   tmp_path):
    """Issue 17: not even the date or the victim's name is recognised. The dialog says which
    fields are missing and offers a field for every heading; once mapped, the file imports, and
    the choices are remembered for the panel (as ``--map`` is)."""
    from PySide6.QtWidgets import QComboBox

    path = tmp_path / "own-headings.csv"
    path.write_text("Ref Dt,V Name,Agcy,Cnsnt\n"
                    "01/10/2026,Amy Ownheading,Kent Police,Yes\n"
                    "03/10/2026,Bea Ownheading,Kent Police,Yes\n", encoding="utf-8")
    window = make_window(demo_ctx)
    window.show_section(Section.CASES)
    cases = window.page(Section.CASES)
    cases.show_panel(_marac(demo_ctx))
    before = _count(demo_ctx)
    dialog = cases.import_referrals()
    with qtbot.waitSignal(dialog.failed, timeout=30_000) as failed:
        dialog.choose_file(path)
    assert "no column referral_date, family_name" in failed.args[0]
    assert dialog.columns_box.isVisibleTo(dialog)
    combos = {h: dialog.findChild(QComboBox, f"importColumn:{h}") for h in ("Ref Dt", "V Name", "Agcy", "Cnsnt")}
    assert all(c is not None and c.currentData() is None for c in combos.values())

    def choose(heading: str, field: str, signal):  # noqa: ANN001, ANN202
        combo = dialog.findChild(QComboBox, f"importColumn:{heading}")
        with qtbot.waitSignal(signal, timeout=30_000) as blocker:
            combo.setCurrentIndex(combo.findData(field))
        return blocker.args[0]

    still = choose("Ref Dt", "referral_date", dialog.failed)
    assert "no column family_name" in still and "referral_date" not in still
    report = choose("V Name", "victim_name", dialog.checked)
    assert set(report.ignored_columns) == {"Agcy", "Cnsnt"}
    choose("Agcy", "referring_agency", dialog.checked)
    report = choose("Cnsnt", "consent_given", dialog.checked)
    assert report.ignored_columns == () and report.problems == () and report.good_rows == 2, report.lines()
    assert not dialog.error.isVisibleTo(dialog)
    with qtbot.waitSignal(dialog.finished_import, timeout=30_000) as done:
        dialog.import_button.click()
    assert done.args[0].committed and _count(demo_ctx) == before + 2
    assert CaseService(demo_ctx).case_ids(CaseQuery(statuses=None, text="Ownheading"))
    dialog.close()

    # The next file with the same headings, to the same panel, is read without choosing again.
    again = tmp_path / "own-headings-2.csv"
    again.write_text("Ref Dt,V Name,Agcy,Cnsnt\n02/10/2026,Cat Ownheading,Kent Police,Yes\n", encoding="utf-8")
    second = cases.import_referrals()
    with qtbot.waitSignal(second.checked, timeout=30_000) as checked:
        second.choose_file(again)
    assert checked.args[0].ignored_columns == () and checked.args[0].good_rows == 1, checked.args[0].lines()
    second.close()
