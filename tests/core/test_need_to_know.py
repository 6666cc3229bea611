"""Need to know that holds against insiders (issue 22, items 1 and 3): a user links, matches and
finds only people and groups on their own panels; references are answered alike whether they
exist elsewhere or not at all. Real encrypted files and the real PostgreSQL server."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.actions_helpers import act_as
from core.referral_setup import TODAY, coordinator, intake  # noqa: F401 - the fixture
from cspdesk.domain.enums import GroupKind, RiskLevel
from cspdesk.domain.rules import name_key, normalise_name
from cspdesk.services.papers.action_papers import ActionPapersService
from cspdesk.services.context import Actor
from cspdesk.services.errors import NotFound, ValidationError
from cspdesk.services.records_io.referral_import import import_referrals
from cspdesk.services.referrals.referrals import (
    CsvgDraft,
    GroupDraft,
    LinkedPersonDraft,
    MaracDraft,
    PersonDraft,
    ReferralInvalid,
    ReferralService,
    SocpDraft,
)
from cspdesk.services.papers.returns import ReturnService
from cspdesk.storage.models import AuditEvent, Case, GroupPerson, Person, SubjectGroup

MISSING = 987_654_321


def _marac(it, **changes) -> MaracDraft:  # noqa: ANN001
    values = dict(panel_id=it.marac, referral_date=TODAY - timedelta(days=1), referring_agency_id=it.police,
                  reason="Assault", victim=PersonDraft(given_name="Sarah", family_name="Quenby",
                                                       date_of_birth=date(1990, 5, 1), phone="07700 900123",
                                                       address="1 Hidden Road"),
                  professional_judgement=True, professional_judgement_reason="Threats to kill",
                  consent_given=True)
    values.update(changes)
    return MaracDraft(**values)


def _csvg(it, person: PersonDraft) -> CsvgDraft:  # noqa: ANN001
    return CsvgDraft(panel_id=it.csvg, referral_date=TODAY - timedelta(days=1), referring_agency_id=it.housing,
                     reason="Hoarding", person=person, risk_level=RiskLevel.MEDIUM)


def _counts(ctx) -> tuple[int, int, int]:  # noqa: ANN001
    with ctx.reading() as s:
        return (s.scalar(select(func.count()).select_from(Case)), s.scalar(select(func.count()).select_from(Person)),
                s.scalar(select(func.count()).select_from(AuditEvent)))


def test_a_coordinator_cannot_link_another_panels_victim(intake) -> None:  # noqa: F811
    """The CSVG coordinator of the issue: a MARAC victim linked by id to a CSVG case (and her
    phone changed through the link) is refused, in the words a missing id gets."""
    ctx = intake.ctx
    victim = ReferralService(ctx).create(_marac(intake)).value.subject_person_id
    ctx.actor = coordinator(intake.coordinator_id, intake.csvg)
    service = ReferralService(ctx)
    before = _counts(ctx)
    refusals = []
    for pid in (victim, MISSING):
        link = PersonDraft(existing_person_id=pid, update_contact=True, phone="07700 900999")
        with pytest.raises(ReferralInvalid) as err:
            service.create(_csvg(intake, link))
        refusals.append([(p.field, p.message) for p in err.value.problems])
        assert [(p.field, p.message) for p in service.validate(_csvg(intake, link))] == refusals[-1]
    assert refusals[0] == refusals[1] and refusals[0][0][0] == "person.existing_person_id"
    assert _counts(ctx) == before
    with ctx.reading() as s:
        assert s.get(Person, victim).phone == "07700 900123"
    # Her history on the panel is not the coordinator's to ask about either.
    for pid in (victim, MISSING):
        with pytest.raises(NotFound, match="not on a panel you are a member of"):
            service.check_repeat(intake.csvg, pid, TODAY)
    # On her own panel she is linked as before.
    ctx.actor = coordinator(intake.coordinator_id, intake.marac)
    again = ReferralService(ctx).create(_marac(intake, victim=PersonDraft(existing_person_id=victim))).value
    assert again.subject_person_id == victim


def test_another_panels_ocg_is_neither_linked_nor_found_by_name(intake) -> None:  # noqa: F811
    ctx = intake.ctx
    socp = SocpDraft(panel_id=intake.socp, referral_date=TODAY - timedelta(days=1), referring_agency_id=intake.police,
                     reason="Supply", ocg=GroupDraft(name="Eastside Crew", reference="OCG-0042"),
                     nominals=(LinkedPersonDraft(person=PersonDraft(given_name="Ed", family_name="Vance")),),
                     threat_scores={"harm": 3, "likelihood": 3, "position": 2, "reach": 2})
    case_id = ReferralService(ctx).create(socp).value.case_id
    with ctx.reading() as s:
        group = s.scalar(select(Case.subject_group_id).where(Case.id == case_id))
    # A CSVG coordinator cannot hang a case on the SOCP's OCG by its id…
    ctx.actor = coordinator(intake.coordinator_id, intake.csvg)
    household = [ReferralService(ctx).validate(CsvgDraft(
        panel_id=intake.csvg, referral_date=TODAY - timedelta(days=1), reason="x", risk_level=RiskLevel.MEDIUM,
        household=GroupDraft(existing_group_id=gid))) for gid in (group, MISSING)]
    assert household[0] == household[1] and household[0][0].field == "household.existing_group_id"
    # …nor find it by its reference to print its plan.
    answers = []
    for ref in ("OCG-0042", "OCG-9999"):
        with pytest.raises(NotFound) as err:
            ActionPapersService(ctx).ocg_id(ref)
        answers.append(str(err.value).replace(ref, "REF"))
    assert answers[0] == answers[1]
    ctx.actor = coordinator(intake.coordinator_id, intake.socp)
    assert ActionPapersService(ctx).ocg_id("ocg-0042") == group


def test_matches_offer_only_people_on_the_users_panels(intake) -> None:  # noqa: F811
    """A nominal held only as a member of the SOCP's OCG (no case of their own) was offered to
    every panel's users, with their date of birth."""
    ctx = intake.ctx
    socp = SocpDraft(panel_id=intake.socp, referral_date=TODAY - timedelta(days=1), referring_agency_id=intake.police,
                     reason="Supply", ocg=GroupDraft(name="Westside"),
                     nominals=(LinkedPersonDraft(person=PersonDraft(given_name="Dale", family_name="Orrick")),),
                     threat_scores={"harm": 3, "likelihood": 3, "position": 2, "reach": 2})
    case_id = ReferralService(ctx).create(socp).value.case_id
    with ctx.unit_of_work() as s:
        group = s.scalar(select(Case.subject_group_id).where(Case.id == case_id))
        member = Person(given_name="Tilly", family_name="Orrick", given_norm=normalise_name("Tilly"),
                        family_norm=normalise_name("Orrick"), given_key=name_key("Tilly"),
                        family_key=name_key("Orrick"), date_of_birth=date(1999, 9, 9), created_at=ctx.now())
        s.add(member)
        s.flush()
        s.add(GroupPerson(group_id=group, person_id=member.id, role="runner"))
        orphan = Person(given_name="Ola", family_name="Orrick", given_norm=normalise_name("Ola"),
                        family_norm=normalise_name("Orrick"), given_key=name_key("Ola"),
                        family_key=name_key("Orrick"), created_at=ctx.now())
        s.add(orphan)
        s.flush()
        member_id, orphan_id = member.id, orphan.id
    for given in ("Tilly", "Dale", "Ola"):
        ctx.actor = coordinator(intake.coordinator_id, intake.csvg, intake.marac, intake.carm)
        assert ReferralService(ctx).find_people(given, "Orrick") == []
        ctx.actor = coordinator(intake.coordinator_id, intake.socp)
        offered = {m.person_id for m in ReferralService(ctx).find_people(given, "Orrick")}
        assert (orphan_id in offered) is False and (given != "Tilly" or member_id in offered)
    ctx.actor = Actor.local_owner()
    assert orphan_id in {m.person_id for m in ReferralService(ctx).find_people("Ola", "Orrick")}


