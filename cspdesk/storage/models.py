"""The data model: every table CSPDesk keeps (PRODUCT.md, "The things it keeps").

Conventions
- Typed SQLAlchemy 2 declarative models; constraints named by ``NAMING_CONVENTION`` so Alembic's
  batch mode can alter them on SQLite and plain ALTER works on PostgreSQL.
- Enumerations are stored as short strings with a CHECK constraint (``native_enum=False``): the same
  DDL on SQLite and PostgreSQL, and adding a value is a constraint change, not a type migration.
- Timestamps (``*_at``) are naive UTC; meeting start times are naive local wall-clock time (a
  meeting at 10:00 is at 10:00 whatever the clocks do).
- Overdue and RAG are never stored: ``cspdesk.domain.rules`` derives them.
- Names have a normalised twin (``*_norm``) kept by the services, indexed for search.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from cspdesk.domain.agency_loop import CirculationKind
from cspdesk.domain.enums import (
    ActionStatus,
    AgendaItemKind,
    AssessmentKind,
    AttendanceStatus,
    AuditKind,
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
from cspdesk.domain.marking import DEFAULT_MARKING

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def enum_column(enum: type[StrEnum], name: str) -> Enum:
    """A string column limited to ``enum``'s values by a CHECK constraint named after the column."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum) + 4,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def fk(target: str, *, ondelete: str | None = None) -> ForeignKey:
    return ForeignKey(target, ondelete=ondelete)


# --- Partnership and people who sit on panels -------------------------------------------------


