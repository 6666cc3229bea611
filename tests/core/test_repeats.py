"""Repeats are a fact about referral dates, not entry order (issue 16 item 3): the domain rule,
and every write that adds, imports, re-dates, declines or deletes a referral re-lists the links."""

from __future__ import annotations

import random
from datetime import date

import pytest
from sqlalchemy import select

from core.marac_log import make_log, write_template_csv
from core.referral_setup import TODAY, intake  # noqa: F401 - the fixture
from core.test_referrals import marac_draft
from cspdesk.domain.enums import CaseStatus
from cspdesk.domain.repeats import ReferralDate, changed_links, repeat_links
from cspdesk.services.errors import ValidationError
from cspdesk.services.records_io.referral_import import import_referrals
from cspdesk.services.referrals.referrals import PersonDraft, ReferralService
from cspdesk.storage.models import Case, Person

# --- the rule -----------------------------------------------------------------------------------


def test_the_rule_links_each_referral_to_the_same_persons_last_within_12_months() -> None:
    rows = [ReferralDate(date(2025, 1, 10), 1, 7), ReferralDate(date(2025, 6, 1), 2, 7),
            ReferralDate(date(2026, 6, 2), 3, 7),  # a year and a day after case 2: not a repeat
            ReferralDate(date(2026, 6, 1), 4, 8), ReferralDate(date(2025, 6, 1), 5, 8)]  # exactly 12 months
    links = repeat_links(rows)
    assert links == {1: None, 2: 1, 3: None, 5: None, 4: 5}
    for seed in range(5):  # any order of input, the same answer
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        assert repeat_links(shuffled) == links
    assert repeat_links(rows, window_months=3) == {1: None, 2: None, 3: None, 4: None, 5: None}


def test_changed_links_name_only_what_changed() -> None:
    changes = changed_links({1: None, 2: 1, 3: 2}, {1: None, 2: None, 3: 2, 4: 3})
    assert [(c.case_id, c.was_repeat_of, c.now_repeat_of) for c in changes] == [(2, 1, None), (4, None, 3)]


# --- importing a coordinator's log in either order -----------------------------------------------


def _repeats_on(ctx, panel_id: int) -> set[tuple[str, str, date]]:  # noqa: ANN001
    with ctx.reading() as s:
        rows = s.execute(select(Person.given_name, Person.family_name, Case.referral_date)
                         .join(Person, Person.id == Case.subject_person_id)
                         .where(Case.panel_id == panel_id, Case.repeat_of_case_id.is_not(None))).all()
    return {tuple(r) for r in rows}


def test_a_log_filed_newest_first_gives_the_same_repeats_as_oldest_first(intake, tmp_path) -> None:  # noqa: F811
    log = make_log(220, seed=16)
    assert 300 <= len(log.rows) <= 500 and 60 <= log.expected_repeats <= 200
    oldest = write_template_csv(tmp_path / "oldest.csv", log.ordered("oldest first"))
    newest = write_template_csv(tmp_path / "newest.csv", log.ordered("newest first"))
    a = import_referrals(intake.ctx, oldest, intake.marac, good_rows_only=False).value
    b = import_referrals(intake.ctx, newest, intake.marac2, good_rows_only=False).value
    assert a.committed and b.committed, (a.lines()[:8], b.lines()[:8])
    assert sum(r.repeat_of is not None for r in a.imported) == log.expected_repeats
    assert sum(r.repeat_of is not None for r in b.imported) == log.expected_repeats
    assert _repeats_on(intake.ctx, intake.marac) == _repeats_on(intake.ctx, intake.marac2) == log.repeat_keys()
    # The report's notes name the earlier referral of each repeat, whichever order the file had.
    assert sum("a repeat of MARAC-N-" in str(n) for n in b.notes) == log.expected_repeats


