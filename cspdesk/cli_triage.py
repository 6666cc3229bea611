"""``cspdesk triage`` and ``cspdesk print community-trigger`` (issue 19, part C: daily triage and ASB
case reviews). Kept apart from cspdesk/cli.py, which only adds these parsers."""

from __future__ import annotations

import argparse


def add_parsers(sub, common: argparse.ArgumentParser) -> None:  # noqa: ANN001 - argparse's private type
    p = sub.add_parser(
        "triage", parents=[common], help="a MARAC's daily triage list for a day",
        description="List the daily triage meeting of a MARAC panel on a day: the referrals received in the last "
        "24 hours (72 on a Monday) not yet triaged, with each one's outcome and minute once decided. Without a "
        "triage meeting that day, lists the referrals waiting (and with --create, makes the meeting).")
    p.add_argument("--panel", metavar="NAME", required=True, help="the MARAC panel (its name)")
    p.add_argument("--date", metavar="YYYY-MM-DD", required=True, help="the day of the triage meeting")
    p.add_argument("--create", action="store_true", help="make the day's triage meeting if there is none")
    p.add_argument("--out", metavar="FILE.pdf", default=None, help="also print the triage record to this PDF")
    p.set_defaults(handler=_cmd_triage)


def add_print_parser(print_sub, common: argparse.ArgumentParser) -> None:  # noqa: ANN001
    p = print_sub.add_parser(
        "community-trigger", parents=[common], help="a panel's published ASB case review figures for a year",
        description="The published figures of ASB case reviews (the Community Trigger) of a Community MARAC / "
        "CSVG panel for a calendar year: applications received, threshold decisions (met, not met), reviews "
        "held and recommendations made. Printed to the screen, and to a PDF with --out.")
    p.add_argument("--panel", metavar="NAME", required=True, help="the panel (its name)")
    p.add_argument("--year", metavar="YYYY", type=int, required=True, help="the calendar year")
    p.add_argument("--out", metavar="FILE.pdf", default=None, help="where to write the PDF")
    p.set_defaults(handler=_cmd_print_community_trigger)


def _cmd_triage(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cspdesk.cli import UsageError, _open, _panel_id, _parse_day
    from cspdesk.domain.triage import triage_window
    from cspdesk.services.meetings.triage import TriageService
    from cspdesk.services.referrals.cases import CaseService

    day = _parse_day(args.date, "--date")
    if args.out and not args.out.lower().endswith(".pdf"):
        raise UsageError(f"--out must end in .pdf: {args.out}")
    ctx = _open(args)
    try:
        panel_id = _panel_id(ctx, args.panel)
        service = TriageService(ctx)
        detail = service.for_day(panel_id, day)
        if detail is None and args.create:
            detail = service.create(panel_id, day).value
        if detail is None:
            ids = service.waiting(panel_id, day)
            print(f"No triage meeting on {day:%a %d %b %Y}. Waiting: referrals {triage_window(day).label}.")
            for r in CaseService(ctx).case_rows(ids):
                print(f"{r.reference:<18} {r.referral_date:%d %b %Y}  {r.referring_agency or '—':<24} {r.subject}")
            print(f"{len(ids):,} referral(s) waiting")
            return 0
        print(f"Daily triage, {detail.panel}, {day:%a %d %b %Y}: referrals {detail.window.label}")
        for e in detail.entries:
            outcome = e.outcome.label if e.outcome else "not yet decided"
            print(f"{e.reference:<18} {e.referral_date:%d %b %Y}  {outcome:<24} {e.subject}"
                  + (f" — {e.minute}" if e.minute else ""))
        undecided = sum(not e.decided for e in detail.entries)
        print(f"{len(detail.entries):,} referral(s), {undecided:,} not yet decided")
        if args.out:
            service.write_pdf(detail.id, Path(args.out))
            print(f"Triage record written to {args.out}")
    finally:
        ctx.store.dispose()
    return 0


def _cmd_print_community_trigger(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cspdesk.cli import UsageError, _open, _panel_id
    from cspdesk.services.referrals.community_trigger import CommunityTriggerService

    if args.out and not args.out.lower().endswith(".pdf"):
        raise UsageError(f"--out must end in .pdf: {args.out}")
    ctx = _open(args)
    try:
        service = CommunityTriggerService(ctx)
        panel_id = _panel_id(ctx, args.panel)
        figures = (service.write_annual(panel_id, args.year, Path(args.out)) if args.out
                   else service.annual(panel_id, args.year))
    finally:
        ctx.store.dispose()
    print(f"ASB case reviews (Community Trigger), {figures.panel}, {figures.year}")
    for words, number in figures.lines:
        print(f"  {words:<28} {number:>5,}")
    if args.out:
        print(f"Written to {args.out}")
    return 0
