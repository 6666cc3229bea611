"""Checks tests make of a database on either engine."""

from __future__ import annotations

from sqlalchemy import Connection


def dangling_references(conn: Connection) -> list:
    """Rows whose foreign keys point at nothing. SQLite enforces foreign keys only on connections
    that ask (ours do), so a test asks SQLite to look; PostgreSQL enforces them always (a dangling
    reference could not have been committed), so there is nothing to find there."""
    if conn.dialect.name == "sqlite":
        return list(conn.exec_driver_sql("PRAGMA foreign_key_check").all())
    return []
