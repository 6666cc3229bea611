"""What a new partnership starts with: the panels it runs (from the built-in types) and the
agencies that sit on them (from a list of the common ones, renamed, added to or left out).

The first-run wizard offers :data:`BUILT_IN_PANELS` and :data:`COMMON_AGENCIES`; whatever the person
chose comes back as :class:`PanelChoice` and :class:`AgencyChoice` rows, is checked here
(:func:`check_panels`, :func:`check_agencies`: every mistake names its row and field) and is
written by :func:`add_starter` inside the unit of work that creates the database, with the first
administrator — so a new partnership exists whole, or not at all.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.domain.agency_loop import check_secure_email
from cspdesk.domain.enums import AuditKind, PanelType, Sector
from cspdesk.services.audit import audit
from cspdesk.services.context import OpChanges, OpResult, Permission, ServiceContext
from cspdesk.services.errors import NotFound, ValidationError
from cspdesk.storage.models import Agency, Panel, PanelAgency


@dataclass(frozen=True)
class PanelChoice:
    panel_type: PanelType
    name: str
    ref_prefix: str
    description: str = ""


@dataclass(frozen=True)
class AgencyChoice:
    name: str
    short_code: str
    sector: Sector


#: One of each built-in panel type, named as most partnerships name them (the name and the
#: reference prefix can be changed in the wizard).
BUILT_IN_PANELS: tuple[PanelChoice, ...] = (
    PanelChoice(PanelType.MARAC, "MARAC", "MARAC",
                "Multi-Agency Risk Assessment Conference: victims of high-risk domestic abuse"),
    PanelChoice(PanelType.CSVG, "Community MARAC", "CMARAC",
                "Community Safety Vulnerability Group: vulnerable adults and anti-social behaviour"),
    PanelChoice(PanelType.SOCP, "Serious Organised Crime Panel", "SOCP",
                "Organised crime groups and their 4P plans"),
    PanelChoice(PanelType.CARM, "CARM", "CARM",
                "Child and Adolescent Risk Management: contextual safeguarding of young people"),
    PanelChoice(PanelType.PARTNERSHIP, "CSP Executive Group", "CSP",
                "The partnership's strategic action plan and its priorities"),
)

#: The agencies most partnerships have at their panels, by their generic names: the wizard lets
#: people put in their own ("Police" → "Kent Police").
COMMON_AGENCIES: tuple[AgencyChoice, ...] = (
    AgencyChoice("Police", "POL", Sector.POLICE),
    AgencyChoice("Borough Council (Community Safety)", "BC", Sector.LOCAL_AUTHORITY),
    AgencyChoice("County Council", "CC", Sector.LOCAL_AUTHORITY),
    AgencyChoice("Council Housing Options", "HSG", Sector.HOUSING),
    AgencyChoice("Housing Association", "HA", Sector.HOUSING),
    AgencyChoice("Children's Social Care", "CSC", Sector.SOCIAL_CARE),
    AgencyChoice("Adult Social Care", "ASC", Sector.SOCIAL_CARE),
    AgencyChoice("IDVA Service", "IDVA", Sector.DOMESTIC_ABUSE),
    AgencyChoice("NHS Safeguarding", "NHS", Sector.HEALTH),
    AgencyChoice("Mental Health Trust", "MHT", Sector.HEALTH),
    AgencyChoice("Probation Service", "PROB", Sector.PROBATION),
    AgencyChoice("Fire and Rescue Service", "FRS", Sector.FIRE),
    AgencyChoice("Drug and Alcohol Service", "DAS", Sector.SUBSTANCE_MISUSE),
    AgencyChoice("Education Safeguarding", "EDU", Sector.EDUCATION),
    AgencyChoice("Youth Justice Service", "YJS", Sector.SOCIAL_CARE),
    AgencyChoice("Victim Support", "VS", Sector.VOLUNTARY),
)

#: Which agencies are *core* at each type of panel (expected at every meeting: the attendance
#: sheet warns when one is missing), by sector; the others sit on the panel as occasional members.
CORE_SECTORS: dict[PanelType, frozenset[Sector]] = {
    PanelType.MARAC: frozenset({Sector.POLICE, Sector.DOMESTIC_ABUSE, Sector.SOCIAL_CARE, Sector.HEALTH,
                                Sector.HOUSING, Sector.PROBATION, Sector.LOCAL_AUTHORITY}),
    PanelType.CSVG: frozenset({Sector.POLICE, Sector.LOCAL_AUTHORITY, Sector.HOUSING, Sector.HEALTH,
                               Sector.SOCIAL_CARE, Sector.FIRE}),
    PanelType.SOCP: frozenset({Sector.POLICE, Sector.LOCAL_AUTHORITY, Sector.PROBATION, Sector.FIRE}),
    PanelType.CARM: frozenset({Sector.SOCIAL_CARE, Sector.POLICE, Sector.EDUCATION, Sector.LOCAL_AUTHORITY}),
    PanelType.PARTNERSHIP: frozenset({Sector.POLICE, Sector.LOCAL_AUTHORITY, Sector.FIRE, Sector.PROBATION,
                                      Sector.HEALTH}),
}

_PREFIX = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)*$")
_CODE = re.compile(r"^[A-Z0-9&-]+$")


def _named_row(field: str, kind: str, raw: str, seen: dict[str, str]) -> tuple[str, str]:
    """A row's name, tidied, and how messages name the row (“Community MARAC”); refused when empty,
    too long or the same as an earlier row's (``seen``: casefolded name → name, updated)."""
    name = " ".join(raw.split())
    what = kind.lower()
    if not name:
        raise ValidationError(field, f"A ticked {what} has no name: give it one.")
    if len(name) > 200:  # not quoted: the message would be as long as the name
        raise ValidationError(field, f"The {what}'s name must be 200 characters or fewer (this one is {len(name):,}).")
    row = f"“{name}”"
    if name.casefold() in seen:
        raise ValidationError(field, f"{row} and “{seen[name.casefold()]}” are the same name: keep one {what}.")
    seen[name.casefold()] = name
    return name, row


