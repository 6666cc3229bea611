"""The bundle's entry script (PyInstaller needs a file): the same as the ``cspdesk`` console script."""

import sys

from cspdesk_gui.launcher import main

if __name__ == "__main__":
    sys.exit(main())
