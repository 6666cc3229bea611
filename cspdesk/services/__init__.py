"""The only door into the data: one call per user action, each its own transaction.

Services take a :class:`~cspdesk.services.context.ServiceContext` (the open store and who is acting),
check permissions, and return frozen dataclasses — never live ORM objects — plus, for writes, an
:class:`~cspdesk.services.context.OpChanges` saying what changed so each view refreshes only itself.
"""
