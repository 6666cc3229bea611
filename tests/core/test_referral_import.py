"""Importing referrals (issues 4 and 8): real CSV and XLSX files; every bad row reported; the
database left exactly as the user chose; duplicates and repeats caught; never half a file, whatever
the bytes (hypothesis property tests and a fuzz run)."""

from __future__ import annotations

import csv
import random
import zipfile
from datetime import date
from pathlib import Path

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from core.referral_setup import TODAY, intake, make_intake  # noqa: F401 - the fixture
from cspdesk.services.errors import ServiceError, ValidationError
from cspdesk.services.records_io.referral_import import TEMPLATE_DIR, TEMPLATES, import_referrals, write_templates
from cspdesk.services.records_io.tabular import TabularError
from cspdesk.storage.models import AuditEvent, Case, CasePerson, Person, RiskAssessment

HEADER = ["Referral Date", "Referring Agency", "given_name", "FAMILY NAME", "date of birth", "consent_given",
          "lawful_basis", "child1_name", "child1_date_of_birth", "dash_score"] + [f"Q{n}" for n in range(1, 25)]

#: The tests' key (as tests/conftest.py): not imported from "conftest", a name tests/ui/conftest.py
#: shares, so other test modules can import helpers from this one in any run.
TEST_KEY = bytes(range(32))


def row(date_: str = "01/06/2026", given_: str = "Sarah", family: str = "Smith", dob: str = "01/05/1990", *,
        agency: str = "POL", consent: str = "Yes", basis: str = "", child: str = "", child_dob: str = "",
        score: str = "", answers: str = "Y" * 15 + "N" * 9) -> list[str]:
    return [date_, agency, given_, family, dob, consent, basis, child, child_dob, score] + list(answers)


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list], header: list[str] = HEADER) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def snapshot(ctx) -> tuple[int, ...]:  # noqa: ANN001
    with ctx.reading() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Case, Person, CasePerson,
                                                                                 RiskAssessment, AuditEvent))


MIXED = [
    row(),                                                              # row 2: good
    row("01/06/2030"),                                                  # row 3: referral date in the future
    row(given_="Amy", family="Jones", child="Kid Jones", child_dob="01/01/2030"),  # row 4: child born in the future
    row(given_="Bea", family="Brown", score="12"),                      # row 5: count does not match (15 yes)
    row(given_="Cat", family="Green", dob="01/01/2015"),                # row 6: victim under 16
    row(given_="Di", family="White", consent="No"),                     # row 7: no lawful basis
    row(given_="Eve", family="Black", answers="Y" * 10 + "Q" + "N" * 13),  # row 8: Q is not an answer
    row(given_="Fay", family="Grey", agency="Nobody"),                  # row 9: no such agency
    row(given_="Gil", family="Stone", dob="31/02/1990"),                # row 10: not a date
    row(given_="Hal", family="Moss"),                                   # row 11: good
]
EXPECTED_BAD = {
    3: ("referral_date", "in the future"),
    4: ("child1_date_of_birth", "date of birth is in the future"),
    5: ("dash_score", "does not match the answers"),
    6: ("date_of_birth", "aged 16 or over"),
    7: ("lawful_basis", "without consent"),
    8: ("q11", "not a DASH answer"),
    9: ("referring_agency", "no agency called 'Nobody'"),
    10: ("date_of_birth", "not a date: 31/02/1990"),
}


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_mixed_file_reports_every_bad_row_and_imports_nothing(intake, tmp_path, kind) -> None:  # noqa: F811
    path = (write_csv if kind == "csv" else write_xlsx)(tmp_path / f"mixed.{kind}", MIXED)
    before = snapshot(intake.ctx)
    report = import_referrals(intake.ctx, path, intake.marac, good_rows_only=False).value
    assert report.rows_read == 10 and report.good_rows == 2
    assert report.bad_rows == tuple(sorted(EXPECTED_BAD))
    for number, (column, words) in EXPECTED_BAD.items():
        assert any(p.row == number and p.column == column and words in p.message for p in report.problems), (
            number, [p for p in report.problems if p.row == number])
    assert not report.committed and report.imported == ()
    assert snapshot(intake.ctx) == before
    assert "Nothing was imported: 8 of 10 rows have problems" in report.summary
    assert "  Row 4, child1_date_of_birth: date of birth is in the future." in report.lines()
    assert {p.row for p in report.problems if p.column == "dash_date"} == set()  # no echo of the referral date


