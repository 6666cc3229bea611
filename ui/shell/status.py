"""The status bar (who is signed in, the partnership, its protective marking, the database) and the
read-only banner across the top of the main window."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QLabel, QMainWindow, QSizePolicy, QWidget

from cspdesk.services.context import ServiceContext
from cspdesk.services.partnership.partnership import PartnershipInfo
from cspdesk.services.database.workspace import describe_database
from cspdesk_gui.widgets.elided_label import ElidedLabel

#: Qt's "no maximum" for a widget's width (QWIDGETSIZE_MAX).
QWIDGETSIZE_MAX = (1 << 24) - 1

#: Pixels beyond a passing message's own width kept free for it: the status bar's margins, the
#: gaps between its widgets and the size grip.
MESSAGE_ROOM_SLACK = 72


class StatusLine(QObject):
    """The permanent widgets on the right of the window's status bar."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.user_label = QLabel(window)
        self.user_label.setObjectName("statusUser")
        # The partnership and the database give way ("…", the whole in the tooltip) when room is
        # short; who is signed in and the protective marking are always shown whole.
        self.partnership_label = ElidedLabel(window)
        self.partnership_label.setObjectName("statusPartnership")
        self.marking_label = QLabel(window)
        self.marking_label.setObjectName("statusMarking")
        self.database_label = ElidedLabel(window)
        self.database_label.setObjectName("statusDatabase")
        for whole in (self.user_label, self.marking_label):
            whole.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        # All permanent (on the right): passing messages on the left never cover the marking.
        bar = window.statusBar()
        for label in (self.user_label, self.partnership_label, self.marking_label, self.database_label):
            bar.addPermanentWidget(label)
        bar.messageChanged.connect(self.make_room_for_message)

    def show_identity(self, ctx: ServiceContext, info: PartnershipInfo | None) -> None:
        database = describe_database(ctx)
        self.database_label.setText(f"Database: {database}")
        self.database_label.setToolTip(database)
        if info is None:
            self.partnership_label.setText("No partnership set up yet")
            self.partnership_label.setToolTip("")
            self.marking_label.setText("")
            self.marking_label.hide()
        else:
            self.partnership_label.setText(info.name)
            self.partnership_label.setToolTip(info.name)
            self.marking_label.setText(info.protective_marking)
            self.marking_label.setToolTip("Protective marking, printed on every page")
            self.marking_label.show()

    def make_room_for_message(self, message: str) -> None:
        """A passing message ("Backup made.") is drawn left of the permanent widgets, in whatever
        room they leave: while one shows, the partnership and database names narrow (elided) so
        that it can be read whole; afterwards they take back the room they need."""
        yielding = (self.partnership_label, self.database_label)
        if not message:
            for label in yielding:
                label.setMaximumWidth(QWIDGETSIZE_MAX)
            return
        bar = self._window.statusBar()
        whole = sum(label.sizeHint().width() for label in (self.user_label, self.marking_label) if label.isVisible())
        spare = bar.width() - bar.fontMetrics().horizontalAdvance(message) - whole - MESSAGE_ROOM_SLACK
        wanted = sum(label.sizeHint().width() for label in yielding) or 1
        for label in yielding:
            share = max(0, spare) * label.sizeHint().width() // wanted
            label.setMaximumWidth(max(label.minimumSizeHint().width(), min(share, label.sizeHint().width())))


class ReadOnlyBanner(QLabel):
    """Across the top, above content and lock screen alike, while the window cannot change anything.

    The writer's lock can be lost on its heartbeat thread (this computer slept past the stale limit
    and another copy took the file): the banner looks at the context now and then."""

    def __init__(self, parent: QWidget, window: QObject) -> None:
        super().__init__("", parent)
        self._window = window
        self.setObjectName("readOnlyBanner")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAccessibleName("Read-only")
        self.hide()
        self._timer = QTimer(self)
        self._timer.setInterval(2000)
        self._timer.timeout.connect(window.update_read_only)  # type: ignore[attr-defined]
        self._timer.start()

    def show_state(self, ctx: ServiceContext) -> None:
        read_only = ctx.read_only
        if read_only:
            text = ctx.read_only_reason or "Open read-only: changes are switched off."
            if self.text() != text:
                self.setText(text)
        if self.isHidden() == read_only:
            self.setVisible(read_only)