def test_a_file_naming_person_ids_is_refused_whole(intake, tmp_path: Path) -> None:  # noqa: F811
    """The import of the issue: referral_date,person_id rows for ids 1–20 linked MARAC victims to
    CSVG cases. A person_id column is now refused, named, and nothing is written."""
    ctx = intake.ctx
    victim = ReferralService(ctx).create(_marac(intake)).value.subject_person_id
    ctx.actor = coordinator(intake.coordinator_id, intake.csvg)
    path = tmp_path / "ids.csv"
    path.write_text("referral_date,person_id,risk_level,phone\n"
                    + "".join(f"01/06/2026,{pid},Medium,07700 900999\n" for pid in range(1, victim + 3)),
                    encoding="utf-8")
    before = _counts(ctx)
    with pytest.raises(ValidationError) as err:
        import_referrals(ctx, path, intake.csvg, good_rows_only=True)
    assert err.value.field == "person_id" and "person_id" in str(err.value)
    assert _counts(ctx) == before
    with ctx.reading() as s:
        assert s.get(Person, victim).phone == "07700 900123"


def test_a_panel_name_is_answered_alike_whether_it_exists_or_not(demo_ctx) -> None:
    act_as(demo_ctx, "officer.idva")  # MARAC only
    service = ReturnService(demo_ctx)
    answers = []
    for name in ("Maidstone CSVG", "Nowhere Panel"):
        with pytest.raises(NotFound) as err:
            service.panel_id_by_name(name)
        answers.append(str(err.value).replace(name, "NAME"))
    assert answers[0] == answers[1]
    assert "CSVG" not in answers[0] and "SOCP" not in answers[0] and "MARAC" in answers[0]
    assert service.panel_id_by_name("swale marac") > 0


def test_another_panels_ocg_reference_is_answered_as_missing(demo_ctx) -> None:
    with demo_ctx.reading() as s:
        reference = s.scalar(select(SubjectGroup.reference).where(SubjectGroup.kind == GroupKind.OCG,
                                                                  SubjectGroup.reference.is_not(None)).limit(1))
    act_as(demo_ctx, "officer.idva")
    answers = []
    for ref in (reference, "ZZ-404"):
        with pytest.raises(NotFound) as err:
            ActionPapersService(demo_ctx).ocg_id(ref)
        answers.append(re.sub(re.escape(repr(ref)), "REF", str(err.value)))
    assert answers[0] == answers[1]
    act_as(demo_ctx, "officer.police")  # on the SOCP
    assert ActionPapersService(demo_ctx).ocg_id(reference) > 0
