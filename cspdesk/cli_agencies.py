"""``cspdesk circulate`` and ``cspdesk returns``: papers to agencies without accounts, and what they
send back (issue 18). Kept apart from cspdesk/cli.py, which only adds these parsers."""

from __future__ import annotations

import argparse


def add_parsers(sub, common: argparse.ArgumentParser) -> None:  # noqa: ANN001 - argparse's private type
    p = sub.add_parser(
        "circulate", parents=[common], help="make each agency's papers for a meeting: encrypted files and e-mail drafts",
        description="For every active agency on the meeting's panel (or the one named), write a folder in DIR "
        "holding its papers encrypted with a password of its own, and an .eml draft to its secure e-mail "
        "address with the files attached (open it in Outlook or Thunderbird to send it). The passwords are "
        "listed in DIR/passwords.txt, to be given another way. research: the research request (XLSX and PDF, "
        "the one paper that carries names, dates of birth and addresses); actions: the action update sheet "
        "(the agency's open actions on the panel, or with --this-meeting-only those agreed at the meeting); "
        "minutes: the distribution copy of the minutes with the agency's actions, 'Copy for: <agency>' on every "
        "page. What was sent to whom is recorded on the meeting and in the audit trail.")
    p.add_argument("--meeting", metavar="N", type=int, required=True, help="the meeting's id (see 'cspdesk meetings')")
    p.add_argument("--what", choices=("research", "actions", "minutes"), required=True, help="the papers to make")
    p.add_argument("--out", metavar="DIR", required=True, help="the folder to write into (made if missing)")
    p.add_argument("--agency", metavar="NAME", default=None, help="only this agency (its name or short code)")
    p.add_argument("--this-meeting-only", action="store_true",
                   help="actions: only the actions agreed at this meeting (default: all its open actions on the panel)")
    p.set_defaults(handler=_cmd_circulate)

    p = sub.add_parser("returns", help="agencies' returned sheets", description="Work with what agencies send back.")
    returns_sub = p.add_subparsers(dest="returns_command", metavar="ACTION", required=True)
    v = returns_sub.add_parser(
        "import", parents=[common], help="file a returned research request or action update sheet",
        description="Recognise a returned sheet (any research request or action update sheet CSPDesk sent), "
        "check it and file it to its meeting and agency: research is attached to each case on the agenda; "
        "action updates become status changes and notes, and an action changed in CSPDesk since the sheet "
        "was sent is reported, not overwritten. A sheet for another meeting or agency, or whose list was "
        "altered, is refused with the reason. An encrypted file's password is read from "
        "CSPDESK_RETURN_PASSWORD, or asked for. Exit 0 when filed, 1 when rows were refused or in conflict.")
    v.add_argument("file", metavar="FILE", help="the returned .xlsx")
    v.add_argument("--meeting", metavar="N", type=int, default=None,
                   help="refuse the sheet unless it is for this meeting")
    v.set_defaults(handler=_cmd_returns_import)
    v = returns_sub.add_parser(
        "status", parents=[common], help="each agency's research request for a meeting: sent, returned, not",
        description="List each active agency on the meeting's panel with the state of its research request, "
        "then the chase list (sent and not returned, longest waiting first) and the circulation log.")
    v.add_argument("--meeting", metavar="N", type=int, required=True, help="the meeting's id")
    v.set_defaults(handler=_cmd_returns_status)


def _cmd_circulate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cspdesk.cli import _open
    from cspdesk.services.papers.circulate import CirculationService

    ctx = _open(args)
    try:
        result = CirculationService(ctx).circulate(args.meeting, args.what, Path(args.out), agency=args.agency,
                                                   this_meeting_only=args.this_meeting_only).value
    finally:
        ctx.store.dispose()
    print("\n".join(result.lines()))
    return 0


def _cmd_returns_import(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from cspdesk.cli import _open, _secret
    from cspdesk.services.agencies.returns import ReturnsService
    from cspdesk.services.agencies.sealing import is_encrypted_office_file

    path = Path(args.file)
    password = None
    try:
        encrypted = is_encrypted_office_file(path.read_bytes()[:8])
    except OSError:
        encrypted = False  # the service says why it cannot be read
    if encrypted:
        password = os.environ.get("CSPDESK_RETURN_PASSWORD") or _secret(
            "CSPDESK_RETURN_PASSWORD", f"Password of {path.name}: ")
    ctx = _open(args)
    try:
        report = ReturnsService(ctx).import_file(path, password=password, meeting_id=args.meeting).value
    finally:
        ctx.store.dispose()
    print("\n".join(report.lines()))
    return 1 if report.count("refused") or report.count("conflict") else 0


def _cmd_returns_status(args: argparse.Namespace) -> int:
    from cspdesk.cli import _open
    from cspdesk.services.agencies.research import ResearchService

    ctx = _open(args)
    try:
        service = ResearchService(ctx)
        states, chase, log = (service.states(args.meeting), service.chase_list(args.meeting),
                              service.circulation_log(args.meeting))
    finally:
        ctx.store.dispose()
    width = max((len(s.agency) for s in states), default=6)
    print("Research requests:")
    for st in states:
        print(f"  {st.agency:<{width}}  {st.state_text}")
    print("Chase list:" if chase else "Chase list: nobody to chase.")
    for st in chase:
        print(f"  {st.agency:<{width}}  sent {st.sent_at:%d %b %Y %H:%M} UTC  {st.secure_email or 'no secure address held'}")
    print("Circulation log:" if log else "Circulation log: nothing sent yet.")
    for e in log:
        back = f", returned {e.returned_at:%d %b %Y %H:%M} (filed by {e.returned_by})" if e.returned_at else ""
        print(f"  {e.at:%d %b %Y %H:%M} UTC  {e.what} to {e.agency} by {e.by}{back}")
    return 0
