"""Meeting mode's agenda: moving between items, recording each move and reading the next items ahead
on the database thread, showing an item (its brief, earlier actions, addresses), and the clocks."""

from __future__ import annotations

import dataclasses
import html

from PySide6.QtWidgets import (
    QApplication,
    QWidget,
)

from cspdesk.domain.enums import AgendaItemKind, MeetingStatus
from cspdesk.domain.children import SERIAL_FLAG
from cspdesk.services.errors import ServiceError
from cspdesk.services.meetings.meetings import ActionRow, AgendaEntry, CaseBrief, ItemView
from cspdesk.services.people.contexts import ContextBrief
from cspdesk_gui.operations import run_op
from cspdesk_gui.dialogs.agencies import research_html
from cspdesk_gui.formatting import short_date
from cspdesk_gui.meeting_mode.parts import age_on
from cspdesk_gui import theme
from cspdesk_gui.signals import emit


class AgendaFlow:
    """Moving through the agenda and showing the item in front of the chair. A part of :class:`~cspdesk_gui.meeting_mode.window.MeetingModeWindow` (mixed in: it works on the window's
    widgets and state, built in :mod:`cspdesk_gui.meeting_mode.layout`)."""

    # -- navigation --------------------------------------------------------------------------------

    def current_item(self) -> AgendaEntry | None:
        if 0 <= self.current_index < self.agenda_model.rowCount():
            return self.agenda_model.row_at(self.current_index)
        return None

    def next_item(self) -> None:
        if self.pages.currentWidget() is self.run_page and self.current_index < self.agenda_model.rowCount() - 1:
            self.go_to(self.current_index + 1)

    def previous_item(self) -> None:
        if self.pages.currentWidget() is self.run_page and self.current_index > 0:
            self.go_to(self.current_index - 1)

    def go_to(self, index: int) -> None:
        """Show agenda item ``index``: what was typed is saved first, the clocks move on."""
        if not 0 <= index < self.agenda_model.rowCount():
            return
        self.autosaver.flush()
        self._cancel_reason()
        leaving = self.current_item()
        target = self.agenda_model.row_at(index)
        view = self._views.pop(target.id, None)
        if view is None:
            try:
                view = self.service.read_item(target.id)
            except ServiceError as exc:
                self.statusBar().showMessage(str(exc), 8000)
                return
        self._visited.add(target.id)
        # The clocks move here at once; the service records the move (and the view of the case)
        # on the database thread, so the next case is on screen without waiting for a commit.
        if self.detail.row.status is MeetingStatus.IN_PROGRESS:
            now = self.service.now()
            if leaving is not None and leaving.id != target.id and leaving.started_at is not None:
                self.agenda_model.replace(dataclasses.replace(leaving, ended_at=now))
            self.agenda_model.replace(dataclasses.replace(target, started_at=target.started_at or now, ended_at=None))
        self._record_open(target.id, leaving.id if leaving is not None else None)
        self.current_index = index
        self.agenda_model.set_current(target.id)
        self.agenda_view.selectRow(index)
        self._show_item(self.agenda_model.row_at(index), view)
        emit(self.item_shown, target.id)

    # -- the database thread: recording moves, reading ahead --------------------------------------

    def _record_open(self, item_id: int, leaving_id: int | None) -> None:
        self._record_queue.append((item_id, leaving_id))
        self._pump_records()

    def _pump_records(self) -> None:
        """One record at a time, in order: two quick moves must not overtake each other."""
        if self._recording is not None or not self._record_queue:
            return
        item_id, leaving_id = self._record_queue.pop(0)
        service = self.service
        self._recording = run_op(
            lambda: service.item_opened(item_id, leaving_item_id=leaving_id),
            self._recorded, self._record_failed,
        )

    def _recorded(self, _result: object) -> None:
        self._recording = None
        self._pump_records()

    def _record_failed(self, exc: BaseException) -> None:
        self._recording = None
        self.statusBar().showMessage(str(exc), 8000)
        self._pump_records()

    def settle(self) -> None:
        """Finish every move still being recorded (before the meeting ends, or the window closes)."""
        if self._recording is not None:
            self._recording.wait()
            QApplication.processEvents()  # deliver its result, which starts the next
        while self._recording is not None or self._record_queue:
            if self._recording is not None:
                self._recording.wait()
                QApplication.processEvents()
                continue
            item_id, leaving_id = self._record_queue.pop(0)
            try:
                self.service.item_opened(item_id, leaving_item_id=leaving_id)
            except ServiceError as exc:
                self.statusBar().showMessage(str(exc), 8000)

    def _read_ahead(self) -> None:
        """Read every item's view on the database thread while the meeting starts, so the first
        Ctrl+PgDown to each case finds it read (and the file's pages warm)."""
        ids = [self.agenda_model.row_at(n).id for n in range(self.agenda_model.rowCount())]
        service = self.service

        def read() -> dict[int, ItemView]:
            return service.read_items(ids)

        self._reading_ahead = run_op(read, self._read_ahead_done, self._read_ahead_failed)

    def _read_ahead_done(self, views: object) -> None:
        self._reading_ahead = None
        assert isinstance(views, dict)
        for item_id, view in views.items():
            if item_id not in self._visited:  # what was shown since is fresher
                self._views.setdefault(item_id, view)

    def _read_ahead_failed(self, _exc: BaseException) -> None:
        self._reading_ahead = None  # nothing lost: each item is read when shown

    def _forget_action_everywhere(self, row: ActionRow) -> None:
        """An action reviewed under one item is also listed under another (the review of outstanding
        actions and its case): views read ahead must not show its old status."""
        for item_id, view in list(self._views.items()):
            if any(a.id == row.id for a in view.earlier):
                self._views[item_id] = dataclasses.replace(
                    view, earlier=tuple(row if a.id == row.id else a for a in view.earlier))

    def _show_item(self, item: AgendaEntry, view: ItemView) -> None:
        self._loading = True
        try:
            kind = item.kind
            self.item_heading.setText(item.label)
            sub = [f"{item.slot_start:%H:%M}–{item.slot_end:%H:%M}"]
            if item.listing is not None:
                sub.append(item.listing.label)
            if item.referring_agency:
                sub.append(f"referred by {item.referring_agency}")
            self.item_subheading.setText("  ·  ".join(sub))
            self.notes.setPlainText(item.discussion)
            self.notes.moveCursor(self.notes.textCursor().MoveOperation.End)
            self._brief = None
            self._context_brief = view.context  # a CARM context's assessment and plan (issue 20), or None
            is_case = kind is AgendaItemKind.CASE
            self.action_line.setVisible(kind is not AgendaItemKind.CONFIDENTIALITY)
            self.agreed_caption.setVisible(kind is not AgendaItemKind.CONFIDENTIALITY)
            self.agreed_view.setVisible(kind is not AgendaItemKind.CONFIDENTIALITY)
            self.decision_row.setVisible(is_case)
            self.action_error.hide()
            if kind is AgendaItemKind.CONFIDENTIALITY:
                self.about.setCurrentWidget(self.statement_box)
                self.right.setCurrentWidget(self.attendance_view.parentWidget())
                self._load_attendance()
                focus: QWidget = self.attendance_view
            elif kind is AgendaItemKind.ACTIONS_REVIEW:
                self.about.setCurrentWidget(self.plain_box)
                self.plain_box.setText("Actions from earlier meetings on the cases listed today: review each with one "
                                       "key. A case's own actions also come up when it is discussed.")
                self.right.setCurrentWidget(self.earlier_view.parentWidget())
                self._set_earlier(list(view.earlier), show_reference=True)
                focus = self.earlier_view if view.earlier else self.notes
            elif is_case:
                assert item.case_id is not None
                self.about.setCurrentWidget(self.case_scroll)
                self.right.setCurrentWidget(self.earlier_view.parentWidget())
                self._brief = view.brief
                assert self._brief is not None
                self._fill_brief(self._brief)
                self._set_earlier(list(view.earlier), show_reference=False)
                focus = self.notes
            else:
                self.about.setCurrentWidget(self.plain_box)
                self.plain_box.setText("Anything else the panel needs to raise. Actions agreed here belong to the "
                                       "panel, not to a case.")
                self.right.setCurrentWidget(self.earlier_view.parentWidget())
                self._set_earlier([], show_reference=False)
                focus = self.notes
            self.right.setVisible(kind is not AgendaItemKind.AOB)
            if kind is not AgendaItemKind.CONFIDENTIALITY:
                self.agreed_model.set_rows(list(view.agreed))
            self._show_decision(item)
            self._update_clock()
            focus.setFocus()
        finally:
            self._loading = False

    def _set_earlier(self, rows: list[ActionRow], *, show_reference: bool) -> None:
        if show_reference:
            rows = [dataclasses.replace(r, text=f"{r.reference}: {r.text}") for r in rows]
        self.earlier_model.set_rows(rows)
        # An empty table hands its room to the notes and the actions agreed ("None on this case"
        # says why). Shown or hidden only when that changes: each change relays the window out.
        if self.earlier_view.isHidden() == bool(rows):
            self.earlier_view.setVisible(bool(rows))
            self._item_layout.setStretchFactor(self._upper, 5 if rows else 2)
        if rows:
            self.earlier_empty.setText(f"{len(rows)} to review" if len(rows) > 1 else "1 to review")
        else:
            self.earlier_empty.setText("None on the cases listed." if show_reference else "None on this case.")
        if rows:
            self.earlier_view.selectRow(0)

    def _fill_brief(self, brief: CaseBrief) -> None:
        esc = html.escape
        risk = brief.risk_level.label if brief.risk_level else "not assessed"
        # A MARAC case says why its level is what it is (the domain's one rule), beside its latest DASH.
        criteria = [(k, v) for k, v in brief.criteria if k != "Risk level"]
        explained = dict(brief.criteria).get("Risk level")
        if explained is not None:
            risk_line = f"<p><b>Risk:</b> {esc(explained)}" + (
                f". Latest assessment: {esc(brief.risk_summary)}" if brief.risk_summary else "") + "</p>"
        else:
            risk_line = f"<p><b>Risk:</b> {esc(risk)}" + (
                f" ({esc(brief.risk_summary.removesuffix(', ' + risk))})" if brief.risk_summary else "") + "</p>"
        parts = [
            risk_line,
            f"<p><b>Referred</b> {esc(short_date(brief.referral_date))}"
            + (f" by {esc(brief.referring_agency)}" if brief.referring_agency else "")
            + (" · <b>repeat</b>" if brief.is_repeat else "") + "</p>",
        ]
        if criteria:
            parts.append("<p>" + "<br/>".join(f"<b>{esc(k)}:</b> {esc(v)}" for k, v in criteria) + "</p>")
        if brief.reason:
            parts.append(f"<p><b>Reason:</b> {esc(brief.reason)}</p>")
        if brief.summary:
            parts.append(f"<p><b>Summary:</b> {esc(brief.summary)}</p>")
        if brief.orders:  # issue 19: DVDS with its 28-day clock, orders in force
            parts.append("<p><b>Orders and DVDS:</b><br/>" + "<br/>".join(esc(x) for x in brief.orders) + "</p>")
        parts += research_html(self._research.get(brief.case_id, ()))
        parts += context_html(self._context_brief)
        self.summary_label.setText("".join(parts))
        today = self.ctx.today()
        lines = []
        for p in brief.people:
            age = age_on(p.date_of_birth, today)
            line = f"<b>{esc(p.name)}</b> — {esc(p.role.label)}" + (f", {age}" if age else "")
            if p.serial_perpetrator:  # issue 19: the flag, never the other cases
                line += f" · <b style='color:{theme.colour('danger').name()}'>{esc(SERIAL_FLAG)}</b>"
            if p.child_details:
                line += f"<br/>&nbsp;&nbsp;<span>{esc('; '.join(p.child_details))}</span>"
            if said := self._known_to(p.person_id):  # issue 20: other panels, as the setting allows
                line += f"<br/>&nbsp;&nbsp;<i>{esc(said)}</i>"
            if brief.addresses_shown:
                contact = ", ".join(x for x in (p.address, p.postcode, p.phone) if x)
                line += f"<br/>&nbsp;&nbsp;<span>{esc(contact) or 'no address held'}</span>"
            lines.append(line)
        note = ("Addresses shown (Ctrl+Shift+A hides them)" if brief.addresses_shown
                else "Addresses hidden — Ctrl+Shift+A shows them")
        self.people_label.setText("<p><b>People</b></p><p>" + "<br/>".join(lines) + "</p>"
                                  + f"<p style='color:{theme.colour('muted').name()}'>{note}</p>")

    def toggle_addresses(self) -> None:
        if self._brief is None:
            return
        try:
            self._brief = self.service.case_brief(self._brief.case_id, with_addresses=not self._brief.addresses_shown)
        except ServiceError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return
        self._fill_brief(self._brief)

    # -- clocks ------------------------------------------------------------------------------------

    def _tick(self) -> None:
        self.agenda_model.tick()
        self._update_clock()

    def _update_clock(self) -> None:
        item = self.current_item()
        if item is None:
            self.item_clock.setText("")
            return
        spent = self.agenda_model.elapsed(item)
        allowed = item.minutes_allowed
        if spent is None:
            self.item_clock.setText(f"{allowed} min allowed")
            return
        over = spent > allowed * 60
        minutes, seconds = divmod(int(spent), 60)
        text = f"{minutes}:{seconds:02d} of {allowed}:00"
        if over:
            text += "  — over time"
        self.item_clock.setText(text)
        self.item_clock.setProperty("over", over)
        # The stylesheet colours an item over time: polished again to read the property.
        self.item_clock.style().unpolish(self.item_clock)
        self.item_clock.style().polish(self.item_clock)


def context_html(brief: ContextBrief | None) -> list[str]:
    """A CARM context's current assessment in short and its plan, for the brief (issue 20): its
    responses come up for review with the earlier actions beside."""
    if brief is None:
        return []
    esc = html.escape
    assessed = (f"assessed {esc(short_date(brief.assessed_on))}" if brief.assessed_on is not None
                else "not assessed yet")
    parts = [f"<p><b>Context ({esc(brief.kind.label.lower())}):</b> {esc(brief.name)}, {assessed}</p>"]
    if brief.summary:
        parts.append("<p>" + "<br/>".join(esc(line) for line in brief.summary.split("\n")) + "</p>")
    if brief.goals:
        goals = "".join(f"<li>{esc(g.goal)}" + (f" — <i>measures: {esc(g.measures)}</i>" if g.measures else "")
                        + f" ({len(g.responses)} response{'s' if len(g.responses) != 1 else ''})</li>"
                        for g in brief.goals)
        parts.append(f"<p><b>Plan</b></p><ol>{goals}</ol>")
    else:
        parts.append("<p><b>Plan:</b> no goals yet.</p>")
    return parts
