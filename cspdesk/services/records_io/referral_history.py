"""A partnership's own referral history (issue 17, "Referrals: the history, not just the form"):
a coordinator's headings, columns mapped with ``--map`` and agencies with ``--agency`` (both
remembered per panel, as the action import remembers its choices), and the meetings that heard
the cases, made through the meeting services inside the import's one transaction.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.domain.enums import CaseStatus, Decision
from cspdesk.domain.rules import normalise_name
from cspdesk.services.context import ServiceContext
from cspdesk.services.errors import ValidationError
from cspdesk.services.records_io.tabular import header_key
from cspdesk.storage.models import Agency, Meeting, Partnership

SETTINGS_KEY = "referral_import"

#: Headings coordinators write in their own logs, each read as the template's column.
COORDINATOR_HEADINGS: dict[str, tuple[str, ...]] = {
    "referral_date": ("Date of referral", "Referral date", "Date referred", "Date received", "Date of referral "
                      "to MARAC"),
    "referring_agency": ("Referring agency", "Referring organisation", "Referred by", "Referral agency"),
    "referrer_name": ("Referrer", "Referrer name", "Name of referrer"),
    "reason": ("Reason for referral", "Reason"),
    "victim_name": ("Victim name", "Victim", "Name of victim", "Victim's name", "Client name", "Name"),
    "given_name": ("Victim first name", "Victim forename", "Victim given name"),
    "family_name": ("Victim surname", "Victim last name", "Victim family name"),
    "date_of_birth": ("Victim DOB", "Victim D.O.B", "DOB", "D.O.B", "Victim date of birth", "Date of birth"),
    "gender": ("Victim gender", "Sex", "Victim sex"),
    "ethnicity": ("Victim ethnicity", "Ethnic origin"),
    "disability": ("Victim disability", "Disabled", "Disability (Y/N)"),
    "sexual_orientation": ("Victim sexual orientation",),
    "gender_identity": ("Victim gender identity", "Transgender", "Trans"),
    "age_band": ("Age band", "Age range", "Victim age band", "Victim age range"),
    "dash_score": ("DASH score", "DASH", "DASH total", "RIC score", "DASH RIC score"),
    "children_count": ("Number of children", "No. of children", "No of children", "Children", "Children in "
                       "household", "Number of children in household"),
    "marac_date": ("MARAC date", "Date heard", "Date of MARAC", "Heard at MARAC", "MARAC meeting date"),
    "decision": ("MARAC decision", "Decision", "Outcome at MARAC"),
    "log_repeat": ("Repeat (Y/N)", "Repeat", "Repeat referral", "Repeat?"),
    "perpetrator_name": ("Perpetrator name", "Perpetrator", "Alleged perpetrator", "Name of perpetrator"),
    "perpetrator_date_of_birth": ("Perpetrator DOB", "Perpetrator D.O.B", "Perpetrator date of birth"),
    "perpetrator_relationship": ("Relationship to victim", "Perpetrator relationship", "Relationship"),
    "police_incidents_12m": ("Police incidents (12 months)", "Police incidents in last 12 months",
                             "Incidents in 12 months"),
}

#: The fields a heading may be mapped to with ``--map`` besides the template's columns.
HISTORY_FIELDS = ("victim_name", "ethnicity", "disability", "sexual_orientation", "gender_identity", "age_band",
                  "children_count", "marac_date", "decision", "log_repeat", "perpetrator_name")

_DECISIONS = {"continue": Decision.CONTINUE, "open": Decision.CONTINUE, "keepopen": Decision.CONTINUE,
              "review": Decision.CONTINUE, "close": Decision.CLOSE, "closed": Decision.CLOSE,
              "referon": Decision.REFER_ON, "referredon": Decision.REFER_ON, "refer": Decision.REFER_ON}
DECISION_WORDS = "Continue, Close or Refer on"
#: What an imported decision's notes say (Close and Refer on need words; the log has none).
IMPORTED_DECISION_NOTES = "as recorded in the imported referral log"


def parse_decision(text: str) -> Decision | None:
    key = normalise_name(text).replace(" ", "")
    if not key:
        return None
    if key not in _DECISIONS:
        raise ValueError(f"not a decision: {text.strip()[:30]!r}; write {DECISION_WORDS}")
    return _DECISIONS[key]


# --- remembered per panel -------------------------------------------------------------------------


def remembered(s: Session, panel_id: int) -> dict[str, Any]:
    """This panel's remembered choices: {"columns": {heading key: field}, "agencies": {words: id}}."""
    settings = s.scalar(select(Partnership.settings).order_by(Partnership.id).limit(1)) or {}
    entry = (settings.get(SETTINGS_KEY) or {}).get(str(panel_id)) or {}
    return entry if isinstance(entry, dict) else {}


def remember(s: Session, panel_id: int, columns: Mapping[str, str], agencies: Mapping[str, int]) -> None:
    partnership = s.scalars(select(Partnership).order_by(Partnership.id).limit(1)).first()
    if partnership is None or not (columns or agencies):
        return
    settings = dict(partnership.settings or {})
    store = dict(settings.get(SETTINGS_KEY) or {})
    previous = store.get(str(panel_id)) or {}
    store[str(panel_id)] = {"columns": {**(previous.get("columns") or {}), **columns},
                            "agencies": {**(previous.get("agencies") or {}), **agencies}}
    settings[SETTINGS_KEY] = store
    partnership.settings = settings  # a new dict: the JSON column sees the change


