"""Baseline for the start-up benchmark: the least a PySide6 program can do to show a window.

Run as its own process (``python tests/perf/baseline_bare_window.py``); it prints ``shown`` once
an empty QMainWindow has first been painted, then exits — the same signal ``cspdesk
--print-startup-time`` gives, so the two can be timed the same way and the ratio printed.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow


class _FirstPaint(QObject):
    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self._done = False
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if not self._done and event.type() == QEvent.Type.Paint:
            self._done = True
            QTimer.singleShot(0, self, self._shown)
        return False

    def _shown(self) -> None:
        print("shown", flush=True)
        QApplication.quit()


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("baseline")
    window.resize(1200, 800)
    _FirstPaint(window)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
