"""Print preview, printing and Save as PDF, on real PDFs built from the demo partnership.

Nothing is exec()'d: the dialogs are shown, and the printer and the file name are handed to
``print_to`` / ``save_to`` as the system dialogs would hand them over.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QPageSize
from PySide6.QtPrintSupport import QPrinter

from cspdesk.domain.enums import AuditKind
from cspdesk.services.audit.audit import AuditQuery, AuditService
from cspdesk.services.referrals.cases import CaseService
from cspdesk.services.papers.returns import ReturnService, quarter
from cspdesk_gui.dialogs.case_view import CaseDialog
from cspdesk_gui.printing import preview as preview_module
from cspdesk_gui.printing.preview import Job, PreviewDialog
from cspdesk_gui.printing.sources import PrintSource, data_return_source

Q3 = "2026Q3"


def _pages(pdf: bytes | Path) -> int:
    return len(PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf).pages)


def _text(pdf: bytes | Path) -> str:
    reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
    return "\n".join(page.extract_text() for page in reader.pages)


def _audit(ctx, kind: AuditKind, entity: str, entity_id: int) -> list:  # noqa: ANN001
    service = AuditService(ctx)
    ids = service.event_ids(AuditQuery(kinds=frozenset({kind}), entity=entity, entity_id=entity_id))
    return service.event_rows(ids)


def _marac(ctx) -> int:  # noqa: ANN001
    return ReturnService(ctx).panel_id_by_name("Swale MARAC")


def _return_preview(qtbot, ctx) -> tuple[PreviewDialog, int]:  # noqa: ANN001
    panel_id = _marac(ctx)
    source = data_return_source(ctx, panel_id, "Swale MARAC", quarter(Q3), suppress_small=False)
    dialog = PreviewDialog(source)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.pages_drawn, timeout=30_000) as drawn:
        dialog.show()
    return dialog, drawn.args[0]


def _many_pages(pages: int) -> bytes:
    """A plain PDF of ``pages`` pages (for cancelling: long enough that a run cannot finish first)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, invariant=1)
    for n in range(1, pages + 1):
        c.drawString(72, 760, f"Page {n}")
        c.showPage()
    c.save()
    return out.getvalue()


def _counting_source(pdf: bytes, printed: list) -> PrintSource:
    return PrintSource(title="Long document", file_name="Long document.pdf", render=lambda: pdf,
                       save=lambda path: Path(path).write_bytes(pdf),
                       record_printed=lambda pages, printer: printed.append((pages, printer)))


def test_the_preview_draws_every_page_of_the_return(qtbot, demo_ctx):
    dialog, drawn = _return_preview(qtbot, demo_ctx)
    expected = _pages(dialog.pdf)
    assert expected >= 2  # the data return with its charts runs over a page
    assert len(dialog.page_labels()) == expected  # every page has its place
    # The page in view and the pages just after it are drawn: here, all of them.
    assert drawn == expected and dialog.drawn_pages() == list(range(1, expected + 1))
    assert all(not label.pixmap().isNull() for label in dialog.page_labels())
    assert dialog.page_count_label.text() == f"{expected} pages"
    assert dialog.zoom_label.text() == f"{dialog.zoom_percent()}%" and dialog.fit_button.isChecked()
    assert "Swale MARAC" in _text(dialog.pdf)
    # Each page is drawn at the zoom shown, A4-shaped.
    label = dialog.page_labels()[0]
    assert label.height() / label.width() == pytest.approx(297 / 210, rel=0.02)
    assert dialog.print_button.isEnabled() and dialog.save_button.isEnabled()