@dataclass(frozen=True)
class AgencyNames:
    """Every way an agency is named: its name, short code and the words remembered for it."""

    ids: dict[str, int]
    names: tuple[str, ...]
    #: The words already looked up (a long log names the same few agencies on every row).
    _seen: dict[str, int | None] = dataclasses.field(default_factory=dict, compare=False, repr=False)

    def find(self, words: str) -> int | None:
        if words not in self._seen:
            if len(self._seen) > 10_000:
                self._seen.clear()
            self._seen[words] = self.ids.get(normalise_name(words))
        return self._seen[words]

    def did_you_mean(self, words: str) -> str:
        """The agency whose name, or one word of it, is closest to ``words`` ("Polise" → "… Police")."""
        by_word = {normalise_name(n): n for n in self.names}
        by_word.update({w: n for n in self.names for w in normalise_name(n).split() if len(w) > 3})
        close = difflib.get_close_matches(normalise_name(words), list(by_word), n=1, cutoff=0.6)
        return f" (did you mean {by_word[close[0]]!r}?)" if close else ""


def agency_names(s: Session, remembered_words: Mapping[str, int], given: Mapping[str, str]
                 ) -> tuple[AgencyNames, dict[str, int]]:
    """The agencies by name, code and remembered words, with ``given`` (``--agency`` "their
    words=agency") added. Returns the lookup and the new words to remember; an agency named in
    ``given`` that does not exist is a ValidationError with a "did you mean"."""
    rows = s.execute(select(Agency.id, Agency.name, Agency.short_code)).all()
    own = AgencyNames({normalise_name(n): i for i, n, _ in rows} | {normalise_name(c): i for i, _, c in rows if c},
                      tuple(sorted(n for _, n, _ in rows)))
    known = set(own.ids.values())
    ids = {**own.ids, **{w: i for w, i in remembered_words.items() if i in known}}
    new: dict[str, int] = {}
    for words, agency in given.items():
        agency_id = own.find(agency)
        if agency_id is None:
            raise ValidationError("agency", f"--agency {words}={agency}: no agency called {agency!r} is set up"
                                            f"{own.did_you_mean(agency)}.")
        new[normalise_name(words)] = agency_id
    ids.update(new)
    return AgencyNames(ids, own.names), new


def check_mapping(mapping: Mapping[str, str], known_fields: Sequence[str], headers: Sequence[str]) -> dict[str, str]:
    """``--map`` as {heading key: field}; a heading the file lacks or a field that does not exist is
    a ValidationError naming it."""
    have = {header_key(h) for h in headers}
    out = {}
    for heading, field in mapping.items():
        if header_key(heading) not in have:
            raise ValidationError("map", f"--map {heading}={field}: the file has no column {heading!r} "
                                         f"(it has: {', '.join(headers)}).")
        if field not in known_fields:
            close = difflib.get_close_matches(field, known_fields, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValidationError("map", f"--map {heading}={field}: {field!r} is not a field{hint}.")
        out[header_key(heading)] = field
    return out


# --- the meetings that heard them ---------------------------------------------------------------


@dataclass(frozen=True)
class Hearing:
    row: int
    case_id: int
    heard_on: date
    decision: Decision | None


@dataclass(frozen=True)
class HeardMeeting:
    meeting_id: int
    held_on: date
    cases: int


def hear_at_meetings(ctx: ServiceContext, s: Session, panel_id: int, hearings: Sequence[Hearing],
                     notes: dict[int, list[str]]) -> list[HeardMeeting]:
    """One held, finalised meeting per date (marked imported), each case listed on it with the
    listing the meeting service works out (new, repeat, review) and its decision (Continue when the
    log gives none). Runs inside the import's unit of work (``ctx.joined_unit_of_work``), so the
    meeting services join its transaction. A date that already has a meeting in CSPDesk is left
    alone and each of its rows noted."""
    from cspdesk.services.meetings.meetings import MeetingService
    from cspdesk.services.referrals.referrals import ReferralService

    meetings, referrals = MeetingService(ctx), ReferralService(ctx)
    by_day: dict[date, list[Hearing]] = {}
    for h in hearings:
        by_day.setdefault(h.heard_on, []).append(h)
    out = []
    for day in sorted(by_day):
        start = datetime.combine(day, time(10, 0))
        held = s.scalar(select(func.count()).select_from(Meeting).where(
            Meeting.panel_id == panel_id, Meeting.starts_at >= datetime.combine(day, time.min),
            Meeting.starts_at <= datetime.combine(day, time.max)))
        if held:
            for h in by_day[day]:
                notes.setdefault(h.row, []).append(
                    f"a meeting on {day:%d/%m/%Y} is already in CSPDesk: list the case on it there.")
            continue
        meeting_id = meetings.plan_meetings(panel_id, start).value[0]
        for h in sorted(by_day[day], key=lambda h: h.row):
            referrals.change_status(h.case_id, CaseStatus.ACCEPTED)
            entry = meetings.add_case(meeting_id, h.case_id).value
            decision = h.decision or Decision.CONTINUE
            words = IMPORTED_DECISION_NOTES if h.decision is not None else "decision not given in the imported log"
            meetings.record_decision(entry.id, decision, words)
        meetings.start_meeting(meeting_id)
        meetings.end_meeting(meeting_id)
        meetings.finalise_minutes(meeting_id)
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        meeting.imported = True
        s.flush()
        out.append(HeardMeeting(meeting_id, day, len(by_day[day])))
    return out
