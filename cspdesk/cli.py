"""The command line: ``cspdesk [--db DB] [SUBCOMMAND …]``.

Without a subcommand the desktop window opens (``ui.launcher`` does that; this module never
imports Qt). Every subcommand works on the same services as the window.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from collections.abc import Sequence

from cspdesk import __version__

VIEWS = ("welcome", "panels", "cases", "meetings", "actions", "reports", "admin")

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
    v.set_defaults(handler=_cmd_audit_verify)

    p = sub.add_parser(
        "recover", parents=[common], help="regain access with the recovery key",
        description="When every administrator is locked out: the recovery key shown at set-up "
        "resets (or re-creates) the administrator account named by --user with a new password. "
        "The recovery key comes from CSPDESK_RECOVERY_KEY or is asked for; the new password from "
        "CSPDESK_NEW_PASSWORD or is asked for.",
    )
    p.set_defaults(handler=_cmd_recover)

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

    p = sub.add_parser(
        "check", parents=[common], help="check a database file for damage (integrity check)",
        description="Run SQLite's quick_check over the whole file (seconds on a large one). Exit 1 if it "
        "finds damage. Signs in with --user.",
    )
    p.set_defaults(handler=_cmd_check)

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

    _add_print_and_export(sub, common)
    return parser


def _add_print_and_export(sub, common: argparse.ArgumentParser) -> None:  # noqa: ANN001 - argparse's private type
    """``cspdesk print …`` (PDFs) and ``cspdesk export …`` (CSV/XLSX)."""
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
    p = print_sub.add_parser("return", parents=[common, period], help="the quarterly data return of a panel",
                             description="The data return of a panel for a quarter or any period, with charts.")
    p.add_argument("--out", metavar="FILE.pdf", required=True, help="where to write the PDF")
    p.set_defaults(handler=_cmd_data_return, suffixes=(".pdf",))

    p = print_sub.add_parser("case", parents=[common], help="a case summary",
                             description="One case on paper: people, details, history, discussions, "
                             "risk assessments and actions.")
    p.add_argument("--case", metavar="REF", required=True, help="the case reference, e.g. MARAC-2026-0042")
    p.add_argument("--without-contact-details", action="store_true",
                   help="leave out addresses, telephone numbers and safe-contact notes")
    p.add_argument("--out", metavar="FILE.pdf", required=True, help="where to write the PDF")
    p.set_defaults(handler=_cmd_print_case)

    exporting = sub.add_parser("export", help="export figures to CSV or XLSX",
                               description="Export to a CSV or XLSX file. Every export is audited.")
    export_sub = exporting.add_subparsers(dest="report", title="exports", metavar="EXPORT", required=True)
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

    from cspdesk.services.returns import ReturnService, between, quarter

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
        service = ReturnService(ctx)
        data = service.write(service.panel_id_by_name(args.panel), period, out, suppress_small=args.suppress_small)
    finally:
        ctx.store.dispose()
    print(f"{data.panel}, {period.label}: written to {out}")
    return 0


def _cmd_print_case(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cspdesk.services.case_summary import CaseSummaryService

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
    from cspdesk.services.auth import sign_in

    user = getattr(args, "user", None)
    if not user:
        raise UsageError("Name the account to sign in with: --user NAME (and set CSPDESK_PASSWORD, or be asked).")
    return sign_in(getattr(args, "db", None), user, _secret("CSPDESK_PASSWORD", f"Password for {user}: "))


def _cmd_panels(args: argparse.Namespace) -> int:
    from cspdesk.services.panels import PanelService

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
    from cspdesk.services.cases import CaseQuery, CaseService
    from cspdesk.services.errors import NotFound
    from cspdesk.services.panels import PanelService

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


def _cmd_demo(args: argparse.Namespace) -> int:
    from cspdesk.services.auth import DEMO_PASSWORD, create_demo_database
    from cspdesk.services.workspace import describe_database

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
    from cspdesk.services.audit import AuditService

    ctx = _open(args)
    report = AuditService(ctx).verify()
    if report.ok:
        print(f"The audit trail is intact: {report.entries:,} entries, every link verified.")
        return 0
    print(f"The audit trail is broken at entry {report.first_break_id}: {report.problem}.")
    return 1


def _cmd_recover(args: argparse.Namespace) -> int:
    from cspdesk.services.auth import recover

    user = getattr(args, "user", None)
    if not user:
        raise UsageError("Name the administrator account to restore: --user NAME.")
    key = _secret("CSPDESK_RECOVERY_KEY", "Recovery key: ")
    new_password = _secret("CSPDESK_NEW_PASSWORD", f"New password for {user}: ")
    ctx = recover(getattr(args, "db", None), key, user, new_password)
    print(f"{ctx.actor.username} can sign in again with the new password.")
    ctx.store.dispose()
    return 0


def _cmd_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cspdesk.services.backup import BackupService

    ctx = _open(args)
    try:
        info = BackupService(ctx).backup_now(Path(args.out) if args.out else None)
    finally:
        ctx.store.dispose()
    size = info.size_bytes / 1_048_576
    print(f"Backup written and checked: {info.folder} ({size:,.1f} MB; the database and its keyring).")
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    from cspdesk.services.backup import restore_backup
    from cspdesk.services.workspace import default_database
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
    from cspdesk.services.backup import check_database

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


def _cmd_migrate(args: argparse.Namespace) -> int:
    from cspdesk.services.auth import sign_in
    from cspdesk.services.server_move import move_to_server
    from cspdesk.services.workspace import close_workspace
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
    except Exception as exc:  # a bug: say so plainly, log a report without personal data
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
