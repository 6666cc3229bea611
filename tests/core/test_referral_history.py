"""A partnership's own referral history (issue 17, referrals): a coordinator's log with its own
headings, blanks and words, the meetings that heard the cases, and the data return it gives."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.marac_log import (
    MAIDSTONE_END,
    MAIDSTONE_START,
    MAIDSTONE_YEAR,
    figures,
    make_history_log,
    make_maidstone_year,
    write_coordinator_csv,
)
from core.referral_setup import intake  # noqa: F401 - the fixture
from cspdesk.domain.enums import AgendaItemKind, CaseStatus, Decision, Listing, MeetingStatus, PersonRole
from cspdesk.services.errors import ValidationError
from cspdesk.services.records_io.referral_import import import_referrals
from cspdesk.services.referrals.referrals import DASH_SCORE_ONLY
from cspdesk.services.papers.returns import ReturnService, between
from cspdesk.storage.models import AgendaItem, Case, CasePerson, Meeting, Person, RiskAssessment

YEAR = between(date(2025, 4, 1), date(2026, 3, 31))

#: The figures the synthetic log (make_history_log(150, seed=17)) was built to give for YEAR,
#: counted from the log as built (core.marac_log.figures), written here so a change to the
#: generator cannot move them silently.
EXPECTED_YEAR = {"cases": 42, "repeats": 11, "children": 63, "minoritised": 27, "lgbt": 16, "disabled": 9,
                 "young": 2, "meetings": 19}


def _measures(ctx, panel_id: int) -> dict[str, int]:  # noqa: ANN001
    data = ReturnService(ctx).build(panel_id, YEAR)
    out = {m.name: m.count for section in data.sections for m in section.measures}
    return {"cases": out["Cases discussed"], "repeats": out["Repeat cases"],
            "children": out["Children in the households"], "minoritised": out["Racially minoritised victims"],
            "lgbt": out["LGBT+ victims"], "disabled": out["Victims with a disability"],
            "young": out["Victims aged 16–17"], "meetings": out["Meetings held"]}


OPTIONS = dict(mapping={"Consent?": "consent_given"}, agency_words={"Police": "Testshire Police"})


def test_a_coordinators_log_gives_the_return_it_was_built_to_give_in_either_order(intake, tmp_path) -> None:  # noqa: F811
    log = make_history_log(150, seed=17)
    expected = figures(log, YEAR.start, YEAR.end)
    assert expected == EXPECTED_YEAR
    newest = write_coordinator_csv(tmp_path / "newest.csv", log.ordered("newest first"))
    report = import_referrals(intake.ctx, newest, intake.marac, good_rows_only=False, **OPTIONS).value
    assert report.committed, report.lines()[:12]
    assert report.ignored_columns == ("Notes for chair",)
    assert any(line.startswith("Columns ignored (neither recognised nor mapped): Notes for chair.")
               for line in report.lines())
    assert len(report.meetings) == len({r.marac_date for r in log.rows if r.marac_date})
    assert _measures(intake.ctx, intake.marac) == expected
    # The same log filed oldest first, shuffled, to another panel: the same figures.
    shuffled = write_coordinator_csv(tmp_path / "shuffled.csv", log.ordered("shuffled", seed=3))
    again = import_referrals(intake.ctx, shuffled, intake.marac2, good_rows_only=False, **OPTIONS).value
    assert again.committed, again.lines()[:12]
    assert _measures(intake.ctx, intake.marac2) == expected
    with intake.ctx.reading() as s:
        meetings = s.scalars(select(Meeting).where(Meeting.panel_id == intake.marac)).all()
        assert meetings and all(m.imported and m.status is MeetingStatus.FINALISED for m in meetings)
        listings = dict(s.execute(select(AgendaItem.listing, func.count()).join(Meeting).where(
            Meeting.panel_id == intake.marac, AgendaItem.kind == AgendaItemKind.CASE).group_by(AgendaItem.listing)).all())
        assert listings[Listing.REPEAT] == sum(r.is_repeat for r in log.rows if r.marac_date)
        score_only = s.scalar(select(func.count()).select_from(RiskAssessment).where(
            RiskAssessment.notes == DASH_SCORE_ONLY, RiskAssessment.answers.any() == False))  # noqa: E712
        assert score_only == 2 * sum(r.dash_score is not None for r in log.rows)


@pytest.mark.parametrize("order", ["oldest first", "newest first"])
def test_a_maidstone_sized_year_gives_its_figures_filed_either_way(intake, tmp_path, order) -> None:  # noqa: F811
    """202 cases heard, 66 repeats, 232 children (MAIDSTONE_YEAR, beside the data in core.marac_log),
    under a coordinator's headings: the return for the year says exactly that, whichever way the
    log is filed."""
    log = make_maidstone_year()
    assert (MAIDSTONE_START, MAIDSTONE_END) == (YEAR.start, YEAR.end)
    built = figures(log, YEAR.start, YEAR.end)
    assert {k: built[k] for k in MAIDSTONE_YEAR} == MAIDSTONE_YEAR
    path = write_coordinator_csv(tmp_path / "maidstone.csv", log.ordered(order))
    report = import_referrals(intake.ctx, path, intake.marac, good_rows_only=False, **OPTIONS).value
    assert report.committed and len(report.imported) == 202, report.lines()[:12]
    assert sum(r.repeat_of is not None for r in report.imported) == 66
    measured = _measures(intake.ctx, intake.marac)
    assert {k: measured[k] for k in MAIDSTONE_YEAR} == MAIDSTONE_YEAR
    assert measured["meetings"] == built["meetings"]


def _write(tmp_path, header: str, *lines: str):  # noqa: ANN001, ANN202
    path = tmp_path / "log.csv"
    path.write_text("\n".join((header, *lines)) + "\n", encoding="utf-8")
    return path


def test_unknown_words_are_row_errors_naming_the_allowed_values(intake, tmp_path) -> None:  # noqa: F811
    path = _write(tmp_path, "Date of referral,Victim name,Ethnicity,Sexual orientation,Age band,Referring agency,"
                            "consent_given",
                  "01/02/2026,Amy Example,Martian,Heterosexual,16-17,Testshire Police,Yes",
                  "02/02/2026,Bea Example,Asian,Sometimes,,Testshire Police,Yes",
                  "03/02/2026,Cat Example,Asian,,about 30,Testshire Police,Yes",
                  "04/02/2026,Dot Example,Asian,,,Polise,Yes")
    report = import_referrals(intake.ctx, path, intake.marac, good_rows_only=False).value
    assert not report.committed
    problems = {(p.row, p.column): p.message for p in report.problems}
    assert "White British" in problems[(2, "ethnicity")] and "Martian" in problems[(2, "ethnicity")]
    assert "Heterosexual" in problems[(3, "sexual_orientation")]
    assert "16-17" in problems[(4, "age_band")]
    assert "did you mean 'Testshire Police'?" in problems[(5, "referring_agency")]
    assert '--agency "Polise=<agency>"' in problems[(5, "referring_agency")]


def test_map_and_agency_are_checked_and_remembered_per_panel(intake, tmp_path) -> None:  # noqa: F811
    ctx = intake.ctx
    path = _write(tmp_path, "Received,Client,Agency,Consent", "01/02/2026,Amy Example,Cops,Yes")
    with pytest.raises(ValidationError) as e:
        import_referrals(ctx, path, intake.marac, good_rows_only=False, mapping={"Recieved": "referral_date"})
    assert "no column 'Recieved'" in str(e.value)
    with pytest.raises(ValidationError) as e:
        import_referrals(ctx, path, intake.marac, good_rows_only=False, mapping={"Received": "referal_date"})
    assert "did you mean 'referral_date'?" in str(e.value)
    with pytest.raises(ValidationError) as e:
        import_referrals(ctx, path, intake.marac, good_rows_only=False, agency_words={"Cops": "Testshire Polic"})
    assert "did you mean 'Testshire Police'?" in str(e.value)
    options = dict(mapping={"Received": "referral_date", "Client": "victim_name", "Consent": "consent_given"},
                   agency_words={"Cops": "POL"})
    report = import_referrals(ctx, path, intake.marac, good_rows_only=False, dry_run=True, **options).value
    assert report.good_rows == 1 and not report.ignored_columns  # "Agency" is the template's alias
    with pytest.raises(ValidationError):  # a dry run remembers nothing
        import_referrals(ctx, path, intake.marac, good_rows_only=False)
    assert import_referrals(ctx, path, intake.marac, good_rows_only=False, **options).value.committed
    again = import_referrals(ctx, _write(tmp_path, "Received,Client,Agency,Consent", "01/03/2026,Bo Example,Cops,Y"),
                             intake.marac, good_rows_only=False).value
    assert again.committed
    with ctx.reading() as s:
        assert s.scalar(select(Case.referring_agency_id).where(Case.id == again.imported[0].case_id)) == intake.police
    with pytest.raises(ValidationError):  # remembered for that panel only
        import_referrals(ctx, path, intake.marac2, good_rows_only=False)


def test_a_repeat_links_the_household_held_and_notes_a_possible_earlier_referral(intake, tmp_path) -> None:  # noqa: F811
    ctx = intake.ctx
    header = "Date of referral,Victim name,Victim DOB,Perpetrator name,child1_name,consent_given,Number of children"
    first = import_referrals(ctx, _write(tmp_path, header, "01/01/2026,Amy Example,01/02/1990,Bob Sample,Cy Example,"
                                                           "Yes,"), intake.marac, good_rows_only=False).value
    report = import_referrals(ctx, _write(
        tmp_path, header,
        "01/03/2026,Amy Example,01/02/1990,Bob Sample,Cy Example,Yes,",   # the same victim: a repeat
        "01/04/2026,Amy Newname,01/02/1990,,,Yes,2",                     # her surname changed
        "01/05/2026,Amy Example,,,,Yes,"), intake.marac, good_rows_only=False).value  # no date of birth
    assert report.committed, report.lines()
    assert report.imported[0].repeat_of == first.imported[0].reference
    notes = [str(n) for n in report.notes]
    assert any(n.startswith("Row 2: Bob Sample is already held") for n in notes)
    assert any(n.startswith("Row 2: Cy Example is already held") for n in notes)
    assert any(n.startswith(f"Row 3: possible earlier referral: {first.imported[0].reference}") for n in notes), notes
    assert any(n.startswith(f"Row 4: possible earlier referral: {first.imported[0].reference}") for n in notes), notes
    with ctx.reading() as s:
        for name, role in (("Bob", PersonRole.PERPETRATOR), ("Cy", PersonRole.CHILD)):
            assert s.scalar(select(func.count()).select_from(Person).where(Person.given_name == name)) == 1
            assert s.scalar(select(func.count()).select_from(CasePerson).join(Person).where(
                Person.given_name == name, CasePerson.role == role)) == 2
        assert s.scalar(select(Case.children_count).where(Case.id == report.imported[1].case_id)) == 2


def test_the_command_line_takes_map_and_agency(intake, tmp_path, capsys, monkeypatch) -> None:  # noqa: F811
    from cspdesk import cli

    path = _write(tmp_path, "Date of referral,Client,Referring agency,Consent,Notes",
                  "01/02/2026,Amy Example,Cops,Yes,x", "01/03/2026,Amy Example,Cops,Yes,y")
    monkeypatch.setattr(cli, "_open", lambda args: intake.ctx)
    args = cli.build_parser().parse_args([
        "import", "referrals", str(path), "--panel", "testshire marac", "--db", "x.db", "--user", "coord",
        "--map", "Client=victim_name", "--map", "Consent=consent_given", "--agency", "Cops=Testshire Police"])
    assert cli.run(args) == 0
    out = capsys.readouterr().out
    assert "Imported 2 of 2 rows into Testshire MARAC." in out
    assert "Columns ignored (neither recognised nor mapped): Notes." in out
    assert "Row 3: a repeat of MARAC-2026-0001, referred on 01 Feb 2026." in out
    bad = cli.build_parser().parse_args(["import", "referrals", str(path), "--panel", "testshire marac",
                                         "--db", "x.db", "--user", "coord", "--map", "Client"])
    assert cli.run(bad) == 2
    assert 'write it as "Their words=what they mean"' in capsys.readouterr().err


def test_meetings_from_marac_dates_roll_back_with_a_dry_run_and_leave_held_dates_alone(intake, tmp_path) -> None:  # noqa: F811
    from datetime import datetime

    from cspdesk.services.meetings.meetings import MeetingService

    ctx = intake.ctx
    header = "Date of referral,Victim name,consent_given,MARAC date,Decision"
    path = _write(tmp_path, header, "01/02/2026,Amy Example,Yes,12/02/2026,Closed",
                  "03/02/2026,Bea Example,Yes,12/02/2026,", "05/02/2026,Cat Example,Yes,26/02/2026,Refer on")
    dry = import_referrals(ctx, path, intake.marac, good_rows_only=False, dry_run=True).value
    assert [(m.held_on, m.cases) for m in dry.meetings] == [(date(2026, 2, 12), 2), (date(2026, 2, 26), 1)]
    assert any(line.startswith("Meetings that would be made from the MARAC dates") for line in dry.lines())
    with ctx.reading() as s:
        assert s.scalar(select(func.count()).select_from(Meeting)) == 0
        assert s.scalar(select(func.count()).select_from(Case)) == 0
    MeetingService(ctx).plan_meetings(intake.marac, datetime(2026, 2, 26, 14, 0))  # already in CSPDesk
    report = import_referrals(ctx, path, intake.marac, good_rows_only=False).value
    assert report.committed and [m.held_on for m in report.meetings] == [date(2026, 2, 12)]
    assert "Row 4: a meeting on 26/02/2026 is already in CSPDesk: list the case on it there." in [
        str(n) for n in report.notes]
    with ctx.reading() as s:
        decisions = dict(s.execute(select(Case.reference, AgendaItem.decision).join(
            AgendaItem, AgendaItem.case_id == Case.id)).all())
        statuses = dict(s.execute(select(Case.reference, Case.status)).all())
    refs = [r.reference for r in report.imported]
    assert decisions == {refs[0]: Decision.CLOSE, refs[1]: Decision.CONTINUE}
    assert statuses[refs[0]] is CaseStatus.CLOSED and statuses[refs[1]] is CaseStatus.OPEN
    assert statuses[refs[2]] is CaseStatus.RECEIVED
