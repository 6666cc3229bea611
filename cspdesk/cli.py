"""The command line: ``cspdesk [--db DB] [SUBCOMMAND …]``.

Without a subcommand the desktop window opens (``ui.launcher`` does that; this module never
imports Qt). Every subcommand works on the same services as the window.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cspdesk import __version__

VIEWS = ("welcome", "panels", "cases", "meetings", "actions", "reports", "admin")

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
    parser.add_argument("--view", choices=VIEWS, help="the page to show first (with or without --screenshot)")
    # For tests/perf: print "shown" once the window is first drawn, then quit.
    parser.add_argument("--print-startup-time", action="store_true", help=argparse.SUPPRESS)

    # Subcommands take --db too; SUPPRESS keeps a --db given before the subcommand.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="DB", default=argparse.SUPPRESS, help=DB_HELP)

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
        "demo", parents=[common], help="write a synthetic demo partnership into an empty database",
        description=(
            "Write a realistic synthetic partnership (agencies, one panel of each type, a year of "
            "cases, meetings and actions) into an empty database. All names are invented."
        ),
    )
    p.add_argument(
        "--scale", choices=("small", "county"), default="small",
        help="small: one district's year (~200 MARAC cases; default); county: ~50,000 cases and "
        "~500,000 actions, for benchmarks (takes minutes)",
    )
    p.add_argument("--seed", type=int, default=1, help="the same seed gives the same data (default 1)")
    p.set_defaults(handler=_cmd_demo)
    return parser


def _open(args: argparse.Namespace, *, create: bool = False):  # noqa: ANN202
    from cspdesk.services.workspace import open_workspace

    return open_workspace(getattr(args, "db", None), create=create)


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
    from cspdesk.services.demo import DemoScale, generate_demo
    from cspdesk.services.workspace import describe_database

    ctx = _open(args, create=True)
    last = [-1]

    def progress(percent: int, message: str) -> None:
        if percent // 10 != last[0] // 10:
            print(f"{percent:3d}%  {message}", file=sys.stderr, flush=True)
        last[0] = percent

    summary = generate_demo(ctx.store, scale=DemoScale(args.scale), seed=args.seed, progress=progress)
    print(f"Demo partnership written to {describe_database(ctx)} in {summary.seconds:.1f} s:")
    print(
        f"  {summary.panels} panels, {summary.agencies} agencies, {summary.users} user accounts, "
        f"{summary.persons:,} people, {summary.cases:,} cases, {summary.meetings:,} meetings, "
        f"{summary.actions:,} actions"
    )
    return 0


def run(args: argparse.Namespace) -> int:
    """Run a parsed subcommand. Errors meant for people are printed plainly, without a traceback."""
    from cspdesk.services.errors import ServiceError

    try:
        return args.handler(args)
    except ServiceError as exc:
        print(f"cspdesk: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m cspdesk``: the subcommands only (the window needs the ``cspdesk`` launcher)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.error("the desktop window is opened by the 'cspdesk' command; give a subcommand here")
    return run(args)