def test_good_rows_only_imports_exactly_the_good_rows(intake, tmp_path) -> None:  # noqa: F811
    path = write_csv(tmp_path / "mixed.csv", MIXED)
    report = import_referrals(intake.ctx, path, intake.marac, good_rows_only=True).value
    assert report.committed and [r.row for r in report.imported] == [2, 11]
    assert [r.reference for r in report.imported] == ["MARAC-2026-0001", "MARAC-2026-0002"]
    with intake.ctx.reading() as s:
        names = s.execute(select(Person.given_name).join(Case, Case.subject_person_id == Person.id)
                          .order_by(Case.id)).scalars().all()
        assert names == ["Sarah", "Hal"]
        assert s.scalar(select(func.count()).select_from(RiskAssessment)) == 2
        kinds = s.scalars(select(AuditEvent.entity).order_by(AuditEvent.id)).all()
    assert kinds[-3:] == ["case", "case", "referral_import"]
    assert "Imported 2 of 10 rows into Testshire MARAC; 8 bad rows were left out." == report.summary


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(intake, tmp_path) -> None:  # noqa: F811
    path = write_csv(tmp_path / "good.csv", [row(), row(given_="Hal", family="Moss")])
    before = snapshot(intake.ctx)
    report = import_referrals(intake.ctx, path, intake.marac, good_rows_only=False, dry_run=True).value
    assert [r.reference for r in report.imported] == ["MARAC-2026-0001", "MARAC-2026-0002"]
    assert not report.committed and snapshot(intake.ctx) == before
    assert report.summary.startswith("Dry run: 2 of 2 rows would be imported")


def test_people_already_held_are_linked_and_repeats_found(intake, tmp_path) -> None:  # noqa: F811
    first = import_referrals(intake.ctx, write_csv(tmp_path / "a.csv", [row("01/02/2026")]), intake.marac,
                             good_rows_only=False).value
    report = import_referrals(intake.ctx, write_csv(tmp_path / "b.csv", [
        row("01/06/2026"),                                      # the same Sarah Smith, born 01/05/1990
        row("01/06/2026", given_="Sara", family="Smyth"),       # someone like her, born the same day
    ]), intake.marac, good_rows_only=False).value
    assert report.committed
    sarah = report.imported[0]
    assert sarah.repeat_of == first.imported[0].reference and sarah.linked_person_id is not None
    assert report.imported[1].linked_person_id is None
    notes = [str(n) for n in report.notes]
    assert any(n.startswith("Row 2: Sarah Smith is already held (MARAC-2026-0001)") for n in notes)
    assert "Row 2: a repeat of MARAC-2026-0001, referred on 01 Feb 2026." in notes
    assert any(n.startswith("Row 3: possible duplicate of Sarah Smith") for n in notes)
    with intake.ctx.reading() as s:
        assert s.scalar(select(func.count()).select_from(Person).where(Person.given_name.in_(["Sarah", "Sara"]))) == 2


def test_the_same_person_twice_in_one_file_is_one_person_and_a_repeat(intake, tmp_path) -> None:  # noqa: F811
    report = import_referrals(intake.ctx, write_csv(tmp_path / "twice.csv", [
        row("01/02/2026"), row("01/05/2026")]), intake.marac, good_rows_only=False).value
    assert report.imported[1].repeat_of == report.imported[0].reference
    with intake.ctx.reading() as s:
        victims = s.scalars(select(Case.subject_person_id).order_by(Case.id)).all()
    assert victims[0] == victims[1]


def test_a_missing_required_column_is_named(intake, tmp_path) -> None:  # noqa: F811
    path = write_csv(tmp_path / "cols.csv", [["01/06/2026", "Ann"]], header=["referral_date", "given_name"])
    with pytest.raises(ValidationError, match="no column family_name"):
        import_referrals(intake.ctx, path, intake.marac, good_rows_only=True)


def test_the_shipped_templates_import_cleanly(intake, tmp_path) -> None:  # noqa: F811
    for kind, panel in (("marac", intake.marac), ("csvg", intake.csvg)):
        for suffix in ("csv", "xlsx"):
            report = import_referrals(intake.ctx, TEMPLATE_DIR / f"referrals-{kind}.{suffix}", panel,
                                      good_rows_only=False, dry_run=True).value
            assert report.problems == () and len(report.imported) == 1, (kind, suffix, report.lines())


def test_the_shipped_templates_are_the_ones_the_code_writes(tmp_path) -> None:
    written = write_templates(tmp_path)
    for path in written:
        if path.suffix == ".csv":
            assert path.read_bytes() == (TEMPLATE_DIR / path.name).read_bytes()
    assert {p.name for p in written} <= {p.name for p in TEMPLATE_DIR.iterdir()}
    assert set(TEMPLATES) == {"marac", "csvg"}
    readme = (TEMPLATE_DIR / "README.md").read_text(encoding="utf-8")
    assert "`lawful_basis`" in readme and "--good-rows-only" in readme


