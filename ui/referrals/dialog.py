"""The referral form's shared base: ``ReferralDialog(ctx, panel_id)`` opens the form of the panel's
type — :mod:`cspdesk_gui.referrals.marac_form`, :mod:`~cspdesk_gui.referrals.csvg_form`, :mod:`~cspdesk_gui.referrals.socp_form`
or :mod:`~cspdesk_gui.referrals.carm_form` — each adding its own sections to what every referral shares
(the referral's date, agency, referrer and reason; people already held; repeats; saving).
What each panel type asks comes from the domain (:mod:`cspdesk.domain.panels`).

Keyboard first: every field is reached by Tab in reading order, the main ones by Alt+letter (the
underlined letter of their caption); in the DASH grid keys 1/2/3 answer and move on; Ctrl+S or
Ctrl+Enter saves; Escape cancels (pressed twice when something was typed, so a stray Escape never
loses a form). As a name is typed the side panel lists people already held (Alt+M goes to it,
Alt+K links the one chosen); linking a MARAC victim who was referred within the panel's repeat
window shows the repeat banner naming the earlier case.

Nothing is saved until the service accepts the whole draft: every problem it names is shown beside
its field (and row), and the cursor goes to the first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.panels import PanelAsks
from cspdesk.services.access.accounts import AccountService
from cspdesk.services.context import OpChanges, ServiceContext
from cspdesk.services.errors import ServiceError, ValidationError
from cspdesk.services.referrals.referrals import (
    CreatedReferral,
    NoCriteriaUnconfirmed,
    PanelRules,
    PersonDraft,
    PersonMatch,
    Problem,
    ReferralDraft,
    ReferralInvalid,
    ReferralService,
    RepeatInfo,
)
from cspdesk_gui.dialogs.forms import error_label, make_primary
from cspdesk_gui.formatting import short_date
from cspdesk_gui.pages.admin.common import confirm
from cspdesk_gui.operations import run_and_wait
from cspdesk_gui.referrals.fields import DateField, DateUnreadable
from cspdesk_gui.dialogs.chronology import chronology_hooks
from cspdesk_gui.referrals.matches import MatchPanel, describe_match
from cspdesk_gui.referrals.people import LinkedRecord, PeopleRows, PersonEntry, RowField
from cspdesk_gui.signals import emit
from cspdesk_gui.widgets.keyboard import FollowFocus, make_typeable
from cspdesk_gui.windows import fit_to_screen

_ROW_PATH = re.compile(r"^(\w+)\[(\d+)\]")


def combo(parent: QWidget, name: str, choices: Sequence[tuple[str, object]]) -> QComboBox:
    combo = QComboBox(parent)
    combo.setObjectName(name)
    for label, value in choices:
        combo.addItem(label, value)
    return combo


def whole_height(box: QWidget) -> None:
    """Lay a tick box or radio out no lower than its whole target and focus ring: with the
    stylesheet's 24 px target, its Fixed height (its size hint) came out under its minimum at
    200 % (28 of 33 px) in a grid or row of its own."""
    box.ensurePolished()  # the stylesheet's target size and the font, as it will be shown
    box.setMinimumHeight(box.minimumSizeHint().height())


def text_box(parent: QWidget, name: str, lines: int = 3) -> QPlainTextEdit:
    box = QPlainTextEdit(parent)
    box.setObjectName(name)
    box.setTabChangesFocus(True)  # Tab moves on, as in every other field
    box.setFixedHeight(box.fontMetrics().lineSpacing() * lines + 14)
    return box


class ReferralDialog(QDialog):
    """A new referral to one panel. Emits ``referral_saved(created, changes)`` once saved.

    ``ReferralDialog(ctx, panel_id)`` is the form of the panel's type (a subclass). A subclass
    builds its sections in :meth:`_build_sections`, reads them in :meth:`_panel_draft`, and gives
    its fields' Tab order in :meth:`_panel_reading_order`; the other hooks default to nothing."""

    #: The referral was saved: the service's :class:`CreatedReferral` and its :class:`OpChanges`.
    referral_saved = Signal(object, object)
    #: The repeat banner changed: the :class:`RepeatInfo` shown, or None.
    repeat_changed = Signal(object)
    #: The caption of the free-text reason.
    reason_caption = "R&eason for referral"

    def __new__(cls, ctx: ServiceContext, panel_id: int, parent: QWidget | None = None) -> ReferralDialog:
        if cls is ReferralDialog:  # the form of the panel's type
            from cspdesk_gui.referrals.panel_forms import form_class  # the forms import this module

            cls = form_class(ReferralService(ctx).panel_rules(panel_id))
        return super().__new__(cls)

    def __init__(self, ctx: ServiceContext, panel_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = ReferralService(ctx)
        self.rules: PanelRules = self.service.panel_rules(panel_id)
        asks = self.rules.asks
        if asks is None:
            raise ServiceError(f"{self.rules.name} takes no referrals of its own.")
        self.asks: PanelAsks = asks
        self.panel_type = self.rules.panel_type
        #: The person the referral is about, as typed (None while the subject is not a person).
        self.subject_entry: PersonEntry | None = None
        self._match_repeats: dict[int, RepeatInfo | None] = {}
        self.created: CreatedReferral | None = None
        self.repeat: RepeatInfo | None = None
        self._escape_armed = False
        self._entries: list[PersonEntry] = []
        #: field path (or path prefix) → (widget to focus, label to show the message in)
        self._targets: dict[str, tuple[QWidget, QLabel]] = {}
        self._row_sections: dict[str, PeopleRows] = {}
        self._built = False
        self.setObjectName("referralDialog")
        self.setWindowTitle(f"New referral — {self.rules.name}")
        self.setModal(False)
        fit_to_screen(self, 1180, 820)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        outer.setSpacing(8)
        heading = QLabel(f"{asks.form_title} — {self.rules.name}", self)
        heading.setObjectName("dialogHeading")
        outer.addWidget(heading)

        self.repeat_banner = QFrame(self)
        self.repeat_banner.setObjectName("repeatBanner")
        banner_layout = QHBoxLayout(self.repeat_banner)
        banner_layout.setContentsMargins(12, 8, 12, 8)
        self.repeat_label = QLabel("", self.repeat_banner)
        self.repeat_label.setObjectName("repeatText")
        self.repeat_label.setWordWrap(True)
        banner_layout.addWidget(self.repeat_label, 1)
        self.repeat_banner.hide()
        outer.addWidget(self.repeat_banner)

        middle = QHBoxLayout()
        middle.setSpacing(12)
        self.scroll = QScrollArea(self)
        self.scroll.setObjectName("referralScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        # Sideways too, when it must: at 200 % a form wider than the window was cut off on the right.
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.body = QWidget(self.scroll)
        self.body.setObjectName("referralBody")
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(0, 0, 8, 0)
        self.body_layout.setSpacing(12)
        self.scroll.setWidget(self.body)
        self._follow_focus = FollowFocus(self.scroll)
        middle.addWidget(self.scroll, 1)

        self.match_panel = MatchPanel(self._find, self._describe, self._link, self, **chronology_hooks(self, ctx))
        self.match_panel.setFixedWidth(320)
        middle.addWidget(self.match_panel)
        outer.addLayout(middle, 1)

        self.general_error = error_label(self)
        self.general_error.setObjectName("generalError")
        outer.addWidget(self.general_error)
        self.escape_note = QLabel("Press Escape again to close without saving; what was typed will be lost.", self)
        self.escape_note.setObjectName("escapeNote")
        self.escape_note.hide()
        outer.addWidget(self.escape_note)

        buttons = QHBoxLayout()
        self.keys_hint = QLabel("Ctrl+S saves · Escape cancels · Alt+M people held · Alt+K links", self)
        self.keys_hint.setObjectName("mutedText")
        buttons.addWidget(self.keys_hint)
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancelReferral")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = QPushButton("Save referral", self)
        self.save_button.setObjectName("saveReferral")
        self.save_button.setAutoDefault(False)
        self.save_button.setToolTip("Save the referral (Ctrl+S)")
        make_primary(self.save_button)
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        outer.addLayout(buttons)

        for keys in ("Ctrl+S", "Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, activated=self.save)
        QShortcut(QKeySequence("Alt+M"), self, activated=self.match_panel.focus_list)

        self._build_referral_section()
        self._build_sections()
        self.body_layout.addStretch(1)
        self._built = True
        self._update_tab_order()
        self.referral_date.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- building -------------------------------------------------------------------------------

    def _section(self, title: str) -> tuple[QFrame, QVBoxLayout]:
        frame = QFrame(self.body)
        frame.setObjectName("section")
        layout = QVBoxLayout(frame)
        layout.setContentsMargins(14, 10, 14, 12)
        layout.setSpacing(8)
        caption = QLabel(title, frame)
        caption.setObjectName("sectionTitle")
        layout.addWidget(caption)
        self.body_layout.addWidget(frame)
        return frame, layout

    def _form(self, layout: QVBoxLayout, parent: QWidget) -> QFormLayout:
        form = QFormLayout()
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(6)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addLayout(form)
        return form

    def _row(self, form: QFormLayout, parent: QWidget, caption: str, widget: QWidget, *paths: str,
             error_beside: bool = True) -> QLabel:
        """A captioned field with its error line beside it; ``paths`` name it in the service's problems."""
        label = QLabel(caption, parent)
        # A caption over several fields (a name's two parts) takes the keyboard to the first.
        focusable = widget if widget.focusPolicy() != Qt.FocusPolicy.NoFocus else widget.findChild(QLineEdit)
        label.setBuddy(focusable or widget)
        error = error_label(parent)
        cell = QWidget(parent)
        line = QHBoxLayout(cell) if error_beside else QVBoxLayout(cell)
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(10)
        line.addWidget(widget, 0 if error_beside and isinstance(widget, (QComboBox, QSpinBox, DateField)) else 1)
        line.addWidget(error, 1)
        form.addRow(label, cell)
        for path in paths:
            self._targets[path] = (widget, error)
        return error

    def _person_fields(self, form: QFormLayout, parent: QWidget, entry: PersonEntry, path: str,
                       name_caption: str, *, contact: bool = False) -> None:
        names = QWidget(parent)
        line = QHBoxLayout(names)
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(6)
        line.addWidget(entry.given, 1)
        line.addWidget(entry.family, 1)
        error = self._row(form, parent, name_caption, names, f"{path}.family_name", f"{path}.given_name",
                          f"{path}.existing_person_id", path)
        self._targets[f"{path}.family_name"] = (entry.family, error)
        self._targets[f"{path}.given_name"] = (entry.given, error)
        self._targets[f"{path}.existing_person_id"] = (entry.given, error)
        self._targets[path] = (entry.given, error)
        form.addRow("", entry.link_label)
        self._row(form, parent, "Date of &birth", entry.dob, f"{path}.date_of_birth")
        if contact:
            self.address = QLineEdit(parent)
            self.address.setObjectName(f"{path}Address")
            self._row(form, parent, "Addre&ss", self.address, f"{path}.address")
            self.postcode = QLineEdit(parent)
            self.postcode.setObjectName(f"{path}Postcode")
            self._row(form, parent, "Postcode", self.postcode, f"{path}.postcode")
            self.phone = QLineEdit(parent)
            self.phone.setObjectName(f"{path}Phone")
            self._row(form, parent, "&Phone", self.phone, f"{path}.phone")
            self.safe_to_call = combo(parent, f"{path}SafeToCall", [("Not recorded", None), ("Yes, safe to call", True),
                                                                      ("No — do not call", False)])
            self._row(form, parent, "Safe to &call", self.safe_to_call, f"{path}.safe_to_call")
            self.safe_times = QLineEdit(parent)
            self.safe_times.setObjectName(f"{path}SafeTimes")
            self.safe_times.setPlaceholderText("e.g. weekdays 10:00–14:00, not at weekends")
            self._row(form, parent, "Safe t&imes", self.safe_times, f"{path}.safe_times")
        self._watch(entry)

    def _watch(self, entry: PersonEntry) -> None:
        self._entries.append(entry)
        self.match_panel.watch(entry)
        entry.link_changed.connect(lambda _r, e=entry: self._entry_link_changed(e))

    def _rows(self, layout: QVBoxLayout, parent: QWidget, key: str, noun: str, extra: Sequence[RowField],
              add_text: str, empty_text: str) -> PeopleRows:
        rows = PeopleRows(key, noun, extra, parent, add_text=add_text, today=self.ctx.today, empty_text=empty_text)
        rows.row_added.connect(self._row_added)
        rows.row_removed.connect(lambda _r: self._update_tab_order())
        layout.addWidget(rows)
        error = error_label(parent)
        layout.addWidget(error)
        self._targets[key] = (rows.add_button, error)
        self._row_sections[key] = rows
        return rows

    def _row_added(self, row: object) -> None:
        self._watch(row.entry)  # type: ignore[attr-defined]
        self._update_tab_order()

    def _build_referral_section(self) -> None:
        frame, layout = self._section("The referral")
        form = self._form(layout, frame)
        self.referral_date = DateField(frame, name="referralDate", accessible="Referral date", today=self.ctx.today)
        self.referral_date.set_value(self.ctx.today())
        self._row(form, frame, "Referral da&te", self.referral_date, "referral_date")
        self.referral_date.editingFinished.connect(self._refresh_repeat)
        self.agency = QComboBox(frame)
        self.agency.setObjectName("referringAgency")
        self.agency.addItem("Not recorded", None)
        for agency_id, name in AccountService(self.ctx).agencies():
            self.agency.addItem(name, agency_id)
        make_typeable(self.agency)
        self._row(form, frame, "Referring &agency", self.agency, "referring_agency_id")
        self.referrer = QLineEdit(frame)
        self.referrer.setObjectName("referrerName")
        self.referrer.setPlaceholderText("Name and role of the person referring")
        self._row(form, frame, "&Referrer", self.referrer, "referrer_name")
        self.reason = text_box(frame, "referralReason")
        self._row(form, frame, self.reason_caption, self.reason, "reason", error_beside=False)

    # -- what each panel type's form adds -------------------------------------------------------

    def _build_sections(self) -> None:
        """Add the panel type's sections below the referral's own."""
        raise NotImplementedError

    def _panel_draft(self, common: dict[str, Any]) -> ReferralDraft:
        """The panel type's draft from the form, ``common`` holding the referral's own fields."""
        raise NotImplementedError

    def _panel_reading_order(self) -> list[QWidget]:
        """The panel type's fields in reading order (Tab follows it)."""
        raise NotImplementedError

    def _own_problems(self) -> list[Problem]:
        """What the form itself cannot read besides dates (a half-answered DASH)."""
        return []

    def _subject_paths(self) -> list[tuple[PersonEntry, str]]:
        """The subject person being typed with its draft path (none while the subject is a group)."""
        return []

    def _panel_dirty(self) -> bool:
        """Something typed in the panel type's own widgets that is not a person (DASH answers)."""
        return False

    def _fallback_target(self, path: str) -> tuple[QWidget, QLabel] | None:
        """Where a problem goes whose path names no field of its own."""
        return None

    def _update_criteria(self) -> None:
        """Show the referral criteria met now (the MARAC form's; the others show none)."""

    # -- matching and repeats -------------------------------------------------------------------

    def _find(self, entry: PersonEntry) -> list[PersonMatch]:
        matches = self.service.find_people(entry.given.text(), entry.family.text(), entry.dob.value_or_none())
        self._match_repeats = {}
        if entry is self.subject_entry:
            referral_date = self.referral_date.value_or_none() or self.ctx.today()
            for found in matches[:5]:
                self._match_repeats[found.person_id] = self.service.check_repeat(
                    self.rules.panel_id, found.person_id, referral_date)
        return matches

    def _describe(self, found: object) -> str:
        assert isinstance(found, PersonMatch)
        return describe_match(found, self._match_repeats.get(found.person_id))

    def _link(self, entry: PersonEntry, found: object) -> None:
        assert isinstance(found, PersonMatch)
        name = f"{found.given_name} {found.family_name}".strip()
        entry.link(LinkedRecord(found.person_id, name, found.date_of_birth), found.given_name, found.family_name)

    def _entry_link_changed(self, entry: PersonEntry) -> None:
        if entry is self.subject_entry:
            self._refresh_repeat()

    def _refresh_repeat(self) -> None:
        subject = self.subject_entry
        repeat = None
        if subject is not None and subject.linked is not None:
            referral_date = self.referral_date.value_or_none() or self.ctx.today()
            repeat = self.service.check_repeat(self.rules.panel_id, subject.linked.person_id, referral_date)
        self.set_repeat(repeat)

    def set_repeat(self, repeat: RepeatInfo | None) -> None:
        self.repeat = repeat
        if repeat is None:
            self.repeat_banner.hide()
        else:
            subject = self.subject_entry
            who = subject.linked.name if subject is not None and subject.linked is not None else "This person"
            self.repeat_label.setText(
                f"Repeat referral: {who} was referred to {self.rules.name} on {short_date(repeat.referral_date)} "
                f"as {repeat.reference} ({repeat.status.label}), within the last {repeat.window_months} months. "
                "This referral will be saved as a repeat of it."
            )
            self.repeat_banner.show()
        self._update_criteria()
        emit(self.repeat_changed, repeat)

    # -- the draft ------------------------------------------------------------------------------

    def _person_draft(self, entry: PersonEntry, *, contact: bool = False) -> PersonDraft:
        dob = entry.dob.value()
        extra: dict[str, object] = {}
        if contact:
            extra = dict(address=self.address.text(), postcode=self.postcode.text(), phone=self.phone.text(),
                         safe_to_call=self.safe_to_call.currentData(), safe_times=self.safe_times.text())
        if entry.linked is not None:
            has_contact = bool(contact and (self.address.text().strip() or self.postcode.text().strip()
                                            or self.phone.text().strip() or self.safe_times.text().strip()
                                            or self.safe_to_call.currentData() is not None))
            return PersonDraft(existing_person_id=entry.linked.person_id, update_contact=has_contact,
                               **extra)  # type: ignore[arg-type]
        return PersonDraft(given_name=entry.given.text(), family_name=entry.family.text(), date_of_birth=dob,
                           **extra)  # type: ignore[arg-type]

    def _read_dates(self) -> list[Problem]:
        """Dates that cannot be read are the form's own problems (the service never sees text)."""
        problems = []
        fields: list[tuple[str, DateField, str]] = [("referral_date", self.referral_date, "Referral date")]
        for entry, path in self._entry_paths():
            fields.append((f"{path}.date_of_birth", entry.dob, f"{entry.label}: date of birth"))
        for path, field, who in fields:
            try:
                field.value()
            except DateUnreadable as exc:
                problems.append(Problem(path, f"{who}: {exc}"))
        if self.referral_date.text().strip() == "":
            problems.append(Problem("referral_date", "Referral date: give the date the referral was received."))
        return problems

    def _entry_paths(self) -> list[tuple[PersonEntry, str]]:
        out = self._subject_paths()
        for key, rows in self._row_sections.items():
            if not rows.isVisibleTo(self):  # a section of a subject not chosen (a household's members)
                continue
            for i, (_n, row) in enumerate(rows.filled_rows()):
                out.append((row.entry, f"{key}[{i}].person"))
        return out

    def draft(self) -> ReferralDraft:
        """What the form says, as the service's draft. Raises :class:`ReferralInvalid` for what the
        form itself cannot read (dates, a half-answered DASH)."""
        draft, problems = self._read_form()
        if problems or draft is None:
            raise ReferralInvalid(problems)
        return draft

    def _read_form(self) -> tuple[ReferralDraft | None, list[Problem]]:
        """The draft (None when a date cannot be read) and the form's own problems. A half-answered
        DASH is a problem but leaves the rest of the draft readable (without the checklist), so the
        service can name the other problems in the same go."""
        problems = self._read_dates()
        own = self._own_problems()
        if problems:
            return None, problems + own
        return self._build(), own

    def _build(self) -> ReferralDraft:
        common: dict[str, Any] = dict(
            panel_id=self.rules.panel_id,
            referral_date=self.referral_date.value(),
            referring_agency_id=self.agency.currentData(),
            referrer_name=self.referrer.text(),
            reason=self.reason.toPlainText(),
        )
        return self._panel_draft(common)

    # -- saving ---------------------------------------------------------------------------------

    def save(self) -> CreatedReferral | None:
        """Check and save (on the database thread, :func:`cspdesk_gui.operations.run_and_wait`); on problems
        show each beside its field and return None."""
        self.clear_errors()
        try:
            draft, problems = self._read_form()
            if problems:
                if draft is not None:
                    problems += run_and_wait(lambda: list(self.service.validate(draft)))
                raise ReferralInvalid(problems)
            assert draft is not None
            try:
                result = run_and_wait(lambda: self.service.create(draft))
            except NoCriteriaUnconfirmed as exc:
                if not confirm(self, "No referral criteria", str(exc), "Save without criteria"):
                    return None
                result = run_and_wait(lambda: self.service.create(draft, confirm_no_criteria=True))
        except ReferralInvalid as exc:
            self.show_problems(exc.problems)
            return None
        except ValidationError as exc:
            self.show_problems([Problem(exc.field, str(exc))])
            return None
        except ServiceError as exc:
            self.general_error.setText(str(exc))
            self.general_error.show()
            return None
        self.created = result.value
        emit(self.referral_saved, result.value, result.changes)
        self.accept()
        return result.value

    def clear_errors(self) -> None:
        for _w, label in self._targets.values():
            label.hide()
            label.setText("")
        for rows in self._row_sections.values():
            rows.clear_errors()
        self.general_error.hide()
        self.general_error.setText("")

    def _target_of(self, path: str) -> tuple[QWidget, QLabel] | None:
        """The widget and error line for a problem's field path ("children[1].person.date_of_birth")."""
        if m := _ROW_PATH.match(path):
            rows = self._row_sections.get(m[1])
            filled = rows.filled_rows() if rows is not None else []
            index = int(m[2])
            if rows is not None and index < len(filled):
                row = filled[index][1]
                rest = path[m.end():].lstrip(".")
                widget: QWidget = row.entry.given
                if rest.endswith("date_of_birth"):
                    widget = row.entry.dob
                elif rest.endswith("family_name"):
                    widget = row.entry.family
                else:
                    for key, extra in row.extras.items():
                        if rest.endswith(key):
                            widget = extra
                return widget, row.error
        candidate = path
        while candidate:
            if candidate in self._targets:
                return self._targets[candidate]
            candidate = candidate.rpartition(".")[0]
        return self._fallback_target(path)

    def show_problems(self, problems: Sequence[Problem]) -> None:
        """Each problem beside its field (and row); unplaced ones on the line above the buttons.
        The cursor goes to the problem highest up the form."""
        placed: list[tuple[int, QWidget]] = []
        general: list[str] = []
        shown: dict[int, list[str]] = {}
        for problem in problems:
            target = self._target_of(problem.field)
            if target is None:
                general.append(problem.message)
                continue
            widget, label = target
            messages = shown.setdefault(id(label), [])
            if problem.message not in messages:
                messages.append(problem.message)
            label.setText("\n".join(messages))
            label.show()
            placed.append((widget.mapTo(self.body, widget.rect().topLeft()).y(), widget))
        if general:
            self.general_error.setText("\n".join(general))
            self.general_error.show()
        if placed:
            first = min(placed, key=lambda item: item[0])[1]
            first.setFocus(Qt.FocusReason.OtherFocusReason)
            self.scroll.ensureWidgetVisible(first, 40, 80)
            if isinstance(first, QLineEdit):
                first.selectAll()

    def error_texts(self) -> list[str]:
        """Every error message shown now (for tests and screen readers)."""
        labels = [label for _w, label in self._targets.values()]
        for rows in self._row_sections.values():
            labels.extend(row.error for row in rows.rows)
        labels.append(self.general_error)
        seen: list[str] = []
        for label in labels:
            if not label.isHidden() and label.text() and label.text() not in seen:
                seen.append(label.text())
        return seen

    # -- keyboard -------------------------------------------------------------------------------

    def _update_tab_order(self) -> None:
        """Tab follows the reading order, whatever rows were added since the form was built."""
        # Qt's default order is creation order: rows added later need putting in place.
        if not self._built:
            return
        chain = self._reading_order()
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    def _reading_order(self) -> list[QWidget]:
        order: list[QWidget] = [self.referral_date, self.agency, self.referrer, self.reason]
        order += self._panel_reading_order()
        order += [self.match_panel.list, self.match_panel.link_button, self.cancel_button, self.save_button]
        return order

    def is_dirty(self) -> bool:
        if any(not e.is_blank() for e in self._entries):
            return True
        if self.referrer.text().strip() or self.reason.toPlainText().strip():
            return True
        return self._panel_dirty()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() == Qt.Key.Key_Escape:
            self.reject()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            # Enter never saves by accident: in a field it moves to the next one, as on a paper
            # form; in a list (the matches, the DASH grid) the list has already acted on it.
            if not isinstance(self.focusWidget(), QAbstractItemView):
                self.focusNextChild()
            return
        super().keyPressEvent(event)

    def reject(self) -> None:
        if self.created is None and self.is_dirty() and not self._escape_armed:
            self._escape_armed = True
            self.escape_note.show()
            return
        super().reject()

    def changes(self) -> OpChanges:
        return OpChanges(cases=True, people=True)
