"""Small input widgets the referral form and the case list filters share.

Dates are typed, not picked: ``DateField`` reads 2/11/2026, 02-11-2026, 2.11.26, 2026-11-02 or
"2 Nov 2026" (day first, as in the UK), and says in words what it could not read. An empty field is
"no date" — which a QDateEdit cannot show.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QWidget

from cspdesk_gui.formatting import short_date

_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_NUMERIC = re.compile(r"^\s*(\d{1,2})\s*[/.\-\s]\s*(\d{1,2})\s*[/.\-\s]\s*(\d{2}|\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_WORDS = re.compile(r"^\s*(\d{1,2})\s+([A-Za-z]{3,9})\.?\s+(\d{4})\s*$")


class DateUnreadable(ValueError):
    """The text is not a date this field can read; the message says how to write one."""


def parse_date(text: str) -> date | None:
    """The date written in ``text`` (None when blank). Two-digit years are 20xx up to this year's
    last two digits + 1, 19xx otherwise (a date of birth of 85 is 1985)."""
    text = text.strip()
    if not text:
        return None
    try:
        if m := _ISO.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _NUMERIC.match(text):
            day, month, year = int(m[1]), int(m[2]), m[3]
            full = int(year)
            if len(year) == 2:
                pivot = date.today().year % 100 + 1
                full += 2000 if full <= pivot else 1900
            return date(full, month, day)
        if m := _WORDS.match(text):
            month = _MONTHS.get(m[2][:3].lower())
            if month is not None:
                return date(int(m[3]), month, int(m[1]))
    except ValueError:
        raise DateUnreadable(f"“{text}” is not a real date.") from None
    raise DateUnreadable(f"“{text}” is not a date: write it as day/month/year, e.g. 2/11/2026.")


class DateField(QLineEdit):
    """A line edit holding a date typed day first; shows it back as "2 Nov 2026" when left."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        name: str = "",
        accessible: str = "",
        today: Callable[[], date] = date.today,
    ) -> None:
        super().__init__(parent)
        self._today = today
        if name:
            self.setObjectName(name)
        if accessible:
            self.setAccessibleName(accessible)
        self.setPlaceholderText("dd/mm/yyyy")
        metrics = self.fontMetrics()
        self.setMinimumWidth(metrics.horizontalAdvance("28 Sep 2026") + 24)
        self.editingFinished.connect(self._tidy)

    def value(self) -> date | None:
        """The date typed (None when blank). Raises :class:`DateUnreadable`."""
        return parse_date(self.text())

    def value_or_none(self) -> date | None:
        try:
            return self.value()
        except DateUnreadable:
            return None

    def set_value(self, value: date | None) -> None:
        self.setText(short_date(value))

    def _tidy(self) -> None:
        try:
            value = self.value()
        except DateUnreadable:
            return  # left as typed: the form says what is wrong when it is checked
        if value is not None:
            self.blockSignals(True)
            self.setText(short_date(value))
            self.blockSignals(False)

    def keyPressEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt's name
        # "t" for today, as in many booking systems.
        if event.text().lower() == "t" and not self.text().strip() and not event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier:
            self.set_value(self._today())
            return
        super().keyPressEvent(event)