def test_an_import_of_earlier_referrals_relinks_cases_already_held(intake, tmp_path) -> None:  # noqa: F811
    ctx = intake.ctx
    service = ReferralService(ctx)
    later = service.create(marac_draft(intake, referral_date=date(2026, 3, 1))).value
    assert later.repeat_of is None
    path = tmp_path / "earlier.csv"
    path.write_text("referral_date,referring_agency,given_name,family_name,date_of_birth,consent_given\n"
                    "01/10/2025,Testshire Police,Sarah,Smith,01/05/1990,Yes\n", encoding="utf-8")
    report = import_referrals(ctx, path, intake.marac, good_rows_only=False, dry_run=True).value
    assert [r.message for r in report.relisted] == [f"{later.reference} is now a repeat of MARAC-2025-0001."]
    assert "Repeats that would change on cases already held:" in report.lines()
    report = import_referrals(ctx, path, intake.marac, good_rows_only=False).value
    assert [r.reference for r in report.relisted] == [later.reference]
    with ctx.reading() as s:
        assert s.get(Case, later.case_id).repeat_of_case_id == report.imported[0].case_id
        assert s.get(Case, later.case_id).crit_repeat


# --- the form, re-dating, declining and deleting -------------------------------------------------


def _referrals_of_one_victim(intake, *days: date) -> list:  # noqa: ANN001, F811
    """A referral for each day, in the order given, all of the same victim."""
    service = ReferralService(intake.ctx)
    first = service.create(marac_draft(intake, referral_date=days[0])).value
    return [first, *(service.create(marac_draft(intake, referral_date=day, victim=PersonDraft(
        existing_person_id=first.subject_person_id))).value for day in days[1:])]


def test_a_back_dated_referral_typed_after_a_later_one_links_that_later_one(intake) -> None:  # noqa: F811
    ctx = intake.ctx
    later, earlier = _referrals_of_one_victim(intake, date(2026, 5, 1), date(2025, 9, 1))
    assert earlier.repeat_of is None
    assert [(r.reference, r.was_repeat_of, r.now_repeat_of) for r in earlier.relisted] == [
        (later.reference, None, earlier.reference)]
    assert earlier.relisted[0].message == f"{later.reference} is now a repeat of {earlier.reference}."
    with ctx.reading() as s:
        assert s.get(Case, later.case_id).repeat_of_case_id == earlier.case_id
        assert s.get(Case, later.case_id).crit_repeat


def test_re_dating_a_referral_relists_the_cases_it_links(intake) -> None:  # noqa: F811
    ctx = intake.ctx
    service = ReferralService(ctx)
    first, second = _referrals_of_one_victim(intake, date(2025, 9, 1), date(2026, 5, 1))
    assert second.repeat_of.case_id == first.case_id
    moved = service.change_referral_date(first.case_id, date(2024, 12, 1), reason="typed the wrong year").value
    assert [(r.reference, r.now_repeat_of) for r in moved.relisted] == [(second.reference, None)]
    assert "no longer a repeat" in moved.relisted[0].message
    # Moved after the second: now the first repeats the second.
    moved = service.change_referral_date(first.case_id, date(2026, 6, 1), reason="the date on the form").value
    assert {(r.reference, r.now_repeat_of) for r in moved.relisted} == {(first.reference, second.reference)}
    with ctx.reading() as s:
        assert s.get(Case, first.case_id).repeat_of_case_id == second.case_id
        assert s.get(Case, second.case_id).repeat_of_case_id is None
    with pytest.raises(ValidationError) as e:
        service.change_referral_date(first.case_id, TODAY.replace(year=TODAY.year + 1), reason="x")
    assert e.value.field == "referral_date"
    with pytest.raises(ValidationError) as e:
        service.change_referral_date(first.case_id, date(2026, 1, 1), reason=" ")
    assert e.value.field == "reason"


def test_deleting_or_declining_a_referral_relists_the_cases_that_repeated_it(intake) -> None:  # noqa: F811
    ctx = intake.ctx
    service = ReferralService(ctx)
    a, b, c = _referrals_of_one_victim(intake, date(2025, 8, 1), date(2025, 12, 1), date(2026, 5, 1))
    assert (b.repeat_of.case_id, c.repeat_of.case_id) == (a.case_id, b.case_id)
    deleted = service.delete_referral(b.case_id, reason="logged twice").value
    assert [(r.reference, r.was_repeat_of, r.now_repeat_of) for r in deleted.relisted] == [
        (c.reference, b.reference, a.reference)]
    with ctx.reading() as s:
        assert s.get(Case, b.case_id) is None
        assert s.get(Case, c.case_id).repeat_of_case_id == a.case_id
    declined = service.change_status(a.case_id, CaseStatus.DECLINED, reason="below threshold").value
    assert [(r.reference, r.now_repeat_of) for r in declined.relisted] == [(c.reference, None)]
