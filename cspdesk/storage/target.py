"""What ``--db`` names: a file or a server. Kept apart from the engine so that the first window
(signing in) can tell the two apart without importing SQLAlchemy (issue 23: start-up)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DatabaseTarget:
    """What ``--db`` named: a local file path or a server URL."""

    path: Path | None = None
    url: str | None = None

    @classmethod
    def parse(cls, value: str | Path) -> DatabaseTarget:
        text_value = str(value)
        if "://" in text_value:
            return cls(url=text_value)
        return cls(path=Path(text_value).expanduser())

    @property
    def is_file(self) -> bool:
        return self.path is not None

    def describe(self) -> str:
        """For status bars and messages: the file path, or the URL without its password."""
        if self.path is not None:
            return str(self.path)
        assert self.url is not None
        from sqlalchemy import make_url

        return make_url(self.url).render_as_string(hide_password=True)
