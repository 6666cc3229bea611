"""The contents of a scroll area that is hidden and shown again (a detail pane in a stack)."""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QWidget


class ScrollBody(QWidget):
    """A scroll area's widget that lays itself out again as it is shown.

    A resizable scroll area resizes its widget while that widget is still hidden (the scroll bar
    appears as the stack shows the area: narrower, and as tall as its wrapped lines need); no
    resize event reaches the widget's layout for it, so the layout kept the old, shorter rect and
    drew a form's rows over one another (the tracker's detail pane at 1024×700, issue 24)."""

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        layout = self.layout()
        if layout is not None and layout.geometry() != self.rect():
            layout.setGeometry(self.rect())
