"""Every id a service accepts is checked against the user's panels (issue 22, item 2).

One test walks every public method of every ``*Service`` class in cspdesk/services that takes an
id (a parameter named ``*_id``, ``*_ids`` or ``ids``, the id fields of the requests
:class:`NewAction` and the queries carry, and the panel, person and group a referral draft names),
and calls it as the CSVG coordinator of the demo
partnership with a record of another panel (SOCP for groups, MARAC and SOCP for the rest). Each
call must be refused — NotFound, PermissionDenied or a ValidationError naming the field — in the
same words as the same call with an id that does not exist (a refusal is no oracle), and must
change nothing in the database. A method that lists rows by id (``case_rows``, ``action_rows``,
``ocg_rows``) answers with no rows instead of refusing, and ``ReferralService.validate`` with the
problem naming the field. The other ids of the call are the
coordinator's own panel's, so each refusal is the id under test's. On both engines.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import inspect
import pkgutil
import re
import typing
from datetime import date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import cspdesk.services as services_package
from constants import DEMO_TODAY
from core.actions_helpers import act_as
from cspdesk.domain.contexts import ContextKind
from cspdesk.domain.enums import PanelType, PersonRole, Role
from cspdesk.domain.periods import Period
from cspdesk.services.records_io.action_import import ActionField, ImportMapping
from cspdesk.services.actions.actions import ActionQuery, NewAction
from cspdesk.services.referrals.cases import CaseQuery
from cspdesk.services.errors import NotFound, PermissionDenied, ServiceError, ValidationError
from cspdesk.services.referrals.ocgs import OcgQuery
from cspdesk.services.records_io.tabular import table_from_rows
from cspdesk.storage.model_contexts import CarmContext, ContextGoal
from cspdesk.storage.model_orders import DvdsRequest, ProtectiveOrder
from cspdesk.storage.model_triage import CommunityTrigger, TriageItem, TriageMeeting
from cspdesk.storage.models import (
    Action,
    AgendaItem,
    Attendance,
    Base,
    Case,
    CasePerson,
    Meeting,
    Panel,
    UserAccount,
)

#: An id no record has.
MISSING = 987_654_321

#: Ids that name partnership-wide records (agencies, their officers): not panel-scoped, so given
#: the coordinator's own values. (Administrators alone change agencies and accounts; the methods
#: whose *main* id is one of these are still walked, and refused by role.)
PARTNERSHIP_IDS = {"agency_id", "member_id", "owner_member_id", "chair_member_id", "minute_taker_member_id",
                   "owner_agency_id", "referring_agency_id", "referring_agency_ids"}

#: What kind of record each id parameter names (``ids`` is named by its service below).
KIND = {
    "panel_id": "panel", "case_id": "case", "case_ids": "case", "meeting_id": "meeting",
    "item_id": "item", "leaving_item_id": "item", "agenda_item_id": "item", "item_ids": "item",
    "action_id": "action", "group_id": "group", "person_id": "person", "attendance_id": "attendance",
    "user_id": "user", "panel_ids": "panel", "context_id": "context", "goal_id": "goal",
    "order_id": "order", "request_id": "dvds_request",  # issue 19: a MARAC case's orders and DVDS requests
    # Issue 19, part C: daily triage (MARAC) and ASB case reviews (CSVG).
    "triage_id": "triage", "triage_item_id": "triage_item", "trigger_id": "trigger",
    "case_person_id": "child",  # issue 19: a child on a case (ChildrenService)
}
IDS_KIND = {"ActionService": "action", "CaseService": "case", "OcgService": "group", "AuditService": "audit"}
#: Methods that list the rows of the ids given: another panel's rows are left out, not refused.
LISTERS = {"action_rows", "case_rows", "ocg_rows"}
#: Request and query classes a method takes whose id fields are walked too.
REQUESTS = (NewAction, ActionQuery, CaseQuery, OcgQuery)


def _service_classes() -> list[type]:
    out = []
    # Every module of every area (the services are grouped in sub-packages: issue 23).
    for info in pkgutil.walk_packages(services_package.__path__, "cspdesk.services."):
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and name.endswith("Service"):
                out.append(cls)
    return sorted(out, key=lambda c: c.__name__)


#: Parameters named like ids that name no record: a risk tool's name ("dash_2009", issue 19).
NOT_RECORD_IDS = {"tool_id"}


def _is_id(name: str) -> bool:
    return (name.endswith("_id") or name.endswith("_ids") or name == "ids") and name not in NOT_RECORD_IDS


def _hints(fn: Any) -> dict[str, Any]:
    """Each parameter's annotation, evaluated where it can be (names imported only for type
    checking stay strings: none of them is a request or an id)."""
    namespace = vars(importlib.import_module(fn.__module__))
    out: dict[str, Any] = {}
    for name, p in inspect.signature(fn).parameters.items():
        try:
            out[name] = eval(p.annotation, namespace) if isinstance(p.annotation, str) else p.annotation  # noqa: S307
        except Exception:  # noqa: BLE001 - a TYPE_CHECKING name
            out[name] = p.annotation
    return out


def _walked() -> list[tuple[str, str, str]]:
    """(class, method, parameter) for every id parameter, and (class, method, "Request.field")
    for every id field of a request the method takes."""
    out = []
    for cls in _service_classes():
        for name, fn in inspect.getmembers(cls, inspect.isfunction):
            if name.startswith("_"):
                continue
            params = [p for p in inspect.signature(fn).parameters if p != "self"]
            hints = _hints(fn)
            for p in params:
                if _is_id(p) and p not in PARTNERSHIP_IDS:
                    out.append((cls.__name__, name, p))
                request = hints.get(p)
                if request in REQUESTS:
                    for f in dataclasses.fields(request):
                        if _is_id(f.name) and f.name not in PARTNERSHIP_IDS and not f.name.startswith("owner_"):
                            out.append((cls.__name__, name, f"{p}.{f.name}"))
    return out


#: A referral draft's ids sit deeper (the person, household or place it links): walked by path.
DRAFT_IDS = {"draft.panel_id": "panel", "draft.person.existing_person_id": "person",
             "draft.household.existing_group_id": "group"}
WALKED = _walked() + [("ReferralService", m, target) for m in ("create", "validate") for target in DRAFT_IDS]


def _one(s, stmt) -> int:  # noqa: ANN001
    """The first id ``stmt`` selects, or :data:`MISSING` when the demo has none of that kind
    on the panel (then the walk of that id only proves a missing one is refused)."""
    value = s.scalars(stmt.limit(1)).first()
    return MISSING if value is None else value


def _records(ctx, panel: int, tmp_path: Path) -> dict[str, int]:  # noqa: ANN001
    """One record of each kind on ``panel`` (as an administrator sees the database)."""
    with ctx.reading() as s:
        meeting = _one(s, select(Meeting.id).join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
                       .join(Attendance, Attendance.meeting_id == Meeting.id)
                       .where(Meeting.panel_id == panel).order_by(Meeting.starts_at.desc()))
        others = select(CasePerson.person_id).join(Case, Case.id == CasePerson.case_id).where(Case.panel_id != panel)
        found = {
            "panel": panel,
            "case": _one(s, select(Case.id).where(Case.panel_id == panel).order_by(Case.id)),
            "meeting": meeting,
            "item": _one(s, select(AgendaItem.id).where(AgendaItem.meeting_id == meeting,
                                                        AgendaItem.case_id.is_not(None)).order_by(AgendaItem.id)),
            "attendance": _one(s, select(Attendance.id).where(Attendance.meeting_id == meeting)),
            "action": _one(s, select(Action.id).where(Action.panel_id == panel).order_by(Action.id)),
            "person": _one(s, select(Case.subject_person_id).where(Case.panel_id == panel,
                                                                  Case.subject_person_id.is_not(None),
                                                                  Case.subject_person_id.not_in(others))
                           .order_by(Case.id)),
            "audit": 1,
            "child": _one(s, select(CasePerson.id).join(Case, Case.id == CasePerson.case_id)
                          .where(Case.panel_id == panel, CasePerson.role == PersonRole.CHILD).order_by(CasePerson.id)),
        }
        found["context"] = _one(s, select(CarmContext.id).join(Case, Case.id == CarmContext.case_id)
                                .where(Case.panel_id == panel))
        found["goal"] = _one(s, select(ContextGoal.id).where(ContextGoal.context_id == found["context"]))
        found["group"] = _one(s, select(Case.subject_group_id).where(Case.panel_id == panel,
                                                                     Case.subject_group_id.is_not(None)))
        found["order"] = _one(s, select(ProtectiveOrder.id).join(Case, Case.id == ProtectiveOrder.case_id)
                              .where(Case.panel_id == panel))
        found["dvds_request"] = _one(s, select(DvdsRequest.id).join(Case, Case.id == DvdsRequest.case_id)
                                     .where(Case.panel_id == panel))
        found["triage"] = _one(s, select(TriageMeeting.id).where(TriageMeeting.panel_id == panel))
        found["triage_item"] = _one(s, select(TriageItem.id).join(TriageMeeting).where(TriageMeeting.panel_id == panel))
        found["trigger"] = _one(s, select(CommunityTrigger.id).where(CommunityTrigger.panel_id == panel))
        # An account of that panel's (the AccountService walks are refused by role anyway).
        found["user"] = _one(s, select(UserAccount.id).where(UserAccount.role != Role.ADMINISTRATOR)
                             .order_by(UserAccount.id.desc()))
    return found


def _orders_on(ctx, panel: int) -> None:  # noqa: ANN001
    """An order and a DVDS request on a case of ``panel`` (the demo has none), as an administrator."""
    from cspdesk.domain.orders import DvdsRoute, OrderKind
    from cspdesk.services.orders.orders import DvdsDraft, OrderDraft, OrdersService

    with ctx.reading() as s:
        case_id = _one(s, select(Case.id).where(Case.panel_id == panel).order_by(Case.id))
    OrdersService(ctx).add_order(case_id, OrderDraft(kind=OrderKind.DVPO))
    OrdersService(ctx).add_dvds(case_id, DvdsDraft(route=DvdsRoute.RIGHT_TO_ASK, applicant="Walked",
                                                   received_on=DEMO_TODAY - timedelta(days=3)))


def _panel(ctx, panel_type: PanelType) -> int:  # noqa: ANN001
    with ctx.reading() as s:
        return _one(s, select(Panel.id).where(Panel.panel_type == panel_type).order_by(Panel.id))


def _digest(ctx) -> str:  # noqa: ANN001
    """Every row of every table: any change anywhere changes it."""
    h = hashlib.sha256()
    with ctx.reading() as s:
        for table in Base.metadata.sorted_tables:
            rows = s.execute(select(table)).all()
            h.update(table.name.encode())
            for row in sorted(repr(tuple(r)) for r in rows):
                h.update(row.encode())
    return h.hexdigest()


def _default(name: str, annotation: Any, own: dict[str, int], agency: int, tmp_path: Path, method: str) -> Any:
    """A plausible value for a parameter that is not the id under test."""
    if name in KIND:
        kind = KIND[name]
        value = own[kind]
        return [value] if name.endswith("_ids") else frozenset({value}) if name == "panel_ids" else value
    if name in PARTNERSHIP_IDS:
        return agency if name == "agency_id" else None
    if name in ("out", "out_dir"):
        return tmp_path / (f"{method}.pdf" if name == "out" else "")
    if name == "path":
        file = tmp_path / "referrals.csv"
        file.write_text("referral_date,family_name,given_name\n01/10/2026,Example,Alex\n", encoding="utf-8")
        return file
    if name == "table":
        return table_from_rows(["Action", "Due"], [["Visit", "01/12/2026"]])
    if name == "mapping":
        return ImportMapping(columns=(ActionField.TEXT, ActionField.DUE_DATE))
    if name == "period":
        return Period(date(2026, 4, 1), date(2026, 9, 30), "H1")
    if name == "report":
        return "agenda"
    if name == "progress":
        return None
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        annotation = args[0] if args else annotation
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return list(annotation)[0]
    if annotation is bool:
        return False
    if annotation is int:
        return 1
    if annotation is str:
        return "Walked"
    if annotation is bytes:
        return b"Walked: not a workbook"
    if annotation is datetime:
        return datetime(2026, 12, 1, 10, 0)
    if annotation is date:
        return DEMO_TODAY
    if annotation is Path:
        return tmp_path / f"{method}.pdf"
    if typing.get_origin(annotation) in (list, tuple, typing.Sequence) or annotation in (list, tuple):
        return ()
    return None


def _call(ctx, cls_name: str, method: str, target: str, value: Any, own: dict[str, int], agency: int,  # noqa: ANN001
          tmp_path: Path) -> Any:
    cls = next(c for c in _service_classes() if c.__name__ == cls_name)
    if target in DRAFT_IDS:
        return getattr(cls(ctx), method)(_draft(target, value, own))
    fn = getattr(cls, method)
    hints = _hints(fn)
    param, _, field_name = target.partition(".")
    kwargs: dict[str, Any] = {}
    for name, p in inspect.signature(fn).parameters.items():
        if name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        annotation = hints.get(name)
        if name == param and not field_name:
            if name == "ids":
                kwargs[name] = [value]
            elif name.endswith("_ids"):
                kwargs[name] = frozenset({value}) if name == "panel_ids" else [value]
            else:
                kwargs[name] = value
        elif name == param:
            kwargs[name] = _request(annotation, field_name, value, own)
        elif annotation in REQUESTS:
            kwargs[name] = _request(annotation, None, None, own)
        elif p.default is not inspect.Parameter.empty and name not in KIND and name not in ("out", "out_dir"):
            continue
        else:
            kwargs[name] = _default(name, annotation, own, agency, tmp_path, method)
    return getattr(cls(ctx), method)(**kwargs)


def _draft(target: str, value: Any, own: dict[str, int]) -> Any:
    """A CSVG referral on the coordinator's own panel, but for the one id under test."""
    from cspdesk.domain.enums import RiskLevel
    from cspdesk.services.referrals.referrals import CsvgDraft, GroupDraft, PersonDraft

    values: dict[str, Any] = {"panel_id": own["panel"], "referral_date": DEMO_TODAY, "reason": "Walked",
                              "risk_level": RiskLevel.MEDIUM,
                              "person": PersonDraft(existing_person_id=own["person"], update_contact=True,
                                                    phone="07700 900000")}
    if target == "draft.panel_id":
        values["panel_id"] = value
    elif target == "draft.person.existing_person_id":
        values["person"] = PersonDraft(existing_person_id=value, update_contact=True, phone="07700 900000")
    else:
        values["person"] = None
        values["household"] = GroupDraft(existing_group_id=value)
    return CsvgDraft(**values)


