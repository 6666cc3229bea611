"""Errors services raise. Every message is written for the person at the keyboard."""

from __future__ import annotations

from datetime import datetime


class ServiceError(Exception):
    """Base of all errors a service raises on purpose."""


class ValidationError(ServiceError):
    """Bad input. ``field`` names the field (or row) at fault, for the form to highlight."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFound(ServiceError):
    """The record asked for does not exist (or is not visible to this user)."""


class PermissionDenied(ServiceError):
    """The acting user's role or panel membership does not allow this."""


# -- the file itself: disk full, read-only, moved, damaged (issue 8) ----------------------------
# Raised at the unit-of-work boundary (cspdesk.services.context.storage_faults) in place of the
# driver's errors, whose text is technical and may quote values. Each message says what happened,
# that what was saved before is safe, and what to do.


class StorageFault(ServiceError):
    """The database file could not be read or written: a problem with the disk or the file, not
    with what was typed. Nothing from the refused change was saved."""


class DiskFull(StorageFault):
    pass


class FileReadOnly(StorageFault):
    pass


class FileMissing(StorageFault):
    """The file was moved, renamed, deleted or replaced while it was open."""


class DatabaseDamaged(StorageFault):
    """The file fails its integrity check (or a page of it cannot be read): restore a backup."""


class DatabaseBusy(StorageFault):
    pass


class ReadOnlySession(ServiceError):
    """This session was opened read-only (or lost its writer's lock): it cannot change anything."""


# -- several people on one server (issue 9) -------------------------------------------------------


class EditConflict(ServiceError):
    """Someone else saved a change to the same record after this user read it (optimistic locking
    on the record's ``version``). Nothing from the refused change was saved. The message names the
    record, who changed it, when and which fields, and says to reload and apply the change again;
    ``current_version`` is what to pass as the expected version when re-applying after a reload."""

    def __init__(self, message: str, *, entity: str = "", entity_id: int | None = None,
                 changed_by: tuple[str, ...] = (), changed_at: datetime | None = None,
                 fields: tuple[str, ...] = (), current_version: int | None = None, deleted: bool = False) -> None:
        super().__init__(message)
        self.entity = entity
        self.entity_id = entity_id
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.fields = fields
        self.current_version = current_version
        self.deleted = deleted


# The actions tracker's name for the same thing (one class: an except of either catches both).
Conflict = EditConflict


# -- signing in and opening a file (cspdesk.services.access.auth, cspdesk.services.database) --------------


class SignInFailed(ServiceError):
    """Wrong name or password, a locked or disabled account, or a missing keyring."""


class AccountLocked(SignInFailed):
    pass


class AlreadyOpen(SignInFailed):
    """Another copy of CSPDesk has this file open for writing. ``host`` and ``since`` say where and
    since when (for the dialog that offers to open it read-only instead)."""

    def __init__(self, message: str, host: str = "", since: str = "") -> None:
        super().__init__(message)
        self.host = host
        self.since = since


def checked_text(value: str, field: str, *, limit: int, required: bool = False, what: str = "") -> str:
    """``value`` stripped, or ValidationError naming ``field`` when it is required and empty or longer
    than ``limit`` (the message names the field, never quotes what was typed)."""
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(field, f"Enter {what or field.replace('_', ' ')}.")
    if len(value) > limit:
        raise ValidationError(field, f"{(what or field).capitalize()} is too long (at most {limit:,} characters).")
    return value
