"""Meetings: planning, agendas, meeting mode, minutes."""
