"""What the Actions section's tabs share: the action list's table (its widths, group rules and status
keys), the tab base class, selection helpers, who may change an action, and the status dialog.

:mod:`cspdesk_gui.pages.tracker`, :mod:`cspdesk_gui.pages.my_actions` and :mod:`cspdesk_gui.pages.ocgs` import from here, and
:mod:`cspdesk_gui.pages.actions` (the page with the tabs) imports them: no module imports its importer.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from cspdesk.domain.enums import ActionStatus, Role
from cspdesk.services.actions.actions import (
    ActionRow,
    ActionService,
)
from cspdesk.services.context import OpChanges, Permission, ServiceContext
from cspdesk_gui import theme
from cspdesk_gui.dialogs.action_status import ActionStatusDialog, StatusChoice, status_for_key
from cspdesk_gui.formatting import count
from cspdesk_gui.models.action_table import (
    ActionColumn,
    ActionTableModel,
    GroupStartRole,
    one_line,
)
from cspdesk_gui.signals import emit
from cspdesk_gui.widgets.meaning_column import MeaningColumn


#: Text as wide as a column's usual contents, for its first width.
SAMPLE_TEXT = {
    ActionColumn.GROUP: "Kent Fire and Rescue",
    ActionColumn.RAG: "Amber",
    ActionColumn.NUMBER: "10.10",
    ActionColumn.AGENCY: "Kent and Medway NHS Trust",
    ActionColumn.OWNER: "Sarah Whitmore-Jones",
    ActionColumn.DUE: "28 Sep 2026",
    ActionColumn.STATUS: "Discontinued",
    ActionColumn.CASE: "MARAC-2026-0000",
    ActionColumn.PANEL: "Maidstone CSVG",
    ActionColumn.UPDATED: "28 Sep 2026",
}
#: Room round a cell's text: its margins and the sort arrow.
CELL_ROOM = 22
_MAX_WIDTH = {ActionColumn.AGENCY: 140, ActionColumn.OWNER: 110, ActionColumn.GROUP: 170}


class GroupRuleDelegate(QStyledItemDelegate):
    """Draws a rule above the first row of each group, across every column."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().paint(painter, option, index)
        # model.data(), not index.data(): PySide6 6.12's QModelIndex.data() drops a reference to
        # None each time it returns None, and enough of those abort the interpreter at exit.
        if index.row() > 0 and index.model().data(index, GroupStartRole):
            painter.save()
            painter.setPen(QPen(theme.colour("indicatorBorder"), 1))
            rect: QRect = option.rect
            painter.drawLine(rect.topLeft(), rect.topRight())
            painter.restore()


class ActionTable(QTableView):
    """The tracker's list: letters O, G, H, C, D ask for that status for the selected actions."""

    #: A status key was pressed: the status.
    status_key_pressed = Signal(object)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            status = status_for_key(event.text())
            if status is not None and self.selectionModel().hasSelection():
                emit(self.status_key_pressed, status)
                event.accept()
                return
        super().keyPressEvent(event)


def may_change(ctx: ServiceContext, row: ActionRow | None) -> bool:
    """Whether the signed-in person may change this action (the service decides; this only spares
    them a dialog that would be refused): officers change their own agency's actions only."""
    if row is None or not ctx.actor.can(Permission.UPDATE_ACTIONS):
        return False
    return ctx.actor.role != Role.OFFICER or row.owner_agency_id == ctx.actor.agency_id


def refusal(ctx: ServiceContext, rows: list[ActionRow | None]) -> str:
    """Why some of ``rows`` may not be changed by the person signed in ("" when all may)."""
    others = [r for r in rows if r is not None and not may_change(ctx, r)]
    if not others:
        return ""
    agencies = sorted({r.owner_agency or "no agency" for r in others})
    if len(rows) == 1:
        what = "That action belongs"
    elif len(others) == 1:
        what = "One of these actions belongs"
    else:
        what = f"{len(others):,} of these actions belong"
    return (f"{what} to {', '.join(agencies)}: officers change only their own agency's actions. "
            "Choose your agency under Agency, or use My actions.")


def reselect(table: QTableView, model: ActionTableModel, ids: list[int], old_row: int | None) -> None:
    """After the list was read again: select ``ids`` where they are still listed; when none is (a
    completed action left a "not finished" list), the row that took the first one's place — the
    next action, ready for the next key."""
    select_action_ids(table, model, ids)
    if not table.selectionModel().hasSelection() and old_row is not None and model.rowCount():
        row = min(old_row, model.rowCount() - 1)
        index = model.index(row, ActionColumn.ACTION)
        table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        table.scrollTo(index)


def first_selected_row(table: QTableView) -> int | None:
    rows = [index.row() for index in table.selectionModel().selectedRows()]
    return min(rows) if rows else None


