"""SQLAlchemy models, the engine/session factory, migrations and encryption."""
