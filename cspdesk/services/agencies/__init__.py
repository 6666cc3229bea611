"""Agencies in the loop without accounts (issue 18): research requests and action update sheets
out and back, per-agency extracts of the minutes, and sending them, agency by agency.

- :mod:`.common` — who may, which agencies, the sheet's header, the circulation record;
- :mod:`.research` — research requests, the returns' research, each agency's state and the chase list;
- :mod:`.updates` — action update sheets;
- :mod:`.returns` — importing any returned sheet (``cspdesk returns import``);
- :mod:`cspdesk.services.papers.circulate` — the folders, encrypted files and .eml drafts (``cspdesk circulate``; with the papers, which it builds on);
- :mod:`.sealing` — encryption and the e-mail drafts (no database).
"""
