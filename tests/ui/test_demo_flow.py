"""Loading the demo partnership from the welcome page: worker thread, progress, then the panels."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog

from cspdesk_gui.main_window import Section


def test_demo_data_loads_on_a_worker_thread_and_the_panels_appear(ctx, make_window, qtbot):
    window = make_window(ctx)
    welcome = window.page(Section.WELCOME)
    progress: list[tuple[int, str]] = []

    with qtbot.waitSignal(window.demo_loaded, timeout=120_000):
        qtbot.mouseClick(welcome.demo_button, Qt.MouseButton.LeftButton)
        assert window.is_loading_demo()
        window.demo_loader.progressed.connect(lambda p, m: progress.append((p, m)))
        dialog = window.findChild(QProgressDialog)
        assert dialog is not None and dialog.isVisible()
        # Neither choice can be made twice while the generator runs.
        assert not welcome.demo_button.isEnabled()
        assert not welcome.set_up_button.isEnabled()

    assert progress, "the progress callback never reached the dialog"
    assert [p for p, _m in progress] == sorted(p for p, _m in progress)
    assert not window.is_loading_demo()
    qtbot.waitUntil(lambda: window.findChild(QProgressDialog) is None, timeout=5000)
    assert not window.needs_welcome
    assert window.current_section() == Section.PANELS
    assert window.page(Section.PANELS).model.rowCount() == 5
    assert window.windowTitle().startswith("CSPDesk — ")


def test_demo_data_is_refused_on_a_database_in_use(demo_ctx, make_window, qtbot):
    window = make_window(demo_ctx)
    with qtbot.waitSignal(window.demo_failed, timeout=60_000) as blocker:
        window.load_demo()
    assert blocker.args[0]  # the service's own words
    assert not window.is_loading_demo()
    assert window.page(Section.PANELS).model.rowCount() == 5
