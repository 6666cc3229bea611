"""Values every test suite shares. Import them from here, never ``from constants import``: tests/ui
has a conftest of its own, and which one the name ``conftest`` finds depends on what was collected
first (a run naming files from tests/core and tests/ui together failed at collection)."""

from __future__ import annotations

from datetime import date

TEST_KEY = bytes(range(32))
#: The demo data is generated relative to this day, so every run sees the same overdue actions.
DEMO_TODAY = date(2026, 11, 2)
