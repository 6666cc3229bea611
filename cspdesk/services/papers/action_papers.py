"""Printing actions: ``cspdesk print tracker`` (a panel's tracker, or one agency's or officer's
action log) and ``cspdesk print plan`` (an OCG's 4P plan). Built on ActionService and OcgService,
so the paper shows what the tracker and the OCG page show."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from cspdesk.domain.enums import ActionStatus, AuditKind, Rag, Strand
from cspdesk.domain.redaction import KnownContacts, redact_for_circulation
from cspdesk.reports.action_papers import (
    PlanData,
    PlanNominal,
    PlanScore,
    TrackerData,
    TrackerGroup,
    TrackerLine,
    render_plan_pdf,
    render_tracker_pdf,
)
from cspdesk.services.audit import audit
from cspdesk.services.referrals.children import schools_of_cases
from cspdesk.services.actions.actions import RAG_ORDER, ActionGroupBy, ActionQuery, ActionRow, ActionService, ActionSort
from cspdesk.services.partnership.partnership import paper_heading
from cspdesk.services.context import ServiceContext
from cspdesk.services.errors import NotFound
from cspdesk.services.files import check_output_path, write_atomically
from cspdesk.services.referrals.ocgs import OcgService
from cspdesk.services.access.reach import group_on_panels
from cspdesk.storage.models import (
    ActionUpdate,
    Agency,
    CasePerson,
    GroupPerson,
    Panel,
    Person,
    SubjectGroup,
)

ProgressFn = Callable[[int, str], None]


def _line(row: ActionRow, latest: tuple[date, str] | None = None) -> TrackerLine:
    return TrackerLine(
        number=row.number, subject=row.subject_reference, text=row.text, agency=row.owner_agency,
        owner=row.owner_name, due_date=row.due_date, status=row.status.label, reason=row.status_reason,
        completed_on=row.completed_on, rag=row.rag.value, overdue=row.overdue, milestones=row.milestones,
        timescale=row.timescale, outcome=row.outcome,
        latest_update=latest[1] if latest else "", latest_update_on=latest[0] if latest else None,
    )


#: How the printed tracker names its grouping (the words of the window's "Group by" choice).
_GROUP_WORDS = {ActionGroupBy.NONE: "No grouping", ActionGroupBy.CASE: "Case / OCG",
                ActionGroupBy.HEADING: "Priority (plans)"}


class ActionPapersService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx
        self._actions = ActionService(ctx)

    # -- looking things up by the names people type ------------------------------------------

    def agency_id(self, words: str) -> int:
        """An agency by its name or short code, ignoring case."""
        wanted = words.strip().casefold()
        with self._ctx.reading() as s:
            for aid, name, code in s.execute(select(Agency.id, Agency.name, Agency.short_code)):
                if wanted in (name.casefold(), code.casefold()):
                    return aid
        raise NotFound(f"There is no agency called {words!r}.")

    def ocg_id(self, reference: str) -> int:
        wanted = "".join(reference.split()).upper()
        stmt = select(SubjectGroup.id).where(func.upper(SubjectGroup.reference) == wanted)
        visible = self._ctx.visible_panel_ids()
        if visible is not None:  # need to know: another panel's OCG is answered as one that does not exist
            stmt = stmt.where(group_on_panels(visible))
        with self._ctx.reading() as s:
            gid = s.scalar(stmt)
        if gid is None:
            raise NotFound(f"There is no organised crime group {reference!r} on your panels.")
        return gid

    # -- the tracker -----------------------------------------------------------------------------

    def tracker(self, query: ActionQuery, *, distribution: bool = False,
                progress: ProgressFn | None = None) -> TrackerData:
        """The actions ``query`` selects, grouped as it says (by agency when it says nothing).
        ``distribution``: the copy for circulation to agencies — every text on it passes through
        :func:`~cspdesk.domain.redaction.redact_for_circulation`, with the contact details of the
        people on the actions' cases and groups."""
        # Grouped as the window groups them: "No grouping" prints one list, as the window shows it.
        group_by = query.group_by
        # A plan's actions read in their own numbering under each heading; a tracker by due date.
        sort = ActionSort.NUMBER if group_by is ActionGroupBy.HEADING else query.sort
        query = ActionQuery(**{**query.__dict__, "group_by": group_by, "sort": sort})
        ids = self._actions.action_ids(query)
        rows: list[ActionRow] = []
        latest: dict[int, tuple[date, str]] = {}
        for start in range(0, len(ids), 500):
            chunk = self._actions.action_rows(ids[start:start + 500])
            rows.extend(chunk)
            latest.update(self._latest_updates([r.id for r in chunk]))
            if progress:
                progress(int(60 * min(start + 500, len(ids)) / max(len(ids), 1)), "Reading the actions…")
        groups: dict[str, list[TrackerLine]] = {}
        for row in rows:
            groups.setdefault(row.group_label(group_by), []).append(_line(row, latest.get(row.id)))
        counts = self._actions.rag_counts(query)
        with self._ctx.reading() as s:
            heading = paper_heading(s)
            panel = s.scalar(select(Panel.name).where(Panel.id == query.panel_id)) if query.panel_id else None
            agency = s.scalar(select(Agency.name).where(Agency.id == query.agency_id)) if query.agency_id else None
        filters = [("Panel", panel or "All your panels"),
                   ("Grouped by", _GROUP_WORDS.get(group_by, group_by.value.capitalize()))]
        if agency:
            filters.append(("Agency", agency))
        if query.owner_name:
            filters.append(("Officer", query.owner_name))
        if query.statuses:
            filters.append(("Status", ", ".join(s.label for s in ActionStatus if s in query.statuses)))
        if query.overdue_only:
            filters.append(("Only", "overdue actions"))
        if distribution:
            filters.append(("Copy", "for circulation: addresses, telephone numbers, e-mail addresses and "
                                    "postcodes in the text are removed"))
        title = "Action tracker"
        if query.owner_name:
            title = f"Action log — {query.owner_name}"
        elif agency:
            title = f"Action log — {agency}"
        data = TrackerData(
            **heading.fields(),
            generated_at=self._ctx.now(), generated_by=self._ctx.actor.username,
            panel=panel or "All panels", title=title, filters=tuple(filters),
            groups=tuple(TrackerGroup(t, tuple(lines)) for t, lines in groups.items()),
            counts=tuple((r.value, counts[r]) for r in RAG_ORDER),
            today=self._ctx.today(), amber_days=self._actions.amber_days(),
        )
        return redact_for_circulation(data, self._known_contacts(rows)) if distribution else data

    def _latest_updates(self, ids: list[int]) -> dict[int, tuple[date, str]]:
        """Each action's newest note (with words) and its day."""
        out: dict[int, tuple[date, str]] = {}
        if not ids:
            return out
        with self._ctx.reading() as s:
            for action_id, at, text in s.execute(
                    select(ActionUpdate.action_id, ActionUpdate.at, ActionUpdate.text)
                    .where(ActionUpdate.action_id.in_(ids), ActionUpdate.text != "")
                    .order_by(ActionUpdate.at, ActionUpdate.id)):
                out[action_id] = (at.date(), text.strip())  # the newest is last
        return out

    def _known_contacts(self, rows: list[ActionRow]) -> KnownContacts:
        """The recorded contact details of everyone on the cases and groups these actions are about."""
        case_ids = sorted({r.case_id for r in rows if r.case_id is not None})
        group_ids = sorted({r.group_id for r in rows if r.group_id is not None})
        people: set[tuple[str, str, str, str]] = set()
        with self._ctx.reading() as s:
            for link, ids in ((CasePerson.case_id, case_ids), (GroupPerson.group_id, group_ids)):
                owner = link.class_
                for start in range(0, len(ids), 500):  # a bounded IN list on either engine
                    people.update((row[0], row[1], row[2], row[3]) for row in s.execute(
                        select(Person.address, Person.postcode, Person.phone, Person.contact_notes)
                        .join(owner, owner.person_id == Person.id).where(link.in_(ids[start:start + 500]))
                    ))
            schools = schools_of_cases(s, case_ids)
        return KnownContacts.of(people, schools)

    def write_tracker(self, query: ActionQuery, out: Path, *, distribution: bool = False, invariant: bool = False,
                      progress: ProgressFn | None = None) -> TrackerData:
        out = check_output_path(out, (".pdf",))
        data = self.tracker(query, distribution=distribution, progress=progress)
        if progress:
            progress(65, "Laying out the pages…")
        content = render_tracker_pdf(data, invariant=invariant)
        with self._ctx.unit_of_work() as s:
            audit.record(s, self._ctx.actor, AuditKind.PRINT, "panel", query.panel_id,
                         {"report": "tracker", "file": out.name, "actions": sum(len(g.lines) for g in data.groups),
                          "agency_id": query.agency_id, "owner": bool(query.owner_name),
                          "distribution": distribution}, at=self._ctx.now())
            write_atomically(out, content)
        if progress:
            progress(100, "Done")
        return data

    def render_tracker(self, query: ActionQuery, *, distribution: bool = False, invariant: bool = False,
                       progress: ProgressFn | None = None) -> bytes:
        """The tracker (or action log) as PDF bytes, for the print preview. Not recorded: nothing
        has left the app yet — :meth:`write_tracker` (Save as PDF) and
        :meth:`record_tracker_printed` (Print) record it."""
        data = self.tracker(query, distribution=distribution, progress=progress)
        if progress:
            progress(65, "Laying out the pages…")
        return render_tracker_pdf(data, invariant=invariant)

    def record_tracker_printed(self, query: ActionQuery, *, pages: int, printer: str,
                               distribution: bool = False) -> None:
        """Record in the audit trail that the tracker ``query`` selects went to a printer."""
        self._actions.check_query(query)
        with self._ctx.unit_of_work() as s:
            audit.record(s, self._ctx.actor, AuditKind.PRINT, "panel", query.panel_id,
                         {"report": "tracker", "printer": printer, "pages": pages,
                          "agency_id": query.agency_id, "owner": bool(query.owner_name),
                          "distribution": distribution}, at=self._ctx.now())

    # -- the 4P plan -----------------------------------------------------------------------------

    def plan(self, group_id: int) -> PlanData:
        detail = OcgService(self._ctx).get_ocg(group_id)
        row = detail.row
        by_strand = {s.strand: s.actions for s in detail.strands}
        strands = [TrackerGroup(strand.label, tuple(_line(a) for a in by_strand.get(strand, ())))
                   for strand in Strand]
        if by_strand.get(None):
            strands.append(TrackerGroup("Actions without a strand", tuple(_line(a) for a in by_strand[None])))
        archive = ""
        if detail.archive_reason:
            archive = f"archived {row.archived_on:%d %b %Y}: {detail.archive_reason}" if row.archived_on else \
                detail.archive_reason
            if detail.archive_approved_by:
                archive += f" (approved by {detail.archive_approved_by})"
        with self._ctx.reading() as s:
            heading = paper_heading(s)
        return PlanData(
            **heading.fields(),
            generated_at=self._ctx.now(), generated_by=self._ctx.actor.username,
            panel=row.panel_name, reference=row.reference, name=row.name, status=row.status.label,
            lead_officer=", ".join(x for x in (row.lead_officer, row.lead_officer_agency) if x),
            description=detail.description, archive_note=archive,
            nominals=tuple(PlanNominal(n.name, n.role, n.date_of_birth, ", ".join(n.aliases)) for n in detail.nominals),
            scores=tuple(PlanScore(sc.assessed_on, sc.assessor, sc.score, sc.risk_level.label if sc.risk_level else "",
                                   ", ".join(f"{k} {v}" for k, v in sc.factors), sc.notes) for sc in detail.scores),
            strands=tuple(strands),
            today=self._ctx.today(),
        )

    def render_plan(self, group_id: int, *, invariant: bool = False) -> bytes:
        """The OCG's 4P plan as PDF bytes, for the print preview (not recorded, as above)."""
        return render_plan_pdf(self.plan(group_id), invariant=invariant)

    def record_plan_printed(self, group_id: int, *, pages: int, printer: str) -> None:
        """Record in the audit trail that the OCG's 4P plan went to a printer."""
        if not OcgService(self._ctx).ocg_rows([group_id]):  # need to know
            raise NotFound("That organised crime group does not exist, or is on a panel you are not a member of.")
        with self._ctx.unit_of_work() as s:
            audit.record(s, self._ctx.actor, AuditKind.PRINT, "group", group_id,
                         {"report": "4p_plan", "printer": printer, "pages": pages}, at=self._ctx.now())

    def write_plan(self, group_id: int, out: Path, *, invariant: bool = False) -> PlanData:
        out = check_output_path(out, (".pdf",))
        data = self.plan(group_id)
        content = render_plan_pdf(data, invariant=invariant)
        with self._ctx.unit_of_work() as s:
            audit.record(s, self._ctx.actor, AuditKind.PRINT, "group", group_id,
                         {"report": "4p_plan", "file": out.name}, at=self._ctx.now())
            write_atomically(out, content)
        return data


__all__ = ["ActionPapersService", "ActionSort", "Rag"]
