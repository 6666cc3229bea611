"""The documents the preview can show, each made of calls to its service.

A :class:`PrintSource` is three service calls and two names; every print and
save is recorded by the service it calls, never by the dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path


from cspdesk.services.case_summary import CaseSummaryService
from cspdesk.services.context import ServiceContext
from cspdesk.services.returns import Period, ReturnService


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
