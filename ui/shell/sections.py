"""The sections a main window offers — their names, order and keys — and how each page is built.

A page is built the first time it is wanted; :func:`page_builders` says how, and wires the page's
signals to the window (open a case, open meeting mode, hand changes on)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from enum import StrEnum
from typing import Any

from PySide6.QtWidgets import QListWidget

from cspdesk.services.database.workspace import describe_database
from cspdesk_gui.pages.base import Page


class Section(StrEnum):
    """The pages a window can show; the values are what ``--view`` accepts."""

    WELCOME = "welcome"
    PANELS = "panels"
    CASES = "cases"
    MEETINGS = "meetings"
    ACTIONS = "actions"
    REPORTS = "reports"
    ADMIN = "admin"


#: The side bar, in order; Ctrl+1 … Ctrl+6 follow it.
NAVIGATION: list[tuple[Section, str]] = [
    (Section.PANELS, "Panels"),
    (Section.CASES, "Cases"),
    (Section.MEETINGS, "Meetings"),
    (Section.ACTIONS, "Actions"),
    (Section.REPORTS, "Reports"),
    (Section.ADMIN, "Administration"),
]

#: Views that are a tab of a section: ``--view my-actions`` opens the Actions section on that tab.
SUB_VIEWS: dict[str, tuple[Section, str]] = {
    "my-actions": (Section.ACTIONS, "my"),
    "ocgs": (Section.ACTIONS, "ocgs"),
}

VIEW_NAMES = tuple(s.value for s in Section) + tuple(SUB_VIEWS)

#: The side bar's padding round a name: the item's (16 px each side) and margin (8), the
#: list's focus ring (2) and room to spare.
SIDEBAR_PADDING = 2 * 16 + 2 * 8 + 2 * 2 + 12


def sidebar_width(sidebar: QListWidget) -> int:
    """The side bar's width for its longest name in its font."""
    metrics = sidebar.fontMetrics()
    return max(metrics.horizontalAdvance(label) for _s, label in NAVIGATION) + SIDEBAR_PADDING


def navigation_row(section: Section) -> int:
    return next(i for i, (s, _l) in enumerate(NAVIGATION) if s == section)


def take_step(window: Any, link: str) -> None:  # window: the MainWindow (importing it would be a cycle)
    """Follow a getting-started link of the Panels page: "cases:new", "meetings:new",
    "admin:accounts", "admin:backups"."""
    if link == "cases:new":
        window.show_section(Section.CASES)
        window.page(Section.CASES).new_referral()  # type: ignore[attr-defined]
    elif link == "meetings:new":
        window.show_section(Section.MEETINGS)
        window.page(Section.MEETINGS).new_meeting()  # type: ignore[attr-defined]
    elif link.startswith("admin:"):
        window.show_section(Section.ADMIN)
        admin = window.page(Section.ADMIN)
        admin.show_tab(admin.backups_tab if link == "admin:backups" else admin.accounts_tab)  # type: ignore[attr-defined]


def page_builders(window: Any, *, administer: bool) -> dict[Section, Callable[[], Page]]:  # window: the MainWindow (importing it would be a cycle)
    """How to build each page offered to the person signed in to ``window.ctx``."""
    ctx, stack = window.ctx, window.stack

    def welcome() -> Page:
        from cspdesk_gui.pages.welcome import WelcomePage

        # Demo data only goes into a database with no accounts: never offered once someone signed in.
        page = WelcomePage(describe_database(ctx), stack, offer_demo=ctx.actor.user_id is None)
        page.set_up_requested.connect(window.set_up_partnership)
        page.demo_requested.connect(window.load_demo)
        return page

    def panels() -> Page:
        from cspdesk_gui.pages.panels import PanelsPage

        page = PanelsPage(ctx, stack)
        page.panel_opened.connect(window.open_panel)
        page.step_chosen.connect(partial(take_step, window))
        return page

    def cases() -> Page:
        from cspdesk_gui.pages.cases import CasesPage

        page = CasesPage(ctx, stack)
        page.case_opened.connect(window.open_case)
        page.changes_made.connect(window.apply_changes)
        return page

    def meetings() -> Page:
        from cspdesk_gui.pages.meetings import MeetingsPage

        page = MeetingsPage(ctx, stack)
        page.meeting_mode_requested.connect(window.open_meeting_mode)
        page.changes_made.connect(window.apply_changes)
        return page

    def actions() -> Page:
        from cspdesk_gui.pages.actions import ActionsPage

        page = ActionsPage(ctx, stack)
        page.changes_made.connect(window.apply_changes)
        return page

    def reports() -> Page:
        from cspdesk_gui.pages.reports import ReportsPage

        return ReportsPage(ctx, stack)

    def admin() -> Page:
        from cspdesk_gui.pages.admin import AdminPage

        page = AdminPage(ctx, stack)
        page.changes_made.connect(window.apply_changes)
        page.restore_requested.connect(window.restore_backup)
        return page

    builders: dict[Section, Callable[[], Page]] = {
        Section.WELCOME: welcome, Section.PANELS: panels, Section.CASES: cases, Section.MEETINGS: meetings,
        Section.ACTIONS: actions, Section.REPORTS: reports,
    }
    if administer:
        builders[Section.ADMIN] = admin
    return builders
