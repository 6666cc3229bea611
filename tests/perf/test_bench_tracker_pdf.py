"""The tracker PDF of 2,000 actions, rendered in-process (issue 23: ≤ 1 s), beside a plain
reportlab baseline of the same table built in the same run, so the ratio holds on a loaded machine.

Runs without the county database (the actions are made up, with the county's shapes: references
like ``MARAC-MW-2026-00123``, texts of one line to a paragraph, some with a latest update)::

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest tests/perf/test_bench_tracker_pdf.py -s -m perf -p no:randomly

The baseline is what a person would write with reportlab alone: one ``Table`` of the same cells
(each a ``Paragraph`` in the sample style sheet's body text, which wraps it), the same column
widths, a repeated header, on landscape A4 — none of our furniture, fonts or fills.
"""

from __future__ import annotations

import io
import random
import statistics
import time
from datetime import date, datetime, timedelta

import pytest

pytestmark = pytest.mark.perf

ACTIONS = 2000
RUNS = 3
#: Issue 23's goal for the render alone, on an idle machine (printed beside the figures).
GOAL = 1.0
#: Ours against reportlab's own Table of the same cells (0.2-0.3 measured, December 2026).
RATIO_BUDGET = 0.5

_WORDS = ("refer", "victim", "housing", "officer", "safety", "plan", "review", "contact", "school", "police",
          "advocate", "update", "meeting", "risk", "support", "agency", "visit", "report", "children", "health")


def tracker_data(n: int = ACTIONS, seed: int = 23):  # noqa: ANN201
    from cspdesk.reports.action_papers import TrackerData, TrackerGroup, TrackerLine

    rnd = random.Random(seed)
    today = date(2026, 12, 7)
    rags = ("red", "amber", "green", "grey", "blue")

    def words(k: int) -> str:
        return " ".join(rnd.choice(_WORDS) for _ in range(k)).capitalize() + "."

    lines = []
    for i in range(n):
        rag = rags[i % len(rags)]
        update = words(rnd.randint(4, 30)) if i % 3 == 0 else ""
        lines.append(TrackerLine(
            number="", subject=f"MARAC-MW-2026-{i % 700:05d}", text=words(rnd.randint(6, 60)),
            agency=rnd.choice(("Kent Police", "Golding Homes", "Maidstone Borough Council", "KCC Children's Services")),
            owner=rnd.choice(("PC A. Example", "J. Sample", "")), due_date=today + timedelta(days=rnd.randint(-60, 90)),
            status=rnd.choice(("Not started", "In progress", "On hold", "Completed")), reason="",
            completed_on=None, rag=rag, overdue=rag == "red", latest_update=update,
            latest_update_on=today - timedelta(days=3) if update else None))
    counts = tuple((r, sum(1 for x in lines if x.rag == r)) for r in rags)
    return TrackerData(
        partnership="Maidstone CSP", protective_marking="OFFICIAL-SENSITIVE", generated_at=datetime(2026, 12, 7, 9),
        generated_by="Benchmark", panel="MARAC Maidstone", title="Action tracker", filters=(("Status", "All"),),
        groups=(TrackerGroup("", tuple(lines)),), counts=counts, today=today, amber_days=14)


def plain_reportlab(data) -> bytes:  # noqa: ANN001
    """The same table with reportlab alone (see the module's docstring)."""
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    from cspdesk.reports.action_papers import TRACKER_FRACTIONS

    style = getSampleStyleSheet()["BodyText"]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), invariant=1)
    rows = [[Paragraph(h, style) for h in ("Case", "Action", "Agency / owner", "Due", "Status", "RAG")]]
    for line in (x for g in data.groups for x in g.lines):
        action = line.text + (f" Latest update: {line.latest_update}" if line.latest_update else "")
        cells = (line.subject, action, f"{line.agency} {line.owner}", str(line.due_date), line.status, line.rag.upper())
        rows.append([Paragraph(escape(c), style) for c in cells])
    doc.build([Table(rows, colWidths=[doc.width * f for f in TRACKER_FRACTIONS], repeatRows=1)])
    return buffer.getvalue()


def _median(fn) -> tuple[float, object]:  # noqa: ANN001
    out = fn()  # warm: fonts registered, modules imported
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        out = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), out


def test_tracker_pdf_of_2000_actions_against_plain_reportlab() -> None:
    from pypdf import PdfReader

    from cspdesk.reports.action_papers import render_tracker_pdf

    data = tracker_data()
    ours, pdf = _median(lambda: render_tracker_pdf(data, invariant=True))
    baseline, base_pdf = _median(lambda: plain_reportlab(data))
    pages, base_pages = len(PdfReader(io.BytesIO(pdf)).pages), len(PdfReader(io.BytesIO(base_pdf)).pages)
    print(f"\ntracker PDF, {ACTIONS:,} actions: {ours:.3f} s, {pages} pages   "
          f"plain reportlab, same table: {baseline:.3f} s, {base_pages} pages   "
          f"ratio {ours / baseline:.2f}   (issue 23's goal: {GOAL:.1f} s on an idle machine)")
    # The absolute goal is printed, not asserted: on a loaded machine the seconds say little. The
    # ratio to the baseline built in the same run is what must hold.
    assert ours / baseline <= RATIO_BUDGET
