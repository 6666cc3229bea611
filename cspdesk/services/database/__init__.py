"""Opening a database and keeping it: the workspace, backups and restore, moving to a server."""
