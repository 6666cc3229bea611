"""The synthetic demo partnership: realistic panels, cases, meetings and actions, all invented.

``generate_demo`` writes one partnership into an *empty* database:

- ``small`` (the default): one district's year — Swale MARAC (~200 cases, a third repeats), the
  Maidstone CSVG (~10 referrals a week), the Kent SOCP (a dozen OCGs with 4P plans), the Swale
  CARM (young people, peer groups and places) and the CSP Executive Group with the Swale 2019/20
  action plan — in a few seconds.
- ``county``: about ten years of four districts (~50,000 cases, ~500,000 actions) for
  benchmarks, written with Core bulk inserts in chunks.

Everything comes from ``random.Random(seed)`` and ``today``: the same seed and day give the same
database, byte for byte in content. Names are built from lists of common first names and
surnames; streets are invented, postcodes are ME-format but invented, telephone numbers are in
Ofcom's drama range (07700 900000–900999). Nothing here describes a real person.

The whole write is one transaction with the partnership row last: a failure leaves nothing.
"""

from __future__ import annotations

import bisect
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select

from cspdesk.domain.enums import (
    ActionStatus,
    AgendaItemKind,
    AssessmentKind,
    AttendanceStatus,
    CaseStatus,
    Decision,
    GroupKind,
    GroupStatus,
    Listing,
    MeetingStatus,
    PanelType,
    PersonRole,
    RiskLevel,
    Role,
    Sector,
    Strand,
    SubjectKind,
    VulnerabilityFlag,
)
from cspdesk.domain.criteria import marac_criteria
from cspdesk.domain.marking import DEFAULT_MARKING
from cspdesk.domain.risk_tools import DASH_2009
from cspdesk.domain.rules import DASH_QUESTION_COUNT, case_reference, first_word, last_word, name_key, normalise_name
from cspdesk.demo import DemoRefused
from cspdesk.storage import models as m
from cspdesk.storage.engine import Store
from cspdesk.storage.search_keys import refresh_search_keys
from cspdesk.storage.sort_keys import refresh_case_sort_keys, refresh_subject_sort

ProgressFn = Callable[[int, str], None]


class DemoScale(StrEnum):
    SMALL = "small"
    COUNTY = "county"
    #: Four times the county's referrals over the same ten years (~200,000 cases, ~2,000,000
    #: actions): the growth benchmark (issue 23), opt-in through CSPDESK_PERF_SCALE.
    COUNTY4 = "county4"


@dataclass(frozen=True)
class DemoSummary:
    """What was written, for the CLI (and the GUI) to tell the user."""

    panels: int
    agencies: int
    users: int
    persons: int
    cases: int
    meetings: int
    actions: int
    seconds: float


def generate_demo(
    store: Store,
    *,
    scale: DemoScale = DemoScale.SMALL,
    seed: int = 1,
    today: date | None = None,
    progress: ProgressFn | None = None,
) -> DemoSummary:
    """Write the synthetic demo partnership into ``store``, which must hold no partnership yet.

    Raises :class:`~cspdesk.demo.DemoRefused` when the database already holds a
    partnership (or any agencies, panels, people, cases or user accounts): demo data is never
    mixed into real data. ``progress(percent, message)`` is called regularly.
    """
    started = time.perf_counter()
    scale = DemoScale(scale)
    today = today or date.today()
    spec = {DemoScale.SMALL: _SMALL, DemoScale.COUNTY: _COUNTY, DemoScale.COUNTY4: _COUNTY4}[scale]
    report = _Progress(progress)
    report(0, "Checking that the database is empty")

    with store.session_factory() as session, session.begin():
        conn = session.connection()
        _refuse_unless_empty(conn)
        gen = _Generator(conn, spec, random.Random(seed), today, report, seed=seed, scale=scale)
        gen.run()
        refresh_subject_sort(conn)  # the rows went in with Core inserts: one statement for every case
        refresh_search_keys(conn)
        refresh_case_sort_keys(conn)
        report(96, "Saving the database")
    report(100, "Demo partnership ready")
    c = gen.counts
    return DemoSummary(
        panels=c["panel"],
        agencies=c["agency"],
        users=c["user_account"],
        persons=c["person"],
        cases=c["case_record"],
        meetings=c["meeting"],
        actions=c["action"],
        seconds=time.perf_counter() - started,
    )


# --- Refusal ---------------------------------------------------------------------------------

#: Tables that, holding anything, mean the database is someone's real (or earlier demo) data.
_MUST_BE_EMPTY = (m.Partnership, m.Agency, m.Panel, m.UserAccount, m.Member, m.Person, m.Case, m.Meeting, m.Action)


def _refuse_unless_empty(conn: Connection) -> None:
    if conn.execute(select(m.Partnership.id).limit(1)).first() is not None:
        raise DemoRefused(
            "This database already belongs to a partnership. Demo data is only written into a new, "
            "empty database, so that it is never mixed with real records."
        )
    for model in _MUST_BE_EMPTY[1:]:
        if conn.execute(select(model.__table__.c.id).limit(1)).first() is not None:
            raise DemoRefused(
                "This database already holds records. Demo data is only written into a new, empty "
                "database, so that it is never mixed with real records."
            )


# --- Progress --------------------------------------------------------------------------------


class _Progress:
    """Calls the caller's progress function with a percentage that never goes backwards."""

    def __init__(self, fn: ProgressFn | None) -> None:
        self._fn = fn
        self._last = -1
        self.message = ""

    def __call__(self, percent: float, message: str | None = None) -> None:
        if message is not None:
            self.message = message
        value = max(0, min(100, int(percent)))
        if self._fn is None or (value <= self._last and message is None):
            return
        self._last = max(self._last, value)
        self._fn(self._last, self.message)


# --- Bulk writer -----------------------------------------------------------------------------

_REQUIRED = object()


def _column_defaults(table: Table) -> dict[str, Any]:
    """Every column of ``table`` with its scalar default, None when nullable, or a marker that the
    caller must give it. Every row of one table gets the same keys (Core executemany needs that)."""
    out: dict[str, Any] = {}
    for col in table.columns:
        default = col.default
        if default is not None and getattr(default, "is_scalar", False):
            value = default.arg
            out[col.key] = value.value if isinstance(value, StrEnum) else value
        elif col.nullable and not col.primary_key:
            out[col.key] = None
        else:
            out[col.key] = _REQUIRED
    return out


class _Writer:
    """Buffers rows per table and inserts them with Core ``executemany`` in chunks.

    Rows are added parents first; a flush writes the tables in dependency order, so a child row is
    never written before its parent.
    """

    def __init__(self, conn: Connection, chunk: int, on_flush: Callable[[], None]) -> None:
        self.conn = conn
        self.chunk = chunk
        self.on_flush = on_flush
        self.tables = [t for t in m.Base.metadata.sorted_tables]
        self.buffers: dict[str, list[dict[str, Any]]] = {t.name: [] for t in self.tables}
        self.defaults = {t.name: _column_defaults(t) for t in self.tables}
        self.counts: dict[str, int] = {t.name: 0 for t in self.tables}
        self._checked: dict[str, int] = {t.name: 0 for t in self.tables}
        self._pending = 0

    def add(self, model: type[m.Base], **values: Any) -> None:
        name = model.__tablename__
        row = {**self.defaults[name], **values}
        if self._checked[name] < 20:  # catch a misspelt or missing column early, cheaply
            self._checked[name] += 1
            unknown = set(values) - set(self.defaults[name])
            missing = [k for k, v in row.items() if v is _REQUIRED]
            if unknown or missing:
                raise AssertionError(f"{name}: unknown columns {sorted(unknown)}, missing {missing}")
        self.buffers[name].append(row)
        self.counts[name] += 1
        self._pending += 1
        if self._pending >= self.chunk:
            self.flush()

    def flush(self) -> None:
        for table in self.tables:
            rows = self.buffers[table.name]
            if rows:
                self.conn.execute(insert(table), rows)
                self.buffers[table.name] = []
        self._pending = 0
        self.on_flush()


# --- Synthetic people: names, addresses, telephones -------------------------------------------


@dataclass(frozen=True)
class _Ethnicity:
    label: str
    minoritised: bool | None
    female: tuple[str, ...]
    male: tuple[str, ...]
    surnames: tuple[str, ...]  # "Kowalski/Kowalska": male/female forms
    languages: tuple[str, ...] = ()
    interpreter: float = 0.0
    weight: float = 0.0


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_BRITISH_F = _names(
    "Olivia Amelia Emily Jessica Sophie Charlotte Lauren Chloe Hannah Rebecca Sarah Emma Laura Gemma "
    "Kirsty Danielle Stacey Leanne Kelly Nicola Claire Michelle Joanne Lisa Karen Tracey Julie Donna "
    "Natalie Samantha Zoe Amy Katie Megan Holly Ellie Abigail Lucy Georgia Jade Courtney Shannon Paige "
    "Chelsea Bethany Rachel Helen Susan Margaret Patricia Jean Elaine Carol Sharon Dawn Wendy Ruby "
    "Poppy Freya Evie Isla Grace Lily Mia Tanya Kayleigh Hayley"
)
_BRITISH_M = _names(
    "Oliver Jack Harry George Charlie Thomas James William Daniel Joshua Ryan Liam Connor Jordan Callum "
    "Lewis Jamie Ben Sam Luke Adam Craig Lee Dean Wayne Darren Scott Gary Paul Mark Steven Andrew "
    "Richard David Michael Christopher Matthew Kevin Stuart Neil Ian Keith Terry Brian Alan Alfie "
    "Archie Freddie Noah Leo Oscar Kai Tyler Reece Kieran Aaron Nathan Bradley Mason Ethan Shane"
)
_BRITISH_S = _names(
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker White "
    "Roberts Green Hall Wood Jackson Clarke Harris Lewis Turner Hill Scott Cooper Morris Ward Moore "
    "King Watson Baker Harrison Morgan Young Allen Mitchell Bell Carter Dixon Fletcher Gibson Hughes "
    "Kelly Lloyd Marshall Mason Palmer Parker Pearce Price Reed Russell Shaw Simpson Stevens Stone "
    "Sutton Webb Wells West Willis Bennett Chapman Cox Ellis Foster Gray Holmes Hunt Knight Payne "
    "Pratt Rose Saunders Spencer Tucker Barnes Butler Fisher Fowler Hayes Hudson Lane Mills Newman "
    "Owen Page Powell Rogers Sharp Walsh Austin Bishop Booth Burton Cole Day Dunn Farmer Hart Kemp"
)
_IRISH_F = _names("Siobhan Aoife Niamh Ciara Roisin Sinead Orla Maeve Bridget Kathleen")
_IRISH_M = _names("Ciaran Declan Niall Padraig Eoin Conor Seamus Cormac Patrick Sean")
_IRISH_S = _names("Murphy O'Brien O'Sullivan Byrne Kennedy Doyle Gallagher McCarthy Quinn Brennan O'Connor Flanagan")
_TRAVELLER_S = _names("Lee Smith Price Boswell Cooper Doherty Ward McDonagh Joyce Loveridge")
_POLISH_F = _names("Agnieszka Katarzyna Magdalena Joanna Anna Monika Ewa Karolina Aleksandra Natalia Justyna Marta")
_POLISH_M = _names("Piotr Tomasz Krzysztof Paweł Marcin Michał Łukasz Jakub Kamil Mateusz Grzegorz Wojciech")
_POLISH_S = _names(
    "Nowak Kowalski/Kowalska Wiśniewski/Wiśniewska Wójcik Kamiński/Kamińska Lewandowski/Lewandowska "
    "Zieliński/Zielińska Szymański/Szymańska Dąbrowski/Dąbrowska Kozłowski/Kozłowska Mazur Krawczyk"
)
_ROMANIAN_F = _names("Ioana Elena Andreea Maria Alexandra Cristina Mihaela Gabriela")
_ROMANIAN_M = _names("Andrei Alexandru Ionuț Mihai Florin Bogdan Adrian Cătălin")
_ROMANIAN_S = _names("Popescu Ionescu Popa Dumitru Stan Constantin Munteanu Marin Stoica Rusu")
_INDIAN_F = _names("Priya Anjali Sunita Kiran Pooja Neha Deepa Harpreet Manpreet Simran Rupinder")
_INDIAN_M = _names("Rajesh Arjun Vikram Sanjay Amit Ravi Gurpreet Jaswinder Harjit Sunil Manjit")
_INDIAN_S = _names("Patel Sharma Singh Gill Sandhu Kumar Gupta Mistry Chauhan Parmar Shah Dhillon")
_PAKISTANI_F = _names("Ayesha Fatima Sana Nadia Saima Zainab Amina Bushra Rabia")
_PAKISTANI_M = _names("Mohammed Imran Usman Bilal Tariq Asif Adeel Hamza Zubair")
_PAKISTANI_S = _names("Khan Hussain Ahmed Ali Iqbal Akhtar Mahmood Rashid Butt Qureshi")
_BANGLADESHI_F = _names("Nasima Rumana Shirin Taslima Farhana Shahnaz")
_BANGLADESHI_M = _names("Abdul Rahim Shahid Jamal Rafiq Anwar")
_BANGLADESHI_S = _names("Uddin Rahman Miah Islam Chowdhury Hoque Begum")
_NEPALI_F = _names("Sita Gita Sunita Anita Kamala Sarita Bimala")
_NEPALI_M = _names("Ram Bikash Suresh Dipak Prakash Rajendra Hari")
_NEPALI_S = _names("Gurung Rai Limbu Thapa Magar Tamang Shrestha Pun")
_AFRICAN_F = _names("Adaeze Chiamaka Ngozi Abena Ama Folake Blessing Precious Funmilayo Esi Yetunde")
_AFRICAN_M = _names("Chinedu Emeka Kwame Kofi Oluwaseun Tunde Samuel Emmanuel Femi Kwabena Ifeanyi")
_AFRICAN_S = _names("Okafor Adeyemi Mensah Boateng Osei Okonkwo Adebayo Owusu Nwosu Asante Eze Oduya Appiah")
_CARIBBEAN_F = _names("Shanice Tanisha Keisha Jasmine Simone Marcia Paulette Chantelle")
_CARIBBEAN_M = _names("Jermaine Marcus Dwayne Tyrone Andre Delroy Winston Leon")
_CARIBBEAN_S = _names("Campbell Clarke Brown Williams Grant Francis Henry Reid Bailey Thomas Edwards Richards")
_TURKISH_F = _names("Elif Zeynep Ayşe Emine Fatma Derya")
_TURKISH_M = _names("Mehmet Mustafa Ahmet Emre Hasan Serkan")
_TURKISH_S = _names("Yılmaz Kaya Demir Çelik Şahin Öztürk Aydın Arslan")

_ETHNICITIES: tuple[_Ethnicity, ...] = (
    _Ethnicity("White – English, Welsh, Scottish, Northern Irish or British", False,
               _BRITISH_F, _BRITISH_M, _BRITISH_S, weight=0.757),
    _Ethnicity("White – Irish", False, _IRISH_F + _BRITISH_F[:10], _IRISH_M + _BRITISH_M[:10], _IRISH_S, weight=0.01),
    _Ethnicity("White – Gypsy or Irish Traveller", True, _BRITISH_F, _BRITISH_M, _TRAVELLER_S, weight=0.012),
    _Ethnicity("White – Other (Polish)", False, _POLISH_F, _POLISH_M, _POLISH_S, ("Polish",), 0.3, 0.05),
    _Ethnicity("White – Other (Romanian)", False, _ROMANIAN_F, _ROMANIAN_M, _ROMANIAN_S, ("Romanian",), 0.35, 0.025),
    _Ethnicity("Asian or Asian British – Indian", True, _INDIAN_F, _INDIAN_M, _INDIAN_S,
               ("Punjabi", "Gujarati"), 0.15, 0.02),
    _Ethnicity("Asian or Asian British – Pakistani", True, _PAKISTANI_F, _PAKISTANI_M, _PAKISTANI_S,
               ("Urdu", "Punjabi"), 0.2, 0.012),
    _Ethnicity("Asian or Asian British – Bangladeshi", True, _BANGLADESHI_F, _BANGLADESHI_M, _BANGLADESHI_S,
               ("Bengali (Sylheti)",), 0.25, 0.006),
    _Ethnicity("Asian or Asian British – Other (Nepali)", True, _NEPALI_F, _NEPALI_M, _NEPALI_S, ("Nepali",), 0.3, 0.015),
    _Ethnicity("Black or Black British – African", True, _AFRICAN_F, _AFRICAN_M, _AFRICAN_S, weight=0.03),
    _Ethnicity("Black or Black British – Caribbean", True, _CARIBBEAN_F + _BRITISH_F[:20],
               _CARIBBEAN_M + _BRITISH_M[:20], _CARIBBEAN_S, weight=0.012),
    _Ethnicity("Mixed – White and Black Caribbean", True, _BRITISH_F + _CARIBBEAN_F, _BRITISH_M + _CARIBBEAN_M,
               _BRITISH_S[:40] + _CARIBBEAN_S, weight=0.018),
    _Ethnicity("Other ethnic group – Turkish", True, _TURKISH_F, _TURKISH_M, _TURKISH_S, ("Turkish",), 0.3, 0.007),
    _Ethnicity("", None, _BRITISH_F, _BRITISH_M, _BRITISH_S, weight=0.026),  # not stated
)
_ETH_WEIGHTS = [e.weight for e in _ETHNICITIES]
_WHITE_BRITISH = _ETHNICITIES[0]

_STREET_FIRST = _names(
    "Brambling Cinderhill Foxglove Hawthorne Kestrel Larkspur Marram Oastfield Pennyroyal Quarrywood "
    "Saltings Tidemill Wherry Sloeberry Teasel Samphire Bargeman Coppergate Damson Eelbrook Fennel "
    "Gorsefield Hopgarden Ironstone Jackdaw Kilnbank Lantern Medlar Nettlebed Orchardine Plover Redwing "
    "Sedgemoor Thistledown Wagtail Yarrowby Ashcombe Barrowfield Cobnut Dovecote Elderbank Flintmere"
)
_STREET_SUFFIX = _names("Road Close Way Drive Gardens Lane Crescent Walk Rise Avenue Street Grove Mews")
_BUILDINGS = _names("Court House Lodge Point Heights")
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

