"""Papers meant for circulation carry no contact details in any free-text field (issue 16, item 2).

Every free-text column behind a paper (notes, action text, decisions, outcomes, reasons, risks,
summaries, update notes, addenda, standing items' titles…) is filled with an address, a postcode,
UK phone numbers in several formats and an e-mail address; the paper is printed, read back with
pypdf, and must hold none of them — but the markers in their place, and the references, dates,
times and sums around them. The full record keeps them.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from papers_helpers import busiest_finalised_meeting
from pypdf import PdfReader
from sqlalchemy import Text, select
from sqlalchemy.orm import Session

from cspdesk.domain.enums import AgendaItemKind, MeetingStatus, PanelType
from cspdesk.services.papers.case_summary import CaseSummaryService
from cspdesk.services.context import ServiceContext
from cspdesk.services.papers.meeting_papers import MeetingPapersService
from cspdesk.storage import models as m

#: What a coordinator might type; under 200 characters, so it fits every typed column.
TYPED = ("Flag 3 Elm Close ME10 4QZ; 07700 900123, (01795) 417000, +44 7700 900456, 07700900789; "
         "jo.bloggs@example.org. MARAC-2026-0182 12/03/2026 10:30 £250")
#: None of these may be left in a copy for circulation (compared with all spaces taken out, so a
#: line break inside a number cannot hide it).
LEAKS = ("ElmClose", "ME104QZ", "900123", "417000", "900456", "07700900789", "jo.bloggs", "example.org")
MARKERS = ("[addressremoved]", "[postcoderemoved]", "[phoneremoved]", "[emailremoved]")
KEPT = ("MARAC-2026-0182", "12/03/2026", "10:30", "£250")
#: Typed columns that are String, not Text (Text columns are all free text).
TYPED_STRINGS = {m.Action: ("heading", "timescale")}


def _free_text(row: object) -> None:
    """Fill every free-text column of ``row`` with TYPED."""
    for column in type(row).__table__.columns:
        if isinstance(column.type, Text) or column.name in TYPED_STRINGS.get(type(row), ()):
            setattr(row, column.key, TYPED)


def _fill_cases(s: Session, case_ids: list[int]) -> None:
    """Every free-text field about these cases: the case, its agenda items, actions and their
    updates, status changes and risk assessments."""
    for model, column in ((m.Case, m.Case.id), (m.AgendaItem, m.AgendaItem.case_id), (m.Action, m.Action.case_id),
                          (m.CaseStatusChange, m.CaseStatusChange.case_id),
                          (m.RiskAssessment, m.RiskAssessment.case_id)):
        for row in s.scalars(select(model).where(column.in_(case_ids))):
            _free_text(row)
    action_ids = select(m.Action.id).where(m.Action.case_id.in_(case_ids))
    for update in s.scalars(select(m.ActionUpdate).where(m.ActionUpdate.action_id.in_(action_ids))):
        _free_text(update)


def _fill_meeting(ctx: ServiceContext, meeting_id: int) -> list[int]:
    with ctx.unit_of_work() as s:
        case_ids = list(s.scalars(select(m.AgendaItem.case_id).where(m.AgendaItem.meeting_id == meeting_id,
                                                                     m.AgendaItem.case_id.is_not(None))))
        _fill_cases(s, case_ids)
        for item in s.scalars(select(m.AgendaItem).where(m.AgendaItem.meeting_id == meeting_id)):
            _free_text(item)
            if item.kind is not AgendaItemKind.CASE:
                item.title = TYPED  # a standing item's title is typed too ("AOB: …")
        for action in s.scalars(select(m.Action).where(m.Action.meeting_id == meeting_id)):
            _free_text(action)
        s.add(m.MinutesAddendum(meeting_id=meeting_id, text=TYPED, at=ctx.now()))
    return case_ids


def _read(path: Path) -> str:
    """The PDF's text with every space and line break taken out."""
    return re.sub(r"\s", "", "".join(p.extract_text() for p in PdfReader(path).pages))


