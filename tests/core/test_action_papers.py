"""The action tracker, an agency's action log and an OCG's 4P plan, read back with pypdf."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from cspdesk.domain.enums import AuditKind, GroupKind, PanelType, Rag, Strand
from cspdesk.services.papers.action_papers import ActionPapersService
from cspdesk.services.actions.actions import UNFINISHED_STATUSES, ActionGroupBy, ActionQuery, ActionService
from cspdesk.services.context import ServiceContext
from cspdesk.services.errors import NotFound
from cspdesk.storage import models as m


def _read(path: Path) -> tuple[list[str], str]:
    pages = [p.extract_text() for p in PdfReader(path).pages]
    return pages, " ".join(" ".join(pages).split())


def _flat(text: str) -> str:
    return " ".join(text.split())


def _panel(ctx: ServiceContext, kind: PanelType) -> int:
    with ctx.reading() as s:
        return s.scalar(select(m.Panel.id).where(m.Panel.panel_type == kind).order_by(m.Panel.id).limit(1))


def _last_audit(ctx: ServiceContext) -> tuple[AuditKind, dict]:
    with ctx.reading() as s:
        return tuple(s.execute(select(m.AuditEvent.kind, m.AuditEvent.details)
                               .order_by(m.AuditEvent.id.desc()).limit(1)).one())


def test_tracker_lists_every_action_with_rag_in_words(demo_ctx: ServiceContext, tmp_path: Path) -> None:
    query = ActionQuery(panel_id=_panel(demo_ctx, PanelType.MARAC), statuses=frozenset(UNFINISHED_STATUSES),
                        group_by=ActionGroupBy.AGENCY)
    actions = ActionService(demo_ctx)
    rows = actions.action_rows(actions.action_ids(query))
    counts = actions.rag_counts(query)
    assert len(rows) > 30 and counts[Rag.RED] > 0 and counts[Rag.AMBER] > 0
    out = tmp_path / "tracker.pdf"
    data = ActionPapersService(demo_ctx).write_tracker(query, out)
    pages, text = _read(out)
    for number, page in enumerate(pages, start=1):
        assert page.count("OFFICIAL-SENSITIVE") >= 2 and f"Page {number} of {len(pages)}" in page
    assert sum(len(g.lines) for g in data.groups) == len(rows)
    for row in rows:
        assert row.case_reference in text
        assert _flat(row.text)[:45] in text
    # In words as well as in colour: a black-and-white copy still says which are red.
    assert text.count("RED") >= counts[Rag.RED] and text.count("AMBER") >= counts[Rag.AMBER]
    assert f"Red {counts[Rag.RED]}" in text and f"Amber {counts[Rag.AMBER]}" in text
    for agency in {r.owner_agency for r in rows}:
        assert f"{agency} (" in text  # a group heading per agency, with its count
    kind, details = _last_audit(demo_ctx)
    assert kind is AuditKind.PRINT and details["report"] == "tracker" and details["actions"] == len(rows)


def test_an_ungrouped_tracker_prints_as_the_window_shows_it(demo_ctx: ServiceContext, tmp_path: Path) -> None:
    """The window says "No grouping": so does the paper, with one list and no agency headings."""
    query = ActionQuery(panel_id=_panel(demo_ctx, PanelType.MARAC), statuses=frozenset(UNFINISHED_STATUSES))
    assert query.group_by is ActionGroupBy.NONE
    out = tmp_path / "tracker.pdf"
    data = ActionPapersService(demo_ctx).write_tracker(query, out)
    _pages, text = _read(out)
    assert ("Grouped by", "No grouping") in data.filters and "Grouped by: Agency" not in text
    assert [g.title for g in data.groups] == [""]


def test_agency_action_log_holds_only_that_agency(demo_ctx: ServiceContext, tmp_path: Path) -> None:
    service = ActionPapersService(demo_ctx)
    panel_id = _panel(demo_ctx, PanelType.MARAC)
    agency_id = service.agency_id("golding homes")
    query = ActionQuery(panel_id=panel_id, agency_id=agency_id, group_by=ActionGroupBy.AGENCY)  # as the CLI asks
    data = service.write_tracker(query, tmp_path / "log.pdf")
    _, text = _read(tmp_path / "log.pdf")
    assert data.title == "Action log — Golding Homes" and "Action log — Golding Homes" in text
    assert [g.title for g in data.groups] == ["Golding Homes"]
    everyone = ActionService(demo_ctx).action_rows(ActionService(demo_ctx).action_ids(ActionQuery(panel_id=panel_id)))
    theirs = [r for r in everyone if r.owner_agency_id == agency_id]
    others = [r for r in everyone if r.owner_agency_id != agency_id]
    assert len(data.groups[0].lines) == len(theirs) > 0
    assert others and not any(f"{r.case_reference} {_flat(r.text)[:30]}" in text for r in others
                              if r.case_reference not in {t.case_reference for t in theirs})
    with pytest.raises(NotFound):
        service.agency_id("No Such Agency")


def test_plan_grouped_by_heading_in_number_order(demo_ctx: ServiceContext, tmp_path: Path) -> None:
    service = ActionPapersService(demo_ctx)
    query = ActionQuery(panel_id=_panel(demo_ctx, PanelType.PARTNERSHIP), group_by=ActionGroupBy.HEADING)
    data = service.write_tracker(query, tmp_path / "plan.pdf")
    _, text = _read(tmp_path / "plan.pdf")
    assert len(data.groups) >= 5
    for group in data.groups:
        numbers = [tuple(int(x) for x in line.number.split(".")) for line in group.lines]
        assert numbers == sorted(numbers), group.title
        assert group.title in text
        for line in group.lines:
            assert line.number in text and _flat(line.text)[:40] in text


def test_4p_plan_of_an_ocg(demo_ctx: ServiceContext, tmp_path: Path) -> None:
    with demo_ctx.reading() as s:
        group_id, reference = s.execute(
            select(m.SubjectGroup.id, m.SubjectGroup.reference)
            .where(m.SubjectGroup.kind == GroupKind.OCG, m.SubjectGroup.id.in_(select(m.Action.group_id)),
                   m.SubjectGroup.id.in_(select(m.GroupPerson.group_id)))
            .order_by(m.SubjectGroup.id).limit(1)).one()
        texts = s.scalars(select(m.Action.text).where(m.Action.group_id == group_id)).all()
        names = [f"{p.given_name} {p.family_name}" for p in s.scalars(
            select(m.Person).join(m.GroupPerson, m.GroupPerson.person_id == m.Person.id)
            .where(m.GroupPerson.group_id == group_id))]
    service = ActionPapersService(demo_ctx)
    assert service.ocg_id(reference.lower()) == group_id
    service.write_plan(group_id, tmp_path / "4p.pdf")
    pages, text = _read(tmp_path / "4p.pdf")
    assert all(p.count("OFFICIAL-SENSITIVE") >= 2 for p in pages)
    assert f"4P plan {reference}" in text
    for strand in Strand:
        assert strand.label in text
    for name in names:
        assert name in text
    for action in texts:
        assert _flat(action)[:40] in text
    kind, details = _last_audit(demo_ctx)
    assert kind is AuditKind.PRINT and details == {"report": "4p_plan", "file": "4p.pdf"}


def test_the_preview_renders_the_saved_pages_and_records_only_prints(demo_ctx: ServiceContext,
                                                                     tmp_path: Path) -> None:
    # Both papers carry "printed at": one clock for both, or a minute ticking over between them differs.
    printed_at = demo_ctx.now()
    demo_ctx.now = lambda: printed_at
    service = ActionPapersService(demo_ctx)
    query = ActionQuery(panel_id=_panel(demo_ctx, PanelType.MARAC), agency_id=service.agency_id("IDVA"),
                        statuses=frozenset(UNFINISHED_STATUSES))
    with demo_ctx.reading() as s:
        entries = s.scalar(select(func.count()).select_from(m.AuditEvent))
    shown = service.render_tracker(query, invariant=True)
    with demo_ctx.reading() as s:
        assert s.scalar(select(func.count()).select_from(m.AuditEvent)) == entries  # a preview has not left the app
    service.write_tracker(query, tmp_path / "log.pdf", invariant=True)
    assert (tmp_path / "log.pdf").read_bytes() == shown
    service.record_tracker_printed(query, pages=2, printer="Office printer")
    kind, details = _last_audit(demo_ctx)
    assert kind is AuditKind.PRINT and details["report"] == "tracker" and details["printer"] == "Office printer"
    assert details["agency_id"] == query.agency_id and details["pages"] == 2

    with demo_ctx.reading() as s:
        group_id = s.scalar(select(m.SubjectGroup.id).where(m.SubjectGroup.kind == GroupKind.OCG)
                            .order_by(m.SubjectGroup.id).limit(1))
    plan = service.render_plan(group_id, invariant=True)
    assert plan.startswith(b"%PDF")
    service.record_plan_printed(group_id, pages=3, printer="Office printer")
    assert _last_audit(demo_ctx) == (AuditKind.PRINT, {"report": "4p_plan", "printer": "Office printer", "pages": 3})
    with pytest.raises(NotFound):
        service.record_plan_printed(group_id + 10_000, pages=1, printer="Office printer")


def test_county_references_fit_the_case_column_on_one_line() -> None:
    """Issue 23: a county reference ("MARAC-MW-2026-00123") wrapped in the tracker's Case column,
    doubling every row's height. Each reference now reads back whole, on one line."""
    import io
    from datetime import date, datetime

    from cspdesk.reports.action_papers import TrackerData, TrackerGroup, TrackerLine, render_tracker_pdf

    references = [f"MARAC-{d}-2026-{n:05d}" for d in ("MW", "SW", "TM") for n in (123, 4567, 88888)]
    lines = tuple(
        TrackerLine(number="", subject=ref, text="Refer to the housing panel", agency="Housing", owner="A Officer",
                    due_date=date(2026, 12, 20), status="Open", reason="", completed_on=None, rag="green",
                    overdue=False)
        for ref in references
    )
    data = TrackerData(partnership="Safer Testshire", protective_marking="OFFICIAL-SENSITIVE",
                       generated_at=datetime(2026, 12, 7, 9, 0), generated_by="coord", panel="Testshire MARAC",
                       title="Action tracker", filters=(), groups=(TrackerGroup("", lines),),
                       counts=(("green", len(lines)),), today=date(2026, 12, 7), amber_days=14)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(render_tracker_pdf(data, invariant=True))).pages)
    lines = text.splitlines()
    for reference in references:
        assert any(reference in line for line in lines), (reference, text)


