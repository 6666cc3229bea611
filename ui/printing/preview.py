"""Print preview, print and save as PDF, for any PDF a service produces.

The dialog is given a :class:`~cspdesk_gui.printing.sources.PrintSource`: how to build the PDF (a
service's ``render``), how to save it (the service's ``write``, which records the save in the audit
trail) and how to record that it was printed (the service's ``record_printed``). The dialog itself
keeps no audit and reads no data: every print and save goes through the service.

Everything slow runs on a worker thread (``cspdesk_gui.operations``, the database thread) with progress and a Cancel button:
building the PDF, drawing the pages in view (again as the reader scrolls or zooms), printing and
saving. Drawing and printing stop between pages when cancelled; a cancelled print is aborted, so
nothing reaches the printer and nothing is recorded.

Keys: Ctrl+= / Ctrl+- zoom, Ctrl+0 fits the width, Ctrl+P prints, Ctrl+S saves, Escape cancels
what runs (pressed again, it closes).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, QSizeF, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QPageSize, QPixmap, QResizeEvent, QShortcut, QShowEvent
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from shiboken6 import isValid
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cspdesk.services.errors import ServiceError
from cspdesk_gui.operations import Cancelled, OpCall, run_op
from cspdesk_gui.printing.pages import PageImage, page_sizes, print_pdf, render_pages
from cspdesk_gui.printing.sources import PreviewChoice, PrintSource
from cspdesk_gui.signals import emit
from cspdesk_gui.windows import fit_to_screen

#: Zoom steps, in % of the page's real size on a 96 dpi screen.
ZOOM_STEPS = (25, 33, 50, 67, 75, 90, 100, 110, 125, 150, 175, 200, 250, 300, 400)
#: Pixels per point at 100%.
SCREEN_PX_PER_POINT = 96 / 72
#: The width of an A4 page in points: what "fit width" assumes before the PDF has been built.
A4_WIDTH_POINTS = 595.28
#: Pages drawn beyond those in view, either side, so paging on finds them ready.
PAGES_AROUND = 2
#: The most pages kept drawn; the farthest from view are let go (and drawn again if needed).
MAX_PAGES_KEPT = 16
#: Room around the pages inside the scroll area (its margins and the page's frame).
PAGE_GUTTER = 36

class Job:
    RENDER = "render"
    DRAW = "draw"
    PRINT = "print"
    SAVE = "save"


class PreviewDialog(QDialog):
    """The pages of one document, with zoom, "Print…" and "Save as PDF…"."""

    #: The pages are drawn: how many.
    pages_drawn = Signal(int)
    #: A job (one of :class:`Job`) was cancelled.
    cancelled = Signal(str)
    #: The PDF was saved: its path.
    saved = Signal(str)
    #: The document was printed: how many pages.
    printed = Signal(int)
    #: A job failed: the message shown.
    failed = Signal(str)

    def __init__(self, source: PrintSource | None = None, parent: QWidget | None = None, *,
                 choice: PreviewChoice | None = None) -> None:
        super().__init__(parent)
        if source is None:
            if choice is None:
                raise ValueError("A preview needs a source or a choice that makes one.")
            source = choice.source_for(choice.checked)
        self.source = source
        self.pdf: bytes | None = None
        self.sizes: list[QSizeF] = []
        self.zoom = 100
        self.fit_width = True
        self._call: OpCall | None = None
        self._job = ""
        self._generation = 0
        self._started = False
        self._closing = False
        self._printer: QPrinter | None = None  # alive while a print job paints on it
        self._page_labels: list[QLabel] = []
        #: Page number → the zoom (px per point) it is drawn at.
        self._drawn: dict[int, float] = {}
        #: The pages the running drawing job was asked for.
        self._drawing: set[int] = set()
        self._keep_fraction: float | None = None
        # Scrolling draws the pages that come into view, once the scrolling pauses.
        self._draw_timer = QTimer(self)
        self._draw_timer.setSingleShot(True)
        self._draw_timer.setInterval(60)
        self._draw_timer.timeout.connect(self._draw_wanted)
        # Fit width follows the window: redrawn once the resizing has paused.
        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(200)
        self._resize_timer.timeout.connect(self._refit)

        self.setObjectName("previewDialog")
        self.setWindowTitle(f"Print preview — {source.title}")
        self.setModal(False)
        fit_to_screen(self, 900, 860)  # a 1366×768 laptop has less height than that

        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 10, 12, 10)
        outer.setSpacing(8)

        # -- the toolbar ------------------------------------------------------------------------
        bar = QHBoxLayout()
        bar.setSpacing(6)
        self.choice_box: QCheckBox | None = None
        self._choice = choice
        if choice is not None:
            self.choice_box = QCheckBox(choice.label, self)
            self.choice_box.setObjectName("previewChoice")
            self.choice_box.setChecked(choice.checked)
            if choice.tooltip:
                self.choice_box.setToolTip(choice.tooltip)
            self.choice_box.toggled.connect(self._choice_toggled)
            bar.addWidget(self.choice_box)
            bar.addSpacing(12)
        self.zoom_out_button = self._tool("−", "Zoom out (Ctrl+−)", self.zoom_out)
        bar.addWidget(self.zoom_out_button)
        self.zoom_label = QLabel("", self)
        self.zoom_label.setObjectName("previewZoom")
        self.zoom_label.setMinimumWidth(self.zoom_label.fontMetrics().horizontalAdvance("400%") + 12)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        bar.addWidget(self.zoom_label)
        self.zoom_in_button = self._tool("+", "Zoom in (Ctrl+=)", self.zoom_in)
        bar.addWidget(self.zoom_in_button)
        self.fit_button = QPushButton("Fit width", self)
        self.fit_button.setObjectName("previewFitWidth")
        self.fit_button.setToolTip("Fit the page to the width of the window (Ctrl+0)")
        self.fit_button.setAutoDefault(False)
        self.fit_button.setCheckable(True)  # pressed while the page follows the window's width
        self.fit_button.clicked.connect(self.fit_to_width)
        bar.addWidget(self.fit_button)
        bar.addSpacing(12)
        self.page_count_label = QLabel("", self)
        self.page_count_label.setObjectName("previewPageCount")
        bar.addWidget(self.page_count_label)
        bar.addStretch(1)
        self.save_button = QPushButton("Save as PDF…", self)
        self.save_button.setObjectName("previewSave")
        self.save_button.setToolTip("Save the document as a PDF file (Ctrl+S)")
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save_as)
        bar.addWidget(self.save_button)
        self.print_button = QPushButton("Print…", self)
        self.print_button.setObjectName("primaryButton")
        self.print_button.setToolTip("Print the document (Ctrl+P)")
        self.print_button.setAutoDefault(False)
        self.print_button.clicked.connect(self.print_document)
        bar.addWidget(self.print_button)
        outer.addLayout(bar)

        # -- the pages --------------------------------------------------------------------------
        self.scroll = QScrollArea(self)
        self.scroll.setObjectName("previewScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # arrows and Page Up/Down scroll
        self.pages_widget = QWidget(self.scroll)
        self.pages_widget.setObjectName("previewPages")
        self.pages_layout = QVBoxLayout(self.pages_widget)
        self.pages_layout.setContentsMargins(16, 16, 16, 16)
        self.pages_layout.setSpacing(16)
        self.pages_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.message = QLabel("", self.pages_widget)
        self.message.setObjectName("emptyState")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.pages_layout.addWidget(self.message)
        self.scroll.setWidget(self.pages_widget)
        self.scroll.verticalScrollBar().valueChanged.connect(self._scrolled)
        outer.addWidget(self.scroll, 1)

        # -- progress and status ----------------------------------------------------------------
        status = QHBoxLayout()
        status.setSpacing(8)
        self.status_label = QLabel("", self)
        self.status_label.setObjectName("previewStatus")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label.setWordWrap(True)
        self.status_label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        status.addWidget(self.status_label, 1)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("previewProgress")
        self.progress.setRange(0, 100)
        self.progress.setFixedWidth(200)
        self.progress.setTextVisible(False)
        status.addWidget(self.progress)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("previewCancel")
        self.cancel_button.setToolTip("Stop what is running (Escape)")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.cancel)
        status.addWidget(self.cancel_button)
        self.close_button = QPushButton("Close", self)
        self.close_button.setObjectName("previewClose")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.close)
        status.addWidget(self.close_button)
        outer.addLayout(status)

        for keys, slot in (
            (("Ctrl+=", "Ctrl++", QKeySequence.StandardKey.ZoomIn), self.zoom_in),
            (("Ctrl+-", QKeySequence.StandardKey.ZoomOut), self.zoom_out),
            (("Ctrl+0",), self.fit_to_width),
            (("Ctrl+P", QKeySequence.StandardKey.Print), self.print_document),
            (("Ctrl+S", QKeySequence.StandardKey.Save), self.save_as),
        ):
            seen: set[str] = set()
            for key in keys:
                sequence = QKeySequence(key)
                if sequence.isEmpty() or sequence.toString() in seen:
                    continue  # a standard key that is the same as one already bound
                seen.add(sequence.toString())
                QShortcut(sequence, self, slot)
        self._update_controls()

    def _scrolled(self, _value: int) -> None:
        self._schedule_draw()

    def _tool(self, text: str, tip: str, slot: Callable[[], None]) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip.split(" (")[0])
        button.setMinimumWidth(28)
        button.clicked.connect(slot)
        return button

    # -- starting -------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self._started:
            self._started = True
            # After the first paint, so the width "fit width" measures is the real one.
            QTimer.singleShot(0, self.build)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self._page_labels:
            self._resize_timer.start()

    def _refit(self) -> None:
        """After a resize: with fit width, the pages take the new width; either way, pages that
        came into view are drawn."""
        if self.fit_width and self._page_labels and self._page_labels[0].size() != self._label_size(0):
            self._redraw()
        else:
            self._schedule_draw()

    def build(self) -> None:
        """Build the PDF from the source (on a worker thread), then draw the pages in view."""
        self._started = True
        self.pdf, self.sizes = None, []
        self._clear_pages("Building the document…")
        source = self.source

        def job(progress: Callable[[int, str], None]) -> tuple[bytes, list[QSizeF]]:
            progress(0, "Building the document")
            pdf = source.render()
            progress(90, "Reading its pages")
            return pdf, page_sizes(pdf)

        self._start(Job.RENDER, job, self._rendered)

    def _rendered(self, result: tuple[bytes, list[QSizeF]]) -> None:
        self.pdf, self.sizes = result
        self._update_page_count()
        self._update_zoom_label()
        self._clear_pages("")
        for number in range(1, len(self.sizes) + 1):
            label = QLabel(self.pages_widget)
            label.setObjectName("previewPage")
            label.setAccessibleName(f"Page {number} of {len(self.sizes)}")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.pages_layout.addWidget(label, 0, Qt.AlignmentFlag.AlignHCenter)
            self._page_labels.append(label)
        self._size_pages()
        # Which pages are in view is asked once the scroll area has laid them out (its layout
        # request is an event of its own, handled before the timer fires).
        self._schedule_draw()

    # -- drawing --------------------------------------------------------------------------------
    #
    # Every page has its place (a blank label of the page's size) as soon as the PDF is built, but
    # only the pages in view, and a few either side, are drawn — on a worker thread, again when the
    # reader scrolls or zooms — and no more than MAX_PAGES_KEPT are kept: a 300-page tracker costs
    # the memory of a few pages, not of 300.

    def px_per_point(self) -> float:
        """Screen pixels (device-independent) per PDF point at the current zoom."""
        if self.fit_width:
            width_points = max((s.width() for s in self.sizes), default=A4_WIDTH_POINTS)
            # The scroll bar's width is taken whether or not it shows yet: the pages, once placed,
            # bring it, and the page must not then be wider than the room left.
            bar = self.scroll.verticalScrollBar().sizeHint().width()
            available = self.scroll.width() - 2 * self.scroll.frameWidth() - bar - PAGE_GUTTER
            return max(available, 100) / width_points
        return SCREEN_PX_PER_POINT * self.zoom / 100

    def zoom_percent(self) -> int:
        return round(100 * self.px_per_point() / SCREEN_PX_PER_POINT)

    def _label_size(self, index: int) -> QSize:
        size = self.sizes[index] * self.px_per_point()
        return QSize(round(size.width()) + 2, round(size.height()) + 2)  # and the page's 1px frame

    def _size_pages(self) -> None:
        for index, label in enumerate(self._page_labels):
            label.setFixedSize(self._label_size(index))

    def pages_in_view(self) -> list[int]:
        """The numbers (from 1) of the pages at least partly in view."""
        top = self.scroll.verticalScrollBar().value()
        bottom = top + self.scroll.viewport().height()
        return [n for n, label in enumerate(self._page_labels, start=1)
                if label.geometry().bottom() >= top and label.geometry().top() <= bottom]

    def drawn_pages(self) -> list[int]:
        """The numbers of the pages drawn at the current zoom."""
        return sorted(n for n, scale in self._drawn.items() if abs(scale - self.px_per_point()) < 1e-6)

    def _schedule_draw(self) -> None:
        self._draw_timer.start()

    def _draw_wanted(self) -> None:
        if self._keep_fraction is not None:
            bar = self.scroll.verticalScrollBar()
            bar.setValue(round(self._keep_fraction * bar.maximum()))
            self._keep_fraction = None
        if self.pdf is None or self._job in (Job.RENDER, Job.PRINT, Job.SAVE):
            return  # drawn when that job is over
        in_view = self.pages_in_view()
        if not in_view:
            return
        first, last = max(in_view[0] - PAGES_AROUND, 1), min(in_view[-1] + PAGES_AROUND, len(self.sizes))
        # Those in view first, then those around them.
        order = in_view + [n for n in range(first, last + 1) if n not in in_view]
        drawn = set(self.drawn_pages())
        wanted = [n for n in order if n not in drawn]
        if not wanted:
            return
        if self._job == Job.DRAW:
            if set(wanted) <= self._drawing:
                return
            self._drop_job()
        self.draw_pages(wanted)

    def draw_pages(self, numbers: list[int]) -> None:
        """Draw the pages ``numbers`` at the current zoom (on a worker thread, page by page, with
        progress; Cancel stops it at the next page)."""
        if self.pdf is None or self._call is not None:
            return
        pdf = self.pdf
        scale = self.px_per_point()
        dpr = self.devicePixelRatioF() or 1.0
        dpi = scale * 72 * dpr
        self._drawing = set(numbers)
        self._start(Job.DRAW, lambda progress: (render_pages(pdf, dpi, progress, numbers=numbers), scale, dpr),
                    self._drawn_now)

    def _drawn_now(self, result: tuple[list[PageImage], float, float]) -> None:
        images, scale, dpr = result
        self._drawing = set()
        if abs(scale - self.px_per_point()) > 1e-6:
            self._schedule_draw()  # the zoom changed meanwhile
            return
        for page in images:
            pixmap = QPixmap.fromImage(page.image)
            pixmap.setDevicePixelRatio(dpr)
            self._page_labels[page.number - 1].setPixmap(pixmap)
            self._drawn[page.number] = scale
        self._forget_far_pages()
        self._set_status("")
        emit(self.pages_drawn, len(images))
        self._schedule_draw()  # the reader may have scrolled on while these were drawn

    def _forget_far_pages(self) -> None:
        if len(self._drawn) <= MAX_PAGES_KEPT:
            return
        in_view = self.pages_in_view() or [1]
        middle = (in_view[0] + in_view[-1]) / 2
        for number in sorted(self._drawn, key=lambda n: -abs(n - middle))[: len(self._drawn) - MAX_PAGES_KEPT]:
            self._page_labels[number - 1].clear()
            del self._drawn[number]

    def _drop_job(self) -> None:
        """Cancel the drawing under way and ignore its result."""
        if self._call is not None:
            self._call.cancel()
        self._generation += 1
        self._call, self._job, self._drawing = None, "", set()
        self._update_controls()

    def _clear_pages(self, message: str) -> None:
        for label in self._page_labels:
            self.pages_layout.removeWidget(label)
            label.deleteLater()
        self._page_labels = []
        self._drawn = {}
        self.message.setText(message)
        self.message.setVisible(bool(message))

    def page_labels(self) -> list[QLabel]:
        return list(self._page_labels)

    # -- zoom -----------------------------------------------------------------------------------

    def zoom_in(self) -> None:
        current = self.zoom_percent()
        self._set_zoom(next((z for z in ZOOM_STEPS if z > current), ZOOM_STEPS[-1]))

    def zoom_out(self) -> None:
        current = self.zoom_percent()
        self._set_zoom(next((z for z in reversed(ZOOM_STEPS) if z < current), ZOOM_STEPS[0]))

    def fit_to_width(self) -> None:
        self.fit_width = True
        self._redraw()

    def _set_zoom(self, percent: int) -> None:
        self.fit_width = False
        self.zoom = percent
        self._redraw()

    def _redraw(self) -> None:
        """The pages at the new zoom: placed at their new size at once, drawn as they come into view."""
        self._update_zoom_label()
        if self.pdf is None:
            return
        if self._job == Job.DRAW:
            self._drop_job()
        # Keep the same part of the document in view across the change of size (the scroll bar's
        # new range is known once the pages are laid out again, when the drawing timer fires).
        bar = self.scroll.verticalScrollBar()
        self._keep_fraction = bar.value() / max(bar.maximum(), 1)
        for label in self._page_labels:
            label.clear()
        self._drawn = {}
        self._size_pages()
        self._schedule_draw()

    def _update_zoom_label(self) -> None:
        self.zoom_label.setText(f"{self.zoom_percent()}%")
        self.fit_button.setChecked(self.fit_width)

    # -- the choice -----------------------------------------------------------------------------

    def _choice_toggled(self, checked: bool) -> None:
        if self._choice is None:
            return
        self._drop_job()  # building or drawing the other version: its result is not wanted
        self.source = self._choice.source_for(checked)
        self.setWindowTitle(f"Print preview — {self.source.title}")
        self.build()

    # -- printing -------------------------------------------------------------------------------

    def _free_for(self) -> bool:
        """Whether a print or save can start now: drawing pages gives way to it."""
        if self._job == Job.DRAW:
            self._drop_job()
        return self._call is None

    def print_document(self) -> None:
        """Ask for a printer (the system's print dialog), then print to it."""
        if self.pdf is None or self._job in (Job.RENDER, Job.PRINT, Job.SAVE):
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        printer.setDocName(self.source.title)
        total = len(self.sizes)
        dialog = QPrintDialog(printer, self)
        dialog.setObjectName("printDialog")
        dialog.setWindowTitle(f"Print — {self.source.title}")
        dialog.setMinMax(1, total)
        dialog.setFromTo(1, total)
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintPageRange, True)
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintToFile, True)
        self._printer = printer
        dialog.accepted.connect(self._print_dialog_accepted)
        dialog.finished.connect(dialog.deleteLater)
        QDialog.open(dialog)  # the base open(): the subclass overload wants a receiver and a slot

    def _print_dialog_accepted(self) -> None:
        if self._printer is not None:
            self.print_to(self._printer)

    def print_to(self, printer: QPrinter) -> None:
        """Print the built PDF to ``printer`` (already set up), on a worker thread with progress.
        The service records the print once every page has been sent."""
        if self.pdf is None or not self._free_for():
            return
        pdf = self.pdf
        self._printer = printer
        name = printer.printerName()
        if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat:
            name = f"PDF file {Path(printer.outputFileName()).name}" if printer.outputFileName() else "PDF file"
        record = self.source.record_printed

        def job(progress: Callable[[int, str], None]) -> int:
            sent = print_pdf(pdf, printer, progress)
            record(sent, name or "the default printer")
            return sent

        self._start(Job.PRINT, job, self._printed)

    def _printed(self, pages: int) -> None:
        self._printer = None
        self._set_status(f"Printed {pages} page{'s' if pages != 1 else ''}.")
        emit(self.printed, pages)

    # -- saving ---------------------------------------------------------------------------------

    def suggested_path(self) -> Path:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        base = Path(folder) if folder and Path(folder).is_dir() else Path.home()
        return base / _safe_file_name(self.source.file_name)

    def save_as(self) -> None:
        """Ask where to save (the file dialog suggests a name), then save there."""
        if self._job in (Job.RENDER, Job.PRINT, Job.SAVE):
            return
        dialog = QFileDialog(self, "Save as PDF", str(self.suggested_path()), "PDF files (*.pdf)")
        dialog.setObjectName("saveDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setDefaultSuffix("pdf")
        dialog.fileSelected.connect(self.save_to)
        dialog.finished.connect(dialog.deleteLater)
        QDialog.open(dialog)  # the base open(): the subclass overload wants a receiver and a slot

    def save_to(self, path: str | Path) -> None:
        """Save the document as a PDF at ``path`` through the service (which records it)."""
        if not self._free_for():
            return
        target = Path(path)
        save = self.source.save
        self._start(Job.SAVE, lambda progress: (progress(0, "Saving"), save(target), str(target))[2], self._saved)

    def _saved(self, path: str) -> None:
        self._set_status(f"Saved to {path}.")
        emit(self.saved, path)

    # -- jobs -----------------------------------------------------------------------------------

    def busy(self) -> bool:
        return self._call is not None

    def job(self) -> str:
        return self._job

    def _start(self, job: str, fn: Callable[[Callable[[int, str], None]], object],
               done: Callable[[object], None]) -> None:
        self._generation += 1
        generation = self._generation
        self._job = job
        self.progress.setValue(0)
        self._set_status(_JOB_WORDS[job] + "…")

        # The callbacks check the dialog is still there: closed (and deleted) while its job ran,
        # the job's end is delivered to nobody.
        def succeeded(result: object) -> None:
            if not isValid(self) or generation != self._generation:
                return
            call = self._call
            self._call, self._job = None, ""
            if call is not None and call.cancel_requested():
                self._was_cancelled(job)
            else:
                done(result)
                if job != Job.DRAW:
                    self._schedule_draw()  # pages that came into view while it ran
            self._update_controls()

        def failed(exc: BaseException) -> None:
            if not isValid(self) or generation != self._generation:
                return
            self._call, self._job = None, ""
            if job == Job.PRINT:
                self._printer = None
            if isinstance(exc, Cancelled):
                self._was_cancelled(job)
            else:
                message = str(exc) if isinstance(exc, (ServiceError, OSError)) else (
                    "Something went wrong; the log has the details (and nothing personal).")
                self._set_status(f"{_JOB_WORDS[job]} failed: {message}", error=True)
                if job == Job.RENDER:
                    self._clear_pages(f"The document could not be shown. {message}")
                emit(self.failed, message)
            self._update_controls()

        def progressed(percent: int, message: str) -> None:
            if not isValid(self) or generation != self._generation:
                return
            self.progress.setValue(percent)
            self._set_status(f"{_JOB_WORDS[job]}: {message}…")

        self._call = run_op(fn, succeeded, failed, on_progress=progressed)
        self._update_controls()

    def cancel(self) -> None:
        """Stop the running job at its next page (a PDF being built is dropped when it is done)."""
        if self._call is not None:
            self._call.cancel()
            self.cancel_button.setEnabled(False)
            self._set_status("Cancelling…")

    def _was_cancelled(self, job: str) -> None:
        words = {
            Job.RENDER: "Cancelled: the document was not built.",
            Job.DRAW: "Cancelled: some pages were not drawn. Scroll or zoom to draw them.",
            Job.PRINT: "Printing cancelled: nothing was sent to the printer.",
            Job.SAVE: "Cancelled: nothing was saved.",
        }
        self._set_status(words[job])
        if job == Job.RENDER:
            self._clear_pages("The document was not built. Close this window, or change the choice above "
                              "to build it again." if self._choice else
                              "The document was not built. Close this window and ask for it again.")
        elif job == Job.DRAW:
            self._drawing = set()
        if job == Job.PRINT:
            self._printer = None
        emit(self.cancelled, job)

    def _update_controls(self) -> None:
        busy = self._call is not None
        has_pdf = self.pdf is not None
        # Drawing pages never stands in the way: printing or saving takes over from it.
        blocking = self._job in (Job.RENDER, Job.PRINT, Job.SAVE)
        self.print_button.setEnabled(has_pdf and not blocking)
        self.save_button.setEnabled(not blocking)
        self.cancel_button.setEnabled(busy)
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        for widget in (self.zoom_in_button, self.zoom_out_button, self.fit_button):
            widget.setEnabled(has_pdf and self._job not in (Job.PRINT, Job.SAVE))
        if self.choice_box is not None:
            self.choice_box.setEnabled(self._job not in (Job.PRINT, Job.SAVE))
        if not busy:
            self.progress.setValue(0)

    def _set_status(self, text: str, *, error: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setProperty("error", error)
        self.status_label.style().unpolish(self.status_label)
        self.status_label.style().polish(self.status_label)

    def _page_count_text(self) -> str:
        n = len(self.sizes)
        return f"{n} page{'s' if n != 1 else ''}"

    def _update_page_count(self) -> None:
        self.page_count_label.setText(self._page_count_text())

    # -- closing --------------------------------------------------------------------------------

    def reject(self) -> None:
        """Escape stops what is running first; pressed again, it closes. (Closing the window or
        "Close" closes at once, cancelling what runs.)"""
        if self._call is not None and not self._closing:
            self.cancel()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self._call is not None:
            if self._job == Job.SAVE:
                event.ignore()  # a file half-way to the disk: let it finish (it takes a moment)
                return
            self._call.cancel()  # the job ends on its own thread; nothing is recorded for it
        self._closing = True  # QDialog's closeEvent rejects: this time reject() must close
        super().closeEvent(event)
        self._closing = False


_JOB_WORDS = {
    Job.RENDER: "Building the document",
    Job.DRAW: "Drawing the pages",
    Job.PRINT: "Printing",
    Job.SAVE: "Saving",
}


def _safe_file_name(name: str) -> str:
    """A file name without the characters Windows refuses (a panel called "A/B" must still save)."""
    cleaned = "".join("-" if c in '<>:"/\\|?*' or ord(c) < 32 else c for c in name).strip(" .")
    return cleaned or "document.pdf"


def open_preview(parent: QWidget, source: PrintSource | None = None, *,
                 choice: PreviewChoice | None = None) -> PreviewDialog:
    """Show a document's print preview (a window of its own, closed with the page or dialog
    that opened it); the document is built on a worker thread."""
    dialog = PreviewDialog(source, parent, choice=choice)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
