"""A real CSPDesk process for the crash test of meeting mode (tests/ui/test_meeting_mode.py).

    notes_worker.py type DB USER MEETING ITEM TEXT    sign in, open meeting mode on MEETING, go to
                                                      agenda item ITEM, and type TEXT into the notes
                                                      one key every TYPE_MS, printing "typed N"
                                                      after each key; never stops (it is killed)
    notes_worker.py show DB USER MEETING ITEM         sign in, open meeting mode there and print the
                                                      notes the window shows (JSON), then exit

Keys go through QTest into the notes editor, so the text takes the same path as a chair's typing:
the editor, the debounced autosaver, MeetingService.save_notes. The password comes from
CSPDESK_PASSWORD; CSPDESK_FAST_KDF=1 keeps signing in cheap.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CSPDESK_FAST_KDF", "1")

TYPE_MS = 40


def main(argv: list[str]) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtTest import QTest

    from cspdesk.services.access.auth import sign_in
    from cspdesk_gui.app import make_application
    from cspdesk_gui.meeting_mode import MeetingModeWindow

    mode, db, user, meeting, item = argv[:5]
    app = make_application()
    ctx = sign_in(db, user, os.environ["CSPDESK_PASSWORD"])
    window = MeetingModeWindow(ctx, int(meeting))
    window.show()
    window.go_to(int(item))
    if mode == "show":
        print(json.dumps(window.notes.toPlainText()), flush=True)
        window.close()
        ctx.store.dispose()
        return 0
    text = argv[5]
    window.notes.setFocus()
    window.notes.moveCursor(window.notes.textCursor().MoveOperation.End)
    typed = [0]

    def one_key() -> None:
        n = typed[0]
        if n >= len(text):
            return
        QTest.keyClicks(window.notes, text[n])
        typed[0] = n + 1
        os.write(1, f"typed {n + 1}\n".encode())

    timer = QTimer()
    timer.setInterval(TYPE_MS)
    timer.timeout.connect(one_key)
    timer.start()
    print("ready", flush=True)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
