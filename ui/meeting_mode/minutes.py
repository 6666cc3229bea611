"""Meeting mode after the meeting: finishing or resuming it, reviewing and finalising the minutes,
and addenda once they are locked."""

from __future__ import annotations

import html


from cspdesk.domain.enums import AgendaItemKind, AttendanceStatus, MeetingStatus
from cspdesk.services.errors import ServiceError
from cspdesk.services.meetings.meetings import ActionRow
from cspdesk_gui.formatting import short_date, short_datetime
from cspdesk_gui.signals import emit


class MinutesFlow:
    """The minutes flow. A part of :class:`~cspdesk_gui.meeting_mode.window.MeetingModeWindow` (mixed in: it works on the window's
    widgets and state, built in :mod:`cspdesk_gui.meeting_mode.layout`)."""

    # -- after the meeting ------------------------------------------------------------------------------

    def finish_meeting(self) -> None:
        """Ctrl+Shift+E: the meeting is Held; its minutes come up for review."""
        if self.detail.row.status is not MeetingStatus.IN_PROGRESS or self.pages.currentWidget() is not self.run_page:
            return
        self.autosaver.flush()
        self.settle()
        try:
            result = self.service.end_meeting(self.meeting_id)
        except ServiceError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return
        self.detail = result.value
        self.clock_timer.stop()
        self._announce(result.changes)
        emit(self.meeting_ended)
        self.show_review()

    def resume_meeting(self) -> None:
        if self.detail.row.status is not MeetingStatus.HELD:
            return
        result = self.service.start_meeting(self.meeting_id)
        self.detail = result.value
        self._announce(result.changes)
        self.agenda_model.set_rows(self.detail.items)
        self.pages.setCurrentWidget(self.run_page)
        self.clock_timer.start()
        self._update_title()
        self.go_to(max(0, self.current_index))

    def show_review(self) -> None:
        self.detail = self.service.get_meeting(self.meeting_id)
        self.agenda_model.set_rows(self.detail.items)
        self.pages.setCurrentWidget(self.review_page)
        self._refresh_review()
        (self.addendum_edit if self.detail.locked else self.finalise_button).setFocus()

    def _refresh_review(self) -> None:
        d = self.detail
        self._update_title()
        self.review_heading.setText(f"Minutes — {d.row.panel_name}, {short_datetime(d.row.starts_at)}")
        if d.locked:
            by = f" by {d.finalised_by}" if d.finalised_by else ""
            self.review_state.setText(f"Finalised {short_datetime(d.finalised_at)}{by}. The minutes are locked: "
                                      "corrections are added as addenda, with who and when.")
        else:
            self.review_state.setText("The meeting has ended. Read the minutes through, then finalise them "
                                      "(Alt+F): after that they cannot change.")
        undecided = [i.reference for i in d.case_items if i.decision is None]
        problems = []
        if undecided and not d.locked:
            problems.append("No decision yet for " + ", ".join(undecided) + " (Alt+B goes back to the meeting).")
        if d.missing_core_agencies:
            problems.append("Core agencies not present: " + ", ".join(d.missing_core_agencies) + ".")
        self.review_problems.setText("\n".join(problems))
        self.review_problems.setVisible(bool(problems))
        # The focus moves before a focused button is hidden, never to wherever Qt would send it.
        self.addendum_row.setVisible(d.locked)
        if d.locked:
            self.addendum_edit.setFocus()
        self.finalise_button.setVisible(not d.locked)
        self.back_button.setVisible(not d.locked)
        self.minutes_view.setHtml(self._minutes_html())

    def _minutes_html(self) -> str:
        d = self.detail
        esc = html.escape
        agreed: dict[int | None, list[ActionRow]] = {}
        for a in self.service.meeting_actions(self.meeting_id):
            agreed.setdefault(a.agenda_item_id, []).append(a)
        out = [f"<h3>{esc(d.row.panel_name)} — {esc(short_datetime(d.row.starts_at))}</h3>",
               f"<p>{esc(d.row.venue)}<br/>Chair: {esc(d.row.chair or 'not recorded')} · Minutes: "
               f"{esc(d.row.minute_taker or 'not recorded')}</p>"]
        present = [a for a in d.attendance if a.status is AttendanceStatus.PRESENT and not a.is_observer]
        apologies = [a for a in d.attendance if a.status is AttendanceStatus.APOLOGIES]
        observers = [a for a in d.attendance if a.is_observer]
        out.append("<p><b>Present:</b> " + esc("; ".join(f"{a.name} ({a.agency})" if a.name else a.agency
                                                         for a in present) or "none") + "</p>")
        out.append("<p><b>Apologies:</b> " + esc("; ".join(
            f"{a.agency}" + (" (information sent)" if a.information_sent else "") for a in apologies) or "none")
            + "</p>")
        if observers:
            out.append("<p><b>Observers:</b> " + esc("; ".join(
                f"{a.name} (statement {'signed' if a.confidentiality_signed else 'NOT signed'})" for a in observers))
                + "</p>")
        for item in d.items:
            out.append(f"<h4>{esc(item.label)}" + (f" — {esc(item.listing.label)}" if item.listing else "") + "</h4>")
            if item.discussion:
                out.append("<p>" + esc(item.discussion).replace("\n", "<br/>") + "</p>")
            if item.kind is AgendaItemKind.ACTIONS_REVIEW:
                carried = self.service.carried_actions(self.meeting_id)
                if carried:
                    out.append("<table cellpadding='3' border='1' style='border-collapse:collapse'>"
                               "<tr><th>Case</th><th>Agency</th><th>Action</th><th>Due</th><th>Status</th></tr>")
                    for a in carried:
                        status = a.status.label + (f": {a.status_reason}" if a.status_reason else "")
                        out.append(f"<tr><td>{esc(a.reference)}</td><td>{esc(a.agency)}</td><td>{esc(a.text)}</td>"
                                   f"<td>{esc(short_date(a.due_date))}</td><td>{esc(status)}</td></tr>")
                    out.append("</table>")
                else:
                    out.append("<p>No outstanding actions on the cases listed.</p>")
            if item.kind is AgendaItemKind.CASE:
                decision = item.decision.label if item.decision else "NO DECISION YET"
                out.append(f"<p><b>Decision:</b> {esc(decision)}"
                           + (f" — {esc(item.decision_notes)}" if item.decision_notes else "") + "</p>")
            rows = agreed.get(item.id, [])
            if rows:
                out.append("<table cellpadding='3' border='1' style='border-collapse:collapse'>"
                           "<tr><th>Agency</th><th>Owner</th><th>Action</th><th>Due</th></tr>")
                for a in rows:
                    out.append(f"<tr><td>{esc(a.agency)}</td><td>{esc(a.owner)}</td><td>{esc(a.text)}</td>"
                               f"<td>{esc(short_date(a.due_date))}</td></tr>")
                out.append("</table>")
        if d.next_meeting is not None:
            out.append(f"<p><b>Next meeting:</b> {esc(short_datetime(d.next_meeting))}</p>")
        if d.addenda:
            out.append("<h4>Addenda</h4>")
            for a in d.addenda:
                out.append(f"<p>{esc(short_datetime(a.at))}, {esc(a.by)}: {esc(a.text)}</p>")
        return "".join(out)

    def finalise(self) -> None:
        try:
            result = self.service.finalise_minutes(self.meeting_id)
        except ServiceError as exc:
            self.review_problems.setText(str(exc))
            self.review_problems.show()
            return
        self.detail = result.value
        self._announce(result.changes)
        self._refresh_review()
        self.addendum_edit.setFocus()
        emit(self.minutes_finalised)

    def _add_addendum(self) -> None:
        try:
            result = self.service.add_addendum(self.meeting_id, self.addendum_edit.text())
        except ServiceError as exc:
            self.review_problems.setText(str(exc))
            self.review_problems.show()
            return
        self.addendum_edit.clear()
        self.detail = self.service.get_meeting(self.meeting_id)
        self._announce(result.changes)
        self._refresh_review()
