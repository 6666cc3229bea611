"""The services behind print preview: render() is what write() writes, record_printed() and the
preview of a case summary are recorded; the dashboard's charts are the PDF's charts as SVG."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from pypdf import PdfReader

from cspdesk.domain.enums import AuditKind
from cspdesk.reports.data_return import Series, chart_svg
from cspdesk.services.audit.audit import AuditQuery, AuditService
from cspdesk.services.papers.case_summary import CaseSummaryService
from cspdesk.services.referrals.cases import CaseService
from cspdesk.services.papers.returns import ReturnService, quarter

Q3 = "2026Q3"


def _pages(pdf: bytes | Path) -> int:
    return len(PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf).pages)


def _text(pdf: bytes | Path) -> str:
    reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
    return "\n".join(page.extract_text() for page in reader.pages)


def _audit(ctx, kind: AuditKind, entity: str, entity_id: int) -> list:  # noqa: ANN001
    service = AuditService(ctx)
    return service.event_rows(service.event_ids(AuditQuery(kinds=frozenset({kind}), entity=entity,
                                                           entity_id=entity_id)))


def test_the_services_render_what_they_write(demo_ctx, tmp_path):
    """render() gives the PDF write() would write; record_printed() records a print."""
    demo_ctx.now = lambda: datetime(2026, 11, 2, 9, 30)  # the same "printed at" in both
    panel_id = ReturnService(demo_ctx).panel_id_by_name("Swale MARAC")
    service = ReturnService(demo_ctx)
    pdf = service.render(panel_id, quarter(Q3), invariant=True)
    service.write(panel_id, quarter(Q3), tmp_path / "r.pdf", invariant=True)
    assert _pages(pdf) == _pages(tmp_path / "r.pdf")
    assert _text(pdf) == _text(tmp_path / "r.pdf")
    before = len(_audit(demo_ctx, AuditKind.PRINT, "panel", panel_id))
    service.record_printed(panel_id, quarter(Q3), suppress_small=True, pages=2, printer="Office printer")
    assert len(_audit(demo_ctx, AuditKind.PRINT, "panel", panel_id)) == before + 1

    case_id = CaseService(demo_ctx).case_ids()[0]
    views = len(_audit(demo_ctx, AuditKind.VIEW, "case", case_id))
    summary = CaseSummaryService(demo_ctx).render(case_id, contact_details=False)
    assert "leaves out addresses" in _text(summary)
    assert len(_audit(demo_ctx, AuditKind.VIEW, "case", case_id)) == views + 1  # the preview is a view


def test_the_dashboard_draws_the_returns_charts_as_svg(demo_ctx):
    panel_id = ReturnService(demo_ctx).panel_id_by_name("Swale MARAC")
    board = ReturnService(demo_ctx).dashboard(panel_id, quarter(Q3))
    assert [c.title for c in board.charts] == [s.title for s in board.data.charts if any(s.values)]
    agencies = next(s for s in board.data.charts if s.horizontal)
    svg = next(c.svg for c in board.charts if c.title == agencies.title).decode()
    assert svg.startswith("<?xml") and "<svg" in svg
    assert agencies.labels[0] in svg  # the top agency is named on its bar
    assert "clipPath" not in svg and "CSPDesk-Sans" not in svg  # what QtSvg cannot draw is gone


def test_long_agency_names_are_shortened_on_the_chart_not_dropped():
    name = "Maidstone and Tunbridge Wells NHS Trust Emergency Department Safeguarding Team"
    svg = chart_svg(Series("Referrals by agency", (name, "Kent Police"), (3, 12), horizontal=True)).decode()
    assert name not in svg and name[:30] in svg and "Kent Police" in svg
