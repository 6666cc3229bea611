"""The main window's menu bar: File, View and Help. Each action is kept on the window under the
name tests and the lock use (``window.lock_action``, ``window.section_actions[...]``)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication

from cspdesk_gui.shell.sections import NAVIGATION
from cspdesk_gui.theme import appearance_menu


def _add(window: Any, menu: Any, name: str, text: str, slot: Any, shortcut: Any = None) -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(shortcut if isinstance(shortcut, QKeySequence.StandardKey) else QKeySequence(shortcut))
    action.triggered.connect(slot)
    menu.addAction(action)
    setattr(window, name, action)
    return action


def build_menus(window: Any) -> None:  # window: the MainWindow (importing it would be a cycle)
    file_menu = window.menuBar().addMenu("&File")
    _add(window, file_menu, "open_action", "&Open database…", window.databases.choose_database, QKeySequence.StandardKey.Open)
    _add(window, file_menu, "connect_action", "Connect to a &server…", window.connect_to_server)
    file_menu.addSeparator()
    backup = _add(window, file_menu, "backup_action", "&Back up now", window.back_up_now)
    backup.setToolTip("Make a checked, encrypted copy of this database in its backup folder")
    _add(window, file_menu, "restore_action", "&Restore a backup…", window.restore_backup)
    file_menu.addSeparator()
    _add(window, file_menu, "change_password_action", "&Change password…", window.change_password)
    lock = _add(window, file_menu, "lock_action", "&Lock", window.lock_now, "Ctrl+L")
    lock.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
    _add(window, file_menu, "sign_out_action", "Si&gn out", window.sign_out)  # O is Open database
    file_menu.addSeparator()
    quit_action = _add(window, file_menu, "quit_action", "&Quit", window.close, "Ctrl+Q")
    quit_action.setMenuRole(QAction.MenuRole.QuitRole)

    view_menu = window.menuBar().addMenu("&View")
    window.section_actions = {}
    for number, (section, label) in enumerate(NAVIGATION, start=1):
        action = QAction(label, window)
        action.setShortcut(QKeySequence(f"Ctrl+{number}"))
        action.triggered.connect(lambda _checked=False, s=section: window.go_to_section(s))
        view_menu.addAction(action)
        window.section_actions[section] = action
    view_menu.addSeparator()
    _add(window, view_menu, "find_action", "&Find cases", window.find_cases, QKeySequence.StandardKey.Find)
    # Issue 20: CARM's map (ui/dialogs/context_map.py).
    _add(window, view_menu, "map_action", "&Map of contexts…", window.open_context_map)
    _add(window, view_menu, "contexts_action", "CARM conte&xts…", window.open_contexts)
    # Issue 19, part C: daily triage (MARAC) and ASB case reviews (CSVG) — ui/dialogs/triage.py, community_trigger.py.
    _add(window, view_menu, "triage_action", "Daily &triage…", window.open_triage, "Ctrl+Shift+T")
    _add(window, view_menu, "community_trigger_action", "ASB case &reviews…", window.open_community_trigger,
         "Ctrl+Shift+R")
    view_menu.addSeparator()
    window.appearance_actions = appearance_menu(view_menu.addMenu("A&ppearance"), window)

    help_menu = window.menuBar().addMenu("&Help")
    about = _add(window, help_menu, "about_action", "&About CSPDesk", window.show_about)
    about.setMenuRole(QAction.MenuRole.AboutRole)
    about_qt = _add(window, help_menu, "about_qt_action", "About &Qt", QApplication.aboutQt)
    about_qt.setMenuRole(QAction.MenuRole.AboutQtRole)