def test_zooming_draws_the_pages_again_larger(qtbot, demo_ctx):
    dialog, _ = _return_preview(qtbot, demo_ctx)
    before = dialog.page_labels()[0].width()
    percent = dialog.zoom_percent()
    with qtbot.waitSignal(dialog.pages_drawn, timeout=30_000):
        qtbot.keyClick(dialog, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert not dialog.fit_width
    assert dialog.zoom_percent() > percent
    assert dialog.page_labels()[0].width() > before
    assert dialog.zoom_label.text() == f"{dialog.zoom_percent()}%"
    with qtbot.waitSignal(dialog.pages_drawn, timeout=30_000):
        qtbot.keyClick(dialog, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert dialog.fit_width and dialog.fit_button.isChecked()
    assert dialog.page_labels()[0].width() == pytest.approx(before, abs=2)


def test_save_as_pdf_writes_the_file_and_records_it(qtbot, demo_ctx, tmp_path):
    dialog, drawn = _return_preview(qtbot, demo_ctx)
    panel_id = _marac(demo_ctx)
    before = _audit(demo_ctx, AuditKind.PRINT, "panel", panel_id)
    assert dialog.suggested_path().name == "Data return - Swale MARAC - 2026 Q3.pdf"
    target = tmp_path / "return.pdf"
    with qtbot.waitSignal(dialog.saved, timeout=30_000) as saved:
        dialog.save_to(target)
    assert saved.args == [str(target)]
    assert _pages(target) == drawn
    assert "Data return" in _text(target)
    after = _audit(demo_ctx, AuditKind.PRINT, "panel", panel_id)
    assert len(after) == len(before) + 1
    assert "return.pdf" in after[0].summary and "data_return" in after[0].summary
    assert str(target) in dialog.status_label.text()


def test_printing_to_a_pdf_printer_sends_every_page_and_records_it(qtbot, demo_ctx, tmp_path):
    dialog, drawn = _return_preview(qtbot, demo_ctx)
    panel_id = _marac(demo_ctx)
    before = _audit(demo_ctx, AuditKind.PRINT, "panel", panel_id)
    out = tmp_path / "printed.pdf"
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    with qtbot.waitSignal(dialog.printed, timeout=60_000) as printed:
        dialog.print_to(printer)
    assert printed.args == [drawn]
    assert _pages(out) == drawn
    after = _audit(demo_ctx, AuditKind.PRINT, "panel", panel_id)
    assert len(after) == len(before) + 1
    assert '"pages":%d' % drawn in after[0].summary.replace(" ", "")
    assert "printed.pdf" in after[0].summary
    assert dialog.status_label.text() == f"Printed {drawn} pages."


def _shown_long(qtbot, pages: int, printed: list | None = None) -> PreviewDialog:  # noqa: ANN001
    dialog = PreviewDialog(_counting_source(_many_pages(pages), [] if printed is None else printed))
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.pages_drawn, timeout=60_000):
        dialog.show()
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=30_000)
    return dialog


def test_only_the_pages_in_view_are_drawn_and_scrolling_draws_more(qtbot, monkeypatch):
    monkeypatch.setattr(preview_module, "MAX_PAGES_KEPT", 4)
    dialog = _shown_long(qtbot, 120)
    assert len(dialog.page_labels()) == 120
    first = dialog.drawn_pages()
    assert first[0] == 1 and len(first) <= 1 + 2 * preview_module.PAGES_AROUND + 2
    bar = dialog.scroll.verticalScrollBar()
    with qtbot.waitSignal(dialog.pages_drawn, timeout=30_000):
        bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: 120 in dialog.drawn_pages(), timeout=30_000)
    # Pages far from view are let go: no more than MAX_PAGES_KEPT are held.
    assert 1 not in dialog.drawn_pages()
    assert len(dialog.drawn_pages()) <= preview_module.MAX_PAGES_KEPT
    assert dialog.page_labels()[0].pixmap().isNull()


def test_cancelling_the_drawing_stops_it(qtbot, monkeypatch):
    total = 400
    reported: list[str] = []
    real = preview_module.render_pages

    def counting(pdf, dpi, progress, **kwargs):  # noqa: ANN001, ANN003, ANN202
        def report(percent: int, message: str) -> None:
            reported.append(message)
            progress(percent, message)

        return real(pdf, dpi, report, **kwargs)

    monkeypatch.setattr(preview_module, "render_pages", counting)
    dialog = _shown_long(qtbot, total)
    drawn_before = dialog.drawn_pages()
    reported.clear()
    with qtbot.waitSignal(dialog.cancelled, timeout=60_000) as cancelled:
        dialog.draw_pages(list(range(1, total + 1)))  # a long drawing: every page
        assert dialog.job() == Job.DRAW
        dialog.cancel()
    assert cancelled.args == [Job.DRAW]
    # Stopped before the end: part-way at a page, or (the drawing queued behind the one database
    # thread's work: ui/operations.py) before its first page.
    assert len(reported) < total
    assert not dialog.busy()
    assert dialog.drawn_pages() == drawn_before  # what it drew before it was stopped is dropped
    assert dialog.status_label.text() == "Cancelled: some pages were not drawn. Scroll or zoom to draw them."
    # The PDF itself was built: it can still be printed, or drawn again.
    assert dialog.print_button.isEnabled()
    with qtbot.waitSignal(dialog.pages_drawn, timeout=60_000):
        dialog.zoom_in()
    assert dialog.drawn_pages()


def test_a_cancelled_print_sends_nothing_and_records_nothing(qtbot, tmp_path):
    printed: list = []
    dialog = _shown_long(qtbot, 300, printed)
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "cancelled.pdf"))
    with qtbot.waitSignal(dialog.cancelled, timeout=60_000) as cancelled:
        dialog.print_to(printer)
        assert dialog.job() == Job.PRINT
        dialog.cancel()
    assert cancelled.args == [Job.PRINT]
    assert printed == []
    assert dialog.status_label.text() == "Printing cancelled: nothing was sent to the printer."


