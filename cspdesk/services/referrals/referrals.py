"""Referrals: the coordinator's intake for every panel type (issue 4).

One draft dataclass per panel type (:class:`MaracDraft`, :class:`CsvgDraft`, :class:`SocpDraft`,
:class:`CarmDraft`) holds what the form (or one imported row) says; :class:`ReferralService`
checks it against the panel's rules and writes it as one case in one unit of work.

As the coordinator types, the form calls :meth:`ReferralService.find_people` (people already held:
name with spelling variants and aliases, and date of birth) and :meth:`ReferralService.check_repeat`
(a referral for the same victim within the panel's repeat window). Both read through indexes and
answer within 50 ms at county scale (tests/perf).

Hazards
- A draft may *link* an existing person (``PersonDraft.existing_person_id``) instead of creating
  one; the existing record is not changed by a referral (safe-contact details given with a link
  are written to it only when the draft says so: ``update_contact``).
- Validation reports every problem at once (:class:`ReferralInvalid` carries them all); each names
  its field and, for repeated rows, the row ("Child 2: date of birth is in the future").
- The case reference is allocated inside the transaction that writes the case, from the panel's
  highest sequence number for the referral year; on PostgreSQL the panel row is locked first.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, delete, func, literal, or_, select
from sqlalchemy.orm import Session

from cspdesk.domain.ages import age_on
from cspdesk.domain.criteria import MaracCriteria, marac_risk_level
from cspdesk.domain.enums import (
    AssessmentKind,
    AuditKind,
    CaseStatus,
    GroupKind,
    PanelType,
    PersonRole,
    RiskLevel,
    SubjectKind,
    VulnerabilityFlag,
)
from cspdesk.domain.plausible import referral_date_problem
from cspdesk.domain.risk_tools import DASH_2009, PROFESSIONAL_JUDGEMENT, SCORE_ONLY, risk_tool
from cspdesk.domain.rules import (
    DASH_QUESTION_COUNT,
    MARAC_MIN_VICTIM_AGE,
    add_months,
    can_move,
    case_reference,
    dash_item,
    first_word,
    last_word,
    name_key,
    normalise_name,
)
from cspdesk.domain.children import ChildDetails
from cspdesk.domain.referrals import (
    DASH_SCORE_ONLY,
    DEFAULT_THREAT_TEMPLATE,
    DRAFT_PANEL_TYPE,
    CarmDraft,
    ChildDraft,
    CsvgDraft,
    DashAnswer,
    DashChecklist,
    DashItem,
    GroupDraft,
    LinkedPersonDraft,
    MaracDraft,
    PanelRules,
    PerpetratorDraft,
    PersonDraft,
    PlaceDraft,
    ReferralDraft,
    SocpDraft,
    ThreatFactor,
    ThreatTemplate,
    threat_template_from_settings,
)
from cspdesk.domain.referrals import draft_criteria as marac_criteria
from cspdesk.services.audit import audit
from cspdesk.services.context import OpChanges, OpResult, Permission, ServiceContext
from cspdesk.services.errors import NotFound, ServiceError, ValidationError
from cspdesk.services.access.reach import group_reachable, location_reachable, reachable_people, require_person
from cspdesk.services.referrals.children import write_child_details
from cspdesk.services.referrals.repeats import RepeatRelisted, people_of_cases, relist_repeats
from cspdesk.storage.models import (
    Action,
    Agency,
    AgendaItem,
    Case,
    CaseFlag,
    CasePerson,
    CaseStatusChange,
    GroupPerson,
    Location,
    LocationPerson,
    Panel,
    Partnership,
    Person,
    PersonAlias,
    PersonContactChange,
    RiskAnswer,
    RiskAssessment,
    SubjectGroup,
)
from cspdesk.storage.sort_keys import refresh_subject_sort

__all__ = [
    "DEFAULT_THREAT_TEMPLATE",
    "AssessmentAnswer",
    "AssessmentInfo",
    "CarmDraft",
    "ChildDraft",
    "CreatedReferral",
    "ReferralDeleted",
    "ReferralRedated",
    "CsvgDraft",
    "DashAnswer",
    "DashItem",
    "DashChecklist",
    "GroupDraft",
    "LinkedPersonDraft",
    "MaracCriteria",
    "MaracDraft",
    "MatchReason",
    "NoCriteriaUnconfirmed",
    "PanelRules",
    "PersonCase",
    "PersonDraft",
    "PersonMatch",
    "PerpetratorDraft",
    "PlaceDraft",
    "Problem",
    "ReferralDraft",
    "ReferralInvalid",
    "ReferralService",
    "RepeatInfo",
    "StatusChanged",
    "ThreatFactor",
    "ThreatTemplate",
    "marac_criteria",
    "threat_template_from_settings",
]

#: Text limits, as the columns hold them.
NAME_MAX = 120
TEXT_SHORT_MAX = 200


# Drafts, panel rules and the threat template are the domain's: cspdesk.domain.referrals.


# --- Results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a draft: ``field`` is a path ("children[1].date_of_birth"), ``row``
    the 1-based row of a repeated section (Child 2), ``message`` the words to show."""

    field: str
    message: str


class NoCriteriaUnconfirmed(ServiceError):
    """A MARAC referral with no DASH checklist and no criterion met: it may be right (a referral
    logged before the checklist arrives), so it is a warning, not an error. The caller shows the
    message, asks, and calls again with ``confirm_no_criteria=True``."""

    field = "dash"

    def __init__(self) -> None:
        super().__init__("This MARAC referral has no DASH checklist and meets none of the referral criteria "
                         "(visible high risk, professional judgement, potential escalation, repeat): its risk "
                         "level will be blank. Save it anyway?")


