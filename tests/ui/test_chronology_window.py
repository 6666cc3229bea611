"""The chronology window (issue 20): its rows, its filters, Print…, and the ways in — the case
view's "Chronology…" (Ctrl+Shift+H) and a person's row — with "Also known to" in the case view."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from io import BytesIO
from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt

from core.chronology_setup import Known, make_known
from cspdesk.domain.chronology import EventKind
from cspdesk.services.people.chronology import Subject
from cspdesk_gui.dialogs.case_view import CaseDialog
from cspdesk_gui.dialogs.chronology import ChronologyDialog, open_chronology
from cspdesk_gui.models.chronology import EventColumn

#: Where screenshots go when asked for (CSPDESK_SHOTS=folder): looked at by a person, not asserted.
SHOTS = os.environ.get("CSPDESK_SHOTS")


@pytest.fixture
def known(ctx) -> Known:  # noqa: ANN001
    return make_known(ctx)


def _shot(widget, name: str) -> None:  # noqa: ANN001
    if SHOTS:
        widget.grab().save(str(Path(SHOTS) / f"{name}.png"))


def _open(qtbot, known: Known, *panels: str) -> ChronologyDialog:  # noqa: ANN001
    ctx = known.intake.ctx
    ctx.actor = known.user(*panels)
    dialog = open_chronology(None, ctx, Subject.person(known.person))
    assert isinstance(dialog, ChronologyDialog)
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)  # it comes to the front with the keyboard
    return dialog


def test_the_window_lists_the_events_of_the_users_panels_and_filters_them(qtbot, qtmodeltester, known: Known) -> None:  # noqa: ANN001
    dialog = _open(qtbot, known, "MARAC", "CSVG")
    qtmodeltester.check(dialog.model)
    model = dialog.model
    assert model.rowCount() == 11
    assert model.index(0, EventColumn.DATE).data() == "10 Jan 2026"
    assert model.index(3, EventColumn.DATE).data() == "20 Jan 2026, 10:00"
    assert model.index(0, EventColumn.WHERE).data() == "Testshire MARAC · MARAC-2026-0001"
    shown = {model.index(r, EventColumn.WHERE).data() for r in range(model.rowCount())}
    assert not any("CARM" in s for s in shown)  # not on CARM: nothing of it, not even a gap
    assert [dialog.panel_filter.itemText(i) for i in range(dialog.panel_filter.count())] == [
        "All panels", "Testshire CSVG", "Testshire MARAC"]
    _shot(dialog, "chronology-light")

    dialog.panel_filter.setCurrentIndex(1)  # CSVG
    assert model.rowCount() == 3 and dialog.count_label.text() == "3 events of 11"
    dialog.panel_filter.setCurrentIndex(0)
    dialog.kind_filter.setCurrentIndex(dialog.kind_filter.findData(EventKind.REFERRAL))
    assert [model.event_at(r).case_reference for r in range(model.rowCount())] == ["MARAC-2026-0001",
                                                                                  "CSVG-2026-0001"]
    dialog.kind_filter.setCurrentIndex(0)
    dialog.start.setDate(QDate(2026, 2, 1))
    dialog.end.setDate(QDate(2026, 2, 1))
    assert [model.event_at(r).kind for r in range(model.rowCount())] == [EventKind.ACTION_UPDATE] * 2
    dialog.start.setDate(QDate(2030, 1, 1))
    assert model.rowCount() == 0 and dialog.empty_label.isVisibleTo(dialog)


def test_print_previews_what_the_filters_show(qtbot, known: Known) -> None:  # noqa: ANN001
    dialog = _open(qtbot, known, "MARAC", "CSVG")
    dialog.panel_filter.setCurrentIndex(1)
    dialog.table.setFocus()
    with qtbot.waitSignal(dialog.preview_opened, timeout=5000) as opened:
        qtbot.keyClick(dialog.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    preview = opened.args[0]
    qtbot.waitUntil(lambda: preview.pdf is not None and preview.drawn_pages() != [], timeout=60_000)
    assert preview.source.title == "Chronology: a person (copy for circulation)"  # never the person's name
    assert preview.source.file_name == f"Chronology - person {known.person} (copy for circulation).pdf"
    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(preview.pdf)).pages)
    assert "CSVG-2026-0001" in text and "MARAC-2026-0001" not in text  # as filtered: CSVG only
    assert "[address removed]" in text and "3 Elm Close" not in text  # the copy for circulation
    if SHOTS:
        (Path(SHOTS) / "chronology.pdf").write_bytes(preview.pdf)
    preview.close()


def test_the_case_view_names_the_other_panels_and_opens_chronologies(qtbot, known: Known) -> None:  # noqa: ANN001
    ctx = known.intake.ctx
    ctx.actor = known.user("MARAC")
    dialog = CaseDialog.open_case(ctx, known.cases["MARAC"])
    qtbot.addWidget(dialog)
    with qtbot.waitExposed(dialog), qtbot.waitActive(dialog):
        dialog.show()
        dialog.activateWindow()
    assert dialog.also_known_to.text() == "Alex Example — Also known to: Testshire CARM, Testshire CSVG"
    _shot(dialog, "case-view-also-known-to")

    opened = []
    dialog.chronology_button.clicked.connect(lambda: opened.append(True))
    qtbot.keyClick(dialog, Qt.Key.Key_H,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: bool(opened), timeout=2000)  # a button's shortcut clicks it a moment later
    case_window = next(w for w in dialog.findChildren(ChronologyDialog))
    qtbot.waitExposed(case_window)
    assert case_window.chronology.subject == "MARAC-2026-0001"
    assert case_window.model.rowCount() == 8

    person = dialog.open_chronology(dialog.people_model.index(0, 0))
    assert person is not None and person.chronology.of == Subject.person(known.person)
    assert {e.case_reference for e in person.chronology.events} == {"MARAC-2026-0001"}
    for window in dialog.findChildren(ChronologyDialog):
        window.close()


def test_dark_screenshot(qtbot, known: Known) -> None:  # noqa: ANN001
    """The window in the dark scheme (a picture to look at, with CSPDESK_SHOTS)."""
    from cspdesk_gui import theme

    current = theme.theme()
    assert current is not None
    current.choose(theme.DARK_SCHEME)
    try:
        dialog = _open(qtbot, known, "MARAC", "CSVG", "CARM")
        assert dialog.model.rowCount() == 12
        _shot(dialog, "chronology-dark")
    finally:
        current.choose(theme.LIGHT_SCHEME)


def test_the_referral_forms_match_list_names_the_other_panels_of_the_match_chosen(qtbot, known: Known) -> None:  # noqa: ANN001
    """Said for the match chosen only, and asked of the service once per person (each telling is audited)."""
    from dataclasses import dataclass

    from sqlalchemy import func, select

    from cspdesk.storage.models import AuditEvent
    from cspdesk_gui.dialogs.chronology import chronology_hooks
    from cspdesk_gui.referrals.matches import MatchPanel

    @dataclass(frozen=True)
    class Found:  # what the match list needs of a PersonMatch
        person_id: int

    ctx = known.intake.ctx
    ctx.actor = known.user("CSVG")
    panel = MatchPanel(lambda entry: [], lambda found: f"person {found.person_id}", lambda entry, found: None,
                       **chronology_hooks(None, ctx))
    qtbot.addWidget(panel)
    panel.show()
    panel.model.set_matches([Found(known.person)])
    panel.list.setCurrentIndex(panel.model.index(0, 0))
    assert panel.about_label.text() == "Also known to: Testshire CARM, Testshire MARAC"
    assert panel.chronology_button.isEnabled()
    panel.list.setCurrentIndex(panel.model.index(0, 0))
    panel._update_button()  # shown again: not asked (nor audited) again
    with ctx.reading() as s:
        told = s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "person"))
    assert told == 1
    window = panel.open_chronology()
    assert isinstance(window, ChronologyDialog)
    qtbot.addWidget(window)
    assert {e.case_reference for e in window.chronology.events} == {"CSVG-2026-0001"}
    window.close()


def test_administrators_tick_the_pairs_whose_names_are_shown(qtbot, qtmodeltester, known: Known) -> None:  # noqa: ANN001
    from cspdesk.services.people.known_to import AlsoKnownToService
    from cspdesk_gui.pages.admin.known_to import AlsoKnownToTab

    ctx = known.intake.ctx  # the local owner: an administrator
    tab = AlsoKnownToTab(ctx)
    qtbot.addWidget(tab)
    tab.ensure_loaded()
    qtmodeltester.check(tab.model)
    rows = {(tab.model.setting(r).first, tab.model.setting(r).second): r for r in range(tab.model.rowCount())}
    pair = tuple(sorted((known.intake.marac, known.intake.socp)))
    index = tab.model.index(rows[pair], 0)
    assert index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked  # SOCP: off by default
    assert "by default: not shown" in index.data()
    with qtbot.waitSignal(tab.changes_made, timeout=2000):
        assert tab.model.setData(index, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    ctx.actor = known.user("MARAC")
    assert AlsoKnownToService(ctx).names(known.nominal) == ("Testshire SOCP",)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_map_window_draws_the_map_and_opens_a_nodes_record(qtbot, ctx, scheme: str) -> None:  # noqa: ANN001
    from core.chronology_setup import make_carm_map
    from cspdesk_gui import theme
    from cspdesk_gui.dialogs.context_map import ContextMapDialog, open_context_map

    carm = make_carm_map(ctx)
    current = theme.theme()
    current.choose(scheme)
    try:
        ctx.actor = carm.known.user("CARM")
        dialog = open_context_map(None, ctx)
        assert isinstance(dialog, ContextMapDialog)
        qtbot.addWidget(dialog)
        qtbot.waitExposed(dialog)
        assert len(dialog.items) == 8 and dialog.alerts.count() == 2
        assert dialog.alerts.item(0).text() == "Dev Older: linked to 3 young people in the period"
        _shot(dialog, f"map-{scheme}")
        assert dialog.highlight("young") == [f"person:{p}" for p in sorted(carm.young)]
        dialog.search.setText("Dev")
        with qtbot.waitSignal(dialog.record_opened, timeout=2000) as opened:
            qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
        assert opened.args[0] == f"person:{carm.adult}"
        window = opened.args[1]
        qtbot.addWidget(window)
        assert {e.case_reference for e in window.chronology.events} == {
            "CARM-2026-0004", "CARM-2026-0005", "CARM-2026-0006"}
        window.close()
        place = dialog.open_node(f"place:{carm.park}")  # a place opens the case about it
        qtbot.addWidget(place)
        assert place.detail.row.reference == "CARM-2026-0002"
        place.close()
        dialog.start.setDate(QDate(2026, 4, 1))
        dialog.end.setDate(QDate(2026, 4, 30))
        assert dialog.alerts.count() == 1  # May's cases are out: only the park
        if scheme == "light" and SHOTS:
            with qtbot.waitSignal(dialog.preview_opened, timeout=5000) as shown:
                dialog.print_map()
            preview = shown.args[0]
            qtbot.waitUntil(lambda: preview.pdf is not None, timeout=60_000)
            (Path(SHOTS) / "map.pdf").write_bytes(preview.pdf)
            preview.close()
    finally:
        current.choose(theme.LIGHT_SCHEME)


def test_meeting_modes_brief_names_the_other_panels_and_opens_the_cases_chronology(qtbot, known: Known) -> None:  # noqa: ANN001
    from datetime import datetime

    from cspdesk.domain.enums import AgendaItemKind, Listing, MeetingStatus, Role
    from cspdesk.services.context import Actor
    from cspdesk.storage.models import AgendaItem, Meeting
    from cspdesk_gui.meeting_mode import MeetingModeWindow

    ctx = known.intake.ctx
    with ctx.unit_of_work() as s:
        meeting = Meeting(panel_id=known.intake.marac, starts_at=datetime(2026, 6, 20, 10, 0),
                          status=MeetingStatus.PLANNED, created_at=datetime(2026, 6, 1))
        s.add(meeting)
        s.flush()
        s.add(AgendaItem(meeting_id=meeting.id, position=1, kind=AgendaItemKind.CASE, case_id=known.cases["MARAC"],
                         listing=Listing.REVIEW))
        meeting_id = meeting.id
    ctx.actor = Actor(user_id=known.intake.coordinator_id, username="coord", role=Role.COORDINATOR,
                      panel_ids=frozenset({known.intake.marac}))
    window = MeetingModeWindow(ctx, meeting_id)
    qtbot.addWidget(window)
    with qtbot.waitExposed(window), qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    window.go_to(0)
    assert "Also known to: Testshire CARM, Testshire CSVG" in window.people_label.text()
    _shot(window, "meeting-brief")
    qtbot.keyClick(window.notes, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    opened = window.findChildren(ChronologyDialog)
    assert len(opened) == 1 and opened[0].chronology.subject == "MARAC-2026-0001"
    opened[0].close()


def test_a_map_too_big_to_name_every_node_names_the_alerted_and_the_found(qtbot, demo_admin_ctx) -> None:  # noqa: ANN001
    """An administrator's map of every panel (over a thousand people and places) drew every name
    over the others into an unreadable band: only the alerted are named, Find names the found,
    and the window says so."""
    from cspdesk_gui.dialogs.context_map import MOST_NAMES, ContextMapDialog

    dialog = ContextMapDialog(demo_admin_ctx)
    qtbot.addWidget(dialog)
    assert len(dialog.items) > MOST_NAMES and not dialog.names_shown
    named = {key for key, dot in dialog.items.items() if dot.childItems()[0].isVisible()}
    assert named == {a.key for a in dialog.map.alerts}
    assert "Too many to name them all" in dialog.count_label.text()
    some = next(n for n in dialog.map.nodes if n.key not in named)
    dialog.search.setText(some.label)
    assert dialog.items[some.key].childItems()[0].isVisible()
    dialog.search.setText("")
    assert not dialog.items[some.key].childItems()[0].isVisible()
    _shot(dialog, "map-every-panel")