class Partnership(Base):
    """One row: the partnership this file belongs to and its settings."""

    __tablename__ = "partnership"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    protective_marking: Mapped[str] = mapped_column(String(60), default=DEFAULT_MARKING)
    confidentiality_statement: Mapped[str] = mapped_column(Text, default="")
    #: RAG: an action due within this many days is Amber.
    amber_days: Mapped[int] = mapped_column(Integer, default=14)
    #: Counts under this are printed as "<5" in data returns.
    small_number_threshold: Mapped[int] = mapped_column(Integer, default=5)
    population_adults: Mapped[int | None] = mapped_column(Integer)
    population_adult_women: Mapped[int | None] = mapped_column(Integer)
    #: Further settings that have no column of their own yet (JSON object).
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Agency(Base):
    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_code: Mapped[str] = mapped_column(String(20), unique=True)
    sector: Mapped[Sector] = mapped_column(enum_column(Sector, "sector"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Where papers for the agency are e-mailed (its secure, e.g. .gov.uk or .cjsm.net, address); "" if none.
    secure_email: Mapped[str] = mapped_column(String(254), default="", server_default="")


class UserAccount(Base):
    """A person who signs in. Password and key wrapping are the security issue's."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[int | None] = mapped_column(fk("agency.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: argon2id hash, for servers (PostgreSQL); on a local file the keyring checks passwords.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    #: On a server: the PostgreSQL login role this account connects as (set only by the
    #: database's own ``cspdesk_account_role`` function; row-level security looks accounts up by
    #: it). None on a file, and for a server account not yet given its role.
    db_role: Mapped[str | None] = mapped_column(String(63), unique=True)

    agency: Mapped[Agency | None] = relationship()


class Member(Base):
    """Someone who represents an agency at panels; may also be a user."""

    __tablename__ = "member"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(fk("agency.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role_title: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    user_id: Mapped[int | None] = mapped_column(fk("user_account.id", ondelete="SET NULL"), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    agency: Mapped[Agency] = relationship()


# --- Panels ----------------------------------------------------------------------------------


class Panel(Base):
    __tablename__ = "panel"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    panel_type: Mapped[PanelType] = mapped_column(enum_column(PanelType, "panel_type"))
    #: Case references are ``{ref_prefix}-{year}-{seq}``.
    ref_prefix: Mapped[str] = mapped_column(String(20), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    minutes_per_case: Mapped[int] = mapped_column(Integer, default=15)
    repeat_window_months: Mapped[int] = mapped_column(Integer, default=12)
    escalation_incidents: Mapped[int] = mapped_column(Integer, default=3)
    dash_threshold: Mapped[int] = mapped_column(Integer, default=14)
    retention_years: Mapped[int] = mapped_column(Integer, default=6)
    uses_strands: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class PanelAgency(Base):
    """An agency that sits on a panel; core agencies are expected at every meeting."""

    __tablename__ = "panel_agency"

    panel_id: Mapped[int] = mapped_column(fk("panel.id", ondelete="CASCADE"), primary_key=True)
    agency_id: Mapped[int] = mapped_column(fk("agency.id", ondelete="CASCADE"), primary_key=True)
    is_core: Mapped[bool] = mapped_column(Boolean, default=True)


class PanelMembership(Base):
    """Need to know: a user sees the panels they belong to, and only those."""

    __tablename__ = "panel_membership"

    panel_id: Mapped[int] = mapped_column(fk("panel.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(fk("user_account.id", ondelete="CASCADE"), primary_key=True, index=True)


class PanelDisclosure(Base):
    """Whether a panel's name may be shown to the other panel's members as "Also known to" when a
    person is on both (issue 20). One row per pair of panels whose setting differs from the
    default (cspdesk.domain.known_to); the pair is unordered, held with the smaller id first."""

    __tablename__ = "panel_disclosure"
    __table_args__ = (CheckConstraint("panel_id < other_panel_id", name="pair_in_order"),)

    panel_id: Mapped[int] = mapped_column(fk("panel.id", ondelete="CASCADE"), primary_key=True)
    other_panel_id: Mapped[int] = mapped_column(fk("panel.id", ondelete="CASCADE"), primary_key=True)
    shown: Mapped[bool] = mapped_column(Boolean)


# --- Subjects: persons, groups, locations ----------------------------------------------------


class ContactDetails:
    """A person's contact fields: held on :class:`Person`, and as they were before each change on
    :class:`PersonContactChange` (one definition, so the history keeps every field the person has)."""

    address: Mapped[str] = mapped_column(Text, default="")
    postcode: Mapped[str] = mapped_column(String(12), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    safe_to_call: Mapped[bool | None] = mapped_column(Boolean)
    safe_times: Mapped[str] = mapped_column(String(200), default="")
    contact_notes: Mapped[str] = mapped_column(Text, default="")


class Person(ContactDetails, Base):
    __tablename__ = "person"
    __table_args__ = (
        Index("ix_person_family_norm", "family_norm"),
        Index("ix_person_given_norm", "given_norm"),
        Index("ix_person_date_of_birth", "date_of_birth"),
        Index("ix_person_family_key", "family_key"),
        Index("ix_person_given_key_date_of_birth", "given_key", "date_of_birth"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    given_name: Mapped[str] = mapped_column(String(120))
    family_name: Mapped[str] = mapped_column(String(120))
    given_norm: Mapped[str] = mapped_column(String(120))
    family_norm: Mapped[str] = mapped_column(String(120))
    #: Phonetic keys (``cspdesk.domain.rules.name_key``) of the first given name and of the family
    #: name, so spelling variants are found through an index (issue 4: duplicates as they type).
    given_key: Mapped[str] = mapped_column(String(40), default="", server_default="")
    family_key: Mapped[str] = mapped_column(String(40), default="", server_default="")
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str] = mapped_column(String(40), default="")
    ethnicity: Mapped[str] = mapped_column(String(80), default="")
    racially_minoritised: Mapped[bool | None] = mapped_column(Boolean)
    disability: Mapped[bool | None] = mapped_column(Boolean)
    lgbt: Mapped[bool | None] = mapped_column(Boolean)
    #: As recorded (issue 17: a referral log's diversity columns); ``lgbt`` is what the return counts.
    sexual_orientation: Mapped[str] = mapped_column(String(40), default="", server_default="")
    gender_identity: Mapped[str] = mapped_column(String(40), default="", server_default="")
    language: Mapped[str] = mapped_column(String(60), default="")
    interpreter_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    aliases: Mapped[list[PersonAlias]] = relationship(cascade="all, delete-orphan")


class PersonAlias(Base):
    __tablename__ = "person_alias"
    __table_args__ = (
        # Search matches any word of an alias (LIKE '% word%'), which reads every alias: from this
        # index alone, never the table.
        Index("ix_person_alias_person_norm", "person_id", "alias_norm"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(fk("person.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(200))
    alias_norm: Mapped[str] = mapped_column(String(200), index=True)
    #: Phonetic key of the alias's last word (a previous family name, or a one-word street name).
    alias_key: Mapped[str] = mapped_column(String(40), default="", server_default="", index=True)


class PersonContactChange(ContactDetails, Base):
    """A person's earlier contact details, kept when a referral (or an edit) replaces them: an
    address history is a safeguarding record ("moved from … on …"). One row per change, holding
    the values as they were *before* it, with who changed them, when, and on which case."""

    __tablename__ = "person_contact_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(fk("person.id", ondelete="CASCADE"), index=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    changed_by_user_id: Mapped[int | None] = mapped_column(fk("user_account.id", ondelete="SET NULL"))
    case_id: Mapped[int | None] = mapped_column(fk("case_record.id", ondelete="SET NULL"))


class SubjectGroup(Base):
    """An organised crime group, a peer group or a household, with people linked in roles."""

    __tablename__ = "subject_group"
    __table_args__ = (
        CheckConstraint(
            "status <> 'archived' OR (archived_on IS NOT NULL AND archive_reason <> '')",
            name="archive_has_date_and_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[GroupKind] = mapped_column(enum_column(GroupKind, "kind"))
    reference: Mapped[str | None] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_norm: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[GroupStatus] = mapped_column(enum_column(GroupStatus, "status"), default=GroupStatus.ACTIVE)
    lead_officer_member_id: Mapped[int | None] = mapped_column(fk("member.id", ondelete="SET NULL"))
    archived_on: Mapped[date | None] = mapped_column(Date)
    archive_reason: Mapped[str] = mapped_column(Text, default="")
    archive_approved_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class GroupPerson(Base):
    __tablename__ = "group_person"

    group_id: Mapped[int] = mapped_column(fk("subject_group.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(fk("person.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(80), default="")


class Location(Base):
    __tablename__ = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_norm: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(80), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    postcode: Mapped[str] = mapped_column(String(12), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class LocationPerson(Base):
    __tablename__ = "location_person"

    location_id: Mapped[int] = mapped_column(fk("location.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(fk("person.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(80), default="")


# --- Cases -----------------------------------------------------------------------------------


class Case(Base):
    """A referral to a panel, from receipt to closure."""

    __tablename__ = "case_record"  # "case" is an SQL keyword
    __table_args__ = (
        UniqueConstraint("panel_id", "ref_year", "ref_seq"),
        CheckConstraint(
            "(subject_kind = 'person' AND subject_person_id IS NOT NULL)"
            " OR (subject_kind = 'group' AND subject_group_id IS NOT NULL)"
            " OR (subject_kind = 'location' AND subject_location_id IS NOT NULL)",
            name="subject_matches_kind",
        ),
        CheckConstraint("status <> 'declined' OR status_reason <> ''", name="declined_has_reason"),
        CheckConstraint(
            "NOT crit_professional_judgement OR professional_judgement_reason <> ''",
            name="judgement_has_reason",
        ),
        Index("ix_case_record_panel_referral", "panel_id", "referral_date"),
        Index("ix_case_record_referral_date", "referral_date"),
        Index("ix_case_record_status", "status"),
        # The case list filtered by risk or referring agency, newest first, from the index alone.
        Index("ix_case_record_risk_level_referral", "risk_level", "referral_date"),
        Index("ix_case_record_agency_referral", "referring_agency_id", "referral_date"),
        # The list sorted by subject, from the index (issue 23: the computed name took 160 ms a click).
        Index("ix_case_record_subject_sort", "subject_sort"),
        # ...and by every other column it sorts by (issue 23: a window of ids in any order from an index).
        Index("ix_case_record_status_rank", "status_rank", "id"),
        Index("ix_case_record_risk_rank", "risk_rank", "id"),
        Index("ix_case_record_panel_sort", "panel_sort", "id"),
        Index("ix_case_record_referrer_sort", "referrer_sort", "id"),
        Index("ix_case_record_review_date", "review_date", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(fk("panel.id"))
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    ref_year: Mapped[int] = mapped_column(Integer)
    ref_seq: Mapped[int] = mapped_column(Integer)
    referral_date: Mapped[date] = mapped_column(Date)
    referring_agency_id: Mapped[int | None] = mapped_column(fk("agency.id"), index=True)
    referrer_name: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")

    subject_kind: Mapped[SubjectKind] = mapped_column(enum_column(SubjectKind, "subject_kind"))
    subject_person_id: Mapped[int | None] = mapped_column(fk("person.id"), index=True)
    subject_group_id: Mapped[int | None] = mapped_column(fk("subject_group.id"), index=True)
    subject_location_id: Mapped[int | None] = mapped_column(fk("location.id"), index=True)
    #: The subject as the list sorts it ("family given", or the group's or place's name, normalised);
    #: written by cspdesk.storage.sort_keys.refresh_subject_sort when a case is logged (names of
    #: people, groups and places are never changed afterwards).
    subject_sort: Mapped[str] = mapped_column(String(300), default="", server_default="")
    #: The other stored sort keys (cspdesk.storage.sort_keys.refresh_case_sort_keys, kept by the
    #: session as cases change): the status's place in the lifecycle, the risk level's place in
    #: low < medium < high (None: not assessed), the panel's name, the referring agency's name.
    status_rank: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    risk_rank: Mapped[int | None] = mapped_column(Integer)
    panel_sort: Mapped[str] = mapped_column(String(200), default="", server_default="")
    referrer_sort: Mapped[str | None] = mapped_column(String(200))

    status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus, "status"), default=CaseStatus.RECEIVED)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    closed_on: Mapped[date | None] = mapped_column(Date)
    review_date: Mapped[date | None] = mapped_column(Date)
    repeat_of_case_id: Mapped[int | None] = mapped_column(fk("case_record.id"), index=True)
    risk_level: Mapped[RiskLevel | None] = mapped_column(enum_column(RiskLevel, "risk_level"))

    # Referral criteria (MARAC) and information sharing.
    crit_visible_high_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    crit_professional_judgement: Mapped[bool] = mapped_column(Boolean, default=False)
    professional_judgement_reason: Mapped[str] = mapped_column(Text, default="")
    crit_escalation: Mapped[bool] = mapped_column(Boolean, default=False)
    police_incidents_12m: Mapped[int | None] = mapped_column(Integer)
    crit_repeat: Mapped[bool] = mapped_column(Boolean, default=False)
    victim_aware: Mapped[bool | None] = mapped_column(Boolean)
    consent_given: Mapped[bool | None] = mapped_column(Boolean)
    lawful_basis: Mapped[str] = mapped_column(Text, default="")
    #: An imported log's "Number of children" when the children are not named (issue 17): the
    #: return counts this or the children linked, whichever is more.
    children_count: Mapped[int | None] = mapped_column(Integer)
    #: The victim's age band at referral as a log gives it ("16-17", "18-24", …), for a victim
    #: whose date of birth is not held.
    victim_age_band: Mapped[str] = mapped_column(String(20), default="", server_default="")

    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    #: Optimistic locking for concurrent editors (PostgreSQL, several users).
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    panel: Mapped[Panel] = relationship()
    subject_person: Mapped[Person | None] = relationship(foreign_keys=[subject_person_id])
    subject_group: Mapped[SubjectGroup | None] = relationship(foreign_keys=[subject_group_id])
    subject_location: Mapped[Location | None] = relationship(foreign_keys=[subject_location_id])
    referring_agency: Mapped[Agency | None] = relationship()
    people: Mapped[list[CasePerson]] = relationship(cascade="all, delete-orphan", back_populates="case")
    flags: Mapped[list[CaseFlag]] = relationship(cascade="all, delete-orphan")


class CasePerson(Base):
    """A person linked to a case in a role (victim, perpetrator, child…)."""

    __tablename__ = "case_person"
    __table_args__ = (UniqueConstraint("case_id", "person_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(fk("case_record.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(fk("person.id"), index=True)
    role: Mapped[PersonRole] = mapped_column(enum_column(PersonRole, "role"))
    relationship_to_victim: Mapped[str] = mapped_column(String(120), default="")
    relationship_to_perpetrator: Mapped[str] = mapped_column(String(120), default="")
    school: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[Case] = relationship(back_populates="people")
    person: Mapped[Person] = relationship()


class CaseFlag(Base):
    """A vulnerability flag on a (CSVG / CARM) case."""

    __tablename__ = "case_flag"

    case_id: Mapped[int] = mapped_column(fk("case_record.id", ondelete="CASCADE"), primary_key=True)
    flag: Mapped[VulnerabilityFlag] = mapped_column(enum_column(VulnerabilityFlag, "flag"), primary_key=True, index=True)


class CaseSearchKey(Base):
    """One word a case is found by (issue 23): its reference (whole, as written), or one word of
    the name of its subject, of a person linked to it, of one of their aliases, or of its group
    or place. Written by :mod:`cspdesk.storage.search_keys` whenever those change, never by hand.

    Each row carries the case's referral date, so a search walks an index already in the list's
    order (newest first) and stops at its limit: ``key2`` (the word's first two letters) answers a
    two-letter term by equality, ``key3`` (its first three) any longer term with the word's own
    prefix range tested on the index entry.
    """

    __tablename__ = "case_search_key"
    __table_args__ = (
        Index("ix_case_search_key_key2", "key2", "referral_date", "case_id", "owner", "panel_id"),
        Index("ix_case_search_key_key3", "key3", "referral_date", "case_id", "owner", "panel_id", "word"),
        # The other words of a term, for the same case and owner.
        Index("ix_case_search_key_case_owner_word", "case_id", "owner", "word"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(fk("case_record.id", ondelete="CASCADE"))
    panel_id: Mapped[int] = mapped_column(Integer)  # the case's: need to know without a join
    referral_date: Mapped[date] = mapped_column(Date)
    #: Whose word: 0 the reference; a person's id; a group's id negated times two; a place's id
    #: negated times two, less one. Every word of a term must belong to the same owner.
    owner: Mapped[int] = mapped_column(Integer)
    word: Mapped[str] = mapped_column(String(200))
    key2: Mapped[str] = mapped_column(String(2))
    key3: Mapped[str] = mapped_column(String(3))


class CaseStatusChange(Base):
    """Each move through Received → … → Closed, with who and when."""

    __tablename__ = "case_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(fk("case_record.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[CaseStatus | None] = mapped_column(enum_column(CaseStatus, "from_status"))
    to_status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus, "to_status"))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime)
    by_user_id: Mapped[int | None] = mapped_column(fk("user_account.id", ondelete="SET NULL"))


class RiskAssessment(Base):
    """A DASH checklist, a vulnerability rating, or an OCG's threat/risk/harm score (with history)."""

    __tablename__ = "risk_assessment"
    __table_args__ = (
        CheckConstraint("case_id IS NOT NULL OR group_id IS NOT NULL", name="has_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AssessmentKind] = mapped_column(enum_column(AssessmentKind, "kind"))
    case_id: Mapped[int | None] = mapped_column(fk("case_record.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(fk("subject_group.id", ondelete="CASCADE"), index=True)
    assessed_on: Mapped[date] = mapped_column(Date)
    assessor: Mapped[str] = mapped_column(String(200), default="")
    score: Mapped[int | None] = mapped_column(Integer)
    risk_level: Mapped[RiskLevel | None] = mapped_column(enum_column(RiskLevel, "risk_level"))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # The risk tool and version a DASH-kind assessment was made with (cspdesk.domain.risk_tools;
    # issue 19): its questions and its "visible high risk" rule. None for the other kinds.
    tool_id: Mapped[str | None] = mapped_column(String(60))
    tool_version: Mapped[str | None] = mapped_column(String(20))

    answers: Mapped[list[RiskAnswer]] = relationship(cascade="all, delete-orphan", order_by="RiskAnswer.item")


class RiskAnswer(Base):
    """One answer: a DASH question (1–24: yes/no/dont_know) or a scoring factor (harm=4)."""

    __tablename__ = "risk_answer"

    assessment_id: Mapped[int] = mapped_column(fk("risk_assessment.id", ondelete="CASCADE"), primary_key=True)
    item: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(200), default="")


# --- Meetings --------------------------------------------------------------------------------


class Meeting(Base):
    __tablename__ = "meeting"
    __table_args__ = (Index("ix_meeting_panel_starts", "panel_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(fk("panel.id"))
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    venue: Mapped[str] = mapped_column(String(200), default="")
    chair_member_id: Mapped[int | None] = mapped_column(fk("member.id", ondelete="SET NULL"))
    minute_taker_member_id: Mapped[int | None] = mapped_column(fk("member.id", ondelete="SET NULL"))
    status: Mapped[MeetingStatus] = mapped_column(enum_column(MeetingStatus, "status"), default=MeetingStatus.PLANNED)
    finalised_at: Mapped[datetime | None] = mapped_column(DateTime)
    finalised_by_user_id: Mapped[int | None] = mapped_column(fk("user_account.id", ondelete="SET NULL"))
    #: Why a cancelled meeting was called off (empty unless cancelled), when and by whom.
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancelled_by_user_id: Mapped[int | None] = mapped_column(fk("user_account.id", ondelete="SET NULL"))
    #: Made by importing a referral log's meeting dates (issue 17), not run in CSPDesk.
    imported: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    panel: Mapped[Panel] = relationship()
    items: Mapped[list[AgendaItem]] = relationship(cascade="all, delete-orphan", order_by="AgendaItem.position")
    attendance: Mapped[list[Attendance]] = relationship(cascade="all, delete-orphan")


class Attendance(Base):
    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(fk("meeting.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int | None] = mapped_column(fk("agency.id"))
    member_id: Mapped[int | None] = mapped_column(fk("member.id", ondelete="SET NULL"))
    attendee_name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[AttendanceStatus] = mapped_column(enum_column(AttendanceStatus, "status"))
    information_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    is_observer: Mapped[bool] = mapped_column(Boolean, default=False)
    confidentiality_signed: Mapped[bool] = mapped_column(Boolean, default=False)


class AgendaItem(Base):
    __tablename__ = "agenda_item"
    __table_args__ = (
        CheckConstraint("kind <> 'case' OR case_id IS NOT NULL", name="case_item_has_case"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(fk("meeting.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[AgendaItemKind] = mapped_column(enum_column(AgendaItemKind, "kind"))
    case_id: Mapped[int | None] = mapped_column(fk("case_record.id"), index=True)
    listing: Mapped[Listing | None] = mapped_column(enum_column(Listing, "listing"))
    title: Mapped[str] = mapped_column(String(300), default="")
    minutes_allowed: Mapped[int] = mapped_column(Integer, default=15)
    discussion: Mapped[str] = mapped_column(Text, default="")
    risks: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[Decision | None] = mapped_column(enum_column(Decision, "decision"))
    decision_notes: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class MinutesAddendum(Base):
    """A correction to finalised minutes: minutes are never silently edited once locked."""

    __tablename__ = "minutes_addendum"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(fk("meeting.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(fk("agenda_item.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime)
    by_user_id: Mapped[int | None] = mapped_column(fk("user_account.id", ondelete="SET NULL"))


# --- Actions ---------------------------------------------------------------------------------


class Action(Base):
    """Something an agency owes: on a case, an OCG, or the panel itself (a partnership plan)."""

    __tablename__ = "action"
    __table_args__ = (
        CheckConstraint(
            "status NOT IN ('on_hold', 'discontinued') OR status_reason <> ''", name="status_has_reason"
        ),
        # No check that a completed action has its date: an imported plan may say "Delivered" and
        # not when (migration 0012_plans); the services ask for the date wherever a person sets it.
        Index("ix_action_panel_status_due", "panel_id", "status", "due_date"),
        # The tracker at county scale (migration 0004_actions): covering indexes for its id lists.
        Index("ix_action_panel_due", "panel_id", "due_date", "status"),
        Index("ix_action_panel_agency_due", "panel_id", "owner_agency_id", "due_date"),
        Index("ix_action_panel_case", "panel_id", "case_id", "group_id", "due_date"),
        Index("ix_action_status_due", "status", "due_date"),
        Index("ix_action_owner_agency_status", "owner_agency_id", "status"),
        Index("ix_action_case", "case_id"),
        Index("ix_action_group", "group_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(fk("panel.id"))
    case_id: Mapped[int | None] = mapped_column(fk("case_record.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(fk("subject_group.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(fk("meeting.id", ondelete="SET NULL"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(fk("agenda_item.id", ondelete="SET NULL"))
    #: A plan's own numbering ("1.1") and its heading ("Priority 1: Reduce reoffending").
    number: Mapped[str] = mapped_column(String(20), default="")
    heading: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text, default="")
    milestones: Mapped[str] = mapped_column(Text, default="")
    timescale: Mapped[str] = mapped_column(String(200), default="")
    owner_agency_id: Mapped[int | None] = mapped_column(fk("agency.id"))
    owner_member_id: Mapped[int | None] = mapped_column(fk("member.id", ondelete="SET NULL"), index=True)
    owner_name: Mapped[str] = mapped_column(String(200), default="")
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    strand: Mapped[Strand | None] = mapped_column(enum_column(Strand, "strand"))
    status: Mapped[ActionStatus] = mapped_column(enum_column(ActionStatus, "status"), default=ActionStatus.OPEN)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    completed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    # Ties on ``at`` (a status change and a note saved together) in the order they were written:
    # PostgreSQL, unlike SQLite, gives no order to ties.
    updates: Mapped[list[ActionUpdate]] = relationship(cascade="all, delete-orphan",
                                                       order_by="[ActionUpdate.at, ActionUpdate.id]")


class ActionUpdate(Base):
    """Append-only log of an action: each note and each status change, with who and when."""

    __tablename__ = "action_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(fk("action.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    by_user_id: Mapped[int | None] = mapped_column(fk("user_account.id", ondelete="SET NULL"))
    by_name: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    old_status: Mapped[ActionStatus | None] = mapped_column(enum_column(ActionStatus, "old_status"))
    new_status: Mapped[ActionStatus | None] = mapped_column(enum_column(ActionStatus, "new_status"))


# --- Agencies in the loop without accounts (issue 18) -----------------------------------------


class AgencyCirculation(Base):
    """A paper sent to an agency for a meeting (research request, action update sheet, minutes
    extract): what, when, by whom, the rows it listed, and when it came back."""

    __tablename__ = "agency_circulation"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(fk("meeting.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(fk("agency.id"), index=True)
    kind: Mapped[CirculationKind] = mapped_column(enum_column(CirculationKind, "kind"))
    #: The id written into the sheet (cspdesk.domain.agency_loop): how a return is recognised.
    sheet_id: Mapped[str] = mapped_column(String(40), unique=True)
    digest: Mapped[str] = mapped_column(String(64), default="")
    #: The rows the sheet listed, in order: [{"id": case or action id, "ref": reference, "version": n}, ...].
    rows: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: The files made (names only).
    files: Mapped[list[Any]] = mapped_column(JSON, default=list)
    sent_at: Mapped[datetime] = mapped_column(DateTime)
    sent_by: Mapped[str] = mapped_column(String(200), default="")
    returned_at: Mapped[datetime | None] = mapped_column(DateTime)
    returned_by: Mapped[str] = mapped_column(String(200), default="")
    #: What the last import made of the return (counts only: no personal data).
    return_summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AgencyResearch(Base):
    """What an agency holds about a case on a meeting's agenda, from its returned research sheet."""

    __tablename__ = "agency_research"
    __table_args__ = (UniqueConstraint("meeting_id", "agency_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(fk("meeting.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(fk("agency.id"), index=True)
    case_id: Mapped[int] = mapped_column(fk("case_record.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(fk("agenda_item.id", ondelete="SET NULL"), index=True)
    circulation_id: Mapped[int | None] = mapped_column(fk("agency_circulation.id", ondelete="SET NULL"))
    #: True: the agency holds records on the case; False: none; None: the row was left blank.
    known: Mapped[bool | None] = mapped_column(Boolean)
    summary: Mapped[str] = mapped_column(Text, default="")
    risks: Mapped[str] = mapped_column(Text, default="")
    victim_contact: Mapped[str] = mapped_column(Text, default="")
    returned_at: Mapped[datetime] = mapped_column(DateTime)
    imported_by: Mapped[str] = mapped_column(String(200), default="")


# --- Audit -----------------------------------------------------------------------------------


class AuditEvent(Base):
    """Who viewed, printed, exported, created, changed or deleted what, when.

    Append-only; ``prev_hash``/``hash`` chain each entry to the one before, so an edit made outside
    the application shows (``cspdesk audit verify``). See cspdesk.services.audit.audit.
    """

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)  # no FK: the trail outlives accounts
    username: Mapped[str] = mapped_column(String(80), default="")
    kind: Mapped[AuditKind] = mapped_column(enum_column(AuditKind, "kind"))
    entity: Mapped[str] = mapped_column(String(40), default="")
    entity_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: sha256 of the details as first written. The chain covers this digest, not the details, so
    #: erasure can redact personal data from old entries without breaking the chain; a redacted
    #: entry must be named by a later erasure entry, or verification fails.
    details_digest: Mapped[str] = mapped_column(String(64), default="", server_default="")
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")
    #: The account's signing key that signed ``hash`` (Ed25519, hex); None and "" for entries written
    #: before signing began, or by nobody signed in (a failed sign-in on a server). See
    #: cspdesk.services.audit.audit_signing.
    signing_key_id: Mapped[int | None] = mapped_column(Integer)
    signature: Mapped[str] = mapped_column(String(128), default="", server_default="")


class AuditSigningKey(Base):
    """An account's Ed25519 key for signing its audit entries. The private half is wrapped under the
    account's password (argon2id + AES-256-GCM, as the keyring wraps the database key), so only
    that person can sign as that account. A key is registered by an audit entry (``signing_key``)
    and replaced, never edited, when a password is reset or changed."""

    __tablename__ = "audit_signing_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)  # no FK: the trail outlives accounts
    public_key: Mapped[str] = mapped_column(String(64))
    wrapped_private: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuditCheckpoint(Base):
    """A seal: the chain's head (entry number and hash) signed by an administrator. Also kept in the
    keyring file (and so in every backup); ``payload`` is the canonical JSON that was signed."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    signing_key_id: Mapped[int] = mapped_column(Integer)
    signature: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime)


from cspdesk.storage import model_contexts as _model_contexts  # noqa: E402,F401 - CARM contexts' tables (issue 20)
from cspdesk.storage import model_offline as _model_offline  # noqa: E402,F401 - issue 21: meetings checked out
# Tables added by the feature branches (one line each, at the end: keeps merges easy).
from cspdesk.storage import model_orders  # noqa: E402,F401 - protective orders, DVDS, transfers (issue 19)
# Issue 19, part C: daily triage and ASB Case Reviews (their own module; imported last, same Base).
from cspdesk.storage import model_triage  # noqa: E402,F401
# Tables of later issues, each in its own module (the same Base).
from cspdesk.storage import model_children  # noqa: E402,F401 - issue 19: children in their own right
