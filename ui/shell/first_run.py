"""The welcome page's two ways out of an empty database: naming the partnership (a dialog), or
loading the demo partnership on a worker thread (:class:`cspdesk_gui.demo_loader.DemoLoader`); the pages
refresh when either is done."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMessageBox

from cspdesk.services.context import OpChanges
from cspdesk_gui.signals import emit


class FirstRunController(QObject):
    def __init__(self, window: Any) -> None:  # window: the MainWindow (importing it would be a cycle)
        super().__init__(window)
        self._window = window
        self.loader = None
        self.setup_dialog = None

    def set_up_partnership(self) -> None:
        """Name the partnership of this (signed-in, empty) database. The dialog is opened, not
        exec()'d: locking the window must not end it."""
        from cspdesk_gui.dialogs.partnership_setup import PartnershipSetupDialog

        dialog = PartnershipSetupDialog(self._window.ctx, self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self._partnership_set_up)
        self.setup_dialog = dialog
        dialog.open()

    def _partnership_set_up(self) -> None:
        dialog, self.setup_dialog = self.setup_dialog, None
        result = dialog.result_value if dialog is not None else None
        if result is None:
            return
        self._window.apply_changes(result.changes)
        emit(self._window.partnership_set_up, result.value)

    def load(self) -> None:
        """Write the demo partnership on a worker thread; the pages refresh when it is done."""
        if self.loader is not None:
            return
        from cspdesk_gui.demo_loader import DemoLoader

        window = self._window
        window.page("welcome").set_busy(True)
        loader = DemoLoader(window.ctx, window)
        loader.loaded.connect(self._loaded)
        loader.failed.connect(self._failed)
        self.loader = loader
        loader.start()

    def _finished(self) -> None:
        loader, self.loader = self.loader, None
        if loader is not None:
            loader.deleteLater()
        self._window.page("welcome").set_busy(False)

    def _loaded(self, summary: object) -> None:
        self._finished()
        window = self._window
        window.apply_changes(OpChanges.everything())
        window.statusBar().showMessage("Demo data loaded. Everything in it is made up.", 8000)
        emit(window.demo_loaded, summary)

    def _failed(self, message: str) -> None:
        self._finished()
        window = self._window
        emit(window.demo_failed, message)
        box = QMessageBox(QMessageBox.Icon.Warning, "Demo data", message, QMessageBox.StandardButton.Ok, window)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()

    def wait(self) -> None:
        """The generator writes one transaction; let it end rather than kill the thread mid-write."""
        if self.loader is not None:
            self.loader.wait()
