"""The command line: ``cspdesk [--db DB] [SUBCOMMAND …]``.

Without a subcommand the desktop window opens (``cspdesk_gui.launcher`` does that; this module never
imports Qt). Every subcommand works on the same services as the window.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from cspdesk import __version__

VIEWS = ("welcome", "panels", "cases", "meetings", "actions", "my-actions", "ocgs", "reports", "admin")

USER_HELP = (
    "the account to sign in with; the password comes from the CSPDESK_PASSWORD environment "
    "variable, or is asked for"
)
DB_HELP = (
    "the database: a file path (an encrypted SQLite file, created on first use) or a PostgreSQL "
    "URL (postgresql+psycopg://user:password@host/dbname). Default: cspdesk.db in your data folder."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cspdesk",
        description=(
            "CSPDesk: referrals, meetings and actions for Community Safety Partnership panels "
            "(MARAC, CSVG, SOCP, CARM). Without a subcommand, opens the desktop window."
        ),
        epilog="Run 'cspdesk SUBCOMMAND --help' for the options of each subcommand.",
    )
    parser.add_argument("--version", action="version", version=f"CSPDesk {__version__}")
    parser.add_argument("--db", metavar="DB", help=DB_HELP)
    parser.add_argument(
        "--screenshot",
        metavar="OUT.png",
        help="open the window, wait until it is drawn, save a screenshot to OUT.png and exit "
        "(works with QT_QPA_PLATFORM=offscreen)",
    )
    parser.add_argument("--user", metavar="NAME", help=USER_HELP)
    parser.add_argument("--view", choices=VIEWS, help="the page to show first (with or without --screenshot)")
    parser.add_argument(
        "--self-test", action="store_true",
        help="check this installation and exit: make a throwaway database in a temporary folder, a case, "
        "its PDF, and show the window once (works with QT_QPA_PLATFORM=offscreen); exit 0 when all is well",
    )
    # For tests/perf: print "shown" once the window is first drawn, then quit.
    parser.add_argument("--print-startup-time", action="store_true", help=argparse.SUPPRESS)

    # Subcommands take --db too; SUPPRESS keeps a --db given before the subcommand.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="DB", default=argparse.SUPPRESS, help=DB_HELP)
    common.add_argument("--user", metavar="NAME", default=argparse.SUPPRESS, help=USER_HELP)

    sub = parser.add_subparsers(dest="command", title="subcommands", metavar="SUBCOMMAND")

    p = sub.add_parser("panels", parents=[common], help="list the panels (id, name, type)")
    p.set_defaults(handler=_cmd_panels)

    p = sub.add_parser(
        "cases", parents=[common], help="list or search cases (newest first)",
        description="List cases, newest referral first, optionally searched by name or reference.",
    )
    p.add_argument("--search", metavar="TEXT", default="", help="a name, alias or reference (prefix)")
    p.add_argument("--panel", metavar="NAME", help="only this panel (its name or id)")
    p.add_argument("--limit", type=int, default=50, metavar="N", help="at most N cases (default 50)")
    p.set_defaults(handler=_cmd_cases)

    p = sub.add_parser(
        "meetings", parents=[common], help="list meetings (id, date, panel, status), newest first",
        description="List the meetings of the panels you belong to, newest first: id, date and time, "
        "panel, status and the number of cases on the agenda.",
    )
    p.add_argument("--panel", metavar="NAME", help="only this panel (its name or id)")
    p.set_defaults(handler=_cmd_meetings)

    p = sub.add_parser(
        "init", parents=[common], help="create a partnership's database from a configuration file",
        description=(
            "Create a new database exactly as the first-run wizard does — the partnership, its panels, "
            "agencies and accounts — from a TOML file an IT team can keep (see the example printed by "
            "--example). Passwords come from the environment variables the file names, or are asked "
            "for. The recovery key is printed once."
        ),
    )
    p.add_argument("--config", metavar="FILE", help="the partnership's TOML file")
    p.add_argument("--example", action="store_true", help="print a documented example file and exit")
    p.set_defaults(handler=_cmd_init)

    p = sub.add_parser(
        "cancel-meeting", parents=[common], help="cancel a planned meeting, giving the reason",
        description="Cancel a meeting that has not taken place. It stays in the list, marked cancelled with "
        "the reason; its cases go back to be listed (the next meeting suggests them). Audited. "
        "Find the meeting's id with 'cspdesk meetings'.",
    )
    p.add_argument("--meeting", metavar="ID", type=int, required=True, help="the meeting's id")
    p.add_argument("--reason", metavar="TEXT", required=True, help="why it is cancelled")
    p.set_defaults(handler=_cmd_cancel_meeting)

    p = sub.add_parser(
        "delete-meeting", parents=[common], help="delete a planned meeting with no business on it",
        description="Delete a planned meeting with no notes, decisions or actions on its agenda (a meeting "
        "with business is cancelled instead). Its cases go back to be listed. Audited.",
    )
    p.add_argument("--meeting", metavar="ID", type=int, required=True, help="the meeting's id")
    p.set_defaults(handler=_cmd_delete_meeting)

    p = sub.add_parser(
        "demo", parents=[common], help="make a new database holding a synthetic demo partnership",
        description=(
            "Make a new database holding a realistic synthetic partnership (agencies, one panel of "
            "each type, a year of cases, meetings and actions) and print its accounts. All names "
            "are invented. Every demo account gets the same password."
        ),
    )
    p.add_argument("--password", default=None, metavar="PASSWORD",
                   help="the password of every demo account (default: demo-password)")
    p.add_argument(
        "--scale", choices=("small", "county"), default="small",
        help="small: one district's year (~200 MARAC cases; default); county: ~50,000 cases and "
        "~500,000 actions, for benchmarks (takes minutes)",
    )
    p.add_argument("--seed", type=int, default=1, help="the same seed gives the same data (default 1)")
    p.set_defaults(handler=_cmd_demo)

    p = sub.add_parser("audit", help="the audit trail", description="Work with the audit trail.")
    audit_sub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = audit_sub.add_parser(
        "verify", parents=[common], help="check the hash chain; exit 1 at the first break",
        description="Check that no audit entry was changed, removed or inserted outside CSPDesk. "
        "Prints the first break and exits 1 if there is one. Signs in as an administrator.",
    )
    v.add_argument("--against", action="append", default=[], metavar="BACKUP", type=Path,
                   help="also check the seals a backup carries (a backup folder; may be repeated): they still "
                   "count when the database's and its keyring's seals were thrown away")
    v.set_defaults(handler=_cmd_audit_verify)
    v = audit_sub.add_parser(
        "seal", parents=[common], help="seal the trail's head now (administrators)",
        description="Sign the audit trail's newest entry as an administrator, in the database and in the "
        "keyring file, so that cutting the trail short below it is detected. Administrators' sign-ins "
        "and backups seal it too.",
    )
    v.set_defaults(handler=_cmd_audit_seal)

    p = sub.add_parser(
        "recover", parents=[common], help="regain access with the recovery key",
        description="When every administrator is locked out: the recovery key shown at set-up "
        "resets (or re-creates) the administrator account named by --user with a new password. "
        "The recovery key comes from CSPDESK_RECOVERY_KEY or is asked for; the new password from "
        "CSPDESK_NEW_PASSWORD or is asked for. On a server there is no recovery key: its database "
        "administrator gives --db with the owner's login (the URL it was set up with), and the account's "
        "own server role gets the new password.",
    )
    p.set_defaults(handler=_cmd_recover)

    p = sub.add_parser(
        "rekey", parents=[common], help="give the database file a new key now",
        description="Re-encrypt the database file with a new key, sealed for the active accounts only: "
        "no copy of the keyring made before (every backup has one) opens the file afterwards, whoever's "
        "password it holds. Backups keep the key they were made with. Signs in as an administrator.",
    )
    p.set_defaults(handler=_cmd_rekey)

    p = sub.add_parser(
        "backup", parents=[common], help="make a verified, encrypted backup of a database file",
        description="Make a backup of the database file while it may be in use: an encrypted copy of one "
        "consistent moment, with its keyring, checked after writing. Without --out it goes to the "
        "backups folder in your data folder (the oldest beyond the number to keep are deleted). Signs in "
        "with --user (an administrator or coordinator).",
    )
    p.add_argument("--out", metavar="FOLDER", default=None,
                   help="the new backup folder to write (it must not exist yet)")
    p.set_defaults(handler=_cmd_backup)

    p = sub.add_parser(
        "restore", parents=[common], help="put a backup in place of a database file",
        description="Restore BACKUP (a backup folder, or a database file with its .keyring beside it) as "
        "--db. The backup must open with --user and the password (CSPDESK_PASSWORD, or asked for), and "
        "that account must be an administrator in the backup; the current file need not open at all. "
        "It is checked before anything is replaced, and the file that was there is kept as "
        "<db>.before-restore-<time>. Sign in afterwards as usual.",
    )
    p.add_argument("backup", metavar="BACKUP", help="the backup folder (or its database file)")
    p.set_defaults(handler=_cmd_restore)

    from cspdesk.cli_agencies import add_parsers as add_agency_parsers

    add_agency_parsers(sub, common)  # circulate, returns (issue 18)

    from cspdesk.cli_offline import add_parsers as add_offline_parsers

    add_offline_parsers(sub, common)  # checkout, checkin (issue 21)
    from cspdesk.cli_transfers import add_parsers as add_transfer_parsers

    add_transfer_parsers(sub, common)  # transfer out / in (issue 19)
    from cspdesk.cli_triage import add_parsers as add_triage_parsers

    add_triage_parsers(sub, common)  # triage (issue 19, part C)

    p = sub.add_parser("import", help="import referrals or actions from a spreadsheet (CSV or XLSX)",
                       description="Import data kept elsewhere (CSV or XLSX) into CSPDesk.")
    import_sub = p.add_subparsers(dest="import_command", metavar="WHAT", required=True)
    v = import_sub.add_parser(
        "actions", parents=[common], help="import an action tracker or plan (CSV or XLSX) onto a panel",
        description="Import an existing action tracker or action plan from a CSV or Excel file onto a panel. "
        "The sheet's columns are matched to CSPDesk's fields from their headers (or as the last import into "
        "the panel chose), its status words (Delivered, Ongoing, On-hold, Not started…) to CSPDesk's statuses, "
        "and its lead agencies to agency names and short codes. Nothing is written when any row is bad, "
        "unless --good-rows-only. Bad rows are listed with their row number and reason.",
    )
    v.add_argument("file", metavar="FILE", help="the .csv or .xlsx file")
    v.add_argument("--panel", metavar="NAME", required=True, help="the panel (its name or id)")
    v.add_argument("--sheet", metavar="NAME", default=None, help="the worksheet (default: the first with data)")
    v.add_argument("--good-rows-only", action="store_true", help="import the good rows and report the bad ones")
    v.add_argument("--dry-run", action="store_true", help="check the file and report; write nothing")
    v.add_argument("--map", metavar="HEADER=FIELD", action="append", default=[],
                   help="use column HEADER for FIELD (number, heading, text, outcome, milestones, timescale, agency, owner, "
                   "due_date, status, reason, completed_on, update, case, strand; or none to ignore it); repeatable")
    v.add_argument("--agency", metavar="WORDS=AGENCY", action="append", default=[],
                   help="lead-agency WORDS in the sheet mean AGENCY (its name or short code; 'none' for no "
                   "agency); repeatable, and remembered for the panel's next import")
    v.set_defaults(handler=_cmd_import_actions)

    p = sub.add_parser("export", help="export data as CSV or XLSX", description="Export data from CSPDesk.")
    export_sub = p.add_subparsers(dest="export_command", metavar="WHAT", required=True)
    v = export_sub.add_parser(
        "actions", parents=[common], help="export a panel's action tracker (CSV or XLSX)",
        description="Write a panel's actions (or one agency's) to a .csv or .xlsx file, with status, due date, "
        "RAG and overdue. Exports are recorded in the audit trail.",
    )
    v.add_argument("--panel", metavar="NAME", required=True, help="the panel (its name or id)")
    v.add_argument("--out", metavar="FILE", required=True, help="the file to write: FILE.csv or FILE.xlsx")
    v.add_argument("--agency", metavar="AGENCY", default=None, help="only this agency's actions (name or short code)")
    v.add_argument("--open-only", action="store_true", help="only actions not completed or discontinued")
    v.set_defaults(handler=_cmd_export_actions)

    p = sub.add_parser(
        "check", parents=[common], help="check a database file for damage (integrity check)",
        description="Run SQLite's quick_check over the whole file (seconds on a large one). Exit 1 if it "
        "finds damage. Signs in with --user.",
    )
    p.set_defaults(handler=_cmd_check)

    r = import_sub.add_parser(
        "referrals", parents=[common], help="import referrals to one panel",
        description="Import referrals to one panel from a CSV or XLSX file (one row per referral; the "
        "columns are described in the templates' README, cspdesk/resources/templates). Every row is checked "
        "first and each bad row reported with its row number, column and reason. If any row is bad nothing "
        "is imported, unless --good-rows-only. People already held (same name and date of birth) are "
        "linked; repeats are worked out from referral dates (not the order of the rows), and cases already "
        "held whose repeat link changes are listed. A coordinator's own headings are recognised; see the "
        "README, 'Bringing your records in'. Exit 0 when the file was imported (or a dry "
        "run found nothing wrong), 1 when rows were bad, 2 when the file could not be read.",
    )
    r.add_argument("file", metavar="FILE", help="the CSV or XLSX file")
    r.add_argument("--panel", metavar="NAME", required=True, help="the panel (its name, reference prefix or id)")
    r.add_argument("--good-rows-only", action="store_true",
                   help="import the good rows even when some rows are bad (the bad ones are left out)")
    r.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    r.add_argument("--map", metavar="HEADING=FIELD", action="append", default=[],
                   help="read the column HEADING as FIELD (a template column such as family_name, or victim_name, "
                   "ethnicity, disability, sexual_orientation, gender_identity, age_band, children_count, "
                   "marac_date, decision); repeatable, and remembered for the panel's next import")
    r.add_argument("--agency", metavar="WORDS=AGENCY", action="append", default=[],
                   help="a referring agency written as WORDS in the file is AGENCY (its name or short code); "
                   "repeatable, and remembered for the panel's next import")
    r.set_defaults(handler=_cmd_import_referrals)

    p = sub.add_parser(
        "migrate", help="move a local partnership to a PostgreSQL server",
        description="Copy the partnership in the file --from into the empty PostgreSQL database --to: every "
        "table, the audit trail with its hash chain, the ids. The row counts of every table and the audit "
        "chain are checked on the server before the copy is kept; the file itself is only read (its bytes "
        "do not change). Signs in to the file read-only with --user, an administrator, who keeps the same "
        "password on the server; every other account needs a new temporary password there.",
    )
    p.add_argument("--from", dest="source", metavar="PATH", required=True, help="the database file to move")
    p.add_argument("--to", dest="target", metavar="URL", required=True,
                   help="an empty PostgreSQL database: postgresql+psycopg://user:password@host/dbname "
                   "(add ?sslmode=require for the server's TLS)")
    p.add_argument("--user", metavar="NAME", default=argparse.SUPPRESS, help=USER_HELP)
    p.set_defaults(handler=_cmd_migrate)

    _add_print_and_export(sub, common, export_sub)
    return parser


def _add_print_and_export(sub, common: argparse.ArgumentParser, export_sub) -> None:  # noqa: ANN001 - argparse's private type
    """``cspdesk print …`` (PDFs) and the figures of ``cspdesk export …`` (CSV/XLSX)."""
    period = argparse.ArgumentParser(add_help=False)
    period.add_argument("--panel", metavar="NAME", required=True, help="the panel (its name)")
    when = period.add_mutually_exclusive_group(required=True)
    when.add_argument("--quarter", metavar="YYYYQn", help="a calendar quarter, e.g. 2026Q3 (July to September)")
    when.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="the first day (with --to)")
    period.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="the last day, included (with --from)")
    period.add_argument("--suppress-small", action="store_true",
                        help="show counts under the partnership's threshold (default 5) as \"<5\"")

    printing = sub.add_parser("print", help="print a report to a PDF file",
                              description="Print a report to a PDF file. Every print is audited.")
    print_sub = printing.add_subparsers(dest="report", title="reports", metavar="REPORT", required=True)
    from cspdesk.cli_triage import add_print_parser as add_community_trigger

    add_community_trigger(print_sub, common)  # community-trigger (issue 19, part C)
    p = print_sub.add_parser("return", parents=[common, period], help="the quarterly data return of a panel",
                             description="The data return of a panel for a quarter or any period, with charts.")
    p.add_argument("--out", metavar="FILE.pdf", required=True, help="where to write the PDF")
    p.set_defaults(handler=_cmd_data_return, suffixes=(".pdf",))

    p = print_sub.add_parser("quality", parents=[common, period],
                             help="a MARAC's quality report against SafeLives' ten principles",
                             description="IDVA presence, minutes and actions per case, agencies' attendance by "
                                         "meeting, days from referral to hearing and the repeat rate of a MARAC.")
    p.add_argument("--out", metavar="FILE.pdf", required=True, help="where to write the PDF")
    p.set_defaults(handler=_cmd_data_return, suffixes=(".pdf",), quality=True)

    p = print_sub.add_parser("case", parents=[common], help="a case summary",
                             description="One case on paper: people, details, history, discussions, "
                             "risk assessments and actions.")
    p.add_argument("--case", metavar="REF", required=True, help="the case reference, e.g. MARAC-2026-0042")
    p.add_argument("--without-contact-details", action="store_true",
                   help="the copy for circulation: no addresses, telephone numbers or safe-contact notes, "
                   "and none in anything typed about the case")
    p.add_argument("--out", metavar="FILE.pdf", required=True, help="where to write the PDF")
    p.set_defaults(handler=_cmd_print_case)

    p = print_sub.add_parser("chronology", parents=[common], help="the chronology of a person, a case or a group",
                             description="Every referral, assessment, hearing, decision, action, update, status "
                             "change and contact change, dated and in order, across the panels you are a member "
                             "of (nothing of other panels is shown).")
    of = p.add_mutually_exclusive_group(required=True)
    of.add_argument("--person", metavar="N", type=int, help="a person's number")
    of.add_argument("--case", metavar="N|REF", help="a case's number or reference")
    of.add_argument("--group", metavar="N", type=int, help="an OCG's (or any group's) number")
    p.add_argument("--redacted", action="store_true",
                   help="the copy for circulation: addresses, telephone numbers, e-mail addresses, postcodes "
                   "and contact notes removed from everything in it")
    p.add_argument("--panel", metavar="NAME", action="append", default=[], help="only this panel's events (repeatable)")
    p.add_argument("--kind", action="append", default=[], choices=[k.value for k in _event_kinds()],
                   help="only events of this kind (repeatable)")
    p.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="only events on or after this day")
    p.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="only events on or before this day")
    p.add_argument("--out", metavar="FILE.pdf", required=True, help="where to write the PDF")
    p.set_defaults(handler=_cmd_print_chronology)

    p = print_sub.add_parser("context", parents=[common], help="a CARM context's assessment and plan",
                             description="A peer group's, place's or school's context assessment (the current "
                             "version, with the dates of the earlier ones) and its plan: goals, measures and "
                             "responses with owner, due date and status. Only for members of its CARM panel.")
    p.add_argument("--context", metavar="N", type=int, required=True, help="the context's number")
    p.add_argument("--redacted", action="store_true",
                   help="the copy for circulation: addresses, telephone numbers, e-mail addresses, postcodes "
                   "and contact notes removed from everything in it")
    p.add_argument("--out", metavar="FILE.pdf", required=True, help="where to write the PDF")
    p.set_defaults(handler=_cmd_print_context)

    p = print_sub.add_parser("tracker", parents=[common], help="a panel's action tracker, or an action log",
                             description="A panel's actions grouped by agency or by case, with RAG in colour and "
                             "in words and overdue marked. With --agency or --owner: that agency's or "
                             "officer's action log.")
    p.add_argument("--panel", metavar="NAME", required=True, help="the panel (its name or id)")
    p.add_argument("--agency", metavar="NAME", help="only this agency's actions (its name or short code)")
    p.add_argument("--owner", metavar="NAME", help="only this officer's actions (the name, or its beginning)")
    p.add_argument("--status", metavar="STATUS", action="append", default=[],
                   choices=[s.value for s in _action_statuses()],
                   help="only actions with this status (repeatable): " + ", ".join(s.value for s in _action_statuses()))
    p.add_argument("--open", action="store_true", help="only unfinished actions (open, ongoing, on hold)")
    p.add_argument("--overdue", action="store_true", help="only overdue actions")
    p.add_argument("--group-by", choices=("agency", "case", "heading"), default="agency",
                   help="group by agency (default), by case, or by a plan's headings")
    p.add_argument("--distribution", action="store_true",
                   help="the copy for circulation: addresses, telephone numbers, e-mail addresses and postcodes "
                   "typed into the actions are removed")
    p.add_argument("--out", metavar="FILE.pdf", required=True, help="where to write the PDF")
    p.set_defaults(handler=_cmd_print_tracker)

    p = print_sub.add_parser("plan", parents=[common], help="an OCG's 4P plan",
                             description="An organised crime group's 4P plan: nominals, lead officer, actions by "
                             "strand (Pursue, Prevent, Protect, Prepare), threat/risk/harm scores.")
    p.add_argument("--ocg", metavar="REF", required=True, help="the OCG's reference")
    p.add_argument("--out", metavar="FILE.pdf", required=True, help="where to write the PDF")
    p.set_defaults(handler=_cmd_print_plan)

    for name, what in (("agenda", "a meeting's agenda and case papers"), ("minutes", "a meeting's minutes")):
        p = print_sub.add_parser(name, parents=[common], help=what,
                                 description=f"Print {what}. Find the meeting's id with 'cspdesk meetings'.")
        p.add_argument("--meeting", metavar="ID", type=int, required=True, help="the meeting's id")
        if name == "minutes":
            p.add_argument("--distribution", action="store_true",
                           help="the copy for circulation: no addresses, telephone numbers or contact notes, "
                           "and none in anything typed")
        p.add_argument("--out", metavar="FILE.pdf", required=True, help="where to write the PDF")
        p.set_defaults(handler=_cmd_print_meeting, paper=name)

    p = export_sub.add_parser("return", parents=[common, period], help="the quarterly data return of a panel",
                              description="The data return of a panel for a quarter or any period.")
    p.add_argument("--out", metavar="FILE", required=True, help="where to write it: FILE.csv or FILE.xlsx")
    p.set_defaults(handler=_cmd_data_return, suffixes=(".csv", ".xlsx"))


def _parse_day(text: str, option: str):  # noqa: ANN202
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} takes a date like 2026-07-01, not “{text}”.") from None


def _cmd_data_return(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cspdesk.services.papers.quality import QualityService
    from cspdesk.services.papers.returns import ReturnService, between, quarter

    out = Path(args.out)
    if out.suffix.lower() not in args.suffixes:
        raise UsageError(f"--out must end in {' or '.join(args.suffixes)}: {out.name}")
    if args.quarter:
        if args.end:
            raise UsageError("Give either --quarter or --from and --to, not both.")
        period = quarter(args.quarter)
    else:
        if not args.end:
            raise UsageError("--from needs --to (the last day of the period).")
        period = between(_parse_day(args.start, "--from"), _parse_day(args.end, "--to"))
    ctx = _open(args)
    try:
        service = QualityService(ctx) if getattr(args, "quality", False) else ReturnService(ctx)
        data = service.write(service.panel_id_by_name(args.panel), period, out, suppress_small=args.suppress_small)
    finally:
        ctx.store.dispose()
    print(f"{data.panel}, {period.label}: written to {out}")
    return 0


def _action_statuses():  # noqa: ANN202
    from cspdesk.domain.enums import ActionStatus

    return list(ActionStatus)


def _pdf_out(args: argparse.Namespace):  # noqa: ANN202
    from pathlib import Path

    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        raise UsageError(f"--out must end in .pdf: {out.name}")
    return out


def _cmd_print_tracker(args: argparse.Namespace) -> int:
    from cspdesk.domain.enums import ActionStatus
    from cspdesk.services.papers.action_papers import ActionPapersService
    from cspdesk.services.actions.actions import UNFINISHED_STATUSES, ActionGroupBy, ActionQuery

    out = _pdf_out(args)
    ctx = _open(args)
    try:
        service = ActionPapersService(ctx)
        statuses = {ActionStatus(v) for v in args.status} | (set(UNFINISHED_STATUSES) if args.open else set())
        query = ActionQuery(
            panel_id=_panel_id(ctx, args.panel),
            agency_id=service.agency_id(args.agency) if args.agency else None,
            owner_name=args.owner or "",
            statuses=frozenset(statuses) or None,
            overdue_only=args.overdue,
            group_by=ActionGroupBy(args.group_by),
        )
        data = service.write_tracker(query, out, distribution=args.distribution)
    finally:
        ctx.store.dispose()
    print(f"{data.title}, {data.panel}: {sum(len(g.lines) for g in data.groups):,} action(s) written to {out}")
    return 0


def _cmd_print_plan(args: argparse.Namespace) -> int:
    from cspdesk.services.papers.action_papers import ActionPapersService

    out = _pdf_out(args)
    ctx = _open(args)
    try:
        service = ActionPapersService(ctx)
        data = service.write_plan(service.ocg_id(args.ocg), out)
    finally:
        ctx.store.dispose()
    print(f"4P plan {data.reference}: written to {out}")
    return 0


def _cmd_print_meeting(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cspdesk.services.papers.meeting_papers import MeetingPapersService

    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        raise UsageError(f"--out must end in .pdf: {out.name}")
    ctx = _open(args)
    try:
        service = MeetingPapersService(ctx)
        if args.paper == "agenda":
            data = service.write_agenda(args.meeting, out)
        else:
            data = service.write_minutes(args.meeting, out, distribution=args.distribution)
    finally:
        ctx.store.dispose()
    kind = "distribution copy of the minutes" if getattr(args, "distribution", False) else args.paper
    print(f"{data.panel}, {data.starts_at:%d %b %Y}: {kind} written to {out}")
    return 0


def _event_kinds():  # noqa: ANN202 - imported when the parser is built
    from cspdesk.domain.chronology import EventKind

    return list(EventKind)


def _cmd_print_chronology(args: argparse.Namespace) -> int:
    from datetime import date
    from pathlib import Path

    from cspdesk.domain.chronology import ChronologyFilter, kinds_named
    from cspdesk.services.papers.case_summary import CaseSummaryService
    from cspdesk.services.people.chronology import ChronologyService, Subject

    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        raise UsageError(f"--out must end in .pdf: {out.name}")
    try:
        start = date.fromisoformat(args.start) if args.start else None
        end = date.fromisoformat(args.end) if args.end else None
    except ValueError as exc:
        raise UsageError(f"--from and --to are days written YYYY-MM-DD ({exc})") from None
    ctx = _open(args)
    try:
        if args.person is not None:
            of = Subject.person(args.person)
        elif args.group is not None:
            of = Subject.group(args.group)
        else:
            number = args.case.strip()
            of = Subject.case(int(number) if number.isdigit() else CaseSummaryService(ctx).case_id(number))
        panels = frozenset(_panel_id(ctx, name) for name in args.panel) or None
        chosen = ChronologyFilter(panel_ids=panels, kinds=kinds_named(args.kind) or None, start=start, end=end)
        paper = ChronologyService(ctx).write(of, out, chosen, redacted=args.redacted)
    finally:
        ctx.store.dispose()
    print(f"{paper.title}: {len(paper.events):,} event(s) written to {out}")
    return 0


def _cmd_print_context(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cspdesk.services.people.contexts import ContextService

    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        raise UsageError(f"--out must end in .pdf: {out.name}")
    ctx = _open(args)
    try:
        paper = ContextService(ctx).write(args.context, out, redacted=args.redacted)
    finally:
        ctx.store.dispose()
    print(f"Context assessment and plan ({paper.kind.lower()}, {paper.reference}) written to {out}")
    return 0


def _cmd_print_case(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cspdesk.services.papers.case_summary import CaseSummaryService

    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        raise UsageError(f"--out must end in .pdf: {out.name}")
    ctx = _open(args)
    try:
        service = CaseSummaryService(ctx)
        data = service.write(service.case_id(args.case), out, contact_details=not args.without_contact_details)
    finally:
        ctx.store.dispose()
    print(f"{data.case.reference}: written to {out}")
    return 0


def _secret(env: str, prompt: str) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise UsageError(f"Set {env} or run in a terminal to be asked for it.")
    return getpass.getpass(prompt)


class UsageError(Exception):
    pass


def _open(args: argparse.Namespace):  # noqa: ANN202
    """Sign in with --user and the password from CSPDESK_PASSWORD or a prompt."""
    from cspdesk.services.access.auth import sign_in

    user = getattr(args, "user", None)
    if not user:
        raise UsageError("Name the account to sign in with: --user NAME (and set CSPDESK_PASSWORD, or be asked).")
    return sign_in(getattr(args, "db", None), user, _secret("CSPDESK_PASSWORD", f"Password for {user}: "))


def _cmd_panels(args: argparse.Namespace) -> int:
    from cspdesk.services.partnership.panels import PanelService

    ctx = _open(args)
    rows = PanelService(ctx).list_panels()
    if not rows:
        print("No panels yet.")
        return 0
    width = max(len(r.name) for r in rows)
    print(f"{'id':>4}  {'name':<{width}}  type")
    for r in rows:
        print(f"{r.id:>4}  {r.name:<{width}}  {r.panel_type.label}")
    return 0


def _cmd_cases(args: argparse.Namespace) -> int:
    from cspdesk.services.referrals.cases import CaseQuery, CaseService
    from cspdesk.services.errors import NotFound
    from cspdesk.services.partnership.panels import PanelService

    ctx = _open(args)
    panel_id = None
    if args.panel:
        panels = PanelService(ctx).list_panels()
        match = [p for p in panels if p.name.casefold() == args.panel.casefold() or str(p.id) == args.panel]
        if not match:
            raise NotFound(f"There is no panel called {args.panel!r}. Run 'cspdesk panels' to see them.")
        panel_id = match[0].id
    service = CaseService(ctx)
    ids = service.case_ids(CaseQuery(panel_id=panel_id, text=args.search))
    rows = service.case_rows(ids[: max(args.limit, 0)])
    for r in rows:
        print(f"{r.reference:<16} {r.referral_date:%d %b %Y}  {r.status.label:<10} {r.subject}")
    print(f"{len(ids):,} case(s)" + (f", first {len(rows)} shown" if len(rows) < len(ids) else ""))
    return 0


def _panel_id(ctx, name: str | None) -> int | None:  # noqa: ANN001
    from cspdesk.services.errors import NotFound
    from cspdesk.services.partnership.panels import PanelService

    if not name:
        return None
    panels = PanelService(ctx).list_panels()
    match = [p for p in panels if p.name.casefold() == name.casefold() or str(p.id) == name]
    if not match:
        raise NotFound(f"There is no panel called {name!r}. Run 'cspdesk panels' to see them.")
    return match[0].id


def _agency_id(options, words: str) -> int | None:  # noqa: ANN001
    from cspdesk.services.errors import NotFound

    if words.strip().casefold() == "none":
        return None
    for a in options:
        if words.strip().casefold() in (a.name.casefold(), a.short_code.casefold()):
            return a.id
    raise NotFound(f"There is no agency called {words!r}.")


def _cmd_import_actions(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from cspdesk.services.records_io.action_import import ActionField, ActionImportService, ImportRefused, norm

    ctx = _open(args)
    panel_id = _panel_id(ctx, args.panel)
    service = ActionImportService(ctx)
    table = service.read(args.file, sheet=args.sheet)
    suggestion = service.suggest_mapping(panel_id, table)
    mapping = suggestion.mapping
    for item in args.map:
        header, _, field_name = item.partition("=")
        index = next((i for i, h in enumerate(table.headers) if norm(h) == norm(header)), None)
        if index is None:
            raise UsageError(f"--map: the sheet has no column {header!r} (it has: {', '.join(table.headers)}).")
        value = field_name.strip().casefold()
        if value != "none" and value not in ActionField._value2member_map_:
            raise UsageError(f"--map: {field_name!r} is not a field.")
        mapping = mapping.with_column(index, None if value == "none" else ActionField(value))
    agencies = dict(mapping.agencies)
    for item in args.agency:
        words, _, agency = item.partition("=")
        agencies[norm(words)] = _agency_id(suggestion.agencies, agency)
    mapping = replace(mapping, agencies=agencies)
    names = {a.id: a.short_code for a in suggestion.agencies}
    print(f"{table.source}{' / ' + table.sheet if table.sheet else ''}: header on row {table.header_row}, "
          f"{len(table.rows)} rows below it" + (" (columns as last time)" if suggestion.remembered else ""))
    for header, field_ in zip(table.headers, mapping.columns, strict=True):
        print(f"  {header[:40]:<40} -> {field_.label if field_ else '(ignored)'}")
    for word, _ in suggestion.status_words:
        status = mapping.statuses.get(norm(word))
        print(f"  status {word!r:<24} -> {status.label if status else 'NOT UNDERSTOOD'}")
    try:
        report = service.import_actions(panel_id, table, mapping, good_rows_only=args.good_rows_only,
                                        dry_run=args.dry_run).value
    except ImportRefused as exc:
        for bad in exc.report.bad_rows:
            print(f"  {bad}", file=sys.stderr)
        raise
    for bad in report.bad_rows:
        print(f"  {bad}")
    for words in report.unmatched_agencies:
        print(f"  lead {words!r}: no agency matched; kept as the owner's name (use --agency to match it)")
    matched = sorted({f"{w} = {names.get(a, '?')}" for w, a in mapping.agencies.items() if a is not None})
    if matched:
        print("  agencies: " + "; ".join(matched))
    print(report.summary())
    return 1 if report.bad_rows and not args.good_rows_only else 0


def _cmd_export_actions(args: argparse.Namespace) -> int:
    from cspdesk.services.records_io.action_import import ActionImportService
    from cspdesk.services.actions.actions import UNFINISHED_STATUSES, ActionGroupBy, ActionQuery, ActionService, ActionSort

    ctx = _open(args)
    panel_id = _panel_id(ctx, args.panel)
    agency_id = None
    if args.agency:
        from cspdesk.services.records_io.action_import import AgencyOption

        options = [AgencyOption(c.id, c.label, c.detail) for c in ActionService(ctx).agency_choices()]
        agency_id = _agency_id(options, args.agency)
    query = ActionQuery(panel_id=panel_id, agency_id=agency_id,
                        statuses=frozenset(UNFINISHED_STATUSES) if args.open_only else None,
                        group_by=ActionGroupBy.HEADING, sort=ActionSort.NUMBER)
    count = ActionImportService(ctx).export(query, args.out).value
    print(f"wrote {count} action(s) to {args.out}")
    return 0


def _cmd_meetings(args: argparse.Namespace) -> int:
    from cspdesk.services.meetings.meetings import MeetingService

    ctx = _open(args)
    try:
        rows = MeetingService(ctx).list_meetings(_panel_id(ctx, args.panel))
    finally:
        ctx.store.dispose()
    if not rows:
        print("No meetings.")
        return 0
    width = max(len(r.panel_name) for r in rows)
    print(f"{'id':>5}  {'date':<17}  {'panel':<{width}}  {'status':<17}  cases")
    for r in rows:
        when = f"{r.starts_at.day:>2} {r.starts_at:%b %Y %H:%M}"
        reason = f"  ({r.cancel_reason})" if r.cancel_reason else ""
        print(f"{r.id:>5}  {when:<17}  {r.panel_name:<{width}}  {r.status.label:<17}  {r.cases}{reason}")
    print(f"{len(rows):,} meeting(s)")
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    from cspdesk.services.access.partnership_config import EXAMPLE, AccountPlan, init_partnership, load_config
    from cspdesk.services.database.workspace import describe_database

    if args.example:
        print(EXAMPLE.read_text(encoding="utf-8"), end="")
        return 0
    if not args.config:
        print("cspdesk init: give --config FILE (cspdesk init --example prints one to start from).", file=sys.stderr)
        return 2
    plan = load_config(args.config)

    def password_for(account: AccountPlan) -> str:
        if account.password_env:
            value = os.environ.get(account.password_env)
            if value is None:
                raise UsageError(f"{account.row}: the environment variable {account.password_env} is not set.")
            return value
        if not sys.stdin.isatty():
            raise UsageError(f"{account.row}: no password_env in the file, and no terminal to ask on.")
        return getpass.getpass(f"Password for {account.username}: ")

    created = init_partnership(getattr(args, "db", None), plan, password_for)
    ctx = created.ctx
    print(f"Created {plan.name} in {describe_database(ctx)}: {len(plan.panels)} panels, "
          f"{len(plan.agencies)} agencies, {len(plan.accounts)} accounts.")
    for account in plan.accounts:
        print(f"  {account.username:<20} {account.role.label}")
    if created.recovery_key:
        print("\nRecovery key — shown this once, never stored. Print it or write it down and keep it "
              "somewhere safe: it is the only way back in when every administrator is locked out.")
        print(f"\n    {created.recovery_key}\n")
    ctx.store.dispose()
    return 0


def _cmd_cancel_meeting(args: argparse.Namespace) -> int:
    from cspdesk.services.meetings.meetings import MeetingService

    ctx = _open(args)
    try:
        row = MeetingService(ctx).cancel_meeting(args.meeting, args.reason).value.row
    finally:
        ctx.store.dispose()
    print(f"cancelled meeting {row.id} ({row.panel_name}, {row.starts_at.day} {row.starts_at:%b %Y %H:%M}); "
          f"{row.cases} case(s) go back to be listed")
    return 0


def _cmd_delete_meeting(args: argparse.Namespace) -> int:
    from cspdesk.services.meetings.meetings import MeetingService

    ctx = _open(args)
    try:
        MeetingService(ctx).delete_meeting(args.meeting)
    finally:
        ctx.store.dispose()
    print(f"deleted meeting {args.meeting}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from cspdesk.services.access.auth import DEMO_PASSWORD, create_demo_database
    from cspdesk.services.database.workspace import describe_database

    password = args.password or DEMO_PASSWORD
    last = [-1]

    def progress(percent: int, message: str) -> None:
        if percent // 10 != last[0] // 10:
            print(f"{percent:3d}%  {message}", file=sys.stderr, flush=True)
        last[0] = percent

    start = time.perf_counter()
    created, accounts = create_demo_database(
        getattr(args, "db", None), password=password, scale=args.scale, seed=args.seed, progress=progress
    )
    ctx = created.ctx
    print(f"Demo partnership written to {describe_database(ctx)} in {time.perf_counter() - start:.1f} s.")
    print(f"Every account's password is: {password}")
    width = max(len(a.username) for a in accounts)
    print(f"\n  {'account':<{width}}  {'role':<13} {'agency':<34} panels")
    for a in accounts:
        print(f"  {a.username:<{width}}  {a.role.label:<13} {a.agency[:34]:<34} {', '.join(a.panels)}")
    if created.recovery_key:
        print(f"\nRecovery key (for when every administrator is locked out): {created.recovery_key}")
    print(f"\nOpen it: cspdesk --db {describe_database(ctx)}   (sign in as one of the accounts above)")
    ctx.store.dispose()
    return 0


def _cmd_audit_verify(args: argparse.Namespace) -> int:
    from cspdesk.services.audit.audit import AuditService
    from cspdesk.services.audit.audit_text import audit_summary

    from cspdesk.services.database.backup import read_backup

    ctx = _open(args)
    report = AuditService(ctx).verify([read_backup(folder).db_file for folder in args.against or ()])
    if report.ok:
        print(f"The audit trail is intact: {report.entries:,} entries, every link verified.")
    elif report.first_break_id is None:
        print(f"The audit trail is broken: {report.problem}.")
    else:
        print(f"The audit trail is broken at entry {report.first_break_id}: {report.problem}.")
    for entry, problem in report.problems[1:]:
        print(f"  entry {entry}: {problem}." if entry is not None else f"  {problem}.")
    for line in audit_summary(report):
        print(line)
    return 0 if report.ok else 1


def _cmd_audit_seal(args: argparse.Namespace) -> int:
    from cspdesk.services.audit.audit import AuditService

    ctx = _open(args)
    sealed = AuditService(ctx).seal().value
    print(f"Sealed the audit trail at entry {sealed.entry:,}.")
    return 0


def _cmd_recover(args: argparse.Namespace) -> int:
    from cspdesk.services.access.auth import recover

    user = getattr(args, "user", None)
    if not user:
        raise UsageError("Name the administrator account to restore: --user NAME.")
    from cspdesk.services.database.workspace import is_server

    # A server has no recovery key: the owner's URL in --db is the database administrator's proof.
    key = "" if is_server(getattr(args, "db", None)) else _secret("CSPDESK_RECOVERY_KEY", "Recovery key: ")
    new_password = _secret("CSPDESK_NEW_PASSWORD", f"New password for {user}: ")
    ctx = recover(getattr(args, "db", None), key, user, new_password)
    print(f"{ctx.actor.username} can sign in again with the new password.")
    ctx.store.dispose()
    return 0


def _cmd_rekey(args: argparse.Namespace) -> int:
    from cspdesk.services.access.rekey import RekeyService

    ctx = _open(args)
    try:
        result = RekeyService(ctx).change_key().value
    finally:
        ctx.store.dispose()
    print(f"The database has a new key, sealed for {result.accounts} account(s); older keyrings no longer open it.")
    if result.left_out:
        print("These accounts have not signed in since CSPDesk was updated, so the new key could not be sealed "
              f"for them; reset their passwords: {', '.join(result.left_out)}")
    if result.new_recovery_key:
        print(f"\nThe old recovery key cannot open the new key. New recovery key (write it down now, it is not "
              f"shown again): {result.new_recovery_key}")
    return 0


def _cmd_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cspdesk.services.database.backup import BackupService

    ctx = _open(args)
    try:
        info = BackupService(ctx).backup_now(Path(args.out) if args.out else None)
    finally:
        ctx.store.dispose()
    size = info.size_bytes / 1_048_576
    print(f"Backup written and checked: {info.folder} ({size:,.1f} MB; the database and its keyring).")
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    from cspdesk.services.database.backup import restore_backup
    from cspdesk.services.database.workspace import default_database
    from cspdesk.storage.engine import DatabaseTarget

    user = getattr(args, "user", None)
    if not user:
        raise UsageError("Name an administrator account of the backup: --user NAME (and set CSPDESK_PASSWORD, "
                         "or be asked).")
    target = DatabaseTarget.parse(getattr(args, "db", None) or default_database())
    if target.path is None:
        raise UsageError("Server databases are restored by the server's administrator, not by CSPDesk.")
    password = _secret("CSPDESK_PASSWORD", f"Password for {user} in the backup: ")
    info = restore_backup(args.backup, into=target.path, username=user, password=password)
    print(f"Restored {info.db_path} from {info.restored_from}.")
    if info.kept_as is not None:
        print(f"The file that was there is kept as {info.kept_as} (with its keyring).")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from cspdesk.services.database.backup import check_database

    ctx = _open(args)
    try:
        report = check_database(ctx)
    finally:
        ctx.store.dispose()
    if report.ok:
        print(f"No damage found ({report.seconds:.1f} s).")
        return 0
    print("The database file is damaged. Restore the latest backup ('cspdesk restore').")
    return 1


def _cmd_import_referrals(args: argparse.Namespace) -> int:
    from cspdesk.services.errors import NotFound
    from cspdesk.services.partnership.panels import PanelService
    from cspdesk.services.records_io.referral_import import import_referrals
    from cspdesk.services.database.workspace import close_workspace

    ctx = _open(args)
    try:
        panels = PanelService(ctx).list_panels()
        wanted = args.panel.casefold()
        match = [p for p in panels if wanted in (p.name.casefold(), p.ref_prefix.casefold(), str(p.id))]
        if not match:
            raise NotFound(f"There is no panel called {args.panel!r} that you belong to. Run 'cspdesk panels' "
                           "to see them.")
        last = [-1]

        def progress(fraction: float) -> None:
            percent = int(fraction * 100)
            if percent // 25 != last[0] // 25:
                print(f"{percent:3d}%", file=sys.stderr, flush=True)
            last[0] = percent

        pairs = {}
        for option, items in (("--map", args.map), ("--agency", args.agency)):
            pairs[option] = {}
            for item in items:
                left, sep, right = item.partition("=")
                if not sep or not left.strip() or not right.strip():
                    raise UsageError(f'{option} {item!r}: write it as "Their words=what they mean".')
                pairs[option][left.strip()] = right.strip()
        report = import_referrals(ctx, args.file, match[0].id, good_rows_only=args.good_rows_only,
                                  dry_run=args.dry_run, progress=progress, mapping=pairs["--map"],
                                  agency_words=pairs["--agency"]).value
    finally:
        close_workspace(ctx)
    print("\n".join(report.lines()))
    return 1 if report.problems else 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    from cspdesk.services.access.auth import sign_in
    from cspdesk.services.database.server_move import move_to_server
    from cspdesk.services.database.workspace import close_workspace
    from cspdesk.storage.engine import DatabaseTarget

    user = getattr(args, "user", None)
    if not user:
        raise UsageError("Name an administrator of the file: --user NAME (and set CSPDESK_PASSWORD, or be asked).")
    if DatabaseTarget.parse(args.source).path is None:
        raise UsageError("--from names the partnership's database file, not a server.")
    password = _secret("CSPDESK_PASSWORD", f"Password for {user}: ")
    ctx = sign_in(args.source, user, password, read_only=True)  # writes nothing to the file
    last = [-1]

    def progress(percent: int, message: str) -> None:
        if percent // 10 != last[0] // 10:
            print(f"{percent:3d}%  {message}", file=sys.stderr, flush=True)
        last[0] = percent

    try:
        report = move_to_server(ctx, args.target, password=password, progress=progress)
    finally:
        close_workspace(ctx)
    print(f"Moved {report.source} to {report.target} in {report.seconds:.1f} s.")
    print("Rows checked on the server, table by table (the same as in the file):")
    width = max(len(name) for name in report.counts)
    for name, count in sorted(report.counts.items()):
        print(f"  {name:<{width}}  {count:>9,}")
    entries = f"{report.audit_entries:,} entr{'y' if report.audit_entries == 1 else 'ies'}"
    print(f"The audit trail ({entries}) verifies on the server, link by link. The file was only read.")
    print(f"{user} signs in to the server with the same password.")
    if report.accounts_needing_password:
        names = ", ".join(report.accounts_needing_password)
        print(f"These accounts need a new temporary password from an administrator on the server "
              f"(Administration, Reset password): {names}.")
    print(f"Open it: cspdesk --db '{report.target}'   (with the password in place of ***)")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run a parsed subcommand. Errors meant for people are printed plainly, without a traceback."""
    from cspdesk.logs import configure_logging
    from cspdesk.services.errors import ServiceError
    from cspdesk.storage.paths import data_dir

    configure_logging(data_dir())
    try:
        return args.handler(args)
    except UsageError as exc:
        print(f"cspdesk: {exc}", file=sys.stderr)
        return 2
    except ServiceError as exc:
        print(f"cspdesk: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug: say so plainly, log a report without personal data
        import logging

        from cspdesk.logs import safe_crash_report

        logging.getLogger("cspdesk.cli").error("unexpected error\n%s", safe_crash_report(exc))
        print(
            f"cspdesk: something went wrong ({type(exc).__name__}). Nothing was half-written; a report "
            "without personal data is in cspdesk.log in your data folder.",
            file=sys.stderr,
        )
        return 3


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m cspdesk``: the subcommands only (the window needs the ``cspdesk`` launcher)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.error("the desktop window is opened by the 'cspdesk' command; give a subcommand here")
    return run(args)