class ReferralInvalid(ValidationError):
    """A draft with one or more problems; ``problems`` holds them all, ``field`` the first's."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(self.problems[0].field, "; ".join(p.message for p in self.problems))


class MatchReason(StrEnum):
    SAME_NAME = "same_name"
    SIMILAR_NAME = "similar_name"
    SOUNDS_ALIKE = "sounds_alike"
    ALIAS = "alias"
    SAME_DATE_OF_BIRTH = "same_date_of_birth"

    @property
    def label(self) -> str:
        return {
            "same_name": "same name",
            "similar_name": "similar spelling",
            "sounds_alike": "sounds alike",
            "alias": "matches an alias",
            "same_date_of_birth": "same date of birth",
        }[self.value]


@dataclass(frozen=True)
class PersonCase:
    case_id: int
    reference: str
    panel_id: int
    panel_name: str
    referral_date: date
    status: CaseStatus
    role: PersonRole


@dataclass(frozen=True)
class PersonMatch:
    """Someone already held who may be the person being typed. ``cases`` are those on panels the
    user may see; ``other_cases`` counts the rest (need to know: not named). People known only to
    panels the user is not on are not offered at all."""

    person_id: int
    given_name: str
    family_name: str
    date_of_birth: date | None
    score: float
    reasons: tuple[MatchReason, ...]
    matched_alias: str
    cases: tuple[PersonCase, ...]
    other_cases: int

    @property
    def why(self) -> str:
        """"Similar spelling, same date of birth" — for the warning line."""
        text = ", ".join(r.label for r in self.reasons)
        if self.matched_alias:
            text = text.replace("matches an alias", f"matches the alias “{self.matched_alias}”")
        return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class RepeatInfo:
    """The earlier referral that makes this one a repeat."""

    case_id: int
    reference: str
    referral_date: date
    status: CaseStatus
    window_months: int

    @property
    def message(self) -> str:
        return (f"Repeat: {self.reference} was referred on {self.referral_date:%d %b %Y}, "
                f"within {self.window_months} months.")


@dataclass(frozen=True)
class CreatedReferral:
    case_id: int
    reference: str
    panel_id: int
    status: CaseStatus
    risk_level: RiskLevel | None
    repeat_of: RepeatInfo | None
    criteria: MaracCriteria | None
    subject_person_id: int | None
    created_person_ids: tuple[int, ...]
    assessment_id: int | None
    #: Other cases whose repeat link changed because of this referral's date (a back-dated
    #: referral becomes the earlier referral of a later one): tell the user.
    relisted: tuple[RepeatRelisted, ...] = ()


@dataclass(frozen=True)
class StatusChanged:
    case_id: int
    reference: str
    from_status: CaseStatus
    to_status: CaseStatus
    reason: str
    by_user_id: int | None
    at: Any  # datetime (naive UTC)
    relisted: tuple[RepeatRelisted, ...] = ()


@dataclass(frozen=True)
class ReferralRedated:
    case_id: int
    reference: str
    old_date: date
    new_date: date
    #: The cases (this one included) whose repeat link changed.
    relisted: tuple[RepeatRelisted, ...]


@dataclass(frozen=True)
class ReferralDeleted:
    case_id: int
    reference: str
    #: The cases whose repeat link changed (those that repeated the deleted referral).
    relisted: tuple[RepeatRelisted, ...]


@dataclass(frozen=True)
class AssessmentAnswer:
    item: str
    value: str
    source: str


@dataclass(frozen=True)
class AssessmentInfo:
    id: int
    case_id: int | None
    kind: AssessmentKind
    assessed_on: date
    assessor: str
    score: int | None
    risk_level: RiskLevel | None
    notes: str
    answers: tuple[AssessmentAnswer, ...]
    created_at: Any  # datetime (naive UTC)
    tool_id: str | None = None  # the risk tool and version (cspdesk.domain.risk_tools); None: not tool-based
    tool_version: str | None = None


# --- The service --------------------------------------------------------------------------------

#: Matches scoring under this are not offered.
MIN_MATCH_SCORE = 0.55


class ReferralService:
    """Logging referrals: one method per user action. Every write is one unit of work, audited."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    # -- reading ---------------------------------------------------------------------------------

    def panel_rules(self, panel_id: int) -> PanelRules:
        """The panel's type and thresholds (and the SOCP template) for the form."""
        self._ctx.require(Permission.VIEW_CASES, panel_id=panel_id)
        with self._ctx.reading() as s:
            return _rules(s, panel_id)

    def criteria(self, draft: MaracDraft) -> MaracCriteria:
        """The MARAC criteria this draft meets now (repeat looked up for a linked victim)."""
        rules = self.panel_rules(draft.panel_id)
        repeat = None
        if draft.victim.existing_person_id is not None:
            repeat = self.check_repeat(draft.panel_id, draft.victim.existing_person_id, draft.referral_date)
        return marac_criteria(draft, rules, repeat=repeat is not None)

    def find_people(self, given: str, family: str, date_of_birth: date | None = None, *,
                    limit: int = 10) -> list[PersonMatch]:
        """People already held who may be the one being typed, best first.

        Candidates come through indexes only: the same or a phonetically alike family name (or one
        starting with what is typed), an alias whose last word sounds alike or equals the typed
        given name, and the same date of birth. Each is scored (name similarity, date of birth) and
        says why it matched, with its cases on the user's panels."""
        self._ctx.require(Permission.VIEW_CASES)
        return _find_people(self._ctx, given, family, date_of_birth, limit)

    def check_repeat(self, panel_id: int, person_id: int, referral_date: date) -> RepeatInfo | None:
        """The person's last referral to this panel (as subject or victim, not declined) on or
        before ``referral_date``, if it lies within the panel's repeat window; else None."""
        self._ctx.require(Permission.VIEW_CASES, panel_id=panel_id)
        with self._ctx.reading() as s:
            require_person(s, self._ctx, person_id)
            return _check_repeat(s, _rules(s, panel_id), person_id, referral_date)

    def validate(self, draft: ReferralDraft) -> tuple[Problem, ...]:
        """Every problem with the draft (empty when it can be saved). Reads the panel and any
        linked records; writes nothing."""
        self._ctx.require(Permission.EDIT_CASES, panel_id=draft.panel_id)
        with self._ctx.reading() as s:
            return tuple(draft_problems(s, self._ctx, draft, _rules(s, draft.panel_id)))

    def assessments(self, case_id: int) -> list[AssessmentInfo]:
        """Every assessment of the case, newest first (by date assessed, then as saved)."""
        with self._ctx.reading() as s:
            panel_id = s.scalar(select(Case.panel_id).where(Case.id == case_id))
            if panel_id is None or not self._ctx.actor.sees_panel(panel_id):
                raise NotFound("That case does not exist, or is on a panel you are not a member of.")
            self._ctx.require(Permission.VIEW_CASES, panel_id=panel_id)
            rows = s.scalars(
                select(RiskAssessment).where(RiskAssessment.case_id == case_id)
                .order_by(RiskAssessment.assessed_on.desc(), RiskAssessment.id.desc())
            ).all()
            return [_assessment_info(a) for a in rows]

    # -- writing ---------------------------------------------------------------------------------

    def create(self, draft: ReferralDraft, *, confirm_no_criteria: bool = False) -> OpResult[CreatedReferral]:
        """Log a referral: validate, then in one unit of work create or link the people (and group
        or place), allocate the reference, write the case with status Received and its first
        status change, the assessment, and the audit entry. Raises :class:`ReferralInvalid`
        naming every problem; nothing is written then. A MARAC referral with no DASH and no
        criterion met raises :class:`NoCriteriaUnconfirmed` unless ``confirm_no_criteria``."""
        self._ctx.require(Permission.EDIT_CASES, panel_id=draft.panel_id)
        with self._ctx.unit_of_work() as s:
            created = _create(self._ctx, s, draft)
            if created.criteria is not None and not confirm_no_criteria \
                    and created.criteria.yes_count is None and not created.criteria.any_met:
                raise NoCriteriaUnconfirmed()  # the unit of work rolls the case back
        return OpResult(created, OpChanges(cases=True, people=True))

    def change_status(self, case_id: int, to_status: CaseStatus, *, reason: str = "", outcome: str = "",
                      on: date | None = None) -> OpResult[StatusChanged]:
        """Move a case along its lifecycle. Declined needs ``reason``; Closed needs ``outcome``
        (and records ``on``, default today). Illegal moves are refused in plain words."""
        to_status = CaseStatus(to_status)
        with self._ctx.unit_of_work() as s:
            case_ = s.get(Case, case_id)
            if case_ is None or not self._ctx.actor.sees_panel(case_.panel_id):
                raise NotFound("That case does not exist, or is on a panel you are not a member of.")
            self._ctx.require(Permission.EDIT_CASES, panel_id=case_.panel_id)
            old = case_.status
            if not can_move(old, to_status):
                if old == to_status:
                    raise ValidationError("status", f"{case_.reference} is already {old.label}.")
                raise ValidationError(
                    "status", f"{case_.reference} is {old.label}: it cannot be moved to {to_status.label}."
                    + _allowed_hint(old))
            reason, outcome = reason.strip(), outcome.strip()
            if to_status is CaseStatus.DECLINED and not reason:
                raise ValidationError("reason", "Give the reason the referral is declined.")
            if to_status is CaseStatus.CLOSED and not outcome:
                raise ValidationError("outcome", "Give the outcome the case is closed with.")
            closed_on = on or self._ctx.today()
            if to_status is CaseStatus.CLOSED and closed_on > self._ctx.today():
                raise ValidationError("on", "The date closed cannot be in the future.")
            now = self._ctx.now()
            before = {"status": old.value, "status_reason": case_.status_reason, "outcome": case_.outcome}
            case_.status = to_status
            if to_status is CaseStatus.DECLINED:
                case_.status_reason = reason
            if to_status is CaseStatus.CLOSED:
                case_.outcome = outcome
                case_.closed_on = closed_on
            case_.updated_at = now
            why = reason or outcome
            s.add(CaseStatusChange(case_id=case_id, from_status=old, to_status=to_status, reason=why, at=now,
                                   by_user_id=self._ctx.actor.user_id))
            after = {"status": to_status.value, "status_reason": case_.status_reason, "outcome": case_.outcome}
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "case", case_id,
                         {"reference": case_.reference, "changes": audit.changed_fields(before, after)}, at=now)
            relisted: list[RepeatRelisted] = []
            if to_status is CaseStatus.DECLINED:  # a declined referral is nobody's earlier referral
                relisted = relist_repeats(self._ctx, s, case_.panel_id, people_of_cases(s, [case_id]))
            result = StatusChanged(case_id, case_.reference, old, to_status, why, self._ctx.actor.user_id, now,
                                   tuple(relisted))
        return OpResult(result, OpChanges(cases=True))

    def change_referral_date(self, case_id: int, referral_date: date, *, reason: str) -> OpResult[ReferralRedated]:
        """Correct the date a referral was received (the reference keeps its number). Repeats are
        worked out again for the people of the case, and the cases whose link changed are returned."""
        reason = reason.strip()
        if not reason:
            raise ValidationError("reason", "Say why the referral date is changed.")
        if referral_date > self._ctx.today():
            raise ValidationError("referral_date", "The referral date cannot be in the future.")
        with self._ctx.unit_of_work() as s:
            case_ = self._editable_case(s, case_id)
            old = case_.referral_date
            if old == referral_date:
                raise ValidationError("referral_date", f"{case_.reference} already has that referral date.")
            case_.referral_date = referral_date
            case_.updated_at = self._ctx.now()
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "case", case_id, {
                "reference": case_.reference, "reason": reason,
                "changes": {"referral_date": {"old": old, "new": referral_date}}}, at=self._ctx.now())
            relisted = relist_repeats(self._ctx, s, case_.panel_id, people_of_cases(s, [case_id]))
            result = ReferralRedated(case_id, case_.reference, old, referral_date, tuple(relisted))
        return OpResult(result, OpChanges(cases=True))

    def delete_referral(self, case_id: int, *, reason: str) -> OpResult[ReferralDeleted]:
        """Delete a referral logged in error, before it is heard: only a case never listed on an
        agenda and with no actions. Its people stay (they may be held on other cases). The cases
        that repeated it are linked again from dates and returned."""
        reason = reason.strip()
        if not reason:
            raise ValidationError("reason", "Say why the referral is deleted.")
        with self._ctx.unit_of_work() as s:
            case_ = self._editable_case(s, case_id)
            if case_.status not in (CaseStatus.RECEIVED, CaseStatus.ACCEPTED, CaseStatus.DECLINED):
                raise ValidationError("case", f"{case_.reference} is {case_.status.label.lower()}: only a referral "
                                              "not yet heard can be deleted.")
            if s.scalar(select(func.count()).select_from(AgendaItem).where(AgendaItem.case_id == case_id)):
                raise ValidationError("case", f"{case_.reference} is on a meeting's agenda: take it off first.")
            if s.scalar(select(func.count()).select_from(Action).where(Action.case_id == case_id)):
                raise ValidationError("case", f"{case_.reference} has actions: it cannot be deleted.")
            reference, panel_id = case_.reference, case_.panel_id
            people = people_of_cases(s, [case_id])
            relisted = relist_repeats(self._ctx, s, panel_id, people, without_case_id=case_id)
            assessments = select(RiskAssessment.id).where(RiskAssessment.case_id == case_id)
            s.execute(delete(RiskAnswer).where(RiskAnswer.assessment_id.in_(assessments)))
            s.execute(delete(RiskAssessment).where(RiskAssessment.case_id == case_id))
            for table in (CaseStatusChange, CaseFlag, CasePerson):
                s.execute(delete(table).where(table.case_id == case_id))
            s.execute(delete(Case).where(Case.id == case_id))
            audit.record(s, self._ctx.actor, AuditKind.DELETE, "case", case_id,
                         {"reference": reference, "reason": reason}, at=self._ctx.now())
            result = ReferralDeleted(case_id, reference, tuple(relisted))
        return OpResult(result, OpChanges(cases=True, people=True))

    def _editable_case(self, s: Session, case_id: int) -> Case:
        case_ = s.get(Case, case_id)
        if case_ is None or not self._ctx.actor.sees_panel(case_.panel_id):
            raise NotFound("That case does not exist, or is on a panel you are not a member of.")
        self._ctx.require(Permission.EDIT_CASES, panel_id=case_.panel_id)
        return case_

    def add_assessment(self, case_id: int, answers: Sequence[DashItem] | Mapping[str, int] = (), *,
                       assessed_on: date | None = None, assessor: str = "", notes: str = "",
                       risk_level: RiskLevel | None = None, declared_count: int | None = None,
                       tool_id: str = DASH_2009) -> OpResult[AssessmentInfo]:
        """Add a dated assessment to a case; earlier ones are kept unchanged (a saved DASH is never
        edited: a new one is added). By panel type: MARAC takes the 24 :class:`DashItem` answers
        (``tool_id`` DASH 2009), or with ``tool_id`` "professional judgement only" a ``risk_level``
        and the reason in ``notes``; SOCP a mapping factor → value on the partnership's threat
        template; CSVG and CARM a ``risk_level`` (answers empty). The case's risk level follows the
        newest assessment."""
        with self._ctx.unit_of_work() as s:
            case_ = s.get(Case, case_id)
            if case_ is None or not self._ctx.actor.sees_panel(case_.panel_id):
                raise NotFound("That case does not exist, or is on a panel you are not a member of.")
            self._ctx.require(Permission.EDIT_CASES, panel_id=case_.panel_id)
            rules = _rules(s, case_.panel_id)
            on = assessed_on or self._ctx.today()
            if on > self._ctx.today():
                raise ValidationError("assessed_on", "The date of the assessment cannot be in the future.")
            if on < case_.referral_date:
                raise ValidationError("assessed_on", "The assessment cannot be dated before the referral.")
            if rules.panel_type is PanelType.MARAC and tool_id == PROFESSIONAL_JUDGEMENT:
                assessment = _write_judgement(s, self._ctx, case_id, on, assessor, risk_level, notes)
            elif rules.panel_type is PanelType.MARAC:
                if tool_id != DASH_2009:
                    raise ValidationError("tool_id", "Choose the risk tool: DASH 2009 or professional judgement only.")
                if isinstance(answers, Mapping):
                    raise ValidationError("answers", "A MARAC assessment is a DASH checklist of 24 answers.")
                dash = DashChecklist(answers=tuple(answers), assessed_on=on, assessor=assessor,
                                     declared_count=declared_count, notes=notes)
                problems = list(_check_dash(dash, "dash"))
                if problems:
                    raise ReferralInvalid(problems)
                # The referral's criteria stay as they were when it was made; only the risk follows.
                assessment = _write_dash(s, self._ctx, case_id, dash, on, rules)
            elif rules.panel_type is PanelType.SOCP:
                values = dict(answers) if isinstance(answers, Mapping) else {}
                problems = list(_check_threat(values, rules.threat_template))
                if problems:
                    raise ReferralInvalid(problems)
                assessment = _write_threat(s, self._ctx, case_id, case_.subject_group_id, values, on, assessor,
                                           rules.threat_template, notes)
            else:
                if risk_level is None:
                    raise ValidationError("risk_level", "Choose the risk level: High, Medium or Low.")
                kind = rules.asks.assessment if rules.asks is not None else AssessmentKind.CONTEXTUAL  # the domain's
                assessment = RiskAssessment(kind=kind, case_id=case_id, assessed_on=on, assessor=assessor.strip(),
                                            risk_level=RiskLevel(risk_level), notes=notes.strip(),
                                            created_at=self._ctx.now())
                s.add(assessment)
                s.flush()
            latest = s.scalar(select(func.max(RiskAssessment.assessed_on)).where(RiskAssessment.case_id == case_id))
            if latest is None or assessment.assessed_on >= latest:
                case_.risk_level = assessment.risk_level
                if rules.panel_type is PanelType.MARAC:  # a new DASH changes the band, not the judgement
                    case_.risk_level = marac_risk_level(assessment.risk_level,
                                                        professional_judgement=case_.crit_professional_judgement)
            case_.updated_at = self._ctx.now()
            audit.record(s, self._ctx.actor, AuditKind.CREATE, "risk_assessment", assessment.id,
                         {"case_id": case_id, "reference": case_.reference, "kind": assessment.kind.value,
                          "score": assessment.score, "risk_level": assessment.risk_level}, at=self._ctx.now())
            info = _assessment_info(assessment)
        return OpResult(info, OpChanges(cases=True))


