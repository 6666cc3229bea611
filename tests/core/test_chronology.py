"""Chronologies of a person, a case and an OCG (issue 20, item 1), on both engines: what they hold,
their order, their filters, and that another panel's events leave no trace — not even a gap."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from core.chronology_setup import ADDRESS, EARLIER_ADDRESS, PHONE, Known, make_known
from cspdesk.domain.chronology import ChronologyFilter, EventKind
from cspdesk.domain.enums import AuditKind
from cspdesk.services.people.chronology import ChronologyService, Subject
from cspdesk.services.errors import NotFound
from cspdesk.storage.models import AuditEvent


@pytest.fixture
def known(ctx) -> Known:  # noqa: ANN001
    return make_known(ctx)


def _rows(chronology) -> list[tuple]:  # noqa: ANN001
    return [(e.on.isoformat(), e.kind.value, e.case_reference, e.title) for e in chronology.events]


def test_a_persons_chronology_holds_every_event_in_order(known: Known) -> None:
    ctx = known.intake.ctx
    ctx.actor = known.user("MARAC", "CSVG", "CARM")
    got = _rows(ChronologyService(ctx).person(known.person))
    assert got == [
        ("2026-01-10", "referral", "MARAC-2026-0001", "Referred to Testshire MARAC by Testshire Police"),
        ("2026-01-10", "assessment", "MARAC-2026-0001", "DASH risk checklist, score 16, high risk"),
        ("2026-01-11", "status", "MARAC-2026-0001", "Received → Accepted"),
        # One moment: the hearing, then its decision, then the action it set.
        ("2026-01-20", "hearing", "MARAC-2026-0001", "Heard at Testshire MARAC (new)"),
        ("2026-01-20", "decision", "MARAC-2026-0001", "Decision: Continue"),
        ("2026-01-20", "action", "MARAC-2026-0001", "Action for Testshire Police: Flag the address"),
        # Two updates saved together, in the order written.
        ("2026-02-01", "action_update", "MARAC-2026-0001", "Action update: Open → Completed"),
        ("2026-02-01", "action_update", "MARAC-2026-0001", "Action update: Note"),
        ("2026-02-03", "referral", "CSVG-2026-0001", "Referred to Testshire CSVG"),
        ("2026-02-03", "status", "CSVG-2026-0001", "Received"),
        ("2026-02-03", "contact", "CSVG-2026-0001", "Contact details changed"),
        ("2026-03-05", "referral", "CARM-2026-0001", "Referred to Testshire CARM"),
    ]
    contact = next(e for e in ChronologyService(ctx).person(known.person).events if e.kind == EventKind.CONTACT)
    assert EARLIER_ADDRESS in contact.detail


@pytest.mark.parametrize("panels, references", [
    (("MARAC",), {"MARAC-2026-0001"}),
    (("MARAC", "CSVG"), {"MARAC-2026-0001", "CSVG-2026-0001"}),
    (("MARAC", "CSVG", "CARM"), {"MARAC-2026-0001", "CSVG-2026-0001", "CARM-2026-0001"}),
])
def test_users_on_one_two_and_three_panels_see_only_their_panels(known: Known, panels, references) -> None:  # noqa: ANN001
    ctx = known.intake.ctx
    ctx.actor = known.user(*panels)
    chronology = ChronologyService(ctx).person(known.person)
    assert {e.case_reference for e in chronology.events} == references
    shown = {name for _, name in chronology.panels()}
    assert shown == {f"Testshire {p}" for p in panels}
    # Not even a gap: nothing of the other panels, in any field, and the contact change made on the
    # CSVG case only for those who see CSVG.
    text = repr(chronology)
    for hidden in {"MARAC", "CSVG", "CARM"} - set(panels):
        assert f"{hidden}-2026" not in text and f"Testshire {hidden}" not in text
    assert any(e.kind == EventKind.CONTACT for e in chronology.events) == ("CSVG" in panels)


def test_a_person_on_none_of_the_users_panels_is_refused_like_one_that_does_not_exist(known: Known) -> None:
    ctx = known.intake.ctx
    ctx.actor = known.user("SOCP")  # Alex is on MARAC, CSVG and CARM only
    service = ChronologyService(ctx)
    with pytest.raises(NotFound) as hidden:
        service.person(known.person)
    with pytest.raises(NotFound) as missing:
        service.person(987_654_321)
    assert str(hidden.value) == str(missing.value)
    with pytest.raises(NotFound):
        service.case(known.cases["MARAC"])


def test_filters_by_panel_kind_and_dates(known: Known) -> None:
    ctx = known.intake.ctx
    ctx.actor = known.user("MARAC", "CSVG", "CARM")
    service = ChronologyService(ctx)
    only_csvg = service.person(known.person, ChronologyFilter(panel_ids=frozenset({known.intake.csvg})))
    assert {e.case_reference for e in only_csvg.events} == {"CSVG-2026-0001"}
    referrals = service.person(known.person, ChronologyFilter(kinds=frozenset({EventKind.REFERRAL})))
    assert [e.case_reference for e in referrals.events] == ["MARAC-2026-0001", "CSVG-2026-0001", "CARM-2026-0001"]
    january = service.person(known.person, ChronologyFilter(start=date(2026, 1, 11), end=date(2026, 1, 20)))
    assert [e.kind for e in january.events] == [EventKind.STATUS, EventKind.HEARING, EventKind.DECISION,
                                                EventKind.ACTION]


def test_a_case_and_an_ocg_have_their_own_chronologies(known: Known) -> None:
    ctx = known.intake.ctx
    ctx.actor = known.user("MARAC")
    case = ChronologyService(ctx).case(known.cases["MARAC"])
    assert case.subject == "MARAC-2026-0001"
    assert {e.case_reference for e in case.events} == {"MARAC-2026-0001"}
    assert len(case.events) == 8
    ctx.actor = known.user("SOCP")
    ocg = ChronologyService(ctx).group(known.ocg)
    assert [(e.kind, e.title) for e in ocg.events] == [
        (EventKind.REFERRAL, "Referred to Testshire SOCP"),
        (EventKind.ASSESSMENT, "Threat, risk and harm, score 30"),
        (EventKind.ACTION, "Action: Disrupt the line"),
    ]
    ctx.actor = known.user("MARAC")  # the nominal's MARAC case does not put the OCG on MARAC
    with pytest.raises(NotFound):
        ChronologyService(ctx).group(known.ocg)


def test_showing_is_audited_as_a_view_without_personal_data(known: Known) -> None:
    ctx = known.intake.ctx
    ctx.actor = known.user("MARAC")
    ChronologyService(ctx).person(known.person)
    with ctx.reading() as s:
        entry = s.execute(select(AuditEvent.kind, AuditEvent.entity, AuditEvent.entity_id, AuditEvent.details)
                          .order_by(AuditEvent.id.desc()).limit(1)).one()
    assert tuple(entry) == (AuditKind.VIEW, "person", known.person, {"report": "chronology", "events": 8})


def test_the_printed_chronology_is_marked_and_its_circulation_copy_redacted(known: Known, tmp_path: Path) -> None:
    ctx = known.intake.ctx
    ctx.actor = known.user("MARAC", "CSVG")
    service = ChronologyService(ctx)
    full = tmp_path / "full.pdf"
    service.write(Subject.person(known.person), full, invariant=True)
    text = "\n".join(p.extract_text() for p in PdfReader(full).pages)
    assert "OFFICIAL-SENSITIVE" in text and "Safer Testshire" in text
    assert "Alex Example" in text and ADDRESS in text and EARLIER_ADDRESS in text
    assert "CARM-2026" not in text
    assert PdfReader(full).metadata.title == "Chronology of a person"  # never the person's name

    copy = tmp_path / "copy.pdf"
    paper = service.write(Subject.person(known.person), copy, redacted=True, invariant=True)
    text = "\n".join(p.extract_text() for p in PdfReader(copy).pages)
    for detail in (ADDRESS, EARLIER_ADDRESS, PHONE, "ME10"):
        assert detail not in text
    assert "[address removed]" in text and "[phone removed]" in text
    assert "for circulation" in text
    assert len(paper.events) == 11
    with ctx.reading() as s:
        kind, details = s.execute(select(AuditEvent.kind, AuditEvent.details).order_by(AuditEvent.id.desc())
                                  .limit(1)).one()
    assert (kind, details["redacted"], details["file"]) == (AuditKind.PRINT, True, "copy.pdf")


def test_print_chronology_from_the_command_line(known: Known, tmp_path: Path, monkeypatch, capsys) -> None:  # noqa: ANN001
    from cspdesk import cli

    ctx = known.intake.ctx
    ctx.actor = known.user("MARAC", "CSVG", "CARM")
    dispose = ctx.store.dispose
    monkeypatch.setattr(ctx.store, "dispose", lambda: None)  # the command closes what it opened: not the test's
    monkeypatch.setattr(cli, "_open", lambda args: ctx)
    common = ["--db", "x.db", "--user", "officer"]
    out = tmp_path / "case.pdf"
    assert cli.run(cli.build_parser().parse_args(
        ["print", "chronology", "--case", "MARAC-2026-0001", "--kind", "referral", "--kind", "decision",
         "--redacted", "--out", str(out), *common])) == 0
    text = "\n".join(p.extract_text() for p in PdfReader(out).pages)
    assert "Chronology of a case" in text and "Decision: Continue" in text and "Heard at" not in text
    assert ADDRESS not in text and "[address removed]" in text
    assert "2 event(s) written" in capsys.readouterr().out
    assert cli.run(cli.build_parser().parse_args(
        ["print", "chronology", "--person", str(known.person), "--panel", "Testshire CARM", "--from", "2026-03-01",
         "--out", str(tmp_path / "person.pdf"), *common])) == 0
    text = "\n".join(p.extract_text() for p in PdfReader(tmp_path / "person.pdf").pages)
    assert "CARM-2026-0001" in text and "MARAC-2026-0001" not in text
    monkeypatch.setattr(ctx.store, "dispose", dispose)
