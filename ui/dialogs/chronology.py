"""The chronology window: everything that happened to a person, a case or an OCG on the panels the
user is a member of, oldest first, with filters (panel, kind of event, dates) and Print….

Opened by "Chronology…" (Ctrl+Shift+H) from the case view, the referral form's match list and the
meeting-mode brief. The events are read once (one audited view); the filters then work on what was
read, so changing them costs nothing and writes nothing. Print… prints what the filters show.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.chronology import ChronologyFilter, EventKind
from cspdesk.services.people.chronology import CASE, GROUP, Chronology, ChronologyService, Subject
from cspdesk.services.context import ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk.services.people.known_to import AlsoKnownToService
from cspdesk_gui.formatting import count
from cspdesk_gui.operations import OnDatabaseThread
from cspdesk_gui.models.chronology import ChronologyModel, EventColumn
from cspdesk_gui.signals import emit
from cspdesk_gui.windows import bring_to_front, fit_to_screen

#: The shortcut of "Chronology…" wherever it is offered.
CHRONOLOGY_KEYS = "Ctrl+Shift+H"

#: The date edits' "no limit" (their minimum, shown as a dash).
_NO_DATE = QDate(1900, 1, 1)


class LimitDateEdit(QDateEdit):
    """A date edit that Tab leaves while it shows "—" (no limit).

    Tab steps through a date's day, month and year and leaves after the year; on the special
    text there are no sections to step through, QDateTimeEdit went back to the first one each
    time, and Tab never left the field (a keyboard trap, WCAG 2.1.2: issue 24)."""

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: N802 - Qt's names
        if self.date() == self.minimumDate() and self.specialValueText():
            return QAbstractSpinBox.focusNextPrevChild(self, next)
        return super().focusNextPrevChild(next)


def limit_date_edit(parent: QWidget, name: str, accessible: str) -> QDateEdit:
    """A date filter's field: empty ("—", its minimum) means no limit."""
    edit = LimitDateEdit(parent)
    edit.setObjectName(name)
    edit.setAccessibleName(accessible)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("d MMM yyyy")
    edit.setMinimumDate(_NO_DATE)
    edit.setSpecialValueText("—")
    edit.setDate(_NO_DATE)
    return edit


def limit_day(edit: QDateEdit):  # noqa: ANN201 - date | None
    """The day a :func:`limit_date_edit` holds, or None for no limit."""
    return None if edit.date() == _NO_DATE else edit.date().toPython()


