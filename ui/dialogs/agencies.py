"""Agencies in the loop for one meeting (issue 18): each agency's research request (sent, returned,
not), the chase list and the circulation log; sending research requests, action update sheets and
minutes extracts to a folder (encrypted files, .eml drafts, passwords listed apart); and
"Import returns…" for any returned sheet.

Opened with ``open()``; the slow work (encrypting, writing, importing) runs off the GUI thread and
comes back as ``circulated`` / ``returns_imported`` (or ``failed`` with the message).
"""

from __future__ import annotations

import html
from enum import IntEnum
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.agency_loop import CirculationKind, ReturnState
from cspdesk.reports.meeting_papers import PaperResearch
from cspdesk.services.papers.circulate import CirculationService
from cspdesk.services.agencies.research import AgencyState, ResearchService
from cspdesk.services.agencies.returns import ReturnsService
from cspdesk.services.agencies.sealing import is_encrypted_office_file
from cspdesk.services.errors import ServiceError
from cspdesk_gui.background import run_in_background
from cspdesk_gui.dialogs.forms import error_label
from cspdesk_gui.formatting import short_datetime
from cspdesk_gui.signals import emit
from cspdesk_gui.windows import fit_to_screen


def research_html(research: tuple[PaperResearch, ...]) -> list[str]:
    """Meeting mode's paragraph of agencies' returned research on a case (nothing when none came back)."""
    if not research:
        return []
    esc = html.escape
    lines = []
    for r in research:
        said = "; ".join(x for x in (r.summary, f"risks: {r.risks}" if r.risks else "",
                                     f"contact with the victim: {r.victim_contact}" if r.victim_contact else "") if x)
        lines.append(f"<b>{esc(r.agency)}</b> ({esc(r.known or 'not said')})" + (f": {esc(said)}" if said else ""))
    return ["<p><b>Agencies' research:</b><br/>" + "<br/>".join(lines) + "</p>"]


class StateColumn(IntEnum):
    AGENCY = 0
    EMAIL = 1
    STATE = 2


_HEADERS = {StateColumn.AGENCY: "Agency", StateColumn.EMAIL: "Secure e-mail", StateColumn.STATE: "Research request"}