# --- Implementation -------------------------------------------------------------------------------


def _allowed_hint(old: CaseStatus) -> str:
    from cspdesk.domain.rules import CASE_TRANSITIONS

    nexts = [s.label for s in CaseStatus if s in CASE_TRANSITIONS[old]]
    if not nexts:
        return f" A case that is {old.label} does not move on."
    return f" From {old.label} it can go to {' or '.join(nexts)}."


def _rules(s: Session, panel_id: int) -> PanelRules:
    panel = s.get(Panel, panel_id)
    if panel is None:
        raise NotFound("That panel does not exist.")
    settings = s.scalar(select(Partnership.settings).order_by(Partnership.id).limit(1))
    return PanelRules(panel.id, panel.name, panel.panel_type, panel.ref_prefix, panel.dash_threshold,
                      panel.escalation_incidents, panel.repeat_window_months, threat_template_from_settings(settings))


def _assessment_info(a: RiskAssessment) -> AssessmentInfo:
    return AssessmentInfo(
        id=a.id, case_id=a.case_id, kind=a.kind, assessed_on=a.assessed_on, assessor=a.assessor, score=a.score,
        risk_level=a.risk_level, notes=a.notes,
        answers=tuple(AssessmentAnswer(x.item, x.value, x.source) for x in sorted(a.answers, key=lambda x: x.item)),
        created_at=a.created_at, tool_id=a.tool_id, tool_version=a.tool_version,
    )


# ---- finding people

def _similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    import jellyfish

    return jellyfish.jaro_winkler_similarity(a, b)


