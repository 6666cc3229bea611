"""Run under a real X server by tests/ui/test_real_x.py (not a test module): opens meeting mode on
a demo partnership, lets the window manager frame it, and prints the screen's room and the
window's frame as JSON.

    python tests/ui/xframe_probe.py FOLDER
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("CSPDESK_FAST_KDF", "1")  # a throwaway demo file: cheap keys

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication


def settle(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.02)


def main() -> int:
    folder = Path(sys.argv[1])
    app = QApplication([sys.argv[0]])
    app.setFont(QFont(app.font().family(), 16))  # the system font at 16 pt, as at 200 %
    from cspdesk.domain.enums import MeetingStatus, PanelType
    from cspdesk.services.access.auth import DEMO_PASSWORD, create_demo_database, sign_in
    from cspdesk.services.database.workspace import close_workspace
    from cspdesk.services.meetings.meetings import MeetingService
    from cspdesk.services.partnership.panels import PanelService
    from cspdesk_gui.app import make_application
    from cspdesk_gui.meeting_mode import MeetingModeWindow

    make_application()
    created, _accounts = create_demo_database(folder / "demo.db")
    close_workspace(created.ctx)
    ctx = sign_in(folder / "demo.db", "admin", DEMO_PASSWORD)
    marac = next(p.id for p in PanelService(ctx).list_panels() if p.panel_type is PanelType.MARAC)
    meeting = next(r for r in MeetingService(ctx).list_meetings(marac) if r.status is MeetingStatus.PLANNED and r.cases)
    window = MeetingModeWindow(ctx, meeting.id)
    window.show()
    window.activateWindow()
    settle(2.0)
    room, frame, inner = window.screen().availableGeometry(), window.frameGeometry(), window.geometry()
    print(json.dumps({"room": room.getRect(), "frame": frame.getRect(), "window": inner.getRect()}))
    window.close()
    close_workspace(ctx)
    return 0


if __name__ == "__main__":
    sys.exit(main())