def _strings(value: object) -> list[str]:
    """Every string in a paper's data, at any depth."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, tuple | list):
        return [x for v in value for x in _strings(v)]
    if dataclasses.is_dataclass(value):
        return [x for f in dataclasses.fields(value) for x in _strings(getattr(value, f.name))]
    return []


def _assert_redacted(text: str, full: str, what: str, *, same_paper: bool = True, full_only: int = 0) -> None:
    """``text`` (the copy for circulation) holds no contact detail, each marker, and what must be
    kept; ``full`` (the paper not for circulation) held them, once per field printed — less
    ``full_only``, the fields only the full paper prints (the referral criteria)."""
    printed = full.count("jo.bloggs@example.org") - full_only
    assert printed >= 1 and "ElmClose" in full, f"{what}: the full paper prints what was typed"
    for leak in LEAKS:
        assert leak not in text, f"{what}: {leak} is in the copy for circulation"
    for marker in MARKERS:
        assert marker in text, f"{what}: no {marker}"
    for kept in KEPT:
        assert kept in text, f"{what}: {kept} was removed"
    # Each field printed says in place that something was removed (nothing silently dropped).
    if same_paper:
        assert text.count("[emailremoved]") >= printed, what


@pytest.fixture
def busy_meeting(demo_ctx: ServiceContext) -> int:
    return busiest_finalised_meeting(demo_ctx)


def test_distribution_minutes_redact_every_free_text_field(demo_ctx: ServiceContext, busy_meeting: int,
                                                          tmp_path: Path) -> None:
    _fill_meeting(demo_ctx, busy_meeting)
    service = MeetingPapersService(demo_ctx)
    service.write_minutes(busy_meeting, tmp_path / "full.pdf")
    service.write_minutes(busy_meeting, tmp_path / "copy.pdf", distribution=True)
    full, copy = _read(tmp_path / "full.pdf"), _read(tmp_path / "copy.pdf")
    # The referral criteria (judgement reason, lawful basis) are printed in the full minutes only.
    criteria_only = sum(value.count("jo.bloggs@example.org") for item in service.build(busy_meeting).items
                        for _, value in item.criteria)
    _assert_redacted(copy, full, "distribution minutes", full_only=criteria_only)
    # Actions' text, decisions, reasons, risks, summaries, addenda: all of them, field by field.
    assert full.count("jo.bloggs@example.org") >= 10
    data = service.build(busy_meeting, distribution=True)
    assert not [t for t in _strings(data) if "example.org" in t or "Elm Close" in t or "900123" in t]
    item = next(i for i in data.items if i.kind == "case")
    for text in (item.reason, item.summary, item.discussion, item.risks, item.decision_notes, item.actions[0].text):
        assert "[address removed]" in text and "[phone removed]" in text


def test_the_agenda_redacts_every_free_text_field(demo_ctx: ServiceContext, tmp_path: Path) -> None:
    with demo_ctx.reading() as s:
        meeting_id = s.execute(
            select(m.Meeting.id).join(m.Panel, m.Panel.id == m.Meeting.panel_id)
            .join(m.AgendaItem, m.AgendaItem.meeting_id == m.Meeting.id)
            .where(m.Panel.panel_type == PanelType.MARAC, m.Meeting.status == MeetingStatus.PLANNED,
                   m.AgendaItem.kind == AgendaItemKind.CASE)
            .order_by(m.Meeting.starts_at).limit(1)).scalar_one()
    _fill_meeting(demo_ctx, meeting_id)
    service = MeetingPapersService(demo_ctx)
    service.write_agenda(meeting_id, tmp_path / "agenda.pdf")
    # The agenda has no full version: the full minutes of the same meeting print what was typed.
    service.write_minutes(meeting_id, tmp_path / "full.pdf")
    agenda = _read(tmp_path / "agenda.pdf")
    _assert_redacted(agenda, _read(tmp_path / "full.pdf"), "agenda", same_paper=False)
    assert agenda.count("[emailremoved]") >= 10  # reasons, summaries, earlier actions, standing items


def test_print_case_without_contact_details_redacts_the_discussions(demo_ctx: ServiceContext, busy_meeting: int,
                                                                    tmp_path: Path, monkeypatch) -> None:
    """``cspdesk print case --without-contact-details`` printed the meeting's notes word for word."""
    from cspdesk import cli

    with demo_ctx.reading() as s:
        case_id, reference = s.execute(
            select(m.Case.id, m.Case.reference).join(m.AgendaItem, m.AgendaItem.case_id == m.Case.id)
            .join(m.Action, m.Action.case_id == m.Case.id)
            .where(m.AgendaItem.meeting_id == busy_meeting).order_by(m.Case.id).limit(1)).one()
    with demo_ctx.unit_of_work() as s:
        _fill_cases(s, [case_id])
        item_id = s.scalar(select(m.AgendaItem.id).where(m.AgendaItem.case_id == case_id).limit(1))
        s.add(m.MinutesAddendum(meeting_id=busy_meeting, agenda_item_id=item_id, text=TYPED, at=demo_ctx.now()))
    monkeypatch.setattr(cli, "_open", lambda args: demo_ctx)
    common = ["--db", "x.db", "--user", "coord"]
    for name, extra in (("full.pdf", []), ("copy.pdf", ["--without-contact-details"])):
        assert cli.run(cli.build_parser().parse_args(
            ["print", "case", "--case", reference, *extra, "--out", str(tmp_path / name), *common])) == 0
    _assert_redacted(_read(tmp_path / "copy.pdf"), _read(tmp_path / "full.pdf"), "case summary")
    data = CaseSummaryService(demo_ctx).build(case_id, contact_details=False)
    assert not [t for t in _strings(data) if "example.org" in t or "Elm Close" in t or "900123" in t]


def test_print_tracker_for_distribution_redacts_the_actions(demo_ctx: ServiceContext, tmp_path: Path,
                                                            monkeypatch) -> None:
    from cspdesk import cli

    with demo_ctx.unit_of_work() as s:
        panel_id, panel = s.execute(select(m.Panel.id, m.Panel.name).where(m.Panel.panel_type == PanelType.MARAC)
                                    .order_by(m.Panel.id).limit(1)).one()
        actions = s.scalars(select(m.Action).where(m.Action.panel_id == panel_id).order_by(m.Action.id).limit(12))
        for action in actions:
            _free_text(action)
    monkeypatch.setattr(cli, "_open", lambda args: demo_ctx)
    common = ["--db", "x.db", "--user", "coord"]
    for name, extra in (("full.pdf", []), ("copy.pdf", ["--distribution"])):
        assert cli.run(cli.build_parser().parse_args(
            ["print", "tracker", "--panel", panel, *extra, "--out", str(tmp_path / name), *common])) == 0
    copy = _read(tmp_path / "copy.pdf")
    _assert_redacted(copy, _read(tmp_path / "full.pdf"), "tracker")
    assert "forcirculation" in copy
