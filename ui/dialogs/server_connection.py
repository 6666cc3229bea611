"""Connecting to a partnership on a PostgreSQL server: where it is and the server login. Signing in
with one's CSPDesk account comes after, in the usual sign-in dialog."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cspdesk.services.errors import ValidationError
from cspdesk.services.database.workspace import server_url
from cspdesk_gui.dialogs.forms import FieldErrors, error_label, line_edit, make_primary, with_error


class ServerConnectionDialog(QDialog):
    """Accepts with :attr:`url` set to the ``--db`` URL of the server database."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.url: str | None = None
        self.setObjectName("serverConnectionDialog")
        self.setWindowTitle("Connect to a server")
        self.setModal(True)
        self.setMinimumWidth(500)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(10)
        heading = QLabel("Connect to a partnership on a server", self)
        heading.setObjectName("dialogHeading")
        layout.addWidget(heading)
        intro = QLabel("Your partnership's IT team gives you these. You sign in with your own CSPDesk "
                       "account next.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setVerticalSpacing(8)
        self.host_edit = line_edit(self, "serverHost", "Server address")
        self.host_edit.setPlaceholderText("db.partnership.example")
        self.port_spin = QSpinBox(self)
        self.port_spin.setObjectName("serverPort")
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(5432)
        self.port_spin.setAccessibleName("Port")
        self.database_edit = line_edit(self, "serverDatabase", "Database name")
        self.user_edit = line_edit(self, "serverUser", "Server login")
        self.user_edit.setPlaceholderText("blank: each account signs in as itself")
        self.password_edit = line_edit(self, "serverPassword", "Server password", password=True)
        self.tls_check = QCheckBox("Encrypt the connection (the server's &TLS)", self)
        self.tls_check.setToolTip("Leave this on unless your IT team says the server has no TLS.")
        self.tls_check.setChecked(True)
        labels = {name: error_label(self) for name in ("host", "port", "database", "user")}
        for caption, widget, name in (
            ("Server &address", self.host_edit, "host"),
            ("P&ort", self.port_spin, "port"),
            ("&Database", self.database_edit, "database"),
            ("Server &login", self.user_edit, "user"),
        ):
            label = QLabel(caption, self)
            label.setBuddy(widget)
            form.addRow(label, with_error(widget, labels[name], self))
        password_label = QLabel("Server pass&word", self)
        password_label.setBuddy(self.password_edit)
        form.addRow(password_label, self.password_edit)
        form.addRow("", self.tls_check)
        layout.addLayout(form)
        general = error_label(self)
        layout.addWidget(general)
        self.errors = FieldErrors(
            {name: (widget, labels[name]) for name, widget in (
                ("host", self.host_edit), ("port", self.port_spin), ("database", self.database_edit),
                ("user", self.user_edit))},
            general,
        )

        buttons = QDialogButtonBox(self)
        self.connect_button = buttons.addButton("&Connect", QDialogButtonBox.ButtonRole.AcceptRole)
        make_primary(self.connect_button)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.host_edit.setFocus()

    def accept(self) -> None:
        self.errors.clear()
        try:
            self.url = server_url(self.host_edit.text(), self.database_edit.text(), self.user_edit.text(),
                                  self.password_edit.text(), port=self.port_spin.value(),
                                  tls=self.tls_check.isChecked())
        except ValidationError as exc:
            self.errors.show(exc.field, str(exc))
            self.adjustSize()  # room for the message under the field
            return
        super().accept()
