"""CSPDesk core: domain rules, the encrypted store, services, reports and the CLI.

Nothing in this package imports Qt; the desktop layer lives in the separate ``ui`` package.
"""

__version__ = "0.1.0"