#: District -> towns with their ME outward codes (the inward part of each postcode is invented).
_AREAS: dict[str, tuple[tuple[str, str], ...]] = {
    "swale": (("Sittingbourne", "ME10"), ("Sittingbourne", "ME9"), ("Sheerness", "ME12"),
              ("Minster-on-Sea", "ME12"), ("Queenborough", "ME11"), ("Faversham", "ME13"), ("Iwade", "ME9")),
    "maidstone": (("Maidstone", "ME14"), ("Maidstone", "ME15"), ("Maidstone", "ME16"), ("Bearsted", "ME14"),
                  ("Coxheath", "ME17"), ("Harrietsham", "ME17"), ("Lenham", "ME17")),
    "medway": (("Chatham", "ME4"), ("Chatham", "ME5"), ("Gillingham", "ME7"), ("Rainham", "ME8"),
               ("Rochester", "ME1"), ("Strood", "ME2"), ("Hoo", "ME3")),
    "tmalling": (("Snodland", "ME6"), ("West Malling", "ME19"), ("Aylesford", "ME20"), ("Larkfield", "ME20"),
                 ("Kings Hill", "ME19"), ("Wateringbury", "ME18")),
}

_SCHOOLS = (
    "Brambleford Primary School", "Kestrel Way Primary Academy", "Saltings Primary School", "Tidemill Academy",
    "Oastfield Community College", "Marram Bay Primary School", "Cinderhill Secondary School",
    "Larkspur Grammar School", "Quarrywood High School", "Wherry Lane Infant School", "Pennyroyal Junior School",
    "Hopgarden Church of England Primary School", "Ironstone Academy", "Redwing Primary School",
    "Sedgemoor Secondary School", "Flintmere Free School",
)
_NURSERIES = ("Little Acorns Nursery", "Tidemill Pre-school", "Busy Bees at Oastfield", "Saltings Children's Centre nursery")


# --- Agencies, panels and accounts -----------------------------------------------------------


@dataclass(frozen=True)
class _AgencySpec:
    key: str
    name: str
    code: str
    sector: Sector
    titles: tuple[str, ...]


_AGENCIES: tuple[_AgencySpec, ...] = (
    _AgencySpec("police", "Kent Police", "KP", Sector.POLICE,
                ("Detective Sergeant", "Detective Constable", "Police Sergeant, Community Safety Unit",
                 "PCSO", "Detective Inspector")),
    _AgencySpec("mbc", "Maidstone Borough Council", "MBC", Sector.LOCAL_AUTHORITY,
                ("Community Protection Officer", "ASB Caseworker", "Community Safety Officer", "Housing Options Officer")),
    _AgencySpec("sbc", "Swale Borough Council", "SBC", Sector.LOCAL_AUTHORITY,
                ("Community Safety Officer", "ASB Caseworker", "DA Coordinator", "Housing Options Officer")),
    _AgencySpec("kcc", "Kent County Council", "KCC", Sector.LOCAL_AUTHORITY,
                ("Community Safety Officer", "Trading Standards Officer", "Youth Justice Officer", "Youth Worker")),
    _AgencySpec("fire", "Kent Fire and Rescue Service", "KFRS", Sector.FIRE,
                ("Safe and Well Officer", "Station Manager (Prevention)", "Safeguarding Officer")),
    _AgencySpec("probation", "Probation Service", "PROB", Sector.PROBATION,
                ("Probation Officer", "Senior Probation Officer", "Probation Services Officer")),
    _AgencySpec("nhs", "Kent and Medway NHS", "NHS", Sector.HEALTH,
                ("Named Nurse, Safeguarding Adults", "Health Visitor Team Leader", "Safeguarding Midwife",
                 "Safeguarding Lead, Primary Care")),
    _AgencySpec("golding", "Golding Homes", "GH", Sector.HOUSING,
                ("Neighbourhood Officer", "Tenancy Sustainment Officer", "Housing Safeguarding Lead")),
    _AgencySpec("optivo", "Optivo", "OPT", Sector.HOUSING,
                ("Neighbourhood Officer", "Tenancy Sustainment Officer", "Community Safety Lead")),
    _AgencySpec("idva", "Choices IDVA Service", "IDVA", Sector.DOMESTIC_ABUSE,
                ("IDVA", "Senior IDVA", "IDVA Team Leader", "Young People's Violence Adviser")),
    _AgencySpec("forward", "Forward Trust", "FT", Sector.SUBSTANCE_MISUSE,
                ("Recovery Worker", "Team Leader", "Criminal Justice Worker")),
    _AgencySpec("csc", "Kent Children's Social Care", "CSC", Sector.SOCIAL_CARE,
                ("Social Worker", "Team Manager, Children's Social Work", "Early Help Unit Manager",
                 "Adolescent Services Practitioner")),
    _AgencySpec("asc", "Kent Adult Social Care", "ASC", Sector.SOCIAL_CARE,
                ("Safeguarding Adults Practitioner", "Care Manager", "Senior Practitioner")),
    _AgencySpec("edu", "Schools (Education Safeguarding)", "EDU", Sector.EDUCATION,
                ("Education Safeguarding Adviser", "Designated Safeguarding Lead", "Attendance Officer")),
    _AgencySpec("mh", "Kent and Medway Mental Health Trust", "MHT", Sector.HEALTH,
                ("Community Mental Health Nurse", "Safeguarding Practitioner", "Approved Mental Health Professional")),
    _AgencySpec("vs", "Victim Support", "VS", Sector.VOLUNTARY,
                ("Caseworker", "Senior Caseworker", "Hate Crime Caseworker")),
)
_COUNTY_AGENCIES: tuple[_AgencySpec, ...] = (
    _AgencySpec("medway", "Medway Council", "MC", Sector.LOCAL_AUTHORITY,
                ("Community Safety Officer", "ASB Caseworker", "DA Coordinator", "Housing Options Officer")),
    _AgencySpec("tmbc", "Tonbridge and Malling Borough Council", "TMBC", Sector.LOCAL_AUTHORITY,
                ("Community Safety Officer", "ASB Caseworker", "Community Protection Officer")),
)
_AREA_COUNCIL = {"swale": "sbc", "maidstone": "mbc", "medway": "medway", "tmalling": "tmbc"}
_AREA_HOUSING = {"swale": "optivo", "maidstone": "golding", "medway": "optivo", "tmalling": "golding"}

#: Agencies at each type of panel: (core, occasional). "council" is the panel's district council(s).
_PANEL_AGENCIES: dict[PanelType, tuple[tuple[str, ...], tuple[str, ...]]] = {
    PanelType.MARAC: (("police", "idva", "council", "csc", "asc", "nhs", "mh", "probation", "housing", "forward",
                       "edu"), ("fire", "vs", "kcc")),
    PanelType.CSVG: (("police", "council", "housing", "nhs", "mh", "asc", "forward", "fire"),
                     ("probation", "vs", "kcc")),
    PanelType.SOCP: (("police", "council", "kcc", "probation", "fire", "housing"), ("csc", "edu", "forward")),
    PanelType.CARM: (("csc", "police", "council", "edu", "kcc", "forward"), ("nhs", "mh", "housing")),
    PanelType.PARTNERSHIP: (("police", "council", "kcc", "fire", "probation", "nhs"), ("housing", "forward", "vs")),
}


@dataclass(frozen=True)
class _UserSpec:
    username: str
    role: Role
    agency: str
    title: str
    panels: tuple[PanelType, ...] | None  # None: every panel


_ALL_PANEL_TYPES = tuple(PanelType)
_USERS: tuple[_UserSpec, ...] = (
    _UserSpec("admin", Role.ADMINISTRATOR, "sbc", "Community Safety Partnership Manager", None),
    _UserSpec("chair.marac", Role.CHAIR, "police", "Detective Inspector, Vulnerability Investigation Team",
              (PanelType.MARAC,)),
    _UserSpec("chair.csvg", Role.CHAIR, "mbc", "Community Protection Team Leader", (PanelType.CSVG,)),
    _UserSpec("chair.socp", Role.CHAIR, "police", "Detective Chief Inspector, Serious Organised Crime",
              (PanelType.SOCP,)),
    _UserSpec("chair.carm", Role.CHAIR, "csc", "Adolescent Services Manager", (PanelType.CARM,)),
    _UserSpec("chair.csp", Role.CHAIR, "police", "Chief Inspector, District Commander", (PanelType.PARTNERSHIP,)),
    _UserSpec("coord", Role.COORDINATOR, "sbc", "MARAC and Domestic Abuse Coordinator",
              (PanelType.MARAC, PanelType.CARM, PanelType.PARTNERSHIP)),
    _UserSpec("coord.csvg", Role.COORDINATOR, "mbc", "CSVG Coordinator", (PanelType.CSVG,)),
    _UserSpec("coord.socp", Role.COORDINATOR, "police", "Serious Organised Crime Partnership Coordinator",
              (PanelType.SOCP,)),
    _UserSpec("officer.police", Role.OFFICER, "police", "Detective Sergeant",
              (PanelType.MARAC, PanelType.CSVG, PanelType.SOCP, PanelType.CARM)),
    _UserSpec("officer.housing", Role.OFFICER, "golding", "Tenancy Sustainment Officer",
              (PanelType.CSVG, PanelType.MARAC)),
    _UserSpec("officer.idva", Role.OFFICER, "idva", "IDVA Team Leader", (PanelType.MARAC,)),
    _UserSpec("officer.health", Role.OFFICER, "nhs", "Named Nurse, Safeguarding Adults",
              (PanelType.MARAC, PanelType.CSVG)),
    _UserSpec("officer.csc", Role.OFFICER, "csc", "Team Manager, Children's Social Work",
              (PanelType.MARAC, PanelType.CARM)),
    _UserSpec("officer.fire", Role.OFFICER, "fire", "Safe and Well Officer", (PanelType.CSVG, PanelType.MARAC)),
    _UserSpec("viewer", Role.VIEWER, "sbc", "Community Safety Analyst",
              (PanelType.PARTNERSHIP, PanelType.MARAC, PanelType.CSVG)),
)
_CHAIR_OF = {PanelType.MARAC: "chair.marac", PanelType.CSVG: "chair.csvg", PanelType.SOCP: "chair.socp",
             PanelType.CARM: "chair.carm", PanelType.PARTNERSHIP: "chair.csp"}
_COORD_OF = {PanelType.MARAC: "coord", PanelType.CSVG: "coord.csvg", PanelType.SOCP: "coord.socp",
             PanelType.CARM: "coord", PanelType.PARTNERSHIP: "coord"}


@dataclass(frozen=True)
class _PanelSpec:
    name: str
    type: PanelType
    prefix: str
    areas: tuple[str, ...]
    per_year: float  # referrals a year (OCGs adopted a year for SOCP)
    weekday: int  # 0 Monday
    hour: int
    minute: int
    every_days: int
    venue: str
    description: str


_DESCRIPTIONS = {
    PanelType.MARAC: "Multi-Agency Risk Assessment Conference for victims of high-risk domestic abuse (16+), "
                     "their children and the perpetrators who harm them.",
    PanelType.CSVG: "Community Safety and Vulnerability Group: vulnerable adults, victims and causes of "
                    "anti-social behaviour, households and places of concern. Meets weekly.",
    PanelType.SOCP: "Serious Organised Crime Panel: shares information on organised crime groups and agrees a "
                    "4P plan (Pursue, Prevent, Protect, Prepare) for each.",
    PanelType.CARM: "Complex Adolescent Risk Meeting (contextual safeguarding): young people at risk of "
                    "exploitation, their peer groups and the places where harm happens.",
    PanelType.PARTNERSHIP: "The Community Safety Partnership's executive group and its strategic action plan.",
}


def _panel(name: str, type_: PanelType, prefix: str, areas: tuple[str, ...], per_year: float,
           weekday: int, hour: int, minute: int, every_days: int, venue: str) -> _PanelSpec:
    return _PanelSpec(name, type_, prefix, areas, per_year, weekday, hour, minute, every_days, venue,
                      _DESCRIPTIONS[type_])


@dataclass(frozen=True)
class _ScaleSpec:
    years: int
    partnership_name: str
    population_adults: int
    population_adult_women: int
    panels: tuple[_PanelSpec, ...]
    extra_agencies: tuple[_AgencySpec, ...]
    members_per_agency: tuple[int, int]
    new_actions: tuple[int, int]  # actions agreed when a case is first heard
    review_actions: tuple[int, int]  # actions agreed at a review
    chunk: int
    archive_after_years: int | None  # closed cases older than this are archived


_BOTH = ("swale", "maidstone")
_SMALL = _ScaleSpec(
    years=1,
    partnership_name="Safer Swale & Maidstone Partnership (demo)",
    population_adults=220_000,
    population_adult_women=112_000,
    panels=(
        _panel("Swale MARAC", PanelType.MARAC, "MARAC", ("swale",), 202, 1, 10, 0, 14,
               "Swale House, Sittingbourne (Committee Room 2)"),
        _panel("Maidstone CSVG", PanelType.CSVG, "CSVG", ("maidstone",), 520, 2, 10, 0, 7,
               "Maidstone House (Meeting Room 3)"),
        _panel("Kent SOCP", PanelType.SOCP, "SOCP", _BOTH, 12, 3, 14, 0, 28,
               "Maidstone Police Station (Conference Room)"),
        _panel("Swale CARM", PanelType.CARM, "CARM", ("swale",), 40, 0, 13, 30, 14,
               "Sittingbourne Youth Hub (Room 1)"),
        _panel("CSP Executive Group", PanelType.PARTNERSHIP, "CSP", _BOTH, 0, 4, 10, 0, 91,
               "Swale House, Sittingbourne (Council Chamber)"),
    ),
    extra_agencies=(),
    members_per_agency=(2, 4),
    new_actions=(3, 6),
    review_actions=(1, 3),
    chunk=8000,
    archive_after_years=None,
)

_DISTRICT = {"swale": ("Swale", "SW", "Swale House, Sittingbourne"),
             "maidstone": ("Maidstone", "MA", "Maidstone House"),
             "medway": ("Medway", "MW", "Gun Wharf, Chatham"),
             "tmalling": ("Tonbridge and Malling", "TM", "Kings Hill Council Offices")}


def _county_panels() -> tuple[_PanelSpec, ...]:
    panels: list[_PanelSpec] = []
    for i, (area, (label, code, venue)) in enumerate(_DISTRICT.items()):
        panels.append(_panel(f"{label} MARAC", PanelType.MARAC, f"MARAC-{code}", (area,), 520, 1 + (i % 2), 10, 0,
                             14, f"{venue} (Committee Room)"))
        panels.append(_panel(f"{label} CSVG", PanelType.CSVG, f"CSVG-{code}", (area,), 600, 2, 10, 0, 7,
                             f"{venue} (Meeting Room 3)"))
        panels.append(_panel(f"{label} CARM", PanelType.CARM, f"CARM-{code}", (area,), 110, 0, 13, 30, 14,
                             f"{label} Youth Hub"))
    panels.append(_panel("North Kent SOCP", PanelType.SOCP, "SOCP-NK", ("swale", "medway"), 8, 3, 14, 0, 28,
                         "Medway Police Station (Conference Room)"))
    panels.append(_panel("West Kent SOCP", PanelType.SOCP, "SOCP-WK", ("maidstone", "tmalling"), 8, 3, 10, 0, 28,
                         "Maidstone Police Station (Conference Room)"))
    panels.append(_panel("Kent CSP Executive Group", PanelType.PARTNERSHIP, "CSP", tuple(_DISTRICT), 0, 4, 10, 0,
                         91, "Kent Police Headquarters (Training Suite)"))
    return tuple(panels)


_COUNTY = _ScaleSpec(
    years=10,
    partnership_name="Kent Community Safety Partnerships (demo, county scale)",
    population_adults=1_250_000,
    population_adult_women=640_000,
    panels=_county_panels(),
    extra_agencies=_COUNTY_AGENCIES,
    members_per_agency=(6, 10),
    new_actions=(5, 11),
    review_actions=(3, 6),
    chunk=10_000,
    archive_after_years=6,
)

#: The county grown fourfold: every panel hears four times the referrals, from four times the people.
_COUNTY4 = replace(
    _COUNTY,
    partnership_name="Kent Community Safety Partnerships (demo, four times county scale)",
    population_adults=4 * _COUNTY.population_adults,
    population_adult_women=4 * _COUNTY.population_adult_women,
    panels=tuple(replace(p, per_year=4 * p.per_year) for p in _COUNTY.panels),
)

_CONFIDENTIALITY = (
    "The information discussed at this meeting is strictly confidential. It is shared only to reduce "
    "the risk of harm to the people discussed and to prevent crime and disorder, under the partnership's "
    "information sharing agreement, section 115 of the Crime and Disorder Act 1998, the Data Protection "
    "Act 2018 and the UK GDPR. It must not be passed to anyone outside this meeting, or used for any "
    "other purpose, without the agreement of the agency that provided it. Agencies record on their own "
    "systems only what they need to carry out the actions agreed. Anyone present who has not signed the "
    "confidentiality statement must do so before the meeting continues."
)

# --- Texts for cases, discussions and actions ------------------------------------------------

_INCIDENTS = (
    "an assault with strangulation reported by a neighbour", "threats to kill sent by text message",
    "damage to the front door and threats", "stalking at the victim's workplace",
    "an assault during a child contact handover", "a breach of a non-molestation order",
    "controlling behaviour and the removal of the victim's phone", "an assault while the perpetrator was drunk",
    "threats made with a knife", "a sexual assault disclosed to the IDVA", "repeated calls and messages after separation",
    "the perpetrator turning up at the address in breach of bail",
)
_PJ_REASONS = (
    "Stalking is escalating and is not fully captured by the DASH; the victim minimises the risk.",
    "Recent separation and the perpetrator has access to weapons.",
    "The victim is pregnant and has been isolated from family and friends.",
    "Language barrier: the victim could not answer all the questions; officer's judgement is high risk.",
    "The perpetrator was recently released from custody for violence against a previous partner.",
    "Threats to take the children abroad; the victim is very frightened.",
)
_RELATIONSHIPS = (("ex-partner", 0.52), ("partner", 0.28), ("husband", 0.07), ("ex-husband", 0.05),
                  ("son", 0.04), ("father", 0.015), ("brother", 0.015), ("other family member", 0.01))
