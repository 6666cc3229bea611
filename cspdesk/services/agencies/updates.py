"""Action update sheets: an agency's open actions (across the meeting's panel, or only those agreed
at the meeting), with new status, note and completion date cells, and filing what comes back as
status changes through the tracker's own service and validation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.domain.agency_loop import CirculationKind
from cspdesk.domain.enums import ActionStatus
from cspdesk.domain.redaction import KnownContacts, Level, redact
from cspdesk.domain.rules import ACTION_STATUSES_NEEDING_REASON, FINISHED_ACTION_STATUSES
from cspdesk.reports.agency_sheets import ActionUpdateSheet, UpdateLine
from cspdesk.services.actions.actions import ActionService, check_status_change
from cspdesk.services.agencies.common import AgencyRef, new_circulation
from cspdesk.services.context import ServiceContext
from cspdesk.services.errors import EditConflict, ServiceError, ValidationError
from cspdesk.storage.models import Action, AgencyCirculation, Case, CasePerson, Meeting, Person, SubjectGroup

#: What an agency may set on its sheet, by label.
STATUS_BY_LABEL = {s.label.casefold(): s for s in ActionStatus}


def open_actions(s: Session, meeting: Meeting, agency_id: int, *, this_meeting_only: bool) -> list[Action]:
    stmt = select(Action).where(Action.panel_id == meeting.panel_id, Action.owner_agency_id == agency_id,
                                Action.status.not_in(sorted(FINISHED_ACTION_STATUSES)))
    if this_meeting_only:
        stmt = stmt.where(Action.meeting_id == meeting.id)
    return list(s.scalars(stmt.order_by(Action.due_date.is_(None), Action.due_date, Action.id)))


def _references(s: Session, actions: Sequence[Action]) -> dict[int, str]:
    case_ids = {a.case_id for a in actions if a.case_id}
    group_ids = {a.group_id for a in actions if a.group_id}
    cases = dict(s.execute(select(Case.id, Case.reference).where(Case.id.in_(case_ids))).all()) if case_ids else {}
    groups = dict(s.execute(select(SubjectGroup.id, SubjectGroup.reference)
                            .where(SubjectGroup.id.in_(group_ids))).all()) if group_ids else {}
    return {a.id: (cases.get(a.case_id) if a.case_id else groups.get(a.group_id) if a.group_id else None)
            or a.number or f"#{a.id}" for a in actions}


def build_update_sheet(s: Session, ctx: ServiceContext, meeting: Meeting, agency: AgencyRef, *,
                       this_meeting_only: bool = False) -> tuple[ActionUpdateSheet, AgencyCirculation]:
    """One agency's action update sheet, recorded as sent (in the caller's unit of work). The text of
    each action is redacted for circulation: the sheet goes by e-mail to the agency."""
    actions = open_actions(s, meeting, agency.id, this_meeting_only=this_meeting_only)
    refs = _references(s, actions)
    circ, header = new_circulation(s, ctx, meeting, agency, CirculationKind.ACTIONS,
                                   [(a.id, refs[a.id], a.version) for a in actions])
    case_ids = sorted({a.case_id for a in actions if a.case_id})
    people = s.scalars(select(Person).join(CasePerson, CasePerson.person_id == Person.id)
                       .where(CasePerson.case_id.in_(case_ids))).all() if case_ids else []
    known = KnownContacts.of((p.address, p.postcode, p.phone, p.contact_notes) for p in people)
    sheet = ActionUpdateSheet(header=header, statuses=tuple(st.label for st in ActionStatus),
                              lines=tuple(UpdateLine(a.id, refs[a.id], a.text, a.due_date, a.status.label)
                                          for a in actions))
    return redact(sheet, known, level=Level.CIRCULATION, keep=("partnership", "panel", "agency", "statuses")), circ


@dataclass(frozen=True)
class RowOutcome:
    """What became of one row of a returned sheet (no personal data: row, reference, what happened)."""

    row: int
    reference: str
    outcome: str  # "filed" / "unchanged" / "refused" / "conflict"
    message: str = ""


def _parse_day(text: str) -> date:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValidationError("completed_on", "The completion date is not a date (dd/mm/yyyy).")


def file_action_updates(s: Session, ctx: ServiceContext, circ: AgencyCirculation,
                        rows: Sequence[tuple[int, tuple[str, ...]]]) -> list[RowOutcome]:
    """Each filled-in row as a status change (or a note) through :class:`ActionService` with the
    version the sheet was made from: an action changed in CSPDesk since is reported as a conflict
    and left as it is. Runs in the caller's joined unit of work."""
    sent = {int(r["id"]): r for r in circ.rows}
    service = ActionService(ctx)
    out: list[RowOutcome] = []
    for number, cells in rows:
        ref, action_id_text = cells[0], cells[7] if len(cells) > 7 else ""
        new_status, note, completed = cells[4], cells[5], cells[6]
        try:
            action_id = int(float(action_id_text))
        except ValueError:
            action_id = -1
        if action_id not in sent:
            out.append(RowOutcome(number, ref, "refused", "The row is not one of the actions sent on this sheet."))
            continue
        if not (new_status or note or completed):
            out.append(RowOutcome(number, ref, "unchanged"))
            continue
        action = s.get(Action, action_id)
        try:
            status = STATUS_BY_LABEL.get(new_status.casefold()) if new_status else (action.status if action else None)
            if status is None:
                raise ValidationError("status", "The new status is not one of the statuses offered.")
            completed_on = _parse_day(completed) if completed else None
            reason = note if status in ACTION_STATUSES_NEEDING_REASON else ""
            check_status_change(status, reason, completed_on, today=ctx.today())
            if action is not None and action.version != sent[action_id].get("version"):
                raise EditConflict("The action was changed in CSPDesk after the sheet was sent: check it and enter "
                               "the agency's update by hand.")
            if new_status or completed:
                service.update_status(action_id, status, note, reason=reason, completed_on=completed_on,
                                      expected_version=sent[action_id].get("version"))
            else:
                service.add_note(action_id, note, expected_version=sent[action_id].get("version"))
            out.append(RowOutcome(number, ref, "filed"))
        except EditConflict as exc:
            out.append(RowOutcome(number, ref, "conflict", str(exc)))
        except ServiceError as exc:
            out.append(RowOutcome(number, ref, "refused", str(exc)))
    return out