def test_other_panel_types_import(intake, tmp_path) -> None:  # noqa: F811
    socp = write_csv(tmp_path / "socp.csv", [["01/06/2026", "Eastside", "Big Boss", "principal", "4", "3", "2", "1"],
                                            ["01/06/2026", "Westside", "", "", "9", "1", "1", "1"]],
                     header=["referral_date", "ocg_name", "nominal1_name", "nominal1_role", "threat_harm",
                             "threat_likelihood", "threat_position", "threat_reach"])
    report = import_referrals(intake.ctx, socp, intake.socp, good_rows_only=True).value
    assert [r.reference for r in report.imported] == ["SOCP-2026-0001"]
    assert {(p.row, p.column) for p in report.problems} == {(3, "threat_harm"), (3, "nominals")}
    carm = write_csv(tmp_path / "carm.csv", [["01/06/2026", "Skate park", "Kid One", "seen there", "High",
                                              "Exploitation / cuckooing"]],
                     header=["referral_date", "place_name", "linked1_name", "linked1_role", "risk_level", "flags"])
    report = import_referrals(intake.ctx, carm, intake.carm, good_rows_only=False).value
    assert report.committed and report.imported[0].reference == "CARM-2026-0001"


# --- never half a file: properties and fuzz (issue 8) ---------------------------------------------

CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "Y", "N", "DK", "yes", "01/06/2026", "31/02/2026", "2030-01-01", "POL", "HH", "x" * 300,
                     "01/05/1990", "Smith", "=1+1", "\u202e", "0", "-1", "1e9"]),
    st.integers(min_value=-10**6, max_value=10**9).map(str),
)
ROWS = st.lists(st.lists(CELL, min_size=0, max_size=len(HEADER) + 3), min_size=0, max_size=6)


def _fresh(tmp_path_factory):  # noqa: ANN001, ANN202
    from cspdesk.services.database.workspace import open_workspace

    folder = tmp_path_factory.mktemp("prop")
    ctx = open_workspace(folder / "p.db", key=TEST_KEY)
    return make_intake(ctx), folder


@pytest.fixture(scope="module")
def shared(tmp_path_factory):  # noqa: ANN001, ANN201
    from cspdesk.services.database.workspace import close_workspace

    it, folder = _fresh(tmp_path_factory)
    yield it, folder
    close_workspace(it.ctx)


def _check_all_or_nothing(it, path: Path, good_rows_only: bool) -> None:  # noqa: ANN001
    before = snapshot(it.ctx)
    try:
        report = import_referrals(it.ctx, path, it.marac, good_rows_only=good_rows_only).value
    except (TabularError, ValidationError):
        assert snapshot(it.ctx) == before  # the file as a whole refused: nothing written
        return
    after = snapshot(it.ctx)
    if report.committed:
        assert after[0] - before[0] == len(report.imported) == report.good_rows
        assert not report.problems or good_rows_only
        assert after[4] - before[4] == len(report.imported) + 1  # each case, and the import
    else:
        assert after == before
        assert report.imported == () and (report.problems or report.good_rows == 0)
    for p in report.problems:
        assert p.row >= 2 and p.column and p.message


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, good_rows_only=st.booleans(), kind=st.sampled_from(["csv", "xlsx"]))
def test_property_random_cells_never_half_write(shared, rows, good_rows_only, kind) -> None:
    it, folder = shared
    path = folder / f"random.{kind}"
    if kind == "csv":
        write_csv(path, rows)
    else:
        clean = [[c.replace("\x00", "") for c in r] for r in rows]
        try:
            write_xlsx(path, clean)
        except Exception:  # noqa: BLE001 - openpyxl refuses some control characters: not our input
            return
    _check_all_or_nothing(it, path, good_rows_only)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".xlsx", ".txt"]))
def test_property_random_bytes_are_refused_plainly(shared, data, suffix) -> None:
    it, folder = shared
    path = folder / f"bytes{suffix}"
    path.write_bytes(data)
    _check_all_or_nothing(it, path, True)


