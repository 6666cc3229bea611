"""The settings an administrator keeps: the partnership's (its name and marking, the confidentiality
statement read at meetings, the RAG threshold, the small-number threshold and the adult female
population the MARAC return divides by) and each panel's rules (the DASH threshold, the number of
police-reported incidents that makes potential escalation, the repeat window, the minutes per case).

Each save is one transaction with one audit entry naming the fields changed, old and new.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.domain.enums import AuditKind, PanelType
from cspdesk.services.audit import audit
from cspdesk.services.context import OpChanges, OpResult, Permission, ServiceContext
from cspdesk.services.errors import NotFound, ValidationError
from cspdesk.storage.models import Panel, Partnership

#: (lowest, highest) each whole-number setting accepts, and the words that name it in a message.
RANGES: dict[str, tuple[int, int, str]] = {
    "amber_days": (1, 90, "Amber (days before the due date)"),
    "small_number_threshold": (1, 20, "Small numbers (shown as “<N” in returns)"),
    "population_adult_women": (1, 10_000_000, "Adult female population"),
    "dash_threshold": (1, 24, "DASH threshold (ticks for visible high risk)"),
    "escalation_incidents": (1, 20, "Potential escalation (police-reported incidents in 12 months)"),
    "repeat_window_months": (1, 36, "Repeat window (months)"),
    "minutes_per_case": (5, 60, "Minutes per case"),
}


@dataclass(frozen=True)
class PartnershipSettings:
    name: str
    protective_marking: str
    confidentiality_statement: str
    amber_days: int
    small_number_threshold: int
    #: None: not known yet (the return then says so instead of a rate).
    population_adult_women: int | None


@dataclass(frozen=True)
class PanelSettings:
    panel_id: int
    name: str
    panel_type: PanelType
    dash_threshold: int
    escalation_incidents: int
    repeat_window_months: int
    minutes_per_case: int


_PARTNERSHIP_FIELDS = tuple(f.name for f in fields(PartnershipSettings))
_PANEL_FIELDS = ("dash_threshold", "escalation_incidents", "repeat_window_months", "minutes_per_case")


def _check_number(field: str, value: int | None, *, optional: bool = False) -> None:
    low, high, words = RANGES[field]
    if value is None and optional:
        return
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValidationError(field, f"{words} must be a whole number from {low:,} to {high:,}.")


def _check_text(field: str, value: str, words: str, longest: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationError(field, f"{words} cannot be empty.")
    if len(text) > longest:
        raise ValidationError(field, f"{words} must be {longest:,} characters or fewer (it is {len(text):,}).")
    return text


class SettingsService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    # -- the partnership ---------------------------------------------------------------------------

    def partnership(self) -> PartnershipSettings:
        self._ctx.require(Permission.ADMINISTER)
        with self._ctx.reading() as s:
            return _partnership_settings(_the_partnership(s))

    def set_partnership(self, new: PartnershipSettings) -> OpResult[PartnershipSettings]:
        """Check every field (the message names the first bad one), then save them all at once."""
        self._ctx.require(Permission.ADMINISTER)
        new = replace(
            new,
            name=_check_text("name", new.name, "The partnership's name", 200),
            protective_marking=_check_text("protective_marking", new.protective_marking,
                                           "The protective marking", 60).upper(),
            confidentiality_statement=_check_text("confidentiality_statement", new.confidentiality_statement,
                                                  "The confidentiality statement", 4000),
        )
        _check_number("amber_days", new.amber_days)
        _check_number("small_number_threshold", new.small_number_threshold)
        _check_number("population_adult_women", new.population_adult_women, optional=True)
        with self._ctx.unit_of_work() as s:
            row = _the_partnership(s)
            old = _partnership_settings(row)
            for name in _PARTNERSHIP_FIELDS:
                setattr(row, name, getattr(new, name))
            changes = audit.changed_fields({n: getattr(old, n) for n in _PARTNERSHIP_FIELDS},
                                           {n: getattr(new, n) for n in _PARTNERSHIP_FIELDS})
            if changes:
                s.flush()
                audit.record(s, self._ctx.actor, AuditKind.UPDATE, "partnership", row.id, {"changes": changes},
                             at=self._ctx.now())
        # The RAG threshold colours every action list; the name and marking are on every page.
        return OpResult(new, OpChanges(partnership=True, actions="amber_days" in changes) if changes else OpChanges())

    # -- the panels --------------------------------------------------------------------------------

    def panels(self) -> list[PanelSettings]:
        self._ctx.require(Permission.ADMINISTER)
        with self._ctx.reading() as s:
            return [_panel_settings(p) for p in s.scalars(select(Panel).order_by(Panel.name))]

    def set_panel(self, new: PanelSettings) -> OpResult[PanelSettings]:
        self._ctx.require(Permission.ADMINISTER)
        for name in _PANEL_FIELDS:
            _check_number(name, getattr(new, name))
        with self._ctx.unit_of_work() as s:
            panel = s.get(Panel, new.panel_id)
            if panel is None:
                raise NotFound("That panel no longer exists.")
            old = _panel_settings(panel)
            for name in _PANEL_FIELDS:
                setattr(panel, name, getattr(new, name))
            changes = audit.changed_fields({n: getattr(old, n) for n in _PANEL_FIELDS},
                                           {n: getattr(new, n) for n in _PANEL_FIELDS})
            if changes:
                s.flush()
                audit.record(s, self._ctx.actor, AuditKind.UPDATE, "panel", panel.id,
                             {"name": panel.name, "changes": changes}, at=self._ctx.now())
            saved = _panel_settings(panel)
        return OpResult(saved, OpChanges(panels=True) if changes else OpChanges())


def _the_partnership(s: Session) -> Partnership:
    row = s.scalars(select(Partnership).order_by(Partnership.id).limit(1)).first()
    if row is None:
        raise NotFound("This database has no partnership yet: set one up first.")
    return row


def _partnership_settings(row: Partnership) -> PartnershipSettings:
    return PartnershipSettings(row.name, row.protective_marking, row.confidentiality_statement, row.amber_days,
                               row.small_number_threshold, row.population_adult_women)


def _panel_settings(p: Panel) -> PanelSettings:
    return PanelSettings(p.id, p.name, p.panel_type, p.dash_threshold, p.escalation_incidents,
                         p.repeat_window_months, p.minutes_per_case)