def check_panels(panels: Sequence[PanelChoice]) -> tuple[PanelChoice, ...]:
    """The chosen panels, tidied (names stripped, prefixes upper-cased); a ValidationError on the
    field ``panels`` names the row and what is wrong with it."""
    if not panels:
        raise ValidationError("panels", "Choose at least one panel the partnership runs.")
    tidy: list[PanelChoice] = []
    names: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    for panel in panels:
        name, row = _named_row("panels", "Panel", panel.name, names)
        prefix = panel.ref_prefix.strip().upper()
        if not prefix:
            raise ValidationError("panels", f"{row}: give a reference prefix, e.g. MARAC.")
        if len(prefix) > 12 or not _PREFIX.match(prefix):
            raise ValidationError(
                "panels", f"{row}: the reference prefix uses letters and digits, with hyphens between them, "
                "12 characters at most (case references read PREFIX-YEAR-NUMBER)."
            )
        if prefix in prefixes:
            raise ValidationError("panels", f"{row} and “{prefixes[prefix]}” have the same reference prefix, "
                                            f"{prefix}: give each its own.")
        prefixes[prefix] = name
        tidy.append(replace(panel, name=name, ref_prefix=prefix))
    return tuple(tidy)


def suggest_code(name: str, taken: Collection[str] = ()) -> str:
    """A short code for an agency added by name: its initials ("Oasis Women's Centre" → OWC),
    numbered when taken."""
    words = [w for w in re.split(r"[^\w']+", name) if w and w.lower() not in {"and", "of", "the", "for"}]
    base = "".join(w[0] for w in words).upper()[:8] or "AG"
    code, n = base, 2
    while code in taken:
        code, n = f"{base}{n}", n + 1
    return code


def check_agencies(agencies: Sequence[AgencyChoice]) -> tuple[AgencyChoice, ...]:
    """The chosen agencies, tidied; a ValidationError on the field ``agencies`` names the row."""
    if not agencies:
        raise ValidationError("agencies", "Choose at least one agency: the panels need members to give actions to.")
    tidy: list[AgencyChoice] = []
    names: dict[str, str] = {}
    codes: dict[str, str] = {}
    for agency in agencies:
        name, row = _named_row("agencies", "Agency", agency.name, names)
        code = agency.short_code.strip().upper()
        if not code:
            code = suggest_code(name, set(codes))
        if len(code) > 20 or not _CODE.match(code):
            raise ValidationError("agencies", f"{row}: the short code uses letters and digits, 20 at most.")
        if code in codes:
            raise ValidationError("agencies", f"{row} and “{codes[code]}” have the same short code, {code}: "
                                              "give each its own.")
        codes[code] = name
        tidy.append(replace(agency, name=name, short_code=code))
    return tuple(tidy)


