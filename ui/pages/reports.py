"""Reports: a panel's data return for a period, as a dashboard, and printed or exported.

The figures, charts and tables come from one call, :meth:`ReturnService.dashboard`, run on a worker
thread whenever the panel, the period or the small-numbers choice changes (a result that arrives
after the choice changed again is dropped). The charts are the PDF's own charts, drawn by reportlab
as SVG. "Preview and print…" opens the print preview of the same return; the exports go through
:meth:`ReturnService.write`, which records them in the audit trail.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from pathlib import Path

from PySide6.QtCore import QByteArray, QDate, QSize, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtSvgWidgets import QSvgWidget
from shiboken6 import isValid
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.enums import PanelType
from cspdesk.services.context import OpChanges, ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk.services.partnership.panels import PanelRow, PanelService
from cspdesk.services.papers.returns import DataReturn, Period, ReturnDashboard, ReturnService, between, quarter
from cspdesk_gui import theme
from cspdesk_gui.operations import run_op
from cspdesk_gui.formatting import short_date
from cspdesk_gui.models.return_section import ReturnColumn, ReturnSectionModel
from cspdesk_gui.pages.base import Page, empty_state
from cspdesk_gui.printing.sources import data_return_source, period_words, quality_source
from cspdesk_gui.signals import emit

#: The widest a chart is drawn on screen, in pixels.
CHART_MAX_WIDTH = 780
#: How many quarters back the quarter picker offers (three years).
QUARTERS_OFFERED = 12

def last_complete_quarter(today: date) -> str:
    """``2026Q3`` on any day of October to December 2026."""
    q = (today.month - 1) // 3 + 1
    year, q = (today.year, q - 1) if q > 1 else (today.year - 1, 4)
    return f"{year}Q{q}"


def quarters_before(first: str, count: int) -> list[str]:
    """``first`` and the ``count - 1`` quarters before it, newest first."""
    year, q = int(first[:4]), int(first[-1])
    out = []
    for _ in range(count):
        out.append(f"{year}Q{q}")
        year, q = (year, q - 1) if q > 1 else (year - 1, 4)
    return out


class ChartView(QSvgWidget):
    """An SVG chart that keeps its proportions as the page's width changes, drawn in the colours
    of the scheme in use (and redrawn when it changes)."""

    def __init__(self, svg: bytes, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._svg = svg
        self.load(QByteArray(theme.chart_svg(svg)))
        current = theme.theme()
        if current is not None:
            current.scheme_changed.connect(self._scheme_changed)
        self.renderer().setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
        size = self.renderer().defaultSize()
        self._ratio = size.height() / size.width() if size.width() else 0.3
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setMinimumWidth(320)

    def _scheme_changed(self, scheme: str) -> None:
        self.load(QByteArray(theme.chart_svg(self._svg, scheme)))

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return round(min(width, self.maximumWidth()) * self._ratio)

    def sizeHint(self) -> QSize:  # noqa: N802
        # Left-aligned in its card, the chart is given its hint's width: the widest it may be.
        width = min(self.maximumWidth(), CHART_MAX_WIDTH)
        return QSize(width, self.heightForWidth(width))


class ReportsPage(Page):
    """Panel, period and small numbers at the top; the dashboard below; print and export."""

    title = "Reports"
    #: The dashboard shows a new return: the :class:`ReturnDashboard`.
    dashboard_shown = Signal(object)
    #: The dashboard could not be built: the message shown.
    dashboard_failed = Signal(str)
    #: "Preview and print…" opened a preview: the dialog.
    preview_opened = Signal(object)
    #: An export was written: its path.
    exported = Signal(str)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.panels: list[PanelRow] = []
        self.dashboard: ReturnDashboard | None = None
        self.section_models: list[ReturnSectionModel] = []
        self._generation = 0
        self._loading = False
        self._exporting = False
        #: Whether the return shown has anything in it (an empty one is not previewed or exported).
        self._reportable = False
        self.page_layout.addWidget(self.heading("Reports"))

        # -- choices ----------------------------------------------------------------------------
        self.controls = QWidget(self)
        grid = QGridLayout(self.controls)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)

        self.panel_combo = QComboBox(self.controls)
        self.panel_combo.setObjectName("reportPanel")
        self.panel_combo.setAccessibleName("Panel")
        self.panel_combo.setMinimumWidth(220)
        panel_label = QLabel("&Panel", self.controls)
        panel_label.setBuddy(self.panel_combo)
        grid.addWidget(panel_label, 0, 0)
        grid.addWidget(self.panel_combo, 0, 1)

        self.by_quarter = QRadioButton("&Quarter", self.controls)
        self.by_quarter.setObjectName("reportByQuarter")
        self.by_dates = QRadioButton("Fro&m", self.controls)
        self.by_dates.setObjectName("reportByDates")
        group = QButtonGroup(self)
        group.addButton(self.by_quarter)
        group.addButton(self.by_dates)
        self.by_quarter.setChecked(True)
        self.quarter_combo = QComboBox(self.controls)
        self.quarter_combo.setObjectName("reportQuarter")
        self.quarter_combo.setAccessibleName("Quarter")
        first = last_complete_quarter(ctx.today())
        for text in quarters_before(first, QUARTERS_OFFERED):
            period = quarter(text)
            self.quarter_combo.addItem(period.label, text)
        self.from_date = self._date_edit("reportFrom", "From")
        self.to_date = self._date_edit("reportTo", "To")
        start = quarter(first)
        self.from_date.setDate(QDate(start.start.year, start.start.month, start.start.day))
        self.to_date.setDate(QDate(start.end.year, start.end.month, start.end.day))
        to_label = QLabel("to", self.controls)
        to_label.setBuddy(self.to_date)
        period_row = QHBoxLayout()
        period_row.setSpacing(8)
        period_row.addWidget(self.by_quarter)
        period_row.addWidget(self.quarter_combo)
        period_row.addSpacing(16)
        period_row.addWidget(self.by_dates)
        period_row.addWidget(self.from_date)
        period_row.addWidget(to_label)
        period_row.addWidget(self.to_date)
        period_row.addStretch(1)
        grid.addWidget(QLabel("Period", self.controls), 1, 0)
        grid.addLayout(period_row, 1, 1, 1, 3)

        self.suppress_box = QCheckBox("Show small numbers as “<5”", self.controls)
        self.suppress_box.setObjectName("reportSuppress")
        self.suppress_box.setToolTip("Counts under the partnership's small-number threshold are shown as “<5”, "
                                     "as in returns shared outside the partnership")
        grid.addWidget(self.suppress_box, 0, 2)
        grid.setColumnStretch(3, 1)

        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        self.preview_button = QPushButton("Preview and print…", self.controls)
        self.preview_button.setObjectName("primaryButton")
        self.preview_button.setToolTip("The data return as it prints, to print or save as PDF (Ctrl+P)")
        self.preview_button.setShortcut("Ctrl+P")
        self.preview_button.clicked.connect(self.open_preview)
        self.csv_button = QPushButton("Export CSV…", self.controls)
        self.csv_button.setObjectName("reportExportCsv")
        self.csv_button.clicked.connect(partial(self.choose_export, ".csv"))
        self.xlsx_button = QPushButton("Export XLSX…", self.controls)
        self.xlsx_button.setObjectName("reportExportXlsx")
        self.xlsx_button.clicked.connect(partial(self.choose_export, ".xlsx"))
        # Issue 19: a MARAC's quality against SafeLives' ten principles, for the same period.
        self.quality_button = QPushButton("&Quality report…", self.controls)
        self.quality_button.setObjectName("reportQuality")
        self.quality_button.setToolTip("A MARAC measured against SafeLives' ten principles for this period: "
                                       "IDVA presence, minutes and actions per case, attendance, days to hearing, "
                                       "repeat rate")
        self.quality_button.clicked.connect(self.open_quality_preview)
        buttons.addWidget(self.preview_button)
        buttons.addWidget(self.csv_button)
        buttons.addWidget(self.xlsx_button)
        buttons.addWidget(self.quality_button)
        buttons.addSpacing(12)
        self.status_label = QLabel("", self.controls)
        self.status_label.setObjectName("mutedText")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons.addWidget(self.status_label, 1)
        self.progress = QProgressBar(self.controls)
        self.progress.setObjectName("reportProgress")
        self.progress.setRange(0, 0)  # busy: the figures come in one piece
        self.progress.setFixedWidth(120)
        self.progress.setTextVisible(False)
        self.progress.hide()
        buttons.addWidget(self.progress)
        grid.addLayout(buttons, 2, 0, 1, 4)
        self.page_layout.addWidget(self.controls)

        # -- the dashboard ----------------------------------------------------------------------
        self.scroll = QScrollArea(self)
        self.scroll.setObjectName("reportsScroll")
        self.scroll.setAccessibleName("Report")  # a focus stop (arrows scroll it): say what it holds
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.page_layout.addWidget(self.scroll, 1)
        self.no_panels = empty_state(
            "There are no panels yet, so there are no figures to show." if ctx.actor.panel_ids is None
            else "You are not a member of any panel, so there are no figures to show.", self)
        self.no_panels.hide()
        self.page_layout.addWidget(self.no_panels, 1)
        self._new_dashboard_widget()

        self.panel_combo.currentIndexChanged.connect(self._choice_changed)
        self.quarter_combo.currentIndexChanged.connect(self._quarter_chosen)
        self.by_quarter.toggled.connect(self._mode_changed)
        # Typing a date changes it at every keystroke: the figures follow once the typing pauses.
        self._dates_timer = QTimer(self)
        self._dates_timer.setSingleShot(True)
        self._dates_timer.setInterval(400)
        self._dates_timer.timeout.connect(self._choice_changed)
        self.from_date.dateChanged.connect(self._dates_changed)
        self.to_date.dateChanged.connect(self._dates_changed)
        self.suppress_box.toggled.connect(self._choice_changed)
        # Keyboard order follows the eye: panel, small numbers, then the period, then the buttons.
        order = [self.panel_combo, self.suppress_box, self.by_quarter, self.quarter_combo, self.by_dates,
                 self.from_date, self.to_date, self.preview_button, self.csv_button, self.xlsx_button,
                 self.quality_button, self.scroll]
        for first_widget, second in zip(order, order[1:]):
            QWidget.setTabOrder(first_widget, second)
        self._mode_changed()

    def _date_edit(self, name: str, accessible: str) -> QDateEdit:
        edit = QDateEdit(self.controls)
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("d MMM yyyy")
        return edit

    def _new_dashboard_widget(self) -> None:
        old = self.scroll.takeWidget()
        if old is not None:
            old.deleteLater()
        self.dashboard_widget = QWidget(self.scroll)
        self.dashboard_widget.setObjectName("dashboard")
        self.dashboard_layout = QVBoxLayout(self.dashboard_widget)
        self.dashboard_layout.setContentsMargins(0, 4, 12, 12)
        self.dashboard_layout.setSpacing(8)
        self.scroll.setWidget(self.dashboard_widget)
        self.notices: list[QLabel] = []
        self.figure_labels: dict[str, QLabel] = {}
        self.chart_views: list[ChartView] = []
        self.section_views: list[QTableView] = []
        self.section_models = []

    # -- choices --------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the panels (keeping the one chosen), then build the dashboard."""
        chosen = self.panel_id()
        self.panels = PanelService(self.ctx).list_panels()
        self.panel_combo.blockSignals(True)
        self.panel_combo.clear()
        for row in self.panels:
            self.panel_combo.addItem(f"{row.name} ({row.panel_type.label})"
                                     if row.panel_type.label.split(" /")[0].lower() not in row.name.lower()
                                     else row.name, row.id)
        index = self.panel_combo.findData(chosen) if chosen is not None else -1
        if index < 0:
            # MARAC first: it is the return most asked for.
            index = next((i for i, r in enumerate(self.panels) if r.panel_type is PanelType.MARAC), 0)
        self.panel_combo.setCurrentIndex(index if self.panels else -1)
        self.panel_combo.blockSignals(False)
        has_panels = bool(self.panels)
        self.controls.setVisible(has_panels)
        self.scroll.setVisible(has_panels)
        self.no_panels.setVisible(not has_panels)
        if has_panels:
            self.build()

    def cares_about(self, changes: OpChanges) -> bool:
        return changes.panels or changes.cases or changes.meetings or changes.people or changes.partnership

    def panel_id(self) -> int | None:
        data = self.panel_combo.currentData()
        return int(data) if data is not None else None

    def panel_name(self) -> str:
        pid = self.panel_id()
        return next((r.name for r in self.panels if r.id == pid), "")

    def set_panel(self, panel_id: int) -> None:
        self.ensure_loaded()
        index = self.panel_combo.findData(panel_id)
        if index >= 0:
            self.panel_combo.setCurrentIndex(index)

    def set_quarter(self, text: str) -> None:
        """Choose the quarter ``2026Q3`` (it must be one the picker offers)."""
        index = self.quarter_combo.findData(text)
        if index < 0:
            raise ValueError(f"{text} is not offered")
        self.by_quarter.setChecked(True)
        self.quarter_combo.setCurrentIndex(index)

    def set_dates(self, start: date, end: date) -> None:
        self.by_dates.blockSignals(True)
        self.by_dates.setChecked(True)
        self.by_dates.blockSignals(False)
        for edit, day in ((self.from_date, start), (self.to_date, end)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)
        self._mode_changed()

    def period(self) -> Period:
        """The chosen period; ValidationError (plain words) when the dates are back to front."""
        if self.by_quarter.isChecked():
            return quarter(str(self.quarter_combo.currentData()))
        return between(self.from_date.date().toPython(), self.to_date.date().toPython())

    def suppress_small(self) -> bool:
        return self.suppress_box.isChecked()

    def _mode_changed(self, *_args: object) -> None:
        by_quarter = self.by_quarter.isChecked()
        self.quarter_combo.setEnabled(by_quarter)
        self.from_date.setEnabled(not by_quarter)
        self.to_date.setEnabled(not by_quarter)
        self._choice_changed()

    def _quarter_chosen(self, *_args: object) -> None:
        # The dates follow the quarter, so switching to dates starts from what was shown.
        try:
            period = self.period() if self.by_quarter.isChecked() else None
        except ServiceError:
            period = None
        if period is not None:
            for edit, day in ((self.from_date, period.start), (self.to_date, period.end)):
                edit.blockSignals(True)
                edit.setDate(QDate(day.year, day.month, day.day))
                edit.blockSignals(False)
        self._choice_changed()

    def _dates_changed(self, *_args: object) -> None:
        if self.by_dates.isChecked():
            self._dates_timer.start()

    def _choice_changed(self, *_args: object) -> None:
        if not self._stale and self.panels:
            self.build()

    # -- the dashboard --------------------------------------------------------------------------

    def is_loading(self) -> bool:
        return self._loading

    def build(self) -> None:
        """Build the dashboard for the current choices on a worker thread."""
        panel_id = self.panel_id()
        if panel_id is None:
            return
        try:
            period = self.period()
        except ServiceError as exc:
            self._show_message(str(exc))
            self._set_buttons_enabled(False)
            return
        suppress = self.suppress_small()
        self._generation += 1
        generation = self._generation
        self._loading = True
        self.progress.show()
        self.status_label.setText("Working out the figures…")
        service = ReturnService(self.ctx)

        def shown(result: ReturnDashboard) -> None:
            if not isValid(self) or generation != self._generation:
                return
            self._loading = False
            self.progress.hide()
            self.status_label.setText("")
            self._show(result)

        def failed(exc: BaseException) -> None:
            if not isValid(self) or generation != self._generation:
                return
            self._loading = False
            self.progress.hide()
            message = str(exc) if isinstance(exc, ServiceError) else "The figures could not be worked out; the log has the details."
            self.status_label.setText("")
            self._show_message(message)
            emit(self.dashboard_failed, message)

        run_op(lambda: service.dashboard(panel_id, period, suppress_small=suppress), shown, failed)

    def _show_message(self, text: str) -> None:
        self.dashboard = None
        self._new_dashboard_widget()
        self.dashboard_layout.addWidget(empty_state(text, self.dashboard_widget))
        self.dashboard_layout.addStretch(1)

    def _show(self, dashboard: ReturnDashboard) -> None:
        self.dashboard = dashboard
        data = dashboard.data
        self._new_dashboard_widget()
        self.suppress_box.setText(f"Show small numbers as “<{data.small_threshold}”")
        layout = self.dashboard_layout
        parent = self.dashboard_widget

        title = QLabel(f"{data.panel} — {data.period.label}", parent)
        title.setObjectName("dashboardTitle")
        title.setWordWrap(True)
        title.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(title)
        if data.panel_type is PanelType.MARAC:
            dates = ", ".join(short_date(d) for d in data.meeting_dates)
            layout.addWidget(self._muted(f"Meetings held: {dates}" if dates else "Meetings held: none", parent))

        empty = _empty_reason(data, has_history=dashboard.has_history, by_quarter=self.by_quarter.isChecked())
        self._set_buttons_enabled(not empty)
        if empty:
            layout.addWidget(empty_state(empty, parent))
            layout.addStretch(1)
            emit(self.dashboard_shown, dashboard)
            return
        for notice in _notices(data):
            label = QLabel(notice, parent)
            label.setObjectName("dashboardNotice")
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            layout.addWidget(label)
            self.notices.append(label)
        for note in data.notes:
            layout.addWidget(self._muted(note, parent))

        # Headline figures: the first section's measures, as cards.
        if data.sections:
            cards = QGridLayout()
            cards.setHorizontalSpacing(10)
            cards.setVerticalSpacing(10)
            columns = 3
            for n, measure in enumerate(data.sections[0].measures):
                card = QFrame(parent)
                card.setObjectName("figureCard")
                inner = QVBoxLayout(card)
                inner.setContentsMargins(14, 10, 14, 10)
                inner.setSpacing(2)
                value = QLabel(data.value(measure), card)
                # A figure that could not be worked out ("Population not set") is words, not a number.
                is_figure = data.value(measure)[:1].isdigit() or data.value(measure).startswith("<")
                value.setObjectName("figureValue" if is_figure else "figureMissing")
                value.setTextFormat(Qt.TextFormat.PlainText)
                value.setWordWrap(True)
                value.setAccessibleName(measure.name)
                inner.addWidget(value)
                name = QLabel(measure.name, card)
                name.setObjectName("figureName")
                name.setWordWrap(True)
                name.setTextFormat(Qt.TextFormat.PlainText)
                inner.addWidget(name)
                extra = data.shown_percent(measure)
                below = f"{extra} of {data.shown(measure.of)}" if extra and measure.of is not None else measure.note
                if below:
                    small = QLabel(below, card)
                    small.setObjectName("figurePercent" if extra else "figureNote")
                    small.setWordWrap(True)
                    small.setTextFormat(Qt.TextFormat.PlainText)
                    inner.addWidget(small)
                inner.addStretch(1)
                self.figure_labels[measure.name] = value
                cards.addWidget(card, n // columns, n % columns)
            for c in range(columns):
                cards.setColumnStretch(c, 1)
            layout.addLayout(cards)

        for chart in dashboard.charts:
            card = QFrame(parent)
            card.setObjectName("chartCard")
            inner = QVBoxLayout(card)
            inner.setContentsMargins(14, 10, 14, 10)
            inner.setSpacing(4)
            caption = QLabel(chart.title, card)
            caption.setObjectName("sectionCaption")
            inner.addWidget(caption)
            view = ChartView(chart.svg, card)
            view.setAccessibleName(chart.title)
            # Wide enough to read (7 pt labels drawn half as large again), no wider.
            view.setMaximumWidth(CHART_MAX_WIDTH)
            inner.addWidget(view, 0, Qt.AlignmentFlag.AlignLeft)
            if chart.note:
                inner.addWidget(self._muted(chart.note, card))
            layout.addWidget(card)
            self.chart_views.append(view)

        for section in data.sections:
            caption = QLabel(section.title, parent)
            caption.setObjectName("sectionCaption")
            layout.addWidget(caption)
            if not section.measures:
                layout.addWidget(self._muted("None in this period.", parent))
                continue
            model = ReturnSectionModel(data, section, parent)
            self.section_models.append(model)
            layout.addWidget(self._table(model, section.title, parent))
        layout.addStretch(1)
        emit(self.dashboard_shown, dashboard)

    @staticmethod
    def _muted(text: str, parent: QWidget) -> QLabel:
        label = QLabel(text, parent)
        label.setObjectName("mutedText")
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        return label

    def _table(self, model: ReturnSectionModel, title: str, parent: QWidget) -> QTableView:
        table = QTableView(parent)
        table.setObjectName("returnSection")
        table.setAccessibleName(title)
        table.setModel(model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setShowGrid(False)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.verticalHeader().hide()
        row_height = table.fontMetrics().height() + 10
        table.verticalHeader().setDefaultSectionSize(row_height)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(ReturnColumn.NAME, QHeaderView.ResizeMode.Stretch)
        for column in (ReturnColumn.COUNT, ReturnColumn.PERCENT):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(column, 110)
        table.setMaximumWidth(900)
        table.setFixedHeight(header.sizeHint().height() + model.rowCount() * row_height + 2 * table.frameWidth() + 2)
        self.section_views.append(table)
        return table

    def _set_buttons_enabled(self, enabled: bool) -> None:
        """Whether the return shown can be previewed and exported (never while an export runs)."""
        self._reportable = enabled
        self._update_buttons()

    def _update_buttons(self) -> None:
        for button in (self.preview_button, self.csv_button, self.xlsx_button):
            button.setEnabled(self._reportable and not self._exporting)
        pid = self.panel_id()
        marac = any(r.id == pid and r.panel_type is PanelType.MARAC for r in self.panels)
        self.quality_button.setEnabled(marac and not self._exporting)

    # -- printing and exporting -----------------------------------------------------------------

    def open_preview(self):  # noqa: ANN201 - PreviewDialog | None
        """The return's print preview (built again from the choices, on a worker thread)."""
        from cspdesk_gui.printing.preview import open_preview

        panel_id = self.panel_id()
        if panel_id is None:
            return None
        try:
            period = self.period()
        except ServiceError as exc:
            self.status_label.setText(str(exc))
            return None
        source = data_return_source(self.ctx, panel_id, self.panel_name(), period,
                                    suppress_small=self.suppress_small())
        dialog = open_preview(self.window(), source)
        emit(self.preview_opened, dialog)
        return dialog

    def open_quality_preview(self):  # noqa: ANN201 - the preview dialog, or None
        """The quality report's print preview for the chosen MARAC and period."""
        from cspdesk_gui.printing.preview import open_preview

        panel_id = self.panel_id()
        if panel_id is None:
            return None
        try:
            period = self.period()
        except ServiceError as exc:
            self.status_label.setText(str(exc))
            return None
        dialog = open_preview(self.window(), quality_source(self.ctx, panel_id, self.panel_name(), period))
        emit(self.preview_opened, dialog)
        return dialog

    def suggested_export_path(self, suffix: str) -> Path:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        base = Path(folder) if folder and Path(folder).is_dir() else Path.home()
        try:
            when = period_words(self.period())
        except ServiceError:
            when = "period"
        name = "".join("-" if c in '<>:"/\\|?*' else c for c in f"Data return - {self.panel_name()} - {when}")
        return base / f"{name}{suffix}"

    def choose_export(self, suffix: str) -> None:
        """Ask where to write the CSV or XLSX, then write it."""
        kind = "CSV files (*.csv)" if suffix == ".csv" else "Excel workbooks (*.xlsx)"
        dialog = QFileDialog(self, f"Export {suffix[1:].upper()}", str(self.suggested_export_path(suffix)), kind)
        dialog.setObjectName("exportDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(suffix[1:])
        dialog.fileSelected.connect(self.export_to)
        dialog.finished.connect(dialog.deleteLater)
        QDialog.open(dialog)  # the base open(): the subclass overload wants a receiver and a slot

    def export_to(self, path: str | Path) -> None:
        """Write the return to ``path`` (.csv or .xlsx) through the service, which records the export."""
        panel_id = self.panel_id()
        if panel_id is None or self._exporting:
            return
        try:
            period = self.period()
        except ServiceError as exc:
            self.status_label.setText(str(exc))
            return
        target = Path(path)
        suppress = self.suppress_small()
        service = ReturnService(self.ctx)
        self._exporting = True
        self._update_buttons()
        self.status_label.setText(f"Writing {target.name}…")

        def done(_result: object) -> None:
            if not isValid(self):
                return
            self._exporting = False
            self._update_buttons()
            self.status_label.setText(f"Exported to {target}.")
            emit(self.exported, str(target))

        def failed(exc: BaseException) -> None:
            if not isValid(self):
                return
            self._exporting = False
            self._update_buttons()
            message = str(exc) if isinstance(exc, ServiceError) else "The export failed; the log has the details."
            self.status_label.setText(message)

        run_op(lambda: service.write(panel_id, period, target, suppress_small=suppress), done, failed)


def _figure(data: DataReturn, section: str, name: str) -> int | None:
    try:
        return data.figure(section, name).count
    except KeyError:
        return None


def _empty_reason(data: DataReturn, *, has_history: bool = True, by_quarter: bool = True) -> str:
    """Plain words for a return with nothing in it, or "". Another period is suggested only when
    the panel has had something to count (a new panel has nothing in any quarter)."""
    when = data.period.label
    reason = ""
    if data.panel_type is PanelType.MARAC:
        if not data.meeting_dates:
            reason = f"No meetings of {data.panel} were held in {when}, so there are no cases to count."
    elif data.panel_type is PanelType.SOCP:
        managed = _figure(data, "Organised crime groups", "OCGs managed in the period")
        referrals = _figure(data, "Organised crime groups", "Referrals received")
        if not managed and not referrals:
            reason = f"{data.panel} managed no organised crime groups and received no referrals in {when}."
    elif not _figure(data, "Referrals", "Referrals received"):
        if data.panel_type is PanelType.PARTNERSHIP:
            return (f"{data.panel} keeps the partnership's action plan: it takes no referrals, so its data "
                    "return has nothing to count.")
        reason = f"{data.panel} received no referrals in {when}."
    if not reason:
        return ""
    if not has_history:
        span = "the quarter" if by_quarter else "the dates chosen"
        return (f"Nothing to report yet: the return counts cases referred and meetings held in {span}, "
                f"and {data.panel} has had none so far.")
    if data.panel_type is PanelType.MARAC:
        return f"{reason} Choose another quarter, or dates that include a meeting."
    return f"{reason} Choose another quarter or other dates."


def _notices(data: DataReturn) -> list[str]:
    out = []
    if data.panel_type is PanelType.MARAC:
        try:
            rate = data.figure("Cases discussed", "Cases per 10,000 adult women")
        except KeyError:
            rate = None
        if rate is not None and rate.text == "Population not set":
            out.append("Cases per 10,000 adult women cannot be worked out: the partnership's adult female "
                       "population is not set.")
    return out
