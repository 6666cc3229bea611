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

from sqlalchemy.orm import Session

from cspdesk.domain.enums import AuditKind, PanelType, Sector
from cspdesk.services import audit
from cspdesk.services.context import ServiceContext
from cspdesk.services.errors import ValidationError
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


def _named_row(field: str, kind: str, number: int, raw: str, seen: dict[str, int]) -> tuple[str, str]:
    """Row ``number``'s name, tidied, and how the row is named in messages ("Panel 2 (CARM)");
    refused when empty, too long or the same as an earlier row's (``seen``, updated)."""
    name = " ".join(raw.split())
    row = f"{kind} {number}" + (f" ({name})" if name else "")
    what = kind.lower()
    if not name:
        raise ValidationError(field, f"{row}: give the {what} a name.")
    if len(name) > 200:
        raise ValidationError(field, f"{row}: the name must be 200 characters or fewer.")
    if name.casefold() in seen:
        raise ValidationError(field, f"{row}: {what} {seen[name.casefold()]} has the same name.")
    seen[name.casefold()] = number
    return name, row


def check_panels(panels: Sequence[PanelChoice]) -> tuple[PanelChoice, ...]:
    """The chosen panels, tidied (names stripped, prefixes upper-cased); a ValidationError on the
    field ``panels`` names the row and what is wrong with it."""
    if not panels:
        raise ValidationError("panels", "Choose at least one panel the partnership runs.")
    tidy: list[PanelChoice] = []
    names: dict[str, int] = {}
    prefixes: dict[str, int] = {}
    for number, panel in enumerate(panels, start=1):
        name, row = _named_row("panels", "Panel", number, panel.name, names)
        prefix = panel.ref_prefix.strip().upper()
        if not prefix:
            raise ValidationError("panels", f"{row}: give a reference prefix, e.g. MARAC.")
        if len(prefix) > 12 or not _PREFIX.match(prefix):
            raise ValidationError(
                "panels", f"{row}: the reference prefix uses capital letters and digits, with hyphens between "
                "them, 12 characters at most (case references read PREFIX-YEAR-NUMBER)."
            )
        if prefix in prefixes:
            raise ValidationError("panels", f"{row}: panel {prefixes[prefix]} has the same reference prefix.")
        prefixes[prefix] = number
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
    names: dict[str, int] = {}
    codes: dict[str, int] = {}
    for number, agency in enumerate(agencies, start=1):
        name, row = _named_row("agencies", "Agency", number, agency.name, names)
        code = agency.short_code.strip().upper()
        if not code:
            code = suggest_code(name, set(codes))
        if len(code) > 20 or not _CODE.match(code):
            raise ValidationError("agencies", f"{row}: the short code uses capital letters and digits, 20 at most.")
        if code in codes:
            raise ValidationError("agencies", f"{row}: agency {codes[code]} has the same short code ({code}).")
        codes[code] = number
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
        panel = Panel(name=choice.name, panel_type=choice.panel_type, ref_prefix=choice.ref_prefix,
                      description=choice.description, uses_strands=choice.panel_type is PanelType.SOCP,
                      is_active=True, created_at=now)
        s.add(panel)
        s.flush()
        core = CORE_SECTORS[choice.panel_type]
        for agency in agency_rows:
            s.add(PanelAgency(panel_id=panel.id, agency_id=agency.id, is_core=agency.sector in core))
        audit.record(s, ctx.actor, AuditKind.CREATE, "panel", panel.id,
                     {"name": panel.name, "panel_type": choice.panel_type.value, "ref_prefix": panel.ref_prefix},
                     at=now)
