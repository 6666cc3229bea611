"""The bulk writer of a long referral log (issue 17): the same records as the form's save, row by
row — people, aliases, cases, their people, statuses, assessments and answers, repeats, search and
sort keys — and the same report, from multi-row INSERTs in one transaction (on the engine under
test; the row-by-row import it is compared with runs on a second, SQLite, database)."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from constants import TEST_KEY
from core.referral_setup import intake, make_intake  # noqa: F401 - the fixture
from cspdesk.services.database.workspace import close_workspace, open_workspace
from cspdesk.services.records_io.referral_import import import_referrals
from cspdesk.storage.models import (
    Case,
    CasePerson,
    CaseSearchKey,
    CaseStatusChange,
    Person,
    PersonAlias,
    RiskAnswer,
    RiskAssessment,
)

TABLES = (Person, PersonAlias, Case, CasePerson, CaseStatusChange, RiskAssessment, RiskAnswer, CaseSearchKey)
#: Columns that say when, not what (and the search keys' own ids, rewritten as keys change).
WHEN = {"created_at", "updated_at", "at"}

HEADER = ["referral_date", "referring_agency", "given_name", "family_name", "date_of_birth", "aliases", "postcode",
          "perpetrator_given_name", "perpetrator_family_name", "perpetrator_relationship", "child1_name",
          "child1_date_of_birth", "child2_name", "dash_score", *(f"q{n}" for n in range(1, 25)), "consent_given",
          "lawful_basis", "ethnicity", "Number of children", "professional_judgement",
          "professional_judgement_reason"]


def _log(path: Path, rows: int, seed: int = 5) -> Path:
    """``rows`` MARAC referrals filed oldest first: victims referred up to three times (repeats
    within 12 months and not), with perpetrators, children, aliases, DASH answers, scores only and
    professional judgement."""
    rng = random.Random(seed)
    day = date(2024, 1, 2)
    victims: list[tuple[str, str, str]] = []
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(rows):
            day += timedelta(days=rng.choice((0, 1, 2, 3)))
            if victims and rng.random() < 0.3:
                given, family, born = rng.choice(victims)
            else:
                given, family = f"Given{i}", f"Family{i % 97}"
                born = f"{1 + i % 28:02d}/{1 + i % 12:02d}/{1960 + i % 40}"
                victims.append((given, family, born))
            kind = rng.random()
            answers = [rng.choice("YN") for _ in range(24)] if kind < 0.3 else [""] * 24
            score = "" if kind < 0.3 or kind > 0.8 else str(rng.randint(10, 24))
            judgement = kind > 0.9
            w.writerow([f"{day:%d/%m/%Y}", rng.choice(["POL", "HH", ""]), given, family, born,
                        "Sam Example; Saz" if i % 11 == 0 else "", "TE1 1AA" if i % 3 else "",
                        "Perp" if i % 2 else "", f"Example{i % 13}" if i % 2 else "", "partner" if i % 2 else "",
                        f"Child{i} Example" if i % 4 == 0 else "", "01/01/2018" if i % 4 == 0 else "",
                        f"Kid{i} Example" if i % 8 == 0 else "", score, *answers,
                        rng.choice(["Yes", "No"]), "Prevent serious harm", rng.choice(["White British", "Asian", ""]),
                        rng.choice(["0", "2", ""]), "Yes" if judgement else "", "Escalating" if judgement else ""])
    return path


def _records(ctx) -> dict[str, list[tuple]]:  # noqa: ANN001
    out: dict[str, list[tuple]] = {}
    with ctx.reading() as s:
        for model in TABLES:
            table = model.__table__
            columns = [c for c in table.columns if c.name not in WHEN and not (model is CaseSearchKey and c.name == "id")]
            out[table.name] = sorted((tuple("" if v is None else str(v) for v in row)
                                      for row in s.execute(select(*columns)).all()))
    return out


def test_a_bulk_import_writes_what_the_row_by_row_import_writes(intake, tmp_path: Path) -> None:  # noqa: F811
    path = _log(tmp_path / "log.csv", 300)
    bulk = import_referrals(intake.ctx, path, intake.marac, good_rows_only=False, bulk=True).value
    assert bulk.committed and len(bulk.imported) == 300, bulk.lines()[:12]
    other = open_workspace(tmp_path / "one-by-one.db", key=TEST_KEY)
    try:
        reference = make_intake(other)
        assert (reference.marac, reference.police) == (intake.marac, intake.police)  # the same ids to compare
        one = import_referrals(other, path, reference.marac, good_rows_only=False, bulk=False).value
        assert one.committed
        # The same return: every case, its reference, the repeat it is, the notes and the summary.
        assert bulk.lines() == one.lines()
        assert sum(r.repeat_of is not None for r in bulk.imported) > 20  # the file has repeats to get right
        bulk_records, one_records = _records(intake.ctx), _records(other)
    finally:
        close_workspace(other)
    for name in one_records:
        assert bulk_records[name] == one_records[name], name
    assert len(bulk_records["risk_answer"]) > 24 * 50 and len(bulk_records["person_alias"]) > 20
    assert len(bulk_records["case_search_key"]) > 1_000


def test_bulk_is_chosen_for_long_files_and_a_dry_run_writes_nothing(intake, tmp_path: Path) -> None:  # noqa: F811
    from core.test_referral_import import snapshot

    path = _log(tmp_path / "log.csv", 600, seed=9)
    before = snapshot(intake.ctx)
    dry = import_referrals(intake.ctx, path, intake.marac, good_rows_only=False, dry_run=True).value
    assert not dry.committed and len(dry.imported) == 600 and snapshot(intake.ctx) == before
    report = import_referrals(intake.ctx, path, intake.marac, good_rows_only=False).value
    assert report.committed and [r.reference for r in report.imported] == [r.reference for r in dry.imported]
    with intake.ctx.reading() as s:
        assert s.scalar(select(Case.reference).order_by(Case.id.desc()).limit(1)) == report.imported[-1].reference
