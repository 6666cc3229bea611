"""Meeting mode: the window a chair runs a meeting from (see :mod:`cspdesk_gui.meeting_mode.window`)."""

from __future__ import annotations

from cspdesk_gui.meeting_mode.window import MeetingModeWindow

__all__ = ["MeetingModeWindow"]
