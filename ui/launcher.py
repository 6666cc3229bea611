"""The ``cspdesk`` command: subcommands run in the core without loading Qt; otherwise the window opens.

This lives in ``ui`` (not the core) so the core never depends on the GUI.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path


def main(argv: Sequence[str] | None = None) -> int:
    from cspdesk.cli import build_parser, run

    args = build_parser().parse_args(argv)
    if args.self_test:
        from cspdesk_gui.self_test import main as self_test

        return self_test()
    if args.command is not None:
        return run(args)
    from cspdesk.logs import configure_app_logging

    configure_app_logging()
    try:
        from cspdesk_gui.app import run_gui
    except ImportError as exc:  # PySide6 missing: a core-only install
        print(f"cspdesk: the desktop window needs PySide6 ({exc.name} is not installed).", file=sys.stderr)
        return 2
    return run_gui(
        args.db,
        user=args.user,
        screenshot=Path(args.screenshot) if args.screenshot else None,
        view=args.view,
        print_startup_time=args.print_startup_time,
    )


if __name__ == "__main__":
    sys.exit(main())
