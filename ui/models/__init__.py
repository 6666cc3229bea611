"""Item models over the services: lazy where a list can grow large, never a QTableWidget for data."""
