"""Protective orders and DVDS (Clare's Law) requests on a MARAC case.

Every call checks the role and the case's panel (need to know: a user reads and writes only the
orders of their own panels' cases; the people named must be linked to the case); every write is one
transaction with one audit entry, which names the case and the record, never a person. The rules
(what is expiring, the 28-day clock) are the domain's (:mod:`cspdesk.domain.orders`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.domain.enums import AuditKind, PanelType
from cspdesk.domain.orders import (
    DEFAULT_ORDER_REMINDER_DAYS,
    ORDER_REMINDER_RANGE,
    ORDER_REMINDER_SETTING,
    DvdsClock,
    DvdsDecision,
    DvdsRoute,
    OrderKind,
    TransferDirection,
    dvds_clock,
    order_expiring,
    order_expiry_text,
)
from cspdesk.domain.rules import person_display_name
from cspdesk.services.audit import audit
from cspdesk.services.context import OpChanges, OpResult, Permission, ServiceContext
from cspdesk.services.errors import NotFound, ValidationError
from cspdesk.storage.model_orders import CaseTransfer, DvdsRequest, ProtectiveOrder
from cspdesk.storage.models import Agency, Case, CasePerson, Panel, Partnership, Person

NO_SUCH_CASE = "That case does not exist, or is on a panel you are not a member of."
NO_SUCH_ORDER = "That order does not exist, or is on a panel you are not a member of."
NO_SUCH_REQUEST = "That DVDS request does not exist, or is on a panel you are not a member of."
_LONGEST_CONDITIONS = 4000


@dataclass(frozen=True)
class OrderDraft:
    kind: OrderKind
    protected_person_id: int | None = None
    restrained_person_id: int | None = None
    agency_id: int | None = None
    made_on: date | None = None
    expires_on: date | None = None
    conditions: str = ""


@dataclass(frozen=True)
class OrderRow:
    id: int
    case_id: int
    case_reference: str
    kind: OrderKind
    protected: str
    restrained: str
    agency_id: int | None
    agency: str
    made_on: date | None
    expires_on: date | None
    conditions: str
    #: Ends today or within the reminder window.
    expiring: bool
    expiry_text: str


@dataclass(frozen=True)
class DvdsDraft:
    route: DvdsRoute
    applicant: str
    received_on: date
    decision: DvdsDecision = DvdsDecision.PENDING
    decided_on: date | None = None


@dataclass(frozen=True)
class DvdsRow:
    id: int
    case_id: int
    case_reference: str
    route: DvdsRoute
    applicant: str
    received_on: date
    decision: DvdsDecision
    decided_on: date | None
    clock: DvdsClock


@dataclass(frozen=True)
class CaseOrders:
    """What the case view and meeting mode's brief show of a case's orders and disclosures."""

    orders: tuple[OrderRow, ...]
    dvds: tuple[DvdsRow, ...]
    reminder_days: int


def reminder_days(s: Session) -> int:
    """The partnership's reminder window for orders (days before expiry)."""
    partnership = s.scalars(select(Partnership)).first()
    value = (partnership.settings or {}).get(ORDER_REMINDER_SETTING) if partnership else None
    return value if isinstance(value, int) and not isinstance(value, bool) else DEFAULT_ORDER_REMINDER_DAYS


