"""The Audit trail tab: every view, change, print, export and sign-in, filtered in SQL, read lazily;
and a check that no entry has been changed or removed since it was written."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, QItemSelectionModel, QLocale, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QWidget,
)

from cspdesk.domain.enums import AuditKind
from cspdesk.services.audit.audit import AuditQuery, AuditService, ChainReport
from cspdesk.services.audit.audit_text import audit_summary
from cspdesk.services.context import ServiceContext
from cspdesk_gui.formatting import count
from cspdesk_gui.models.audit_table import AuditColumn, AuditTableModel
from cspdesk_gui.pages.admin.common import MessageLine, run_in_background
from cspdesk_gui.pages.admin.tab import AdminTab
from cspdesk_gui.pages.base import empty_state
from cspdesk_gui.signals import emit
from cspdesk_gui.widgets.keyboard import make_typeable
from cspdesk_gui.accessibility import hand_focus_to


class Period:
    """The period filter's choices (the combo's item data)."""

    ALL = "all"
    TODAY = "today"
    WEEK = "7"
    MONTH = "30"
    BETWEEN = "between"


PERIODS = [
    ("All time", Period.ALL),
    ("Today", Period.TODAY),
    ("Last 7 days", Period.WEEK),
    ("Last 30 days", Period.MONTH),
    ("Between dates", Period.BETWEEN),
]

_SAMPLE_TEXT = {
    AuditColumn.WHEN: "28 Sep 2026, 23:59:59",
    AuditColumn.USER: "officer.housing",
    AuditColumn.WHAT: "Failed login",
    AuditColumn.RECORD: "Agency: Kent Police Service",  # records go by name (the rest in the tooltip)
}
_CELL_ROOM = 32
_UK = QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class AuditTab(AdminTab):
    tab_label = "Audi&t trail"

    #: The chain was checked: the :class:`ChainReport`.
    chain_verified = Signal(object)
    #: The chain's head was sealed: the :class:`~cspdesk.services.audit.audit.Seal`.
    chain_sealed = Signal(object)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._service = AuditService(ctx)
        self.model = AuditTableModel(self._service, parent=self)
        self._total = 0
        self._verifying = False

        filters = QHBoxLayout()
        filters.setSpacing(8)
        self.kind_combo = QComboBox(self)
        self.kind_combo.setObjectName("auditKind")
        self.kind_combo.addItem("Everything", None)
        for kind in AuditKind:
            self.kind_combo.addItem(kind.label, kind)
        self.user_combo = QComboBox(self)
        self.user_combo.setObjectName("auditUser")
        self.user_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.user_combo.addItem("Everyone", "")
        make_typeable(self.user_combo)  # a part of a user name ("okaf") chooses the one it names
        self.period_combo = QComboBox(self)
        self.period_combo.setObjectName("auditPeriod")
        for label, value in PERIODS:
            self.period_combo.addItem(label, value)
        today = _qdate(ctx.today())
        self.from_edit = self._date_edit("auditFrom", today.addDays(-30))
        self.to_edit = self._date_edit("auditTo", today)
        self.from_caption = self._caption("Fro&m", self.from_edit)
        self.to_caption = self._caption("T&o", self.to_edit)
        for caption, combo in (("&What", self.kind_combo), ("&User", self.user_combo), ("&Period", self.period_combo)):
            filters.addWidget(self._caption(caption, combo))
            filters.addWidget(combo)
            filters.addSpacing(6)
        for widget in (self.from_caption, self.from_edit, self.to_caption, self.to_edit):
            filters.addWidget(widget)
        filters.addStretch(1)
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("countLabel")
        filters.addWidget(self.count_label)
        self.tab_layout.addLayout(filters)

        self.table = QTableView(self)
        self.table.setObjectName("auditTable")
        self.table.setAccessibleName("Audit trail")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setTabKeyNavigation(False)
        vertical = self.table.verticalHeader()
        vertical.hide()
        # Fixed row heights: the view never asks every row for its size (which would read every page).
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.table.fontMetrics().height() + 12)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(AuditColumn.DETAILS, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        metrics = self.table.fontMetrics()
        for column, sample in _SAMPLE_TEXT.items():
            header.resizeSection(column, metrics.horizontalAdvance(sample) + _CELL_ROOM)

        self._stack = QStackedWidget(self)
        self._stack.addWidget(self.table)
        self.empty_label = empty_state("", self)
        self._stack.addWidget(self.empty_label)
        self.tab_layout.addWidget(self._stack, 1)

        bottom = QHBoxLayout()
        self.verify_button = QPushButton("Ver&ify chain", self)
        self.verify_button.setObjectName("verifyChain")
        self.verify_button.setToolTip(
            "Check that no entry has been changed, removed or put out of order since it was written"
        )
        self.verify_button.clicked.connect(self.verify_chain)
        bottom.addWidget(self.verify_button)
        self.seal_button = QPushButton("Sea&l now", self)
        self.seal_button.setObjectName("sealChain")
        self.seal_button.setToolTip(
            "Sign the newest entry as you, here and in the keyring file, so that removing entries up to "
            "it is detected (your sign-ins and backups seal it too)"
        )
        self.seal_button.clicked.connect(self.seal_chain)
        bottom.addWidget(self.seal_button)
        self.refresh_button = QPushButton("&Refresh", self)
        self.refresh_button.setToolTip("Read the audit trail again, with entries written since")
        self.refresh_button.clicked.connect(self.refresh)
        bottom.addWidget(self.refresh_button)
        self.message = MessageLine(self)
        bottom.addWidget(self.message, 1)
        bottom.addStretch(0)  # takes the room while the message is hidden
        self.tab_layout.addLayout(bottom)

        self.kind_combo.currentIndexChanged.connect(self.apply_filters)
        self.user_combo.currentIndexChanged.connect(self.apply_filters)
        self.period_combo.currentIndexChanged.connect(self._period_changed)
        self.from_edit.dateChanged.connect(self._from_changed)
        self.to_edit.dateChanged.connect(self.apply_filters)
        self.model.query_changed.connect(self._update_count)
        self._period_changed()
        hand_focus_to(self, self.kind_combo)  # not setFocusProxy: Tab would skip what comes before it

    def _caption(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text, self)
        label.setBuddy(buddy)
        return label

    def _date_edit(self, name: str, value: QDate) -> QDateEdit:
        edit = QDateEdit(value, self)
        edit.setObjectName(name)
        edit.setLocale(_UK)  # "2 Nov 2026" whatever the computer's language, as everywhere else
        edit.setDisplayFormat("d MMM yyyy")
        edit.setCalendarPopup(True)
        return edit

    # -- loading --------------------------------------------------------------------------------

    def reload(self) -> None:
        wanted = self.user_combo.currentData() or ""
        self.user_combo.blockSignals(True)
        try:
            self.user_combo.clear()
            self.user_combo.addItem("Everyone", "")
            for name in self._service.usernames():
                self.user_combo.addItem(name, name)
            self.user_combo.setCurrentIndex(max(self.user_combo.findData(wanted), 0))
        finally:
            self.user_combo.blockSignals(False)
        self._total = self._service.count()
        self.apply_filters(force=True)

    # -- filters --------------------------------------------------------------------------------

    def current_query(self) -> AuditQuery:
        data = self.kind_combo.currentData()
        kind = AuditKind(data) if data else None  # Qt hands a StrEnum back as a plain str
        period = self.period_combo.currentData()
        today = self._ctx.today()
        since = until = None
        if period == Period.TODAY:
            since = today
        elif period in (Period.WEEK, Period.MONTH):
            since = today - timedelta(days=int(period) - 1)
        elif period == Period.BETWEEN:
            since, until = _pydate(self.from_edit.date()), _pydate(self.to_edit.date())
        return AuditQuery(
            kinds=frozenset({kind}) if kind is not None else None,
            username=self.user_combo.currentData() or "",
            since=since,
            until=until,
        )

    def apply_filters(self, *_args: object, force: bool = False) -> None:
        if self.is_stale() and not force:
            return  # the first show reads with these filters
        query = self.current_query()
        if force or query != self.model.query or not self.model.is_loaded():
            self.model.set_query(query)

    def _period_changed(self, *_args: object) -> None:
        between = self.period_combo.currentData() == Period.BETWEEN
        for widget in (self.from_caption, self.from_edit, self.to_caption, self.to_edit):
            widget.setVisible(between)
        self.apply_filters()

    def _from_changed(self, value: QDate) -> None:
        # "To" never comes before "From".
        self.to_edit.setMinimumDate(value)
        self.apply_filters()

    def _filtered(self) -> bool:
        q = self.model.query
        return bool(q.kinds or q.username or q.since or q.until)

    def _update_count(self) -> None:
        shown = self.model.rowCount()
        if self._filtered():
            self.count_label.setText(f"{shown:,} of {count(self._total, 'entry', 'entries')}")
        else:
            self.count_label.setText(count(shown, "entry", "entries"))
        if shown:
            self._stack.setCurrentWidget(self.table)
        else:
            self.empty_label.setText(
                "No audit entries match these filters. Choose Everything, Everyone and All time to see them all."
                if self._filtered() else "The audit trail is empty."
            )
            self._stack.setCurrentWidget(self.empty_label)

    # -- the chain ------------------------------------------------------------------------------

    def is_verifying(self) -> bool:
        return self._verifying

    def verify_chain(self) -> None:
        """Check the chain on a worker thread; the outcome shows in the message line and is emitted
        as :attr:`chain_verified`."""
        if self._verifying:
            return
        self._verifying = True
        self.verify_button.setEnabled(False)
        self.message.say("Checking every entry of the audit trail…")
        run_in_background(self._service.verify, "Checking the audit trail", self._verified, self._verify_failed)

    def _verified(self, report: object) -> None:
        assert isinstance(report, ChainReport)
        self._verifying = False
        self.verify_button.setEnabled(True)
        if report.ok:
            self.message.good(
                f"Intact: {count(report.entries, 'entry', 'entries')}. None has been changed or removed since it "
                f"was written. {' '.join(audit_summary(report))}"
            )
        else:
            where = report.first_break_id if report.first_break_id is not None else report.entries
            more = len(report.problems) - 1
            others = f" (and {count(more, 'other problem', 'other problems')})" if more > 0 else ""
            self.message.bad(
                f"Broken at entry {where:,}: {report.problem}{others}. "
                "Keep a copy of this database as it is, and tell whoever is responsible for information "
                "security (cspdesk audit verify lists every problem)."
            )
            self._show_entry(report.first_break_id)
        emit(self.chain_verified, report)

    def seal_chain(self) -> None:
        """Seal the head on a worker thread; the outcome shows in the message line and is emitted
        as :attr:`chain_sealed`."""
        self.seal_button.setEnabled(False)
        run_in_background(self._service.seal, "Sealing the audit trail", self._sealed, self._seal_failed)

    def _sealed(self, result: object) -> None:
        seal = result.value  # type: ignore[attr-defined] - an OpResult[Seal]
        self.seal_button.setEnabled(True)
        self.message.good(f"Sealed at entry {seal.entry:,}: removing entries up to it will now be detected.")
        emit(self.chain_sealed, seal)

    def _seal_failed(self, error: object) -> None:
        self.seal_button.setEnabled(True)
        self.message.bad(str(error))

    def _verify_failed(self, error: object) -> None:
        self._verifying = False
        self.verify_button.setEnabled(True)
        self.message.bad(str(error))

    def _show_entry(self, event_id: int | None) -> None:
        row = self.model.row_of(event_id) if event_id is not None else None
        if row is None:
            return
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
