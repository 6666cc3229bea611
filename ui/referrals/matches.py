"""The side panel of the referral form: people already held who match what is being typed.

It follows the person entry being edited (the victim, a perpetrator, a child…). Once typing pauses
(``MATCH_DEBOUNCE_MS``) it asks the referral service for people by that name (spelling variants and
aliases included) and date of birth, and lists them; "Link" (or Enter on one) ties the entry to the
chosen person, so saving adds a case to that person instead of creating a duplicate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QLabel,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cspdesk.services.referrals.referrals import PersonMatch, RepeatInfo
from cspdesk_gui.formatting import short_date
from cspdesk_gui.referrals.people import PersonEntry
from cspdesk_gui.signals import emit

_Index = QModelIndex | QPersistentModelIndex

#: How long typing must pause before the people held are searched.
MATCH_DEBOUNCE_MS = 150
#: Fewer letters than this in the whole name: nothing is searched (one letter matches half the county).
MIN_MATCH_LETTERS = 2

#: The match itself (whatever the service returned), for linking.
MatchRole = Qt.ItemDataRole.UserRole + 1



def describe_match(found: PersonMatch, repeat: RepeatInfo | None = None) -> str:
    """Two or three lines about one person held: name and birth, why they match, their cases."""
    name = f"{found.given_name} {found.family_name}".strip()
    born = f", born {short_date(found.date_of_birth)}" if found.date_of_birth else ""
    lines = [f"{name}{born}", found.why]
    if found.cases:
        latest = found.cases[0]
        more = f" and {len(found.cases) - 1} more" if len(found.cases) > 1 else ""
        lines.append(f"{latest.reference} as {latest.role.label.lower()}")
        lines.append(f"referred {short_date(latest.referral_date)}{more}")
    if found.other_cases:
        lines.append(f"{found.other_cases} case{'s' if found.other_cases != 1 else ''} on panels you are not on")
    if repeat is not None:
        lines.append(f"Linking makes this a repeat of {repeat.reference} ({short_date(repeat.referral_date)})")
    return "\n".join(lines)


class MatchListModel(QAbstractListModel):
    """The matches found, each shown as a two-line summary made by ``describe``."""

    def __init__(self, describe: Callable[[object], str], parent=None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self._describe = describe
        self._matches: list[object] = []

    def set_matches(self, matches: Sequence[object]) -> None:
        self.beginResetModel()
        self._matches = list(matches)
        self.endResetModel()

    def match(self, row: int) -> object:  # type: ignore[override]
        return self._matches[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's name
        return 0 if parent.isValid() else len(self._matches)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._matches):
            return None
        found = self._matches[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._describe(found)
        if role == MatchRole:
            return found
        return None


class MatchPanel(QFrame):
    """People held who match the entry being typed, with "Link"."""

    #: The list was searched again: the matches found (a list).
    matches_shown = Signal(object)
    #: An entry was linked to a match: (entry, match).
    linked = Signal(object, object)

    def __init__(
        self,
        find: Callable[[PersonEntry], Sequence[object]],
        describe: Callable[[object], str],
        link: Callable[[PersonEntry, object], None],
        parent: QWidget | None = None,
        *,
        about: Callable[[object], str] | None = None,
        chronology: Callable[[object], object] | None = None,
    ) -> None:
        """``about`` says more of the match chosen ("Also known to: …", issue 20): asked once per
        choice, not for every match listed (the service audits what it shows). ``chronology``
        opens the chosen match's chronology ("Chronology…", Ctrl+Shift+H)."""
        super().__init__(parent)
        self.setObjectName("matchPanel")
        self._find = find
        self._link = link
        self._about = about
        self._chronology = chronology
        self._entry: PersonEntry | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(MATCH_DEBOUNCE_MS)
        self._timer.timeout.connect(self.search_now)

        self.title = QLabel("People already held", self)
        self.title.setObjectName("sectionCaption")
        self.subject_label = QLabel("Type a name to look for people already held.", self)
        self.subject_label.setObjectName("mutedText")
        self.subject_label.setWordWrap(True)
        self.model = MatchListModel(describe, self)
        self.list = QListView(self)
        self.list.setObjectName("matchList")
        self.list.setAccessibleName("People already held who match")
        self.list.setModel(self.model)
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setAlternatingRowColors(True)
        self.list.setSpacing(2)
        self.list.activated.connect(self._activated)
        self.link_button = QPushButton("Lin&k to this person", self)
        self.link_button.setObjectName("linkMatch")
        self.link_button.setAutoDefault(False)
        self.link_button.setToolTip("Use the record already held instead of creating a new person (Alt+L)")
        self.link_button.clicked.connect(self.link_current)
        self.link_button.setEnabled(False)
        self.list.selectionModel().currentChanged.connect(lambda *_a: self._update_button())
        self.about_label = QLabel("", self)
        self.about_label.setObjectName("alsoKnownTo")
        self.about_label.setWordWrap(True)
        self.chronology_button = QPushButton("Chronology…", self)
        self.chronology_button.setObjectName("matchChronology")
        self.chronology_button.setAutoDefault(False)
        self.chronology_button.setShortcut("Ctrl+Shift+H")
        self.chronology_button.setToolTip("Everything that happened to the person chosen, on your panels (Ctrl+Shift+H)")
        self.chronology_button.clicked.connect(lambda: self.open_chronology())
        self.chronology_button.setVisible(chronology is not None)
        self.chronology_button.setEnabled(False)
        self.hint = QLabel("Alt+M goes to the list; Enter (or Alt+K) links the one chosen.", self)
        self.hint.setObjectName("mutedText")
        self.hint.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addWidget(self.subject_label)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.about_label)
        # Holds the room the list would take, so the words stay at the top while it is hidden.
        self.filler = QWidget(self)
        layout.addWidget(self.filler, 1)
        # One above the other, each its whole width: side by side in this narrow panel they were
        # cut short at 200 % ("Lin&k to this person" 144 of 213 px).
        for button in (self.link_button, self.chronology_button):
            layout.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.hint)
        self.setMinimumWidth(260)
        self._show_list(False)

    # -- following entries -----------------------------------------------------------------

    def watch(self, entry: PersonEntry) -> None:
        entry.edited.connect(self._edited)
        entry.focused.connect(self._focused)

    def entry(self) -> PersonEntry | None:
        return self._entry

    def _focused(self, entry: PersonEntry) -> None:
        if entry is not self._entry:
            self._entry = entry
            self.search_now()

    def _edited(self, entry: PersonEntry) -> None:
        self._entry = entry
        self._timer.start()  # restarts: searched once typing pauses

    def is_pending(self) -> bool:
        return self._timer.isActive()

    def search_now(self) -> None:
        self._timer.stop()
        entry = self._entry
        letters = sum(ch.isalpha() for ch in entry.name_text()) if entry is not None else 0
        if entry is None or entry.linked is not None or letters < MIN_MATCH_LETTERS:
            self.model.set_matches([])
            if entry is not None and entry.linked is not None:
                self.subject_label.setText(f"{entry.label} is linked to a person already held.")
            else:
                self.subject_label.setText("Type a name to look for people already held.")
            self._show_list(False)
            self._update_button()
            emit(self.matches_shown, [])
            return
        matches = list(self._find(entry))
        self.model.set_matches(matches)
        name = entry.name_text()
        if matches:
            count = f"{len(matches)} {'person' if len(matches) == 1 else 'people'} held"
            self.subject_label.setText(
                f"{entry.label}, “{name}”: {count} may be the same. Link one instead of creating a duplicate."
            )
            self._show_list(True)
            self.list.setCurrentIndex(self.model.index(0, 0))
        else:
            self.subject_label.setText(f"{entry.label}, “{name}”: no one held matches; a new person will be created.")
            self._show_list(False)
        self._update_button()
        emit(self.matches_shown, matches)

    def _show_list(self, shown: bool) -> None:
        self.list.setVisible(shown)
        self.filler.setVisible(not shown)

    # -- linking -------------------------------------------------------------------------------

    def _update_button(self) -> None:
        chosen = self.model.rowCount() > 0 and self.list.currentIndex().isValid()
        self.link_button.setEnabled(chosen)
        self.chronology_button.setEnabled(chosen)
        said = self._about(self.model.match(self.list.currentIndex().row())) if chosen and self._about else ""
        self.about_label.setText(said)
        self.about_label.setVisible(bool(said))

    def open_chronology(self) -> object:
        """The chosen match's chronology (what ``chronology`` returned), or None with none chosen."""
        index = self.list.currentIndex()
        if self._chronology is None or not index.isValid() or not self.model.rowCount():
            return None
        return self._chronology(self.model.match(index.row()))

    def _activated(self, index: QModelIndex) -> None:
        self.list.setCurrentIndex(index)
        self.link_current()

    def link_current(self) -> None:
        entry = self._entry
        index = self.list.currentIndex()
        if entry is None or not index.isValid():
            return
        found = self.model.match(index.row())
        self._link(entry, found)
        emit(self.linked, entry, found)
        self.search_now()
        entry.given.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_list(self) -> None:
        if self.model.rowCount():
            self.list.setFocus(Qt.FocusReason.ShortcutFocusReason)