def test_fuzz_broken_xlsx_files(shared, tmp_path) -> None:
    """A good workbook cut short, with bytes flipped, or with a part of it replaced: never a crash,
    never half a file."""
    it, _ = shared
    good = write_xlsx(tmp_path / "good.xlsx", [row(), row(given_="Hal", family="Moss")]).read_bytes()
    rng = random.Random(8)
    for i in range(40):
        data = bytearray(good)
        how = i % 4
        if how == 0:
            data = data[: rng.randrange(10, len(data))]
        elif how == 1:
            for _ in range(rng.randint(1, 30)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif how == 2:
            data = bytearray(good[: len(good) // 2] + bytes(rng.randrange(256) for _ in range(200)))
        path = tmp_path / f"broken{i}.xlsx"
        if how == 3:  # a well-formed zip whose sheet is nonsense
            with zipfile.ZipFile(path, "w") as z, zipfile.ZipFile(tmp_path / "good.xlsx") as src:
                for item in src.infolist():
                    body = src.read(item.filename)
                    if item.filename.startswith("xl/worksheets/"):
                        body = body[: rng.randrange(len(body))] + b"<row r='x'><c r='??'><v>\xff</v></c>"
                    z.writestr(item, body)
        else:
            path.write_bytes(bytes(data))
        _check_all_or_nothing(it, path, rng.random() < 0.5)


def test_a_failure_while_writing_leaves_nothing(intake, tmp_path, monkeypatch) -> None:  # noqa: F811
    from cspdesk.services.records_io import referral_import

    calls = {"n": 0}
    real = referral_import._create

    def fail_on_the_second(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls["n"] += 1
        if calls["n"] == 2:
            raise ServiceError("The disk is full.")
        return real(*args, **kwargs)

    monkeypatch.setattr(referral_import, "_create", fail_on_the_second)
    before = snapshot(intake.ctx)
    with pytest.raises(ServiceError, match="disk is full"):
        import_referrals(intake.ctx, write_csv(tmp_path / "two.csv", [row(), row(given_="Hal", family="Moss")]),
                         intake.marac, good_rows_only=False)
    assert snapshot(intake.ctx) == before


def test_the_command_line_prints_the_report(intake, tmp_path, capsys, monkeypatch) -> None:  # noqa: F811
    """`cspdesk import referrals` on a real file: exit 1 with bad rows, and the rows it names."""
    from cspdesk import cli

    path = write_csv(tmp_path / "mixed.csv", MIXED)
    monkeypatch.setattr(cli, "_open", lambda args: intake.ctx)
    args = cli.build_parser().parse_args(["import", "referrals", str(path), "--panel", "testshire marac",
                                          "--db", "x.db", "--user", "coord", "--dry-run"])
    assert cli.run(args) == 1
    out = capsys.readouterr().out
    assert "Dry run: 8 of 10 rows have problems" in out
    assert "Row 9, referring_agency: no agency called 'Nobody'" in out


def test_dates_in_the_file_are_read_day_first(intake, tmp_path) -> None:  # noqa: F811
    path = write_xlsx(tmp_path / "dates.xlsx", [row(date_=date(2026, 6, 2), dob=date(1990, 5, 1))])
    report = import_referrals(intake.ctx, path, intake.marac, good_rows_only=False).value
    with intake.ctx.reading() as s:
        case_ = s.get(Case, report.imported[0].case_id)
        assert case_.referral_date == date(2026, 6, 2) and case_.subject_person.date_of_birth == date(1990, 5, 1)
        assert TODAY >= case_.referral_date


def test_the_service_door_and_its_permission(intake, tmp_path) -> None:  # noqa: F811
    from core.referral_setup import coordinator
    from cspdesk.services.errors import PermissionDenied
    from cspdesk.services.records_io.referral_import import ReferralImportService as ReferralService

    path = write_csv(tmp_path / "one.csv", [row()])
    intake.ctx.actor = coordinator(intake.coordinator_id, intake.csvg)
    with pytest.raises(PermissionDenied):
        ReferralService(intake.ctx).import_file(path, intake.marac, good_rows_only=False)
    intake.ctx.actor = coordinator(intake.coordinator_id, intake.marac)
    seen: list[float] = []
    report = ReferralService(intake.ctx).import_file(path, intake.marac, good_rows_only=False,
                                                     progress=seen.append).value
    assert report.committed and seen[-1] == 1.0 and seen == sorted(seen)


def test_the_same_new_ocg_on_two_rows_is_one_group(intake, tmp_path) -> None:  # noqa: F811
    from cspdesk.storage.models import SubjectGroup

    header = ["referral_date", "ocg_name", "nominal1_name", "threat_harm", "threat_likelihood", "threat_position",
              "threat_reach"]
    path = write_csv(tmp_path / "ocg.csv", [["01/03/2026", "Eastside Crew", "Big Boss", "4", "3", "2", "1"],
                                           ["01/06/2026", "eastside  crew", "Lil Runner", "3", "3", "2", "1"]],
                     header=header)
    report = import_referrals(intake.ctx, path, intake.socp, good_rows_only=False).value
    assert len(report.imported) == 2
    with intake.ctx.reading() as s:
        assert s.scalar(select(func.count()).select_from(SubjectGroup)) == 1
        groups = s.scalars(select(Case.subject_group_id)).all()
    assert len(set(groups)) == 1
    assert any("the same OCG as an earlier row" in str(n) for n in report.notes)