_MARAC_SUMMARY = (
    "Relationship of {years} years with a history of escalating abuse since the birth of their child.",
    "The couple separated {months} months ago; harassment and threats have increased since.",
    "Long history of coercive control: finances, phone and contact with family restricted.",
    "The victim has been assaulted several times and has not reported most incidents.",
    "The perpetrator drinks heavily and has convictions for violence against a previous partner.",
    "The victim has recently moved and fears the perpetrator will find the new address.",
    "Incidents have become more frequent over the last three months.",
    "The perpetrator monitors the victim's social media and turns up uninvited.",
)
_MARAC_DISCUSSION = (
    "Police reported {n} incidents at the address in the last 12 months, the most recent three weeks ago.",
    "The IDVA has made contact; {name} is engaging and has agreed a safety plan.",
    "The IDVA has been unable to make safe contact so far; attempts continue through the police.",
    "The perpetrator is on bail with conditions not to contact {name} or attend the address.",
    "The perpetrator was released under investigation; no bail conditions are in place.",
    "Children's social care have an open child and family assessment for the children.",
    "The children are not known to children's social care; school report no concerns.",
    "The housing provider reports rent arrears and damage to the property door.",
    "Health report A&E attendance last month with injuries consistent with the disclosure.",
    "Probation confirm the perpetrator is under supervision and will be spoken to by the offender manager.",
    "Mental health services know {name}; recent low mood and anxiety since the incident.",
    "{name} wishes to stay at the address; target hardening has been discussed.",
    "The perpetrator has made threats of suicide if {name} ends the relationship.",
)
_MARAC_DISCUSSION_NO_CHILDREN = tuple(s for s in _MARAC_DISCUSSION if "children" not in s)
_MARAC_RISKS = (
    "Risk of serious harm from the perpetrator, escalating since separation.",
    "Risk to the children from exposure to abuse and of being used to control the victim.",
    "Risk of homicide indicated by strangulation and threats to kill.",
    "Risk of stalking and harassment at the new address.",
    "Risk that the victim withdraws support for prosecution.",
)
_MARAC_RISKS_NO_CHILDREN = tuple(s for s in _MARAC_RISKS if "children" not in s)
_CSVG_REASONS = (
    "Repeated reports of ASB at the address; the subject appears vulnerable and socially isolated.",
    "Concerns that the subject's flat is being used by others to sell drugs (possible cuckooing).",
    "Self-neglect and hoarding reported by the housing provider; fire risk.",
    "Neighbour dispute escalating; the subject reports being targeted because of a disability.",
    "Repeated calls to police and ambulance while in mental health crisis.",
    "Rough sleeping in the town centre with alcohol misuse; several ASB reports.",
    "Doorstep crime victim; older person living alone, targeted by rogue traders.",
    "Noise and threatening behaviour towards neighbours; tenancy at risk.",
)
_CSVG_DISCUSSION = (
    "Police report {n} calls about the address in the last three months.",
    "The housing provider visited; the property is in poor condition and the tenancy is at risk.",
    "{name} is known to the community mental health team but has missed recent appointments.",
    "{name} has been referred to drug and alcohol services before but did not engage.",
    "Neighbours report visitors at all hours and suspect the flat is being used by others.",
    "Adult social care completed a Care Act assessment last year; eligible needs were identified.",
    "KFRS completed a Safe and Well visit and fitted smoke alarms; hoarding level 6 of 9.",
    "The GP practice confirms {name} is registered and has a review booked.",
    "{name} was seen by the PCSO and said they felt unsafe at home.",
    "Mediation was offered to both households; one party declined.",
    "A Community Protection Warning was issued last month; no further incidents since.",
)
_CSVG_RISKS = (
    "Risk of exploitation by people using the flat.", "Risk of eviction and homelessness.",
    "Risk to health from self-neglect.", "Risk of fire in a hoarded property.",
    "Risk of escalating conflict with neighbours.", "Risk of self-harm during crisis.",
)
_CARM_REASONS = (
    "Repeated missing episodes; seen with older males in cars late at night.",
    "Suspected involvement in a county line; found with cash and two phones.",
    "Group of young people gathering at the location; reports of drug dealing and intimidation.",
    "Excluded from school; associating with young people known for knife crime.",
    "Concerns about sexual exploitation at a house party address.",
    "Arrested for possession with intent to supply; a victim of exploitation is suspected.",
)
_CARM_DISCUSSION = (
    "{name} has had {n} missing episodes in the last two months.",
    "School report falling attendance (around 60%) and a recent fixed-term exclusion.",
    "Police intelligence links {name} to older associates in the county line.",
    "The youth worker has built a relationship with {name} through the detached sessions.",
    "The family is worried and supportive; they are willing to work with Early Help.",
    "Young people are gathering at the location most evenings; residents report intimidation.",
    "A return home interview was completed; {name} did not say where they had been.",
    "CCTV and lighting at the location are poor; the council will review them.",
)
_CARM_RISKS = (
    "Risk of criminal exploitation.", "Risk of sexual exploitation.", "Risk of serious youth violence.",
    "Risk from substance misuse.", "Risk of school exclusion and becoming NEET.",
)
_CARM_OUTCOMES = (
    "Refer to children's social care for a child and family assessment.",
    "Step down to Early Help.",
    "Single-agency support from the school and the youth service.",
    "No further action: the risk has reduced and there is no new intelligence.",
)
_SOCP_DISCUSSION = (
    "Intelligence indicates the group continues to supply class A drugs in the town centre.",
    "Two nominals were arrested last month; one is remanded in custody.",
    "The group has been linked to the cuckooing of two vulnerable adults.",
    "Financial investigation has identified cash deposits through a linked business.",
    "Younger associates are being recruited from a local school.",
    "Housing has served notice on a tenancy used by the group.",
    "Little new intelligence this period; activity appears reduced.",
    "The principal is believed to be managing the line from outside the county.",
)
_SOCP_RISKS = (
    "Exploitation of children and vulnerable adults.", "Violence between rival groups.",
    "Community tension after enforcement activity.", "Displacement of the drug line to a new area.",
)
_OCG_NAMES = (
    "Tidemill Road drugs line", "Sheppey cannabis cultivation group", "Eastern European labour exploitation network",
    "Town centre class A supply group", "Quarrywood family crime group", "Rural plant and machinery theft group",
    "Waste crime and fly-tipping group", "'Blue' county line (London to Sittingbourne)",
    "'Mango' county line (Medway)", "Counterfeit goods and tobacco network", "Car key burglary group",
    "Sedgemoor estate drugs network", "Money mule recruitment group", "Cash-in-transit robbery group",
    "Modern slavery car-wash network", "Fuel theft and fraud group",
)
_OCG_ARCHIVE_REASONS = (
    "Principal members sentenced; no intelligence of continued activity.",
    "Group disbanded after enforcement; remaining nominals managed by neighbourhood policing.",
    "No intelligence for six months; threat assessed as low. Archived on review.",
    "Activity displaced out of force area; intelligence passed to the receiving force.",
)
_LOCATIONS_CARM = (
    ("High Street skate park", "Public space"), ("bus station", "Transport hub"),
    ("seafront shelters", "Public space"), ("recreation ground underpass", "Public space"),
    ("retail park car park", "Car park"), ("railway station forecourt", "Transport hub"),
    ("Oastfield estate play area", "Public space"), ("fast-food restaurant on the High Street", "Business"),
    ("Kilnbank woods", "Open space"), ("leisure centre", "Leisure"),
)
_LOCATIONS_CSVG = (
    ("stairwells, Tidemill Court", "Block of flats"), ("Brambling Road shops", "Parade of shops"),
    ("town centre churchyard", "Public space"), ("Larkspur House hostel", "Supported accommodation"),
    ("Wherry Lane car park", "Car park"), ("underpass by the ring road", "Public space"),
)

# Actions: (agency key, text, needs children). Agency "council"/"housing" are resolved per panel.
_MARAC_ACTIONS: tuple[tuple[str, str, bool], ...] = (
    ("police", "Place a warning marker on {name}'s address and phone number for an urgent response.", False),
    ("police", "Review the investigation into the latest incident and update the IDVA on the charging decision.", False),
    ("police", "Consider a Domestic Violence Protection Notice and Order if the perpetrator returns.", False),
    ("police", "Check the perpetrator's bail conditions and share them with the IDVA and the housing provider.", False),
    ("police", "Complete a Domestic Violence Disclosure Scheme (Clare's Law) right-to-know assessment.", False),
    ("police", "Carry out intelligence checks on the perpetrator's current address and associates.", False),
    ("idva", "Contact {name} within 48 hours to offer IDVA support and review the safety plan.", False),
    ("idva", "Complete a safety plan with {name}, including safe routes and a code word with family.", False),
    ("idva", "Support {name} with an application for a non-molestation order.", False),
    ("idva", "Refer {name} to the One Stop Shop and the Freedom Programme.", False),
    ("council", "Refer the property to the Sanctuary Scheme for target hardening.", False),
    ("council", "Discuss housing options with {name}, including a management transfer if wanted.", False),
    ("csc", "Check whether the children are known and share the MARAC information with the allocated social worker.", True),
    ("csc", "Consider a strategy discussion for the children in the household.", True),
    ("asc", "Consider a Care Act section 42 safeguarding enquiry for {name}.", False),
    ("nhs", "Flag {name}'s GP record and inform the practice safeguarding lead.", False),
    ("nhs", "Share the MARAC outcome with the health visitor and the midwifery safeguarding team.", True),
    ("nhs", "Check A&E attendances in the last 12 months and share relevant information with the IDVA.", False),
    ("mh", "Check whether {name} or the perpetrator is known to mental health services and share risk information.", False),
    ("probation", "Check whether the perpetrator is under Probation supervision and inform the offender manager.", False),
    ("probation", "Consider the perpetrator for a domestic abuse perpetrator programme.", False),
    ("housing", "Check tenancy records and consider a managed move for {name}.", False),
    ("housing", "Add a safety flag to the tenancy so that staff and contractors do not disclose the address.", False),
    ("forward", "Offer the perpetrator an assessment with the drug and alcohol service.", False),
    ("edu", "Inform the Designated Safeguarding Lead at {school} through Operation Encompass.", True),
    ("edu", "Check school attendance for the children and share any concerns with the social worker.", True),
    ("fire", "Offer {name} a Safe and Well visit, including a fire-proof letter box.", False),
    ("vs", "Offer {name} emotional support and help through the criminal justice process.", False),
    ("kcc", "Check whether the family is known to the Early Help service.", True),
)
_CSVG_ACTIONS: tuple[tuple[str, str, bool], ...] = (
    ("police", "Carry out a joint welfare visit to {name} with the PCSO and report back.", False),
    ("police", "Check for recent calls to the address and share the incident logs with the panel.", False),
    ("police", "Consider a Community Protection Warning for the people causing the ASB.", False),
    ("police", "Consider a closure order on the address to stop it being used by others.", False),
    ("police", "Add a vulnerable-person marker to {name}'s address.", False),
    ("council", "Open an ASB case and contact {name} to complete an ASB risk assessment.", False),
    ("council", "Arrange mediation between the neighbours.", False),
    ("council", "Refer {name} to the housing options team for homelessness prevention.", False),
    ("council", "Arrange an environmental health visit to the property.", False),
    ("housing", "Carry out a tenancy audit visit and check the condition of the property.", False),
    ("housing", "Offer tenancy sustainment support to {name}.", False),
    ("housing", "Change the door entry fob to stop unwanted visitors.", False),
    ("nhs", "Ask the GP practice to review {name}'s medication and recent appointments.", False),
    ("mh", "Check whether {name} is open to the community mental health team and arrange a review.", False),
    ("mh", "Discuss a referral to the crisis team if concerns escalate.", False),
    ("asc", "Complete a Care Act assessment for {name}.", False),
    ("asc", "Consider a section 42 safeguarding enquiry (self-neglect).", False),
    ("forward", "Offer {name} an assessment and an outreach appointment.", False),
    ("forward", "Provide naloxone and harm-reduction advice.", False),
    ("fire", "Carry out a Safe and Well visit with a hoarding assessment.", False),
    ("probation", "Share whether {name} is under supervision and any licence conditions.", False),
    ("vs", "Offer {name} support as a victim of anti-social behaviour.", False),
    ("kcc", "Ask Trading Standards to check for doorstep crime and offer a call blocker.", False),
)
_CARM_ACTIONS: tuple[tuple[str, str, bool], ...] = (
    ("csc", "Complete a child and family assessment for {name}.", False),
    ("csc", "Hold a strategy discussion about the risk of exploitation.", False),
    ("csc", "Complete a return home interview after the latest missing episode.", False),
    ("csc", "Submit a National Referral Mechanism referral for suspected criminal exploitation.", False),
    ("police", "Submit intelligence about the adults seen with {name}.", False),
    ("police", "Consider Child Abduction Warning Notices for the adults involved.", False),
    ("police", "Increase patrols at {loc} on Friday and Saturday evenings.", False),
    ("edu", "Hold an attendance meeting with {name} and the family at {school}.", False),
    ("edu", "Put a mentor in place for {name} at {school}.", False),
    ("kcc", "Arrange detached youth work at {loc}.", False),
    ("kcc", "Offer {name} a place on the youth diversion programme.", False),
    ("kcc", "Refer {name} to Early Help.", False),
    ("council", "Complete a location assessment of {loc} (lighting, CCTV, hiding places).", False),
    ("council", "Ask the CCTV control room to monitor {loc} at key times.", False),
    ("forward", "Offer {name} a young people's substance misuse assessment.", False),
    ("nhs", "Check health records for injuries or sexual health concerns and share as appropriate.", False),
    ("mh", "Refer {name} to the children's wellbeing service.", False),
    ("housing", "Speak to the family's landlord about visitors to the address.", False),
)
_SOCP_ACTIONS: tuple[tuple[str, str, Strand], ...] = (
    ("police", "Apply for a drugs warrant at an address linked to the group.", Strand.PURSUE),
    ("police", "Start a financial investigation into {principal} under the Proceeds of Crime Act.", Strand.PURSUE),
    ("police", "Place ANPR markers on vehicles linked to the group.", Strand.PURSUE),
    ("police", "Target {principal} for proactive enforcement.", Strand.PURSUE),
    ("council", "Review the licence of a business premises linked to the group.", Strand.PURSUE),
    ("probation", "Review licence conditions for nominals under supervision.", Strand.PURSUE),
    ("kcc", "Trading Standards to inspect premises for counterfeit goods and illicit tobacco.", Strand.PURSUE),
    ("fire", "Joint fire safety inspection of premises used by the group.", Strand.PURSUE),
    ("housing", "Consider possession proceedings for the tenancy used by the group.", Strand.PURSUE),
    ("edu", "Deliver a county lines awareness session at the schools younger associates attend.", Strand.PREVENT),
    ("kcc", "Offer diversion to young people on the edge of the group.", Strand.PREVENT),
    ("csc", "Make safeguarding referrals for children seen with the group.", Strand.PREVENT),
    ("police", "Deliver disruption letters to peripheral nominals.", Strand.PREVENT),
    ("forward", "Offer treatment to people buying from the group's drug line.", Strand.PREVENT),
    ("housing", "Identify and safeguard tenants at risk of cuckooing by the group.", Strand.PROTECT),
    ("council", "Apply for a closure order on the flat used to deal from.", Strand.PROTECT),
    ("police", "Make NRM referrals for victims of exploitation identified in the investigation.", Strand.PROTECT),
    ("fire", "Safe and Well visits to vulnerable adults whose homes are used by the group.", Strand.PROTECT),
    ("police", "Prepare a community impact assessment before the enforcement day.", Strand.PREPARE),
    ("police", "Brief ward councillors and neighbourhood teams on the planned activity.", Strand.PREPARE),
    ("council", "Prepare community reassurance messages and a leaflet drop after enforcement.", Strand.PREPARE),
    ("kcc", "Plan a multi-agency visit day in the affected neighbourhood.", Strand.PREPARE),
)
_ON_HOLD_REASONS = (
    "Awaiting the outcome of the criminal investigation.", "{name} is in hospital; contact is paused.",
    "Waiting for a court date.", "Paused at {name}'s request while staying out of the area.",
    "Subject in custody; to resume on release.", "Awaiting an assessment slot.",
)
_DISCONTINUED_REASONS = (
    "No longer required: the family has moved out of the area.", "Superseded by an action agreed at the review.",
    "{name} declined the service; nothing further is possible.", "Not proportionate after review of the information.",
    "Another agency is leading on this.",
)
_PROGRESS_NOTES = (
    "Contact made; work under way.", "First appointment offered.", "Referral sent; awaiting allocation.",
    "Visit completed; follow-up booked.", "Information shared with the panel coordinator.",
)
_COMPLETED_NOTES = (
    "Completed.", "Done; outcome shared with the coordinator.", "Completed; no further concerns.",
    "Completed and recorded on the agency system.",
)
_DECLINE_REASONS = {
    PanelType.MARAC: (
        "Does not meet the MARAC threshold (DASH below 14, no professional judgement or escalation); "
        "referred to the IDVA service for support.",
        "The victim lives outside the area; transferred to the MARAC for the home district.",
    ),
    PanelType.CSVG: (
        "Single-agency matter: referred back to the housing provider.",
        "Not a vulnerable adult within the terms of reference; signposted to Victim Support.",
        "Already in the Safeguarding Adults process; the panel would add nothing.",
    ),
    PanelType.CARM: (
        "Meets the threshold for statutory children's social care; managed there.",
        "Not enough information; the referrer was asked to resubmit with more detail.",
    ),
}
_CLOSED_OUTCOMES = {
    PanelType.MARAC: (
        "All actions completed; safety plan in place and IDVA support continuing.",
        "Actions completed; the perpetrator is remanded in custody.",
        "The victim moved to a refuge out of the area; information passed to the receiving MARAC.",
        "Actions completed; the victim is engaging with the One Stop Shop.",
    ),
    PanelType.CSVG: (
        "Risk reduced: support in place with the community mental health team.",
        "Tenancy sustained and the ASB has stopped.",
        "Moved to supported accommodation; single-agency support continues.",
        "Referred into the Safeguarding Adults process (section 42).",
        "Not engaging; the risk is accepted by agencies. Re-refer if concerns rise.",
    ),
    PanelType.CARM: _CARM_OUTCOMES,
}

