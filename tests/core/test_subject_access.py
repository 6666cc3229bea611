"""Subject access requests on the demo partnership: find, collect, export as JSON and PDF."""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from constants import DEMO_TODAY
from cspdesk.domain.enums import AuditKind, PanelType, PersonRole, Role
from cspdesk.reports.subject_access import (
    SarCase,
    SarDiscussion,
    SarPerson,
    SubjectAccessData,
    render_subject_access_pdf,
)
from cspdesk.services.audit import audit
from cspdesk.services.context import Actor, ServiceContext
from cspdesk.services.errors import NotFound, PermissionDenied
from cspdesk.services.papers.subject_access import SubjectAccessService
from cspdesk.storage import models as m


def _marac_victim(ctx: ServiceContext) -> int:
    """A MARAC victim with more than one case (a repeat) and actions on them."""
    with ctx.reading() as s:
        return s.scalars(
            select(m.CasePerson.person_id)
            .join(m.Case, m.Case.id == m.CasePerson.case_id)
            .join(m.Panel, m.Panel.id == m.Case.panel_id)
            .where(m.Panel.panel_type == PanelType.MARAC, m.CasePerson.role == PersonRole.VICTIM)
            .group_by(m.CasePerson.person_id)
            .having(func.count(func.distinct(m.CasePerson.case_id)) > 1)
            .order_by(m.CasePerson.person_id)
            .limit(1)
        ).one()


def _pdf_text(path_or_bytes: Path | bytes) -> tuple[str, PdfReader]:
    data = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def test_find_people_by_name_and_alias(demo_ctx) -> None:
    service = SubjectAccessService(demo_ctx)
    pid = _marac_victim(demo_ctx)
    with demo_ctx.reading() as s:
        person = s.get(m.Person, pid)
        given, family = person.given_name, person.family_name
        cases = len(set(s.scalars(select(m.CasePerson.case_id).where(m.CasePerson.person_id == pid))))
        alias_owner, alias = s.execute(select(m.PersonAlias.person_id, m.PersonAlias.alias).limit(1)).one()

    matches = service.find_people(f"{family[:3]} {given[:2]}")
    found = next(x for x in matches if x.id == pid)
    assert found.display_name == f"{given} {family}" and found.cases == cases
    assert alias_owner in {x.id for x in service.find_people(alias)}
    assert service.find_people("a") == []  # too short to mean anything
    assert service.find_people("zzzznotaname") == []


def test_collect_holds_everything_about_the_person(demo_ctx) -> None:
    pid = _marac_victim(demo_ctx)
    data = SubjectAccessService(demo_ctx).collect(pid)
    with demo_ctx.reading() as s:
        person = s.get(m.Person, pid)
        references = set(s.scalars(
            select(m.Case.reference).join(m.CasePerson, m.CasePerson.case_id == m.Case.id)
            .where(m.CasePerson.person_id == pid)))
        actions = s.scalar(select(func.count()).select_from(m.Action).where(
            m.Action.case_id.in_(select(m.CasePerson.case_id).where(m.CasePerson.person_id == pid))))
        assert (data.person.given_name, data.person.family_name, data.person.address, data.person.phone) == (
            person.given_name, person.family_name, person.address, person.phone)
        family = person.family_name
    assert {c.reference for c in data.cases} == references and len(references) > 1
    assert sum(len(c.actions) for c in data.cases) == actions > 0
    assert any(c.discussions for c in data.cases) and any(c.assessments for c in data.cases)
    assert all("Victim" in c.roles for c in data.cases if c.panel_type == "MARAC")
    # Viewing it is audited, with no personal data in the entry.
    with demo_ctx.reading() as s:
        entry = s.scalars(select(m.AuditEvent).order_by(m.AuditEvent.id.desc()).limit(1)).one()
        assert (entry.kind, entry.entity, entry.entity_id) == (AuditKind.VIEW, "person", pid)
        assert family not in audit.canonical(entry.details)

    with pytest.raises(NotFound):
        SubjectAccessService(demo_ctx).collect(10**9)


