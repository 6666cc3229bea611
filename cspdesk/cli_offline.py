"""``cspdesk checkout`` and ``cspdesk checkin``: a meeting run without a network (issue 21). Kept
apart from cspdesk/cli.py, which only adds these parsers."""

from __future__ import annotations

import argparse
import sys
from datetime import date


def add_parsers(sub, common: argparse.ArgumentParser) -> None:  # noqa: ANN001 - argparse's private type
    p = sub.add_parser(
        "checkout", parents=[common], help="take a meeting off the server into a meeting file, to run it offline",
        description="Write the meeting, its agenda, cases (as you may see them), earlier open actions, attendance "
        "and the panel's agencies and members into a new encrypted meeting file that opens with your own "
        "password, and mark the meeting on the server 'checked out by you until …': others can read it there "
        "but not change it. Open the file with 'cspdesk --db FILE' and run the meeting; bring it back with "
        "'cspdesk checkin FILE'. An administrator cancels a checkout with --cancel (the file then cannot be "
        "checked in).")
    p.add_argument("--meeting", metavar="N", type=int, required=True, help="the meeting's id (see 'cspdesk meetings')")
    p.add_argument("--to", metavar="FILE", help="the new meeting file")
    p.add_argument("--until", metavar="YYYY-MM-DD", type=date.fromisoformat, default=None,
                   help="how long it is out (default: a week)")
    p.add_argument("--cancel", action="store_true", help="cancel the meeting's checkout (administrators)")
    p.set_defaults(handler=_cmd_checkout)

    p = sub.add_parser(
        "checkin", parents=[common], help="bring a meeting run offline back to the server",
        description="Write everything done in the meeting file to the server in one transaction, in the order it "
        "was done, with the file's audit entries; then wipe the file. An earlier action changed on the server "
        "since the checkout and in the file too is a conflict: nothing is written, and you choose for each "
        "(--keep ID=mine or ID=theirs; case:ID for a case; asked for in a terminal). --db defaults to the "
        "server the file came from. Exit 0 when checked in, 1 on unsettled conflicts.")
    p.add_argument("file", metavar="FILE", help="the meeting file")
    p.add_argument("--keep", metavar="ID=mine|theirs", action="append", default=[],
                   help="settle a conflict: the action's id (or case:ID), and whose change to keep")
    p.set_defaults(handler=_cmd_checkin)


def _cmd_checkout(args: argparse.Namespace) -> int:
    from cspdesk.cli import UsageError, _open, _secret
    from cspdesk.services.offline.checkout import cancel_checkout, check_out

    if not args.cancel and not args.to:
        raise UsageError("Name the meeting file to write: --to FILE.")
    ctx = _open(args)
    try:
        if args.cancel:
            cancel_checkout(ctx, args.meeting)
            print(f"cancelled the checkout of meeting {args.meeting}: it can be changed on the server again, and "
                  "its meeting file can no longer be checked in")
            return 0
        report = check_out(ctx, args.meeting, args.to, password=_secret("CSPDESK_PASSWORD", "Your password: "),
                           until=args.until).value
    finally:
        ctx.store.dispose()
    print(f"checked out meeting {report.meeting_id} until {report.until:%d %b %Y} into {report.path} "
          f"({sum(report.counts.values()):,} records); open it with: cspdesk --db {report.path}")
    return 0


def parse_keep(values: list[str]) -> dict[str, str]:
    """``--keep 12=mine --keep case:5=theirs`` → {"action:12": "mine", "case:5": "theirs"}."""
    from cspdesk.cli import UsageError

    keep = {}
    for value in values:
        what, _, choice = value.partition("=")
        if choice not in ("mine", "theirs") or not what:
            raise UsageError(f"--keep {value}: give ID=mine or ID=theirs (case:ID for a case).")
        keep[what if ":" in what else f"action:{what}"] = choice
    return keep


def _cmd_checkin(args: argparse.Namespace) -> int:
    from cspdesk.cli import UsageError, _secret
    from cspdesk.services.access.auth import sign_in
    from cspdesk.services.offline.checkin import CheckinConflicts, check_in, file_server

    user = getattr(args, "user", None)
    if not user:
        raise UsageError("Name your account: --user NAME (and set CSPDESK_PASSWORD, or be asked).")
    password = _secret("CSPDESK_PASSWORD", f"Password for {user}: ")
    keep = parse_keep(args.keep)
    db = getattr(args, "db", None) or file_server(args.file, user, password)
    ctx = sign_in(db, user, password)
    try:
        while True:
            try:
                report = check_in(ctx, args.file, password=password, keep=keep).value
                break
            except CheckinConflicts as exc:
                if not sys.stdin.isatty():
                    print("cspdesk: nothing was checked in. Settle each conflict with --keep:", file=sys.stderr)
                    for c in exc.conflicts:
                        print(f"  {c.key}: {c.describe()}", file=sys.stderr)
                    return 1
                for c in exc.conflicts:
                    answer = ""
                    while answer not in ("m", "t"):
                        answer = input(f"{c.describe()}.\nKeep [m]ine or [t]heirs? ").strip().lower()[:1]
                    keep[c.key] = "mine" if answer == "m" else "theirs"
    finally:
        ctx.store.dispose()
    print(f"checked in meeting {report.meeting_id}: {sum(report.written.values()):,} change(s) and "
          f"{report.audit_entries:,} audit entr{'y' if report.audit_entries == 1 else 'ies'} written; "
          "the meeting file is wiped")
    return 0