def add_starter(s: Session, ctx: ServiceContext, panels: Sequence[PanelChoice],
                agencies: Sequence[AgencyChoice]) -> None:
    """Write the (already checked) panels and agencies, every agency sitting on every panel — core
    where its sector is core for that type of panel — each creation audited. Runs inside the
    caller's unit of work."""
    now = ctx.now()
    agency_rows: list[Agency] = []
    for choice in agencies:
        row = Agency(name=choice.name, short_code=choice.short_code, sector=choice.sector, is_active=True)
        s.add(row)
        agency_rows.append(row)
    s.flush()
    for row in agency_rows:
        audit.record(s, ctx.actor, AuditKind.CREATE, "agency", row.id,
                     {"name": row.name, "short_code": row.short_code, "sector": row.sector.value}, at=now)
    for choice in panels:
        _new_panel(s, ctx, choice, agency_rows)


# --- After the first run: an administrator adds panels and agencies, renames and retires agencies ---


@dataclass(frozen=True)
class AgencyRow:
    id: int
    name: str
    short_code: str
    sector: Sector
    is_active: bool
    panels: int  # how many panels it sits on
    #: Where its papers are e-mailed (issue 18); "" when none is held.
    secure_email: str = ""


@dataclass(frozen=True)
class PanelSummary:
    id: int
    name: str
    panel_type: PanelType
    ref_prefix: str
    is_active: bool
    agencies: int  # members (core and occasional)


class StructureService:
    """The partnership's panels and agencies, for administrators. Each call is one audited
    transaction; a clash with an existing name, prefix or code names the field and the holder."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def panels(self) -> list[PanelSummary]:
        self._ctx.require(Permission.ADMINISTER)
        with self._ctx.reading() as s:
            members = dict(s.execute(select(PanelAgency.panel_id, func.count()).group_by(PanelAgency.panel_id)).all())
            return sorted((PanelSummary(p.id, p.name, p.panel_type, p.ref_prefix, p.is_active, members.get(p.id, 0))
                           for p in s.scalars(select(Panel))), key=lambda p: p.name.casefold())

    def agencies(self) -> list[AgencyRow]:
        self._ctx.require(Permission.ADMINISTER)
        with self._ctx.reading() as s:
            seats = dict(s.execute(select(PanelAgency.agency_id, func.count()).group_by(PanelAgency.agency_id)).all())
            return sorted((AgencyRow(a.id, a.name, a.short_code, a.sector, a.is_active, seats.get(a.id, 0),
                                     a.secure_email)
                           for a in s.scalars(select(Agency))), key=lambda a: a.name.casefold())

    def add_panel(self, choice: PanelChoice) -> OpResult[int]:
        """A new panel, with every active agency sitting on it (core by sector)."""
        self._ctx.require(Permission.ADMINISTER)
        (tidy,) = _as_fields(check_panels, [choice], {"name": "name", "reference prefix": "ref_prefix"})
        with self._ctx.unit_of_work() as s:
            for p in s.scalars(select(Panel)):
                if p.name.casefold() == tidy.name.casefold():
                    raise ValidationError("name", f"There is a panel named {p.name} already.")
                if p.ref_prefix == tidy.ref_prefix:
                    raise ValidationError("ref_prefix", f"{p.name} uses the reference prefix {p.ref_prefix} already.")
            agencies = list(s.scalars(select(Agency).where(Agency.is_active)))
            panel = _new_panel(s, self._ctx, tidy, agencies)
        return OpResult(panel, OpChanges(panels=True))

    def add_agency(self, choice: AgencyChoice) -> OpResult[int]:
        """A new agency, sitting on every active panel (core where its sector is core there)."""
        self._ctx.require(Permission.ADMINISTER)
        with self._ctx.unit_of_work() as s:
            taken = set(s.scalars(select(Agency.short_code)))
            if not choice.short_code.strip():
                choice = replace(choice, short_code=suggest_code(choice.name, taken))
            (tidy,) = _as_fields(check_agencies, [choice], {"name": "name", "short code": "short_code"})
            self._check_unique(s, tidy, None)
            agency = Agency(name=tidy.name, short_code=tidy.short_code, sector=tidy.sector, is_active=True)
            s.add(agency)
            s.flush()
            audit.record(s, self._ctx.actor, AuditKind.CREATE, "agency", agency.id,
                         {"name": agency.name, "short_code": agency.short_code, "sector": agency.sector.value},
                         at=self._ctx.now())
            for panel in s.scalars(select(Panel).where(Panel.is_active)):
                s.add(PanelAgency(panel_id=panel.id, agency_id=agency.id,
                                  is_core=agency.sector in CORE_SECTORS[panel.panel_type]))
            agency_id = agency.id
        return OpResult(agency_id, OpChanges(panels=True, actions=True))

    def update_agency(self, agency_id: int, name: str, short_code: str, *, is_active: bool = True,
                      secure_email: str | None = None) -> OpResult[int]:
        """Rename an agency, change its code, or retire it (kept on earlier actions and meetings, no
        longer offered for new ones) or bring it back; ``secure_email`` (when given) as
        :meth:`set_secure_email`, in the same transaction."""
        self._ctx.require(Permission.ADMINISTER)
        email = _secure_email(secure_email) if secure_email is not None else None
        with self._ctx.unit_of_work() as s:
            agency = s.get(Agency, agency_id)
            if agency is None:
                raise NotFound(f"No agency has the id {agency_id}.")
            (tidy,) = _as_fields(check_agencies, [AgencyChoice(name, short_code or agency.short_code, agency.sector)],
                                 {"name": "name", "short code": "short_code"})
            self._check_unique(s, tidy, agency_id)
            old = {"name": agency.name, "short_code": agency.short_code, "is_active": agency.is_active}
            new = {"name": tidy.name, "short_code": tidy.short_code, "is_active": is_active}
            changed = {k: (old[k], new[k]) for k in old if old[k] != new[k]}
            if changed:
                agency.name, agency.short_code, agency.is_active = tidy.name, tidy.short_code, is_active
                audit.record(s, self._ctx.actor, AuditKind.UPDATE, "agency", agency_id,
                             {k: {"old": o, "new": n} for k, (o, n) in changed.items()}, at=self._ctx.now())
            if email is not None and self._keep_email(s, agency, email):
                changed["secure_email"] = ("", email)
        return OpResult(agency_id, OpChanges(panels=True, actions=True) if changed else OpChanges())

    def set_secure_email(self, agency_id: int, address: str) -> OpResult[int]:
        """Keep the agency's secure e-mail address (where its papers are sent; "" for none). Audited
        with the old and new address: an agency's address is not personal data."""
        self._ctx.require(Permission.ADMINISTER)
        tidy = _secure_email(address)
        with self._ctx.unit_of_work() as s:
            agency = s.get(Agency, agency_id)
            if agency is None:
                raise NotFound(f"No agency has the id {agency_id}.")
            changed = self._keep_email(s, agency, tidy)
        return OpResult(agency_id, OpChanges(panels=True) if changed else OpChanges())

    def _keep_email(self, s: Session, agency: Agency, tidy: str) -> bool:
        if agency.secure_email == tidy:
            return False
        audit.record(s, self._ctx.actor, AuditKind.UPDATE, "agency", agency.id,
                     {"secure_email": {"old": agency.secure_email, "new": tidy}}, at=self._ctx.now())
        agency.secure_email = tidy
        return True

    @staticmethod
    def _check_unique(s: Session, tidy: AgencyChoice, own_id: int | None) -> None:
        for other in s.scalars(select(Agency).where(Agency.id != (own_id or 0))):
            if other.name.casefold() == tidy.name.casefold():
                raise ValidationError("name", f"There is an agency named {other.name} already.")
            if other.short_code == tidy.short_code:
                raise ValidationError("short_code", f"{other.name} uses the short code {other.short_code} already.")


