"""Retention and erasure on real encrypted files (and a real PostgreSQL server).

The key test reads the database's pages with our own SQLCipher decryptor (tests/sqlcipher_pages.py)
to show that an erased name is gone from the file itself — not only from the tables — and shows
first that the same reader does find it there before erasure, so the test cannot pass vacuously.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from constants import DEMO_TODAY, TEST_KEY
from cspdesk.domain.enums import AuditKind, CaseStatus, PanelType, Role, SubjectKind
from cspdesk.domain.rules import normalise_name
from cspdesk.services.audit import audit
from cspdesk.services.context import Actor, ServiceContext
from cspdesk.services.errors import PermissionDenied, ValidationError
from cspdesk.services.partnership.retention import RetentionService, add_years
from cspdesk.storage import models as m
from dbcheck import dangling_references
from sqlcipher_pages import all_pages, header_is_sqlite, main_pages, pages_containing

#: A day past the demo's year, so cases the demo closed have outlived a one-year retention period.
LATER = date(2027, 3, 1)


def _panel_id(ctx: ServiceContext, panel_type: PanelType) -> int:
    with ctx.reading() as s:
        return s.scalar(select(m.Panel.id).where(m.Panel.panel_type == panel_type))


def _one_year_marac(ctx: ServiceContext) -> int:
    marac = _panel_id(ctx, PanelType.MARAC)
    RetentionService(ctx).set_retention(marac, 1)
    ctx.today = lambda: LATER
    return marac


def _count(ctx: ServiceContext, model: type[m.Base]) -> int:
    with ctx.reading() as s:
        return s.scalar(select(func.count()).select_from(model))


def _table_counts(ctx: ServiceContext) -> dict[str, int]:
    return {t.name: _count_table(ctx, t.name) for t in m.Base.metadata.sorted_tables}


def _count_table(ctx: ServiceContext, name: str) -> int:
    with ctx.reading() as s:
        return s.execute(text(f"SELECT count(*) FROM {name}")).scalar()


def _case_people(ctx: ServiceContext, case_id: int) -> set[int]:
    with ctx.reading() as s:
        return set(s.scalars(select(m.CasePerson.person_id).where(m.CasePerson.case_id == case_id)))


def _cases_of_person(ctx: ServiceContext, person_id: int) -> set[int]:
    with ctx.reading() as s:
        linked = set(s.scalars(select(m.CasePerson.case_id).where(m.CasePerson.person_id == person_id)))
        linked |= set(s.scalars(select(m.Case.id).where(m.Case.subject_person_id == person_id)))
        return linked


def _lonely_victim_case(ctx: ServiceContext, case_ids: list[int]) -> tuple[int, int]:
    """A case (among ``case_ids``) whose victim is in no other case and in no group or place."""
    with ctx.reading() as s:
        for cid in case_ids:
            case = s.get(m.Case, cid)
            if case.subject_kind is not SubjectKind.PERSON:
                continue
            victim = case.subject_person_id
            if _cases_of_person(ctx, victim) != {cid}:
                continue
            if s.scalar(select(func.count()).select_from(m.GroupPerson).where(m.GroupPerson.person_id == victim)):
                continue
            if s.scalar(select(func.count()).select_from(m.LocationPerson).where(m.LocationPerson.person_id == victim)):
                continue
            return cid, victim
    raise AssertionError("the demo data has no such case")


def _shared_case(ctx: ServiceContext, case_ids: list[int]) -> int:
    """A case (among ``case_ids``) whose subject is in other cases too (a repeat victim)."""
    with ctx.reading() as s:
        for cid in case_ids:
            subject = s.get(m.Case, cid).subject_person_id
            if subject is not None and _cases_of_person(ctx, subject) - {cid}:
                return cid
    raise AssertionError("the demo data has no such case")


@dataclasses.dataclass(frozen=True)
class _Entry:
    id: int
    kind: AuditKind
    entity: str
    entity_id: int | None
    details: dict


def _audit_entries(ctx: ServiceContext, ids: list[int] | None = None) -> list[_Entry]:
    """Entries (all, or those with ``ids``) as plain values, newest first."""
    stmt = select(m.AuditEvent).order_by(m.AuditEvent.id.desc())
    if ids is not None:
        stmt = stmt.where(m.AuditEvent.id.in_(ids))
    with ctx.reading() as s:
        return [_Entry(e.id, e.kind, e.entity, e.entity_id, e.details) for e in s.scalars(stmt)]


def _orphans(ctx: ServiceContext) -> dict[str, int]:
    """People linked to nothing; groups that are no case's subject."""
    with ctx.reading() as s:
        conn = s.connection()
        people = conn.execute(text(
            "SELECT count(*) FROM person p WHERE NOT EXISTS (SELECT 1 FROM case_person x WHERE x.person_id = p.id)"
            " AND NOT EXISTS (SELECT 1 FROM case_record c WHERE c.subject_person_id = p.id)"
            " AND NOT EXISTS (SELECT 1 FROM group_person g WHERE g.person_id = p.id)"
            " AND NOT EXISTS (SELECT 1 FROM location_person l WHERE l.person_id = p.id)")).scalar()
        groups = conn.execute(text(
            "SELECT count(*) FROM subject_group g"
            " WHERE NOT EXISTS (SELECT 1 FROM case_record c WHERE c.subject_group_id = g.id)")).scalar()
        return {"people": people, "groups": groups}


