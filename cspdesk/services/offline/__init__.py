"""Meetings run without a network: checked out of a server into a meeting file, checked back in (issue 21)."""