class AgencyStateModel(QAbstractTableModel):
    """Each agency's research request for the meeting (a short list: the agencies of one panel)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[AgencyState] = []

    def set_rows(self, rows: list[AgencyState]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, n: int) -> AgencyState:
        return self._rows[n]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(StateColumn)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        r = self._rows[index.row()]
        column = StateColumn(index.column())
        if column is StateColumn.AGENCY:
            return r.agency
        if column is StateColumn.EMAIL:
            return r.secure_email or "none held"
        return r.state_text

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(StateColumn):
            return _HEADERS[StateColumn(section)]
        return None


class AgenciesDialog(QDialog):
    circulated = Signal(object)  # CirculationResult
    returns_imported = Signal(object)  # ReturnReport
    changes_made = Signal(object)  # OpChanges
    failed = Signal(str)

    def __init__(self, ctx, meeting_id: int, words: str, parent: QWidget | None = None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self.setObjectName("agenciesDialog")
        self.setWindowTitle(f"Agencies — {words}")
        self.ctx, self.meeting_id = ctx, meeting_id
        self._call = None
        layout = QVBoxLayout(self)
        intro = QLabel("Agencies without accounts: send them their papers as encrypted files with e-mail drafts, "
                       "and import what they send back.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.model = AgencyStateModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("agencyStates")
        self.table.setAccessibleName("Each agency's research request")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(StateColumn.AGENCY, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(StateColumn.STATE, QHeaderView.ResizeMode.ResizeToContents)
        # As wide as its addresses and heading: a fixed width read "cure e-m" and "none …" at 200 %.
        self.table.horizontalHeader().setSectionResizeMode(StateColumn.EMAIL, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().hide()
        # A panel's agencies (eight or so) in view without scrolling; the chase list and log below.
        self.table.setMinimumHeight(self.table.verticalHeader().defaultSectionSize() * 8 + 30)
        layout.addWidget(self.table, 1)
        self.chase_label = QLabel("", self)
        self.chase_label.setObjectName("chaseList")
        self.chase_label.setWordWrap(True)
        self.chase_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.chase_label)
        self.log_label = QLabel("", self)
        self.log_label.setObjectName("circulationLog")
        self.log_label.setWordWrap(True)
        layout.addWidget(self.log_label)
        self.message = QLabel("", self)
        self.message.setObjectName("agenciesMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        self.error = error_label(self)
        layout.addWidget(self.error)
        row = QHBoxLayout()
        self.buttons: dict[CirculationKind, QPushButton] = {}
        for kind, text in ((CirculationKind.RESEARCH, "Send &research requests…"),
                           (CirculationKind.ACTIONS, "Send &action update sheets…"),
                           (CirculationKind.MINUTES, "Send minutes e&xtracts…")):
            button = QPushButton(text, self)
            button.setObjectName(f"circulate_{kind.value}")
            button.clicked.connect(lambda _c=False, k=kind: self._ask_and_circulate(k))
            self.buttons[kind] = button
            row.addWidget(button)
        self.import_button = QPushButton("&Import returns…", self)
        self.import_button.setObjectName("importReturns")
        self.import_button.setToolTip("File a returned research request or action update sheet (.xlsx)")
        self.import_button.clicked.connect(self._ask_and_import)
        row.addWidget(self.import_button)
        row.addStretch(1)
        layout.addLayout(row)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.failed.connect(self._show_error)
        fit_to_screen(self, 760, 640)  # a 1024×700 laptop has less height than that
        self.reload()

    def reload(self) -> None:
        service = ResearchService(self.ctx)
        try:
            states, chase, log = (service.states(self.meeting_id), service.chase_list(self.meeting_id),
                                  service.circulation_log(self.meeting_id))
        except ServiceError as exc:
            self._show_error(str(exc))
            return
        self.model.set_rows(states)
        if chase:
            self.chase_label.setText("<b>Chase list</b> (sent, not returned): " + html.escape(", ".join(
                f"{c.agency} ({c.secure_email or 'no secure address'})" for c in chase)))
        else:
            sent = any(s.state is not ReturnState.NOT_SENT for s in states)
            self.chase_label.setText("<b>Chase list:</b> " + ("nobody to chase." if sent else "no research requests sent yet."))
        recent = log[-5:]
        self.log_label.setText(f"<b>Circulation log</b> ({len(log)} sent; the latest)<br/>" + ("<br/>".join(html.escape(
            f"{short_datetime(e.at)} {e.what} to {e.agency} by {e.by}"
            + (f" — returned {short_datetime(e.returned_at)}" if e.returned_at else "")) for e in recent)
            if recent else "Nothing sent yet."))

    # -- sending ------------------------------------------------------------------------------------

    def choose_folder(self) -> Path | None:
        """Where to write the agencies' folders (a dialog; tests call :meth:`circulate` directly)."""
        chosen = QFileDialog.getExistingDirectory(self, "Folder for the agencies' papers")
        return Path(chosen) if chosen else None

    def _ask_and_circulate(self, kind: CirculationKind) -> None:
        folder = self.choose_folder()
        if folder is not None:
            self.circulate(kind, folder)

    def circulate(self, kind: CirculationKind, folder: Path, *, agency: str | None = None) -> None:
        self._busy(f"Writing each agency's {kind.label.lower()}…")
        ctx, meeting_id = self.ctx, self.meeting_id
        self._call = run_in_background(
            lambda: CirculationService(ctx).circulate(meeting_id, kind, folder, agency=agency),
            lambda result: self._done(result, self.circulated), self._failed)

    def _done(self, result: Any, signal: Any) -> None:
        """A circulation or an import has finished: say what it did, refresh, and tell the window."""
        self._idle()
        self.message.setText("\n".join(result.value.lines()))
        self.reload()
        emit(self.changes_made, result.changes)
        emit(signal, result.value)

    # -- importing ----------------------------------------------------------------------------------

    def choose_file(self) -> Path | None:
        chosen, _ = QFileDialog.getOpenFileName(self, "Import a returned sheet", "", "Excel workbooks (*.xlsx)")
        return Path(chosen) if chosen else None

    def ask_password(self, name: str) -> str | None:
        text, ok = QInputDialog.getText(self, "Encrypted sheet", f"Password of {name}:", QLineEdit.EchoMode.Password)
        return text if ok and text else None

    def _ask_and_import(self) -> None:
        path = self.choose_file()
        if path is not None:
            self.import_returns(path)

    def import_returns(self, path: Path, password: str | None = None) -> None:
        """File the sheet at ``path`` to this meeting (a sheet for another meeting is refused)."""
        try:
            with open(path, "rb") as f:
                encrypted = is_encrypted_office_file(f.read(8))
        except OSError:
            encrypted = False  # the service says why it cannot be read
        if encrypted and password is None:
            password = self.ask_password(path.name)
            if password is None:
                return
        self._busy("Checking and filing the returned sheet…")
        ctx, meeting_id = self.ctx, self.meeting_id
        self._call = run_in_background(
            lambda: ReturnsService(ctx).import_file(path, password=password, meeting_id=meeting_id),
            lambda result: self._done(result, self.returns_imported), self._failed)

    # -- state ----------------------------------------------------------------------------------------

    def _failed(self, exc: BaseException) -> None:
        self._idle()
        message = str(exc) if isinstance(exc, ServiceError) else (
            f"Something went wrong ({type(exc).__name__}); nothing was half-written.")
        emit(self.failed, message)

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def _busy(self, text: str) -> None:
        self.error.hide()
        self.message.setText(text)
        for button in (*self.buttons.values(), self.import_button):
            button.setEnabled(False)

    def _idle(self) -> None:
        for button in (*self.buttons.values(), self.import_button):
            button.setEnabled(True)
