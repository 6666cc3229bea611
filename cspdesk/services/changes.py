"""Others' changes: a cheap call the window polls (on focus, or every half minute) to learn which
of its lists someone else changed since it last looked.

A :class:`ChangeMark` is where the database stood: the newest audit entry, and for the lists a
window shows (cases, actions, meetings) the newest ``updated_at``, the row count and the sum of
versions, which also move for writes that leave no audit entry (bulk imports, demo data). Comparing
two marks costs a handful of aggregate queries, no rows. The answer is an :class:`OpChanges`,
the same record a window already hands its pages after its own changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.domain.enums import AuditKind
from cspdesk.services.context import OpChanges, Permission, ServiceContext
from cspdesk.storage.models import Action, AgendaItem, AuditEvent, Case, Meeting

#: Which list an audited entity belongs to (entries that change nothing, views and sign-ins, are skipped).
_AREAS: dict[str, tuple[str, ...]] = {
    "case": ("cases",),
    "risk_assessment": ("cases",),
    "referral_import": ("cases", "people"),
    "person": ("people",),
    "group": ("cases", "actions"),
    "action": ("actions",),
    "action_import": ("actions",),
    "meeting": ("meetings",),
    "agenda_item": ("meetings", "cases"),
    "attendance": ("meetings",),
    "minutes_addendum": ("meetings",),
    "panel": ("panels",),
    "partnership": ("partnership",),
    "user_account": ("partnership",),
    "erasure": ("cases", "people", "actions", "meetings"),
    "database": ("partnership", "panels", "cases", "people", "meetings", "actions"),
}
_QUIET = (AuditKind.VIEW, AuditKind.LOGIN, AuditKind.LOGIN_FAILED, AuditKind.PRINT, AuditKind.EXPORT)


@dataclass(frozen=True)
class ChangeMark:
    """Where the database stood when a window last looked. Opaque to the window: keep it, pass it back."""

    audit_id: int
    cases: tuple[datetime | None, int, int]
    actions: tuple[datetime | None, int, int]
    meetings: tuple[int, int, int]


@dataclass(frozen=True)
class ChangesSince:
    changes: OpChanges
    #: Pass this to the next call.
    mark: ChangeMark


class ChangeService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def others_can_change(self) -> bool:
        """Is polling worth it? On a server, yes; on a file only when this copy opened it
        read-only (another copy writes it); a file this copy writes has no other writer."""
        return not self._ctx.store.is_sqlite or self._ctx.read_only

    def mark(self) -> ChangeMark:
        """Where the database stands now (take one when a list is first loaded)."""
        self._ctx.require(Permission.VIEW_CASES)
        with self._ctx.reading() as s:
            return self._mark(s)

    def changes_since(self, mark: ChangeMark | None) -> ChangesSince:
        """Which areas *others* changed since ``mark`` (None: everything, for the first call), and
        the new mark. A handful of aggregate queries in one read: cheap enough to poll.

        The signed-in account's own audited writes are not others' changes: the window that made
        them has shown them already, and reloading its page for them mid-meeting cost a second on
        a slow server (issue 23). Hazard: the same account signed in on a second computer is
        "us" too, so its audited writes show there only when the list is next read."""
        self._ctx.require(Permission.VIEW_CASES)
        with self._ctx.reading() as s:
            now = self._mark(s)
            if mark is None:
                return ChangesSince(OpChanges.everything(), now)
            areas: set[str] = set()
            me = self._ctx.actor.user_id
            ours = False
            if now.audit_id != mark.audit_id:
                entries = s.execute(
                    select(AuditEvent.entity, AuditEvent.user_id).distinct()
                    .where(AuditEvent.id > mark.audit_id, AuditEvent.kind.not_in(_QUIET))
                )
                for entity, user_id in entries:
                    if me is not None and user_id == me:
                        ours = True  # this window already shows what it wrote itself
                        continue
                    areas.update(_AREAS.get(entity, ()))
                if now.audit_id < mark.audit_id:  # another database, or restored from a backup
                    areas.update(("partnership", "panels", "cases", "people", "meetings", "actions"))
            # The sums move for every write, ours too: while we wrote, the audit entries alone say
            # what others changed (what they write outside the trail shows at the next quiet poll).
            if now.cases != mark.cases and not ours:
                areas.add("cases")
            if now.actions != mark.actions and not ours:
                areas.add("actions")
            if now.meetings != mark.meetings and not ours:
                areas.add("meetings")
            # Panels show counts of cases, actions and meetings.
            if areas & {"cases", "actions", "meetings"}:
                areas.add("panels")
        return ChangesSince(OpChanges(**{a: True for a in areas}), now)

    @staticmethod
    def _mark(s: Session) -> ChangeMark:
        audit_id = s.scalar(select(func.max(AuditEvent.id))) or 0
        cases = s.execute(select(func.max(Case.updated_at), func.count(), func.coalesce(func.sum(Case.version), 0))).one()
        actions = s.execute(
            select(func.max(Action.updated_at), func.count(), func.coalesce(func.sum(Action.version), 0))
        ).one()
        meetings = s.execute(select(func.count(), func.coalesce(func.sum(Meeting.version), 0))).one()
        items = s.scalar(select(func.coalesce(func.sum(AgendaItem.version), 0) + func.count()))
        return ChangeMark(audit_id, (cases[0], cases[1], cases[2]), (actions[0], actions[1], actions[2]),
                          (meetings[0], meetings[1], items or 0))
