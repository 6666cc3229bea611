"""Writing a long referral log in bulk (issue 17: a good 100,000-row log imports in minutes, not the
hour and a half the form's save took at ~60 ms a row).

:func:`write_marac_bulk` writes MARAC rows already checked by the import (the same validation) with
the same domain rules as the form's ``_create`` — the people and their search keys (normalised
names, sound keys), the case with its reference (the panel's next numbers per year, in the file's
order), the repeats from dates (:func:`cspdesk.domain.repeats.repeat_links`), the criteria and
risk level, the victim, perpetrators and children linked, the status history, the DASH (answers,
score only or professional judgement), and the cases' search and sort keys — but as a few multi-row INSERTs (``executemany`` / insertmanyvalues with RETURNING, on
SQLite and PostgreSQL alike) inside the import's one transaction, not a flush a record.

Audit: one entry for the import (written by the caller, naming the count and every reference);
the chain does not need one a case. Rows it cannot write this way (a victim already held, whose
contact details and household the form's save works out) are left to the caller, which writes
them row by row afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from cspdesk.domain.enums import AssessmentKind, CaseStatus, PersonRole, RiskLevel, SubjectKind
from cspdesk.domain.children import ChildDetails
from cspdesk.domain.referrals import DASH_SCORE_ONLY, MaracDraft, PanelRules, PersonDraft
from cspdesk.domain.referrals import draft_criteria as marac_criteria
from cspdesk.domain.repeats import ReferralDate, repeat_links
from cspdesk.domain.risk_tools import DASH_2009, PROFESSIONAL_JUDGEMENT, SCORE_ONLY, risk_tool
from cspdesk.domain.rules import case_reference, dash_item, last_word, name_key, normalise_name
from cspdesk.services.context import ServiceContext
from cspdesk.services.referrals.referrals import new_person_values
from cspdesk.storage.models import (
    Case,
    CasePerson,
    CaseStatusChange,
    Panel,
    Person,
    PersonAlias,
    RiskAnswer,
    RiskAssessment,
)
from cspdesk.storage.search_keys import refresh_search_keys
from cspdesk.storage.sort_keys import refresh_case_sort_keys, refresh_subject_sort

#: Rows per INSERT round (bound parameters stay within every engine's limits).
CHUNK = 2_000


@dataclass(frozen=True)
class BulkRow:
    """One row to write: its number in the file, its draft, and (``same_as_row``) the earlier row
    of the file whose victim this is."""

    number: int
    draft: MaracDraft
    same_as_row: int | None = None


@dataclass(frozen=True)
class BulkWritten:
    number: int
    case_id: int
    reference: str
    person_id: int
    #: What the row's report says besides (a perpetrator or child linked from the victim's earlier row).
    notes: tuple[str, ...] = ()


def can_write_in_bulk(draft: object) -> bool:
    """A MARAC draft whose people are all new (or the victim of an earlier row of the file), and
    whose children carry no more than a school: a child's own-right details (children's services,
    Operation Encompass: issue 19) are kept by the form's save, so such a row is written that way."""
    if not isinstance(draft, MaracDraft) or draft.victim.existing_person_id is not None:
        return False
    marac: MaracDraft = draft
    if any(c.details() != ChildDetails(education_setting=c.school) for c in marac.children):
        return False
    return (all(p.person.existing_person_id is None for p in marac.perpetrators)
            and all(c.person.existing_person_id is None for c in marac.children))


def _insert_ids(s: Session, model: Any, values: Sequence[dict[str, Any]]) -> list[int]:
    """INSERT every row, returning their ids in the order given."""
    ids: list[int] = []
    for start in range(0, len(values), CHUNK):
        chunk = values[start:start + CHUNK]
        ids += s.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), list(chunk)).all()
    return ids


def _insert(s: Session, model: Any, values: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(values), CHUNK):
        s.execute(insert(model), list(values[start:start + CHUNK]))


def _repeats_in_file(rows: Sequence[BulkRow], window_months: int) -> dict[int, int | None]:
    """Each row's number → the number of the row it repeats (or None), by the domain's rule from
    dates (the victims are new, so the file holds all their referrals; row numbers stand in for
    case ids, which follow the file's order)."""
    referrals = {ReferralDate(r.draft.referral_date, r.number,
                              r.same_as_row if r.same_as_row is not None else r.number) for r in rows}
    return repeat_links(referrals, window_months)


