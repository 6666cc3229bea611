"""The Reports page: a panel's return for a period as a dashboard, matching what the service builds,
and its preview and exports."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from sqlalchemy import select

from cspdesk.domain.enums import AuditKind
from cspdesk.services.audit.audit import AuditQuery, AuditService
from cspdesk.services.papers.returns import ReturnService, between, quarter
from cspdesk.storage import models as m
from cspdesk_gui.main_window import Section
from cspdesk_gui.models.return_section import ReturnColumn
from cspdesk_gui.pages.reports import ReportsPage, last_complete_quarter, quarters_before
from cspdesk_gui.printing.preview import PreviewDialog


def _page(qtbot, ctx) -> ReportsPage:  # noqa: ANN001
    page = ReportsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1100, 900)
    with qtbot.waitSignal(page.dashboard_shown, timeout=30_000):
        page.show()
    return page


def _shown_figures(page: ReportsPage) -> dict[str, str]:
    return {name: label.text() for name, label in page.figure_labels.items()}


def _expected_figures(ctx, panel_id: int, period, suppress: bool = False) -> dict[str, str]:  # noqa: ANN001
    data = ReturnService(ctx).build(panel_id, period, suppress_small=suppress)
    return {m.name: data.value(m) for m in data.sections[0].measures}


def _choose(page: ReportsPage, qtbot, action) -> object:  # noqa: ANN001
    with qtbot.waitSignal(page.dashboard_shown, timeout=30_000) as shown:
        action()
    return shown.args[0]


def test_the_quarter_picker_starts_at_the_last_complete_quarter():
    assert last_complete_quarter(date(2026, 11, 2)) == "2026Q3"
    assert last_complete_quarter(date(2026, 2, 14)) == "2025Q4"
    assert quarters_before("2026Q2", 4) == ["2026Q2", "2026Q1", "2025Q4", "2025Q3"]


def test_the_marac_figures_match_the_return_and_follow_the_quarter(qtbot, qtmodeltester, demo_ctx):
    page = _page(qtbot, demo_ctx)
    marac = ReturnService(demo_ctx).panel_id_by_name("Swale MARAC")
    assert page.panel_id() == marac  # MARAC first
    assert page.quarter_combo.currentData() == "2026Q3"  # DEMO_TODAY is in Q4
    q3 = _expected_figures(demo_ctx, marac, quarter("2026Q3"))
    assert _shown_figures(page) == q3
    assert int(q3["Cases discussed"]) > 0

    # Every section is a table with the return's rows, as the return shows them.
    data = page.dashboard.data
    assert [mdl.section.title for mdl in page.section_models] == [s.title for s in data.sections if s.measures]
    for model, section in zip(page.section_models, data.sections, strict=False):
        qtmodeltester.check(model)
        assert model.rowCount() == len(section.measures)
        for row, measure in enumerate(section.measures):
            assert model.index(row, ReturnColumn.NAME).data() == measure.name
            assert model.index(row, ReturnColumn.COUNT).data() == data.value(measure)
            assert model.index(row, ReturnColumn.PERCENT).data() == data.shown_percent(measure)
    # The charts are drawn in the app, one per chart of the return.
    assert len(page.chart_views) == len(page.dashboard.charts) == 2
    assert all(view.renderer().isValid() for view in page.chart_views)

    # Another quarter: the figures are those of that quarter.
    _choose(page, qtbot, lambda: page.set_quarter("2026Q2"))
    q2 = _expected_figures(demo_ctx, marac, quarter("2026Q2"))
    assert _shown_figures(page) == q2
    assert q2 != q3

    # Dates instead of a quarter.
    period = between(date(2026, 7, 1), date(2026, 8, 31))
    _choose(page, qtbot, lambda: page.set_dates(period.start, period.end))
    assert _shown_figures(page) == _expected_figures(demo_ctx, marac, period)
    assert not page.quarter_combo.isEnabled()


def test_switching_panel_and_small_numbers_updates_the_dashboard(qtbot, demo_ctx):
    page = _page(qtbot, demo_ctx)
    csvg = ReturnService(demo_ctx).panel_id_by_name("Maidstone CSVG")
    board = _choose(page, qtbot, lambda: page.set_panel(csvg))
    assert board.data.panel == "Maidstone CSVG"
    assert _shown_figures(page) == _expected_figures(demo_ctx, csvg, quarter("2026Q3"))
    assert "Referrals received" in page.figure_labels

    marac = ReturnService(demo_ctx).panel_id_by_name("Swale MARAC")
    _choose(page, qtbot, lambda: page.set_panel(marac))
    board = _choose(page, qtbot, lambda: page.suppress_box.setChecked(True))
    assert board.data.suppress_small
    agencies = next(mdl for mdl in page.section_models if mdl.section.title == "Referrals by agency")
    counts = [agencies.index(r, ReturnColumn.COUNT).data() for r in range(agencies.rowCount())]
    assert "<5" in counts  # the demo quarter has agencies with one or two referrals
    assert all(c == "<5" or int(c.replace(",", "")) >= 5 for c in counts)


def test_a_quarter_without_meetings_says_so(qtbot, demo_ctx):
    page = _page(qtbot, demo_ctx)
    board = _choose(page, qtbot, lambda: page.set_quarter("2024Q1"))
    assert board.data.meeting_dates == ()
    texts = [w.text() for w in page.dashboard_widget.findChildren(type(page.status_label))]
    assert any(t.startswith("No meetings of Swale MARAC were held in 2024 Q1") and "Choose another quarter" in t
               for t in texts)  # other quarters have meetings: worth saying
    assert page.figure_labels == {} and page.chart_views == []
    # Nothing to print or export; a quarter with meetings brings the buttons back.
    buttons = (page.preview_button, page.csv_button, page.xlsx_button)
    assert not any(b.isEnabled() for b in buttons)
    _choose(page, qtbot, lambda: page.set_quarter(last_complete_quarter(date.today())))
    assert all(b.isEnabled() for b in buttons)


def test_a_new_partnership_has_nothing_to_report_yet(qtbot, tmp_path):
    """No quarter of a new panel has anything in it: say so, not "choose another quarter"."""
    from cspdesk.services.access.auth import create_database
    from cspdesk.services.partnership.starter import BUILT_IN_PANELS
    from cspdesk.services.database.workspace import close_workspace

    created = create_database(tmp_path / "new.db", admin_username="admin", admin_name="Ada",
                              password="a long enough password 1", partnership_name="Safer Testshire",
                              panels=BUILT_IN_PANELS[:2])
    page = _page(qtbot, created.ctx)
    texts = [w.text() for w in page.dashboard_widget.findChildren(type(page.status_label))]
    assert ("Nothing to report yet: the return counts cases referred and meetings held in the quarter, "
            f"and {page.panel_name()} has had none so far.") in texts
    assert not any("Choose another" in t for t in texts)
    assert not any(b.isEnabled() for b in (page.preview_button, page.csv_button, page.xlsx_button))
    page.close()
    close_workspace(created.ctx)


def test_a_partnership_without_its_population_is_told_why_the_rate_is_missing(qtbot, demo_ctx):
    with demo_ctx.unit_of_work() as s:
        for partnership in s.scalars(select(m.Partnership)).all():
            partnership.population_adult_women = None
    page = _page(qtbot, demo_ctx)
    assert page.figure_labels["Cases per 10,000 adult women"].text() == "Population not set"
    assert [n.text() for n in page.notices] == [
        "Cases per 10,000 adult women cannot be worked out: the partnership's adult female population is not set."
    ]


def _previewed(qtbot, page: ReportsPage, button, title: str) -> None:  # noqa: ANN001
    """Click ``button``; the preview opens, draws its pages under ``title``, and is closed."""
    with qtbot.waitSignal(page.preview_opened, timeout=5000) as opened:
        button.click()
    dialog = opened.args[0]
    assert isinstance(dialog, PreviewDialog)
    with qtbot.waitSignal(dialog.pages_drawn, timeout=30_000):
        pass
    assert dialog.windowTitle() == f"Print preview — {title}"
    dialog.close()


def test_preview_and_export_from_the_page(qtbot, demo_ctx, tmp_path):
    page = _page(qtbot, demo_ctx)
    marac = page.panel_id()
    _previewed(qtbot, page, page.preview_button, "Data return: Swale MARAC, 2026 Q3")

    exports = AuditService(demo_ctx)
    query = AuditQuery(kinds=frozenset({AuditKind.EXPORT}), entity="panel", entity_id=marac)
    before = len(exports.event_ids(query))
    assert page.suggested_export_path(".xlsx").name == "Data return - Swale MARAC - 2026 Q3.xlsx"
    for name in ("return.csv", "return.xlsx"):
        with qtbot.waitSignal(page.exported, timeout=30_000):
            page.export_to(tmp_path / name)
        assert (tmp_path / name).stat().st_size > 0
    assert "Swale MARAC" in (tmp_path / "return.csv").read_text(encoding="utf-8-sig")
    assert len(exports.event_ids(query)) == before + 2

    # "Export CSV…" asks where, suggesting a name, and writes there.
    from PySide6.QtWidgets import QFileDialog

    page.csv_button.click()
    chooser = page.findChild(QFileDialog)
    assert chooser is not None and chooser.isVisible()
    assert chooser.selectedFiles()[0].endswith("Data return - Swale MARAC - 2026 Q3.csv")
    with qtbot.waitSignal(page.exported, timeout=30_000) as exported:
        chooser.selectFile(str(tmp_path / "chosen.csv"))
        chooser.accept()
    assert exported.args == [str(tmp_path / "chosen.csv")]
    assert len(exports.event_ids(query)) == before + 3


def test_the_window_shows_the_reports_page(qtbot, make_window, demo_ctx):
    window = make_window(demo_ctx)
    with qtbot.waitSignal(window.page(Section.REPORTS).dashboard_shown, timeout=30_000):
        window.show_section(Section.REPORTS)
    page = window.page(Section.REPORTS)
    assert isinstance(page, ReportsPage)
    assert page.preview_button.isEnabled()
    assert page.figure_labels["Cases discussed"].text() == _expected_figures(
        demo_ctx, page.panel_id(), quarter("2026Q3"))["Cases discussed"]
    # Ctrl+P on the page opens the return's print preview.
    with qtbot.waitSignal(page.preview_opened, timeout=5000) as opened:
        qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    preview = opened.args[0]
    with qtbot.waitSignal(preview.pages_drawn, timeout=30_000):
        pass
    preview.close()


def test_no_panels_says_so(qtbot, ctx):
    page = ReportsPage(ctx)
    qtbot.addWidget(page)
    page.show()
    assert page.no_panels.isVisible() and not page.controls.isVisible()
    assert page.no_panels.text() == "There are no panels yet, so there are no figures to show."
    assert page.no_panels.alignment() & Qt.AlignmentFlag.AlignCenter


def test_typing_dates_updates_the_figures_once_the_typing_pauses(qtbot, demo_ctx):
    page = _page(qtbot, demo_ctx)
    page.by_dates.setChecked(True)
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=30_000)
    marac = page.panel_id()
    with qtbot.waitSignal(page.dashboard_shown, timeout=30_000) as shown:
        page.from_date.setDate(page.from_date.date().addMonths(-3))  # 1 Apr 2026
    assert shown.args[0].data.period.start == date(2026, 4, 1)
    assert _shown_figures(page) == _expected_figures(demo_ctx, marac, between(date(2026, 4, 1), date(2026, 9, 30)))

    # Dates the wrong way round: said plainly, and nothing to print or export.
    with qtbot.waitSignal(page.dashboard_widget.destroyed, timeout=30_000):
        page.to_date.setDate(page.from_date.date().addDays(-1))
    texts = [w.text() for w in page.dashboard_widget.findChildren(type(page.status_label))]
    assert "The period ends before it starts." in " ".join(texts)
    assert not page.preview_button.isEnabled()


def test_the_quality_report_opens_from_the_page_for_a_marac(qtbot, demo_ctx):
    """Issue 19: "Quality report…" previews the chosen MARAC's report for the period shown."""
    page = _page(qtbot, demo_ctx)
    assert page.quality_button.isEnabled()
    _previewed(qtbot, page, page.quality_button, "Quality report: Swale MARAC, 2026 Q3")
    other = next(r.id for r in page.panels if r.panel_type.value != "marac")
    with qtbot.waitSignal(page.dashboard_shown, timeout=30_000):
        page.set_panel(other)
    assert not page.quality_button.isEnabled()