def _find_people(ctx: ServiceContext, given: str, family: str, dob: date | None, limit: int) -> list[PersonMatch]:
    g_norm, f_norm = normalise_name(given), normalise_name(family)
    g_first = first_word(given)
    g_key, f_key = name_key(g_first), name_key(family)
    if len(f_norm) < 2 and dob is None and len(g_norm) < 2:
        return []
    # A namesake whose given name shares neither its sound nor its first letter with the one typed
    # is not offered on the family name alone (the date of birth or an alias can still find them):
    # this keeps the commonest family names (800 Smiths in a county) to a few dozen candidates.
    given_filter = None
    if g_first:
        initial = g_first[0]
        given_filter = or_(Person.given_key == g_key,
                           and_(Person.given_norm >= initial, Person.given_norm < chr(ord(initial) + 1)))
    conditions = []
    if f_norm:
        if len(f_norm) >= 3:  # names starting with what is typed (the same name among them)
            upper = f_norm[:-1] + chr(ord(f_norm[-1]) + 1)
            conditions.append(and_(Person.family_norm >= f_norm, Person.family_norm < upper))
        else:
            conditions.append(Person.family_norm == f_norm)
        if f_key:
            conditions.append(Person.family_key == f_key)
        if given_filter is not None:
            conditions = [and_(c, given_filter) for c in conditions]
    if dob is not None:
        conditions.append(Person.date_of_birth == dob)
    alias_conditions = []
    if f_key:
        alias_conditions.append(PersonAlias.alias_key == f_key)
    if g_norm:
        alias_conditions.append(PersonAlias.alias_norm == g_norm)
        if f_norm:
            alias_conditions.append(PersonAlias.alias_norm == f"{g_norm} {f_norm}")
    if not conditions and not alias_conditions:
        return []
    visible = ctx.visible_panel_ids()
    columns = (Person.id, Person.given_name, Person.family_name, Person.given_norm, Person.family_norm,
               Person.given_key, Person.family_key, Person.date_of_birth)
    with ctx.reading() as s:
        found: dict[int, Any] = {}
        for condition in conditions:  # one indexed lookup each (an OR would scan on SQLite)
            for row in s.execute(select(*columns).where(condition).limit(5000)):
                found[row.id] = row
        alias_rows: dict[int, list[str]] = {}
        for condition in alias_conditions:
            for pid, alias_text in s.execute(select(PersonAlias.person_id, PersonAlias.alias).where(condition)
                                             .limit(2000)):
                alias_rows.setdefault(pid, []).append(alias_text)
        missing = sorted(set(alias_rows) - set(found))
        for start in range(0, len(missing), 900):
            for row in s.execute(select(*columns).where(Person.id.in_(missing[start:start + 900]))):
                found[row.id] = row
        if not found:
            return []
        people = list(found.values())
        scored = []
        for p in people:
            result = score_person(p, g_norm, g_first, f_norm, g_key, f_key, dob, alias_rows.get(p.id, ()))
            if result is not None:
                scored.append((result[0], p, result[1], result[2]))
        scored.sort(key=lambda t: (-t[0], t[1].family_norm, t[1].given_norm, t[1].id))
        # Need to know: only people on the user's panels are offered (cspdesk.services.access.reach: on
        # a case, in a group or at a place of one of them); their existence elsewhere is not the
        # user's to see, and neither is anyone on no panel at all.
        out: list[PersonMatch] = []
        batch = max(limit * 3, 30)
        for start in range(0, len(scored), batch):
            chunk = scored[start:start + batch]
            cases = cases_of_people(s, [t[1].id for t in chunk])
            reachable = reachable_people(s, ctx, [t[1].id for t in chunk])
            for score, p, reasons, alias in chunk:
                if p.id not in reachable:
                    continue
                held = cases.get(p.id, [])
                seen = tuple(c for c in held if visible is None or c.panel_id in visible)
                out.append(PersonMatch(p.id, p.given_name, p.family_name, p.date_of_birth, round(score, 3), reasons,
                                       alias, seen, len(held) - len(seen)))
                if len(out) == limit:
                    return out
    return out


def score_person(p: Any, g_norm: str, g_first: str, f_norm: str, g_key: str, f_key: str, dob: date | None,
           aliases: Sequence[str]) -> tuple[float, tuple[MatchReason, ...], str] | None:
    reasons: list[MatchReason] = []
    p_first = p.given_norm.split()[0] if p.given_norm else ""
    fam = _similarity(f_norm, p.family_norm) if f_norm else 0.0
    giv = max(_similarity(g_norm, p.given_norm), _similarity(g_first, p_first)) if g_norm else 0.0
    sounds = bool(f_key) and f_key == p.family_key and (not g_key or g_key == p.given_key)
    name = 0.6 * fam + 0.4 * giv if g_norm else fam
    if g_norm and f_norm and g_norm == p.given_norm and f_norm == p.family_norm:
        reasons.append(MatchReason.SAME_NAME)
        name = 1.0
    elif sounds:
        reasons.append(MatchReason.SOUNDS_ALIKE)
        name = max(name, 0.85)
    elif name >= 0.85:
        reasons.append(MatchReason.SIMILAR_NAME)
    matched_alias = ""
    typed_full = f"{g_norm} {f_norm}".strip()
    for alias in aliases:
        a_norm = normalise_name(alias)
        a_last = a_norm.split()[-1] if a_norm else ""
        alias_score = 0.0
        if a_norm == typed_full or (a_norm == g_norm and g_norm):
            alias_score = 1.0
        elif f_norm and name_key(a_last) == f_key:
            alias_score = 0.6 * _similarity(f_norm, a_last) + 0.4 * (giv if g_norm else 1.0)
        if alias_score >= 0.8 and alias_score > name - 0.05:
            matched_alias = alias
            reasons.append(MatchReason.ALIAS)
            name = max(name, alias_score)
            break
    same_dob = dob is not None and p.date_of_birth == dob
    if same_dob:
        reasons.append(MatchReason.SAME_DATE_OF_BIRTH)
    if not reasons:
        return None
    if dob is not None and p.date_of_birth is not None and not same_dob:
        name -= 0.25  # a different date of birth makes the same name less likely to be the same person
    score = name * 0.75 + (0.25 if same_dob else 0.0)
    if same_dob and len(reasons) == 1:
        score = 0.3 + 0.5 * name  # the same birthday alone is weak unless the name is close too
    if score < MIN_MATCH_SCORE and not (same_dob and name >= 0.7):
        return None
    return score, tuple(reasons), matched_alias


def cases_of_people(s: Session, person_ids: Sequence[int]) -> dict[int, list[PersonCase]]:
    """Each person's cases (as subject or linked), newest first."""
    out: dict[int, dict[int, PersonCase]] = {}
    rows = s.execute(
        select(CasePerson.person_id, Case.id, Case.reference, Case.panel_id, Panel.name, Case.referral_date,
               Case.status, CasePerson.role)
        .join(Case, Case.id == CasePerson.case_id).join(Panel, Panel.id == Case.panel_id)
        .where(CasePerson.person_id.in_(list(person_ids)))
    ).all()
    rows += s.execute(
        select(Case.subject_person_id, Case.id, Case.reference, Case.panel_id, Panel.name, Case.referral_date,
               Case.status, literal(PersonRole.SUBJECT.value))
        .join(Panel, Panel.id == Case.panel_id)
        .where(Case.subject_person_id.in_(list(person_ids)))
    ).all()
    for pid, cid, ref, panel_id, panel_name, day, status, role in rows:
        per = out.setdefault(pid, {})
        if cid in per and per[cid].role is not PersonRole.SUBJECT:
            continue
        per[cid] = PersonCase(cid, ref, panel_id, panel_name, day, CaseStatus(status), PersonRole(role))
    return {pid: sorted(v.values(), key=lambda c: (c.referral_date, c.case_id), reverse=True)
            for pid, v in out.items()}


# ---- repeats

def _check_repeat(s: Session, rules: PanelRules, person_id: int, referral_date: date,
                  exclude_case_id: int | None = None) -> RepeatInfo | None:
    def last(where: Any) -> Any:
        stmt = (select(Case.id, Case.reference, Case.referral_date, Case.status)
                .where(Case.panel_id == rules.panel_id, Case.referral_date <= referral_date,
                       Case.status != CaseStatus.DECLINED, where)
                .order_by(Case.referral_date.desc(), Case.id.desc()).limit(1))
        if exclude_case_id is not None:
            stmt = stmt.where(Case.id != exclude_case_id)
        return s.execute(stmt).first()

    as_subject = last(Case.subject_person_id == person_id)
    as_victim = last(Case.id.in_(select(CasePerson.case_id).where(
        CasePerson.person_id == person_id, CasePerson.role == PersonRole.VICTIM)))
    candidates = [r for r in (as_subject, as_victim) if r is not None]
    if not candidates:
        return None
    found = max(candidates, key=lambda r: (r.referral_date, r.id))
    if add_months(found.referral_date, rules.repeat_window_months) < referral_date:
        return None
    return _repeat_info(s, rules, found.id)