def select_action_ids(table: QTableView, model: ActionTableModel, ids: list[int]) -> None:
    """Select the rows of ``ids`` that are listed (the first one current and scrolled to)."""
    selection = table.selectionModel()
    selection.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    first = None
    for action_id in ids:
        row = model.row_of(action_id)
        if row is None:
            continue
        index = model.index(row, ActionColumn.ACTION)
        selection.select(index, flags)
        first = first or index
    if first is not None:
        selection.setCurrentIndex(first, QItemSelectionModel.SelectionFlag.NoUpdate)
        table.scrollTo(first)


def make_action_table(parent: QWidget, model: ActionTableModel, name: str) -> ActionTable:
    table = ActionTable(parent)
    table.setObjectName(name)
    table.setAccessibleName("Actions")
    table.setModel(model)
    table.setItemDelegate(GroupRuleDelegate(table))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    vertical = table.verticalHeader()
    vertical.hide()
    # Fixed heights: the view never asks every row for its size (which would read every page).
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vertical.setDefaultSectionSize(table.fontMetrics().height() + 12)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.meaning_column = MeaningColumn(  # type: ignore[attr-defined]
        table, ActionColumn.ACTION, table.fontMetrics().horizontalAdvance("M") * 20)
    header.setStretchLastSection(False)
    header.setMinimumSectionSize(44)
    plain = table.fontMetrics()
    bold_font = QFont(table.font())
    bold_font.setBold(True)
    bold = QFontMetrics(bold_font)
    for column, sample in SAMPLE_TEXT.items():
        metrics = bold if column in (ActionColumn.RAG, ActionColumn.DUE, ActionColumn.GROUP) else plain
        width = min(metrics.horizontalAdvance(sample), _MAX_WIDTH.get(column, 200))
        width = max(width, bold.horizontalAdvance(column.title) + 8)
        # The RAG dot; overdue dates are bold, and the sorted column has its arrow.
        extra = {ActionColumn.RAG: 18, ActionColumn.DUE: 22}.get(column, 0)
        header.resizeSection(column, width + CELL_ROOM + extra)
    return table


class ActionsTab(QWidget):
    """A tab of the Actions page: read when first shown, and again after changes only if shown."""

    #: Something was written: the service's OpChanges.
    changes_made = Signal(object)
    #: A status dialog was opened (tests drive it; the app simply shows it).
    status_dialog_opened = Signal(object)
    #: A print preview was opened (tests drive it; the app simply shows it).
    preview_opened = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stale = True

    def is_stale(self) -> bool:
        return self._stale

    def mark_stale(self) -> None:
        self._stale = True

    def reload(self) -> None:
        """Read everything the tab shows."""
        self._stale = False
        self.read()

    def read(self) -> None:
        raise NotImplementedError

    def refresh_in_place(self) -> None:
        """After a change: read again, keeping what the user chose (filters, selection)."""
        self.reload()


def open_status_dialog(
    parent: QWidget,
    service: ActionService,
    ids: list[int],
    model: ActionTableModel,
    status: ActionStatus | None,
    saved,  # noqa: ANN001 - Callable[[list[int], OpChanges, str], None]
    opened_signal,  # noqa: ANN001 - the parent's SignalInstance for tests
    *,
    today: date,
) -> ActionStatusDialog:
    """The status dialog for ``ids``: one action names itself and starts from its status; many get
    one note and go through :meth:`ActionService.bulk_update_status` in one transaction."""
    many = len(ids) > 1
    current = None
    version = None
    if many:
        subject = count(len(ids), "action")
    else:
        row = model.action_row(model.row_of(ids[0]) or 0)
        current = row.status if row is not None else None
        version = row.version if row is not None else None
        subject = one_line(row.text) if row is not None else "this action"
        if row is not None and row.number:
            subject = f"{row.number}. {subject}"

    def apply(choice: StatusChoice) -> tuple[list[int], OpChanges, str]:
        if many:
            result = service.bulk_update_status(ids, choice.status, choice.note, reason=choice.reason,
                                                completed_on=choice.completed_on)
            text = f"{count(result.value, 'action')} now {choice.status.label.lower()}."
        else:
            result = service.update_status(ids[0], choice.status, choice.note, reason=choice.reason,
                                           completed_on=choice.completed_on, expected_version=version)
            text = f"Saved: {choice.status.label}."
        return ids, result.changes, text

    dialog = ActionStatusDialog(subject, apply, today=today, status=status, current=current, many=many,
                                parent=parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.status_applied.connect(lambda value: saved(*value))
    dialog.open()
    dialog.first_box().setFocus(Qt.FocusReason.OtherFocusReason)
    emit(opened_signal, dialog)
    return dialog

