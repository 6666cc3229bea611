"""The documents the preview can show, each made of calls to its service.

A :class:`PrintSource` is three service calls and two names; every print and
save is recorded by the service it calls, never by the dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path


from cspdesk.domain.chronology import ChronologyFilter
from cspdesk.services.papers.action_papers import ActionPapersService
from cspdesk.services.actions.actions import ActionQuery
from cspdesk.services.papers.case_summary import CaseSummaryService
from cspdesk.services.people.chronology import ChronologyService, Subject
from cspdesk.services.context import ServiceContext
from cspdesk.services.people.context_map import ContextMapService, MapQuery
from cspdesk.services.papers.meeting_papers import MeetingPapersService
from cspdesk.services.papers.quality import QualityService
from cspdesk.services.papers.returns import Period, ReturnService


@dataclass(frozen=True)
class PrintSource:
    """One document the preview can show, print and save. The callables are service calls; they
    run on a worker thread, so they must not touch widgets."""

    #: The window's title, e.g. "Data return: Swale MARAC, 2026 Q3".
    title: str
    #: The file name "Save as PDF…" suggests, e.g. "Data return - Swale MARAC - 2026 Q3.pdf".
    file_name: str
    #: The PDF's bytes (not recorded: nothing has left the app).
    render: Callable[[], bytes]
    #: Write the PDF to the path and record the save in the audit trail.
    save: Callable[[Path], object]
    #: Record that ``pages`` pages went to the printer called ``printer``.
    record_printed: Callable[[int, str], None]


@dataclass(frozen=True)
class PreviewChoice:
    """A check box above the preview that changes the document (e.g. "Leave out contact
    details"): toggling it builds the document again from ``source_for(checked)``."""

    label: str
    checked: bool
    source_for: Callable[[bool], PrintSource]
    tooltip: str = ""


def period_words(period: Period) -> str:
    """"2026 Q3" for a quarter (its label without the months), else the label as it is."""
    return period.label.split(" (")[0]


def data_return_source(ctx: ServiceContext, panel_id: int, panel_name: str, period: Period, *,
                       suppress_small: bool) -> PrintSource:
    service = ReturnService(ctx)
    when = period_words(period)
    return PrintSource(
        title=f"Data return: {panel_name}, {when}",
        file_name=f"Data return - {panel_name} - {when}.pdf",
        render=partial(service.render, panel_id, period, suppress_small=suppress_small),
        save=lambda path: service.write(panel_id, period, Path(path), suppress_small=suppress_small),
        record_printed=lambda pages, printer: service.record_printed(
            panel_id, period, suppress_small=suppress_small, pages=pages, printer=printer),
    )


def quality_source(ctx: ServiceContext, panel_id: int, panel_name: str, period: Period) -> PrintSource:
    """A MARAC's quality report against SafeLives' ten principles (issue 19)."""
    service = QualityService(ctx)
    when = period_words(period)
    return PrintSource(
        title=f"Quality report: {panel_name}, {when}",
        file_name=f"Quality report - {panel_name} - {when}.pdf",
        render=partial(service.render, panel_id, period),
        save=lambda path: service.write(panel_id, period, Path(path)),
        record_printed=lambda pages, printer: service.record_printed(panel_id, period, pages=pages, printer=printer),
    )


def case_summary_source(ctx: ServiceContext, case_id: int, reference: str, *, contact_details: bool) -> PrintSource:
    service = CaseSummaryService(ctx)
    copy = "" if contact_details else " (without contact details)"
    return PrintSource(
        title=f"Case summary: {reference}{copy}",
        file_name=f"Case summary - {reference}{copy}.pdf",
        render=partial(service.render, case_id, contact_details=contact_details),
        save=lambda path: service.write(case_id, Path(path), contact_details=contact_details),
        record_printed=lambda pages, printer: service.record_printed(
            case_id, contact_details=contact_details, pages=pages, printer=printer),
    )


def case_summary_choice(ctx: ServiceContext, case_id: int, reference: str, *,
                        leave_out_contact_details: bool = True) -> PreviewChoice:
    """"Leave out contact details" above the case summary's preview: checked at first, as the case
    view hides them until asked."""
    return PreviewChoice(
        label="Leave out contact details",
        checked=leave_out_contact_details,
        source_for=lambda leave_out: case_summary_source(ctx, case_id, reference, contact_details=not leave_out),
        tooltip="Addresses, phone numbers and safe times to call are left out of the printed summary",
    )


def tracker_source(ctx: ServiceContext, query: ActionQuery, title: str, *, distribution: bool = False) -> PrintSource:
    """A tracker or an action log: the actions ``query`` selects, as the tracker shows them.
    ``title`` names it, e.g. "Action tracker: Swale MARAC" or "Action log: Golding Homes".
    ``distribution``: the copy for circulation, contact details typed into the actions removed."""
    service = ActionPapersService(ctx)
    copy = " (copy for circulation)" if distribution else ""
    return PrintSource(
        title=title + copy,
        file_name=f"{title.replace(': ', ' - ')}{copy}.pdf",
        render=partial(service.render_tracker, query, distribution=distribution),
        save=lambda path: service.write_tracker(query, Path(path), distribution=distribution),
        record_printed=lambda pages, printer: service.record_tracker_printed(
            query, pages=pages, printer=printer, distribution=distribution),
    )


def tracker_choice(ctx: ServiceContext, query: ActionQuery, title: str) -> PreviewChoice:
    """"Copy for circulation" above a tracker's or an action log's preview: checked at first — an
    action log goes to the agencies; the full text is one click away for the panel's own file."""
    return PreviewChoice(
        label="Copy for circulation (addresses, phone numbers and e-mail addresses in the text removed)",
        checked=True,
        source_for=lambda distribution: tracker_source(ctx, query, title, distribution=distribution),
        tooltip="Untick for the actions' text as typed, for the panel's own file",
    )


def plan_source(ctx: ServiceContext, group_id: int, reference: str) -> PrintSource:
    """An OCG's 4P plan."""
    service = ActionPapersService(ctx)
    return PrintSource(
        title=f"4P plan: {reference}",
        file_name=f"4P plan - {reference}.pdf",
        render=partial(service.render_plan, group_id),
        save=lambda path: service.write_plan(group_id, Path(path)),
        record_printed=lambda pages, printer: service.record_plan_printed(group_id, pages=pages, printer=printer),
    )


def agenda_source(ctx: ServiceContext, meeting_id: int, meeting: str) -> PrintSource:
    """A meeting's agenda (``meeting`` names it: "Swale MARAC, 24 Nov 2026"). An agenda
    circulates, so it never carries contact details."""
    service = MeetingPapersService(ctx)
    return PrintSource(
        title=f"Agenda: {meeting}",
        file_name=f"Agenda - {meeting}.pdf",
        render=partial(service.render_agenda, meeting_id),
        save=lambda path: service.write_agenda(meeting_id, Path(path)),
        record_printed=lambda pages, printer: service.record_printed(
            meeting_id, "agenda", distribution=True, pages=pages, printer=printer),
    )


def minutes_source(ctx: ServiceContext, meeting_id: int, meeting: str, *, distribution: bool) -> PrintSource:
    service = MeetingPapersService(ctx)
    copy = " (distribution copy)" if distribution else ""
    return PrintSource(
        title=f"Minutes: {meeting}{copy}",
        file_name=f"Minutes - {meeting}{copy}.pdf",
        render=partial(service.render_minutes, meeting_id, distribution=distribution),
        save=lambda path: service.write_minutes(meeting_id, Path(path), distribution=distribution),
        record_printed=lambda pages, printer: service.record_printed(
            meeting_id, "minutes", distribution=distribution, pages=pages, printer=printer),
    )


def minutes_choice(ctx: ServiceContext, meeting_id: int, meeting: str) -> PreviewChoice:
    """"Distribution copy" above the minutes' preview: checked at first — the copy that goes out
    to the agencies leaves out addresses, phone numbers and contact notes; the full record is
    one click away for the coordinator's file."""
    return PreviewChoice(
        label="Distribution copy (no addresses, phone numbers or contact notes)",
        checked=True,
        source_for=lambda distribution: minutes_source(ctx, meeting_id, meeting, distribution=distribution),
        tooltip="Untick for the full record, with contact details, for the panel's own file",
    )


def chronology_source(ctx: ServiceContext, of: Subject, subject: str, chosen: ChronologyFilter, *,
                      redacted: bool) -> PrintSource:
    """A chronology as filtered in its window (``subject`` names it in the title: a reference, or
    "a person" — a file name never carries a person's name)."""
    service = ChronologyService(ctx)
    copy = " (copy for circulation)" if redacted else ""
    return PrintSource(
        title=f"Chronology: {subject}{copy}",
        file_name=f"Chronology - {of.kind} {of.id}{copy}.pdf",
        render=partial(service.render, of, chosen, redacted=redacted),
        save=lambda path: service.write(of, Path(path), chosen, redacted=redacted),
        record_printed=lambda pages, printer: service.record_printed(of, redacted=redacted, pages=pages,
                                                                     printer=printer),
    )


def chronology_choice(ctx: ServiceContext, of: Subject, subject: str, chosen: ChronologyFilter) -> PreviewChoice:
    """"Copy for circulation" above a chronology's preview: checked at first, as a chronology is
    most often printed for a review or another agency; the full text is one click away."""
    return PreviewChoice(
        label="Copy for circulation (addresses, phone numbers, e-mail addresses and postcodes removed)",
        checked=True,
        source_for=lambda redacted: chronology_source(ctx, of, subject, chosen, redacted=redacted),
        tooltip="Untick for the record as typed, for the panel's own file",
    )


def context_map_source(ctx: ServiceContext, query: MapQuery) -> PrintSource:
    """CARM's map as filtered in its window."""
    service = ContextMapService(ctx)
    return PrintSource(
        title="Map of contexts",
        file_name="Map of contexts.pdf",
        render=partial(service.render, query),
        save=lambda path: service.write(query, Path(path)),
        record_printed=lambda pages, printer: service.record_printed(query, pages=pages, printer=printer),
    )


def context_source(ctx: ServiceContext, context_id: int, reference: str, *, redacted: bool) -> PrintSource:
    """A CARM context's assessment and plan (issue 20): named by its case's reference, never the place."""
    from cspdesk.services.people.contexts import ContextService

    service = ContextService(ctx)
    copy = " (copy for circulation)" if redacted else ""
    return PrintSource(
        title=f"Context assessment and plan: {reference}{copy}",
        file_name=f"Context {reference}{copy}.pdf",
        render=partial(service.render, context_id, redacted=redacted),
        save=lambda path: service.write(context_id, Path(path), redacted=redacted),
        record_printed=lambda pages, printer: service.record_printed(context_id, redacted=redacted, pages=pages,
                                                                     printer=printer),
    )


def context_choice(ctx: ServiceContext, context_id: int, reference: str) -> PreviewChoice:
    """"Copy for circulation" above a context's preview, ticked at first: a context plan goes to
    schools and partners outside the panel more often than it stays in the panel's file."""
    return PreviewChoice(
        label="Copy for circulation (addresses, phone numbers, e-mail addresses and postcodes removed)",
        checked=True,
        source_for=lambda redacted: context_source(ctx, context_id, reference, redacted=redacted),
        tooltip="Untick for the record as typed, for the panel's own file",
    )
