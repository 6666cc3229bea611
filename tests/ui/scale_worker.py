"""Run by tests/ui/test_text_scaling.py in a process of its own (QT_SCALE_FACTOR and the screen
must be set before Qt starts): opens the main window on the demo partnership on a 2732×1536
screen at 200 % with the system font at 16 pt, shows every page, and prints, as JSON, each
clipped or overlapping control it finds; screenshots go to the folder given, when one is.

With ``--forms`` it opens, instead, the referral form of each panel type and meeting mode (on
a case): each is walked by the fit walker too (tests/ui/fit_walk.py: the window inside the
screen, every button and field inside it or in a scroll area that brings it into view), and the
report says whether the form scrolls and whether Save, the agreed actions and the Decision row
are shown whole."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("CSPDESK_FAST_KDF", "1")

from PySide6.QtGui import QFont  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QWidget,
)

PAGES = ("panels", "cases", "meetings", "actions", "reports", "admin")
sys.path.insert(0, str(Path(__file__).parent))  # the fit walker beside this file


def clipped(window: QWidget) -> list[str]:
    """Shown buttons, tick boxes and one-line labels narrower than their words, and shown
    controls that overlap a sibling."""
    found = []
    shown = [w for w in window.findChildren(QWidget) if w.isVisibleTo(window) and w.window() is window]
    for w in shown:
        if isinstance(w, (QAbstractButton, QCheckBox, QRadioButton)) and w.text():
            if w.width() < w.minimumSizeHint().width() - 1 or w.height() < w.minimumSizeHint().height() - 1:
                found.append(f"clipped {type(w).__name__} {w.text()!r} {w.width()}x{w.height()} "
                             f"< {w.minimumSizeHint().width()}x{w.minimumSizeHint().height()}")
        elif isinstance(w, QLabel) and w.text() and not w.wordWrap() and w.buddy() is not None:
            if w.width() < w.minimumSizeHint().width() - 1:
                found.append(f"clipped label {w.text()!r} {w.width()} < {w.minimumSizeHint().width()}")
        elif isinstance(w, (QComboBox, QLineEdit)) and w.height() < w.minimumSizeHint().height() - 1 \
                and not isinstance(w.parentWidget(), QComboBox):  # a typeable combo's own line sits inside its frame
            found.append(f"squashed {type(w).__name__} {w.objectName() or w.accessibleName()} {w.height()} "
                         f"< {w.minimumSizeHint().height()}")
    sidebar = getattr(window, "sidebar", None)
    if sidebar is not None:
        # An item's padding (16 px each side) and margin (8 each side) round its name.
        need = max(sidebar.fontMetrics().horizontalAdvance(sidebar.item(i).text()) for i in range(sidebar.count()))
        if sidebar.viewport().width() < need + 2 * 16 + 2 * 8:
            found.append(f"side bar {sidebar.viewport().width()} px cuts its names ({need} px of words)")
    controls = [w for w in shown if isinstance(w, (QAbstractButton, QComboBox, QLineEdit, QLabel))]
    by_parent: dict[int, list[QWidget]] = {}
    for w in controls:
        by_parent.setdefault(id(w.parentWidget()), []).append(w)
    for siblings in by_parent.values():
        for i, a in enumerate(siblings):
            for b in siblings[i + 1:]:
                overlap = a.geometry().intersected(b.geometry())
                if overlap.width() > 2 and overlap.height() > 2 and a.parentWidget().layout() is not None:
                    found.append(f"overlap {a.objectName() or type(a).__name__} / {b.objectName() or type(b).__name__}")
    return found


def settle(app: QApplication) -> None:
    for _ in range(20):
        app.processEvents()


def forms(app: QApplication, ctx, shots: Path | None) -> dict[str, object]:  # noqa: ANN001
    """The referral form of each panel type and meeting mode on a case, at this scale."""
    from fit_walk import check, shown_whole
    from cspdesk.domain.enums import MeetingStatus
    from cspdesk.services.meetings.meetings import MeetingService
    from cspdesk.services.partnership.panels import PanelService
    from cspdesk_gui.meeting_mode import MeetingModeWindow
    from cspdesk_gui.referrals.dialog import ReferralDialog

    area = app.primaryScreen().availableGeometry()
    if shots is not None:
        os.environ["CSPDESK_SHOTS"] = str(shots)  # the fit walker saves what it walked
    report: dict[str, object] = {}
    panels = PanelService(ctx).list_panels()
    for kind in ("marac", "csvg", "socp", "carm"):
        panel = next(p for p in panels if p.panel_type.value == kind)
        dialog = ReferralDialog(ctx, panel.id)
        dialog.show()
        settle(app)
        name = f"scaled_referral_{kind}"
        report[name] = clipped(dialog) + check(dialog, area, name)
        report[f"{name}_scrolls"] = dialog.scroll.verticalScrollBar().maximum() > 0
        report[f"{name}_save"] = shown_whole(dialog.save_button, dialog)
        dialog.close()
    svc = MeetingService(ctx)
    marac = next(p.id for p in panels if p.panel_type.value == "marac")
    meeting = next(r for r in svc.list_meetings(marac) if r.status is MeetingStatus.PLANNED and r.cases)
    window = MeetingModeWindow(ctx, meeting.id)
    window.show()
    settle(app)
    window.go_to(next(n for n, item in enumerate(window.detail.items) if item.case_id is not None))
    settle(app)
    report["scaled_meeting_mode"] = clipped(window) + check(window, area, "scaled_meeting_mode")
    report["scaled_meeting_mode_parts"] = all(
        part.isVisible() and shown_whole(part, window)
        for part in (window.agreed_view, window.decision_row, window.action_line))
    window.close()
    return report


def main() -> int:
    shots = next((Path(a) for a in sys.argv[2:] if not a.startswith("--")), None)
    app = QApplication([sys.argv[0]])
    app.setFont(QFont(app.font().family(), 16))  # the system font at 16 pt
    from cspdesk.services.access.auth import DEMO_PASSWORD, create_demo_database, sign_in
    from cspdesk.services.database.workspace import close_workspace
    from cspdesk_gui.app import make_application
    from cspdesk_gui.main_window import MainWindow, Section

    make_application()
    db = Path(sys.argv[1])
    created, _accounts = create_demo_database(db)
    close_workspace(created.ctx)
    ctx = sign_in(db, "admin", DEMO_PASSWORD)
    window = MainWindow(ctx)
    window.setGeometry(app.primaryScreen().availableGeometry())
    window.show()
    report: dict[str, object] = {
        "screen": [app.primaryScreen().geometry().width(), app.primaryScreen().geometry().height()],
        "window": [window.width(), window.height()],
        "minimum": [window.minimumSize().width(), window.minimumSize().height()],
    }
    if "--forms" in sys.argv:
        report.update(forms(app, ctx, shots))
    else:
        for name in PAGES:
            window.show_section(Section(name))
            settle(app)
            report[name] = clipped(window)
            if shots is not None:
                window.grab().save(str(shots / f"scaled_{name}.png"))
    window.close()
    close_workspace(ctx)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
