"""The parts of the main window's shell, each a class or a few functions one can read in a sitting.

:mod:`cspdesk_gui.main_window` builds the window and wires these together; each part holds one concern:

- :mod:`.sections` — the sections (pages) a window offers, their order and how each is built;
- :mod:`.window_protocol` — what the parts (and :mod:`cspdesk_gui.lock`, :mod:`cspdesk_gui.change_watch`) need of
  the window, so they depend on that and not on :mod:`cspdesk_gui.main_window` (no import cycle);
- :mod:`.menus` — the menu bar; :mod:`.status` — the status bar and the read-only banner;
- :mod:`.account` — who is signed in, the password; :mod:`.records` — the case dialogs and
  meeting-mode windows the window opened; :mod:`.backups` — back up now, restore, the automatic jobs;
  :mod:`.demo` — loading the demo partnership; :mod:`.databases` — opening another database.
"""
