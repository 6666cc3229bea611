"""Sending papers agency by agency (``cspdesk circulate``, the Meetings page's "Circulate to
agencies…"): a folder per agency holding its files encrypted with its own password, an .eml draft
to its secure address with the files attached, and the passwords listed separately in
``passwords.txt`` beside the folders (to be given another way: telephone, a separate message).

Each agency's paper is recorded as a circulation (what, when, by whom; what came back is added
when its return is imported) and in the audit trail, in the one transaction that writes the files.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from cspdesk.domain.marking import marking_or_default
from cspdesk.domain.agency_loop import CirculationKind, folder_name, new_password
from cspdesk.reports.agency_sheets import actions_xlsx, research_pdf, research_xlsx
from cspdesk.reports.meeting_papers import MeetingPapers, render_minutes_pdf
from cspdesk.services.agencies.common import AgencyRef, new_circulation, panel_agencies, working_meeting
from cspdesk.services.agencies.research import build_research_request
from cspdesk.services.agencies.sealing import draft_email, encrypt_pdf, encrypt_xlsx
from cspdesk.services.agencies.updates import build_update_sheet, open_actions
from cspdesk.services.context import OpChanges, OpResult, ServiceContext
from cspdesk.services.errors import ValidationError
from cspdesk.services.files import write_atomically
from cspdesk.services.papers.meeting_papers import MeetingPapersService
from cspdesk.storage.models import Panel, Partnership

PASSWORDS_FILE = "passwords.txt"


@dataclass(frozen=True)
class AgencyPacket:
    agency: str
    to: str  # the agency's secure address; "" when none is held (the draft then has no recipient)
    folder: Path
    files: tuple[Path, ...]
    email: Path
    password: str


@dataclass(frozen=True)
class CirculationResult:
    kind: CirculationKind
    out: Path
    packets: tuple[AgencyPacket, ...]
    passwords: Path

    def lines(self) -> list[str]:
        out = [f"{self.kind.label}: {len(self.packets)} agencies, written to {self.out}"]
        for p in self.packets:
            out.append(f"  {p.agency}: {p.folder.name}/ ({len(p.files)} files, draft to {p.to or 'NO SECURE ADDRESS HELD'})")
        out.append(f"Passwords (send them another way): {self.passwords}")
        return out


class CirculationService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def circulate(self, meeting_id: int, kind: CirculationKind | str, out: Path, *, agency: str | None = None,
                  this_meeting_only: bool = False, invariant: bool = False) -> OpResult[CirculationResult]:
        """Make ``kind`` for every active agency on the meeting's panel (or the one named) in ``out``;
        action update sheets only for agencies with open actions. Members of the meeting's panel
        whose role runs meetings only."""
        kind = CirculationKind(kind)
        out = Path(out)
        if out.exists() and not out.is_dir():
            raise ValidationError("out", "The folder to write into is a file.")
        minutes: MeetingPapers | None = None
        if kind is CirculationKind.MINUTES:
            # The distribution copy, as MeetingPapersService makes it (redacted for circulation).
            minutes = MeetingPapersService(self._ctx).build(meeting_id, distribution=True)
        written: list[tuple[Path, bytes]] = []
        packets: list[AgencyPacket] = []
        with self._ctx.unit_of_work() as s:
            meeting = working_meeting(s, self._ctx, meeting_id)
            agencies = panel_agencies(s, meeting.panel_id, agency)
            partnership = s.scalars(select(Partnership).order_by(Partnership.id).limit(1)).first()
            marking = marking_or_default(partnership.protective_marking if partnership else None)
            panel = s.get(Panel, meeting.panel_id)
            when = f"{meeting.starts_at:%d %b %Y}"
            for a in agencies:
                password = new_password()
                folder = out / folder_name(a.short_code, a.name)
                stem = f"{kind.value}-{meeting.starts_at:%Y-%m-%d}-{folder.name}"
                files: list[tuple[str, bytes]] = []
                if kind is CirculationKind.RESEARCH:
                    paper, circ = build_research_request(s, self._ctx, meeting, a)
                    files = [(f"{stem}.xlsx", encrypt_xlsx(research_xlsx(paper), password)),
                             (f"{stem}.pdf", encrypt_pdf(research_pdf(paper, invariant=invariant), password))]
                elif kind is CirculationKind.ACTIONS:
                    if agency is None and not open_actions(s, meeting, a.id, this_meeting_only=this_meeting_only):
                        continue  # nothing to update: no sheet (one named agency gets its empty sheet)
                    sheet, circ = build_update_sheet(s, self._ctx, meeting, a, this_meeting_only=this_meeting_only)
                    files = [(f"{stem}.xlsx", encrypt_xlsx(actions_xlsx(sheet), password))]
                else:
                    assert minutes is not None
                    circ, _ = new_circulation(s, self._ctx, meeting, a, kind, [])
                    files = [(f"{stem}.pdf", encrypt_pdf(render_minutes_pdf(_extract(minutes, a), invariant=invariant),
                                                         password))]
                circ.files = [name for name, _ in files]
                subject = f"[{marking}] {panel.name if panel else 'Panel'} {when}: {kind.label} for {a.name}"
                body = _body(kind, a, panel.name if panel else "", when)
                email = folder / f"{stem}.eml"
                written += [(folder / name, data) for name, data in files]
                written.append((email, draft_email(to=a.secure_email, subject=subject, body=body, attachments=files)))
                packets.append(AgencyPacket(a.name, a.secure_email, folder, tuple(folder / n for n, _ in files), email,
                                            password))
            passwords = out / PASSWORDS_FILE
            written.append((passwords, _passwords_text(kind, panel.name if panel else "", when, packets).encode()))
            # The files last, in the transaction: if one cannot be written, nothing is recorded as sent.
            for path, data in written:
                path.parent.mkdir(parents=True, exist_ok=True)
                write_atomically(path, data)
        return OpResult(CirculationResult(kind, out, tuple(packets), passwords), OpChanges(meetings=True))


def _extract(minutes: MeetingPapers, agency: AgencyRef) -> MeetingPapers:
    """The distribution copy for one agency: "Copy for: <agency>" on every page, and its actions."""
    mine = [a for item in minutes.items for a in item.actions if a.agency == agency.name]
    mine += [a for a in minutes.carried_actions if a.agency == agency.name and a not in mine]
    return dataclasses.replace(minutes, copy_for=agency.name, agency_actions=tuple(mine))


def _body(kind: CirculationKind, agency: AgencyRef, panel: str, when: str) -> str:
    ask = {
        CirculationKind.RESEARCH: "Please research your agency's records for each case listed, fill in the yellow "
                                  "cells of the spreadsheet, and send it back before the meeting.",
        CirculationKind.ACTIONS: "Please update each of your agency's actions (new status, a note, and the date "
                                 "completed) in the yellow cells of the spreadsheet, and send it back.",
        CirculationKind.MINUTES: "Attached is your agency's copy of the minutes (distribution copy), with your "
                                 "agency's actions.",
    }[kind]
    return (f"Dear colleague at {agency.name},\n\n{panel}, meeting of {when}.\n\n{ask}\n\n"
            "The attachments are encrypted. The password will reach you separately: it is not in this e-mail.\n"
            "Keep the files secure and share them only with those who need them.\n")


def _passwords_text(kind: CirculationKind, panel: str, when: str, packets: list[AgencyPacket]) -> str:
    lines = [f"{kind.label}: {panel}, {when}", "Passwords for each agency's files. Give them another way than the "
             "e-mail (telephone, or a separate message), then delete this file.", ""]
    width = max((len(p.agency) for p in packets), default=10)
    lines += [f"{p.agency:<{width}}  {p.password}" for p in packets]
    return "\n".join(lines) + "\n"