# --- settings ------------------------------------------------------------------------------------


def test_retention_settings_and_changing_them(demo_ctx) -> None:
    service = RetentionService(demo_ctx)
    settings = service.retention_settings()
    assert {p.panel_type for p in settings} >= {PanelType.MARAC, PanelType.CSVG, PanelType.SOCP, PanelType.CARM}
    assert {p.retention_years for p in settings} == {6}
    marac = next(p for p in settings if p.panel_type is PanelType.MARAC)

    result = service.set_retention(marac.panel_id, 2)
    assert result.value.retention_years == 2 and result.changes.panels
    assert next(p for p in service.retention_settings() if p.panel_id == marac.panel_id).retention_years == 2
    entry = _audit_entries(demo_ctx)[0]
    assert (entry.kind, entry.entity, entry.entity_id) == (AuditKind.UPDATE, "panel", marac.panel_id)
    assert entry.details == {"changes": {"retention_years": {"old": 6, "new": 2}}}

    for bad in (0, 101, -1, True, 2.5, "5"):
        with pytest.raises(ValidationError) as err:
            service.set_retention(marac.panel_id, bad)  # type: ignore[arg-type]
        assert err.value.field == "retention_years"
    assert next(p for p in service.retention_settings() if p.panel_id == marac.panel_id).retention_years == 2


def test_cases_past_retention(demo_ctx) -> None:
    service = RetentionService(demo_ctx)
    # The demo is one year old and every panel keeps cases six years: nothing is due.
    assert service.cases_past_retention() == []

    marac = _one_year_marac(demo_ctx)
    rows = service.cases_past_retention()
    assert rows, "a one-year retention a year on must find closed MARAC cases"
    assert {r.panel_id for r in rows} == {marac}  # the other panels still keep six years
    assert {r.status for r in rows} <= {CaseStatus.CLOSED, CaseStatus.ARCHIVED}
    for r in rows:
        assert r.retention_ended_on == add_years(r.closed_on, 1) < LATER
        assert r.years_past == 0
        assert r.reference.startswith("MARAC-")
    # No personal data in the rows: a reference, a panel, dates and a kind.
    assert {f.name for f in dataclasses.fields(rows[0])} == {
        "case_id", "reference", "panel_id", "panel_name", "subject_kind", "status", "closed_on",
        "retention_ended_on", "years_past"}
    # The same cases by a direct query.
    with demo_ctx.reading() as s:
        expected = set(s.scalars(select(m.Case.id).where(
            m.Case.panel_id == marac, m.Case.status.in_([CaseStatus.CLOSED, CaseStatus.ARCHIVED]),
            m.Case.closed_on < date(2026, 3, 1))))
    assert {r.case_id for r in rows} == expected