# ---- validation

def _label(section: str, row: int | None) -> str:
    return f"{section} {row}" if row is not None else section


def _check_person(s: Session, p: PersonDraft, path: str, who: str, referral_date: date, today: date,
                  *, need_dob: bool = False) -> list[Problem]:
    out: list[Problem] = []
    if p.existing_person_id is not None:
        if s.get(Person, p.existing_person_id) is None:  # said as draft_problems says it: no oracle
            out.append(Problem(f"{path}.existing_person_id", _UNREACHABLE["person"]))
        return out
    if not p.given_name.strip() and not p.family_name.strip():
        out.append(Problem(f"{path}.family_name", f"{who}: give a name."))
    elif not p.family_name.strip():
        out.append(Problem(f"{path}.family_name", f"{who}: give a family name (or \"Unknown\")."))
    for attr in ("given_name", "family_name"):
        if len(getattr(p, attr).strip()) > NAME_MAX:
            out.append(Problem(f"{path}.{attr}", f"{who}: the name must be {NAME_MAX} characters or fewer."))
    if p.date_of_birth is not None:
        if p.date_of_birth > today:
            out.append(Problem(f"{path}.date_of_birth", f"{who}: date of birth is in the future."))
        elif p.date_of_birth > referral_date:
            out.append(Problem(f"{path}.date_of_birth", f"{who}: date of birth is after the referral date."))
        elif age_on(p.date_of_birth, referral_date) > 120:
            out.append(Problem(f"{path}.date_of_birth", f"{who}: date of birth is more than 120 years ago."))
    elif need_dob:
        out.append(Problem(f"{path}.date_of_birth", f"{who}: give the date of birth."))
    for i, alias in enumerate(p.aliases, 1):
        if not alias.strip() or len(alias.strip()) > TEXT_SHORT_MAX:
            out.append(Problem(f"{path}.aliases[{i - 1}]", f"{who}: alias {i} is empty or too long."))
    if len(p.safe_times) > TEXT_SHORT_MAX:
        out.append(Problem(f"{path}.safe_times", f"{who}: safe times must be {TEXT_SHORT_MAX} characters or fewer."))
    if len(p.phone) > 40:
        out.append(Problem(f"{path}.phone", f"{who}: the phone number must be 40 characters or fewer."))
    if len(p.postcode) > 12:
        out.append(Problem(f"{path}.postcode", f"{who}: the postcode must be 12 characters or fewer."))
    return out


def _check_dash(dash: DashChecklist, path: str) -> list[Problem]:
    out: list[Problem] = []
    if len(dash.answers) != DASH_QUESTION_COUNT:
        out.append(Problem(f"{path}.answers", f"DASH: answer all {DASH_QUESTION_COUNT} questions "
                                              f"({len(dash.answers)} answered)."))
    for i, item in enumerate(dash.answers, 1):
        if not isinstance(item, DashItem) or item.answer not in set(DashAnswer):
            out.append(Problem(f"{path}.answers[{i - 1}]", f"DASH question {i}: answer Yes, No or Don't know."))
        elif len(item.source) > TEXT_SHORT_MAX:
            out.append(Problem(f"{path}.answers[{i - 1}].source", f"DASH question {i}: the source is too long."))
    if dash.declared_count is not None and dash.declared_count != dash.yes_count:
        out.append(Problem(f"{path}.declared_count",
                           f"DASH: the count given ({dash.declared_count}) does not match the answers "
                           f"({dash.yes_count} yes)."))
    return out


def _check_threat(values: Mapping[str, int], template: ThreatTemplate) -> list[Problem]:
    out = []
    keys = {f.key for f in template.factors}
    for key in values:
        if key not in keys:
            out.append(Problem(f"threat_scores.{key}", f"Threat score: “{key}” is not on the template."))
    for f in template.factors:
        v = values.get(f.key)
        if v is None:
            out.append(Problem(f"threat_scores.{f.key}", f"Threat score: give {f.label.split(':')[0]}."))
        elif not isinstance(v, int) or isinstance(v, bool) or not f.minimum <= v <= f.maximum:
            out.append(Problem(f"threat_scores.{f.key}",
                               f"Threat score: {f.label.split(':')[0]} must be from {f.minimum} to {f.maximum}."))
    return out


def _check_group(s: Session, g: GroupDraft, path: str, who: str, kind: GroupKind) -> list[Problem]:
    if g.existing_group_id is not None:
        group = s.get(SubjectGroup, g.existing_group_id)
        if group is None:  # said as draft_problems says it: no oracle
            return [Problem(f"{path}.existing_group_id", _UNREACHABLE["group"])]
        if group.kind is not kind:
            return [Problem(f"{path}.existing_group_id", f"{who}: the group chosen is a {group.kind.label.lower()}, "
                                                         f"not a {kind.label.lower()}.")]
        return []
    out = []
    if not g.name.strip():
        out.append(Problem(f"{path}.name", f"{who}: give a name."))
    elif len(g.name.strip()) > TEXT_SHORT_MAX:
        out.append(Problem(f"{path}.name", f"{who}: the name must be {TEXT_SHORT_MAX} characters or fewer."))
    if g.reference.strip():
        if len(g.reference.strip()) > 40:
            out.append(Problem(f"{path}.reference", f"{who}: the reference must be 40 characters or fewer."))
        elif s.scalar(select(SubjectGroup.id).where(SubjectGroup.reference == g.reference.strip())) is not None:
            out.append(Problem(f"{path}.reference", f"{who}: the reference {g.reference.strip()} is already used."))
    return out


def _check_linked(s: Session, rows: Sequence[LinkedPersonDraft], path: str, section: str, referral_date: date,
                  today: date) -> list[Problem]:
    out = []
    for i, row in enumerate(rows, 1):
        out += _check_person(s, row.person, f"{path}[{i - 1}].person", _label(section, i), referral_date, today)
        if len(row.role) > 80:
            out.append(Problem(f"{path}[{i - 1}].role", f"{section} {i}: the role must be 80 characters or fewer."))
    return out


#: What a draft linking someone the user may not reach is told: the same whether the record exists
#: or not, and the same as for one deleted meanwhile (issue 22: no oracle).
_UNREACHABLE = {
    "person": "The person chosen does not exist, or is not on a panel you are a member of.",
    "group": "The group chosen does not exist, or is not on a panel you are a member of.",
    "location": "The place chosen does not exist, or is not on a panel you are a member of.",
}


def _linked_records(value: Any, path: str) -> Iterator[tuple[str, str, int]]:
    """Every existing person, group and place a draft links: (field path, kind, id)."""
    if isinstance(value, PersonDraft):
        if value.existing_person_id is not None:
            yield f"{path}.existing_person_id", "person", value.existing_person_id
    elif isinstance(value, GroupDraft):
        if value.existing_group_id is not None:
            yield f"{path}.existing_group_id", "group", value.existing_group_id
    elif isinstance(value, PlaceDraft):
        if value.existing_location_id is not None:
            yield f"{path}.existing_location_id", "location", value.existing_location_id
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from _linked_records(item, f"{path}[{i}]")
    elif is_dataclass(value):
        for f in fields(value):
            yield from _linked_records(getattr(value, f.name), f"{path}.{f.name}" if path else f.name)


def draft_problems(s: Session, ctx: ServiceContext, draft: ReferralDraft, rules: PanelRules, *,
                   require_agency: bool = True) -> list[Problem]:
    """Every problem with the draft for the acting user: first each person, group or place it links
    that the user may not reach (need to know: only people on the user's panels can be linked,
    issue 22), then the draft's own problems (:func:`_validate`), one per field."""
    links = list(_linked_records(draft, ""))
    people = reachable_people(s, ctx, [i for _, kind, i in links if kind == "person"])
    reach = [Problem(path, _UNREACHABLE[kind]) for path, kind, i in links
             if not (i in people if kind == "person" else
                     group_reachable(s, ctx, i) if kind == "group" else location_reachable(s, ctx, i))]
    refused = {p.field for p in reach}
    return reach + [p for p in _validate(s, draft, rules, ctx.today(), require_agency=require_agency)
                    if p.field not in refused]