def write_marac_bulk(ctx: ServiceContext, s: Session, rules: PanelRules, rows: Sequence[BulkRow]) -> list[BulkWritten]:
    """Write ``rows`` (each :func:`can_write_in_bulk`, already checked) to ``rules``' panel inside
    the caller's transaction; returns each row's case, in the rows' order."""
    if not rows:
        return []
    now = ctx.now()
    # 1. The people: each row's victim (unless an earlier row's), perpetrators and children. On a
    #    repeat, the perpetrators and children on the victim's earlier rows are linked again, not
    #    made twice, as the form's save links a held household (same name; the same date of birth
    #    where both give one).
    people: list[dict[str, Any]] = []
    aliases: list[tuple[int, str]] = []  # (index in people, alias)
    victim_at: dict[int, int] = {}  # row → index in people of its victim
    others: dict[int, list[int]] = {}  # row → index in people of each perpetrator, then each child
    household: dict[int, list[tuple[PersonRole, int]]] = {}  # victim's index → (role, index) on their rows
    notes: dict[int, list[str]] = {}

    def add(p: PersonDraft) -> int:
        aliases.extend((len(people), a) for a in p.aliases)
        people.append(new_person_values(p, now))
        return len(people) - 1

    for r in rows:
        repeat_of_row = r.same_as_row is not None
        victim = victim_at[r.same_as_row] if repeat_of_row else add(r.draft.victim)  # type: ignore[index]
        victim_at[r.number] = victim
        known = household.setdefault(victim, [])
        chosen: list[int] = []
        for role, p in [*((PersonRole.PERPETRATOR, x.person) for x in r.draft.perpetrators),
                        *((PersonRole.CHILD, x.person) for x in r.draft.children)]:
            held = _held_as(people, known, role, p) if repeat_of_row and p.family_name.strip() else None
            if held is not None:
                notes.setdefault(r.number, []).append(f"{p.given_name} {p.family_name} is already held on the "
                                                      "victim's earlier case: linked, not made twice.")
                chosen.append(held)
            else:
                chosen.append(add(p))
        known += [(role, i) for role, i in zip([PersonRole.PERPETRATOR] * len(r.draft.perpetrators)
                                               + [PersonRole.CHILD] * len(r.draft.children), chosen, strict=True)]
        others[r.number] = chosen
    person_ids = _insert_ids(s, Person, people)
    _insert(s, PersonAlias, [dict(person_id=person_ids[i], alias=a.strip(), alias_norm=normalise_name(a),
                                  alias_key=name_key(last_word(a))) for i, a in aliases])
    victim_of = {number: person_ids[i] for number, i in victim_at.items()}
    # 2. The cases: references numbered on from the panel's last of each year, in the file's order.
    s.execute(select(Panel.id).where(Panel.id == rules.panel_id).with_for_update())
    years = sorted({r.draft.referral_date.year for r in rows})
    top = dict(s.execute(select(Case.ref_year, func.max(Case.ref_seq)).where(
        Case.panel_id == rules.panel_id, Case.ref_year.in_(years)).group_by(Case.ref_year)).all())
    repeats = _repeats_in_file(rows, rules.repeat_window_months)
    cases: list[dict[str, Any]] = []
    references: list[str] = []
    for r in rows:
        d = r.draft
        year = d.referral_date.year
        seq = top[year] = (top.get(year) or 0) + 1
        references.append(case_reference(rules.ref_prefix, year, seq))
        criteria = marac_criteria(d, rules, repeat=repeats.get(r.number) is not None)
        cases.append(dict(
            panel_id=rules.panel_id, reference=references[-1], ref_year=year, ref_seq=seq,
            referral_date=d.referral_date, referring_agency_id=d.referring_agency_id,
            referrer_name=d.referrer_name.strip(), reason=d.reason.strip(), summary=d.summary.strip(),
            subject_kind=SubjectKind.PERSON, subject_person_id=victim_of[r.number], subject_group_id=None,
            subject_location_id=None, status=CaseStatus.RECEIVED, repeat_of_case_id=None,
            risk_level=criteria.risk_level, created_at=now, updated_at=now,
            crit_visible_high_risk=criteria.visible_high_risk, crit_professional_judgement=criteria.professional_judgement,
            professional_judgement_reason=d.professional_judgement_reason.strip() if d.professional_judgement else "",
            crit_escalation=criteria.potential_escalation, police_incidents_12m=d.police_incidents_12m,
            crit_repeat=criteria.repeat, victim_aware=d.victim_aware, consent_given=d.consent_given,
            lawful_basis=d.lawful_basis.strip(), children_count=d.children_count,
            victim_age_band=d.victim_age_band.strip()))
    case_ids = _insert_ids(s, Case, cases)
    case_of = dict(zip((r.number for r in rows), case_ids, strict=True))
    # Core, not the ORM's bulk update: a case's version counter stays at the 1 of a new case, as
    # the form's save (which knows the repeat as it inserts) leaves it.
    table = cast(Table, Case.__table__)
    set_repeat = update(table).where(table.c.id == bindparam("case")).values(repeat_of_case_id=bindparam("earlier"))
    repeat_rows = [dict(case=case_of[n], earlier=case_of[e]) for n, e in repeats.items() if e is not None]
    for start in range(0, len(repeat_rows), CHUNK):
        s.connection().execute(set_repeat, repeat_rows[start:start + CHUNK])
    # 3. The case's people, its first status, its risk assessment.
    links: list[dict[str, Any]] = []
    statuses: list[dict[str, Any]] = []
    assessments: list[dict[str, Any]] = []
    answers_of: list[tuple[int, MaracDraft]] = []  # (index in assessments, draft with DASH answers)
    for r, case_id in zip(rows, case_ids, strict=True):
        d = r.draft
        links_of = [(victim_of[r.number], PersonRole.VICTIM, dict(
            relationship_to_perpetrator=d.perpetrators[0].relationship_to_victim.strip() if d.perpetrators else ""))]
        made = iter(others[r.number])
        links_of += [(person_ids[next(made)], PersonRole.PERPETRATOR,
                      dict(relationship_to_victim=perp.relationship_to_victim.strip())) for perp in d.perpetrators]
        links_of += [(person_ids[next(made)], PersonRole.CHILD,
                      dict(relationship_to_victim=child.relationship_to_victim.strip(),
                           relationship_to_perpetrator=child.relationship_to_perpetrator.strip(),
                           school=child.school.strip())) for child in d.children]
        seen: set[tuple[int, PersonRole]] = set()
        for pid, role, details in links_of:
            if (pid, role) not in seen:  # the same person twice in one role: one link, as the form's save
                seen.add((pid, role))
                links.append(dict(case_id=case_id, person_id=pid, role=role, **details))
        statuses.append(dict(case_id=case_id, from_status=None, to_status=CaseStatus.RECEIVED, reason="", at=now,
                             by_user_id=ctx.actor.user_id))
        assessment = _assessment(d, rules, case_id, now)
        if assessment is not None:
            if d.dash is not None:
                answers_of.append((len(assessments), d))
            assessments.append(assessment)
    _insert(s, CasePerson, links)
    _insert(s, CaseStatusChange, statuses)
    assessment_ids = _insert_ids(s, RiskAssessment, assessments)
    _insert(s, RiskAnswer, [dict(assessment_id=assessment_ids[i], item=dash_item(n), value=item.answer.value,
                                 source=item.source.strip())
                            for i, d in answers_of for n, item in enumerate(d.dash.answers, 1)])  # type: ignore[union-attr]
    # 4. The keys the session would have written at each flush: search words, subject and list
    #    sort keys. (The repeats are the domain's, from dates, set above: relist_repeats, which
    #    the form's save asks, would find nothing to change.)
    refresh_subject_sort(s, case_ids)
    refresh_case_sort_keys(s, case_ids)
    refresh_search_keys(s, case_ids)
    return [BulkWritten(r.number, cid, ref, victim_of[r.number], tuple(notes.get(r.number, ())))
            for r, cid, ref in zip(rows, case_ids, references, strict=True)]


