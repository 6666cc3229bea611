"""A MARAC case's protective orders, DVDS (Clare's Law) requests and transfers, as the case view
shows them (issue 19, part B), with the dialogs that add and change them.

Everything is read and written through the services on the database thread (``run_and_wait``,
``run_op``); what is expiring and how the 28-day clock stands come from the domain's rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.orders import DvdsDecision, DvdsRoute, OrderKind
from cspdesk.services.context import ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk.services.orders.orders import CaseOrders, DvdsDraft, DvdsRow, OrderDraft, OrderRow, OrdersService
from cspdesk.services.orders.transfers import TransferRow, TransferService, fingerprint
from cspdesk_gui.dialogs.case_view import _value as _label  # the case view's own read-only value
from cspdesk_gui.formatting import short_date
from cspdesk_gui.operations import run_and_wait, run_op
from cspdesk_gui.referrals.fields import DateField, DateUnreadable
from cspdesk_gui.signals import emit


def _caption(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("sectionCaption")
    return label


def order_line(o: OrderRow) -> str:
    """One order in words: kind, who it protects from whom, who holds it, and its dates."""
    who = " from ".join(x for x in (o.protected, o.restrained) if x)
    parts = [o.kind.label + (f" protecting {who}" if o.protected else f" restraining {o.restrained}" if o.restrained else "")]
    if o.agency:
        parts.append(f"held by {o.agency}")
    if o.made_on:
        parts.append(f"made {short_date(o.made_on)}")
    return ", ".join(parts)


def dvds_line(r: DvdsRow) -> str:
    decided = f" on {short_date(r.decided_on)}" if r.decided_on else ""
    return (f"{r.route.label}, applied by {r.applicant}, received {short_date(r.received_on)}: "
            f"{r.decision.label}{decided}")


class CaseOrdersSection(QWidget):
    """Orders, DVDS requests and transfers of one MARAC case, and the buttons that add to them."""

    #: Something was added or changed here: OpChanges.
    changes_made = Signal(object)
    #: A dialog opened from here (for tests): the dialog.
    dialog_opened = Signal(object)

    def __init__(self, ctx: ServiceContext, case_id: int, reference: str, people: Sequence[tuple[int, str]],
                 *, can_edit: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caseOrders")
        self._ctx, self.case_id, self.reference = ctx, case_id, reference
        self._people = list(people)
        self._can_edit = can_edit
        self.orders = CaseOrders((), (), 14)
        self.transfers: list[TransferRow] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.setSpacing(6)
        top = QHBoxLayout()
        top.addWidget(_caption("Orders and disclosures", self))
        top.addStretch(1)
        self.add_order_button = QPushButton("Add an &order…", self)
        self.add_order_button.setObjectName("addOrder")
        self.add_dvds_button = QPushButton("Add a D&VDS request…", self)
        self.add_dvds_button.setObjectName("addDvds")
        for button, slot in ((self.add_order_button, self.add_order), (self.add_dvds_button, self.add_dvds)):
            button.setAutoDefault(False)
            button.setVisible(can_edit)
            button.clicked.connect(lambda _c=False, f=slot: f())
            top.addWidget(button)
        layout.addLayout(top)
        self.reminder = _label("", self, name="riskHigh")
        self.reminder.setAccessibleName("Orders expiring soon")
        layout.addWidget(self.reminder)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(16)
        self.grid.setVerticalSpacing(4)
        self.grid.setColumnStretch(1, 1)
        layout.addLayout(self.grid)
        self.read()

    def read(self) -> None:
        orders, transfers, case_id = OrdersService(self._ctx), TransferService(self._ctx), self.case_id
        try:
            self.orders = run_and_wait(lambda: orders.case_orders(case_id))
            self.transfers = run_and_wait(lambda: transfers.transfers(case_id))
        except ServiceError:
            self.orders, self.transfers = CaseOrders((), (), 14), []
        self._fill()

    def _fill(self) -> None:
        grid = self.grid
        while grid.count():
            item = grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        row = 0
        expiring = [o for o in self.orders.orders if o.expiring]
        self.reminder.setText(
            f"Reminder: {len(expiring)} order{'s' if len(expiring) != 1 else ''} "
            f"expire{'s' if len(expiring) == 1 else ''} within {self.orders.reminder_days} days." if expiring else "")
        self.reminder.setVisible(bool(expiring))
        self.order_labels: list[QLabel] = []
        self.dvds_labels: list[QLabel] = []
        for o in self.orders.orders:
            what = _label(order_line(o), self)
            when = _label(o.expiry_text, self, name="riskHigh" if o.expiring else "mutedText")
            self.order_labels.append(when)
            grid.addWidget(_label("Order", self, name="mutedText"), row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(what, row, 1, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(when, row, 2, Qt.AlignmentFlag.AlignTop)
            row += 1
            if o.conditions:
                grid.addWidget(_label(f"Conditions: {o.conditions}", self, name="mutedText"), row, 1, 1, 2)
                row += 1
        for r in self.orders.dvds:
            clock = _label(r.clock.text, self, name="riskHigh" if r.clock.overdue else "mutedText")
            self.dvds_labels.append(clock)
            grid.addWidget(_label("DVDS", self, name="mutedText"), row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(_label(dvds_line(r), self), row, 1, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(clock, row, 2, Qt.AlignmentFlag.AlignTop)
            row += 1
        for t in self.transfers:
            grid.addWidget(_label("Transfer", self, name="mutedText"), row, 0, Qt.AlignmentFlag.AlignTop)
            history = t.history or {}
            extra = (f" (their {history.get('from_reference')}; {len(history.get('open_actions', []))} open actions "
                     f"and {len(history.get('minutes', []))} minutes extracts kept as history)") if history else ""
            grid.addWidget(_label(t.text + extra, self), row, 1, 1, 2)
            row += 1
        if row == 0:
            grid.addWidget(_label("No protective orders, DVDS requests or transfers recorded.", self, name="mutedText"),
                           0, 0, 1, 3)

    def _open(self, dialog: QDialog) -> QDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._saved)  # type: ignore[attr-defined]
        dialog.show()
        emit(self.dialog_opened, dialog)
        return dialog

    def add_order(self) -> QDialog:
        return self._open(OrderDialog(self._ctx, self.case_id, self.reference, self._people, self))

    def add_dvds(self) -> QDialog:
        return self._open(DvdsDialog(self._ctx, self.case_id, self.reference, self))

    def transfer_out(self) -> QDialog:
        return self._open(TransferOutDialog(self._ctx, self.case_id, self.reference, self))

    def _saved(self, changes: object) -> None:
        self.read()
        emit(self.changes_made, changes)


class _FormDialog(QDialog):
    """A small form: fields, an error line, Save and Cancel; the save runs on the database thread."""

    saved = Signal(object)

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.error = QLabel("", self)
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
                                        parent=self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def file_row(self, caption: str, name: str) -> QLineEdit:
        """A row of the form: a file's path and "Choose…" (which calls ``self._browse``)."""
        line = QLineEdit(self)
        line.setObjectName(name)
        browse = QPushButton("Choose…", self)
        browse.setAutoDefault(False)
        browse.clicked.connect(lambda: self._browse())
        row = QHBoxLayout()
        row.addWidget(line, 1)
        row.addWidget(browse)
        self.form.addRow(caption, row)
        line.setAccessibleName(caption.replace("&", ""))
        label = self.form.labelForField(row)
        if isinstance(label, QLabel):
            label.setBuddy(line)  # Alt + the letter reaches the path, not the row
        return line

    def _browse(self) -> None:  # pragma: no cover - the dialogs with a file row have their own
        raise NotImplementedError

    def fail(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def run(self, fn, done=None) -> None:  # noqa: ANN001
        def succeeded(result) -> None:  # noqa: ANN001
            if done is not None:
                done(result)
            emit(self.saved, result.changes)
            self.accept()

        run_op(fn, succeeded, lambda exc: self.fail(str(exc)), parent=self)

    def save(self) -> None:  # pragma: no cover - each dialog has its own
        raise NotImplementedError


class OrderDialog(_FormDialog):
    def __init__(self, ctx: ServiceContext, case_id: int, reference: str, people: Sequence[tuple[int, str]],
                 parent: QWidget | None = None) -> None:
        super().__init__(f"Protective order — {reference}", parent)
        self.setObjectName("orderDialog")
        self._ctx, self.case_id = ctx, case_id
        self.kind = QComboBox(self)
        for kind in OrderKind:
            self.kind.addItem(kind.label, kind)
        self.protected, self.restrained = QComboBox(self), QComboBox(self)
        for combo in (self.protected, self.restrained):
            combo.addItem("Not recorded", None)
            for person_id, name in people:
                combo.addItem(name, person_id)
        self.agency = QComboBox(self)
        self.agency.addItem("Not recorded", None)
        service = OrdersService(ctx)
        try:
            for agency_id, name in run_and_wait(service.agencies):
                self.agency.addItem(name, agency_id)
        except ServiceError:
            pass
        self.made_on = DateField(self, name="orderMade", accessible="Date made", today=ctx.today)
        self.expires_on = DateField(self, name="orderExpires", accessible="Expiry date", today=ctx.today)
        self.conditions = QPlainTextEdit(self)
        self.conditions.setObjectName("orderConditions")
        self.conditions.setTabChangesFocus(True)
        for caption, widget in (("&Kind", self.kind), ("&Protects", self.protected), ("&Restrains", self.restrained),
                                ("&Held by", self.agency), ("&Made", self.made_on), ("E&xpires", self.expires_on),
                                ("&Conditions", self.conditions)):
            self.form.addRow(caption, widget)

    def save(self) -> None:
        try:
            draft = OrderDraft(kind=self.kind.currentData(), protected_person_id=self.protected.currentData(),
                               restrained_person_id=self.restrained.currentData(), agency_id=self.agency.currentData(),
                               made_on=self.made_on.value(), expires_on=self.expires_on.value(),
                               conditions=self.conditions.toPlainText())
        except DateUnreadable as exc:
            self.fail(str(exc))
            return
        service, case_id = OrdersService(self._ctx), self.case_id
        self.run(lambda: service.add_order(case_id, draft))


class DvdsDialog(_FormDialog):
    def __init__(self, ctx: ServiceContext, case_id: int, reference: str, parent: QWidget | None = None) -> None:
        super().__init__(f"DVDS (Clare's Law) request — {reference}", parent)
        self.setObjectName("dvdsDialog")
        self._ctx, self.case_id = ctx, case_id
        self.route = QComboBox(self)
        for route in DvdsRoute:
            self.route.addItem(route.label, route)
        self.applicant = QLineEdit(self)
        self.applicant.setObjectName("dvdsApplicant")
        self.applicant.setPlaceholderText("the person, a relative or friend, or the agency")
        self.received_on = DateField(self, name="dvdsReceived", accessible="Date received", today=ctx.today)
        self.decision = QComboBox(self)
        for decision in DvdsDecision:
            self.decision.addItem(decision.label, decision)
        self.decided_on = DateField(self, name="dvdsDecided", accessible="Date decided", today=ctx.today)
        for caption, widget in (("&Route", self.route), ("&Applied by", self.applicant), ("Re&ceived", self.received_on),
                                ("&Decision", self.decision), ("Decided &on", self.decided_on)):
            self.form.addRow(caption, widget)

    def save(self) -> None:
        try:
            received = self.received_on.value()
            decided = self.decided_on.value()
        except DateUnreadable as exc:
            self.fail(str(exc))
            return
        if received is None:
            self.fail("Give the date the application was received.")
            return
        draft = DvdsDraft(route=self.route.currentData(), applicant=self.applicant.text(), received_on=received,
                          decision=self.decision.currentData(), decided_on=decided)
        service, case_id = OrdersService(self._ctx), self.case_id
        self.run(lambda: service.add_dvds(case_id, draft))


class TransferOutDialog(_FormDialog):
    """The receiving MARAC and where to save the pack; saving closes the case as transferred out."""

    def __init__(self, ctx: ServiceContext, case_id: int, reference: str, parent: QWidget | None = None) -> None:
        super().__init__(f"Transfer {reference} to another MARAC", parent)
        self.setObjectName("transferOutDialog")
        self._ctx, self.case_id = ctx, case_id
        self.to = QLineEdit(self)
        self.to.setObjectName("transferTo")
        self.to.setPlaceholderText("e.g. Northshire MARAC")
        self.file = self.file_row("Save the &pack as", "transferFile")
        self.file.setText(str(Path.home() / f"{reference}-transfer.json"))
        self.form.insertRow(0, "&To MARAC", self.to)
        self.form.addRow("", _label("The pack leaves out addresses, telephone numbers and contact notes. A PDF of it "
                                    "is saved beside it. The case is then closed as transferred out.", self, name="mutedText"))
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Transfer")
        self.result_text = ""

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the transfer pack", self.file.text(), "Transfer pack (*.json)")
        if path:
            self.file.setText(path)

    def save(self) -> None:
        out = Path(self.file.text().strip())
        if out.suffix.lower() != ".json":
            self.fail("The pack is saved as a .json file.")
            return
        if out.exists():
            self.fail(f"{out.name} already exists: choose another name.")
            return
        if not out.parent.is_dir():  # checked first: once the case is closed, the pack must be written
            self.fail(f"There is no folder {out.parent}.")
            return
        service, case_id, to = TransferService(self._ctx), self.case_id, self.to.text()

        def transfer():  # noqa: ANN202 - on the database thread: the pack is written once the case is closed
            result = service.transfer_out(case_id, to)
            out.write_bytes(result.value.pack)
            out.with_suffix(".pdf").write_bytes(result.value.pdf)
            return result

        self.run(transfer, lambda r: setattr(self, "result_text", f"Signing key {fingerprint(r.value.signer_key)}"))


class TransferInDialog(_FormDialog):
    """A pack received, and the MARAC taking it in."""

    def __init__(self, ctx: ServiceContext, panels: Sequence[tuple[int, str]], parent: QWidget | None = None) -> None:
        super().__init__("Take in a case transferred from another MARAC", parent)
        self.setObjectName("transferInDialog")
        self._ctx = ctx
        self.panel = QComboBox(self)
        for panel_id, name in panels:
            self.panel.addItem(name, panel_id)
        self.file = self.file_row("&Pack", "transferPackFile")
        self.form.addRow("&MARAC", self.panel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Take in")
        self.taken_in = None

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a transfer pack", str(Path.home()), "Transfer pack (*.json)")
        if path:
            self.file.setText(path)

    def save(self) -> None:
        path = Path(self.file.text().strip())
        if not path.is_file():
            self.fail("Choose the pack file received.")
            return
        if self.panel.currentData() is None:
            self.fail("Choose the MARAC taking the case in.")
            return
        service, panel_id = TransferService(self._ctx), self.panel.currentData()
        self.run(lambda: service.transfer_in(path.read_bytes(), panel_id),
                 lambda r: setattr(self, "taken_in", r.value))
