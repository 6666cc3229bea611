"""The closed vocabularies of the panels, as PRODUCT.md names them.

Each enum's *value* is what is stored in the database (short, stable, never renamed);
``label`` is what people read.
"""

from __future__ import annotations

from enum import StrEnum


class _Labelled(StrEnum):
    @property
    def label(self) -> str:
        return _LABELS.get(self, self.value.replace("_", " ").capitalize())


class PanelType(_Labelled):
    MARAC = "marac"
    CSVG = "csvg"
    SOCP = "socp"
    CARM = "carm"
    PARTNERSHIP = "partnership"  # the CSP executive group and its strategic action plan


class Role(_Labelled):
    ADMINISTRATOR = "administrator"
    CHAIR = "chair"
    COORDINATOR = "coordinator"
    OFFICER = "officer"
    VIEWER = "viewer"


class Sector(_Labelled):
    POLICE = "police"
    LOCAL_AUTHORITY = "local_authority"
    HEALTH = "health"
    PROBATION = "probation"
    HOUSING = "housing"
    FIRE = "fire"
    SOCIAL_CARE = "social_care"
    EDUCATION = "education"
    SUBSTANCE_MISUSE = "substance_misuse"
    DOMESTIC_ABUSE = "domestic_abuse"
    VOLUNTARY = "voluntary"
    OTHER = "other"


class SubjectKind(_Labelled):
    PERSON = "person"
    GROUP = "group"
    LOCATION = "location"


class GroupKind(_Labelled):
    OCG = "ocg"
    PEER_GROUP = "peer_group"
    HOUSEHOLD = "household"


class GroupStatus(_Labelled):
    ACTIVE = "active"
    UNDER_REVIEW = "under_review"
    ARCHIVED = "archived"


class CaseStatus(_Labelled):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    LISTED = "listed"
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"


class PersonRole(_Labelled):
    VICTIM = "victim"
    PERPETRATOR = "perpetrator"
    CHILD = "child"
    HOUSEHOLD_MEMBER = "household_member"
    NOMINAL = "nominal"
    ASSOCIATE = "associate"
    PERSON_OF_CONCERN = "person_of_concern"
    SUBJECT = "subject"


class RiskLevel(_Labelled):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class AssessmentKind(_Labelled):
    DASH = "dash"
    VULNERABILITY = "vulnerability"
    THREAT_HARM = "threat_harm"
    CONTEXTUAL = "contextual"


class VulnerabilityFlag(_Labelled):
    MENTAL_HEALTH = "mental_health"
    SUBSTANCE_MISUSE = "substance_misuse"
    SELF_NEGLECT = "self_neglect"
    EXPLOITATION = "exploitation"
    HOMELESSNESS = "homelessness"
    LEARNING_DISABILITY = "learning_disability"
    DOMESTIC_ABUSE = "domestic_abuse"
    ASB_VICTIM = "asb_victim"
    ASB_PERPETRATOR = "asb_perpetrator"


class MeetingStatus(_Labelled):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    HELD = "held"
    FINALISED = "finalised"
    #: Never held: called off with a reason; its cases go back to be listed.
    CANCELLED = "cancelled"


class AttendanceStatus(_Labelled):
    PRESENT = "present"
    APOLOGIES = "apologies"
    ABSENT = "absent"


class AgendaItemKind(_Labelled):
    CONFIDENTIALITY = "confidentiality"
    ACTIONS_REVIEW = "actions_review"
    CASE = "case"
    AOB = "aob"


class Listing(_Labelled):
    NEW = "new"
    REPEAT = "repeat"
    REVIEW = "review"
    TRANSFERRED_IN = "transferred_in"


class Decision(_Labelled):
    CONTINUE = "continue"
    CLOSE = "close"
    REFER_ON = "refer_on"
    #: On the agenda but not reached or not discussed: not heard; the case goes back to be listed.
    DEFERRED = "deferred"


class ActionStatus(_Labelled):
    OPEN = "open"
    ONGOING = "ongoing"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    DISCONTINUED = "discontinued"


class Strand(_Labelled):
    PURSUE = "pursue"
    PREVENT = "prevent"
    PROTECT = "protect"
    PREPARE = "prepare"


class Rag(_Labelled):
    BLUE = "blue"
    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    GREY = "grey"


class AuditKind(_Labelled):
    VIEW = "view"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    PRINT = "print"
    EXPORT = "export"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"


_LABELS: dict[StrEnum, str] = {
    PanelType.MARAC: "MARAC",
    PanelType.CSVG: "CSVG / Community MARAC",
    PanelType.SOCP: "SOCP",
    PanelType.CARM: "CARM",
    PanelType.PARTNERSHIP: "Partnership action plan",
    Sector.LOCAL_AUTHORITY: "Local authority",
    Sector.SOCIAL_CARE: "Social care",
    Sector.SUBSTANCE_MISUSE: "Drug and alcohol",
    Sector.DOMESTIC_ABUSE: "Domestic abuse",
    GroupKind.OCG: "Organised crime group",
    GroupStatus.UNDER_REVIEW: "Under review",
    PersonRole.HOUSEHOLD_MEMBER: "Household member",
    PersonRole.PERSON_OF_CONCERN: "Person of concern",
    AssessmentKind.DASH: "DASH risk checklist",
    AssessmentKind.THREAT_HARM: "Threat, risk and harm",
    VulnerabilityFlag.SELF_NEGLECT: "Self-neglect / hoarding",
    VulnerabilityFlag.EXPLOITATION: "Exploitation / cuckooing",
    VulnerabilityFlag.ASB_VICTIM: "ASB victim",
    VulnerabilityFlag.ASB_PERPETRATOR: "ASB perpetrator",
    MeetingStatus.IN_PROGRESS: "In progress",
    MeetingStatus.FINALISED: "Minutes finalised",
    AgendaItemKind.CONFIDENTIALITY: "Confidentiality statement",
    AgendaItemKind.ACTIONS_REVIEW: "Review of outstanding actions",
    AgendaItemKind.AOB: "Any other business",
    Listing.TRANSFERRED_IN: "Transferred in",
    Decision.REFER_ON: "Refer on",
    Decision.DEFERRED: "Deferred — not heard",
    ActionStatus.ON_HOLD: "On hold",
    AuditKind.LOGIN_FAILED: "Failed login",
}
