"""The OCGs tab (SOCP): organised crime groups and their 4P plans.

The list filters by status (Active / Under review / Archived) and by reference or name; the pane
beside it shows one group: its lead officer, status, nominals, threat/risk/harm score with its
history, and its actions by strand — Pursue, Prevent, Protect, Prepare. "Archive…" asks why and who
approved it; an archived group leaves the active list.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer
from PySide6.QtGui import QKeySequence, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.enums import GroupStatus, Strand
from cspdesk.services.context import Permission, ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk.services.referrals.ocgs import OcgDetail, OcgQuery, OcgService
from cspdesk_gui import theme
from cspdesk_gui.dialogs.ocg_archive import OcgArchiveDialog
from cspdesk_gui.formatting import count, short_date
from cspdesk_gui.models.action_table import one_line, status_text
from cspdesk_gui.models.ocg_table import OcgColumn, OcgTableModel, score_text, status_words
from cspdesk_gui.pages.action_tables import ActionsTab
from cspdesk_gui.pages.admin.common import MessageLine
from cspdesk_gui.pages.base import empty_state
from cspdesk_gui.rag import rag_brush, rag_icon, rag_tooltip
from cspdesk_gui.signals import emit
from cspdesk_gui.accessibility import hand_focus_to
from cspdesk_gui.widgets.scroll_body import ScrollBody

#: The status filter: label and the statuses kept (None: all).
STATUS_FILTERS: list[tuple[str, frozenset[GroupStatus] | None]] = [
    ("Active", frozenset({GroupStatus.ACTIVE})),
    ("Under review", frozenset({GroupStatus.UNDER_REVIEW})),
    ("Active and under review", frozenset({GroupStatus.ACTIVE, GroupStatus.UNDER_REVIEW})),
    ("Archived", frozenset({GroupStatus.ARCHIVED})),
    ("All", None),
]

STRAND_WORDS = {
    Strand.PURSUE: "Pursue — prosecute and disrupt",
    Strand.PREVENT: "Prevent — stop people being drawn in",
    Strand.PROTECT: "Protect — make people, places and businesses harder targets",
    Strand.PREPARE: "Prepare — reduce the harm it causes",
}

_SEARCH_DEBOUNCE_MS = 200


def _value(text: str, parent: QWidget, name: str = "") -> QLabel:
    label = QLabel(text, parent)
    if name:
        label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _small_table(parent: QWidget, name: str, model: QStandardItemModel) -> QTableView:
    """A short, read-only table sized to its rows (a handful: nominals, scores)."""
    table = QTableView(parent)
    table.setObjectName(name)
    table.setModel(model)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.verticalHeader().hide()
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
    return table


def _fit_height(view: QTableView, rows: int) -> None:
    """As tall as its rows: the pane scrolls, not each little table."""
    header = view.horizontalHeader().sizeHint().height()
    view.setFixedHeight(header + max(rows, 1) * view.verticalHeader().defaultSectionSize() + 2 * view.frameWidth())


class OcgDetailPane(QFrame):
    """One group in full (read from one :meth:`OcgService.get_ocg`)."""

    def __init__(self, parent: QWidget | None = None, *, can_edit: bool) -> None:
        super().__init__(parent)
        self.detail: OcgDetail | None = None
        self.setObjectName("ocgDetail")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self._stack = QStackedWidget(self)
        outer.addWidget(self._stack)
        self.empty_label = empty_state("Choose a group to see its 4P plan.", self)
        self._stack.addWidget(self.empty_label)

        scroll = QScrollArea(self)
        scroll.setObjectName("ocgScroll")
        scroll.setAccessibleName("OCG details")  # a focus stop (arrows scroll it): say what it holds
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = ScrollBody(scroll)
        body.setObjectName("ocgBody")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(8)
        scroll.setWidget(body)
        self._stack.addWidget(scroll)

        top = QHBoxLayout()
        self.heading = _value("", body, "ocgHeading")
        top.addWidget(self.heading, 1)
        self.status_chip = QLabel("", body)
        self.status_chip.setObjectName("ocgStatusChip")
        top.addWidget(self.status_chip, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        self.description = _value("", body, "detailCaption")
        layout.addWidget(self.description)

        self.facts = QFormLayout()
        self.facts.setHorizontalSpacing(14)
        self.facts.setVerticalSpacing(4)
        layout.addLayout(self.facts)
        self.fact_labels: dict[str, QLabel] = {}
        self._body = body

        buttons = QHBoxLayout()
        self.archive_button = QPushButton("&Archive…", body)
        self.archive_button.setObjectName("archiveOcg")
        self.archive_button.setToolTip("Archive the group: asks why and who approved it")
        self.review_button = QPushButton("Mark under &review", body)
        self.review_button.setObjectName("reviewOcg")
        self.active_button = QPushButton("Mark a&ctive", body)
        self.active_button.setObjectName("activateOcg")
        for button in (self.archive_button, self.review_button, self.active_button):
            button.setVisible(can_edit)
            buttons.addWidget(button)
        buttons.addStretch(1)
        # Anyone who may see the plan may print it (the print is recorded).
        self.print_button = QPushButton("&Print 4P plan…", body)
        self.print_button.setObjectName("printOcgPlan")
        self.print_button.setShortcut(QKeySequence("Ctrl+P"))
        self.print_button.setToolTip("Print preview of this group's 4P plan (Ctrl+P); print it or save it as PDF")
        buttons.addWidget(self.print_button)
        layout.addLayout(buttons)
        self.message = MessageLine(body)
        layout.addWidget(self.message)

        layout.addWidget(_value("Threat, risk and harm", body, "sectionCaption"))
        self.score_label = _value("", body)
        layout.addWidget(self.score_label)
        self.score_model = QStandardItemModel(0, 6, self)
        self.score_model.setHorizontalHeaderLabels(["Assessed", "Score", "Harm", "Likelihood", "Position", "By"])
        self.score_table = _small_table(body, "ocgScores", self.score_model)
        layout.addWidget(self.score_table)

        self.nominals_caption = _value("Nominals", body, "sectionCaption")
        layout.addWidget(self.nominals_caption)
        self.nominal_model = QStandardItemModel(0, 4, self)
        self.nominal_model.setHorizontalHeaderLabels(["Name", "Role", "Born", "Also known as"])
        self.nominal_table = _small_table(body, "ocgNominals", self.nominal_model)
        layout.addWidget(self.nominal_table)

        self.actions_caption = _value("4P plan: actions by strand", body, "sectionCaption")
        layout.addWidget(self.actions_caption)
        self.strand_model = QStandardItemModel(0, 5, self)
        self.strand_model.setHorizontalHeaderLabels(["Action", "RAG", "Agency", "Due", "Status"])
        self.strand_tree = QTreeView(body)
        self.strand_tree.setObjectName("ocgStrands")
        self.strand_tree.setModel(self.strand_model)
        self.strand_tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.strand_tree.setUniformRowHeights(True)
        self.strand_tree.setAlternatingRowColors(False)
        self.strand_tree.setWordWrap(False)
        self.strand_tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.strand_tree.header()
        header.setStretchLastSection(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        metrics = self.strand_tree.fontMetrics()
        for column, sample in ((1, "Amber"), (2, "Kent Fire and Rescue"), (3, "28 Sep 2026"), (4, "Discontinued")):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, metrics.horizontalAdvance(sample) + (34 if column == 1 else 16))
        self.strand_tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.strand_tree, 1)

    def _fact(self, caption: str, text: str) -> None:
        label = self.fact_labels.get(caption)
        if label is None:
            label = _value("", self._body)
            cap = QLabel(caption, self._body)
            cap.setObjectName("detailCaption")
            self.facts.addRow(cap, label)
            self.fact_labels[caption] = label
        label.setText(text)
        self.facts.setRowVisible(label, bool(text))

    def clear(self, text: str = "Choose a group to see its 4P plan.") -> None:
        self.detail = None
        self.empty_label.setText(text)
        self._stack.setCurrentIndex(0)

    def show_detail(self, detail: OcgDetail) -> None:
        self.detail = detail
        row = detail.row
        self.heading.setText(f"{row.reference} — {row.name}" if row.reference else row.name)
        self.status_chip.setText(status_words(row))
        self.status_chip.setProperty("archived", "true" if row.status == GroupStatus.ARCHIVED else "false")
        self.status_chip.style().unpolish(self.status_chip)
        self.status_chip.style().polish(self.status_chip)
        self.description.setText(detail.description)
        self.description.setVisible(bool(detail.description))
        lead = row.lead_officer
        if lead and row.lead_officer_agency:
            lead = f"{lead} ({row.lead_officer_agency})"
        self._fact("Panel", row.panel_name)
        self._fact("Case", row.case_reference)
        self._fact("Lead officer", lead or "None named")
        self._fact("Open actions", f"{row.open_actions:,}")
        archived = row.status == GroupStatus.ARCHIVED
        self._fact("Archived", short_date(row.archived_on) if archived else "")
        self._fact("Reason", detail.archive_reason if archived else "")
        self._fact("Approved by", detail.archive_approved_by if archived else "")
        self.archive_button.setEnabled(not archived)
        self.review_button.setEnabled(row.status != GroupStatus.UNDER_REVIEW)
        self.active_button.setEnabled(row.status != GroupStatus.ACTIVE)
        self.active_button.setText("Re&open as active" if archived else "Mark a&ctive")
        self._show_scores(detail)
        self._show_nominals(detail)
        self._show_strands(detail)
        self._stack.setCurrentIndex(1)

    def _show_scores(self, detail: OcgDetail) -> None:
        self.score_model.removeRows(0, self.score_model.rowCount())
        if not detail.scores:
            self.score_label.setText("Not scored yet.")
            self.score_table.hide()
            return
        latest = detail.scores[0]
        trend = ""
        if len(detail.scores) > 1 and latest.score is not None and detail.scores[1].score is not None:
            before = detail.scores[1].score
            trend = " — up from " if latest.score > before else " — down from " if latest.score < before else " — unchanged from "
            trend += f"{before} on {short_date(detail.scores[1].assessed_on)}"
        self.score_label.setText(f"Latest: {score_text(latest.score, latest.risk_level)}, "
                                 f"{short_date(latest.assessed_on)}{trend}.")
        for score in detail.scores:
            factors = dict(score.factors)
            items = [QStandardItem(text) for text in (
                short_date(score.assessed_on), score_text(score.score, score.risk_level), factors.get("harm", ""),
                factors.get("likelihood", ""), factors.get("position", ""), score.assessor,
            )]
            if score.notes:
                for item in items:
                    item.setToolTip(score.notes)
            self.score_model.appendRow(items)
        self.score_table.show()
        _fit_height(self.score_table, len(detail.scores))

    def _show_nominals(self, detail: OcgDetail) -> None:
        self.nominal_model.removeRows(0, self.nominal_model.rowCount())
        self.nominals_caption.setText(f"Nominals ({len(detail.nominals)})" if detail.nominals else "Nominals")
        if not detail.nominals:
            self.nominal_model.appendRow([QStandardItem("No nominals linked yet."), *(QStandardItem("") for _ in range(3))])
        for n in detail.nominals:
            self.nominal_model.appendRow([
                QStandardItem(n.name), QStandardItem(n.role.capitalize() if n.role.islower() else n.role),
                QStandardItem(short_date(n.date_of_birth)), QStandardItem(", ".join(n.aliases)),
            ])
        _fit_height(self.nominal_table, max(len(detail.nominals), 1))

    def _show_strands(self, detail: OcgDetail) -> None:
        self.strand_model.removeRows(0, self.strand_model.rowCount())
        by_strand = {s.strand: s.actions for s in detail.strands}
        shown_rows = 0
        bold = self.font()
        bold.setBold(True)
        strands: list[Strand | None] = [*Strand]
        if None in by_strand:
            strands.append(None)
        for strand in strands:
            actions = by_strand.get(strand, ())
            title = STRAND_WORDS[strand] if strand is not None else "No strand given"
            top = QStandardItem(f"{title}  ({len(actions)})")
            top.setFont(bold)
            top.setToolTip(title)
            blanks = [QStandardItem("") for _ in range(4)]
            self.strand_model.appendRow([top, *blanks])
            # The strand's title runs across the row, not cut short in the first column.
            self.strand_tree.setFirstColumnSpanned(self.strand_model.rowCount() - 1, QModelIndex(), True)
            shown_rows += 1
            if not actions:
                none = QStandardItem("No actions in this strand.")
                none.setForeground(theme.brush("muted"))
                top.appendRow([none, *(QStandardItem("") for _ in range(4))])
                self.strand_tree.setFirstColumnSpanned(0, top.index(), True)
            for a in actions:
                rag_item = QStandardItem(rag_icon(a.rag), a.rag.label)
                rag_item.setForeground(rag_brush(a.rag))
                rag_item.setToolTip(rag_tooltip(a.rag))
                text = QStandardItem(one_line(a.text))
                text.setToolTip(a.text)
                status = QStandardItem(a.status.label)
                status.setToolTip(f"{a.status.label}: {a.status_reason}" if a.status_reason else status_text(a))
                agency = QStandardItem(a.owner_agency)
                agency.setToolTip(a.owner_agency)
                top.appendRow([text, rag_item, agency, QStandardItem(short_date(a.due_date)), status])
            shown_rows += max(len(actions), 1)
        self.strand_tree.expandAll()
        # Tall enough for a usual plan; a longer one scrolls inside the tree.
        row_height = self.strand_tree.fontMetrics().height() + 4
        self.strand_tree.setMinimumHeight(min(shown_rows, 24) * row_height + self.strand_tree.header().sizeHint().height())

    def strand_counts(self) -> dict[Strand | None, int]:
        """How many actions each strand shows (for tests)."""
        if self.detail is None:
            return {}
        return {s.strand: len(s.actions) for s in self.detail.strands}


class OcgView(ActionsTab):
    """The list of groups with a status filter, and the chosen group's 4P plan."""

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.service = OcgService(ctx)
        self.can_edit = ctx.actor.can(Permission.EDIT_CASES)
        self.model = OcgTableModel(self.service, OcgQuery(statuses=STATUS_FILTERS[0][1]), parent=self)
        self._pending_select: int | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(8)
        top = QHBoxLayout()
        self.search_box = QLineEdit(self)
        self.search_box.setObjectName("ocgSearch")
        self.search_box.setPlaceholderText("Reference or name")
        self.search_box.setAccessibleName("Search groups")
        self.search_box.setClearButtonEnabled(True)
        top.addWidget(self.search_box, 2)
        caption = QLabel("&Status", self)
        self.status_combo = QComboBox(self)
        self.status_combo.setObjectName("ocgStatusFilter")
        self.status_combo.setAccessibleName("Status")
        for label, _statuses in STATUS_FILTERS:
            self.status_combo.addItem(label)
        caption.setBuddy(self.status_combo)
        top.addWidget(caption)
        top.addWidget(self.status_combo)
        self.message = MessageLine(self)
        top.addWidget(self.message, 2)
        top.addStretch(1)
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("countLabel")
        top.addWidget(self.count_label)
        layout.addLayout(top)
        self.period_label = QLabel("", self)
        self.period_label.setObjectName("mutedText")
        self.period_label.setToolTip("Managed: recorded by the end of the quarter and not archived before it began")
        layout.addWidget(self.period_label)

        self.table = QTableView(self)
        self.table.setObjectName("ocgTable")
        self.table.setAccessibleName("Organised crime groups")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 12)
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(OcgColumn.NAME, QHeaderView.ResizeMode.Stretch)
        metrics = self.table.fontMetrics()
        for column, sample in ((OcgColumn.REFERENCE, "OCG-0000"), (OcgColumn.STATUS, "Under review"),
                               (OcgColumn.LEAD, "DS Sarah Whitmore"), (OcgColumn.NOMINALS, "Nominals"),
                               (OcgColumn.OPEN_ACTIONS, "Open"), (OcgColumn.SCORE, "Medium (100)")):
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 24)
        # The list keeps what tells groups apart; lead officer and nominals are in the pane beside it.
        for column in (OcgColumn.LEAD, OcgColumn.NOMINALS):
            self.table.setColumnHidden(column, True)
        self._list_stack = QStackedWidget(self)
        self._list_stack.addWidget(self.table)
        self.empty_label = empty_state("", self)
        self._list_stack.addWidget(self.empty_label)
        self.detail = OcgDetailPane(self, can_edit=self.can_edit)
        self.detail.archive_button.clicked.connect(self.archive)
        self.detail.review_button.clicked.connect(lambda: self.set_status(GroupStatus.UNDER_REVIEW))
        self.detail.active_button.clicked.connect(lambda: self.set_status(GroupStatus.ACTIVE))
        self.detail.print_button.clicked.connect(lambda: self.print_plan())
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self._list_stack)
        splitter.addWidget(self.detail)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([440, 640])
        layout.addWidget(splitter, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(_SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply_filters)
        self.search_box.textChanged.connect(lambda _t: self._debounce.start())
        self.status_combo.currentIndexChanged.connect(self.apply_filters)
        self.model.query_changed.connect(self._query_changed)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        hand_focus_to(self, self.table)  # not setFocusProxy: Tab would skip what comes before it

    # -- loading --------------------------------------------------------------------------------

    def read(self) -> None:
        self._read_period()
        self.apply_filters(force=True)

    def refresh_in_place(self) -> None:
        self._stale = False
        self._pending_select = self.detail.detail.row.id if self.detail.detail is not None else None
        self._read_period()
        self.apply_filters(force=True)

    def _read_period(self) -> None:
        """This quarter's figures, as the SOCP's quarterly return counts them."""
        today = self._ctx.today()
        first_month = 3 * ((today.month - 1) // 3) + 1
        start = date(today.year, first_month, 1)
        try:
            counts = self.service.counts(start, today)
        except ServiceError:
            self.period_label.setText("")
            return
        self.period_label.setText(
            f"This quarter (from {short_date(start)}): {count(counts.managed, 'group')} managed, "
            f"{counts.archived:,} archived, {counts.adopted:,} newly adopted."
        )

    def current_query(self) -> OcgQuery:
        return OcgQuery(statuses=STATUS_FILTERS[max(self.status_combo.currentIndex(), 0)][1],
                        text=self.search_box.text().strip())

    def apply_filters(self, *_args: object, force: bool = False) -> None:
        self._debounce.stop()
        if self._stale and not force:
            return
        query = self.current_query()
        if force or query != self.model.query or not self.model.is_loaded():
            try:
                self.model.set_query(query)
            except ServiceError as exc:
                self.empty_label.setText(str(exc))
                self._list_stack.setCurrentWidget(self.empty_label)

    def set_status_filter(self, label: str) -> None:
        self.status_combo.setCurrentIndex(next(i for i, (text, _s) in enumerate(STATUS_FILTERS) if text == label))

    def _query_changed(self) -> None:
        statuses = self.model.query.statuses
        # One status chosen: every row would say it.
        self.table.setColumnHidden(OcgColumn.STATUS, statuses is not None and len(statuses) == 1)
        n = self.model.rowCount()
        self.count_label.setText(count(n, "group"))
        if n:
            self._list_stack.setCurrentWidget(self.table)
            wanted = self._pending_select
            self._pending_select = None
            row = self.model.row_of(wanted) if wanted is not None else None
            self.select_row(row if row is not None else 0)
        else:
            label = self.status_combo.currentText().lower()
            text = self.search_box.text().strip()
            self.empty_label.setText(
                f"No {label} groups match “{text}”." if text else
                f"No {label} organised crime groups." if self.model.query.statuses else
                "No organised crime groups on your panels yet."
            )
            self._list_stack.setCurrentWidget(self.empty_label)
            self.detail.clear("No group chosen.")

    def select_row(self, row: int) -> None:
        index = self.model.index(row, OcgColumn.REFERENCE)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index)
        self._show(self.model.ocg_id(row))

    def _current_changed(self, current, _previous) -> None:  # noqa: ANN001 - QModelIndex
        if current.isValid():
            group_id = self.model.ocg_id(current.row())
            if self.detail.detail is None or self.detail.detail.row.id != group_id:
                self._show(group_id)

    def _show(self, group_id: int) -> None:
        try:
            detail = self.service.get_ocg(group_id)
        except ServiceError as exc:
            self.detail.clear(str(exc))
            return
        self.detail.show_detail(detail)

    def print_plan(self):  # noqa: ANN201 - PreviewDialog | None
        """The print preview of the chosen group's 4P plan."""
        from cspdesk_gui.printing.preview import open_preview
        from cspdesk_gui.printing.sources import plan_source

        detail = self.detail.detail
        if detail is None:
            return None
        row = detail.row
        dialog = open_preview(self.window(), plan_source(self._ctx, row.id, row.reference or row.name))
        emit(self.preview_opened, dialog)
        return dialog

    # -- writes ---------------------------------------------------------------------------------

    def archive(self) -> OcgArchiveDialog | None:
        detail = self.detail.detail
        if detail is None or not self.can_edit:
            return None
        row = detail.row
        name = f"{row.reference} ({row.name})" if row.reference else row.name
        service = self.service
        group_id = row.id

        def apply(reason: str, approved_by: str, on: date) -> object:
            return service.archive(group_id, reason, approved_by, on)

        dialog = OcgArchiveDialog(name, apply, today=self._ctx.today(), parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.archived.connect(self._archived)
        dialog.open()
        emit(self.status_dialog_opened, dialog)
        return dialog

    def _archived(self, result: object) -> None:
        row = result.value  # type: ignore[attr-defined]
        self.message.good(f"{row.reference or row.name} archived: it has left the active list.")
        emit(self.changes_made, result.changes)  # type: ignore[attr-defined]

    def set_status(self, status: GroupStatus) -> None:
        detail = self.detail.detail
        if detail is None or not self.can_edit:
            return
        try:
            result = self.service.set_status(detail.row.id, status)
        except ServiceError as exc:
            self.detail.message.bad(str(exc))
            return
        self.message.good(f"{result.value.reference or result.value.name} is now {status.label.lower()}.")
        emit(self.changes_made, result.changes)