def test_escape_cancels_first_then_closes(qtbot):
    dialog = _shown_long(qtbot, 300)
    dialog.draw_pages(list(range(1, 301)))
    with qtbot.waitSignal(dialog.cancelled, timeout=30_000):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_the_case_view_prints_its_summary_without_contact_details_at_first(qtbot, demo_ctx, tmp_path):
    case_id = CaseService(demo_ctx).case_ids()[0]
    case = CaseDialog.open_case(demo_ctx, case_id)
    qtbot.addWidget(case)
    with qtbot.waitExposed(case), qtbot.waitActive(case):
        case.show()
        case.activateWindow()
    assert case.print_button.isVisible()
    with qtbot.waitSignal(case.preview_opened, timeout=5000) as opened:
        qtbot.keyClick(case, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    dialog: PreviewDialog = opened.args[0]
    qtbot.waitUntil(lambda: dialog.drawn_pages() != [], timeout=30_000)
    assert case.print_summary() is dialog  # asked again, the open preview comes forward
    assert dialog.choice_box is not None and dialog.choice_box.isChecked()
    assert "leaves out addresses" in _text(dialog.pdf)
    reference = case.detail.row.reference
    assert dialog.suggested_path().name == f"Case summary - {reference} (without contact details).pdf"

    with qtbot.waitSignal(dialog.pages_drawn, timeout=30_000):
        dialog.choice_box.setChecked(False)
    assert "leaves out addresses" not in _text(dialog.pdf)
    assert dialog.zoom_label.text() == f"{dialog.zoom_percent()}%"
    assert dialog.windowTitle() == f"Print preview — Case summary: {reference}"

    before = _audit(demo_ctx, AuditKind.PRINT, "case", case_id)
    with qtbot.waitSignal(dialog.saved, timeout=30_000):
        dialog.save_to(tmp_path / "case.pdf")
    assert reference in _text(tmp_path / "case.pdf")
    after = _audit(demo_ctx, AuditKind.PRINT, "case", case_id)
    assert len(after) == len(before) + 1 and '"contact_details":true' in after[0].summary.replace(" ", "")
    dialog.close()


def test_closing_the_preview_while_it_draws_stops_the_drawing(qtbot):
    from PySide6.QtCore import QCoreApplication, QEvent
    from shiboken6 import isValid

    from cspdesk_gui.operations import running_ops as running_calls

    dialog = PreviewDialog(_counting_source(_many_pages(300), []))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    with qtbot.waitSignal(dialog.pages_drawn, timeout=60_000):
        dialog.show()
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=30_000)
    dialog.draw_pages(list(range(1, 301)))
    assert dialog.job() == Job.DRAW
    dialog.close()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not isValid(dialog)
    # The drawing stops at its next page; its end reaches no one (and nothing fails).
    qtbot.waitUntil(lambda: running_calls() == 0, timeout=10_000)


def test_print_and_save_open_the_system_dialogs_without_blocking(qtbot, demo_ctx, tmp_path):
    from PySide6.QtPrintSupport import QPrintDialog
    from PySide6.QtWidgets import QFileDialog

    dialog, drawn = _return_preview(qtbot, demo_ctx)
    panel_id = _marac(demo_ctx)
    before = _audit(demo_ctx, AuditKind.PRINT, "panel", panel_id)

    qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    chooser = dialog.findChild(QPrintDialog)
    assert chooser is not None and chooser.isVisible()
    assert chooser.printer().pageLayout().pageSize().id() == QPageSize.PageSizeId.A4
    assert (chooser.minPage(), chooser.maxPage()) == (1, drawn)
    chooser.reject()  # nothing printed, nothing recorded
    assert not dialog.busy()

    dialog.save_as()
    files = dialog.findChild(QFileDialog)
    assert files is not None and files.isVisible()
    assert Path(files.selectedFiles()[0]).name == "Data return - Swale MARAC - 2026 Q3.pdf"
    target = tmp_path / "chosen.pdf"
    with qtbot.waitSignal(dialog.saved, timeout=30_000):
        files.selectFile(str(target))
        files.accept()
    assert _pages(target) == drawn
    assert len(_audit(demo_ctx, AuditKind.PRINT, "panel", panel_id)) == len(before) + 1


def test_locking_hides_the_previews_and_unlocking_brings_them_back(qtbot, make_window, demo_admin_ctx):
    from PySide6.QtWidgets import QApplication

    from cspdesk_gui.main_window import Section

    window = make_window(demo_admin_ctx)
    window.show_section(Section.CASES)
    case_dialog = window.open_case(window.page(Section.CASES).model.case_id(0))
    qtbot.waitExposed(case_dialog)
    case_preview = case_dialog.print_summary()
    with qtbot.waitSignal(window.page(Section.REPORTS).dashboard_shown, timeout=30_000):
        window.show_section(Section.REPORTS)
    return_preview = window.page(Section.REPORTS).open_preview()
    with qtbot.waitSignal(return_preview.pages_drawn, timeout=30_000):
        pass
    qtbot.waitUntil(lambda: case_preview.drawn_pages() != [], timeout=30_000)

    window.lock_now()
    # What was printed on screen is hidden with the window: nothing but the lock is visible.
    assert [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not window] == []
    with qtbot.waitSignal(window.lock.unlocked, timeout=10_000):
        panel = window.lock_screen.panel
        panel.password_edit.setText("demo-password")
        qtbot.mouseClick(panel.unlock_button, Qt.MouseButton.LeftButton)
    assert case_preview.isVisible() and return_preview.isVisible()