# The Swale Community Safety Plan 2019/20 action plan (seeds/004), public text.
_PLAN_HEADINGS = {
    "1": "Priority 1: Domestic Abuse", "2": "Priority 2: Crime", "3": "Priority 3: ASB",
    "4": "Priority 4: Supporting Vulnerable People", "6": "Cross Cutting Theme 1: Reducing Reoffending",
    "7": "Cross Cutting Theme 2: Communication and Information Sharing",
}
# (number, action, desired outcome, milestones, timescales, lead, owning agency key)
_PLAN: tuple[tuple[str, str, str, tuple[str, ...], tuple[str, ...], str, str], ...] = (
    ("1.1", "Manage the Violence Against Women and Children group to provide strategic overview and co-ordinate "
            "services in Swale.",
     "Strategic oversight of VAWG issues in Swale achieved including gaps or issues with services",
     ("Mapping exercise reviewed on quarterly basis.",
      "Creation of quarterly performance report of reported domestic abuse and service access levels.",
      "Coordination of resources/funding bids to address gaps in services identified",
      "Coordination of multi-agency training in relation to this agenda",
      "Sharing of learning from Domestic Homicide Reviews (DHRs)",
      "Review requirements of the Domestic Abuse Bill once legally adopted",
      "Support delivery of Kent and Medway Domestic Abuse and Sexual Abuse Strategy"),
     ("Quarterly", "Quarterly", "As required", "As required", "As required", "By Mar 20", "Ongoing"),
     "VAWC Group", "sbc"),
    ("1.2", "Oversight of One Stop Shop provision", "Increase attendance at One Stop Shop provisions",
     ("Delivery of One Stop Shop steering group", "Seek new venue for Sittingbourne OSS",
      "Relaunch OSS to partners and community", "Quarterly evaluation of engagement (partners and victims)",
      "Annual review of all OSS/Drop In/Access Points in borough", "Inspections of OSSs in Borough"),
     ("Quarterly", "May 19", "June 18", "Quarterly", "By January 2020", "Annual inspection"),
     "VAWC group/OSS Steering Group", "sbc"),
    ("1.3", "Delivery of White Ribbon Campaign activities",
     "Increased awareness of domestic abuse services within the community",
     ("Delivery of White Ribbon action plan with quarterly monitoring of activity.",
      "Delivery of White Ribbon Ambassador group"),
     ("Quarterly", "Quarterly"), "VAWC group/CSP Executive", "sbc"),
    ("1.4", "Delivery of communication campaigns for domestic abuse services",
     "Raise awareness of services within Swale for victims and perpetrators",
     ("National Day for Elimination of Violence Day communications campaign",
      "Stalking training and awareness activities", "Raise awareness of services available for male victims",
      "Promotion of all services and referral methods to partner agencies"),
     ("November 19", "By Mar 20", "Ongoing", "Ongoing"), "VAWC Group", "sbc"),
    ("1.5", "Development of perpetrator and prevention programmes for Swale residents",
     "Ensure Swale perpetrators have access to suitable programmes to work to reduce their offending and develop "
     "programmes to prevent men becoming offenders.",
     ("Continue to promote Probation's Domestic Abuse Perpetrator Programme",
      "Evaluation of Expectant Fathers Programme and seek funding for further rollout",
      "Support delivery of caring Dads programme"),
     ("Ongoing", "December 19", "Ongoing"), "VAWC group", "probation"),
    ("1.6", "Support development and delivery of programmes for children and young people affected by Domestic "
            "Abuse",
     "Ensure early intervention services for children and young people and provide support for those affected by "
     "domestic abuse",
     ("Detailed mapping of all services available for children and young people and assessment of gaps",
      "Review and action outcomes of domestic abuse workshop at vulnerable young people event March 2019",
      "Work with Local Children Partnership Group to action needs analysis for services for children and young "
      "people"),
     ("June 19", "By June 19", "By March 20"), "VAWC Group/Local Children Partnership group", "kcc"),
    ("2.1", "Delivery of Partnership response to Serious Organised Crime",
     "Disruption to OCGs activity and support provided to victims/communities; increased understanding of SOC.",
     ("Delivery of Serious Organised Crime Panels and OCG Action Plans.",
      "Inclusion of information sharing related to county lines"),
     ("Monthly", "As required"), "Serious Organised Crime Panel", "police"),
    ("2.2", "Continue partnership response to High Harm crime",
     "Increased understanding of hate crime and an increase in community cohesion; reduction in burglary",
     ("Swale Fusion Festival", "Delivery of community cohesion activities in communities as required",
      "Delivery of Smartwater campaign"),
     ("October 19", "As required", "Ongoing"), "Swale CSU", "sbc"),
    ("2.3", "Continued support to tackle rural crime", "Reduction in rural crime",
     ("Quarterly Rural Policing Meetings undertaken", "Support delivery of operations as required"),
     ("Quarterly", "As required"), "Swale CSU/Kent Police", "police"),
    ("2.4", "Raise awareness of cyber-crime and fraud",
     "Increased understanding of both partners and communities of these crime types and how to report",
     ("Delivery of cyber-crime sessions to staff and communities",
      "Communication activities to raise awareness of cyber crime and how communities can protect themselves"),
     ("Sept 19", "Ongoing"), "Swale CSU", "sbc"),
    ("2.5", "Consider safety requirements of Sittingbourne Town Centre Regeneration",
     "Improved safety in Sittingbourne Town Centre",
     ("Delivery of Town Centre Safety Group",
      "Engagement with Street Pastors in planning for increased night time economy",
      "Roll out of Ask Angela campaign in Sittingbourne, with training as required to licenced premises",
      "Review Purple Flag requirements and agree local actions to put into place.",
      "Review current night time economy hotspots and actions in place", "Delivery of Action Plan"),
     ("Six monthly", "By June 19", "By July 19", "By Sept 2019", "By June 19", "By Mar 20"),
     "Town Centre Safety Group", "sbc"),
    ("2.7", "Continued development of partnership response to gangs",
     "Increased intelligence of local gang activity and prevention activity taking place",
     ("Review evaluation from 2018/19 gangs training inputs to schools",
      "Agree training priorities and groups, locations and selection of training provider",
      "Delivery of inputs to agreed groups"),
     ("April 19", "May 19", "By Mar 20"), "Swale CSU", "sbc"),
    ("2.8", "Support delivery of Police and Crime Commissioners Violence Reduction Challenge (VRC)",
     "Prevention of serious violence within borough",
     ("Review Violence Reduction Challenge report and consider activities within Swale to progress",
      "Delivery of further activities to take place within Swale as part of VRC",
      "Delivery of violence briefing to CSP staff"),
     ("May 19", "By Mar 20", "By Mar 20"), "Swale CSP Executive", "police"),
    ("3.1", "Provision of support to high risk victims of ASB",
     "Reduction in ASB and increased satisfaction of victims",
     ("Weekly case management by CSU", "Enforcement action by CSU as required",
      "Delivery of home safety improvements 'Keep Safe' scheme"),
     ("Weekly", "Ongoing", "Ongoing"), "Swale CSU", "sbc"),
    ("3.2", "Continuation of multi-agency response to focus areas across all priorities for the partnership.",
     "Reduction in ASB, violence, crime and increased understanding of vulnerable locations",
     ("Continuation of work in key areas from 2018/19 as required",
      "Consideration of new areas for project for 2019/20, based upon levels of violence."),
     ("Ongoing", "End April 19"), "Project and Performance Group", "sbc"),
    ("3.3", "Delivery of multi-agency operations to tackle ASB at key periods",
     "Reduction in ASB at key time periods",
     ("Delivery of Operation Milan", "Support of activities to tackle fly tipping", "Other operations as required"),
     ("Ongoing", "As required", "As required"), "Swale CSU", "sbc"),
    ("4.1", "Continued delivery of Community MARAC",
     "Increase early intervention available to vulnerable adults to address their needs and prevent becoming "
     "victims of crime or mental health concerns developing",
     ("Regular meetings of panel and delivery of actions to support individuals",
      "First year review of panel and implementation of any agreed changes",
      "Communication campaign delivery to address isolation and loneliness"),
     ("Monthly", "By end June 19", "As required"), "Community MARAC", "sbc"),
    ("4.2", "Participation in Channel (Dovetail) Programme", "To support those identified at risk of radicalisation",
     ("Attendance at Channel meetings",
      "Review Prevent Duty Checklist as a partnership and as individual agency level"),
     ("As required", "By June 19"), "Project and Performance Group", "kcc"),
    ("4.3", "Support delivery of coordinated Kent work to tackle doorstep crime", "Reduction in doorstep crime victims",
     ("Support delivery of Kent wide action plan to tackle doorstep crime",
      "Awareness raising with communities to protect against doorstep crime, including the financial abuse film.",
      "Utilise 'Tru Call' devices to protect victims against doorstep crime and fraud"),
     ("By Mar 20", "By Mar 20", "Ongoing"), "Project and Performance Group", "kcc"),
    ("4.4", "Participation in multi-agency operations and activities to identify and support vulnerable victims",
     "To identify and support vulnerable victims", ("Participation in multi-agency operations as required",),
     ("Ongoing",), "Project and Performance Group", "police"),
    ("4.5", "Delivery of activities to identify and support young people at risk of exploitation",
     "Reduction in young people at risk of exploitation or crime",
     ("Delivery of Your Choice project", "Explore Youth Hub model and rollout within Swale",
      "Engagement of partners within multi-agency panel (ARMS) to identify and support young people at risk"),
     ("Ongoing", "Ongoing", "Ongoing"), "Swale CSU", "sbc"),
    ("4.6", "Support Kent Community Safety Team (KCST) in collation of partnership's inputs to schools",
     "To deliver a coordinated partnership input to schools on community safety messages",
     ("Support mapping of inputs to schools by partners within Swale",
      "Participate in work led by KCST to agree key community safety messages to schools"),
     ("By June 19", "Ongoing"), "Swale CSU", "kcc"),
    ("4.7", "Support delivery of the Kent Drug and Alcohol Strategy",
     "Increased partnership response to tackle drug and alcohol issues",
     ("Support delivery of appropriate work streams within the Action Plan including making safe and social "
      "places; improving health outcomes for adults and creating learning partnerships",),
     ("By Mar 20",), "Project and Performance Group", "forward"),
    ("4.8", "Delivery of Community Alcohol Partnerships in Sheerness and Leysdown",
     "Reduction in underage drinking, increased engagement with schools, reduction in alcohol related crime and ASB",
     ("Initiation phase of projects", "Launch of CAPs", "Delivery of remainder of action plans for each CAP"),
     ("By May 19", "By June 19", "By Mar 20"), "Swale CSU", "sbc"),
    ("4.9", "Support the delivery of the Swale Borough Council Rough Sleeper project",
     "Reduction in number of street homeless in Swale",
     ("Development of rough sleeper project (subject to funding approval)",), ("By Mar 20",), "CSP Executive", "sbc"),
    ("4.10", "Support the delivery of the Amelix Online Safety project and App Amnesty",
     "Increase in understanding by young people of staying safe online and reduction in online exploitation",
     ("Delivery of online safety project by Amelix",), ("By Mar 20",), "CSP Executive", "kcc"),
    ("6.1", "Continued implementation of effective IOM mechanism", "Reduced offending by those engaged on IOM",
     ("Support to partners in delivering and developing scheme.",), ("Ongoing",), "KSS CRC/ Kent Police/NPS",
     "probation"),
    ("6.2", "Consider impact of recommissioning of Community Rehabilitation Company (CRC) from April 2020 on local "
            "area",
     "Understanding of recommissioning timescales, local impact and any steps required to mitigate against this.",
     ("Meetings as required with Probation services to discuss joint working and issues facing service",),
     ("Ongoing",), "CSP Executive", "probation"),
    ("6.3", "Ongoing delivery of projects with HMP Standford Hill",
     "Reduce reoffending by those offenders leaving HMP Standford Hill",
     ("Delivery of 'Active Citizens Together' scheme by Swale Borough Council and Optivo",), ("Ongoing",),
     "Swale CSU", "sbc"),
    ("7.1", "Undertake activities to increase communication between partners and front line staff",
     "Increased understanding of CSP and its role/priorities; increased engagement with CSP;",
     ("Delivery of a partnership newsletter", "Delivery of partnership training plan"),
     ("Quarterly", "By Mar 20"), "Swale CSU", "sbc"),
    ("7.2", "Delivery of awareness campaigns linked to all CSP priorities",
     "Increased awareness by staff and communities of key CSP priorities",
     ("Communications calendar to be developed", "Awareness campaigns delivered"), ("April 19", "By Mar 20"),
     "Swale CSU", "sbc"),
    ("7.3", "Review and amend CSP strategic information requirement document",
     "Increased understanding by staff within agencies of gaps in knowledge and priority information needed",
     ("Strategic Intelligence Requirement (SIR) document to be reviewed.",
      "SIR document to be shared with all partnership staff."),
     ("End April 19", "End May 19"), "Swale CSU", "sbc"),
    ("7.4", "Increase linkage with county and borough level partnership groups",
     "Increase joined up approach between different partnership groups.",
     ("Review minutes/actions with Local Children Partnership Group",
      "Review minutes/actions from Kent Domestic Abuse and Sexual Abuse Executive and its sub-groups.",
      "Review minutes/actions from relevant Kent Safeguarding Children Board sub-groups"),
     ("Quarterly", "Quarterly", "Quarterly"), "Project and Performance Group", "sbc"),
)
_PLAN_UPDATES = (
    "Quarterly update: on track; progress reported to the Executive.",
    "Update: milestones for this quarter delivered.",
    "Update: delayed by staffing changes; recovery plan agreed.",
    "Update: partners met; next steps agreed.",
)

_PLAN_HOLD_REASONS = (
    "Paused until funding for the year is confirmed.", "On hold while the lead post is vacant.",
    "Waiting for the county strategy to be published.",
)
_PLAN_STOP_REASONS = (
    "Superseded by the county-wide programme.", "Funding bid unsuccessful; the Executive agreed to stop.",
)


# --- Working structures ----------------------------------------------------------------------


@dataclass
class _Person:
    id: int
    given: str
    family: str
    gender: str
    dob: date | None
    eth: _Ethnicity
    lgbt: bool | None = None

    @property
    def name(self) -> str:
        return f"{self.given} {self.family}"


@dataclass
class _Meeting:
    id: int
    index: int
    day: date
    starts_at: datetime
    past: bool
    status: MeetingStatus
    items: list[dict[str, Any]] = field(default_factory=list)  # case items and extra items
    has_review_item: bool = False


@dataclass
class _PanelRun:
    spec: _PanelSpec
    id: int
    agencies: dict[str, int]  # key -> agency id (incl. "council", "housing")
    core_agency_ids: list[int]
    optional_agency_ids: list[int]
    councils: list[int]
    housing: list[int]
    meetings: list[_Meeting]
    meeting_days: list[date]
    towns: tuple[tuple[str, str], ...]
    actions: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    seq: dict[int, int] = field(default_factory=dict)


@dataclass
class _Flow:
    """What happened to one referral: its status history and the meetings it was heard at."""

    status: CaseStatus
    changes: list[tuple[datetime, CaseStatus | None, CaseStatus, str]]
    hearings: list[tuple[_Meeting, Listing]]
    closed_on: date | None = None
    review_date: date | None = None
    status_reason: str = ""


#: Given the hearing's number and whether it is the first, the actions agreed: (agency id, text, strand).
_ActionsFor = Callable[[int, bool], list[tuple[int, str, Strand | None]]]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)


# --- The generator ---------------------------------------------------------------------------