def _request(cls: type, field_name: str | None, value: Any, own: dict[str, int]) -> Any:
    values: dict[str, Any] = {}
    if cls is NewAction:
        values = {"panel_id": own["panel"], "text": "Walked action"}
    if field_name is not None:
        values[field_name] = value
    return cls(**values)


def _masked(exc: BaseException) -> tuple[str, str]:
    return type(exc).__name__, re.sub(r"\d+", "#", str(exc))


def _give_a_context(ctx, panel: int) -> None:  # noqa: ANN001
    """A CARM context (issue 20) with a goal on ``panel``'s first case, written as the database
    holds one (the service makes contexts on CARM panels only; the walls are the same on any)."""
    now = datetime(2026, 11, 1, 9, 0)
    with ctx.unit_of_work() as s:
        case_id = _one(s, select(Case.id).where(Case.panel_id == panel).order_by(Case.id))
        context = CarmContext(case_id=case_id, kind=ContextKind.PLACE, created_at=now, updated_at=now)
        s.add(context)
        s.flush()
        s.add(ContextGoal(context_id=context.id, position=1, goal="Walked", created_at=now, updated_at=now))


def _triage_and_trigger(ctx, marac: int, csvg: int) -> None:  # noqa: ANN001
    """A triage meeting with an item on the MARAC, and an ASB case review on each panel (the
    MARAC's written directly: the service keeps them to CSVG panels, the walls must hold anyway)."""
    with ctx.unit_of_work() as s:
        case_id = s.scalar(select(Case.id).where(Case.panel_id == marac).order_by(Case.id).limit(1))
        triage = TriageMeeting(panel_id=marac, held_on=DEMO_TODAY, window_first=DEMO_TODAY,
                               window_last=DEMO_TODAY, created_at=datetime(2026, 11, 2, 9, 0))
        s.add(triage)
        s.flush()
        s.add(TriageItem(triage_meeting_id=triage.id, case_id=case_id, position=1, minute=""))
        for n, panel in enumerate((marac, csvg), start=1):
            s.add(CommunityTrigger(panel_id=panel, reference=f"WALL-CT-{n}", ref_year=2026, ref_seq=n,
                                   received_on=date(2026, 10, 1), applicant_name="Walked",
                                   created_at=datetime(2026, 10, 1), updated_at=datetime(2026, 10, 1)))