def _secure_email(address: str) -> str:
    try:
        return check_secure_email(address)
    except ValueError as exc:
        raise ValidationError("secure_email", str(exc)) from None


def _as_fields(check, rows, fields: dict[str, str]):  # noqa: ANN001, ANN202
    """Run a wizard row check on one row, and give its refusal the field it is about (the wizard's
    messages name a row; here there is only one)."""
    try:
        return check(rows)
    except ValidationError as exc:
        message = str(exc).split(": ", 1)[-1]
        field = next((f for words, f in fields.items() if words in message), "name")
        raise ValidationError(field, message[0].upper() + message[1:]) from exc


def _new_panel(s: Session, ctx: ServiceContext, choice: PanelChoice, agencies: Sequence[Agency]) -> int:
    panel = Panel(name=choice.name, panel_type=choice.panel_type, ref_prefix=choice.ref_prefix,
                  description=choice.description, uses_strands=choice.panel_type is PanelType.SOCP,
                  is_active=True, created_at=ctx.now())
    s.add(panel)
    s.flush()
    core = CORE_SECTORS[choice.panel_type]
    for agency in agencies:
        s.add(PanelAgency(panel_id=panel.id, agency_id=agency.id, is_core=agency.sector in core))
    audit.record(s, ctx.actor, AuditKind.CREATE, "panel", panel.id,
                 {"name": panel.name, "panel_type": choice.panel_type.value, "ref_prefix": panel.ref_prefix},
                 at=ctx.now())
    return panel.id
