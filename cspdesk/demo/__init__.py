"""The synthetic demo partnership (``cspdesk demo``, "Explore with demo data"): a generator that
writes a whole partnership's panels, people, referrals, meetings and actions straight into a new
store, below the services (which call it to create a demo database) and above storage."""


class DemoRefused(ValueError):
    """Demo data is only ever written into an empty database."""
