"""Importing a returned sheet (``cspdesk returns import FILE``, the window's "Import returns…"):
any research request or action update sheet CSPDesk sent is recognised by its sheet id, checked,
and filed to its meeting and agency, row by row, with a report.

A sheet is refused whole, with the reason, when it is not one this database sent, when its hidden
identification was altered (another meeting or agency), when it is for another meeting or agency
than the one the import was started from, or when its list of cases or actions was altered.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.domain.agency_loop import KNOWN, NOT_KNOWN, CirculationKind
from cspdesk.domain.enums import AuditKind
from cspdesk.reports.agency_sheets import NotAnAgencySheet, ReturnedSheet, read_returned_sheet
from cspdesk.services.audit import audit
from cspdesk.services.agencies.common import NO_SUCH_MEETING, acting_name, working_meeting
from cspdesk.services.agencies.sealing import WrongPassword, decrypt_xlsx, is_encrypted_office_file
from cspdesk.services.agencies.updates import RowOutcome, file_action_updates
from cspdesk.services.context import OpChanges, OpResult, ServiceContext
from cspdesk.services.errors import NotFound, ValidationError
from cspdesk.storage.models import Agency, AgencyCirculation, AgencyResearch, AgendaItem, Meeting

_KNOWN = {KNOWN.casefold(): True, NOT_KNOWN.casefold(): False, "yes": True, "no": False, "": None}
#: The most a returned sheet may hold (a research request lists a meeting's cases; an update sheet an agency's actions).
MAX_BYTES = 20 * 1024 * 1024


class SheetRefused(ValidationError):
    """The whole sheet was refused; the message says why (and quotes nothing from the file)."""

    def __init__(self, message: str) -> None:
        super().__init__("file", message)


@dataclass(frozen=True)
class ReturnReport:
    kind: CirculationKind
    meeting_id: int
    meeting: str  # "Maidstone MARAC, 12 Jan 2027"
    agency: str
    rows: tuple[RowOutcome, ...]

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    def lines(self) -> list[str]:
        head = (f"{self.kind.label} from {self.agency} for {self.meeting}: {self.count('filed')} filed, "
                f"{self.count('unchanged')} blank, {self.count('refused')} refused, {self.count('conflict')} "
                "in conflict.")
        return [head, *(f"  row {r.row} ({r.reference}): {r.outcome}" + (f" — {r.message}" if r.message else "")
                        for r in self.rows if r.outcome != "unchanged")]


class ReturnsService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def import_file(self, path: Path, *, password: str | None = None, meeting_id: int | None = None,
                    agency_id: int | None = None) -> OpResult[ReturnReport]:
        path = Path(path)
        try:
            if path.stat().st_size > MAX_BYTES:
                raise SheetRefused("The file is far larger than any sheet CSPDesk sends.")
            content = path.read_bytes()
        except OSError as exc:
            raise ValidationError("file", f"The file cannot be read ({exc.strerror or 'unreadable'}).") from None
        return self.import_bytes(content, password=password, meeting_id=meeting_id, agency_id=agency_id)

    def import_bytes(self, content: bytes, *, password: str | None = None, meeting_id: int | None = None,
                     agency_id: int | None = None) -> OpResult[ReturnReport]:
        """File one returned sheet. ``meeting_id`` / ``agency_id``: the meeting (and agency) the user
        started the import from — a sheet for another is refused. Members of the sheet's meeting's
        panel whose role runs meetings only. One transaction; audited."""
        if is_encrypted_office_file(content):
            if not password:
                raise ValidationError("password", "The file is encrypted: give the password it was sent with.")
            try:
                content = decrypt_xlsx(content, password)
            except WrongPassword:
                raise ValidationError("password", "That password does not open the file.") from None
        try:
            sheet = read_returned_sheet(content)
        except NotAnAgencySheet as exc:
            raise SheetRefused(str(exc)) from None
        with self._ctx.joined_unit_of_work() as s:
            circ = s.scalar(select(AgencyCirculation).where(AgencyCirculation.sheet_id == sheet.meta.get("sheet_id", "")))
            if circ is None:
                raise SheetRefused("This sheet was not sent from this database: its sheet id is not one CSPDesk sent.")
            try:
                meeting = working_meeting(s, self._ctx, circ.meeting_id)
            except NotFound:
                raise NotFound(NO_SUCH_MEETING) from None
            agency = s.get(Agency, circ.agency_id)
            self._check(s, sheet, circ, meeting, agency, meeting_id, agency_id)
            if circ.kind is CirculationKind.RESEARCH:
                outcomes = self._file_research(s, circ, sheet)
            else:
                outcomes = file_action_updates(s, self._ctx, circ, sheet.rows)
            now = self._ctx.now()
            summary = {o: sum(1 for r in outcomes if r.outcome == o) for o in ("filed", "unchanged", "refused", "conflict")}
            circ.returned_at, circ.returned_by, circ.return_summary = now, acting_name(s, self._ctx), summary
            audit.record(s, self._ctx.actor, AuditKind.CREATE, "meeting", meeting.id,
                         {"returned": circ.kind.value, "agency_id": circ.agency_id, "circulation_id": circ.id,
                          **summary}, at=now)
            report = ReturnReport(circ.kind, meeting.id, _meeting_label(s, meeting), agency.name if agency else "",
                                  tuple(outcomes))
        return OpResult(report, OpChanges(meetings=True, actions=circ.kind is CirculationKind.ACTIONS))

    @staticmethod
    def _check(s: Session, sheet: ReturnedSheet, circ: AgencyCirculation, meeting: Meeting, agency: Agency | None,
               meeting_id: int | None, agency_id: int | None) -> None:
        meta = sheet.meta
        if meta.get("kind") != circ.kind.value:
            raise SheetRefused(f"The sheet's identification was altered: it was sent as a {circ.kind.label.lower()}.")
        if meta.get("meeting_id") != str(circ.meeting_id):
            raise SheetRefused(f"The sheet's identification was altered: it was sent for the meeting of "
                               f"{meeting.starts_at:%d %b %Y}, and now names another meeting.")
        if meta.get("agency_id") != str(circ.agency_id):
            raise SheetRefused(f"The sheet's identification was altered: it was sent to {agency.name if agency else 'another agency'}, "
                               "and now names another agency.")
        if meeting_id is not None and meeting_id != circ.meeting_id:
            raise SheetRefused(f"This sheet is for another meeting (the {_meeting_label(s, meeting)} one), "
                               "not the one you are importing for.")
        if agency_id is not None and agency_id != circ.agency_id:
            raise SheetRefused(f"This sheet was sent to {agency.name if agency else 'another agency'}, not to the agency "
                               "you are importing for.")
        sent = [(str(r["id"]), str(r["ref"])) for r in circ.rows]
        if meta.get("digest") != circ.digest or meta.get("row_ids", "") != ",".join(i for i, _ in sent):
            raise SheetRefused("The sheet's list was altered: it is not the list that was sent.")
        refs = [cells[0] for _, cells in sheet.rows]
        if len(refs) != len(sent):
            raise SheetRefused(f"The sheet's list was altered: {len(sent)} rows were sent and {len(refs)} came back.")
        for (number, cells), (_, ref) in zip(sheet.rows, sent, strict=True):
            if cells[0] != ref:
                raise SheetRefused(f"The sheet's list was altered: row {number} should be {ref}.")

    def _file_research(self, s: Session, circ: AgencyCirculation, sheet: ReturnedSheet) -> list[RowOutcome]:
        items = dict(s.execute(select(AgendaItem.case_id, AgendaItem.id)
                               .where(AgendaItem.meeting_id == circ.meeting_id)).all())
        existing = {r.case_id: r for r in s.scalars(select(AgencyResearch).where(
            AgencyResearch.meeting_id == circ.meeting_id, AgencyResearch.agency_id == circ.agency_id))}
        now, by = self._ctx.now(), acting_name(s, self._ctx)
        out = []
        for (number, cells), sent in zip(sheet.rows, circ.rows, strict=True):
            case_id, ref = int(sent["id"]), str(sent["ref"])
            known_text, summary, risks, contact = (cells[3], cells[4], cells[5], cells[6])
            if known_text.casefold() not in _KNOWN:
                out.append(RowOutcome(number, ref, "refused", "Known / Not known holds something else."))
                continue
            if not (known_text or summary or risks or contact):
                out.append(RowOutcome(number, ref, "unchanged"))
                continue
            if case_id not in items:
                out.append(RowOutcome(number, ref, "refused", "The case is no longer on this meeting's agenda."))
                continue
            row = existing.get(case_id)
            if row is None:
                row = AgencyResearch(meeting_id=circ.meeting_id, agency_id=circ.agency_id, case_id=case_id)
                s.add(row)
            row.agenda_item_id, row.circulation_id = items[case_id], circ.id
            row.known, row.summary, row.risks, row.victim_contact = _KNOWN[known_text.casefold()], summary, risks, contact
            row.returned_at, row.imported_by = now, by
            out.append(RowOutcome(number, ref, "filed"))
        s.flush()
        return out


def _meeting_label(s: Session, meeting: Meeting) -> str:
    from cspdesk.storage.models import Panel

    panel = s.get(Panel, meeting.panel_id)
    return f"{panel.name if panel else 'panel'}, {meeting.starts_at:%d %b %Y}"
