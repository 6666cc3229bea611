"""The accounts the UI tests sign in with (tests/ui/conftest.py makes the databases)."""

#: The first administrator of the databases made by the ``account_db`` fixture.
ADMIN_USER = "priya.shah"
ADMIN_NAME = "Priya Shah"
ADMIN_PASSWORD = "correct horse battery"
PARTNERSHIP = "Maidstone Community Safety Partnership"
