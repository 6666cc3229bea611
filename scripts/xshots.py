"""Screenshots of CSPDesk under a real X server, to be looked at (issue 24).

Run by scripts/xshots.sh inside Xvfb with openbox as the window manager (window frames, focus
and placement as on a desktop): on the demo partnership it shows the main window (Cases), the
action tracker, a MARAC referral form, meeting mode on a case, a meeting's agencies, a person's
chronology, the map of contexts, and the first-run window with its wizard, and saves the whole screen after each as ``<folder>/<size>-<what>.png``.

    python scripts/xshots.py FOLDER SIZE      # SIZE names the files, e.g. 1366x768 or 200pc

Set QT_SCALE_FACTOR=2 (and a 2732×1536 screen) for 200 %: the system font is then 16 pt.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("CSPDESK_FAST_KDF", "1")  # a throwaway demo file: cheap keys

from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget


def settle(seconds: float = 1.5) -> None:
    """Let the window manager map, place and focus the window, and Qt paint it."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.02)


def shoot(folder: Path, size: str, what: str) -> None:
    settle()
    screen = QGuiApplication.primaryScreen()
    screen.grabWindow(0).save(str(folder / f"{size}-{what}.png"))  # the whole screen, frames and all


def show(window: QWidget) -> QWidget:
    window.show()
    window.raise_()
    window.activateWindow()
    return window


def main() -> int:
    folder, size = Path(sys.argv[1]), sys.argv[2]
    folder.mkdir(parents=True, exist_ok=True)
    app = QApplication([sys.argv[0]])
    if os.environ.get("QT_SCALE_FACTOR") == "2":
        app.setFont(QFont(app.font().family(), 16))  # the system font at 16 pt
    from cspdesk.domain.enums import MeetingStatus, PanelType
    from cspdesk.services.access.auth import DEMO_PASSWORD, create_demo_database, sign_in
    from cspdesk.services.meetings.meetings import MeetingService
    from cspdesk.services.partnership.panels import PanelService
    from cspdesk.services.database.workspace import close_workspace
    from cspdesk_gui.app import make_application
    from cspdesk_gui.first_run import FirstRunWindow
    from cspdesk_gui.main_window import MainWindow, Section
    from cspdesk_gui.meeting_mode import MeetingModeWindow
    from cspdesk_gui.referrals.dialog import ReferralDialog

    make_application()
    work = Path(tempfile.mkdtemp(prefix="cspdesk-shots-"))
    created, _accounts = create_demo_database(work / "demo.db")
    close_workspace(created.ctx)
    ctx = sign_in(work / "demo.db", "admin", DEMO_PASSWORD)

    window = show(MainWindow(ctx))
    window.show_section(Section.CASES)
    shoot(folder, size, "main-cases")
    window.show_section(Section.ACTIONS)
    shoot(folder, size, "tracker")

    panels = PanelService(ctx).list_panels()
    marac = next(p.id for p in panels if p.panel_type is PanelType.MARAC)
    referral = show(ReferralDialog(ctx, marac, parent=window))
    shoot(folder, size, "referral-marac")
    referral.close()

    svc = MeetingService(ctx)
    meeting = next(r for r in svc.list_meetings(marac) if r.status is MeetingStatus.PLANNED and r.cases)
    meeting_mode = show(MeetingModeWindow(ctx, meeting.id))
    meeting_mode.go_to(next(n for n, item in enumerate(meeting_mode.detail.items) if item.case_id is not None))
    shoot(folder, size, "meeting-mode")
    meeting_mode.close()

    from cspdesk.services.people.chronology import Subject
    from cspdesk.services.referrals.cases import CaseService
    from cspdesk_gui.dialogs.agencies import AgenciesDialog
    from cspdesk_gui.dialogs.chronology import open_chronology
    from cspdesk_gui.dialogs.context_map import open_context_map

    agencies = show(AgenciesDialog(ctx, meeting.id, "Swale MARAC", window))
    shoot(folder, size, "agencies")
    agencies.close()
    cases = CaseService(ctx)
    person = next(p.person_id for case_id in cases.case_ids() for p in cases.get_case(case_id).people)
    chronology = open_chronology(window, ctx, Subject.person(person))
    shoot(folder, size, "chronology")
    chronology.close()
    context_map = open_context_map(window, ctx)
    shoot(folder, size, "context-map")
    context_map.close()
    window.close()
    close_workspace(ctx)

    first_run = show(FirstRunWindow(work / "new.db"))
    shoot(folder, size, "first-run")
    first_run.set_up_partnership()
    shoot(folder, size, "first-run-wizard")
    first_run.setup_dialog.reject()
    first_run.close()
    settle(0.3)
    return 0


if __name__ == "__main__":
    sys.exit(main())