def _validate(s: Session, draft: ReferralDraft, rules: PanelRules, today: date, *,
              require_agency: bool = True, agency_ids: Collection[int] | None = None) -> list[Problem]:
    """Every problem with ``draft``. ``require_agency`` False is for imports of older logs, which
    often never recorded the referring agency (a typed MARAC referral must name it).
    ``agency_ids``: every agency's id, when the caller has read them (an import checking many rows
    asks a set, not the session, whether the agency exists)."""
    out: list[Problem] = []
    expected = DRAFT_PANEL_TYPE.get(type(draft))
    if expected is None:
        return [Problem("panel_id", "This is not a referral form CSPDesk knows.")]
    if rules.panel_type is not expected:
        return [Problem("panel_id", f"{rules.name} is a {rules.panel_type.label} panel: use its own referral form.")]
    d = draft.referral_date
    date_problem = referral_date_problem(d, today)
    if date_problem is not None:
        out.append(Problem("referral_date", date_problem))
    agency = draft.referring_agency_id
    if agency is not None and (agency not in agency_ids if agency_ids is not None else s.get(Agency, agency) is None):
        out.append(Problem("referring_agency_id", "Referring agency: the agency chosen no longer exists."))
    if len(draft.referrer_name) > TEXT_SHORT_MAX:
        out.append(Problem("referrer_name", f"Referrer: the name must be {TEXT_SHORT_MAX} characters or fewer."))

    if isinstance(draft, MaracDraft):
        if draft.referring_agency_id is None and require_agency:
            out.append(Problem("referring_agency_id", "Referring agency: choose the agency that referred."))
        out += _check_person(s, draft.victim, "victim", "Victim", d, today)
        victim_dob = draft.victim.date_of_birth
        if draft.victim.existing_person_id is not None:
            victim_dob = s.scalar(select(Person.date_of_birth).where(Person.id == draft.victim.existing_person_id))
        if victim_dob is not None and victim_dob <= d and age_on(victim_dob, d) < MARAC_MIN_VICTIM_AGE:
            out.append(Problem("victim.date_of_birth",
                               f"Victim: MARAC is for victims aged {MARAC_MIN_VICTIM_AGE} or over "
                               f"(this victim is {age_on(victim_dob, d)} at the referral date); "
                               "refer to children's social care."))
        for i, perp in enumerate(draft.perpetrators, 1):
            who = _label("Perpetrator", i if len(draft.perpetrators) > 1 else None)
            out += _check_person(s, perp.person, f"perpetrators[{i - 1}].person", who, d, today)
        for i, child in enumerate(draft.children, 1):
            out += _check_person(s, child.person, f"children[{i - 1}].person", f"Child {i}", d, today)
            for attr in ("relationship_to_victim", "relationship_to_perpetrator"):
                if len(getattr(child, attr)) > NAME_MAX:
                    out.append(Problem(f"children[{i - 1}].{attr}", f"Child {i}: the relationship is too long."))
            if len(child.school) > TEXT_SHORT_MAX:
                out.append(Problem(f"children[{i - 1}].school", f"Child {i}: the school's name is too long."))
            for field_name, message in child.details().problems():
                path = "school" if field_name == "education_setting" else field_name
                out.append(Problem(f"children[{i - 1}].{path}", f"Child {i}: {message[0].lower()}{message[1:]}"))
        if draft.dash is not None:
            out += _check_dash(draft.dash, "dash")
            if draft.dash.assessed_on is not None and draft.dash.assessed_on > today:
                out.append(Problem("dash.assessed_on", "DASH: the date completed is in the future."))
        if draft.dash_score_only is not None and not 0 <= draft.dash_score_only <= DASH_QUESTION_COUNT:
            out.append(Problem("dash.declared_count", f"DASH score: give a number from 0 to {DASH_QUESTION_COUNT}."))
        if draft.children_count is not None and not 0 <= draft.children_count <= 30:
            out.append(Problem("children_count", "Number of children: give a number from 0 to 30."))
        if draft.professional_judgement and not draft.professional_judgement_reason.strip():
            out.append(Problem("professional_judgement_reason",
                               "Professional judgement: write the reason for referring on professional judgement."))
        out += _check_risk_tool(draft)
        if draft.police_incidents_12m is not None and not 0 <= draft.police_incidents_12m <= 999:
            out.append(Problem("police_incidents_12m", "Police incidents in 12 months: give a number from 0."))
        if draft.consent_given is not True and not draft.lawful_basis.strip():
            out.append(Problem("lawful_basis",
                               "Lawful basis: say on what basis the information is shared without consent."))
    elif isinstance(draft, CsvgDraft):
        if (draft.person is None) == (draft.household is None):
            out.append(Problem("person", "Subject: choose a person or a household (one of them)."))
        if draft.person is not None:
            out += _check_person(s, draft.person, "person", "Person", d, today)
        if draft.household is not None:
            out += _check_group(s, draft.household, "household", "Household", GroupKind.HOUSEHOLD)
        out += _check_linked(s, draft.household_members, "household_members", "Household member", d, today)
        if draft.risk_level is None:
            out.append(Problem("risk_level", "Risk level: choose High, Medium or Low."))
        if not draft.presenting_issues.strip() and not draft.reason.strip():
            out.append(Problem("presenting_issues", "Presenting issues: say why the case is referred."))
    elif isinstance(draft, SocpDraft):
        out += _check_group(s, draft.ocg, "ocg", "OCG", GroupKind.OCG)
        if not draft.nominals and draft.ocg.existing_group_id is None:
            out.append(Problem("nominals", "Nominals: a new OCG needs at least one nominal."))
        out += _check_linked(s, draft.nominals, "nominals", "Nominal", d, today)
        out += _check_threat(draft.threat_scores, rules.threat_template)
    elif isinstance(draft, CarmDraft):
        chosen = [x for x in (draft.young_person, draft.peer_group, draft.place) if x is not None]
        if len(chosen) != 1:
            out.append(Problem("young_person", "Subject: choose one of a young person, a peer group or a place."))
        if draft.young_person is not None:
            out += _check_person(s, draft.young_person, "young_person", "Young person", d, today)
        if draft.peer_group is not None:
            out += _check_group(s, draft.peer_group, "peer_group", "Peer group", GroupKind.PEER_GROUP)
        if draft.place is not None:
            p = draft.place
            if p.existing_location_id is not None:
                if s.get(Location, p.existing_location_id) is None:
                    out.append(Problem("place.existing_location_id", "Place: the place chosen no longer exists."))
            elif not p.name.strip():
                out.append(Problem("place.name", "Place: give a name."))
            elif len(p.name.strip()) > TEXT_SHORT_MAX:
                out.append(Problem("place.name", f"Place: the name must be {TEXT_SHORT_MAX} characters or fewer."))
        out += _check_linked(s, draft.linked, "linked", "Linked person", d, today)
    return out


# ---- writing

def new_person_values(p: PersonDraft, now: datetime) -> dict[str, Any]:
    """A new person's columns from what was typed: names stripped, their normalised forms and sound
    keys (what finding people and the search keys read), the postcode in capitals. Shared with the
    bulk writer of an import, so both write a person alike."""
    given, family = p.given_name.strip(), p.family_name.strip()
    return dict(
        given_name=given, family_name=family, given_norm=normalise_name(given), family_norm=normalise_name(family),
        given_key=name_key(first_word(given)), family_key=name_key(family), date_of_birth=p.date_of_birth,
        gender=p.gender.strip(), address=p.address.strip(), postcode=p.postcode.strip().upper(),
        phone=p.phone.strip(), safe_to_call=p.safe_to_call, safe_times=p.safe_times.strip(),
        contact_notes=p.contact_notes.strip(), ethnicity=p.ethnicity.strip(),
        racially_minoritised=p.racially_minoritised, disability=p.disability, lgbt=p.lgbt,
        sexual_orientation=p.sexual_orientation.strip(), gender_identity=p.gender_identity.strip(),
        language=p.language.strip(), interpreter_needed=p.interpreter_needed, created_at=now,
    )


def _new_person(s: Session, ctx: ServiceContext, p: PersonDraft) -> Person:
    person = Person(**new_person_values(p, ctx.now()))
    for alias in p.aliases:
        person.aliases.append(PersonAlias(alias=alias.strip(), alias_norm=normalise_name(alias),
                                          alias_key=name_key(last_word(alias))))
    s.add(person)
    s.flush()
    return person