def _held_as(people: Sequence[dict[str, Any]], known: Sequence[tuple[PersonRole, int]], role: PersonRole,
             p: PersonDraft) -> int | None:
    """The person on the victim's earlier rows in ``role`` with ``p``'s name (and date of birth,
    where both give one), as the import links a held household."""
    given, family = normalise_name(p.given_name), normalise_name(p.family_name)
    for r_role, i in known:
        held = people[i]
        if (r_role is role and held["given_norm"] == given and held["family_norm"] == family
                and (held["date_of_birth"] is None or p.date_of_birth is None
                     or held["date_of_birth"] == p.date_of_birth)):
            return i
    return None


def _assessment(d: MaracDraft, rules: PanelRules, case_id: int, now: Any) -> dict[str, Any] | None:
    """The row's risk assessment, as the form's save writes it (DASH answers, professional judgement
    only, or a score without answers)."""
    if d.dash is not None:
        tool = risk_tool(DASH_2009)
        return dict(kind=AssessmentKind.DASH, case_id=case_id, assessed_on=d.dash.assessed_on or d.referral_date,
                    assessor=d.dash.assessor.strip(), score=d.dash.yes_count,
                    risk_level=rules.dash_band(d.dash.yes_count, tool.id), notes=d.dash.notes.strip(),
                    created_at=now, tool_id=tool.id, tool_version=tool.version)
    if d.risk_tool_id == PROFESSIONAL_JUDGEMENT:
        tool = risk_tool(PROFESSIONAL_JUDGEMENT)
        return dict(kind=AssessmentKind.DASH, case_id=case_id, assessed_on=d.referral_date,
                    assessor=d.referrer_name.strip(), risk_level=RiskLevel.HIGH,
                    notes=d.professional_judgement_reason.strip(), created_at=now, tool_id=tool.id,
                    tool_version=tool.version)
    if d.dash_score_only is not None:
        tool = risk_tool(SCORE_ONLY)
        return dict(kind=AssessmentKind.DASH, case_id=case_id, assessed_on=d.referral_date,
                    assessor=d.referrer_name.strip(), score=d.dash_score_only,
                    risk_level=rules.dash_band(d.dash_score_only, tool.id), notes=DASH_SCORE_ONLY, created_at=now,
                    tool_id=tool.id, tool_version=tool.version)
    return None
