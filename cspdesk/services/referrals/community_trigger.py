"""ASB Case Reviews (the Community Trigger) on Community MARAC / CSVG panels (issue 19, part C).

An application is received (from the victim, or someone on their behalf) with the incidents it
reports; it is acknowledged; the threshold is decided (the partnership's test,
:mod:`cspdesk.domain.community_trigger`, suggests the answer; the panel decides it); when met, a
review is held (at a panel meeting or apart) and makes recommendations; the applicant is sent a
response letter. The statutory timescales are the partnership's settings (working days).

Panel members only (need to know; row-level security on a server); each write is one transaction
with its audit entry; messages name the field, never the applicant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.domain.community_trigger import (
    SETTING_RANGES,
    Complaint,
    Step,
    ThresholdResult,
    TriggerSettings,
    settings_from_json,
    settings_to_json,
    threshold,
    timescales,
)
from cspdesk.domain.enums import AuditKind, PanelType
from cspdesk.domain.marking import DEFAULT_MARKING
from cspdesk.services.audit import audit
from cspdesk.services.context import OpChanges, OpResult, Permission, ServiceContext
from cspdesk.services.errors import NotFound, ValidationError
from cspdesk.storage.model_triage import CommunityTrigger, TriggerIncident, TriggerRecommendation
from cspdesk.storage.models import Agency, Meeting, Panel, Partnership, UserAccount

NO_SUCH_TRIGGER = "That ASB case review does not exist, or is on a panel you are not a member of."
SETTINGS_KEY = "community_trigger"


@dataclass(frozen=True)
class IncidentInput:
    occurred_on: date
    agency_id: int | None = None
    reported_on: date | None = None
    complainant: str = ""
    description: str = ""


@dataclass(frozen=True)
class ApplicationDraft:
    panel_id: int
    received_on: date
    applicant_name: str
    applicant_address: str = ""
    applicant_is_victim: bool = True
    on_behalf_of: str = ""
    summary: str = ""
    incidents: tuple[IncidentInput, ...] = ()


@dataclass(frozen=True)
class IncidentRow:
    occurred_on: date
    reported_on: date | None
    agency: str
    complainant: str
    description: str


@dataclass(frozen=True)
class RecommendationRow:
    agency: str
    text: str


@dataclass(frozen=True)
class TriggerDetail:
    id: int
    reference: str
    panel_id: int
    panel: str
    received_on: date
    applicant_name: str
    applicant_address: str
    applicant_is_victim: bool
    on_behalf_of: str
    summary: str
    incidents: tuple[IncidentRow, ...]
    acknowledged_on: date | None
    threshold_met: bool | None
    decided_on: date | None
    decision_reason: str
    #: The partnership's threshold test applied to the incidents (a suggestion: the panel decides).
    test: ThresholdResult
    review_meeting_id: int | None
    reviewed_on: date | None
    review_notes: str
    recommendations: tuple[RecommendationRow, ...]
    response_sent_on: date | None
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class TriggerRow:
    id: int
    reference: str
    received_on: date
    applicant_name: str
    stage: str
    next_step: str


@dataclass(frozen=True)
class AnnualFigures:
    panel: str
    year: int
    received: int
    decided: int
    threshold_met: int
    threshold_not_met: int
    reviews_held: int
    recommendations: int
    rule_text: str = ""
    lines: tuple[tuple[str, int], ...] = field(default=())


def _text(value: str, name: str, words: str, *, required: bool = False, limit: int = 4000) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(name, f"{words} cannot be empty.")
    if len(text) > limit:
        raise ValidationError(name, f"{words} must be {limit:,} characters or fewer.")
    return text


class CommunityTriggerService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    # -- settings ----------------------------------------------------------------------------------

    def settings(self) -> TriggerSettings:
        with self._ctx.reading() as s:
            row = s.scalars(select(Partnership).limit(1)).first()
            return settings_from_json((row.settings or {}).get(SETTINGS_KEY) if row else None)

    def set_settings(self, new: TriggerSettings) -> OpResult[TriggerSettings]:
        self._ctx.require(Permission.ADMINISTER)
        for name, (low, high, words) in SETTING_RANGES.items():
            value = getattr(new, name)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise ValidationError(name, f"{words} must be a whole number from {low} to {high}.")
        if not new.acknowledge_days <= new.decide_days <= new.review_days:
            raise ValidationError("decide_days", "The timescales must run in order: acknowledge, decide, review.")
        with self._ctx.unit_of_work() as s:
            row = s.scalars(select(Partnership).limit(1)).first()
            if row is None:
                raise NotFound("This database has no partnership yet: set one up first.")
            old = settings_to_json(settings_from_json((row.settings or {}).get(SETTINGS_KEY)))
            row.settings = {**(row.settings or {}), SETTINGS_KEY: settings_to_json(new)}
            changes = audit.changed_fields(old, settings_to_json(new))
            if changes:
                audit.record(s, self._ctx.actor, AuditKind.UPDATE, "partnership", row.id,
                             {"community_trigger": changes}, at=self._ctx.now())
        return OpResult(new, OpChanges(partnership=True) if changes else OpChanges())

    # -- reading -----------------------------------------------------------------------------------

    def agency_keys(self) -> dict[str, int]:
        """Each agency's short code and name (case-folded) → its id, for incidents and
        recommendations typed as "POL: …" (agencies are the partnership's, shared by every panel)."""
        with self._ctx.reading() as s:
            rows = s.execute(select(Agency.id, Agency.name, Agency.short_code)).all()
        return {key.casefold(): aid for aid, name, code in rows for key in (name, code)}

    def list_triggers(self, panel_id: int) -> list[TriggerRow]:
        self._ctx.require(Permission.VIEW_CASES, panel_id=panel_id)
        settings, today = self.settings(), self._ctx.today()
        with self._ctx.reading() as s:
            out = []
            for t in s.scalars(select(CommunityTrigger).where(CommunityTrigger.panel_id == panel_id)
                               .order_by(CommunityTrigger.received_on.desc(), CommunityTrigger.id.desc())):
                steps = _steps(t, settings, today)
                pending = [st for st in steps if st.done_on is None and st.state.value in ("due", "overdue")]
                out.append(TriggerRow(t.id, t.reference, t.received_on, t.applicant_name, _stage(t),
                                      pending[0].text if pending else "—"))
            return out

    def get(self, trigger_id: int) -> TriggerDetail:
        settings = self.settings()
        with self._ctx.reading() as s:
            return self._detail(s, self._trigger(s, trigger_id, Permission.VIEW_CASES), settings)

    # -- writing -----------------------------------------------------------------------------------

    def apply(self, draft: ApplicationDraft) -> OpResult[TriggerDetail]:
        """Record an application and the incidents it reports."""
        self._ctx.require(Permission.EDIT_CASES, panel_id=draft.panel_id)
        name = _text(draft.applicant_name, "applicant_name", "The applicant's name", required=True, limit=200)
        behalf = _text(draft.on_behalf_of, "on_behalf_of", "Whom the application is made for", limit=200)
        if not draft.applicant_is_victim and not behalf:
            raise ValidationError("on_behalf_of", "Say whom the application is made on behalf of.")
        if draft.received_on > self._ctx.today():
            raise ValidationError("received_on", "The date received cannot be in the future.")
        for n, inc in enumerate(draft.incidents, start=1):
            if inc.occurred_on > draft.received_on:
                raise ValidationError(f"incident {n}", f"Incident {n} is dated after the application was received.")
        settings = self.settings()
        with self._ctx.unit_of_work() as s:
            panel = s.get(Panel, draft.panel_id)
            if panel is None:
                raise NotFound("That panel does not exist.")
            if panel.panel_type is not PanelType.CSVG:
                raise ValidationError("panel", f"{panel.name} is not a Community MARAC / CSVG: ASB case reviews "
                                               "are held there.")
            year = draft.received_on.year
            seq = (s.scalar(select(func.max(CommunityTrigger.ref_seq)).where(
                CommunityTrigger.panel_id == panel.id, CommunityTrigger.ref_year == year)) or 0) + 1
            now = self._ctx.now()
            t = CommunityTrigger(
                panel_id=panel.id, reference=f"{panel.ref_prefix}-CT-{year}-{seq:03d}", ref_year=year, ref_seq=seq,
                received_on=draft.received_on, applicant_name=name,
                applicant_address=_text(draft.applicant_address, "applicant_address", "The address", limit=1000),
                applicant_is_victim=draft.applicant_is_victim, on_behalf_of=behalf,
                summary=_text(draft.summary, "summary", "The summary"), created_at=now, updated_at=now)
            for n, inc in enumerate(draft.incidents, start=1):
                if inc.agency_id is not None and s.get(Agency, inc.agency_id) is None:
                    raise ValidationError(f"incident {n}", f"Incident {n}'s agency does not exist.")
                t.incidents.append(TriggerIncident(
                    occurred_on=inc.occurred_on, reported_on=inc.reported_on, agency_id=inc.agency_id,
                    complainant=_text(inc.complainant, f"incident {n}", f"Incident {n}'s complainant", limit=200),
                    description=_text(inc.description, f"incident {n}", f"Incident {n}'s description")))
            s.add(t)
            s.flush()
            audit.record(s, self._ctx.actor, AuditKind.CREATE, "community_trigger", t.id,
                         {"reference": t.reference, "incidents": len(draft.incidents)}, at=now)
            detail = self._detail(s, t, settings)
        return OpResult(detail, OpChanges(cases=True))

    def acknowledge(self, trigger_id: int, on: date) -> OpResult[TriggerDetail]:
        return self._update(trigger_id, "acknowledged_on", {"acknowledged_on": self._day(on, "acknowledged_on")})

    def decide_threshold(self, trigger_id: int, met: bool, on: date, reason: str = "") -> OpResult[TriggerDetail]:
        """Record whether the threshold is met (the reason defaults to the test's own words)."""
        day = self._day(on, "decided_on")
        with self._ctx.reading() as s:
            t = self._trigger(s, trigger_id, Permission.VIEW_CASES)
            why = _text(reason, "decision_reason", "The reason") or self._test(t, self.settings()).reason
        return self._update(trigger_id, "threshold", {"threshold_met": bool(met), "decided_on": day,
                                                      "decision_reason": why})

    def record_review(self, trigger_id: int, on: date, *, notes: str = "", meeting_id: int | None = None,
                      recommendations: Sequence[tuple[int | None, str]] = ()) -> OpResult[TriggerDetail]:
        """The review held on ``on`` (at ``meeting_id``, a meeting of the same panel, if given) and
        its recommendations (agency id or None, text), replacing any recorded before."""
        day = self._day(on, "reviewed_on")
        texts = [(a, _text(txt, f"recommendation {n}", f"Recommendation {n}", required=True))
                 for n, (a, txt) in enumerate(recommendations, start=1)]
        settings = self.settings()
        with self._ctx.unit_of_work() as s:
            t = self._trigger(s, trigger_id, Permission.EDIT_CASES)
            if meeting_id is not None:
                m = s.get(Meeting, meeting_id)
                if m is None or m.panel_id != t.panel_id:
                    raise ValidationError("meeting", "That meeting is not one of this panel's.")
            if t.threshold_met is not True:
                raise ValidationError("reviewed_on", f"{t.reference}: a review is held only once the threshold "
                                                     "is decided as met.")
            t.reviewed_on, t.review_meeting_id = day, meeting_id
            t.review_notes = _text(notes, "review_notes", "The review notes", limit=20000)
            t.recommendations.clear()
            s.flush()
            for n, (agency_id, txt) in enumerate(texts, start=1):
                t.recommendations.append(TriggerRecommendation(position=n, agency_id=agency_id, text=txt))
            t.updated_at = self._ctx.now()
            s.flush()
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "community_trigger", t.id,
                         {"reference": t.reference, "review": day.isoformat(), "recommendations": len(texts)},
                         at=self._ctx.now())
            detail = self._detail(s, t, settings)
        return OpResult(detail, OpChanges(cases=True))

    def mark_response_sent(self, trigger_id: int, on: date) -> OpResult[TriggerDetail]:
        return self._update(trigger_id, "response", {"response_sent_on": self._day(on, "response_sent_on")})

    # -- papers ------------------------------------------------------------------------------------

    def letter(self, trigger_id: int):  # noqa: ANN201 - cspdesk.reports.community_trigger.ResponseLetter
        """The response letter's content: the applicant's own details, the decision, the review's
        recommendations — others' contact details removed, and no other complainant named."""
        from cspdesk.domain.redaction import redact_text
        from cspdesk.reports.community_trigger import ResponseLetter

        d = self.get(trigger_id)
        marking, partnership, by = self._furniture()
        recs = tuple(RecommendationRow(r.agency, redact_text(r.text)) for r in d.recommendations)
        incidents = tuple((i.occurred_on, i.agency or "—") for i in d.incidents)
        return ResponseLetter(partnership, marking, self._ctx.now(), by, d.panel, d.reference, d.applicant_name,
                              d.applicant_address, d.received_on, not d.applicant_is_victim, d.threshold_met,
                              d.decided_on, redact_text(d.decision_reason), d.reviewed_on, incidents, recs,
                              self._ctx.today())

    def write_letter(self, trigger_id: int, out: Path, *, invariant: bool = False) -> TriggerDetail:
        from cspdesk.reports.community_trigger import render_letter_pdf

        letter = self.letter(trigger_id)
        data = render_letter_pdf(letter, invariant=invariant)
        with self._ctx.unit_of_work() as s:
            audit.record(s, self._ctx.actor, AuditKind.PRINT, "community_trigger", trigger_id,
                         {"paper": "response letter", "reference": letter.reference}, at=self._ctx.now())
        out.write_bytes(data)
        return self.get(trigger_id)

    def annual(self, panel_id: int, year: int) -> AnnualFigures:
        """The published figures for a calendar year: applications received in it, threshold
        decisions made in it (met / not met), reviews held in it and their recommendations."""
        self._ctx.require(Permission.VIEW_CASES, panel_id=panel_id)
        first, last = date(year, 1, 1), date(year, 12, 31)
        ct = CommunityTrigger
        with self._ctx.reading() as s:
            panel = s.get(Panel, panel_id)
            if panel is None:
                raise NotFound("That panel does not exist.")
            panel_name = panel.name

            def count(*where) -> int:  # noqa: ANN002
                return s.scalar(select(func.count()).select_from(ct).where(ct.panel_id == panel_id, *where)) or 0

            received = count(ct.received_on.between(first, last))
            met = count(ct.decided_on.between(first, last), ct.threshold_met.is_(True))
            not_met = count(ct.decided_on.between(first, last), ct.threshold_met.is_(False))
            reviews = count(ct.reviewed_on.between(first, last))
            recs = s.scalar(select(func.count()).select_from(TriggerRecommendation).join(
                ct, ct.id == TriggerRecommendation.trigger_id).where(
                ct.panel_id == panel_id, ct.reviewed_on.between(first, last))) or 0
        lines = (("Applications received", received), ("Threshold decisions made", met + not_met),
                 ("Threshold met", met), ("Threshold not met", not_met), ("Case reviews held", reviews),
                 ("Recommendations made", recs))
        return AnnualFigures(panel_name, year, received, met + not_met, met, not_met, reviews, recs,
                             self.settings().rule_text, lines)

    def write_annual(self, panel_id: int, year: int, out: Path, *, invariant: bool = False) -> AnnualFigures:
        from cspdesk.reports.community_trigger import render_annual_pdf

        figures = self.annual(panel_id, year)
        marking, partnership, by = self._furniture()
        data = render_annual_pdf(figures, partnership=partnership, marking=marking, by=by, at=self._ctx.now(),
                                 invariant=invariant)
        with self._ctx.unit_of_work() as s:
            audit.record(s, self._ctx.actor, AuditKind.PRINT, "panel", panel_id,
                         {"paper": "ASB case review figures", "year": year}, at=self._ctx.now())
        out.write_bytes(data)
        return figures

    # -- inside ------------------------------------------------------------------------------------

    def _day(self, on: date, name: str) -> date:
        if not isinstance(on, date):
            raise ValidationError(name, "Give a date.")
        if on > self._ctx.today():
            raise ValidationError(name, "The date cannot be in the future.")
        return on

    def _update(self, trigger_id: int, what: str, values: dict) -> OpResult[TriggerDetail]:
        settings = self.settings()
        with self._ctx.unit_of_work() as s:
            t = self._trigger(s, trigger_id, Permission.EDIT_CASES)
            for key, value in values.items():
                if isinstance(value, date) and value < t.received_on:
                    raise ValidationError(key, f"{t.reference}: the date is before the application was received.")
            before = {k: getattr(t, k) for k in values}
            for key, value in values.items():
                setattr(t, key, value)
            t.updated_at = self._ctx.now()
            s.flush()
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "community_trigger", t.id,
                         {"reference": t.reference, "step": what,
                          "changes": audit.changed_fields(before, {k: getattr(t, k) for k in values})},
                         at=self._ctx.now())
            detail = self._detail(s, t, settings)
        return OpResult(detail, OpChanges(cases=True))

    def _trigger(self, s: Session, trigger_id: int, permission: Permission) -> CommunityTrigger:
        t = s.get(CommunityTrigger, trigger_id)
        if t is None or not self._ctx.actor.sees_panel(t.panel_id):
            raise NotFound(NO_SUCH_TRIGGER)
        self._ctx.require(permission, panel_id=t.panel_id)
        return t

    def _furniture(self) -> tuple[str, str, str]:
        with self._ctx.reading() as s:
            p = s.scalars(select(Partnership).limit(1)).first()
            by = self._ctx.actor.username
            if self._ctx.actor.user_id is not None:
                account = s.get(UserAccount, self._ctx.actor.user_id)
                by = account.display_name if account is not None else by
            return (p.protective_marking if p else DEFAULT_MARKING), (p.name if p else ""), by

    @staticmethod
    def _test(t: CommunityTrigger, settings: TriggerSettings) -> ThresholdResult:
        return threshold(t.received_on, [Complaint(i.occurred_on, i.complainant) for i in t.incidents], settings)

    def _detail(self, s: Session, t: CommunityTrigger, settings: TriggerSettings) -> TriggerDetail:
        agencies = dict(s.execute(select(Agency.id, Agency.name)).all())
        panel = s.get(Panel, t.panel_id)
        return TriggerDetail(
            t.id, t.reference, t.panel_id, panel.name if panel else "", t.received_on, t.applicant_name,
            t.applicant_address, t.applicant_is_victim, t.on_behalf_of, t.summary,
            tuple(IncidentRow(i.occurred_on, i.reported_on, agencies.get(i.agency_id, ""), i.complainant,
                              i.description) for i in t.incidents),
            t.acknowledged_on, t.threshold_met, t.decided_on, t.decision_reason, self._test(t, settings),
            t.review_meeting_id, t.reviewed_on, t.review_notes,
            tuple(RecommendationRow(agencies.get(r.agency_id, ""), r.text) for r in t.recommendations),
            t.response_sent_on, tuple(_steps(t, settings, self._ctx.today())))


def _steps(t: CommunityTrigger, settings: TriggerSettings, today: date) -> Sequence[Step]:
    return timescales(t.received_on, settings, today, acknowledged_on=t.acknowledged_on, decided_on=t.decided_on,
                      threshold_met=t.threshold_met, reviewed_on=t.reviewed_on)


def _stage(t: CommunityTrigger) -> str:
    if t.response_sent_on is not None:
        return "Response sent"
    if t.reviewed_on is not None:
        return "Review held"
    if t.threshold_met is False:
        return "Threshold not met"
    if t.threshold_met:
        return "Threshold met"
    return "Acknowledged" if t.acknowledged_on else "Received"