def _names(s: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {p.id: person_display_name(p.given_name, p.family_name)
            for p in s.scalars(select(Person).where(Person.id.in_(sorted(ids))))}


def order_rows(s: Session, orders: list[tuple[ProtectiveOrder, str]], today: date, window: int) -> list[OrderRow]:
    """Display rows for ``(order, case reference)`` pairs already checked as the user's to see."""
    names = _names(s, {i for o, _ in orders for i in (o.protected_person_id, o.restrained_person_id) if i})
    agency_ids = sorted({o.agency_id for o, _ in orders if o.agency_id})
    agencies = dict(s.execute(select(Agency.id, Agency.name).where(Agency.id.in_(agency_ids))).all()) if agency_ids else {}
    return [OrderRow(
        id=o.id, case_id=o.case_id, case_reference=ref, kind=o.kind,
        protected=names.get(o.protected_person_id or 0, ""), restrained=names.get(o.restrained_person_id or 0, ""),
        agency_id=o.agency_id, agency=agencies.get(o.agency_id or 0, ""), made_on=o.made_on, expires_on=o.expires_on,
        conditions=o.conditions, expiring=order_expiring(o.expires_on, today, window),
        expiry_text=order_expiry_text(o.expires_on, today)) for o, ref in orders]


def transferred_in(s: Session, case_id: int) -> bool:
    """Was the case made from another MARAC's transfer pack? (Its first hearing is listed so.)"""
    return s.scalar(select(CaseTransfer.id).where(CaseTransfer.case_id == case_id,
                                                  CaseTransfer.direction == TransferDirection.IN).limit(1)) is not None


def brief_lines(s: Session, case_id: int, today: date) -> tuple[str, ...]:
    """Meeting mode's brief of a case the caller has checked the user may see: each DVDS request
    with its 28-day clock, then each order in force with its expiry — one line each."""
    window = reminder_days(s)
    lines = []
    for r in s.scalars(select(DvdsRequest).where(DvdsRequest.case_id == case_id)
                       .order_by(DvdsRequest.received_on.desc(), DvdsRequest.id.desc())):
        clock = dvds_clock(r.received_on, r.decision, today)
        state = clock.text if not clock.decided else f"{r.decision.label}"
        lines.append(f"DVDS {r.route.label.lower()}, received {r.received_on:%d %b %Y}: {state}")
    for o in s.scalars(select(ProtectiveOrder).where(ProtectiveOrder.case_id == case_id)
                       .order_by(ProtectiveOrder.expires_on.is_(None), ProtectiveOrder.expires_on, ProtectiveOrder.id)):
        if o.expires_on is not None and o.expires_on < today:
            continue  # ended: the case view keeps it
        flag = " (reminder)" if order_expiring(o.expires_on, today, window) else ""
        lines.append(f"{o.kind.label}: {order_expiry_text(o.expires_on, today)}{flag}")
    return tuple(lines)


class OrdersService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    # -- reading ------------------------------------------------------------------------------

    def case_orders(self, case_id: int) -> CaseOrders:
        """A case's orders (soonest expiry first) and DVDS requests (newest first)."""
        self._ctx.require(Permission.VIEW_CASES)
        with self._ctx.reading() as s:
            case_ = self._case(s, case_id)
            return self._case_orders(s, case_)

    def _case_orders(self, s: Session, case_: Case) -> CaseOrders:
        today, window = self._ctx.today(), reminder_days(s)
        orders = list(s.scalars(select(ProtectiveOrder).where(ProtectiveOrder.case_id == case_.id)
                                .order_by(ProtectiveOrder.expires_on.is_(None), ProtectiveOrder.expires_on,
                                          ProtectiveOrder.id)))
        requests = s.scalars(select(DvdsRequest).where(DvdsRequest.case_id == case_.id)
                             .order_by(DvdsRequest.received_on.desc(), DvdsRequest.id.desc()))
        return CaseOrders(
            orders=tuple(order_rows(s, [(o, case_.reference) for o in orders], today, window)),
            dvds=tuple(self._dvds_row(r, case_.reference, today) for r in requests),
            reminder_days=window)

    def expiring_orders(self, *, agency_id: int | None = None) -> list[OrderRow]:
        """Orders ending within the reminder window on the user's panels, soonest first: those held
        by ``agency_id`` (by default the user's own agency; an administrator with no agency sees
        every agency's). What "My actions" shows above the agency's actions."""
        self._ctx.require(Permission.VIEW_CASES)
        agency = agency_id if agency_id is not None else self._ctx.actor.agency_id
        with self._ctx.reading() as s:
            today, window = self._ctx.today(), reminder_days(s)
            stmt = (select(ProtectiveOrder, Case.reference).join(Case, Case.id == ProtectiveOrder.case_id)
                    .where(ProtectiveOrder.expires_on >= today,
                           ProtectiveOrder.expires_on <= today + timedelta(days=window))
                    .order_by(ProtectiveOrder.expires_on, ProtectiveOrder.id))
            visible = self._ctx.visible_panel_ids()
            if visible is not None:
                stmt = stmt.where(Case.panel_id.in_(sorted(visible)))
            if agency is not None:
                stmt = stmt.where(ProtectiveOrder.agency_id == agency)
            elif self._ctx.actor.panel_ids is not None:
                return []  # a user of no agency holds no orders
            return order_rows(s, [(o, ref) for o, ref in s.execute(stmt)], today, window)

    def agencies(self) -> list[tuple[int, str]]:
        """Every agency (id, name), by name: who may hold an order."""
        self._ctx.require(Permission.VIEW_CASES)
        with self._ctx.reading() as s:
            return [(i, n) for i, n in s.execute(select(Agency.id, Agency.name).order_by(Agency.name))]

    def reminder_days(self) -> int:
        self._ctx.require(Permission.VIEW_CASES)
        with self._ctx.reading() as s:
            return reminder_days(s)

    # -- orders -------------------------------------------------------------------------------

    def add_order(self, case_id: int, draft: OrderDraft) -> OpResult[int]:
        self._ctx.require(Permission.EDIT_CASES)
        with self._ctx.unit_of_work() as s:
            case_ = self._case(s, case_id, marac=True)
            self._check_order(s, case_, draft)
            now = self._ctx.now()
            order = ProtectiveOrder(case_id=case_.id, created_at=now, updated_at=now, **self._order_values(draft))
            s.add(order)
            s.flush()
            audit.record(s, self._ctx.actor, AuditKind.CREATE, "protective_order", order.id,
                         {"case": case_.reference, "kind": order.kind.value}, at=now)
            return OpResult(order.id, OpChanges(cases=True))

    def update_order(self, order_id: int, draft: OrderDraft) -> OpResult[int]:
        self._ctx.require(Permission.EDIT_CASES)
        with self._ctx.unit_of_work() as s:
            order = s.get(ProtectiveOrder, order_id)
            if order is None:
                raise NotFound(NO_SUCH_ORDER)
            case_ = self._case(s, order.case_id, marac=True, missing=NO_SUCH_ORDER)
            self._check_order(s, case_, draft)
            new = self._order_values(draft)
            old = {k: getattr(order, k) for k in new}
            # Which fields changed, not their values: conditions and names are personal.
            changed = sorted(k for k in new if old[k] != new[k])
            for k, v in new.items():
                setattr(order, k, v)
            order.updated_at = self._ctx.now()
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "protective_order", order.id,
                         {"case": case_.reference, "fields": changed}, at=self._ctx.now())
            return OpResult(order.id, OpChanges(cases=True))

    def delete_order(self, order_id: int) -> OpResult[None]:
        self._ctx.require(Permission.EDIT_CASES)
        with self._ctx.unit_of_work() as s:
            order = s.get(ProtectiveOrder, order_id)
            if order is None:
                raise NotFound(NO_SUCH_ORDER)
            case_ = self._case(s, order.case_id, missing=NO_SUCH_ORDER)
            audit.record(s, self._ctx.actor, AuditKind.DELETE, "protective_order", order.id,
                         {"case": case_.reference, "kind": order.kind.value}, at=self._ctx.now())
            s.delete(order)
            return OpResult(None, OpChanges(cases=True))

    @staticmethod
    def _order_values(draft: OrderDraft) -> dict[str, object]:
        return dict(kind=OrderKind(draft.kind), protected_person_id=draft.protected_person_id,
                    restrained_person_id=draft.restrained_person_id, agency_id=draft.agency_id,
                    made_on=draft.made_on, expires_on=draft.expires_on, conditions=draft.conditions.strip())

    def _check_order(self, s: Session, case_: Case, draft: OrderDraft) -> None:
        try:
            OrderKind(draft.kind)
        except ValueError:
            raise ValidationError("kind", "Choose the kind of order.") from None
        linked = self._linked_people(s, case_)
        for field, person_id, words in (("protected_person_id", draft.protected_person_id, "The person protected"),
                                        ("restrained_person_id", draft.restrained_person_id, "The person restrained")):
            if person_id is not None and person_id not in linked:
                raise ValidationError(field, f"{words} must be one of the people linked to {case_.reference}.")
        if (draft.protected_person_id is not None
                and draft.protected_person_id == draft.restrained_person_id):
            raise ValidationError("restrained_person_id", "The person restrained cannot be the person protected.")
        if draft.agency_id is not None and s.get(Agency, draft.agency_id) is None:
            raise ValidationError("agency_id", "That agency does not exist.")
        if draft.made_on and draft.expires_on and draft.expires_on < draft.made_on:
            raise ValidationError("expires_on", "The order cannot expire before it was made.")
        if draft.made_on and draft.made_on > self._ctx.today():
            raise ValidationError("made_on", "The date made cannot be in the future.")
        if len(draft.conditions.strip()) > _LONGEST_CONDITIONS:
            raise ValidationError("conditions", f"The conditions must be {_LONGEST_CONDITIONS:,} characters or fewer.")

    # -- DVDS ---------------------------------------------------------------------------------

    def add_dvds(self, case_id: int, draft: DvdsDraft) -> OpResult[int]:
        self._ctx.require(Permission.EDIT_CASES)
        with self._ctx.unit_of_work() as s:
            case_ = self._case(s, case_id, marac=True)
            values = self._check_dvds(draft)
            now = self._ctx.now()
            request = DvdsRequest(case_id=case_.id, created_at=now, updated_at=now, **values)
            s.add(request)
            s.flush()
            audit.record(s, self._ctx.actor, AuditKind.CREATE, "dvds_request", request.id,
                         {"case": case_.reference, "route": request.route.value,
                          "decision": request.decision.value}, at=now)
            return OpResult(request.id, OpChanges(cases=True))

    def update_dvds(self, request_id: int, draft: DvdsDraft) -> OpResult[int]:
        """Change a request, most often to record its decision (and the date it was made)."""
        self._ctx.require(Permission.EDIT_CASES)
        with self._ctx.unit_of_work() as s:
            request = s.get(DvdsRequest, request_id)
            if request is None:
                raise NotFound(NO_SUCH_REQUEST)
            case_ = self._case(s, request.case_id, marac=True, missing=NO_SUCH_REQUEST)
            values = self._check_dvds(draft)
            changed = sorted(k for k, v in values.items() if getattr(request, k) != v)
            for k, v in values.items():
                setattr(request, k, v)
            request.updated_at = self._ctx.now()
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "dvds_request", request.id,
                         {"case": case_.reference, "fields": changed, "decision": request.decision.value},
                         at=self._ctx.now())
            return OpResult(request.id, OpChanges(cases=True))

    def _check_dvds(self, draft: DvdsDraft) -> dict[str, object]:
        try:
            route, decision = DvdsRoute(draft.route), DvdsDecision(draft.decision)
        except ValueError:
            raise ValidationError("route", "Choose right to ask or right to know, and a decision.") from None
        applicant = draft.applicant.strip()
        if not applicant:
            raise ValidationError("applicant", "Say who applied (the person, a relative, or the agency).")
        if len(applicant) > 200:
            raise ValidationError("applicant", "Who applied must be 200 characters or fewer.")
        today = self._ctx.today()
        if draft.received_on > today:
            raise ValidationError("received_on", "The date received cannot be in the future.")
        decided_on = draft.decided_on
        if decision is DvdsDecision.PENDING:
            decided_on = None
        elif decided_on is None:
            raise ValidationError("decided_on", "Give the date of the decision.")
        elif decided_on < draft.received_on or decided_on > today:
            raise ValidationError("decided_on", "The decision date must fall between the date received and today.")
        return dict(route=route, applicant=applicant, received_on=draft.received_on, decision=decision,
                    decided_on=decided_on)

    @staticmethod
    def _dvds_row(r: DvdsRequest, reference: str, today: date) -> DvdsRow:
        return DvdsRow(id=r.id, case_id=r.case_id, case_reference=reference, route=r.route, applicant=r.applicant,
                       received_on=r.received_on, decision=r.decision, decided_on=r.decided_on,
                       clock=dvds_clock(r.received_on, r.decision, today))

    # -- the setting ----------------------------------------------------------------------------

    def set_reminder_days(self, days: int) -> OpResult[int]:
        """Administrators: how many days before an order's expiry it is shown as a reminder."""
        self._ctx.require(Permission.ADMINISTER)
        low, high = ORDER_REMINDER_RANGE
        if not isinstance(days, int) or isinstance(days, bool) or not low <= days <= high:
            raise ValidationError(ORDER_REMINDER_SETTING,
                                  f"The reminder before an order expires must be {low} to {high} days.")
        with self._ctx.unit_of_work() as s:
            partnership = s.scalars(select(Partnership)).first()
            if partnership is None:
                raise NotFound("The partnership is not set up yet.")
            old = reminder_days(s)
            partnership.settings = {**(partnership.settings or {}), ORDER_REMINDER_SETTING: days}
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "partnership", partnership.id,
                         {"changes": {ORDER_REMINDER_SETTING: {"old": old, "new": days}}}, at=self._ctx.now())
            return OpResult(days, OpChanges(partnership=True))

    # -- building blocks ----------------------------------------------------------------------

    def _case(self, s: Session, case_id: int, *, marac: bool = False, missing: str = NO_SUCH_CASE) -> Case:
        """The case, if the user may see it (else NotFound, worded alike whether it exists or not)."""
        case_ = s.get(Case, case_id)
        if case_ is None or not self._ctx.actor.sees_panel(case_.panel_id):
            raise NotFound(missing)
        if marac and s.scalar(select(Panel.panel_type).where(Panel.id == case_.panel_id)) is not PanelType.MARAC:
            raise ValidationError("case", f"{case_.reference} is not a MARAC case: orders and DVDS are kept on MARAC cases.")
        return case_

    @staticmethod
    def _linked_people(s: Session, case_: Case) -> set[int]:
        linked = set(s.scalars(select(CasePerson.person_id).where(CasePerson.case_id == case_.id)))
        if case_.subject_person_id is not None:
            linked.add(case_.subject_person_id)
        return linked
