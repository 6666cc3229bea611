"""Writing files the user asked for (PDFs, exports) so a crash leaves no half-written file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from cspdesk.services.errors import ValidationError


def write_atomically(path: Path, content: bytes) -> None:
    """``content`` to ``path`` through a temporary file in the same folder, flushed and renamed."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_output_path(path: Path, suffixes: tuple[str, ...], field: str = "out") -> Path:
    """``path`` if it names a file of one of ``suffixes`` in a folder that exists; else a plain error."""
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise ValidationError(field, f"The file name must end in {' or '.join(suffixes)}: {path.name}")
    if not path.parent.is_dir():
        raise ValidationError(field, f"There is no folder at {path.parent}.")
    if path.is_dir():
        raise ValidationError(field, f"{path} is a folder; give a file name.")
    return path