@pytest.fixture
def walls(demo_ctx, tmp_path: Path):  # noqa: ANN001, ANN201
    csvg, marac, socp = (_panel(demo_ctx, t) for t in (PanelType.CSVG, PanelType.MARAC, PanelType.SOCP))
    _give_a_context(demo_ctx, csvg)
    _give_a_context(demo_ctx, marac)
    _orders_on(demo_ctx, marac)
    _triage_and_trigger(demo_ctx, marac, csvg)
    own = _records(demo_ctx, csvg, tmp_path)
    other = _records(demo_ctx, marac, tmp_path)
    socp_records = _records(demo_ctx, socp, tmp_path)
    other["group"] = socp_records["group"]  # OCGs are SOCP's
    act_as(demo_ctx, "coord.csvg")
    assert demo_ctx.actor.panel_ids == frozenset({csvg})
    # Every kind of record is there to walk with, on both sides.
    assert MISSING not in {v for k, v in other.items() if k != "audit"}
    # Orders, DVDS requests, triage and children are MARAC's: the coordinator's CSVG has none of its own.
    assert MISSING not in {v for k, v in own.items()
                           if k not in ("audit", "group", "order", "dvds_request", "triage", "triage_item", "child")}
    return demo_ctx, own, other, demo_ctx.actor.agency_id