def test_a_non_administrator_is_refused_everything(demo_ctx) -> None:
    service = RetentionService(demo_ctx)
    marac = _panel_id(demo_ctx, PanelType.MARAC)
    with demo_ctx.reading() as s:
        some_case = s.scalar(select(m.Case.id).where(m.Case.panel_id == marac).limit(1))
    before = _table_counts(demo_ctx)
    demo_ctx.actor = Actor(user_id=99, username="officer", role=Role.OFFICER, panel_ids=frozenset({marac}))
    calls = [
        service.retention_settings,
        lambda: service.set_retention(marac, 1),
        service.cases_past_retention,
        lambda: service.erase_cases([some_case], "test"),
        lambda: service.erase_cases([some_case], "right to erasure", force=True),
        service.scrub_storage,
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    for role in (Role.CHAIR, Role.COORDINATOR, Role.VIEWER):
        demo_ctx.actor = Actor(user_id=98, username="someone", role=role)
        with pytest.raises(PermissionDenied):
            service.erase_cases([some_case], "test", force=True)
    assert _table_counts(demo_ctx) == before


# --- erasure -------------------------------------------------------------------------------------


def test_erasing_cases_removes_them_and_the_people_only_they_held(demo_ctx) -> None:
    _one_year_marac(demo_ctx)
    service = RetentionService(demo_ctx)
    due = [r.case_id for r in service.cases_past_retention()]
    # One case whose household is in no other case, one whose victim was referred again later.
    case_id, victim = _lonely_victim_case(demo_ctx, due)
    shared = _shared_case(demo_ctx, due)
    erased = [case_id, shared]
    people = _case_people(demo_ctx, case_id) | _case_people(demo_ctx, shared)
    staying = {p for p in people if _cases_of_person(demo_ctx, p) - set(erased)}
    going = people - staying
    assert victim in going and staying

    with demo_ctx.reading() as s:
        references = tuple(s.get(m.Case, c).reference for c in erased)
        reference = references[0]
        other_actions = dict(s.execute(
            select(m.Action.case_id, func.count()).where(m.Action.case_id.is_not(None), m.Action.case_id.not_in(erased))
            .group_by(m.Action.case_id)).all())
        other_people = dict(s.execute(
            select(m.CasePerson.case_id, func.count()).where(m.CasePerson.case_id.not_in(erased))
            .group_by(m.CasePerson.case_id)).all())
        repeats = set(s.scalars(select(m.Case.id).where(m.Case.repeat_of_case_id.in_(erased)))) - set(erased)
        own = {model.__tablename__: s.scalar(select(func.count()).select_from(model).where(model.case_id.in_(erased)))
               for model in (m.Action, m.AgendaItem, m.RiskAssessment, m.CaseStatusChange, m.CasePerson)}
    assert all(own.values()), own  # the cases really had all of these to erase
    assert repeats  # and later referrals pointing back at one of them
    cases_before = _count(demo_ctx, m.Case)

    # Earlier audit entries about the case and the victim, as other services write them.
    with demo_ctx.unit_of_work() as s:
        audit.record(s, demo_ctx.actor, AuditKind.VIEW, "case", case_id, {"reference": reference}, at=demo_ctx.now())
        audit.record(s, demo_ctx.actor, AuditKind.UPDATE, "person", victim,
                     {"changes": {"phone": {"old": "07700 900001", "new": "07700 900002"}}}, at=demo_ctx.now())
        audit.record(s, demo_ctx.actor, AuditKind.VIEW, "case", min(other_people), {"reference": "other"},
                     at=demo_ctx.now())
        earlier = [e.id for e in s.scalars(select(m.AuditEvent).order_by(m.AuditEvent.id.desc()).limit(3))]

    result = service.erase_cases(erased, "Retention period ended")
    report = result.value
    assert report.references == tuple(ref for _, ref in sorted(zip(erased, references)))
    assert report.counts["cases"] == 2
    assert report.counts["people"] == len(going)
    assert report.counts["actions"] == own["action"] and report.counts["agenda_items"] == own["agenda_item"]
    assert report.counts["repeat_links_cleared"] >= len(repeats)
    assert report.counts["audit_entries_redacted"] == 2
    assert report.storage_scrubbed and not report.forced
    assert result.changes.cases and result.changes.people and result.changes.actions

    with demo_ctx.reading() as s:
        assert all(s.get(m.Case, c) is None for c in erased)
        for model in (m.Action, m.AgendaItem, m.RiskAssessment, m.CaseStatusChange, m.CasePerson, m.CaseFlag):
            assert s.scalar(select(func.count()).select_from(model).where(model.case_id.in_(erased))) == 0
        assert all(s.get(m.Person, p) is None for p in going)
        assert all(s.get(m.Person, p) is not None for p in staying)
        assert s.scalar(select(func.count()).select_from(m.PersonAlias).where(m.PersonAlias.person_id.in_(going))) == 0
        # Surviving cases are intact: their actions and people are all still there.
        assert dict(s.execute(select(m.Action.case_id, func.count()).where(m.Action.case_id.is_not(None))
                              .group_by(m.Action.case_id)).all()) == other_actions
        assert dict(s.execute(select(m.CasePerson.case_id, func.count()).group_by(m.CasePerson.case_id)).all()) == \
            other_people
        for rid in repeats:
            assert s.get(m.Case, rid).repeat_of_case_id is None
        assert dangling_references(s.connection()) == []

        # The trail: still verifies; the two earlier entries about erased records are redacted and
        # named by the erasure entry; the entry about another case is untouched.
        assert audit.verify_chain(s).ok
    entries = {e.id: e for e in _audit_entries(demo_ctx, earlier)}
    erasure = _audit_entries(demo_ctx)[0]
    assert _count(demo_ctx, m.Case) == cases_before - 2
    redacted = sorted(i for i, e in entries.items() if e.details == audit.REDACTED)
    assert len(redacted) == 2 and [e for e in entries.values() if e.details == {"reference": "other"}]
    assert (erasure.kind, erasure.entity, erasure.entity_id) == (AuditKind.DELETE, "erasure", None)
    assert erasure.details["redacted_audit_ids"] == redacted
    assert erasure.details["case_references"] == list(report.references)
    assert erasure.details["reason"] == "Retention period ended" and erasure.details["forced"] is False
    assert erasure.details["counts"]["people"] == len(going)


def test_a_case_not_past_retention_is_refused_unless_forced(demo_ctx) -> None:
    service = RetentionService(demo_ctx)
    with demo_ctx.reading() as s:
        open_case, reference = s.execute(
            select(m.Case.id, m.Case.reference).where(m.Case.status == CaseStatus.OPEN).order_by(m.Case.id).limit(1)
        ).one()
        closed_recently = s.scalar(select(m.Case.id).where(m.Case.status == CaseStatus.CLOSED).limit(1))
    before = _table_counts(demo_ctx)
    for ids in ([open_case], [closed_recently], [open_case, closed_recently]):
        with pytest.raises(ValidationError) as err:
            service.erase_cases(ids, "Retention period ended")
        assert err.value.field == "case_ids"
    assert reference in str(err.value)
    with pytest.raises(ValidationError) as err:
        service.erase_cases([open_case], "   ", force=True)
    assert err.value.field == "reason"
    with pytest.raises(ValidationError) as err:
        service.erase_cases([], "Retention period ended")
    assert err.value.field == "case_ids"
    assert _table_counts(demo_ctx) == before  # nothing changed, not even the audit trail

    # A right-to-erasure request erases it anyway, and says it was forced.
    report = service.erase_cases([open_case], "Right to erasure request DP-2026-17", force=True).value
    assert report.forced and report.references == (reference,)
    with demo_ctx.reading() as s:
        assert s.get(m.Case, open_case) is None
        assert audit.verify_chain(s).ok
    assert _audit_entries(demo_ctx)[0].details["forced"] is True


def test_erasing_groups_and_places_leaves_nothing_linked_to_nothing(demo_ctx) -> None:
    """Every panel at one year, two years on: nearly every closed case goes at once — OCGs with
    their nominals, CARM places and peer groups, MARAC households — and what is left is whole."""
    service = RetentionService(demo_ctx)
    for p in service.retention_settings():
        service.set_retention(p.panel_id, 1)
    demo_ctx.today = lambda: date(2028, 1, 1)
    assert _orphans(demo_ctx)["people"] == 0
    standalone_groups = _orphans(demo_ctx)["groups"]
    due = service.cases_past_retention()
    kinds = {r.subject_kind for r in due}
    assert kinds == {SubjectKind.PERSON, SubjectKind.GROUP, SubjectKind.LOCATION}
    groups_before, locations_before = _count(demo_ctx, m.SubjectGroup), _count(demo_ctx, m.Location)

    report = service.erase_cases([r.case_id for r in due], "Retention period ended").value
    assert report.counts["cases"] == len(due)
    assert report.counts["groups"] > 0 and report.counts["locations"] > 0
    assert _count(demo_ctx, m.SubjectGroup) == groups_before - report.counts["groups"]
    assert _count(demo_ctx, m.Location) == locations_before - report.counts["locations"]
    assert _orphans(demo_ctx) == {"people": 0, "groups": standalone_groups}
    with demo_ctx.reading() as s:
        assert dangling_references(s.connection()) == []
        assert audit.verify_chain(s).ok
        # What remains is the cases still within retention (open ones and those closed lately).
        remaining = s.scalar(select(func.count()).select_from(m.Case))
        assert remaining > 0
        assert s.scalar(select(func.count()).select_from(m.Case).where(
            m.Case.status.in_([CaseStatus.CLOSED, CaseStatus.ARCHIVED]),
            m.Case.closed_on < date(2027, 1, 1))) == 0


# --- the key test: nothing left in the file's pages ----------------------------------------------

GIVEN = "Zephyrinaqx"
FAMILY = "Quillbrookvane"


@pytest.mark.sqlite_only
def test_the_page_reader_on_a_fresh_database(ctx, db_path: Path) -> None:
    """The decryptor itself, on a new file: page 1 decrypts to the rest of an SQLite header, a
    string just written is found in the decrypted pages, and a wrong key finds nothing."""
    from cspdesk.services.partnership.partnership import PartnershipService

    PartnershipService(ctx).set_up("Quillbrookvane Community Safety Partnership")
    pages = all_pages(db_path, TEST_KEY)
    assert header_is_sqlite(pages[0])
    assert pages[0].plain[:16] == db_path.read_bytes()[:16]  # the salt, in clear
    found = pages_containing(pages, "Quillbrookvane Community")
    assert found
    assert b"CREATE TABLE" in b"".join(p.plain for p in pages)
    wrong = all_pages(db_path, bytes(32))
    assert not header_is_sqlite(wrong[0]) and not pages_containing(wrong, "Quillbrookvane")
    assert b"Quillbrookvane" not in db_path.read_bytes()


@pytest.mark.sqlite_only
def test_an_erased_name_is_in_no_decrypted_page(demo_ctx, demo_db: Path) -> None:
    _one_year_marac(demo_ctx)
    service = RetentionService(demo_ctx)
    case_id, victim = _lonely_victim_case(demo_ctx, [r.case_id for r in service.cases_past_retention()])

    # Give the victim a name found nowhere else, and put it where data hides: the person row and its
    # name indexes (lower-case *_norm columns), an alias, the case's summary, an action's text and
    # the audit trail's details.
    with demo_ctx.unit_of_work() as s:
        person = s.get(m.Person, victim)
        old = {"given_name": person.given_name, "family_name": person.family_name}
        person.given_name, person.family_name = GIVEN, FAMILY
        person.given_norm, person.family_norm = normalise_name(GIVEN), normalise_name(FAMILY)
        s.add(m.PersonAlias(person_id=victim, alias=f"{GIVEN} {FAMILY}-Smith",
                            alias_norm=normalise_name(f"{GIVEN} {FAMILY} Smith")))
        case = s.get(m.Case, case_id)
        case.summary = f"{GIVEN} {FAMILY} reports repeated threats."
        action = s.scalars(select(m.Action).where(m.Action.case_id == case_id).limit(1)).one()
        action.text = f"Offer {GIVEN} an IDVA."
        audit.record(s, demo_ctx.actor, AuditKind.UPDATE, "person", victim,
                     {"changes": {k: {"old": v, "new": {"given_name": GIVEN, "family_name": FAMILY}[k]}
                                  for k, v in old.items()}}, at=demo_ctx.now())

    # The reader works: page 1 decrypts to an SQLite header, and the names are found in clear —
    # in the main file or the WAL, wherever the write has got to.
    pages = all_pages(demo_db, TEST_KEY)
    assert header_is_sqlite(pages[0])
    before = {name: pages_containing(pages, name) for name in (GIVEN, FAMILY)}
    assert all(before.values()), "the decryptor must find the names before erasure"
    assert {p.source for p in before[FAMILY]} <= {"main", "wal"}
    # ...while the raw bytes on disk never hold them: the file and its WAL are encrypted.
    wal = demo_db.with_name(demo_db.name + "-wal")
    for path in (demo_db, wal):
        if path.exists():
            raw = path.read_bytes().lower()
            assert GIVEN.lower().encode() not in raw and FAMILY.lower().encode() not in raw

    report = service.erase_cases([case_id], "Retention period ended").value
    assert report.storage_scrubbed and report.counts["people"] >= 1

    # Straight after erasure, with the app still open: in no page of the file, nor of its WAL.
    pages = all_pages(demo_db, TEST_KEY)
    assert header_is_sqlite(pages[0])
    assert len(pages) > 100  # the whole database was read, not an empty file
    for name in (GIVEN, FAMILY):
        found = pages_containing(pages, name)
        assert not found, f"{name} is still in pages {[(p.source, p.number) for p in found]}"
    # The reader still finds what was not erased (so a blank result above is not a broken reader).
    assert pages_containing(pages, "Swale MARAC")
    assert not wal.exists() or wal.stat().st_size == 0

    # And once the app has closed.
    demo_ctx.store.dispose()
    pages = list(main_pages(demo_db, TEST_KEY))
    assert not pages_containing(pages, GIVEN) and not pages_containing(pages, FAMILY)


# --- PostgreSQL ----------------------------------------------------------------------------------


@pytest.mark.postgres
def test_erasure_on_postgresql(pg_url: str) -> None:
    from cspdesk.demo.generator import DemoScale, generate_demo
    from cspdesk.services.database.workspace import close_workspace, open_workspace

    ctx = open_workspace(pg_url)
    try:
        generate_demo(ctx.store, scale=DemoScale.SMALL, seed=1, today=DEMO_TODAY)
        _one_year_marac(ctx)
        service = RetentionService(ctx)
        due = service.cases_past_retention()
        assert due
        case_id, victim = _lonely_victim_case(ctx, [r.case_id for r in due])
        with ctx.unit_of_work() as s:
            audit.record(s, ctx.actor, AuditKind.VIEW, "person", victim, {"name": "someone"}, at=ctx.now())
        cases_before = _count(ctx, m.Case)

        report = service.erase_cases([case_id, *[r.case_id for r in due[:5] if r.case_id != case_id]],
                                     "Retention period ended").value
        assert report.storage_scrubbed
        assert report.counts["audit_entries_redacted"] >= 1
        with ctx.reading() as s:
            assert s.get(m.Case, case_id) is None and s.get(m.Person, victim) is None
            assert s.scalar(select(func.count()).select_from(m.Case)) == cases_before - report.counts["cases"]
            chain = audit.verify_chain(s)
            assert chain.ok, chain
        erasure = _audit_entries(ctx)[0]
        assert erasure.entity == "erasure" and erasure.details["counts"]["cases"] == report.counts["cases"]
        assert _orphans(ctx)["people"] == 0
    finally:
        close_workspace(ctx)