class _Generator:
    def __init__(self, conn: Connection, spec: _ScaleSpec, rng: random.Random, today: date, report: _Progress,
                 *, seed: int, scale: DemoScale) -> None:
        self.conn = conn
        self.spec = spec
        self.rng = rng
        self.today = today
        self.report = report
        self.seed = seed
        self.scale = scale
        self.start = today - timedelta(days=round(365.25 * spec.years))
        self.horizon = today + timedelta(days=42)
        #: Nothing is recorded later than the evening before ``today``.
        self.latest = _at(today - timedelta(days=1), 18)
        self.w = _Writer(conn, spec.chunk, self._on_flush)
        self.next_ids: dict[str, int] = {}
        for table in self.w.tables:
            if "id" in table.c and table.c.id.primary_key:
                top = conn.execute(select(func.max(table.c.id))).scalar()
                self.next_ids[table.name] = (top or 0) + 1
        # Work units for progress: one per referral (OCGs weigh more).
        self.total_work = sum(
            max(1.0, p.per_year * spec.years * (25 if p.type is PanelType.SOCP else 1)) for p in spec.panels
        )
        self.done_work = 0.0
        self.agency_ids: dict[str, int] = {}
        self.members: dict[str, list[tuple[int, str, int | None]]] = {}  # agency key -> (id, name, user id)
        self.member_by_agency_id: dict[int, list[tuple[int, str, int | None]]] = {}
        self.users: dict[str, tuple[int, int, str]] = {}  # username -> (user id, member id, name)
        self.member_agency: dict[int, int] = {}
        self.location_links: set[tuple[int, int]] = set()
        self.ocg_number = 0
        self.titles = {a.key: a.titles for a in _AGENCIES + _COUNTY_AGENCIES}
        self.titles["council"] = self.titles["sbc"]
        self.titles["housing"] = self.titles["golding"]

    # -- plumbing

    @property
    def counts(self) -> dict[str, int]:
        return self.w.counts

    def nid(self, model: type[m.Base]) -> int:
        name = model.__tablename__
        value = self.next_ids[name]
        self.next_ids[name] = value + 1
        return value

    def percent(self) -> float:
        return 3 + 92 * min(1.0, self.done_work / self.total_work)

    def _on_flush(self) -> None:
        self.report(self.percent())

    def work(self, units: float = 1.0) -> None:
        self.done_work += units
        self.report(self.percent())

    # -- synthetic values

    def pick_ethnicity(self) -> _Ethnicity:
        return self.rng.choices(_ETHNICITIES, _ETH_WEIGHTS)[0]

    def name_for(self, eth: _Ethnicity, gender: str) -> tuple[str, str]:
        rng = self.rng
        given = rng.choice(eth.female if gender == "Female" else eth.male)
        family = rng.choice(eth.surnames)
        if "/" in family:
            male, female = family.split("/")
            family = female if gender == "Female" else male
        if family == "Begum" and gender != "Female":
            family = "Uddin"
        return given, family

    def phone(self) -> str:
        return f"07700 900{self.rng.randrange(1000):03d}"

    def address(self, towns: Sequence[tuple[str, str]]) -> tuple[str, str]:
        rng = self.rng
        town, outward = rng.choice(towns)
        street = f"{rng.choice(_STREET_FIRST)} {rng.choice(_STREET_SUFFIX)}"
        if rng.random() < 0.3:
            building = f"{rng.choice(_STREET_FIRST)} {rng.choice(_BUILDINGS)}"
            line = f"Flat {rng.randint(1, 48)}, {building}, {street}, {town}"
        else:
            line = f"{rng.randint(1, 160)} {street}, {town}"
        postcode = f"{outward} {rng.randint(1, 9)}{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}"
        return line, postcode

    def dob_for(self, age: int, on: date) -> date:
        return on - timedelta(days=int(age * 365.25) + self.rng.randrange(0, 360))

    def person(self, *, gender: str, age: int, on: date, created: datetime, towns: Sequence[tuple[str, str]],
               eth: _Ethnicity | None = None, contact: bool = True, family: str | None = None,
               disability_p: float = 0.08, lgbt: bool | None = None, address: tuple[str, str] | None = None,
               notes: str = "") -> _Person:
        rng = self.rng
        eth = eth or self.pick_ethnicity()
        given, fam = self.name_for(eth, gender)
        if family is not None:
            fam = family
        pid = self.nid(m.Person)
        dob = self.dob_for(age, on) if rng.random() > 0.02 or age < 18 else None
        if lgbt is None and age >= 16:
            lgbt = rng.random() < 0.03
        language, interpreter = "English", False
        if eth.languages and age >= 16:
            if rng.random() < eth.interpreter * 1.6:
                language = rng.choice(eth.languages)
                interpreter = rng.random() < 0.6
        line, postcode = address if address is not None else (self.address(towns) if contact else ("", ""))
        safe = None
        safe_times = ""
        phone = ""
        if contact:
            phone = self.phone()
            safe = rng.random() < 0.65 if rng.random() < 0.85 else None
            if safe:
                safe_times = rng.choice(("Weekdays 10:00–14:00", "Mornings only", "Any time", "After 18:00",
                                         "School hours only"))
        self.w.add(
            m.Person, id=pid, given_name=given, family_name=fam, given_norm=normalise_name(given),
            family_norm=normalise_name(fam), given_key=name_key(first_word(given)), family_key=name_key(fam),
            date_of_birth=dob, gender=gender, address=line, postcode=postcode,
            phone=phone, safe_to_call=safe, safe_times=safe_times, contact_notes=notes, ethnicity=eth.label,
            racially_minoritised=eth.minoritised, disability=(rng.random() < disability_p) if age >= 16 else None,
            lgbt=lgbt, language=language, interpreter_needed=interpreter, created_at=created,
        )
        return _Person(pid, given, fam, gender, dob, eth, lgbt)

    def alias(self, person: _Person, alias: str) -> None:
        self.w.add(m.PersonAlias, id=self.nid(m.PersonAlias), person_id=person.id, alias=alias,
                   alias_norm=normalise_name(alias), alias_key=name_key(last_word(alias)))

    def when(self, day: date, lo: int = 8, hi: int = 17) -> datetime:
        return _at(day, self.rng.randint(lo, hi), self.rng.choice((0, 5, 10, 15, 20, 30, 40, 45, 50)))

    def member_of(self, agency_key_or_id: str | int) -> tuple[int, str, int | None]:
        if isinstance(agency_key_or_id, str):
            return self.rng.choice(self.members[agency_key_or_id])
        return self.rng.choice(self.member_by_agency_id[agency_key_or_id])

    # -- the run

    def run(self) -> None:
        self.report(1, "Creating agencies, members and user accounts")
        self.setup_agencies_and_people()
        self.report(2, "Setting up panels and their meetings")
        runs = self.setup_panels()
        self.report(self.percent(), "Creating cases, meetings and actions")
        for run in runs:
            self.report(self.percent(), f"Generating {run.spec.name}")
            kind = run.spec.type
            if kind is PanelType.MARAC:
                self.marac(run)
            elif kind is PanelType.CSVG:
                self.csvg(run)
            elif kind is PanelType.CARM:
                self.carm(run)
            elif kind is PanelType.SOCP:
                self.socp(run)
            else:
                self.executive(run)
            self.finish_panel(run)
        self.report(95, "Writing the last records")
        self.w.add(
            m.Partnership, id=self.nid(m.Partnership), name=self.spec.partnership_name,
            protective_marking=DEFAULT_MARKING, confidentiality_statement=_CONFIDENTIALITY, amber_days=14,
            small_number_threshold=5, population_adults=self.spec.population_adults,
            population_adult_women=self.spec.population_adult_women,
            settings={"demo": True, "demo_scale": str(self.scale), "demo_seed": self.seed,
                      "demo_today": self.today.isoformat()},
            created_at=_at(self.start, 9),
        )
        self.w.flush()
        self.advance_sequences()

    def advance_sequences(self) -> None:
        """Ids were assigned here, not by the server: on PostgreSQL move each id sequence past them
        so that the application's own inserts carry on from there. (SQLite needs nothing.)"""
        if self.conn.dialect.name != "postgresql":
            return
        quote = self.conn.dialect.identifier_preparer.quote
        for table in self.w.tables:
            if table.name in self.next_ids and self.w.counts[table.name]:
                name = quote(table.name)
                self.conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"
                )

    # -- agencies, members, users

    def setup_agencies_and_people(self) -> None:
        rng = self.rng
        created = _at(self.start, 9)
        specs = _AGENCIES + self.spec.extra_agencies
        for a in specs:
            aid = self.nid(m.Agency)
            self.agency_ids[a.key] = aid
            self.w.add(m.Agency, id=aid, name=a.name, short_code=a.code, sector=a.sector.value, is_active=True)
        # Accounts first (members point at them).
        wanted: dict[str, list[_UserSpec]] = {}
        for u in _USERS:
            wanted.setdefault(u.agency, []).append(u)
        for a in specs:
            self.members[a.key] = []
            n = rng.randint(*self.spec.members_per_agency)
            people: list[tuple[str, _UserSpec | None]] = [(u.title, u) for u in wanted.get(a.key, [])]
            for i in range(max(0, n - len(people))):
                people.append((a.titles[i % len(a.titles)], None))
            for title, user in people:
                eth = self.pick_ethnicity() if rng.random() < 0.5 else _WHITE_BRITISH
                gender = "Female" if rng.random() < 0.62 else "Male"
                given, family = self.name_for(eth, gender)
                name = f"{given} {family}"
                uid = None
                if user is not None:
                    uid = self.nid(m.UserAccount)
                    self.w.add(m.UserAccount, id=uid, username=user.username, display_name=name,
                               agency_id=self.agency_ids[a.key], role=user.role.value, is_active=True,
                               password_hash=None, failed_logins=0, locked_at=None, created_at=created)
                mid = self.nid(m.Member)
                slug = normalise_name(f"{given} {family}").replace(" ", ".")
                self.w.add(m.Member, id=mid, agency_id=self.agency_ids[a.key], name=name, role_title=title,
                           email=f"{slug}@{a.code.lower()}.example", phone=self.phone(), user_id=uid, is_active=True)
                self.members[a.key].append((mid, name, uid))
                self.member_agency[mid] = self.agency_ids[a.key]
                if user is not None:
                    self.users[user.username] = (uid, mid, name)
            self.member_by_agency_id[self.agency_ids[a.key]] = self.members[a.key]

    def setup_panels(self) -> list[_PanelRun]:
        created = _at(self.start, 9)
        runs: list[_PanelRun] = []
        for p in self.spec.panels:
            pid = self.nid(m.Panel)
            self.w.add(m.Panel, id=pid, name=p.name, panel_type=p.type.value, ref_prefix=p.prefix,
                       description=p.description, minutes_per_case=15, repeat_window_months=12,
                       escalation_incidents=3, dash_threshold=14, retention_years=6,
                       uses_strands=p.type is PanelType.SOCP, is_active=True, created_at=created)
            councils = [self.agency_ids[_AREA_COUNCIL[a]] for a in p.areas]
            housing = sorted({self.agency_ids[_AREA_HOUSING[a]] for a in p.areas})
            if p.type in (PanelType.MARAC, PanelType.PARTNERSHIP, PanelType.SOCP):
                housing = [self.agency_ids["golding"], self.agency_ids["optivo"]]
            core_keys, optional_keys = _PANEL_AGENCIES[p.type]

            def resolve(keys: tuple[str, ...]) -> list[int]:
                out: list[int] = []
                for k in keys:
                    ids = councils if k == "council" else housing if k == "housing" else [self.agency_ids[k]]
                    out.extend(i for i in ids if i not in out)
                return out

            core = resolve(core_keys)
            optional = [i for i in resolve(optional_keys) if i not in core]
            for aid in core:
                self.w.add(m.PanelAgency, panel_id=pid, agency_id=aid, is_core=True)
            for aid in optional:
                self.w.add(m.PanelAgency, panel_id=pid, agency_id=aid, is_core=False)
            agencies = {k: self.agency_ids[k] for k in self.agency_ids}
            towns = tuple(t for a in p.areas for t in _AREAS[a])
            run = _PanelRun(spec=p, id=pid, agencies=agencies, core_agency_ids=core, optional_agency_ids=optional,
                            councils=councils, housing=housing, meetings=[], meeting_days=[], towns=towns)
            runs.append(run)
        # Need to know: each account sees the panels of its types (the administrator sees all).
        for u in _USERS:
            uid = self.users[u.username][0]
            for run in runs:
                if u.panels is None or run.spec.type in u.panels:
                    self.w.add(m.PanelMembership, panel_id=run.id, user_id=uid)
        for run in runs:
            self.make_meetings(run)
        return runs

    # -- meetings

    def make_meetings(self, run: _PanelRun) -> None:
        rng = self.rng
        p = run.spec
        first = self.start + timedelta(days=(p.weekday - self.start.weekday()) % 7)
        chair = self.users[_CHAIR_OF[p.type]]
        coord = self.users[_COORD_OF[p.type]]
        day = first
        index = 0
        while day <= self.horizon:
            this_day = day
            day += timedelta(days=p.every_days)
            if (this_day.month == 12 and this_day.day >= 23) or (this_day.month == 1 and this_day.day <= 2):
                continue  # no meetings over Christmas
            mid = self.nid(m.Meeting)
            starts = _at(this_day, p.hour, p.minute)
            past = this_day < self.today
            finalised_at = None
            finalised_by = None
            if not past:
                status = MeetingStatus.PLANNED
            elif this_day + timedelta(days=7) <= self.today:
                status = MeetingStatus.FINALISED
                finalised_at = _at(this_day + timedelta(days=rng.randint(2, 6)), rng.randint(9, 16), rng.randint(0, 59))
                finalised_by = coord[0]
            else:
                status = MeetingStatus.HELD
            venue = p.venue if rng.random() < 0.75 else "Microsoft Teams (virtual meeting)"
            self.w.add(m.Meeting, id=mid, panel_id=run.id, starts_at=starts, venue=venue,
                       chair_member_id=chair[1], minute_taker_member_id=coord[1], status=status.value,
                       finalised_at=finalised_at, finalised_by_user_id=finalised_by,
                       created_at=_at(min(this_day - timedelta(days=28), self.today - timedelta(days=1)), 9),
                       version=1)
            run.meetings.append(_Meeting(mid, index, this_day, starts, past, status))
            run.meeting_days.append(this_day)
            index += 1
            if past:
                self.attendance(run, mid, chair, coord)

    def attendance(self, run: _PanelRun, meeting_id: int, chair: tuple[int, int, str],
                   coord: tuple[int, int, str]) -> None:
        rng = self.rng
        chair_agency = self.agency_of_member(chair[1])
        coord_agency = self.agency_of_member(coord[1])
        seen: set[int] = set()
        for aid in run.core_agency_ids + run.optional_agency_ids:
            core = aid in run.core_agency_ids
            if not core and rng.random() > 0.4:
                continue
            people = []
            if aid == chair_agency:
                people.append((chair[1], chair[2]))
            if aid == coord_agency and coord[1] != chair[1]:
                people.append((coord[1], coord[2]))
            if not people:
                mid, name, _ = self.member_of(aid)
                people.append((mid, name))
            for mid, name in people:
                if mid in seen:
                    continue
                seen.add(mid)
                if (mid == chair[1] or mid == coord[1]) or not core:
                    status = AttendanceStatus.PRESENT
                else:
                    r = rng.random()
                    status = (AttendanceStatus.PRESENT if r < 0.8 else AttendanceStatus.APOLOGIES if r < 0.94
                              else AttendanceStatus.ABSENT)
                info = status is AttendanceStatus.APOLOGIES and rng.random() < 0.7
                self.w.add(m.Attendance, id=self.nid(m.Attendance), meeting_id=meeting_id, agency_id=aid,
                           member_id=mid, attendee_name=name, status=status.value, information_sent=info,
                           is_observer=False, confidentiality_signed=status is AttendanceStatus.PRESENT)
        if rng.random() < 0.15:
            aid = rng.choice(run.core_agency_ids)
            given, family = self.name_for(_WHITE_BRITISH if rng.random() < 0.8 else self.pick_ethnicity(),
                                          rng.choice(("Female", "Male")))
            role = rng.choice(("student social worker", "newly appointed IDVA", "trainee analyst",
                               "new neighbourhood sergeant"))
            self.w.add(m.Attendance, id=self.nid(m.Attendance), meeting_id=meeting_id, agency_id=aid, member_id=None,
                       attendee_name=f"{given} {family} (observer, {role})", status=AttendanceStatus.PRESENT.value,
                       information_sent=False, is_observer=True, confidentiality_signed=True)

    def agency_of_member(self, member_id: int) -> int | None:
        return self.member_agency.get(member_id)

    def meeting_on_or_after(self, run: _PanelRun, day: date) -> _Meeting | None:
        i = bisect.bisect_left(run.meeting_days, day)
        return run.meetings[i] if i < len(run.meetings) else None

    # -- the life of a referral

    def referral_dates(self, run: _PanelRun, count: int) -> list[date]:
        # From a fortnight before the first meeting, so that it has cases to hear too.
        first = self.start - timedelta(days=14)
        span = (self.today - first).days
        days = sorted(first + timedelta(days=self.rng.randrange(span)) for _ in range(count))
        # The newest referral or two came in yesterday and wait to be triaged.
        fresh = min(len(days) - 1, self.rng.randint(1, 2))
        return days[: len(days) - fresh] + [self.today - timedelta(days=1)] * fresh

    def case_count(self, run: _PanelRun) -> int:
        expected = run.spec.per_year * self.spec.years
        return max(1, round(expected * self.rng.uniform(0.96, 1.04)))

    def reference(self, run: _PanelRun, day: date) -> tuple[str, int, int]:
        seq = run.seq.get(day.year, 0) + 1
        run.seq[day.year] = seq
        return case_reference(run.spec.prefix, day.year, seq), day.year, seq

    def flow(self, run: _PanelRun, referred: date, *, first_listing: Listing, lead: tuple[int, int],
             decline_p: float, reviews: int, gap: tuple[int, int], close_at_last: bool) -> _Flow:
        """Received → Accepted (or Declined) → Listed → Open → Closed, against the panel's meetings."""
        rng = self.rng
        t0 = self.when(referred)
        changes: list[tuple[datetime, CaseStatus | None, CaseStatus, str]] = [(t0, None, CaseStatus.RECEIVED, "")]
        age = (self.today - referred).days
        kind = run.spec.type
        if age > 4 and rng.random() < decline_p:
            reason = rng.choice(_DECLINE_REASONS[kind])
            changes.append((t0 + timedelta(hours=rng.randint(3, 72)), CaseStatus.RECEIVED, CaseStatus.DECLINED, reason))
            return _Flow(CaseStatus.DECLINED, changes, [], status_reason=reason)
        if age <= 1 or (age == 2 and rng.random() < 0.5):
            return _Flow(CaseStatus.RECEIVED, changes, [])
        t_acc = min(t0 + timedelta(hours=rng.randint(1, 30)), max(self.latest, t0 + timedelta(minutes=10)))
        changes.append((t_acc, CaseStatus.RECEIVED, CaseStatus.ACCEPTED, ""))
        first = self.meeting_on_or_after(run, referred + timedelta(days=rng.randint(*lead)))
        if first is None or (not first.past and age <= 6 and rng.random() < 0.35):
            return _Flow(CaseStatus.ACCEPTED, changes, [])
        t_list = min(t_acc + timedelta(hours=rng.randint(1, 48)), first.starts_at - timedelta(hours=2), self.latest)
        t_list = max(t_list, t_acc + timedelta(minutes=10))
        changes.append((t_list, CaseStatus.ACCEPTED, CaseStatus.LISTED, ""))
        hearings: list[tuple[_Meeting, Listing]] = [(first, first_listing)]
        if not first.past:
            return _Flow(CaseStatus.LISTED, changes, hearings, review_date=first.day)
        changes.append((first.starts_at + timedelta(hours=3), CaseStatus.LISTED, CaseStatus.OPEN, ""))
        index = first.index
        planned_review: date | None = None
        for _ in range(reviews):
            index += rng.randint(*gap)
            if index >= len(run.meetings):
                break
            mt = run.meetings[index]
            hearings.append((mt, Listing.REVIEW))
            if not mt.past:
                planned_review = mt.day
                break
        last = hearings[-1][0] if planned_review is None else hearings[-2][0]
        if planned_review is not None:
            return _Flow(CaseStatus.OPEN, changes, hearings, review_date=planned_review)
        ran_out = len(hearings) - 1 < reviews
        # A few cases linger open (the tracker's stale cases); hardly any for years.
        linger = 0.07 if last.day > self.today - timedelta(days=180) else 0.005
        if kind is PanelType.MARAC:
            closes = last.day + timedelta(days=42) < self.today and rng.random() >= linger
            closed_on = last.day + timedelta(days=rng.randint(10, 40)) if closes else None
        else:
            closes = close_at_last and not ran_out and rng.random() >= linger
            closed_on = last.day if closes else None
        if closed_on is None or closed_on >= self.today:
            return _Flow(CaseStatus.OPEN, changes, hearings,
                         review_date=last.day + timedelta(days=28 if kind is PanelType.MARAC else 14))
        outcome = rng.choice(_CLOSED_OUTCOMES.get(kind, ("Closed.",)))
        t_close = self.when(closed_on) if closed_on != last.day else last.starts_at + timedelta(hours=4)
        changes.append((t_close, CaseStatus.OPEN, CaseStatus.CLOSED, outcome))
        status = CaseStatus.CLOSED
        if self.spec.archive_after_years:
            archive_day = closed_on + timedelta(days=round(365.25 * self.spec.archive_after_years))
            if archive_day < self.today:
                changes.append((self.when(archive_day), CaseStatus.CLOSED, CaseStatus.ARCHIVED,
                                "Retention period reached; archived."))
                status = CaseStatus.ARCHIVED
        flow = _Flow(status, changes, hearings, closed_on=closed_on)
        flow.status_reason = outcome
        return flow

    def write_case(self, run: _PanelRun, *, case_id: int, referred: date, flow: _Flow, agency_id: int,
                   referrer: str, reason: str, summary: str, subject_kind: SubjectKind, person_id: int | None = None,
                   group_id: int | None = None, location_id: int | None = None, risk: RiskLevel | None = None,
                   repeat_of: int | None = None, extra: dict[str, Any] | None = None) -> None:
        ref, year, seq = self.reference(run, referred)
        coord_uid = self.users[_COORD_OF[run.spec.type]][0]
        outcome = flow.status_reason if flow.status in (CaseStatus.CLOSED, CaseStatus.ARCHIVED) else ""
        status_reason = flow.status_reason if flow.status is CaseStatus.DECLINED else ""
        values: dict[str, Any] = dict(
            id=case_id, panel_id=run.id, reference=ref, ref_year=year, ref_seq=seq, referral_date=referred,
            referring_agency_id=agency_id, referrer_name=referrer, reason=reason, summary=summary,
            subject_kind=subject_kind.value, subject_person_id=person_id, subject_group_id=group_id,
            subject_location_id=location_id, status=flow.status.value, status_reason=status_reason, outcome=outcome,
            closed_on=flow.closed_on, review_date=flow.review_date, repeat_of_case_id=repeat_of,
            risk_level=risk.value if risk is not None else None, created_at=flow.changes[0][0],
            updated_at=flow.changes[-1][0], version=1,
        )
        if extra:
            values.update(extra)
        self.w.add(m.Case, **values)
        for at, old, new, why in flow.changes:
            self.w.add(m.CaseStatusChange, id=self.nid(m.CaseStatusChange), case_id=case_id,
                       from_status=old.value if old is not None else None, to_status=new.value, reason=why, at=at,
                       by_user_id=coord_uid)

    def case_person(self, case_id: int, person_id: int, role: PersonRole, *, to_victim: str = "",
                    to_perpetrator: str = "", school: str = "", notes: str = "") -> None:
        self.w.add(m.CasePerson, id=self.nid(m.CasePerson), case_id=case_id, person_id=person_id, role=role.value,
                   relationship_to_victim=to_victim, relationship_to_perpetrator=to_perpetrator, school=school,
                   notes=notes)

    def referrer(self, agency_key: str) -> str:
        rng = self.rng
        eth = _WHITE_BRITISH if rng.random() < 0.8 else self.pick_ethnicity()
        given, family = self.name_for(eth, rng.choice(("Female", "Male")))
        if agency_key == "police":
            return f"{rng.choice(('PC', 'PC', 'DC', 'PS'))} {given} {family}"
        titles = self.titles.get(agency_key, ("Officer",))
        return f"{given} {family}, {rng.choice(titles)}"

    # -- discussions and actions

    def hear(self, run: _PanelRun, case_id: int, ref_title: str, flow: _Flow, *, texts: Sequence[str],
             risks: Sequence[str], fmt: dict[str, Any], actions_for: _ActionsFor, subject_name: str,
             group_id: int | None = None, outcome_notes: str = "") -> None:
        """Agenda items for each hearing of a case, with the actions agreed and what became of them."""
        rng = self.rng
        finished_by = flow.closed_on
        past_hearings = [h for h in flow.hearings if h[0].past]
        for n, (mt, listing) in enumerate(flow.hearings):
            item_id = self.nid(m.AgendaItem)
            item: dict[str, Any] = dict(id=item_id, kind=AgendaItemKind.CASE.value, case_id=case_id,
                                        listing=listing.value, title=ref_title, minutes_allowed=15, discussion="",
                                        risks="", decision=None, decision_notes="", _order=(listing is Listing.REVIEW,
                                                                                           case_id))
            mt.items.append(item)
            if not mt.past:
                continue
            fmt["n"] = rng.randint(2, 9)
            sentences = rng.sample(list(texts), k=min(len(texts), rng.randint(2, 4)))
            item["discussion"] = " ".join(s.format(**fmt) for s in sentences)
            item["risks"] = " ".join(rng.sample(list(risks), k=min(len(risks), rng.randint(1, 2))))
            is_last = n == len(past_hearings) - 1
            if is_last and flow.closed_on is not None and flow.closed_on == mt.day:
                item["decision"] = (Decision.REFER_ON if "Refer" in outcome_notes or "Step down" in outcome_notes
                                    else Decision.CLOSE).value
                item["decision_notes"] = outcome_notes or "Close: actions complete and risk reduced."
            elif is_last and run.spec.type is PanelType.MARAC and len(past_hearings) == len(flow.hearings):
                item["decision"] = Decision.CLOSE.value
                item["decision_notes"] = "Close at MARAC once the actions agreed are completed; coordinator to monitor."
            else:
                item["decision"] = Decision.CONTINUE.value
                item["decision_notes"] = "Continue; review at a future meeting."
            for agency_id, text, strand in actions_for(n, listing is not Listing.REVIEW):
                self.action(run, mt, item_id, case_id=case_id, group_id=group_id, agency_id=agency_id, text=text,
                            strand=strand, finished_by=finished_by, subject_name=subject_name)

    def pick_actions(self, run: _PanelRun, templates: Sequence[tuple[str, str, Any]], count: int, fmt: dict[str, Any],
                     *, children: bool, first: Sequence[int] = ()) -> list[tuple[int, str, Any]]:
        rng = self.rng
        chosen: list[int] = list(first)
        pool = [i for i in range(len(templates)) if i not in chosen and (children or templates[i][2] is not True)]
        rng.shuffle(pool)
        chosen.extend(pool[: max(0, count - len(chosen))])
        out: list[tuple[int, str, Any]] = []
        for i in chosen[:count]:
            key, text, extra = templates[i]
            if key == "council":
                agency_id = rng.choice(run.councils)
            elif key == "housing":
                agency_id = rng.choice(run.housing)
            else:
                agency_id = self.agency_ids[key]
            out.append((agency_id, text.format(**fmt), extra if isinstance(extra, Strand) else None))
        return out

    def action(self, run: _PanelRun, mt: _Meeting, item_id: int | None, *, case_id: int | None, group_id: int | None,
               agency_id: int, text: str, strand: Strand | None, finished_by: date | None, subject_name: str,
               due: date | None = None, extra: dict[str, Any] | None = None,
               status: ActionStatus | None = None, hold_reasons: Sequence[str] = _ON_HOLD_REASONS,
               stop_reasons: Sequence[str] = _DISCONTINUED_REASONS) -> None:
        rng = self.rng
        aid = self.nid(m.Action)
        member_id, owner, owner_uid = self.member_of(agency_id)
        created = mt.starts_at + timedelta(minutes=rng.randint(20, 150))
        if due is None:
            lo, hi = (14, 90) if run.spec.type is PanelType.SOCP else (7, 28)
            due = mt.day + timedelta(days=rng.randint(lo, hi))
        name = subject_name
        updates: list[tuple[datetime, ActionStatus | None, ActionStatus | None, str]] = []
        completed_on = None
        reason = ""
        today = self.today
        if status is None:
            r = rng.random()
            if finished_by is not None:
                status = ActionStatus.COMPLETED if r < 0.86 else ActionStatus.DISCONTINUED
            elif due < today - timedelta(days=60):
                status = (ActionStatus.COMPLETED if r < 0.78 else ActionStatus.DISCONTINUED if r < 0.88
                          else ActionStatus.ONGOING if r < 0.94 else ActionStatus.ON_HOLD if r < 0.97
                          else ActionStatus.OPEN)
            elif due < today:
                status = (ActionStatus.COMPLETED if r < 0.5 else ActionStatus.DISCONTINUED if r < 0.55
                          else ActionStatus.ONGOING if r < 0.77 else ActionStatus.OPEN if r < 0.9
                          else ActionStatus.ON_HOLD)
            else:
                status = (ActionStatus.COMPLETED if r < 0.12 else ActionStatus.DISCONTINUED if r < 0.15
                          else ActionStatus.ONGOING if r < 0.52 else ActionStatus.ON_HOLD if r < 0.59
                          else ActionStatus.OPEN)
        start_day = mt.day + timedelta(days=1)
        if start_day >= today:
            start_day = mt.day
        if status in (ActionStatus.COMPLETED, ActionStatus.DISCONTINUED):
            limit = finished_by if finished_by is not None else min(today - timedelta(days=1), due + timedelta(days=21))
            limit = min(max(limit, start_day), today - timedelta(days=1) if today - timedelta(days=1) >= start_day
                        else start_day)
            end_day = start_day + timedelta(days=rng.randint(0, max(0, (limit - start_day).days)))
            if status is ActionStatus.COMPLETED and rng.random() < 0.5 and end_day > start_day:
                mid_day = start_day + timedelta(days=rng.randint(0, (end_day - start_day).days - 1))
                updates.append((self.when(mid_day), ActionStatus.OPEN, ActionStatus.ONGOING,
                                rng.choice(_PROGRESS_NOTES)))
            old = updates[-1][2] if updates else ActionStatus.OPEN
            if status is ActionStatus.COMPLETED:
                completed_on = end_day
                note = rng.choice(_COMPLETED_NOTES)
            else:
                reason = rng.choice(stop_reasons).format(name=name)
                note = reason
            updates.append((self.when(end_day), old, status, note))
        elif status in (ActionStatus.ONGOING, ActionStatus.ON_HOLD):
            latest = max(start_day, min(today - timedelta(days=1), due))
            day = start_day + timedelta(days=rng.randint(0, max(0, (latest - start_day).days)))
            if status is ActionStatus.ON_HOLD:
                reason = rng.choice(hold_reasons).format(name=name)
                if rng.random() < 0.5 and day > start_day:
                    updates.append((self.when(start_day), ActionStatus.OPEN, ActionStatus.ONGOING,
                                    rng.choice(_PROGRESS_NOTES)))
                updates.append((self.when(day), updates[-1][2] if updates else ActionStatus.OPEN,
                                ActionStatus.ON_HOLD, reason))
            else:
                updates.append((self.when(day), ActionStatus.OPEN, ActionStatus.ONGOING, rng.choice(_PROGRESS_NOTES)))
        if updates and status in (ActionStatus.ONGOING, ActionStatus.ON_HOLD) and rng.random() < 0.2:
            at = updates[-1][0] + timedelta(hours=rng.randint(2, 30))
            if at.date() < today:
                updates.append((at, None, None, "Chased by the coordinator; owner confirmed it is in hand."))
        # Times never run before the action was agreed.
        updates = [(max(at, created + timedelta(minutes=5)), old, new, note) for at, old, new, note in updates]
        updates.sort(key=lambda u: u[0])
        values: dict[str, Any] = dict(
            id=aid, panel_id=run.id, case_id=case_id, group_id=group_id, meeting_id=mt.id, agenda_item_id=item_id,
            number="", heading="", text=text, outcome="", milestones="", timescale="", owner_agency_id=agency_id,
            owner_member_id=member_id, owner_name=owner, due_date=due, strand=strand.value if strand else None,
            status=status.value, status_reason=reason, completed_on=completed_on, created_at=created,
            updated_at=updates[-1][0] if updates else created, version=1,
        )
        if extra:
            values.update(extra)
        run.actions.append(values)
        for at, old, new, note in updates:
            run.updates.append(dict(id=self.nid(m.ActionUpdate), action_id=aid, at=at, by_user_id=owner_uid,
                                    by_name=owner, text=note, old_status=old.value if old else None,
                                    new_status=new.value if new else None))

    def finish_panel(self, run: _PanelRun) -> None:
        """Agenda items in order (with timings for meetings held), then the actions and their logs."""
        rng = self.rng
        for mt in run.meetings:
            cases = [i for i in mt.items if i["kind"] == AgendaItemKind.CASE.value]
            others = [i for i in mt.items if i["kind"] != AgendaItemKind.CASE.value]
            cases.sort(key=lambda i: i["_order"])
            review_first = [i for i in others if i["kind"] == AgendaItemKind.ACTIONS_REVIEW.value]
            rest = [i for i in others if i["kind"] != AgendaItemKind.ACTIONS_REVIEW.value]
            items: list[dict[str, Any]] = [dict(
                id=self.nid(m.AgendaItem), kind=AgendaItemKind.CONFIDENTIALITY.value, title="Confidentiality statement",
                minutes_allowed=5,
                discussion="The chair read the confidentiality statement; all present signed it." if mt.past else "",
            )]
            if not review_first:
                review_first = [dict(
                    id=self.nid(m.AgendaItem), kind=AgendaItemKind.ACTIONS_REVIEW.value,
                    title="Review of outstanding actions", minutes_allowed=10,
                    discussion=(f"Outstanding actions from previous meetings were reviewed; {rng.randint(2, 12)} "
                                "completed and the rest carried forward." if mt.past else ""),
                )]
            items += review_first + cases + rest
            items.append(dict(
                id=self.nid(m.AgendaItem), kind=AgendaItemKind.AOB.value, title="Any other business",
                minutes_allowed=10,
                discussion=(rng.choice(("No other business.", "Date of the next meeting confirmed.",
                                        "Partners reminded to send apologies with information in advance.",
                                        "Training dates on information sharing circulated."))
                            if mt.past else ""),
            ))
            clock = mt.starts_at
            for position, item in enumerate(items, start=1):
                allowed = item.get("minutes_allowed", 15)
                started = ended = None
                if mt.past:
                    spent = max(3, allowed + rng.randint(-4, 4))
                    started, ended = clock, clock + timedelta(minutes=spent)
                    clock = ended
                self.w.add(
                    m.AgendaItem, id=item["id"], meeting_id=mt.id, position=position, kind=item["kind"],
                    case_id=item.get("case_id"), listing=item.get("listing"), title=item.get("title", ""),
                    minutes_allowed=allowed, discussion=item.get("discussion", ""), risks=item.get("risks", ""),
                    decision=item.get("decision"), decision_notes=item.get("decision_notes", ""),
                    started_at=started, ended_at=ended, version=1,
                )
            mt.items = []
        for values in run.actions:
            self.w.add(m.Action, **values)
        for values in run.updates:
            self.w.add(m.ActionUpdate, **values)
        run.actions.clear()
        run.updates.clear()

    # -- MARAC

    def marac(self, run: _PanelRun) -> None:
        rng = self.rng
        count = self.case_count(run)
        last_case: dict[int, tuple[int, date, _Person, _Person | None, list[tuple[_Person, str, str, str]]]] = {}
        victims: list[int] = []  # victim person ids, in order of first referral
        referring = [("police", 0.6), ("idva", 0.12), ("nhs", 0.07), ("csc", 0.06), ("housing", 0.05),
                     ("probation", 0.03), ("mh", 0.02), ("forward", 0.02), ("vs", 0.02), ("asc", 0.01)]
        ref_keys = [k for k, _ in referring]
        ref_weights = [w for _, w in referring]
        window = timedelta(days=365)
        for referred in self.referral_dates(run, count):
            self.work()
            case_id = self.nid(m.Case)
            created = self.when(referred)
            repeat = None
            if rng.random() < 0.35:
                recent = [v for v in victims[-400:] if referred - window <= last_case[v][1] <= referred - timedelta(days=21)]
                if recent:
                    repeat = last_case[rng.choice(recent)]
            if repeat is not None:
                repeat_of, _, victim, perp, children = repeat
                if perp is None or rng.random() < 0.15:
                    perp = None
            else:
                repeat_of, victim, perp, children = None, None, None, []
            # The victim.
            if victim is None:
                r = rng.random()
                age = (rng.randint(16, 17) if r < 0.012 else rng.randint(18, 25) if r < 0.22
                       else rng.randint(26, 40) if r < 0.67 else rng.randint(41, 60) if r < 0.94
                       else rng.randint(61, 84))
                gender = "Male" if rng.random() < 0.05 else "Female"
                lgbt = rng.random() < 0.04
                notes = rng.choice(("Do not leave voicemail.", "Contact through the IDVA only.",
                                    "Perpetrator checks the phone; text first.", "Use work number in office hours.",
                                    "", ""))
                victim = self.person(gender=gender, age=age, on=referred, created=created, towns=run.towns,
                                     disability_p=0.12, lgbt=lgbt, notes=notes)
                if rng.random() < 0.06:
                    self.alias(victim, f"{victim.given} {rng.choice(_BRITISH_S)}")  # previous married name
                victims.append(victim.id)
            victim_age = (referred - victim.dob).days // 365 if victim.dob else 30
            relationship = rng.choices([r for r, _ in _RELATIONSHIPS], [w for _, w in _RELATIONSHIPS])[0]
            if perp is None:
                if victim_age < 18:
                    relationship = "ex-partner"
                    perp_age = rng.randint(16, 21)
                elif relationship == "son":
                    perp_age = max(16, victim_age - rng.randint(18, 30))
                elif relationship == "father":
                    perp_age = victim_age + rng.randint(20, 30)
                else:
                    perp_age = max(17, victim_age + rng.randint(-6, 9))
                lgbt_victim = bool(victim.lgbt) and relationship in ("ex-partner", "partner")
                if relationship in ("son", "father", "brother"):
                    perp_gender = "Male"
                elif victim.gender == "Female":
                    perp_gender = "Female" if lgbt_victim else "Male"
                else:
                    perp_gender = "Male" if lgbt_victim or rng.random() < 0.3 else "Female"
                same_home = relationship in ("partner", "husband", "son") and rng.random() < 0.6
                perp_eth = victim.eth if rng.random() < 0.8 else self.pick_ethnicity()
                perp = self.person(gender=perp_gender, age=perp_age, on=referred, created=created, towns=run.towns,
                                   eth=perp_eth, contact=rng.random() < 0.7, disability_p=0.05,
                                   lgbt=True if lgbt_victim else None,
                                   family=victim.family if relationship in ("husband", "son", "father", "brother")
                                   else None)
                if not same_home and rng.random() < 0.1:
                    self.alias(perp, rng.choice(("Dan", "Jay", "Mack", "Tommo", "Big G", "Ricky", "Mo", "Kris")))
                # A repeat with a new perpetrator: the children are not theirs.
                children = [(child, word, "no relation", school) for child, word, _, school in children]
            # Children (kept for repeats; new households get 0–3).
            if repeat is None:
                children = []
                n_children = rng.choices((0, 1, 2, 3), (0.4, 0.24, 0.2, 0.16))[0] if victim_age >= 18 else 0
                for _ in range(n_children):
                    c_age = rng.randint(0, min(17, max(0, victim_age - 16)))
                    c_gender = rng.choice(("Female", "Male"))
                    shared = rng.random() < 0.7 and relationship not in ("son", "father", "brother")
                    child = self.person(gender=c_gender, age=c_age, on=referred, created=created, towns=run.towns,
                                        eth=victim.eth, contact=False,
                                        family=perp.family if shared and rng.random() < 0.6 else victim.family)
                    word = "daughter" if c_gender == "Female" else "son"
                    to_perp = word if shared else ("step" + word if relationship in ("partner", "husband") else "no relation")
                    school = (rng.choice(_SCHOOLS) if c_age >= 4 else rng.choice(_NURSERIES) if c_age >= 2 else "")
                    children.append((child, word, to_perp, school))
            # Risk and criteria.
            r = rng.random()
            if r < 0.74:
                score, crit_pj, crit_esc = rng.randint(14, 22), False, rng.random() < 0.12
            elif r < 0.88:
                score, crit_pj, crit_esc = rng.randint(7, 13), True, rng.random() < 0.2
            else:
                score, crit_pj, crit_esc = rng.randint(6, 13), False, True
            incidents = rng.randint(3, 9) if crit_esc else rng.randint(0, 2)
            pj_reason = rng.choice(_PJ_REASONS) if crit_pj else ""
            agency_key = rng.choices(ref_keys, ref_weights)[0]
            agency_id = rng.choice(run.housing) if agency_key == "housing" else self.agency_ids[agency_key]
            referrer = self.referrer(agency_key)
            incident_day = referred - timedelta(days=rng.randint(0, 10))
            reason = (f"DASH {score}/24 after {rng.choice(_INCIDENTS)} on {incident_day:%d %B %Y}."
                      + (" Repeat referral within 12 months." if repeat is not None else ""))
            summary = " ".join(rng.sample(_MARAC_SUMMARY, 2)).format(years=rng.randint(1, 15), months=rng.randint(1, 11))
            flow = self.flow(run, referred, first_listing=Listing.REPEAT if repeat is not None else Listing.NEW,
                             lead=(5, 12), decline_p=0.03, reviews=1 if rng.random() < 0.15 else 0, gap=(2, 3),
                             close_at_last=False)
            consent = rng.random() < 0.6
            # The criteria and risk level by the domain's one rule, as a typed referral gets them.
            met = marac_criteria(yes_count=score, professional_judgement=crit_pj, police_incidents_12m=incidents,
                                 repeat=repeat is not None)
            extra = dict(
                crit_visible_high_risk=met.visible_high_risk, crit_professional_judgement=crit_pj,
                professional_judgement_reason=pj_reason, crit_escalation=met.potential_escalation,
                police_incidents_12m=incidents,
                crit_repeat=repeat is not None, victim_aware=rng.random() < 0.88, consent_given=consent,
                lawful_basis=("Consent given by the victim." if consent else
                              "Shared without consent to prevent serious harm: UK GDPR Art. 6(1)(e) and 9(2)(g); "
                              "Crime and Disorder Act 1998 s.115."),
            )
            risk = met.risk_level
            assert risk is not None and met.band is not None  # every demo referral has a DASH
            self.write_case(run, case_id=case_id, referred=referred, flow=flow, agency_id=agency_id,
                            referrer=referrer, reason=reason, summary=summary, subject_kind=SubjectKind.PERSON,
                            person_id=victim.id, risk=risk, repeat_of=repeat_of, extra=extra)
            self.case_person(case_id, victim.id, PersonRole.VICTIM, to_perpetrator=relationship)
            self.case_person(case_id, perp.id, PersonRole.PERPETRATOR, to_victim=relationship)
            for child, word, to_perp, school in children:
                self.case_person(case_id, child.id, PersonRole.CHILD, to_victim=word, to_perpetrator=to_perp,
                                 school=school)
            # The DASH checklist.
            ra_id = self.nid(m.RiskAssessment)
            self.w.add(m.RiskAssessment, id=ra_id, kind=AssessmentKind.DASH.value, case_id=case_id, group_id=None,
                       assessed_on=incident_day, assessor=referrer, score=score, risk_level=met.band.value,
                       notes=(f"Professional judgement: {pj_reason}" if crit_pj else
                              f"{incidents} police-reported incidents in 12 months." if crit_esc else ""),
                       created_at=created, tool_id=DASH_2009, tool_version="2009")
            yes = set(rng.sample(range(DASH_QUESTION_COUNT), score))
            for q in range(DASH_QUESTION_COUNT):
                value = "yes" if q in yes else ("dont_know" if rng.random() < 0.12 else "no")
                self.w.add(m.RiskAnswer, assessment_id=ra_id, item=f"q{q + 1:02d}", value=value,
                           source="Victim" if rng.random() < 0.9 else "Officer's observation")
            # Hearings and actions.
            school = next((c[3] for c in children if c[3] in _SCHOOLS), rng.choice(_SCHOOLS))
            fmt = {"name": victim.given, "school": school}
            has_children = bool(children)
            lo, hi = self.spec.new_actions
            rlo, rhi = self.spec.review_actions

            def actions_for(n: int, new: bool) -> list[tuple[int, str, Strand | None]]:
                count = rng.randint(lo, hi) if new else rng.randint(rlo, rhi)
                return self.pick_actions(run, _MARAC_ACTIONS, count, fmt, children=has_children,
                                         first=(6, 0) if new else ())

            texts = _MARAC_DISCUSSION if has_children else _MARAC_DISCUSSION_NO_CHILDREN
            self.hear(run, case_id, f"{self.last_reference(run, referred)}", flow, texts=texts,
                      risks=_MARAC_RISKS if has_children else _MARAC_RISKS_NO_CHILDREN, fmt=fmt,
                      actions_for=actions_for, subject_name=victim.given)
            last_case[victim.id] = (case_id, referred, victim, perp, children)

    def last_reference(self, run: _PanelRun, day: date) -> str:
        return case_reference(run.spec.prefix, day.year, run.seq[day.year])

    # -- CSVG

    def csvg(self, run: _PanelRun) -> None:
        rng = self.rng
        count = self.case_count(run)
        flags_p = [(VulnerabilityFlag.MENTAL_HEALTH, 0.7), (VulnerabilityFlag.SUBSTANCE_MISUSE, 0.48),
                   (VulnerabilityFlag.SELF_NEGLECT, 0.16), (VulnerabilityFlag.EXPLOITATION, 0.13),
                   (VulnerabilityFlag.HOMELESSNESS, 0.14), (VulnerabilityFlag.LEARNING_DISABILITY, 0.1),
                   (VulnerabilityFlag.DOMESTIC_ABUSE, 0.12), (VulnerabilityFlag.ASB_VICTIM, 0.4),
                   (VulnerabilityFlag.ASB_PERPETRATOR, 0.33)]
        referring = [("council", 0.3), ("police", 0.3), ("housing", 0.18), ("mh", 0.06), ("nhs", 0.04),
                     ("fire", 0.05), ("asc", 0.05), ("forward", 0.02)]
        ref_keys = [k for k, _ in referring]
        ref_weights = [w for _, w in referring]
        closed_people: list[tuple[int, _Person]] = []
        locations: list[tuple[int, str]] = []
        for referred in self.referral_dates(run, count):
            self.work()
            case_id = self.nid(m.Case)
            created = self.when(referred)
            flags = [f for f, p in flags_p if rng.random() < p] or [VulnerabilityFlag.MENTAL_HEALTH]
            r = rng.random()
            risk = RiskLevel.HIGH if r < 0.25 else RiskLevel.MEDIUM if r < 0.75 else RiskLevel.LOW
            repeat_of = None
            people: list[tuple[_Person, PersonRole]] = []
            kind_r = rng.random()
            subject_kind = SubjectKind.PERSON
            person_id = group_id = location_id = None
            if kind_r < 0.07 and closed_people:
                repeat_of, subject = rng.choice(closed_people[-200:])
                people.append((subject, PersonRole.SUBJECT))
                person_id = subject.id
            elif kind_r < 0.85:
                subject = self.person(gender="Female" if rng.random() < 0.48 else "Male", age=rng.randint(18, 89),
                                      on=referred, created=created, towns=run.towns, disability_p=0.25,
                                      notes=rng.choice(("", "", "Prefers home visits.", "Hard of hearing.",
                                                        "Dog at the property; visit in pairs.")))
                people.append((subject, PersonRole.SUBJECT))
                person_id = subject.id
            elif kind_r < 0.93:
                subject_kind = SubjectKind.GROUP
                line, postcode = self.address(run.towns)
                group_id = self.nid(m.SubjectGroup)
                gname = f"Household at {line}"
                self.w.add(m.SubjectGroup, id=group_id, kind=GroupKind.HOUSEHOLD.value, reference=None, name=gname,
                           name_norm=normalise_name(gname), description="Household referred for ASB and vulnerability.",
                           status=GroupStatus.ACTIVE.value, lead_officer_member_id=None, archived_on=None,
                           archive_reason="", archive_approved_by="", created_at=created)
                family = None
                for k in range(rng.randint(2, 4)):
                    age = rng.randint(18, 70) if k < 2 else rng.randint(2, 17)
                    person = self.person(gender=rng.choice(("Female", "Male")), age=age, on=referred, created=created,
                                         towns=run.towns, family=family, address=(line, postcode),
                                         contact=k == 0)
                    family = family or person.family
                    self.w.add(m.GroupPerson, group_id=group_id, person_id=person.id,
                               role="householder" if k == 0 else "resident")
                    people.append((person, PersonRole.HOUSEHOLD_MEMBER))
                subject = people[0][0]
            else:
                subject_kind = SubjectKind.LOCATION
                if not locations or rng.random() < 0.5:
                    label, loc_kind = rng.choice(_LOCATIONS_CSVG)
                    town = rng.choice(run.towns)
                    location_id = self.nid(m.Location)
                    lname = f"{town[0]} {label}"
                    self.w.add(m.Location, id=location_id, name=lname, name_norm=normalise_name(lname), kind=loc_kind,
                               address=f"{label.capitalize()}, {town[0]}",
                               postcode=f"{town[1]} {rng.randint(1, 9)}{rng.choice(_INWARD_LETTERS)}"
                               f"{rng.choice(_INWARD_LETTERS)}", created_at=created)
                    locations.append((location_id, lname))
                else:
                    location_id, lname = rng.choice(locations)
                for _ in range(rng.randint(0, 3)):
                    person = self.person(gender=rng.choice(("Female", "Male")), age=rng.randint(18, 60), on=referred,
                                         created=created, towns=run.towns, contact=rng.random() < 0.5)
                    self.w.add(m.LocationPerson, location_id=location_id, person_id=person.id,
                               role=rng.choice(("seen at location", "linked to ASB at location", "rough sleeping")))
                    people.append((person, PersonRole.PERSON_OF_CONCERN))
                subject = people[0][0] if people else None
            agency_key = rng.choices(ref_keys, ref_weights)[0]
            agency_id = (rng.choice(run.councils) if agency_key == "council" else rng.choice(run.housing)
                         if agency_key == "housing" else self.agency_ids[agency_key])
            referrer = self.referrer("sbc" if agency_key == "council" else "golding" if agency_key == "housing"
                                     else agency_key)
            reason = rng.choice(_CSVG_REASONS)
            summary = ("Flags: " + ", ".join(f.label for f in flags) + ". "
                       + rng.choice(("Known to several agencies; no coordinated plan yet.",
                                     "First referral to the group.", "Previous single-agency work has not reduced the risk.",
                                     "Situation has deteriorated over the last month.")))
            flow = self.flow(run, referred, first_listing=Listing.REPEAT if repeat_of else Listing.NEW, lead=(2, 6),
                             decline_p=0.06, reviews=rng.choices((0, 1, 2, 3), (0.5, 0.34, 0.12, 0.04))[0],
                             gap=(2, 4), close_at_last=True)
            self.write_case(run, case_id=case_id, referred=referred, flow=flow, agency_id=agency_id,
                            referrer=referrer, reason=reason, summary=summary, subject_kind=subject_kind,
                            person_id=person_id, group_id=group_id, location_id=location_id, risk=risk,
                            repeat_of=repeat_of)
            seen: set[int] = set()
            for person, role in people:
                if person.id not in seen:
                    seen.add(person.id)
                    self.case_person(case_id, person.id, role)
            for flag in flags:
                self.w.add(m.CaseFlag, case_id=case_id, flag=flag.value)
            self.w.add(m.RiskAssessment, id=self.nid(m.RiskAssessment), kind=AssessmentKind.VULNERABILITY.value,
                       case_id=case_id, group_id=None, assessed_on=referred, assessor=referrer,
                       score={RiskLevel.HIGH: rng.randint(7, 10), RiskLevel.MEDIUM: rng.randint(4, 6),
                              RiskLevel.LOW: rng.randint(1, 3)}[risk],
                       risk_level=risk.value, notes="Vulnerability rated by the referrer; confirmed at triage.",
                       created_at=created)
            name = subject.given if subject is not None else "the residents"
            fmt = {"name": name, "school": "", "loc": ""}
            lo, hi = self.spec.new_actions
            rlo, rhi = self.spec.review_actions

            def actions_for(n: int, new: bool) -> list[tuple[int, str, Strand | None]]:
                count = rng.randint(lo, hi) if new else rng.randint(rlo, rhi)
                return self.pick_actions(run, _CSVG_ACTIONS, count, fmt, children=False)

            outcome = flow.status_reason if flow.closed_on else ""
            self.hear(run, case_id, self.last_reference(run, referred), flow, texts=_CSVG_DISCUSSION,
                      risks=_CSVG_RISKS, fmt=fmt, actions_for=actions_for, subject_name=name, outcome_notes=outcome)
            if flow.status is CaseStatus.CLOSED and subject is not None and subject_kind is SubjectKind.PERSON:
                closed_people.append((case_id, subject))

    # -- CARM

    def carm(self, run: _PanelRun) -> None:
        rng = self.rng
        count = self.case_count(run)
        referring = [("csc", 0.3), ("police", 0.3), ("edu", 0.2), ("kcc", 0.1), ("council", 0.05), ("nhs", 0.05)]
        ref_keys = [k for k, _ in referring]
        ref_weights = [w for _, w in referring]
        n_locations = max(4, min(10, round(count / 5)))
        locations: list[tuple[int, str]] = []
        for i in range(n_locations):
            label, loc_kind = _LOCATIONS_CARM[i % len(_LOCATIONS_CARM)]
            town = run.towns[i % len(run.towns)]
            lid = self.nid(m.Location)
            lname = f"{town[0]} {label}"
            self.w.add(m.Location, id=lid, name=lname, name_norm=normalise_name(lname), kind=loc_kind,
                       address=f"{label[0].upper()}{label[1:]}, {town[0]}",
                       postcode=f"{town[1]} {rng.randint(1, 9)}{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}",
                       created_at=_at(self.start, 9))
            locations.append((lid, lname))
        young: list[_Person] = []
        for referred in self.referral_dates(run, count):
            self.work()
            case_id = self.nid(m.Case)
            created = self.when(referred)
            r = rng.random()
            subject_kind = SubjectKind.PERSON
            person_id = group_id = location_id = None
            links: list[tuple[_Person, PersonRole]] = []
            loc_id, loc_name = rng.choice(locations)
            flags = [f for f, p in ((VulnerabilityFlag.EXPLOITATION, 0.7), (VulnerabilityFlag.SUBSTANCE_MISUSE, 0.45),
                                    (VulnerabilityFlag.MENTAL_HEALTH, 0.3), (VulnerabilityFlag.ASB_PERPETRATOR, 0.35),
                                    (VulnerabilityFlag.DOMESTIC_ABUSE, 0.15)) if rng.random() < p]
            flags = flags or [VulnerabilityFlag.EXPLOITATION]

            def young_person(role: str | None = None) -> _Person:
                if young and rng.random() < 0.2:
                    return rng.choice(young[-60:])
                yp = self.person(gender="Male" if rng.random() < 0.68 else "Female", age=rng.randint(13, 17),
                                 on=referred, created=created, towns=run.towns, contact=True)
                young.append(yp)
                return yp

            if r < 0.72:
                subject = young_person()
                person_id = subject.id
                links.append((subject, PersonRole.SUBJECT))
                for _ in range(rng.randint(0, 2)):
                    other = young_person()
                    if other.id != subject.id:
                        links.append((other, PersonRole.ASSOCIATE))
                if rng.random() < 0.5:
                    self.link_location(loc_id, subject.id, "seen at location")
                name = subject.given
            elif r < 0.88:
                subject_kind = SubjectKind.GROUP
                group_id = self.nid(m.SubjectGroup)
                gname = f"Peer group at {loc_name}"
                self.w.add(m.SubjectGroup, id=group_id, kind=GroupKind.PEER_GROUP.value, reference=None, name=gname,
                           name_norm=normalise_name(gname),
                           description="Young people associating together; concerns about exploitation and ASB.",
                           status=GroupStatus.ACTIVE.value, lead_officer_member_id=None, archived_on=None,
                           archive_reason="", archive_approved_by="", created_at=created)
                members: list[int] = []
                for k in range(rng.randint(3, 6)):
                    yp = young_person()
                    if yp.id in members:
                        continue
                    members.append(yp.id)
                    self.w.add(m.GroupPerson, group_id=group_id, person_id=yp.id, role="member" if k else "associate")
                    links.append((yp, PersonRole.PERSON_OF_CONCERN))
                name = "the group"
            else:
                subject_kind = SubjectKind.LOCATION
                location_id = loc_id
                for _ in range(rng.randint(2, 5)):
                    yp = young_person()
                    self.link_location(loc_id, yp.id, "seen at location")
                    links.append((yp, PersonRole.PERSON_OF_CONCERN))
                name = "the young people"
            agency_key = rng.choices(ref_keys, ref_weights)[0]
            agency_id = rng.choice(run.councils) if agency_key == "council" else self.agency_ids[agency_key]
            referrer = self.referrer("sbc" if agency_key == "council" else agency_key)
            risk = rng.choices((RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW), (0.4, 0.45, 0.15))[0]
            flow = self.flow(run, referred, first_listing=Listing.NEW, lead=(3, 10), decline_p=0.06,
                             reviews=rng.choices((0, 1, 2, 3), (0.15, 0.35, 0.35, 0.15))[0], gap=(1, 2),
                             close_at_last=True)
            self.write_case(run, case_id=case_id, referred=referred, flow=flow, agency_id=agency_id, referrer=referrer,
                            reason=rng.choice(_CARM_REASONS),
                            summary=f"Concerns centre on {loc_name}. " + rng.choice(
                                ("Known to the youth service.", "New to agencies.", "Open to Early Help.",
                                 "Previously open to children's social care.")),
                            subject_kind=subject_kind, person_id=person_id, group_id=group_id,
                            location_id=location_id, risk=risk)
            seen: set[int] = set()
            for person, role in links:
                if person.id not in seen:
                    seen.add(person.id)
                    self.case_person(case_id, person.id, role, school=rng.choice(_SCHOOLS))
            for flag in flags:
                self.w.add(m.CaseFlag, case_id=case_id, flag=flag.value)
            self.w.add(m.RiskAssessment, id=self.nid(m.RiskAssessment), kind=AssessmentKind.CONTEXTUAL.value,
                       case_id=case_id, group_id=group_id, assessed_on=referred, assessor=referrer, score=None,
                       risk_level=risk.value, notes="Contextual safeguarding assessment of the person, peers and place.",
                       created_at=created)
            fmt = {"name": name, "school": rng.choice(_SCHOOLS), "loc": loc_name}
            lo, hi = self.spec.new_actions
            rlo, rhi = self.spec.review_actions

            def actions_for(n: int, new: bool) -> list[tuple[int, str, Strand | None]]:
                count = rng.randint(lo, hi) if new else rng.randint(rlo, rhi)
                return self.pick_actions(run, _CARM_ACTIONS, count, fmt, children=False)

            outcome = flow.status_reason if flow.closed_on else ""
            self.hear(run, case_id, self.last_reference(run, referred), flow, texts=_CARM_DISCUSSION,
                      risks=_CARM_RISKS, fmt=fmt, actions_for=actions_for, subject_name=name, outcome_notes=outcome)

    def link_location(self, location_id: int, person_id: int, role: str) -> None:
        """A person seen at a place (once per pair)."""
        key = (location_id, person_id)
        if key not in self.location_links:
            self.location_links.add(key)
            self.w.add(m.LocationPerson, location_id=location_id, person_id=person_id, role=role)

    # -- SOCP

    def socp(self, run: _PanelRun) -> None:
        rng = self.rng
        count = self.case_count(run)
        past = [mt for mt in run.meetings if mt.past]
        if not past:
            return
        # Adoption: a first batch at the panel's first meetings, then through the period.
        initial = min(count, max(1, round(count * (0.6 if self.spec.years == 1 else 0.1))))
        adoption_meetings = [past[min(i // 3, len(past) - 1)] for i in range(initial)]
        for _ in range(count - initial):
            adoption_meetings.append(rng.choice(past))
        adoption_meetings.sort(key=lambda mt: mt.index)
        police = self.agency_ids["police"]
        chair_name = self.users[_CHAIR_OF[PanelType.SOCP]][2]
        lead_members = [mid for mid, _, _ in self.members["police"]]
        names = list(_OCG_NAMES)
        for n, adopted in enumerate(adoption_meetings):
            self.work(25)
            referred = adopted.day - timedelta(days=rng.randint(5, 20))
            created = self.when(referred)
            gid = self.nid(m.SubjectGroup)
            self.ocg_number += 1
            reference = f"OCG-{self.ocg_number:04d}"
            base = names[n % len(names)]
            gname = base if n < len(names) else f"{base} ({rng.choice(run.towns)[0]})"
            # How long the group is managed for.
            months_managed = rng.randint(5, 36)
            end_index = adopted.index + round(months_managed * 30.4 / run.spec.every_days)
            status = GroupStatus.ACTIVE
            archive_mt: _Meeting | None = None
            if self.spec.years == 1:  # one year: a quarter archived, a couple under review
                if n % 4 == 0 and len(past) > adopted.index + 5:
                    status = GroupStatus.ARCHIVED
                    archive_mt = past[min(len(past) - 1, adopted.index + rng.randint(5, 9))]
                elif n % 5 == 1:
                    status = GroupStatus.UNDER_REVIEW
            elif end_index < len(past) and rng.random() < 0.9:
                status = GroupStatus.ARCHIVED
                archive_mt = past[end_index]
            elif rng.random() < 0.2:
                status = GroupStatus.UNDER_REVIEW
            archive_reason = rng.choice(_OCG_ARCHIVE_REASONS) if archive_mt else ""
            self.w.add(m.SubjectGroup, id=gid, kind=GroupKind.OCG.value, reference=reference, name=gname,
                       name_norm=normalise_name(gname),
                       description=rng.choice(("Supplies class A drugs through a phone line run from outside the county.",
                                               "Exploits vulnerable adults and children to store and sell drugs.",
                                               "Acquisitive crime across rural areas; links to scrap and vehicle trade.",
                                               "Labour exploitation through cash-in-hand businesses.",
                                               "Money laundering through cash businesses.")),
                       status=status.value, lead_officer_member_id=rng.choice(lead_members),
                       archived_on=archive_mt.day if archive_mt else None, archive_reason=archive_reason,
                       archive_approved_by=chair_name if archive_mt else "", created_at=created)
            nominals: list[tuple[_Person, str]] = []
            k = rng.randint(3, 8)
            roles = ["principal"] + (["principal"] if k >= 6 and rng.random() < 0.4 else [])
            roles += ["lieutenant"] * rng.randint(1, 2)
            roles += ["enabler"] * (1 if rng.random() < 0.6 else 0)
            roles += ["runner"] * max(0, k - len(roles))
            roles = roles[:k]
            family = None
            for role in roles:
                age = (rng.randint(24, 50) if role == "principal" else rng.randint(19, 40) if role != "runner"
                       else rng.randint(15, 24))
                eth = self.pick_ethnicity() if family is None else None
                person = self.person(gender="Male" if rng.random() < 0.88 else "Female", age=age, on=referred,
                                     created=created, towns=run.towns, eth=eth, contact=rng.random() < 0.6,
                                     family=family if rng.random() < 0.3 else None, disability_p=0.03)
                if family is None and "family" in gname:
                    family = person.family
                if rng.random() < 0.3:
                    self.alias(person, rng.choice(("Smokey", "Tiny", "Spider", "Razor", "Ghost", "Bluey", "Snoop",
                                                   "Chops", "Milo", "Sparks", "Little K", "Zed")))
                self.w.add(m.GroupPerson, group_id=gid, person_id=person.id, role=role)
                nominals.append((person, role))
            # Linked premises.
            for _ in range(rng.randint(1, 2)):
                line, postcode = self.address(run.towns)
                lid = self.nid(m.Location)
                label = rng.choice(("Address of interest", "Car wash", "Storage unit", "Takeaway premises",
                                    "Lock-up garage"))
                lname = f"{label}, {line}"
                self.w.add(m.Location, id=lid, name=lname, name_norm=normalise_name(lname), kind=label, address=line,
                           postcode=postcode, created_at=created)
                self.w.add(m.LocationPerson, location_id=lid, person_id=nominals[0][0].id, role="linked premises")
            # The case for the OCG.
            case_id = self.nid(m.Case)
            changes: list[tuple[datetime, CaseStatus | None, CaseStatus, str]] = [
                (created, None, CaseStatus.RECEIVED, ""),
                (created + timedelta(hours=rng.randint(2, 48)), CaseStatus.RECEIVED, CaseStatus.ACCEPTED, ""),
                (created + timedelta(days=2), CaseStatus.ACCEPTED, CaseStatus.LISTED, ""),
                (adopted.starts_at + timedelta(hours=3), CaseStatus.LISTED, CaseStatus.OPEN, ""),
            ]
            hearings: list[tuple[_Meeting, Listing]] = [(adopted, Listing.NEW)]
            last_index = archive_mt.index if archive_mt else len(run.meetings) - 1
            for idx in range(adopted.index + 1, last_index + 1):
                mt = run.meetings[idx]
                hearings.append((mt, Listing.REVIEW))
                if not mt.past:
                    break
            flow = _Flow(CaseStatus.OPEN, changes, hearings)
            if archive_mt is not None:
                flow.closed_on = archive_mt.day
                flow.status = CaseStatus.CLOSED
                flow.status_reason = f"OCG archived: {archive_reason}"
                changes.append((archive_mt.starts_at + timedelta(hours=4), CaseStatus.OPEN, CaseStatus.CLOSED,
                                flow.status_reason))
            else:
                upcoming = next((mt for mt, _ in hearings if not mt.past), None)
                flow.review_date = upcoming.day if upcoming else None
            self.write_case(run, case_id=case_id, referred=referred, flow=flow, agency_id=police,
                            referrer=self.referrer("police"),
                            reason="Organised crime group mapped by the force; partnership disruption plan requested.",
                            summary=f"{len(nominals)} nominals. Principal: {nominals[0][0].name}.",
                            subject_kind=SubjectKind.GROUP, group_id=gid, risk=RiskLevel.HIGH)
            for person, role in nominals:
                self.case_person(case_id, person.id, PersonRole.NOMINAL, notes=role)
            # Threat, risk and harm scores: at adoption and about quarterly.
            assess_meetings = [mt for i, (mt, _) in enumerate(hearings) if mt.past and i % 3 == 0][:6]
            harm, likely, position = rng.randint(2, 5), rng.randint(2, 5), rng.randint(1, 5)
            for mt in assess_meetings:
                score = harm * likely * position
                level = RiskLevel.HIGH if score >= 45 else RiskLevel.MEDIUM if score >= 18 else RiskLevel.LOW
                ra_id = self.nid(m.RiskAssessment)
                self.w.add(m.RiskAssessment, id=ra_id, kind=AssessmentKind.THREAT_HARM.value, case_id=case_id,
                           group_id=gid, assessed_on=mt.day, assessor=self.users[_COORD_OF[PanelType.SOCP]][2],
                           score=score, risk_level=level.value,
                           notes="Local matrix: harm × likelihood × organisational position (each 1–5). "
                                 "Not an official MoRiLE score.", created_at=mt.starts_at + timedelta(hours=2))
                for item, value in (("harm", harm), ("likelihood", likely), ("position", position)):
                    self.w.add(m.RiskAnswer, assessment_id=ra_id, item=item, value=str(value), source="SOCP")
                harm = max(1, min(5, harm + rng.choice((-1, 0, 0, 1))))
                likely = max(1, min(5, likely + rng.choice((-1, -1, 0, 1))))
            principal = nominals[0][0].name
            fmt = {"principal": principal, "name": principal}
            lo, hi = self.spec.new_actions
            rlo, rhi = self.spec.review_actions

            def actions_for(n_: int, new: bool) -> list[tuple[int, str, Strand | None]]:
                count_ = max(4, rng.randint(lo, hi)) if new else rng.randint(max(1, rlo - 1), rhi)
                chosen = self.pick_actions(run, _SOCP_ACTIONS, count_, fmt, children=False)
                if new:  # a 4P plan covers every strand from the start
                    have = {s for _, _, s in chosen}
                    for strand in Strand:
                        if strand not in have:
                            options = [i for i, t in enumerate(_SOCP_ACTIONS) if t[2] is strand]
                            chosen += self.pick_actions(run, _SOCP_ACTIONS, 1, fmt, children=False,
                                                        first=(rng.choice(options),))
                return chosen

            self.hear(run, case_id, f"{reference} {gname}", flow, texts=_SOCP_DISCUSSION, risks=_SOCP_RISKS, fmt=fmt,
                      actions_for=actions_for, subject_name=principal, group_id=gid,
                      outcome_notes=flow.status_reason if archive_mt else "")

    # -- CSP Executive Group and its plan

    def executive(self, run: _PanelRun) -> None:
        rng = self.rng
        past = [mt for mt in run.meetings if mt.past]
        if not past:
            return
        self.work()
        # The plan in force: adopted at the first meeting of the current plan year.
        adopted = next((mt for mt in reversed(past) if mt.day <= self.today - timedelta(days=300)), past[0])
        for mt in run.meetings:
            item_id = self.nid(m.AgendaItem)
            mt.has_review_item = True
            mt.items.append(dict(
                id=item_id, kind=AgendaItemKind.ACTIONS_REVIEW.value,
                title="Community Safety Plan: action plan progress", minutes_allowed=30,
                discussion=("Leads reported progress against the action plan; exceptions discussed." if mt.past else ""),
                decision_notes=("Action plan adopted for the year." if mt is adopted else ""),
            ))
            mt.items.append(dict(
                id=self.nid(m.AgendaItem), kind=AgendaItemKind.AOB.value, title="Quarterly performance report",
                minutes_allowed=20,
                discussion=("Domestic abuse incidents, ASB and OCGs managed reviewed against last year." if mt.past
                            else ""),
            ))
        past = [mt for mt in past if mt.index >= adopted.index]
        plan_item = adopted.items[0]["id"]
        year_end = adopted.day + timedelta(days=365)
        statuses = ([ActionStatus.ONGOING] * 14 + [ActionStatus.COMPLETED] * 12 + [ActionStatus.ON_HOLD] * 3
                    + [ActionStatus.DISCONTINUED] * 2 + [ActionStatus.OPEN] * 4)
        for number, text, outcome, milestones, timescales, lead, owner_key in _PLAN:
            status = rng.choice(statuses)
            heading = _PLAN_HEADINGS[number.split(".")[0]]
            agency_id = rng.choice(run.councils) if owner_key == "sbc" else self.agency_ids[owner_key]
            if owner_key == "sbc" and "swale" in run.spec.areas:
                agency_id = self.agency_ids["sbc"]
            due = year_end if any(t.startswith(("By Mar", "Ongoing", "Quarterly", "Monthly", "Weekly", "As required",
                                                 "Six monthly", "Annual")) for t in timescales) \
                else adopted.day + timedelta(days=rng.randint(60, 300))
            if status is ActionStatus.COMPLETED and due > self.today:
                due = self.today - timedelta(days=rng.randint(5, 40))
            extra = dict(number=number, heading=heading, outcome=outcome, milestones="\n".join(milestones),
                         timescale="; ".join(timescales), owner_name=lead)
            self.action(run, adopted, plan_item, case_id=None, group_id=None, agency_id=agency_id, text=text,
                        strand=None, finished_by=None, subject_name="the partnership", due=due, extra=extra,
                        status=status, hold_reasons=_PLAN_HOLD_REASONS, stop_reasons=_PLAN_STOP_REASONS)
            # Quarterly notes from the later meetings.
            action = run.actions[-1]
            for mt in past[1:]:
                if rng.random() < 0.7:
                    at = mt.starts_at + timedelta(minutes=40)
                    run.updates.append(dict(id=self.nid(m.ActionUpdate), action_id=action["id"], at=at,
                                            by_user_id=None, by_name=lead, text=rng.choice(_PLAN_UPDATES),
                                            old_status=None, new_status=None))
                    action["updated_at"] = max(action["updated_at"], at)