def test_the_walk_covers_the_services() -> None:
    """The walk finds what issue 22 names, so a renamed parameter cannot empty it silently."""
    walked = {(c, m) for c, m, _ in WALKED}
    assert {("ActionService", "add_action"), ("ActionService", "add_in_session"),
            ("ReferralService", "check_repeat"), ("OcgService", "get_ocg"), ("MeetingService", "add_case"),
            ("ActionPapersService", "plan"), ("SubjectAccessService", "collect")} <= walked
    assert ("ActionService", "add_action", "new.group_id") in WALKED
    assert ("ActionService", "add_action", "new.agenda_item_id") in WALKED
    assert ("ReferralService", "create", "draft.person.existing_person_id") in WALKED
    assert len(WALKED) > 100


def test_every_id_a_service_takes_is_checked_against_the_users_panels(walls, tmp_path: Path) -> None:
    ctx, own, other, agency = walls
    before = _digest(ctx)
    problems: list[str] = []
    for cls_name, method, target in WALKED:
        if method == "add_in_session":
            continue  # walked through add_action below, which opens the session it needs
        name = target.partition(".")[2] or target
        kind = DRAFT_IDS.get(target) or (IDS_KIND[cls_name] if name == "ids" else KIND[name])
        where = f"{cls_name}.{method}({target})"
        outcomes = []
        for value in (other[kind], MISSING):
            try:
                result = _call(ctx, cls_name, method, target, value, own, agency, tmp_path)
            except (NotFound, PermissionDenied, ValidationError) as exc:
                outcomes.append(_masked(exc))
            except ServiceError as exc:
                problems.append(f"{where}: refused as {type(exc).__name__}, not as not found or not allowed")
                break
            else:
                if method in LISTERS and not result:
                    outcomes.append(("no rows", ""))
                elif method == "validate" and any(target.endswith(p.field) for p in result):
                    outcomes.append(("problems", repr(result)))  # validate answers with problems
                else:
                    problems.append(f"{where}: accepted another panel's {kind}" if value != MISSING
                                    else f"{where}: accepted an id that does not exist")
                    break
        else:
            if outcomes[0] != outcomes[1]:
                problems.append(f"{where}: answers another panel's {kind} ({outcomes[0]}) unlike a missing one "
                                f"({outcomes[1]})")
    assert not problems, "\n".join(problems)
    assert _digest(ctx) == before


def test_add_in_session_checks_every_id_itself(walls) -> None:
    """The importer's door: the same checks inside the caller's unit of work."""
    from cspdesk.services.actions.actions import ActionService

    ctx, own, other, _ = walls
    for field_name in ("group_id", "meeting_id", "agenda_item_id", "case_id"):
        for value in (other[KIND[field_name]], MISSING):
            with pytest.raises(ValidationError) as err, ctx.unit_of_work() as s:
                ActionService(ctx).add_in_session(s, NewAction(panel_id=own["panel"], text="x", **{field_name: value}))
            assert err.value.field == field_name.removesuffix("_id")
