"""``cspdesk transfer out`` and ``cspdesk transfer in``: MARAC-to-MARAC transfer packs (issue 19).
Kept apart from cspdesk/cli.py, which only adds these parsers."""

from __future__ import annotations

import argparse


def add_parsers(sub, common: argparse.ArgumentParser) -> None:  # noqa: ANN001 - argparse's private type
    p = sub.add_parser("transfer", help="transfer a case to another MARAC, or take one in",
                       description="MARAC-to-MARAC transfers: a signed pack (JSON) and a PDF of it for people.")
    transfer_sub = p.add_subparsers(dest="transfer_command", metavar="WAY", required=True)
    v = transfer_sub.add_parser(
        "out", parents=[common], help="write a case's transfer pack and close the case as transferred out",
        description="Write the case's transfer pack (the case summary, the people, the latest assessment, the open "
        "actions and the minutes of its hearings; no addresses, telephone numbers or contact notes) to FILE, "
        "signed, and a PDF of it beside it; record the transfer and close the case as transferred out.")
    v.add_argument("--case", metavar="N", required=True, help="the case's reference (or its id)")
    v.add_argument("--to", metavar="NAME", required=True, help="the receiving MARAC's name")
    v.add_argument("--file", metavar="PACK", required=True, help="the pack to write (.json); the PDF goes beside it")
    v.set_defaults(handler=_cmd_transfer_out)
    v = transfer_sub.add_parser(
        "in", parents=[common], help="take a transfer pack in as a new case",
        description="Check a transfer pack (its layout, digest, signature and every field) and create the case "
        "on the MARAC named, listed as transferred in, with its history attached. A changed or malformed pack "
        "is refused, naming what is wrong; nothing is written then. Exit 0 when taken in, 1 when refused.")
    v.add_argument("--file", metavar="PACK", required=True, help="the pack received (.json)")
    v.add_argument("--panel", metavar="NAME", required=True, help="the MARAC taking the case in")
    v.set_defaults(handler=_cmd_transfer_in)


def _cmd_transfer_out(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cspdesk.cli import UsageError, _open
    from cspdesk.services.orders.transfers import TransferService, fingerprint

    out = Path(args.file)
    if out.suffix.lower() != ".json":
        raise UsageError(f"--file must end in .json: {out.name}")
    if out.exists():
        raise UsageError(f"{out.name} already exists: choose another name.")
    if not out.parent.is_dir():  # checked first: once the case is closed, the pack must be written
        raise UsageError(f"There is no folder {out.parent}.")
    ctx = _open(args)
    try:
        service = TransferService(ctx)
        result = service.transfer_out(service.case_id(args.case), args.to).value
    finally:
        ctx.store.dispose()
    pdf = out.with_suffix(".pdf")
    out.write_bytes(result.pack)
    pdf.write_bytes(result.pdf)
    key = fingerprint(result.signer_key)
    print(f"{result.reference}: transferred out to {args.to}; the case is closed.")
    print(f"Pack: {out}  PDF: {pdf}")
    print(f"Signed with {'a one-off key' if result.one_off_key else 'your signing key'}, fingerprint {key}: "
          "tell the receiving coordinator by telephone.")
    return 0


def _cmd_transfer_in(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from cspdesk.cli import UsageError, _open
    from cspdesk.services.orders.transfers import PackRefused, TransferService, fingerprint

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"There is no file {path}.")
    ctx = _open(args)
    try:
        service = TransferService(ctx)
        try:
            result = service.transfer_in(path.read_bytes(), service.panel_id_by_name(args.panel)).value
        except PackRefused as exc:
            print(f"Refused ({exc.what}): {exc}", file=sys.stderr)
            return 1
    finally:
        ctx.store.dispose()
    print(f"{result.reference}: transferred in from {result.from_marac}, accepted, with its history attached.")
    print(f"Signed with {'a one-off key' if result.one_off_key else 'the sender’s signing key'}, fingerprint "
          f"{fingerprint(result.signer_key)}: check it with the sending coordinator.")
    return 0
