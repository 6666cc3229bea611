"""Retention and erasure: how long each panel keeps closed cases, which have outlived that, and
erasing them — the case, everything that belongs only to it, and the people, groups and places
left linked to nothing — for good.

Erasure is irreversible. It deletes rows in one transaction, redacts the details of earlier audit
entries about what it deleted (the hash chain still verifies: see cspdesk.services.audit.audit), records
one erasure entry, and then scrubs the storage so the deleted bytes are not left in free pages:
on SQLite (SQLCipher) with ``secure_delete``, ``VACUUM`` and a truncating WAL checkpoint; on
PostgreSQL with ``VACUUM`` of the tables touched. What it cannot reach: backups and copies of the
file, and on PostgreSQL the server's write-ahead log and any bytes VACUUM leaves in reused pages
until they are overwritten (``VACUUM FULL`` would rewrite the tables but locks them; we do not).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from cspdesk.domain.ages import add_years as add_years  # re-exported: tests and callers import it here
from cspdesk.domain.ages import whole_years_between
from cspdesk.domain.enums import AuditKind, CaseStatus, PanelType, SubjectKind
from cspdesk.services.audit import audit
from cspdesk.services.context import OpChanges, OpResult, Permission, ServiceContext
from cspdesk.services.errors import NotFound, ValidationError
from cspdesk.storage.models import (
    Action,
    ActionUpdate,
    AgendaItem,
    AuditEvent,
    Case,
    CaseFlag,
    CasePerson,
    CaseStatusChange,
    GroupPerson,
    Location,
    LocationPerson,
    MinutesAddendum,
    Panel,
    Person,
    PersonAlias,
    PersonContactChange,
    RiskAnswer,
    RiskAssessment,
    SubjectGroup,
)

log = logging.getLogger(__name__)

MIN_RETENTION_YEARS = 1
MAX_RETENTION_YEARS = 100
#: Cases whose retention clock runs: a case still being managed is never "past retention".
FINISHED_CASE_STATUSES = (CaseStatus.CLOSED, CaseStatus.ARCHIVED)
MAX_REASON_LENGTH = 2000
#: Ids per IN (...) list: well under SQLite's and PostgreSQL's limits on bound parameters.
_CHUNK = 500

#: Panels too: their counts of active cases and overdue actions change.
ERASURE_CHANGES = OpChanges(panels=True, cases=True, people=True, meetings=True, actions=True)


@dataclass(frozen=True)
class PanelRetention:
    panel_id: int
    name: str
    panel_type: PanelType
    retention_years: int


@dataclass(frozen=True)
class RetentionCaseRow:
    """A case whose retention period has ended. Deliberately no subject name: the reference and
    panel are what an administrator needs to decide; the case itself is one click away."""

    case_id: int
    reference: str
    panel_id: int
    panel_name: str
    subject_kind: SubjectKind
    status: CaseStatus
    #: When the case finished: ``closed_on``, else its last status change, else its referral date.
    closed_on: date
    retention_ended_on: date
    #: Whole years since the retention period ended (0 during the first year past it).
    years_past: int


@dataclass(frozen=True)
class ErasureReport:
    references: tuple[str, ...]
    #: Rows deleted (or links cleared) per kind, and audit entries redacted.
    counts: dict[str, int]
    forced: bool
    #: The storage was scrubbed after the commit (VACUUM and checkpoint completed). False means
    #: the rows are gone but freed pages may still hold bytes until :meth:`scrub_storage` runs.
    storage_scrubbed: bool


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for i in range(0, len(ordered), _CHUNK):
        yield ordered[i : i + _CHUNK]


def _ids(s: Session, column, key_column, keys: Iterable[int]) -> set[int]:  # noqa: ANN001
    """``column`` of every row whose ``key_column`` is one of ``keys`` (chunked)."""
    out: set[int] = set()
    for chunk in _chunks(keys):
        out.update(v for v in s.scalars(select(column).where(key_column.in_(chunk))) if v is not None)
    return out


def _delete(s: Session, table: Table, key_column, keys: Iterable[int]) -> int:  # noqa: ANN001
    total = 0
    for chunk in _chunks(keys):
        total += s.execute(delete(table).where(key_column.in_(chunk))).rowcount or 0
    return total


class RetentionService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    # -- settings -------------------------------------------------------------------------------

    def retention_settings(self) -> list[PanelRetention]:
        """Every panel (inactive ones too: their cases still age) with its retention period."""
        self._ctx.require(Permission.ADMINISTER)
        with self._ctx.reading() as s:
            return [
                PanelRetention(p.id, p.name, p.panel_type, p.retention_years)
                for p in s.scalars(select(Panel).order_by(Panel.name, Panel.id))
            ]

    def set_retention(self, panel_id: int, years: int) -> OpResult[PanelRetention]:
        """How many years a panel keeps a case after it closes (1–100). Administrators only;
        audited with the old and new value."""
        self._ctx.require(Permission.ADMINISTER)
        if isinstance(years, bool) or not isinstance(years, int):
            raise ValidationError("retention_years", "Give the retention period as a whole number of years.")
        if not MIN_RETENTION_YEARS <= years <= MAX_RETENTION_YEARS:
            raise ValidationError(
                "retention_years",
                f"The retention period must be between {MIN_RETENTION_YEARS} and {MAX_RETENTION_YEARS} years.",
            )
        with self._ctx.unit_of_work() as s:
            panel = s.get(Panel, panel_id)
            if panel is None:
                raise NotFound("There is no such panel.")
            old = panel.retention_years
            result = PanelRetention(panel.id, panel.name, panel.panel_type, years)
            if old == years:
                return OpResult(result, OpChanges())
            panel.retention_years = years
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "panel", panel.id,
                         {"changes": {"retention_years": {"old": old, "new": years}}}, at=self._ctx.now())
        return OpResult(result, OpChanges(panels=True))

    # -- what has outlived its retention -----------------------------------------------------------

    def cases_past_retention(self) -> list[RetentionCaseRow]:
        """Closed or archived cases whose finishing date plus their panel's retention period is
        before today, longest past first. Administrators only."""
        self._ctx.require(Permission.ADMINISTER)
        with self._ctx.reading() as s:
            rows = self._retention_rows(s)
        return sorted((r for r in rows.values() if r.retention_ended_on < self._ctx.today()),
                      key=lambda r: (r.retention_ended_on, r.reference))

    def _retention_rows(self, s: Session, case_ids: Sequence[int] | None = None) -> dict[int, RetentionCaseRow]:
        """The retention position of every finished case (or of those in ``case_ids``)."""
        today = self._ctx.today()
        stmt = (
            select(Case.id, Case.reference, Case.panel_id, Panel.name, Panel.retention_years, Case.subject_kind,
                   Case.status, Case.closed_on, Case.referral_date)
            .join(Panel, Panel.id == Case.panel_id)
            .where(Case.status.in_(FINISHED_CASE_STATUSES))
        )
        found = []
        if case_ids is None:
            found = s.execute(stmt).all()
        else:
            for chunk in _chunks(case_ids):
                found.extend(s.execute(stmt.where(Case.id.in_(chunk))).all())
        # A case with no closing date: its last status change, else its referral date.
        undated = [r.id for r in found if r.closed_on is None]
        last_change: dict[int, date] = {}
        for chunk in _chunks(undated):
            for cid, at in s.execute(
                select(CaseStatusChange.case_id, func.max(CaseStatusChange.at))
                .where(CaseStatusChange.case_id.in_(chunk)).group_by(CaseStatusChange.case_id)
            ):
                if at is not None:
                    last_change[cid] = at.date()
        out: dict[int, RetentionCaseRow] = {}
        for r in found:
            finished = r.closed_on or last_change.get(r.id) or r.referral_date
            ends = add_years(finished, r.retention_years)
            out[r.id] = RetentionCaseRow(
                case_id=r.id, reference=r.reference, panel_id=r.panel_id, panel_name=r.name,
                subject_kind=r.subject_kind, status=r.status, closed_on=finished, retention_ended_on=ends,
                years_past=whole_years_between(ends, today) if ends < today else 0,
            )
        return out

    # -- erasure ----------------------------------------------------------------------------------

    def erase_cases(self, case_ids: Iterable[int], reason: str, *, force: bool = False) -> OpResult[ErasureReport]:
        """Erase these cases for good. IRREVERSIBLE: there is no undo and no copy kept; the UI
        must ask for confirmation first. Administrators only.

        Without ``force`` every case must be past its retention period (see
        :meth:`cases_past_retention`), or nothing is erased. ``force=True`` erases cases in any
        status — for a right-to-erasure request — and is recorded as such. ``reason`` is required
        and is kept in the audit trail: it should say why (e.g. "retention period ended", a
        request's reference), not repeat anyone's personal details.

        In one transaction it deletes each case with its people links, flags, status history,
        risk assessments and answers, actions and their updates, and the agenda items about it
        with their minutes addenda — from finalised minutes too: erasure is the one sanctioned
        exception to locked minutes, and the erasure entry records it; clears ``repeat of`` links
        from other cases (and actions' links to erased agenda items); then deletes
        every person, group and place left linked to nothing (see :meth:`_orphans`), with their
        aliases and links. Earlier audit entries about the deleted records have their details
        redacted; one ``erasure`` entry names them with the counts, references and reason.
        After the commit the storage is scrubbed (:meth:`scrub_storage`), which on a large SQLite
        file takes a while (it rewrites the file): run it off the GUI thread.
        """
        self._ctx.require(Permission.ADMINISTER)
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError("reason", "Say why these cases are being erased.")
        if len(reason) > MAX_REASON_LENGTH:
            raise ValidationError("reason", f"Keep the reason to {MAX_REASON_LENGTH} characters or fewer.")
        wanted = sorted({int(c) for c in case_ids})
        if not wanted:
            raise ValidationError("case_ids", "Choose at least one case to erase.")

        with self._ctx.unit_of_work() as s:
            if self._ctx.store.is_sqlite:
                # Deleted cells and freed pages are overwritten with zeros as they are freed.
                s.connection().exec_driver_sql("PRAGMA secure_delete = ON")
            references = self._references(s, wanted)
            missing = [c for c in wanted if c not in references]
            if missing:
                raise NotFound("Some of these cases no longer exist.")
            if not force:
                retention = self._retention_rows(s, wanted)
                today = self._ctx.today()
                not_due = [references[c] for c in wanted
                           if c not in retention or not retention[c].retention_ended_on < today]
                if not_due:
                    shown = ", ".join(not_due[:10]) + (f" and {len(not_due) - 10} more" if len(not_due) > 10 else "")
                    raise ValidationError(
                        "case_ids",
                        f"These cases are not past their retention period: {shown}. Nothing was erased.",
                    )
            counts, erased_ids = self._erase(s, wanted)
            redacted = self._redact_audit(s, erased_ids)
            counts["audit_entries_redacted"] = len(redacted)
            refs = tuple(references[c] for c in wanted)
            audit.record(
                s, self._ctx.actor, AuditKind.DELETE, "erasure", None,
                {"reason": reason, "forced": force, "case_references": list(refs), "counts": counts,
                 "redacted_audit_ids": redacted},
                at=self._ctx.now(),
            )
        scrubbed = self.scrub_storage(_tables_touched())
        return OpResult(ErasureReport(refs, counts, force, scrubbed), ERASURE_CHANGES)

    @staticmethod
    def _references(s: Session, case_ids: Sequence[int]) -> dict[int, str]:
        out: dict[int, str] = {}
        for chunk in _chunks(case_ids):
            out.update((cid, ref) for cid, ref in s.execute(select(Case.id, Case.reference).where(Case.id.in_(chunk))))
        return out

    def _erase(self, s: Session, case_ids: list[int]) -> tuple[dict[str, int], dict[str, set[int]]]:
        """Delete the cases and what belongs only to them; return counts and the ids erased by kind."""
        t = {m.__tablename__: m.__table__ for m in (
            Case, CasePerson, CaseFlag, CaseStatusChange, RiskAssessment, RiskAnswer, Action, ActionUpdate,
            AgendaItem, MinutesAddendum, Person, PersonAlias, PersonContactChange, SubjectGroup, GroupPerson, Location,
            LocationPerson)}
        counts: dict[str, int] = {}
        ids: dict[str, set[int]] = {"case": set(case_ids)}

        # Who and what the cases point at: the candidates for erasure once the cases are gone.
        persons = _ids(s, Case.subject_person_id, Case.id, case_ids) | _ids(s, CasePerson.person_id,
                                                                              CasePerson.case_id, case_ids)
        subject_groups = _ids(s, Case.subject_group_id, Case.id, case_ids)
        subject_locations = _ids(s, Case.subject_location_id, Case.id, case_ids)

        # Records that belong to the cases.
        ids["case_person"] = _ids(s, CasePerson.id, CasePerson.case_id, case_ids)
        ids["agenda_item"] = _ids(s, AgendaItem.id, AgendaItem.case_id, case_ids)
        ids["minutes_addendum"] = _ids(s, MinutesAddendum.id, MinutesAddendum.agenda_item_id, ids["agenda_item"])
        ids["action"] = _ids(s, Action.id, Action.case_id, case_ids)
        ids["risk_assessment"] = _ids(s, RiskAssessment.id, RiskAssessment.case_id, case_ids)
        ids["case_status_change"] = _ids(s, CaseStatusChange.id, CaseStatusChange.case_id, case_ids)

        # Other cases that were repeats of these stop pointing at them (their version moves on, so
        # an editor holding the old row is told it changed rather than writing a dangling link).
        cleared = 0
        for chunk in _chunks(case_ids):
            cleared += s.execute(
                update(t["case_record"]).where(t["case_record"].c.repeat_of_case_id.in_(chunk))
                .values(repeat_of_case_id=None, version=t["case_record"].c.version + 1,
                        updated_at=self._ctx.now())
            ).rowcount or 0
        # Actions on other cases agreed under one of these agenda items keep their text; only the
        # link to the erased item goes.
        for chunk in _chunks(ids["agenda_item"]):
            s.execute(update(t["action"]).where(t["action"].c.agenda_item_id.in_(chunk)).values(agenda_item_id=None))

        action_updates = _ids(s, ActionUpdate.id, ActionUpdate.action_id, ids["action"])
        counts["action_updates"] = _delete(s, t["action_update"], t["action_update"].c.action_id, ids["action"])
        counts["actions"] = _delete(s, t["action"], t["action"].c.id, ids["action"])
        counts["minutes_addenda"] = _delete(s, t["minutes_addendum"], t["minutes_addendum"].c.id,
                                            ids["minutes_addendum"])
        counts["agenda_items"] = _delete(s, t["agenda_item"], t["agenda_item"].c.id, ids["agenda_item"])
        counts["risk_answers"] = _delete(s, t["risk_answer"], t["risk_answer"].c.assessment_id,
                                         ids["risk_assessment"])
        counts["risk_assessments"] = _delete(s, t["risk_assessment"], t["risk_assessment"].c.id,
                                             ids["risk_assessment"])
        counts["status_changes"] = _delete(s, t["case_status_change"], t["case_status_change"].c.case_id, case_ids)
        counts["case_flags"] = _delete(s, t["case_flag"], t["case_flag"].c.case_id, case_ids)
        counts["case_people"] = _delete(s, t["case_person"], t["case_person"].c.case_id, case_ids)
        counts["cases"] = _delete(s, t["case_record"], t["case_record"].c.id, case_ids)
        counts["repeat_links_cleared"] = cleared

        # Now what is left linked to nothing.
        gone_persons, gone_groups, gone_locations = self._orphans(s, persons, subject_groups, subject_locations)
        ids["person"], ids["group"], ids["location"] = gone_persons, gone_groups, gone_locations

        # A group's own actions and assessments (those on no surviving case) go with it.
        group_actions = _ids(s, Action.id, Action.group_id, gone_groups)
        group_assessments = _ids(s, RiskAssessment.id, RiskAssessment.group_id, gone_groups)
        action_updates |= _ids(s, ActionUpdate.id, ActionUpdate.action_id, group_actions)
        counts["action_updates"] += _delete(s, t["action_update"], t["action_update"].c.action_id, group_actions)
        counts["actions"] += _delete(s, t["action"], t["action"].c.id, group_actions)
        counts["risk_answers"] += _delete(s, t["risk_answer"], t["risk_answer"].c.assessment_id, group_assessments)
        counts["risk_assessments"] += _delete(s, t["risk_assessment"], t["risk_assessment"].c.id, group_assessments)
        ids["action"] |= group_actions
        ids["action_update"] = action_updates
        ids["risk_assessment"] |= group_assessments

        ids["person_alias"] = _ids(s, PersonAlias.id, PersonAlias.person_id, gone_persons)
        counts["group_links"] = (_delete(s, t["group_person"], t["group_person"].c.group_id, gone_groups)
                                 + _delete(s, t["group_person"], t["group_person"].c.person_id, gone_persons))
        counts["location_links"] = (
            _delete(s, t["location_person"], t["location_person"].c.location_id, gone_locations)
            + _delete(s, t["location_person"], t["location_person"].c.person_id, gone_persons))
        counts["aliases"] = _delete(s, t["person_alias"], t["person_alias"].c.person_id, gone_persons)
        # Earlier addresses and numbers go with the person (said here, not left to the foreign key).
        counts["contact_history"] = _delete(s, t["person_contact_change"], t["person_contact_change"].c.person_id,
                                            gone_persons)
        counts["groups"] = _delete(s, t["subject_group"], t["subject_group"].c.id, gone_groups)
        counts["locations"] = _delete(s, t["location"], t["location"].c.id, gone_locations)
        counts["people"] = _delete(s, t["person"], t["person"].c.id, gone_persons)
        return counts, ids

    def _orphans(self, s: Session, persons: set[int], subject_groups: set[int],
                 subject_locations: set[int]) -> tuple[set[int], set[int], set[int]]:
        """Which of the people, groups and places the erased cases reached are now linked to
        nothing, and so are erased too. Runs after the cases are deleted, so "a case" below means
        a surviving one.

        - A group or place that was the subject of an erased case belongs to that case: it goes
          unless a surviving case has it as subject, or a surviving case's action or assessment
          refers to it. Its people are candidates too (an OCG's nominals may be linked only
          through the OCG); its links go with it.
        - Another group or place linked to a candidate person (a peer group, linked premises) goes
          only when none of its people stays.
        - A person stays if a surviving case has them as subject or linked person, or a group or
          place that stays links them.

        The keep-sets grow from what surviving cases anchor until nothing changes, so a loop of
        links with no surviving case behind it is erased, not kept by itself.
        """
        owned_groups, owned_locations = set(subject_groups), set(subject_locations)
        persons = (set(persons)
                   | _ids(s, GroupPerson.person_id, GroupPerson.group_id, owned_groups)
                   | _ids(s, LocationPerson.person_id, LocationPerson.location_id, owned_locations))
        person_groups = self._pairs(s, GroupPerson.person_id, GroupPerson.group_id, persons)
        person_locations = self._pairs(s, LocationPerson.person_id, LocationPerson.location_id, persons)
        # Groups and places a surviving case anchors are kept and need no further look.
        other_groups = {g for _, g in person_groups} - owned_groups
        other_groups -= self._anchored_groups(s, other_groups)
        other_locations = {loc for _, loc in person_locations} - owned_locations
        other_locations -= self._anchored_locations(s, other_locations)
        groups, locations = owned_groups | other_groups, owned_locations | other_locations

        kept_g = self._anchored_groups(s, owned_groups)
        kept_l = self._anchored_locations(s, owned_locations)
        kept_p = (_ids(s, Case.subject_person_id, Case.subject_person_id, persons)
                  | _ids(s, CasePerson.person_id, CasePerson.person_id, persons)
                  | {p for p, g in person_groups if g not in groups}
                  | {p for p, loc in person_locations if loc not in locations})
        group_links = self._pairs(s, GroupPerson.group_id, GroupPerson.person_id, groups)
        location_links = self._pairs(s, LocationPerson.location_id, LocationPerson.person_id, locations)

        changed = True
        while changed:
            changed = False
            for links, kept, others in ((group_links, kept_g, other_groups),
                                        (location_links, kept_l, other_locations)):
                for container, pid in links:
                    if container in kept and pid not in kept_p:
                        kept_p.add(pid)
                        changed = True
                    if container in others and container not in kept and (pid in kept_p or pid not in persons):
                        kept.add(container)
                        changed = True
        return persons - kept_p, groups - kept_g, locations - kept_l

    @staticmethod
    def _pairs(s: Session, key, other, keys: Iterable[int]) -> set[tuple[int, int]]:  # noqa: ANN001
        out: set[tuple[int, int]] = set()
        for chunk in _chunks(keys):
            out.update((a, b) for a, b in s.execute(select(key, other).where(key.in_(chunk))))
        return out

    @staticmethod
    def _anchored_groups(s: Session, groups: Iterable[int]) -> set[int]:
        """Groups a surviving case has as subject, or whose actions or assessments are on one."""
        groups = set(groups)
        return (_ids(s, Case.subject_group_id, Case.subject_group_id, groups)
                | {g for chunk in _chunks(groups) for g in s.scalars(
                    select(Action.group_id).where(Action.group_id.in_(chunk), Action.case_id.is_not(None)))}
                | {g for chunk in _chunks(groups) for g in s.scalars(
                    select(RiskAssessment.group_id).where(RiskAssessment.group_id.in_(chunk),
                                                          RiskAssessment.case_id.is_not(None)))})

    @staticmethod
    def _anchored_locations(s: Session, locations: Iterable[int]) -> set[int]:
        return _ids(s, Case.subject_location_id, Case.subject_location_id, set(locations))

    @staticmethod
    def _redact_audit(s: Session, erased: dict[str, set[int]]) -> list[int]:
        """Redact the details of earlier audit entries about any erased record."""
        entities = {
            "case": erased.get("case", set()),
            "case_record": erased.get("case", set()),
            "case_person": erased.get("case_person", set()),
            "case_status_change": erased.get("case_status_change", set()),
            "person": erased.get("person", set()),
            "person_alias": erased.get("person_alias", set()),
            "group": erased.get("group", set()),
            "subject_group": erased.get("group", set()),
            "location": erased.get("location", set()),
            "action": erased.get("action", set()),
            "action_update": erased.get("action_update", set()),
            "agenda_item": erased.get("agenda_item", set()),
            "minutes_addendum": erased.get("minutes_addendum", set()),
            "risk_assessment": erased.get("risk_assessment", set()),
        }
        event_ids: set[int] = set()
        for entity, ids in entities.items():
            for chunk in _chunks(ids):
                for event_id, details in s.execute(
                    select(AuditEvent.id, AuditEvent.details)
                    .where(AuditEvent.entity == entity, AuditEvent.entity_id.in_(chunk))
                ):
                    if details != audit.REDACTED:
                        event_ids.add(event_id)
        return audit.redact(s, event_ids)

    # -- after the commit -------------------------------------------------------------------------

    def scrub_storage(self, tables: Sequence[str] | None = None) -> bool:
        """Make sure no free page or log keeps erased bytes. Administrators only.

        SQLite: ``VACUUM`` rebuilds the file from its live rows alone (no free pages left), then a
        ``wal_checkpoint(TRUNCATE)`` copies the result into the main file and empties the WAL, so
        no earlier frame survives. Both run on a connection of their own, outside any transaction.
        PostgreSQL: ``VACUUM`` of ``tables`` (default: every table erasure touches), in autocommit.

        Returns False (and logs why, with no personal data) when it could not finish — typically
        another connection reading the file kept the checkpoint from emptying the WAL; call again
        when the others have closed.
        """
        self._ctx.require(Permission.ADMINISTER)
        tables = list(tables or _tables_touched())
        engine = self._ctx.store.engine
        try:
            if self._ctx.store.is_sqlite:
                raw = engine.raw_connection()
                try:
                    cur = raw.cursor()
                    try:
                        cur.execute("PRAGMA secure_delete = ON")
                        cur.execute("VACUUM")
                        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                        busy, _log_frames, _done = cur.fetchone()
                    finally:
                        cur.close()
                finally:
                    raw.close()
                if busy:
                    log.warning("After erasure the WAL could not be emptied: another connection is reading.")
                    return False
                return True
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                quote = engine.dialect.identifier_preparer.quote
                conn.exec_driver_sql("VACUUM " + ", ".join(quote(t) for t in tables))
            return True
        except DBAPIError as exc:
            log.warning("Scrubbing the storage after erasure failed: %s", type(exc.orig).__name__)
            return False


def _tables_touched() -> list[str]:
    return [m.__tablename__ for m in (
        Case, CasePerson, CaseFlag, CaseStatusChange, RiskAssessment, RiskAnswer, Action, ActionUpdate, AgendaItem,
        MinutesAddendum, Person, PersonAlias, PersonContactChange, SubjectGroup, GroupPerson, Location, LocationPerson,
        AuditEvent)]
