"""Keeping repeat links true to referral dates (issue 16 item 3).

Every write that adds, imports, re-dates, declines or deletes a referral calls
:func:`relist_repeats` in its own transaction for the people concerned: the panel's referrals of
those people are worked out again by the one rule (:func:`cspdesk.domain.repeats.repeat_links`),
each case whose link changed is written and audited, and the changes come back so the user is
told which cases changed, in plain words.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.domain.enums import AuditKind, CaseStatus, PanelType, PersonRole
from cspdesk.domain.repeats import ReferralDate, changed_links, repeat_links
from cspdesk.services.audit import audit
from cspdesk.services.context import ServiceContext
from cspdesk.storage.models import Case, CasePerson, Panel


@dataclass(frozen=True)
class RepeatRelisted:
    """One case whose repeat link changed because of another referral's date."""

    case_id: int
    reference: str
    was_repeat_of: str | None
    now_repeat_of: str | None

    @property
    def message(self) -> str:
        if self.now_repeat_of is None:
            return f"{self.reference} is no longer a repeat (it was a repeat of {self.was_repeat_of})."
        if self.was_repeat_of is None:
            return f"{self.reference} is now a repeat of {self.now_repeat_of}."
        return f"{self.reference} is now a repeat of {self.now_repeat_of} (it was a repeat of {self.was_repeat_of})."


def people_of_cases(s: Session, case_ids: Collection[int]) -> set[int]:
    """The people a repeat is judged by on these cases: the subject and the victim."""
    if not case_ids:
        return set()
    ids = list(case_ids)
    people = {pid for pid in s.scalars(select(Case.subject_person_id).where(Case.id.in_(ids))) if pid is not None}
    people.update(s.scalars(select(CasePerson.person_id).where(
        CasePerson.case_id.in_(ids), CasePerson.role.in_((PersonRole.VICTIM, PersonRole.SUBJECT)))))
    return people


def relist_repeats(ctx: ServiceContext, s: Session, panel_id: int, person_ids: Iterable[int], *,
                   without_case_id: int | None = None) -> list[RepeatRelisted]:
    """Work out again, from referral dates, the repeat links of every referral of ``person_ids`` to
    ``panel_id`` (declined referrals count for nothing and are nobody's repeat), write those that
    changed, audit each, and return them. ``without_case_id``: a case about to be deleted."""
    people = sorted(set(person_ids))
    panel = s.get(Panel, panel_id)
    if not people or panel is None:
        return []
    s.flush()
    victim_rows = s.execute(
        select(CasePerson.case_id, CasePerson.person_id).join(Case, Case.id == CasePerson.case_id)
        .where(Case.panel_id == panel_id, CasePerson.person_id.in_(people),
               CasePerson.role.in_((PersonRole.VICTIM, PersonRole.SUBJECT)))).all()
    subject_rows = s.execute(select(Case.id, Case.subject_person_id).where(
        Case.panel_id == panel_id, Case.subject_person_id.in_(people))).all()
    case_ids = {cid for cid, _ in victim_rows} | {cid for cid, _ in subject_rows}
    cases = {c.id: c for c in s.scalars(select(Case).where(Case.id.in_(sorted(case_ids))))} if case_ids else {}
    counted = {cid for cid, c in cases.items() if c.status is not CaseStatus.DECLINED and cid != without_case_id}
    referrals = {ReferralDate(cases[cid].referral_date, cid, pid)
                 for cid, pid in [*victim_rows, *subject_rows] if cid in counted}
    after = {cid: None for cid in cases}
    after.update(repeat_links(referrals, panel.repeat_window_months or 12))
    if without_case_id is not None:
        after.pop(without_case_id, None)
    before = {cid: c.repeat_of_case_id for cid, c in cases.items()}
    changes = changed_links(before, after)
    if not changes:
        return []
    refs = _references(s, {v for ch in changes for v in (ch.was_repeat_of, ch.now_repeat_of) if v is not None})
    out = []
    now = ctx.now()
    for ch in changes:
        case_ = cases[ch.case_id]
        case_.repeat_of_case_id = ch.now_repeat_of
        if panel.panel_type is PanelType.MARAC:
            case_.crit_repeat = ch.now_repeat_of is not None
        case_.updated_at = now
        item = RepeatRelisted(ch.case_id, case_.reference, refs.get(ch.was_repeat_of) if ch.was_repeat_of else None,
                              refs.get(ch.now_repeat_of) if ch.now_repeat_of else None)
        audit.record(s, ctx.actor, AuditKind.UPDATE, "case", ch.case_id, {
            "reference": case_.reference,
            "changes": {"repeat_of": {"old": item.was_repeat_of, "new": item.now_repeat_of}},
            "why": "repeats worked out again from referral dates"}, at=now)
        out.append(item)
    s.flush()
    return out


def _references(s: Session, case_ids: Collection[int]) -> dict[int, str]:
    if not case_ids:
        return {}
    return dict(s.execute(select(Case.id, Case.reference).where(Case.id.in_(sorted(case_ids)))).all())


def merge_relisted(changes: Sequence[RepeatRelisted], *, leaving_out: Collection[int] = ()) -> list[RepeatRelisted]:
    """Several relistings in one transaction as one: each case's first "was" and last "now";
    cases that ended where they began, and cases in ``leaving_out`` (made by the same action), are
    left out."""
    first: dict[int, RepeatRelisted] = {}
    last: dict[int, RepeatRelisted] = {}
    for ch in changes:
        first.setdefault(ch.case_id, ch)
        last[ch.case_id] = ch
    out = []
    for cid in sorted(first):
        if cid in leaving_out or first[cid].was_repeat_of == last[cid].now_repeat_of:
            continue
        out.append(RepeatRelisted(cid, first[cid].reference, first[cid].was_repeat_of, last[cid].now_repeat_of))
    return out


__all__ = ["RepeatRelisted", "merge_relisted", "people_of_cases", "relist_repeats"]