class _People:
    """Creates or links the people of one draft, once each (the same new person typed twice in a
    draft is two people; the same existing id is one)."""

    def __init__(self, s: Session, ctx: ServiceContext) -> None:
        self.s, self.ctx = s, ctx
        self.created: list[int] = []
        self.contact_updated: list[int] = []
        #: Earlier contact details kept by this draft; their case is set once the case exists.
        self.history: list[PersonContactChange] = []

    def resolve(self, p: PersonDraft) -> int:
        if p.existing_person_id is not None:
            if p.update_contact:
                self._update_contact(p)
            return p.existing_person_id
        person = _new_person(self.s, self.ctx, p)
        self.created.append(person.id)
        return person.id


    def _update_contact(self, p: PersonDraft) -> None:
        """Every contact field typed replaces what is held; what it replaced goes to the history."""
        person = self.s.get(Person, p.existing_person_id)
        assert person is not None
        typed: dict[str, object] = {
            "address": p.address.strip(), "postcode": p.postcode.strip().upper(), "phone": p.phone.strip(),
            "safe_to_call": p.safe_to_call, "safe_times": p.safe_times.strip(),
            "contact_notes": p.contact_notes.strip(),
        }
        changed = {k: v for k, v in typed.items() if v not in ("", None) and v != getattr(person, k)}
        if not changed:
            return
        self.history.append(PersonContactChange(
            person_id=person.id, changed_at=self.ctx.now(), changed_by_user_id=self.ctx.actor.user_id,
            **{k: getattr(person, k) for k in CONTACT_FIELDS}))
        for k, v in changed.items():
            setattr(person, k, v)
        self.contact_updated.append(person.id)

    def keep_history(self, case_id: int) -> None:
        for row in self.history:
            row.case_id = case_id
            self.s.add(row)


#: A person's contact fields: what a referral may replace and the history keeps.
CONTACT_FIELDS = ("address", "postcode", "phone", "safe_to_call", "safe_times", "contact_notes")


def _next_reference(s: Session, rules: PanelRules, year: int) -> tuple[str, int]:
    # Lock the panel row (PostgreSQL); SQLite's unit of work already holds the write lock.
    s.execute(select(Panel.id).where(Panel.id == rules.panel_id).with_for_update())
    top = s.scalar(select(func.max(Case.ref_seq)).where(Case.panel_id == rules.panel_id, Case.ref_year == year))
    seq = (top or 0) + 1
    return case_reference(rules.ref_prefix, year, seq), seq


def _group(s: Session, ctx: ServiceContext, g: GroupDraft, kind: GroupKind) -> int:
    if g.existing_group_id is not None:
        return g.existing_group_id
    name = g.name.strip()
    group = SubjectGroup(kind=kind, reference=g.reference.strip() or None, name=name, name_norm=normalise_name(name),
                         description=g.description.strip(), created_at=ctx.now())
    s.add(group)
    s.flush()
    return group.id


def _check_risk_tool(draft: MaracDraft) -> list[Problem]:
    """A MARAC referral's tool: DASH 2009, or professional judgement only (no checklist, ticked)."""
    if draft.risk_tool_id == DASH_2009:
        return []
    if draft.risk_tool_id != PROFESSIONAL_JUDGEMENT:
        return [Problem("risk_tool_id", "Risk tool: choose DASH 2009 or professional judgement only.")]
    if draft.dash is not None or draft.dash_score_only is not None:
        return [Problem("risk_tool_id", "Risk tool: professional judgement only takes no DASH answers or score.")]
    if not draft.professional_judgement:
        return [Problem("professional_judgement", "Professional judgement only: tick professional judgement "
                                                  "and give the reason.")]
    return []


def _write_judgement(s: Session, ctx: ServiceContext, case_id: int, on: date, assessor: str,
                     risk_level: RiskLevel | None, reason: str) -> RiskAssessment:
    """A "professional judgement only" assessment: the assessor's level and reason, no answers."""
    if risk_level is None:
        raise ValidationError("risk_level", "Choose the risk level: High, Medium or Low.")
    if not reason.strip():
        raise ValidationError("notes", "Give the reason for the professional judgement.")
    tool = risk_tool(PROFESSIONAL_JUDGEMENT)
    assessment = RiskAssessment(kind=AssessmentKind.DASH, case_id=case_id, assessed_on=on, assessor=assessor.strip(),
                                risk_level=RiskLevel(risk_level), notes=reason.strip(), created_at=ctx.now(),
                                tool_id=tool.id, tool_version=tool.version)
    s.add(assessment)
    s.flush()
    return assessment


def _link_group_person(s: Session, group_id: int, person_id: int, role: str) -> None:
    link = s.get(GroupPerson, (group_id, person_id))
    if link is None:
        s.add(GroupPerson(group_id=group_id, person_id=person_id, role=role.strip()))
    elif role.strip():
        link.role = role.strip()


def _write_dash(s: Session, ctx: ServiceContext, case_id: int, dash: DashChecklist, on: date,
                rules: PanelRules) -> RiskAssessment:
    tool = risk_tool(DASH_2009)
    assessment = RiskAssessment(kind=AssessmentKind.DASH, case_id=case_id, assessed_on=on,
                                assessor=dash.assessor.strip(), score=dash.yes_count,
                                risk_level=rules.dash_band(dash.yes_count, tool.id),
                                notes=dash.notes.strip(), created_at=ctx.now(),
                                tool_id=tool.id, tool_version=tool.version)
    for i, item in enumerate(dash.answers, 1):
        assessment.answers.append(RiskAnswer(item=dash_item(i), value=item.answer.value, source=item.source.strip()))
    s.add(assessment)
    s.flush()
    return assessment


def _write_threat(s: Session, ctx: ServiceContext, case_id: int | None, group_id: int | None,
                  values: Mapping[str, int], on: date, assessor: str, template: ThreatTemplate,
                  notes: str = "") -> RiskAssessment:
    score = template.score(values)
    assessment = RiskAssessment(kind=AssessmentKind.THREAT_HARM, case_id=case_id, group_id=group_id, assessed_on=on,
                                assessor=assessor.strip(), score=score, risk_level=template.level(score),
                                notes=notes.strip() or template.name, created_at=ctx.now())
    for f in template.factors:
        assessment.answers.append(RiskAnswer(item=f.key, value=str(values[f.key]), source=""))
    s.add(assessment)
    s.flush()
    return assessment


