"""Logging and crash reports that carry nothing personal.

- The log file (``cspdesk.log`` in the data folder, rotated) records what the program did, never
  the data it did it to: CSPDesk's own messages name record ids and counts, not people.
- SQLAlchemy's engine log is held at WARNING whatever level is asked for: at INFO it prints
  statements, at DEBUG every row fetched — names, addresses, notes.
- Crash reports keep the exception's type and the stack (files, lines, functions) and drop its
  message: a database error's message can quote the values of the row it failed on.
"""

from __future__ import annotations

import logging
import logging.handlers
import traceback
from pathlib import Path

NOISY_LOGGERS = ("sqlalchemy", "sqlalchemy.engine", "sqlalchemy.pool", "sqlalchemy.orm", "alembic")


class _NoDataRecords(logging.Filter):
    """Drops SQLAlchemy's statement and row records, which may hold personal data."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name.startswith("sqlalchemy") and record.levelno < logging.WARNING)


def configure_logging(folder: Path, level: int = logging.INFO) -> Path:
    """Log to ``folder/cspdesk.log`` (1 MiB × 3). Returns the file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "cspdesk.log"
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_048_576, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_NoDataRecords())
    root = logging.getLogger()
    root.setLevel(level)
    root.addHandler(handler)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return path


def safe_crash_report(exc: BaseException) -> str:
    """The exception's type and where it happened, without its message or local values."""
    lines = ["Traceback (most recent call last):"]
    for frame in traceback.extract_tb(exc.__traceback__):
        lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
    lines.append(f"{type(exc).__module__}.{type(exc).__qualname__} (message withheld: it may hold personal data)")
    return "\n".join(lines)


def configure_app_logging() -> Path:
    """The log in the user's data folder, and an exception hook that writes crash reports without
    personal data there (instead of printing the exception's message)."""
    import sys

    from cspdesk.storage.paths import data_dir

    path = configure_logging(data_dir())

    def _hook(exc_type, exc, tb) -> None:  # noqa: ANN001
        if exc is None:
            exc = exc_type()
        exc.__traceback__ = tb
        logging.getLogger("cspdesk.crash").error("unexpected error\n%s", safe_crash_report(exc))
        sys.stderr.write(f"CSPDesk: something went wrong ({exc_type.__name__}); a report is in {path}\n")

    sys.excepthook = _hook
    return path
