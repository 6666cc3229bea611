"""What every service needs: the open store, who is acting, the clock, and the unit of work."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from enum import StrEnum
import threading
from pathlib import Path
from typing import Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cspdesk.domain.enums import Role
from cspdesk.services import concurrency, errors
from cspdesk.services.signer import SIGNER_INFO, AuditSigner
from cspdesk.services.offline_guard import refusal as checked_out_refusal
from cspdesk.services.errors import PermissionDenied, ReadOnlySession
from cspdesk.storage.engine import Store
from cspdesk.storage.integrity import FaultKind, describe_fault, fault_message, file_identity

T = TypeVar("T")


#: Session.info key: a session of :meth:`ServiceContext.viewing` on a read-only workspace.
READ_ONLY_VIEW = "cspdesk_read_only_view"


class Permission(StrEnum):
    VIEW_CASES = "view_cases"
    EDIT_CASES = "edit_cases"
    RUN_MEETINGS = "run_meetings"
    UPDATE_ACTIONS = "update_actions"
    ADMINISTER = "administer"


#: What each role may do. Panel membership limits *where* (need to know); this says *what*.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMINISTRATOR: frozenset(Permission),
    Role.CHAIR: frozenset(
        {Permission.VIEW_CASES, Permission.EDIT_CASES, Permission.RUN_MEETINGS, Permission.UPDATE_ACTIONS}
    ),
    Role.COORDINATOR: frozenset(
        {Permission.VIEW_CASES, Permission.EDIT_CASES, Permission.RUN_MEETINGS, Permission.UPDATE_ACTIONS}
    ),
    Role.OFFICER: frozenset({Permission.VIEW_CASES, Permission.UPDATE_ACTIONS}),
    Role.VIEWER: frozenset({Permission.VIEW_CASES}),
}


@dataclass(frozen=True)
class Actor:
    """Who is acting. ``panel_ids`` None means every panel (administrators, the local owner)."""

    user_id: int | None
    username: str
    role: Role
    agency_id: int | None = None
    panel_ids: frozenset[int] | None = None

    @classmethod
    def local_owner(cls) -> Actor:
        """The person at this computer before accounts exist (the security issue replaces this
        with a signed-in user); may do everything."""
        return cls(user_id=None, username="local", role=Role.ADMINISTRATOR)

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def sees_panel(self, panel_id: int) -> bool:
        return self.panel_ids is None or panel_id in self.panel_ids


@dataclass(frozen=True)
class OpChanges:
    """What a write changed, for views to refresh only what they show (after Anki's OpChanges)."""

    partnership: bool = False
    panels: bool = False
    cases: bool = False
    people: bool = False
    meetings: bool = False
    actions: bool = False

    @classmethod
    def everything(cls) -> OpChanges:
        return cls(True, True, True, True, True, True)

    def __bool__(self) -> bool:
        return any((self.partnership, self.panels, self.cases, self.people, self.meetings, self.actions))


@dataclass(frozen=True)
class OpResult(Generic[T]):
    value: T
    changes: OpChanges


def utcnow() -> datetime:
    """Naive UTC, as every ``*_at`` column stores it."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class Vault:
    """A local file's key material while it is open: the database key (needed to give a new or
    reset account its wrapped copy) and where the keyring lives. None for a server."""

    db_path: Path
    db_key: bytes = field(repr=False)


@dataclass
class ServiceContext:
    store: Store
    actor: Actor = field(default_factory=Actor.local_owner)
    today: Callable[[], date] = date.today
    now: Callable[[], datetime] = utcnow
    vault: Vault | None = None
    #: Opened read-only (another copy is writing), or the writer's lock was lost: every unit of
    #: work is refused with ``read_only_reason``.
    read_only: bool = False
    read_only_reason: str = ""
    #: Signing in checked only part of a large file (cspdesk.storage.integrity.startup_check):
    #: the window runs the full check (``cspdesk.services.database.backup.check_database``) in the background.
    full_check_pending: bool = False
    #: The unit of work open on this thread, so a service called inside another's unit of work
    #: (an import that lists its cases through the meeting services) joins its transaction.
    _open: threading.local = field(default_factory=threading.local, repr=False, compare=False)

    @contextmanager
    def joined_unit_of_work(self) -> Iterator[Session]:
        """Run the services called inside this block in the one transaction of this unit of work:
        each nested ``unit_of_work`` yields the same session (no commit of its own), so an error
        anywhere rolls everything back. Use it only where a service composes other services."""
        with self.unit_of_work() as session:
            self._open.session = session
            try:
                yield session
            finally:
                self._open.session = None

    #: The signed-in account's audit signing key (cspdesk.services.audit.audit_signing), unwrapped with its
    #: password at sign-in; None before signing in (entries are then unsigned).
    signer: AuditSigner | None = field(default=None, repr=False)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One session, one transaction: commits when the block ends normally, rolls back on any
        exception (nothing half-written), and is closed either way. On SQLite the transaction
        takes the write lock at once (BEGIN IMMEDIATE), so two writers queue instead of failing
        half-way, and the audit chain never forks. Faults of the file (disk full, read-only,
        moved, damaged) come out as :class:`~cspdesk.services.errors.StorageFault` subclasses;
        a write to a versioned record that someone else changed first comes out as
        :class:`~cspdesk.services.errors.EditConflict` (see cspdesk.services.concurrency)."""
        if self.read_only:
            raise ReadOnlySession(self.read_only_reason or "This database is open read-only: nothing can be changed.")
        joined = getattr(self._open, "session", None)
        if joined is not None:
            yield joined
            return
        with storage_faults(self.store):
            self._check_file_in_place()
            session = self.store.session_factory(bind=self.store.write_engine)
            event.listen(session, "before_flush", concurrency.note_versioned)
            session.info[SIGNER_INFO] = self.signer  # audit entries are signed by the signed-in account
            try:
                with session.begin():
                    yield session
                    self._check_file_in_place()  # before the commit: never commit into a moved file
            except StaleDataError as exc:
                # Someone else's change to a versioned record committed first (rolled back by now).
                raise self._edit_conflict(session.info.get(concurrency.PENDING_KEY, {}), exc) from None
            finally:
                session.close()

    def _edit_conflict(self, pending: dict[tuple[str, int], int], exc: Exception) -> errors.EditConflict:
        try:
            with self.reading() as s:
                return concurrency.conflict_after_rollback(s, pending, exc)
        except errors.ServiceError:
            raise
        except Exception:  # noqa: BLE001 - the conflict matters more than the words describing it
            return concurrency.conflict_from_message(exc)

    @contextmanager
    def viewing(self) -> Iterator[Session]:
        """For reading a record when the reading is audited as a view (a case, an OCG, a person):
        the unit of work that keeps the view entry. On a session opened read-only nothing can be
        written, so this is a reading session and the view leaves no entry, as a read-only
        sign-in leaves none (see :func:`cspdesk.services.audit.audit.record`)."""
        if not self.read_only:
            with self.unit_of_work() as session:
                yield session
            return
        with self.reading() as session:
            session.info[READ_ONLY_VIEW] = True
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only session: rolled back at the end, whatever happened."""
        with storage_faults(self.store):
            session = self.store.session_factory(bind=self.store.read_engine)
            try:
                yield session
            finally:
                session.rollback()
                session.close()

    def _check_file_in_place(self) -> None:
        expected = self.store.file_identity
        path = self.store.target.path
        if expected is not None and path is not None and file_identity(path) != expected:
            raise errors.FileMissing(fault_message(FaultKind.MISSING, path))

    # -- permission checks: the services call these; the UI only hides what would be refused --

    def require(self, permission: Permission, *, panel_id: int | None = None) -> None:
        if not self.actor.can(permission):
            raise PermissionDenied(f"Your role ({self.actor.role.label}) does not allow this.")
        if panel_id is not None and not self.actor.sees_panel(panel_id):
            raise PermissionDenied("You are not a member of this panel.")

    def visible_panel_ids(self) -> frozenset[int] | None:
        return self.actor.panel_ids


_FAULT_ERRORS: dict[FaultKind, type[errors.StorageFault]] = {
    FaultKind.DISK_FULL: errors.DiskFull,
    FaultKind.READ_ONLY: errors.FileReadOnly,
    FaultKind.MISSING: errors.FileMissing,
    FaultKind.DAMAGED: errors.DatabaseDamaged,
    FaultKind.BUSY: errors.DatabaseBusy,
    FaultKind.IO_ERROR: errors.StorageFault,
}


@contextmanager
def storage_faults(store: Store | None, path: Path | None = None) -> Iterator[None]:
    """Turn the driver's and the OS's errors about the file (disk full, read-only, moved, damaged,
    I/O) into StorageFault subclasses with plain messages, and a lost race on a versioned record
    into EditConflict; the driver's text (which can quote values) is dropped. Anything else
    propagates unchanged."""
    try:
        yield
    except errors.ServiceError:
        raise
    except OverflowError as exc:
        # The driver cannot bind a whole number beyond 64 bits (SQLite's INTEGER): an id that
        # large names no record. Said as NotFound rather than left as an OverflowError, for every
        # service at once (found by hypothesis, tests/reliability/test_properties.py).
        if "too large" not in str(exc) and "int too big" not in str(exc):
            raise
        raise errors.NotFound("There is no such record: that number is far larger than any record's.") from None
    except StaleDataError as exc:
        raise concurrency.conflict_from_message(exc) from None
    except Exception as exc:
        checked_out = checked_out_refusal(exc)  # issue 21: the server refused a change to a checked-out meeting
        if checked_out is not None:
            raise checked_out from None
        where = path if path is not None else (store.target.path if store is not None else None)
        fault = describe_fault(exc, where)
        if fault is None:
            raise
        raise _FAULT_ERRORS[fault.kind](fault.message) from None