def _create(ctx: ServiceContext, s: Session, draft: ReferralDraft, *, require_agency: bool = True,
            rules: PanelRules | None = None, checked: bool = False) -> CreatedReferral:
    """Write ``draft``. ``rules``: the panel's, when the caller has read them already (an import
    writing many rows). ``checked``: the caller has just checked the draft (an import checks every
    row first): a draft that links nothing held is not checked again — one that links someone is,
    since their reach is the user's right to see them, read in this transaction."""
    rules = rules if rules is not None and rules.panel_id == draft.panel_id else _rules(s, draft.panel_id)
    if not checked or next(_linked_records(draft, ""), None) is not None:
        problems = draft_problems(s, ctx, draft, rules, require_agency=require_agency)
        if problems:
            raise ReferralInvalid(problems)
    now = ctx.now()
    people = _People(s, ctx)
    links: list[tuple[int, PersonRole, dict[str, str]]] = []
    child_details: dict[int, ChildDetails] = {}  # person id → the child's details (MARAC)
    subject_kind = SubjectKind.PERSON
    subject_person_id = group_id = location_id = None
    risk: RiskLevel | None = None
    repeat: RepeatInfo | None = None
    criteria: MaracCriteria | None = None
    extra: dict[str, Any] = {}
    flags: frozenset[VulnerabilityFlag] = frozenset()
    reason = draft.reason.strip()

    if isinstance(draft, MaracDraft):
        victim_id = people.resolve(draft.victim)
        subject_person_id = victim_id
        if draft.victim.is_link:
            repeat = _check_repeat(s, rules, victim_id, draft.referral_date)
        criteria = marac_criteria(draft, rules, repeat=repeat is not None)
        first_relationship = draft.perpetrators[0].relationship_to_victim.strip() if draft.perpetrators else ""
        links.append((victim_id, PersonRole.VICTIM, {"relationship_to_perpetrator": first_relationship}))
        for perp in draft.perpetrators:
            links.append((people.resolve(perp.person), PersonRole.PERPETRATOR,
                          {"relationship_to_victim": perp.relationship_to_victim.strip()}))
        for child in draft.children:
            child_id = people.resolve(child.person)
            child_details.setdefault(child_id, child.details())
            links.append((child_id, PersonRole.CHILD,
                          {"relationship_to_victim": child.relationship_to_victim.strip(),
                           "relationship_to_perpetrator": child.relationship_to_perpetrator.strip(),
                           "school": child.school.strip()}))
        risk = criteria.risk_level
        extra = dict(
            crit_visible_high_risk=criteria.visible_high_risk, crit_professional_judgement=criteria.professional_judgement,
            professional_judgement_reason=draft.professional_judgement_reason.strip() if draft.professional_judgement
            else "", crit_escalation=criteria.potential_escalation, police_incidents_12m=draft.police_incidents_12m,
            crit_repeat=criteria.repeat, victim_aware=draft.victim_aware, consent_given=draft.consent_given,
            lawful_basis=draft.lawful_basis.strip(), children_count=draft.children_count,
            victim_age_band=draft.victim_age_band.strip(),
        )
    elif isinstance(draft, CsvgDraft):
        risk, flags = draft.risk_level, draft.flags
        reason = draft.presenting_issues.strip() or reason
        if draft.person is not None:
            subject_person_id = people.resolve(draft.person)
            links.append((subject_person_id, PersonRole.SUBJECT, {}))
            if draft.person.is_link:
                repeat = _check_repeat(s, rules, subject_person_id, draft.referral_date)
        else:
            assert draft.household is not None
            subject_kind, group_id = SubjectKind.GROUP, _group(s, ctx, draft.household, GroupKind.HOUSEHOLD)
        for row in draft.household_members:
            pid = people.resolve(row.person)
            if group_id is not None:
                _link_group_person(s, group_id, pid, row.role)
            links.append((pid, row.case_role or PersonRole.HOUSEHOLD_MEMBER, {"notes": row.role.strip()}))
    elif isinstance(draft, SocpDraft):
        subject_kind, group_id = SubjectKind.GROUP, _group(s, ctx, draft.ocg, GroupKind.OCG)
        for row in draft.nominals:
            pid = people.resolve(row.person)
            _link_group_person(s, group_id, pid, row.role)
            links.append((pid, row.case_role or PersonRole.NOMINAL, {"notes": row.role.strip()}))
    elif isinstance(draft, CarmDraft):
        risk, flags = draft.risk_level, draft.flags
        if draft.young_person is not None:
            subject_person_id = people.resolve(draft.young_person)
            links.append((subject_person_id, PersonRole.SUBJECT, {}))
            if draft.young_person.is_link:
                repeat = _check_repeat(s, rules, subject_person_id, draft.referral_date)
        elif draft.peer_group is not None:
            subject_kind, group_id = SubjectKind.GROUP, _group(s, ctx, draft.peer_group, GroupKind.PEER_GROUP)
        else:
            assert draft.place is not None
            subject_kind = SubjectKind.LOCATION
            if draft.place.existing_location_id is not None:
                location_id = draft.place.existing_location_id
            else:
                place = draft.place
                loc = Location(name=place.name.strip(), name_norm=normalise_name(place.name), kind=place.kind.strip(),
                               address=place.address.strip(), postcode=place.postcode.strip().upper(),
                               created_at=now)
                s.add(loc)
                s.flush()
                location_id = loc.id
        for row in draft.linked:
            pid = people.resolve(row.person)
            if group_id is not None:
                _link_group_person(s, group_id, pid, row.role)
            if location_id is not None and s.get(LocationPerson, (location_id, pid)) is None:
                s.add(LocationPerson(location_id=location_id, person_id=pid, role=row.role.strip()))
            links.append((pid, row.case_role or PersonRole.ASSOCIATE, {"notes": row.role.strip()}))

    reference, seq = _next_reference(s, rules, draft.referral_date.year)
    case_ = Case(
        panel_id=rules.panel_id, reference=reference, ref_year=draft.referral_date.year, ref_seq=seq,
        referral_date=draft.referral_date, referring_agency_id=draft.referring_agency_id,
        referrer_name=draft.referrer_name.strip(), reason=reason, summary=draft.summary.strip(),
        subject_kind=subject_kind, subject_person_id=subject_person_id, subject_group_id=group_id,
        subject_location_id=location_id, status=CaseStatus.RECEIVED,
        repeat_of_case_id=repeat.case_id if repeat is not None else None, risk_level=risk,
        created_at=now, updated_at=now, **extra,
    )
    s.add(case_)
    s.flush()
    refresh_subject_sort(s, [case_.id])
    people.keep_history(case_.id)
    seen: set[tuple[int, PersonRole]] = set()
    for pid, role, details in links:
        if (pid, role) in seen:
            continue  # the same person twice in one role (a linked id typed twice)
        seen.add((pid, role))
        link = CasePerson(case_id=case_.id, person_id=pid, role=role, **details)
        s.add(link)
        if role is PersonRole.CHILD and pid in child_details and child_details[pid] != ChildDetails(
                education_setting=link.school):
            write_child_details(s, link, child_details[pid])
    for flag in sorted(flags):
        s.add(CaseFlag(case_id=case_.id, flag=flag))
    s.add(CaseStatusChange(case_id=case_.id, from_status=None, to_status=CaseStatus.RECEIVED, reason="", at=now,
                           by_user_id=ctx.actor.user_id))
    relisted: list[RepeatRelisted] = []
    if subject_person_id is not None and subject_person_id not in people.created:
        # Repeats are worked out from dates, both ways: this referral may repeat an earlier one,
        # and (back-dated) it may be the earlier referral of one already held. (A person made by
        # this referral has no other: nothing to work out — what made a long import slow.)
        relisted = [r for r in relist_repeats(ctx, s, rules.panel_id, [subject_person_id]) if r.case_id != case_.id]
        repeat = _repeat_info(s, rules, case_.repeat_of_case_id)
    assessment_id = None
    if isinstance(draft, MaracDraft) and draft.dash is not None:
        assessment_id = _write_dash(s, ctx, case_.id, draft.dash, draft.dash.assessed_on or draft.referral_date,
                                    rules).id
    elif isinstance(draft, MaracDraft) and draft.risk_tool_id == PROFESSIONAL_JUDGEMENT:
        assessment_id = _write_judgement(s, ctx, case_.id, draft.referral_date, draft.referrer_name, RiskLevel.HIGH,
                                         draft.professional_judgement_reason).id
    elif isinstance(draft, MaracDraft) and draft.dash_score_only is not None:
        n, tool = draft.dash_score_only, risk_tool(SCORE_ONLY)
        assessment = RiskAssessment(kind=AssessmentKind.DASH, case_id=case_.id, assessed_on=draft.referral_date,
                                    assessor=draft.referrer_name.strip(), score=n,
                                    risk_level=rules.dash_band(n, tool.id),
                                    notes=DASH_SCORE_ONLY, created_at=now, tool_id=tool.id, tool_version=tool.version)
        s.add(assessment)
        s.flush()
        assessment_id = assessment.id
    elif isinstance(draft, SocpDraft):
        assessment = _write_threat(s, ctx, case_.id, group_id, draft.threat_scores, draft.referral_date,
                                   draft.assessor, rules.threat_template)
        assessment_id = assessment.id
        case_.risk_level = risk = assessment.risk_level
    elif isinstance(draft, (CsvgDraft, CarmDraft)) and risk is not None:
        kind = rules.asks.assessment if rules.asks is not None else AssessmentKind.CONTEXTUAL  # the domain's
        assessment = RiskAssessment(kind=kind, case_id=case_.id, assessed_on=draft.referral_date,
                                    assessor=draft.referrer_name.strip(), risk_level=risk, created_at=now)
        s.add(assessment)
        s.flush()
        assessment_id = assessment.id
    s.flush()
    audit.record(s, ctx.actor, AuditKind.CREATE, "case", case_.id, {
        "reference": reference, "panel_id": rules.panel_id, "referral_date": draft.referral_date,
        "subject_kind": subject_kind.value, "subject_person_id": subject_person_id, "subject_group_id": group_id,
        "subject_location_id": location_id, "created_person_ids": people.created,
        "contact_updated_person_ids": people.contact_updated,
        "repeat_of": repeat.reference if repeat is not None else None,
        "risk_level": risk.value if risk is not None else None,
    }, at=now)
    return CreatedReferral(case_.id, reference, rules.panel_id, CaseStatus.RECEIVED, risk, repeat, criteria,
                           subject_person_id, tuple(people.created), assessment_id, tuple(relisted))


def _repeat_info(s: Session, rules: PanelRules, case_id: int | None) -> RepeatInfo | None:
    if case_id is None:
        return None
    found = s.execute(select(Case.id, Case.reference, Case.referral_date, Case.status)
                      .where(Case.id == case_id)).one()
    return RepeatInfo(found.id, found.reference, found.referral_date, CaseStatus(found.status),
                      rules.repeat_window_months)


def dash_from_values(values: Sequence[str], sources: Sequence[str] = ()) -> DashChecklist:
    """Convenience for tests and imports: ``["yes", "no", …]`` → a checklist."""
    srcs = list(sources) + [""] * (len(values) - len(sources))
    return DashChecklist(answers=tuple(DashItem(DashAnswer(v), src) for v, src in zip(values, srcs, strict=True)))



