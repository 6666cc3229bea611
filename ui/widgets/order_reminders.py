"""The reminder line "My actions" shows above an agency's actions: its protective orders expiring
within the partnership's reminder window (issue 19, part B). Read on the database thread."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QWidget

from cspdesk.services.context import ServiceContext
from cspdesk.services.orders.orders import OrderRow, OrdersService
from cspdesk_gui.operations import run_op
from cspdesk_gui.signals import emit


def reminder_text(orders: list[OrderRow]) -> str:
    """"Orders expiring soon: DVPO on MARAC-2026-0012 — Expires in 3 days (10 Dec 2026); …"."""
    if not orders:
        return ""
    lines = [f"{o.kind.label} on {o.case_reference} — {o.expiry_text}" for o in orders]
    return f"Orders your agency holds expiring soon ({len(orders)}):\n" + "\n".join(lines)


class OrderReminders(QLabel):
    """Hidden while there is nothing to remind; read again with :meth:`refresh`."""

    #: The reminders were read (for tests): the list of OrderRow.
    read_done = Signal(object)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setObjectName("orderReminders")
        self.setAccessibleName("Protective orders expiring soon")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._service = OrdersService(ctx)
        self.orders: list[OrderRow] = []
        self.hide()

    def refresh(self) -> None:
        run_op(self._service.expiring_orders, self._show, lambda _exc: self._show([]), parent=self)

    def _show(self, orders: list[OrderRow]) -> None:
        self.orders = list(orders)
        self.setText(reminder_text(self.orders))
        self.setVisible(bool(self.orders))
        emit(self.read_done, self.orders)