class ChronologyDialog(QDialog):
    """One chronology with its filters. ``chronology`` is what the service returned, unfiltered."""

    #: Print… opened the preview: the dialog.
    preview_opened = Signal(object)

    def __init__(self, ctx: ServiceContext, chronology: Chronology, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.chronology = chronology
        self.setObjectName("chronologyDialog")
        self.setWindowTitle(f"Chronology — {chronology.subject}")
        self.setModal(False)
        fit_to_screen(self, 900, 640)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 12)
        layout.setSpacing(8)
        heading = QLabel(chronology.subject, self)
        heading.setObjectName("dialogHeading")
        heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(heading)
        drawn = ", ".join(name for _, name in chronology.panels()) or "none of your panels"
        note = QLabel(f"From the panels you are a member of: {drawn}.", self)
        note.setObjectName("mutedText")
        note.setWordWrap(True)
        layout.addWidget(note)

        filters = QHBoxLayout()
        filters.setSpacing(6)
        self.panel_filter = QComboBox(self)
        self.panel_filter.setObjectName("chronologyPanel")
        self.panel_filter.setAccessibleName("Panel")
        self.panel_filter.addItem("All panels", None)
        for panel_id, name in chronology.panels():
            self.panel_filter.addItem(name, panel_id)
        self.kind_filter = QComboBox(self)
        self.kind_filter.setObjectName("chronologyKind")
        self.kind_filter.setAccessibleName("Kind of event")
        self.kind_filter.addItem("All events", None)
        for kind in EventKind:
            self.kind_filter.addItem(kind.label, kind)
        self.start = limit_date_edit(self, "chronologyFrom", "From")
        self.end = limit_date_edit(self, "chronologyTo", "To")
        for caption, widget in (("&Panel", self.panel_filter), ("&Events", self.kind_filter),
                                ("&From", self.start), ("&To", self.end)):
            label = QLabel(caption, self)
            label.setBuddy(widget)
            filters.addWidget(label)
            filters.addWidget(widget)
        filters.addStretch(1)
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("mutedText")
        filters.addWidget(self.count_label)
        layout.addLayout(filters)

        self.model = ChronologyModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("chronologyTable")
        self.table.setAccessibleName("Chronology")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setHighlightSections(False)
        for column in (EventColumn.DATE, EventColumn.KIND, EventColumn.WHERE):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(EventColumn.WHAT, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.empty_label = QLabel("No events.", self)
        self.empty_label.setObjectName("mutedText")
        layout.addWidget(self.empty_label)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        self.buttons.rejected.connect(self.reject)
        # Enter belongs to the field it is typed in (the search opens what it found), never to Close.
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
        self.print_button = QPushButton("Print…", self)
        self.print_button.setObjectName("chronologyPrint")
        self.print_button.setToolTip("Preview the chronology as filtered, then print it or save it as PDF (Ctrl+P)")
        self.print_button.setAutoDefault(False)
        self.print_button.setShortcut(QKeySequence("Ctrl+P"))
        self.print_button.clicked.connect(self.print_chronology)
        self.buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout.addWidget(self.buttons)

        for combo in (self.panel_filter, self.kind_filter):
            combo.currentIndexChanged.connect(self.refilter)
        for edit in (self.start, self.end):
            edit.dateChanged.connect(self.refilter)
        self.refilter()
        self.table.setFocus()

    def current_filter(self) -> ChronologyFilter:
        panel = self.panel_filter.currentData()
        kind = self.kind_filter.currentData()
        return ChronologyFilter(panel_ids=frozenset({panel}) if panel is not None else None,
                                kinds=frozenset({kind}) if kind is not None else None,
                                start=limit_day(self.start), end=limit_day(self.end))

    def refilter(self) -> None:
        shown = self.current_filter().apply(self.chronology.events)
        self.model.set_events(shown)
        total = len(self.chronology.events)
        self.count_label.setText(count(len(shown), "event") + (f" of {total:,}" if len(shown) != total else ""))
        self.empty_label.setVisible(not shown)
        self.table.setVisible(bool(shown))

    def print_chronology(self):  # noqa: ANN201 - PreviewDialog
        from cspdesk_gui.printing.preview import open_preview
        from cspdesk_gui.printing.sources import chronology_choice

        of = self.chronology.of
        # A person's name never goes into a window title another program may list, nor a file name.
        subject = self.chronology.subject if of.kind in (CASE, GROUP) else "a person"
        dialog = open_preview(self, choice=chronology_choice(self.ctx, of, subject, self.current_filter()))
        emit(self.preview_opened, dialog)
        return dialog


def open_chronology(parent: QWidget, ctx: ServiceContext, of: Subject) -> ChronologyDialog | None:
    """Read the chronology (one audited view) and show its window; a refusal is shown instead."""
    service = ChronologyService(ctx)
    read = {"person": service.person, "case": service.case, "group": service.group}[of.kind]
    try:
        chronology = read(of.id)
    except ServiceError as exc:
        box = QMessageBox(QMessageBox.Icon.Warning, "Chronology", str(exc), QMessageBox.StandardButton.Ok, parent)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return None
    dialog = ChronologyDialog(ctx, chronology, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    bring_to_front(dialog)
    return dialog


def also_known_to(ctx: ServiceContext, person_id: int, besides: str = "") -> str:
    """"Also known to: Testshire CSVG, Testshire CARM", or "" when the setting allows no names (or
    the person is on no other panel). ``besides``: the panel the person is being shown on, left out
    (an administrator, on every panel, is told of every panel holding the person). The service
    audits the names it returns."""
    try:
        # On the database thread (the runner): the case view and the brief ask while they open.
        names = [n for n in OnDatabaseThread(AlsoKnownToService(ctx)).names(person_id) if n != besides]
    except ServiceError:
        return ""
    return f"Also known to: {', '.join(names)}" if names else ""


def also_known_to_lines(ctx: ServiceContext, people, besides: str = "") -> str:  # noqa: ANN001 - (id, name) pairs
    """One line per person of ``people`` (person id, name) who is also known to other panels."""
    lines = []
    for person_id, name in people:
        said = also_known_to(ctx, person_id, besides)
        if said:
            lines.append(f"{name} — {said}")
    return "\n".join(lines)


class KnownToMemo:
    """"Also known to" for a window that shows the same people again and again (a form's matches as
    the name is typed, a meeting's briefs as the chair goes back and forth): asked of the service
    (and audited) once per person while the window is open."""

    def __init__(self, ctx: ServiceContext, besides: str = "") -> None:
        self._ctx = ctx
        self._besides = besides
        self._said: dict[int, str] = {}

    def __call__(self, person_id: int) -> str:
        if person_id not in self._said:
            self._said[person_id] = also_known_to(self._ctx, person_id, self._besides)
        return self._said[person_id]


def chronology_hooks(parent: QWidget, ctx: ServiceContext) -> dict:
    """The referral form's match list's ``about`` and ``chronology`` (for a match with a ``person_id``)."""
    memo = KnownToMemo(ctx)
    return {"about": lambda found: memo(found.person_id),
            "chronology": lambda found: open_chronology(parent, ctx, Subject.person(found.person_id))}