def test_the_fast_tracker_table_prints_the_words_reportlab_would(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 23: the tracker's cells of several lines are drawn as one text object each, and the RAG
    fills as one command per run. The words, their order and the pages read back exactly as with
    reportlab's own Table (which draws every line on its own)."""
    import io
    from datetime import date, datetime, timedelta

    from cspdesk.reports import action_papers
    from cspdesk.reports.action_papers import TrackerData, TrackerGroup, TrackerLine, render_tracker_pdf

    words = ("refer", "victim", "housing", "officer", "safety", "plan", "review", "contact", "school", "£25 fee",
             "Ōsaka", "don’t")
    rags = ("red", "red", "amber", "green", "grey", "blue")
    lines = tuple(
        TrackerLine(number="", subject=f"MARAC-MW-2026-{n:05d}", text=" ".join(words[(n + k) % len(words)] for k in range(5 + n % 40)),
                    agency="Kent Police" if n % 2 else "Golding Homes", owner="PC A. Example" if n % 3 else "",
                    due_date=date(2026, 12, 7) + timedelta(days=n - 60), status="On hold" if n % 4 == 0 else "Open",
                    reason="Awaiting court" if n % 4 == 0 else "", completed_on=None, rag=rags[n % len(rags)],
                    overdue=n % 6 == 0, latest_update="Spoke to the school." if n % 5 == 0 else "",
                    latest_update_on=date(2026, 12, 1) if n % 5 == 0 else None)
        for n in range(120)
    )
    data = TrackerData(partnership="Safer Testshire", protective_marking="OFFICIAL-SENSITIVE",
                       generated_at=datetime(2026, 12, 7, 9, 0), generated_by="coord", panel="Testshire MARAC",
                       title="Action tracker", filters=(), groups=(TrackerGroup("", lines),),
                       counts=(("red", 40), ("amber", 20), ("green", 20), ("grey", 20), ("blue", 20)),
                       today=date(2026, 12, 7), amber_days=14)

    def read(pdf: bytes) -> list[str]:
        return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]

    fast = read(render_tracker_pdf(data, invariant=True))
    from reportlab.platypus import Table

    monkeypatch.setattr(action_papers, "_text_table_class", lambda: Table)
    assert fast == read(render_tracker_pdf(data, invariant=True))
    assert len(fast) > 5 and "Latest update" in "\n".join(fast)
    assert all(f"MARAC-MW-2026-{n:05d}" in "\n".join(fast) for n in range(120))