def test_export_writes_json_and_pdf(demo_ctx, tmp_path: Path) -> None:
    out = tmp_path / "sar"
    out.mkdir()
    pid = _marac_victim(demo_ctx)
    with demo_ctx.reading() as s:
        person = s.get(m.Person, pid)
        given, family = person.given_name, person.family_name
    json_path, pdf_path = SubjectAccessService(demo_ctx).export(pid, out)

    stem = f"SAR-{pid}-{DEMO_TODAY.isoformat()}"
    assert (json_path.name, pdf_path.name) == (f"{stem}.json", f"{stem}.pdf")
    assert sorted(p.name for p in out.iterdir()) == [f"{stem}.json", f"{stem}.pdf"]  # no temp files left

    body = json.loads(json_path.read_text(encoding="utf-8"))
    assert body["format"] == "cspdesk.subject-access/1"
    assert (body["person"]["given_name"], body["person"]["family_name"]) == (given, family)
    assert body["cases"] and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", c["referral_date"]) for c in body["cases"])
    assert datetime.fromisoformat(body["generated_at"])
    assert sum(len(c["actions"]) for c in body["cases"]) > 0
    assert body["cases"][0]["actions"][0]["text"]
    reference = body["cases"][0]["reference"]

    text, reader = _pdf_text(pdf_path)
    assert given in text and family in text
    assert reference in text
    assert f"Page 1 of {len(reader.pages)}" in text and len(reader.pages) > 1
    assert text.count("OFFICIAL-SENSITIVE") >= 2 * len(reader.pages)  # top and bottom of every page
    assert "Subject access request" in text and "Printed by local" in text
    # The name stays out of the file's metadata; the title says whose file it is by number.
    assert reader.metadata.title == f"Subject access request: person {pid}"
    assert family not in str(dict(reader.metadata))

    with demo_ctx.reading() as s:
        entry = s.scalars(select(m.AuditEvent).order_by(m.AuditEvent.id.desc()).limit(1)).one()
        assert (entry.kind, entry.entity, entry.entity_id) == (AuditKind.EXPORT, "person", pid)
        assert entry.details["files"] == [json_path.name, pdf_path.name]
        details = audit.canonical(entry.details)
        assert given not in details and family not in details
        assert audit.verify_chain(s).ok


def test_non_administrators_are_refused(demo_ctx, tmp_path: Path) -> None:
    out = tmp_path / "sar"
    out.mkdir()
    pid = _marac_victim(demo_ctx)
    service = SubjectAccessService(demo_ctx)
    with demo_ctx.reading() as s:
        marac = s.scalar(select(m.Panel.id).where(m.Panel.panel_type == PanelType.MARAC))
        audit_before = s.scalar(select(func.count()).select_from(m.AuditEvent))
    for role in (Role.OFFICER, Role.CHAIR, Role.COORDINATOR, Role.VIEWER):
        demo_ctx.actor = Actor(user_id=99, username="officer", role=role, panel_ids=frozenset({marac}))
        for call in (lambda: service.find_people("sm"), lambda: service.collect(pid),
                     lambda: service.export(pid, out)):
            with pytest.raises(PermissionDenied):
                call()
    assert list(out.iterdir()) == []
    with demo_ctx.reading() as s:
        assert s.scalar(select(func.count()).select_from(m.AuditEvent)) == audit_before


def test_the_pdf_escapes_user_text_and_splits_long_rows() -> None:
    """Text with markup characters prints as typed; a discussion longer than a page splits across
    pages (with the table header repeated) instead of failing; the output is reproducible."""
    person = SarPerson(
        id=7, given_name="Zoë <b>", family_name="O'Brien & Łukasiewicz", date_of_birth=date(1990, 1, 2),
        gender="", address="1 <Road>", postcode="", phone="", safe_to_call=None, safe_times="",
        contact_notes="Call <after> 6 & never before", ethnicity="", racially_minoritised=None,
        disability=None, lgbt=None, language="", interpreter_needed=False, created_at=datetime(2026, 1, 1),
    )
    long_text = "The panel discussed <risk> & safety. " * 500
    case = SarCase(
        reference="MARAC-2026-0001", panel="Swale MARAC", panel_type="MARAC", roles=("Victim",),
        referral_date=date(2026, 1, 1), referring_agency="Police", referrer="", status="Open",
        status_reason="", outcome="", closed_on=None, risk_level="", reason="", summary="", flags=(),
        other_people=0,
        discussions=(SarDiscussion(datetime(2026, 1, 5, 10), "Held", "New", long_text, "", "Continue", ""),),
    )
    data = SubjectAccessData("Safer <Test> & Co", "OFFICIAL-SENSITIVE", datetime(2026, 2, 1, 9, 30), "admin",
                             person, cases=(case,))
    pdf = render_subject_access_pdf(data, invariant=True)
    assert pdf == render_subject_access_pdf(data, invariant=True)
    text, reader = _pdf_text(pdf)
    assert len(reader.pages) >= 4
    assert "Zoë <b> O'Brien & Łukasiewicz" in text
    assert "Call <after> 6 & never before" in text
    assert "Safer <Test> & Co" in text
    assert text.count("Discussion") >= 3  # the header row, repeated on the pages the row spans
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in text
    # Empty sections say so rather than printing an empty table.
    assert "None held." in text
