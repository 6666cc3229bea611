"""MARAC-to-MARAC transfers: a case's transfer pack out, and a pack in as a new case.

**The pack** is a JSON file (``PACK_FORMAT``, version 1): the case summary, the people linked (role,
names, date of birth, gender — what the receiving MARAC needs to find them in its own records), the
latest risk assessment, the open actions and the minutes of the case's hearings. Built as plain
data and passed whole through :func:`cspdesk.domain.redaction.redact` at the circulation level:
no address, postcode, telephone number, e-mail address or contact note travels, not even one typed
into a note — and the pack holds nothing of any other case or panel (it is read from this case's
rows alone). A PDF of the same (redacted) pack goes with it, for the people who read it.

**Signed, not encrypted.** The payload's canonical JSON is signed with Ed25519: with the sending
account's audit signing key when it has one (its public key is in the sending database's trail, so
the receiving coordinator can confirm its fingerprint by telephone), else with a key made for that
one pack (which shows only that the file was not changed or damaged on the way). A pack travels by
the partnerships' secure e-mail (it already encrypts in transit), and a password of our own would
be one more secret to send another way; where one is wanted, the PDF can be sealed with
:mod:`cspdesk.services.agencies.sealing` as any circulated paper is.

**In**, a pack is checked whole before anything is written — its layout, its digest, its signature,
then every field — and refused with a message naming what is wrong. It becomes one new case on the
chosen MARAC, Accepted, with a transfer record ("transferred in", from whom, the pack's digest and
key), the people as new records, the assessment as given (a DASH's 24 answers when the pack has
them, else "score only (answers not held)"), the sender's summary as the case's summary, and the
open actions and minutes kept on the transfer record as history (they are not this MARAC's actions).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.domain.enums import ActionStatus, AuditKind, CaseStatus, PanelType, PersonRole
from cspdesk.domain.hearings import MET_STATUSES
from cspdesk.domain.marking import marking_or_default
from cspdesk.domain.orders import (
    PACK_DOMAIN,
    PACK_FORMAT,
    PACK_VERSION,
    TRANSFERABLE,
    TransferDirection,
    transfer_in_reason,
    transfer_out_outcome,
)
from cspdesk.domain.redaction import KnownContacts, Level, redact
from cspdesk.domain.referrals import ChildDraft, DashAnswer, DashChecklist, DashItem, MaracDraft, PerpetratorDraft, PersonDraft
from cspdesk.services.audit import audit
from cspdesk.services.context import OpChanges, OpResult, Permission, ServiceContext
from cspdesk.services.errors import NotFound, ServiceError, ValidationError

# The one way a case is written, with its people, reference, search keys and first assessment (as the
# referral import writes its rows); a pack is a referral from another MARAC without a referring agency.
from cspdesk.services.referrals.referrals import _create
from cspdesk.reports.transfer_pack import (
    PackAction,
    PackAssessment,
    PackCase,
    PackMinute,
    PackPerson,
    TransferPack,
)
from cspdesk.storage.model_orders import CaseTransfer
from cspdesk.storage.models import (
    Action,
    Agency,
    AgendaItem,
    Case,
    CasePerson,
    CaseStatusChange,
    Meeting,
    Panel,
    Partnership,
    Person,
    PersonContactChange,
    RiskAssessment,
    RiskAnswer,
)

_FINISHED = (ActionStatus.COMPLETED, ActionStatus.DISCONTINUED)
#: Fields the redaction leaves alone: dates, the MARACs' and partnership's own names, people's names.
_KEEP = ("from_partnership", "from_marac", "to_marac", "sent_on", "referral_date", "date_of_birth", "assessed_on",
         "due_date", "meeting_date", "given_name", "family_name", "reference", "agency")


class PackRefused(ServiceError):
    """A pack that cannot be taken in: ``what`` names the part at fault (the file, the signature, a field)."""

    def __init__(self, what: str, message: str) -> None:
        super().__init__(message)
        self.what = what


@dataclass(frozen=True)
class TransferredOut:
    case_id: int
    reference: str
    pack: bytes
    pdf: bytes
    digest: str
    signer_key: str
    one_off_key: bool


@dataclass(frozen=True)
class TransferredIn:
    case_id: int
    reference: str
    from_marac: str
    digest: str
    signer_key: str
    one_off_key: bool


@dataclass(frozen=True)
class TransferRow:
    direction: TransferDirection
    other_marac: str
    transferred_on: date
    by: str
    signer_key: str
    history: dict[str, Any]

    @property
    def text(self) -> str:
        way = "to" if self.direction is TransferDirection.OUT else "from"
        return f"{self.direction.label} {way} {self.other_marac} on {self.transferred_on:%d %b %Y} by {self.by}"


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def fingerprint(public_hex: str) -> str:
    """A key's fingerprint as people read it aloud: the first 16 hex digits of its SHA-256, in fours."""
    digest = hashlib.sha256(bytes.fromhex(public_hex)).hexdigest()[:16].upper()
    return " ".join(digest[i:i + 4] for i in range(0, 16, 4))


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


# --- out ------------------------------------------------------------------------------------------


class TransferService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def case_id(self, text: str) -> int:
        """A case of the user's by its reference (ignoring case and spaces) or its id."""
        self._ctx.require(Permission.VIEW_CASES)
        wanted = "".join(text.split()).upper()
        with self._ctx.reading() as s:
            stmt = select(Case.id, Case.panel_id)
            row = s.execute(stmt.where(Case.id == int(wanted)) if wanted.isdigit()
                            else stmt.where(func.upper(Case.reference) == wanted)).first()
        if row is None or not self._ctx.actor.sees_panel(row.panel_id):
            raise NotFound(f"There is no case {text!r} on your panels.")
        return int(row.id)

    def transfer_out(self, case_id: int, to_marac: str, *, invariant: bool = False) -> OpResult[TransferredOut]:
        """Build the case's pack for ``to_marac``, record the transfer and close the case as
        transferred out — one transaction (the pack is handed back to be written by the caller)."""
        self._ctx.require(Permission.EDIT_CASES)
        to_marac = " ".join(to_marac.split())
        if not to_marac:
            raise ValidationError("to", "Name the MARAC the case is transferred to.")
        if len(to_marac) > 200:
            raise ValidationError("to", "The receiving MARAC's name must be 200 characters or fewer.")
        with self._ctx.unit_of_work() as s:
            case_ = s.get(Case, case_id)
            if case_ is None or not self._ctx.actor.sees_panel(case_.panel_id):
                raise NotFound("That case does not exist, or is on a panel you are not a member of.")
            panel = s.get(Panel, case_.panel_id)
            assert panel is not None
            if panel.panel_type is not PanelType.MARAC:
                raise ValidationError("case", f"{case_.reference} is not a MARAC case: only MARAC cases transfer.")
            if case_.status not in TRANSFERABLE:
                raise ValidationError("case", f"{case_.reference} is {case_.status.label.lower()}: only a case "
                                              "still open here can be transferred out.")
            if to_marac.casefold() == panel.name.casefold():
                raise ValidationError("to", "A case cannot be transferred to its own MARAC.")
            pack = self._pack(s, case_, panel, to_marac)
            payload = _payload(pack)
            message = PACK_DOMAIN + canonical(payload)
            public, signature, one_off = self._sign(message)
            digest = hashlib.sha256(canonical(payload)).hexdigest()
            document = {"format": PACK_FORMAT, "version": PACK_VERSION, "payload": payload, "digest": digest,
                        "signature": {"algorithm": "Ed25519", "public_key": public, "value": signature,
                                      "key": "one-off" if one_off else "account"}}
            body = json.dumps(document, indent=1, ensure_ascii=False).encode("utf-8")
            from cspdesk.reports.transfer_pack import render_transfer_pack_pdf

            pdf = render_transfer_pack_pdf(pack, fingerprint(public), generated_by=self._ctx.actor.username,
                                           generated_at=self._ctx.now(), invariant=invariant)
            now, today = self._ctx.now(), self._ctx.today()
            s.add(CaseTransfer(case_id=case_.id, direction=TransferDirection.OUT, other_marac=to_marac,
                               transferred_on=today, by_user_id=self._ctx.actor.user_id,
                               by_username=self._ctx.actor.username, pack_digest=digest, signer_key=public,
                               history={}, created_at=now))
            old = case_.status
            case_.status, case_.outcome, case_.closed_on, case_.updated_at = (
                CaseStatus.CLOSED, transfer_out_outcome(to_marac), today, now)
            s.add(CaseStatusChange(case_id=case_.id, from_status=old, to_status=CaseStatus.CLOSED,
                                   reason=transfer_out_outcome(to_marac), at=now, by_user_id=self._ctx.actor.user_id))
            audit.record(s, self._ctx.actor, AuditKind.EXPORT, "case", case_.id,
                         {"reference": case_.reference, "transfer": "out", "to": to_marac, "digest": digest,
                          "people": len(pack.people), "actions": len(pack.open_actions),
                          "minutes": len(pack.minutes)}, at=now)
            result = TransferredOut(case_.id, case_.reference, body, pdf, digest, public, one_off)
        return OpResult(result, OpChanges(cases=True))

    def _sign(self, message: bytes) -> tuple[str, str, bool]:
        signer = self._ctx.signer
        if signer is not None:
            return signer.public_key, signer.sign(message), False
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        key = Ed25519PrivateKey.generate()
        public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
        return public, key.sign(message).hex(), True

    def _pack(self, s: Session, case_: Case, panel: Panel, to_marac: str) -> TransferPack:
        partnership = s.scalars(select(Partnership)).first()
        people: list[tuple[PersonRole, Person]] = []
        for link, person in s.execute(select(CasePerson, Person).join(Person, Person.id == CasePerson.person_id)
                                      .where(CasePerson.case_id == case_.id).order_by(CasePerson.id)):
            people.append((link.role, person))
        if case_.subject_person_id is not None and all(p.id != case_.subject_person_id for _, p in people):
            subject = s.get(Person, case_.subject_person_id)
            assert subject is not None
            people.insert(0, (PersonRole.VICTIM, subject))
        ids = [p.id for _, p in people]
        earlier = s.scalars(select(PersonContactChange).where(PersonContactChange.person_id.in_(ids))).all() if ids else []
        known = KnownContacts.of([(p.address, p.postcode, p.phone, p.contact_notes) for _, p in people]
                                 + [(c.address, c.postcode, c.phone, c.contact_notes) for c in earlier])
        latest = s.scalars(select(RiskAssessment).where(RiskAssessment.case_id == case_.id)
                           .order_by(RiskAssessment.assessed_on.desc(), RiskAssessment.id.desc()).limit(1)).first()
        assessment = None
        if latest is not None:
            answers = {a.item: a.value for a in s.scalars(select(RiskAnswer).where(RiskAnswer.assessment_id == latest.id))}
            assessment = PackAssessment(kind=latest.kind.value, tool=latest.tool_id or "", tool_version=latest.tool_version or "",
                                        assessed_on=_iso(latest.assessed_on), score=latest.score,
                                        risk_level=latest.risk_level.value if latest.risk_level else "",
                                        answers=answers, notes=latest.notes)
        actions = tuple(
            PackAction(number=a.number, text=a.text, agency=agency or "", due_date=_iso(a.due_date), status=a.status.value)
            for a, agency in s.execute(select(Action, Agency.name).outerjoin(Agency, Agency.id == Action.owner_agency_id)
                                       .where(Action.case_id == case_.id, Action.status.not_in(_FINISHED))
                                       .order_by(Action.due_date.is_(None), Action.due_date, Action.id)))
        minutes = tuple(
            PackMinute(meeting_date=_iso(starts.date()), listing=item.listing.value if item.listing else "",
                       discussion=item.discussion, risks=item.risks,
                       decision=item.decision.value if item.decision else "", decision_notes=item.decision_notes)
            for item, starts in s.execute(select(AgendaItem, Meeting.starts_at).join(Meeting, Meeting.id == AgendaItem.meeting_id)
                                          .where(AgendaItem.case_id == case_.id, Meeting.panel_id == case_.panel_id,
                                                 Meeting.status.in_(MET_STATUSES))
                                          .order_by(Meeting.starts_at, AgendaItem.id)))
        pack = TransferPack(
            from_partnership=partnership.name if partnership else "", from_marac=panel.name, to_marac=to_marac,
            sent_on=_iso(self._ctx.today()), sent_by=self._ctx.actor.username,
            protective_marking=marking_or_default(partnership.protective_marking if partnership else None),
            case=PackCase(reference=case_.reference, referral_date=_iso(case_.referral_date),
                          risk_level=case_.risk_level.value if case_.risk_level else "", reason=case_.reason,
                          summary=case_.summary,
                          professional_judgement_reason=case_.professional_judgement_reason
                          if case_.crit_professional_judgement else "",
                          police_incidents_12m=case_.police_incidents_12m, victim_aware=case_.victim_aware,
                          consent_given=case_.consent_given, children_count=case_.children_count),
            people=tuple(PackPerson(role=role.value, given_name=p.given_name, family_name=p.family_name,
                                    date_of_birth=_iso(p.date_of_birth), gender=p.gender) for role, p in people),
            assessment=assessment, open_actions=actions, minutes=minutes)
        # The one redaction: every string in the pack, with the people's recorded details known.
        return redact(pack, known, level=Level.CIRCULATION, keep=_KEEP)

    # -- in ----------------------------------------------------------------------------------------

    def panel_id_by_name(self, name: str) -> int:
        """One of the user's MARACs by name (case-insensitive); any other answered as missing."""
        self._ctx.require(Permission.VIEW_CASES)
        with self._ctx.reading() as s:
            panels = [(pid, pname) for pid, pname in s.execute(
                select(Panel.id, Panel.name).where(Panel.panel_type == PanelType.MARAC).order_by(Panel.name))
                if self._ctx.actor.sees_panel(pid)]
        for pid, pname in panels:
            if pname.casefold() == name.strip().casefold():
                return pid
        raise NotFound(f"You have no MARAC called “{name}”. Your MARACs: {', '.join(p for _, p in panels) or 'none'}.")

    def transfer_in(self, content: bytes, panel_id: int) -> OpResult[TransferredIn]:
        """Take a pack in as a new case on ``panel_id`` (a MARAC of the user's). Raises
        :class:`PackRefused` naming what is wrong, before anything is written."""
        self._ctx.require(Permission.EDIT_CASES, panel_id=panel_id)
        payload, digest, public, one_off = read_pack(content)
        pack = _parse(payload)
        with self._ctx.unit_of_work() as s:
            panel = s.get(Panel, panel_id)
            if panel is None or panel.panel_type is not PanelType.MARAC:
                raise ValidationError("panel", "A pack is taken in by a MARAC.")
            if s.scalar(select(func.count()).select_from(CaseTransfer).join(Case, Case.id == CaseTransfer.case_id)
                        .where(CaseTransfer.pack_digest == digest, CaseTransfer.direction == TransferDirection.IN,
                               Case.panel_id == panel_id)):
                raise PackRefused("file", "This pack has already been taken in by this MARAC.")
            draft = _draft(pack, panel_id, self._ctx.today())
            created = _create(self._ctx, s, draft, require_agency=False)
            case_ = s.get(Case, created.case_id)
            assert case_ is not None
            now = self._ctx.now()
            reason = transfer_in_reason(pack["from_marac"])
            case_.status, case_.updated_at = CaseStatus.ACCEPTED, now
            s.add(CaseStatusChange(case_id=case_.id, from_status=CaseStatus.RECEIVED, to_status=CaseStatus.ACCEPTED,
                                   reason=reason, at=now, by_user_id=self._ctx.actor.user_id))
            s.add(CaseTransfer(case_id=case_.id, direction=TransferDirection.IN, other_marac=pack["from_marac"],
                               transferred_on=self._ctx.today(), by_user_id=self._ctx.actor.user_id,
                               by_username=self._ctx.actor.username, pack_digest=digest, signer_key=public,
                               history={"from_reference": pack["case"]["reference"], "sent_on": pack["sent_on"],
                                        "open_actions": pack["open_actions"], "minutes": pack["minutes"]},
                               created_at=now))
            audit.record(s, self._ctx.actor, AuditKind.CREATE, "case", case_.id,
                         {"reference": case_.reference, "transfer": "in", "from": pack["from_marac"],
                          "digest": digest, "one_off_key": one_off}, at=now)
            result = TransferredIn(case_.id, case_.reference, pack["from_marac"], digest, public, one_off)
        return OpResult(result, OpChanges(cases=True, people=True))

    def transfers(self, case_id: int) -> list[TransferRow]:
        """A case's transfers, oldest first (the case view's)."""
        self._ctx.require(Permission.VIEW_CASES)
        with self._ctx.reading() as s:
            case_ = s.get(Case, case_id)
            if case_ is None or not self._ctx.actor.sees_panel(case_.panel_id):
                raise NotFound("That case does not exist, or is on a panel you are not a member of.")
            return [TransferRow(t.direction, t.other_marac, t.transferred_on, t.by_username, t.signer_key,
                                t.history or {})
                    for t in s.scalars(select(CaseTransfer).where(CaseTransfer.case_id == case_id)
                                       .order_by(CaseTransfer.created_at, CaseTransfer.id))]


def transfer_counts(s: Session, panel_id: int, start: date, end: date) -> dict[TransferDirection, int]:
    """Transfers in and out of ``panel_id`` recorded from ``start`` to ``end`` (inclusive): the return's."""
    counts = dict(s.execute(select(CaseTransfer.direction, func.count()).join(Case, Case.id == CaseTransfer.case_id)
                            .where(Case.panel_id == panel_id, CaseTransfer.transferred_on >= start,
                                   CaseTransfer.transferred_on < end + timedelta(days=1))
                            .group_by(CaseTransfer.direction)).all())
    return {d: counts.get(d, 0) for d in TransferDirection}


def _payload(pack: TransferPack) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(json.dumps(asdict(pack)))  # tuples as lists: what a reader will see
    return payload


# --- reading a pack ---------------------------------------------------------------------------------


def read_pack(content: bytes) -> tuple[dict[str, Any], str, str, bool]:
    """The payload of a pack file, its digest, the signing key and whether that key was one-off;
    :class:`PackRefused` for anything not a whole, unchanged pack."""
    from cspdesk.services.audit.audit_signing import public_key_ok

    try:
        document = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise PackRefused("file", "The file is not a transfer pack: it is not JSON text.") from None
    if not isinstance(document, dict) or document.get("format") != PACK_FORMAT:
        raise PackRefused("format", "The file is not a CSPDesk MARAC transfer pack (its “format” is missing or other).")
    if document.get("version") != PACK_VERSION:
        raise PackRefused("version", f"The pack is version {document.get('version')!r}; this CSPDesk reads version "
                                     f"{PACK_VERSION}.")
    payload, signature = document.get("payload"), document.get("signature")
    if not isinstance(payload, dict):
        raise PackRefused("payload", "The pack has no payload.")
    if not isinstance(signature, dict) or not all(isinstance(signature.get(k), str)
                                                  for k in ("public_key", "value")):
        raise PackRefused("signature", "The pack is not signed.")
    digest = hashlib.sha256(canonical(payload)).hexdigest()
    if document.get("digest") != digest:
        raise PackRefused("digest", "The pack has been changed since it was made: its contents do not match its digest.")
    if not public_key_ok(signature["public_key"], signature["value"], PACK_DOMAIN + canonical(payload)):
        raise PackRefused("signature", "The pack's signature does not match its contents: it has been changed "
                                       "or damaged since it was signed.")
    return payload, digest, signature["public_key"], signature.get("key") == "one-off"


def _field(obj: Any, key: str, kind: type | tuple[type, ...], path: str, *, optional: bool = False) -> Any:
    value = obj.get(key) if isinstance(obj, dict) else None
    if value is None and optional:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise PackRefused(f"{path}{key}", f"The pack's field “{path}{key}” is missing or of the wrong kind.")
    return value


def _date(obj: dict[str, Any], key: str, path: str, *, optional: bool = False) -> date | None:
    text = _field(obj, key, str, path)
    if not text and optional:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PackRefused(f"{path}{key}", f"The pack's field “{path}{key}” is not a date (YYYY-MM-DD).") from None


def _parse(payload: dict[str, Any]) -> dict[str, Any]:
    """Every field the import uses, checked (names, kinds, dates, roles, answers); the payload back."""
    for key in ("from_marac", "sent_on", "to_marac", "from_partnership"):
        _field(payload, key, str, "")
    if not payload["from_marac"].strip():
        raise PackRefused("from_marac", "The pack does not name the MARAC it came from.")
    _date(payload, "sent_on", "")
    case_ = _field(payload, "case", dict, "")
    for key in ("reference", "reason", "summary", "professional_judgement_reason", "risk_level"):
        _field(case_, key, str, "case.")
    _date(case_, "referral_date", "case.")
    for key in ("police_incidents_12m", "children_count"):
        _field(case_, key, int, "case.", optional=True)
    for key in ("victim_aware", "consent_given"):
        _field(case_, key, bool, "case.", optional=True)
    people = _field(payload, "people", list, "")
    roles = {r.value for r in (PersonRole.VICTIM, PersonRole.PERPETRATOR, PersonRole.CHILD)}
    for i, person in enumerate(people):
        path = f"people[{i}]."
        role = _field(person, "role", str, path)
        if role not in roles:
            raise PackRefused(f"{path}role", f"The pack's field “{path}role” is not victim, perpetrator or child.")
        for key in ("given_name", "family_name", "gender"):
            _field(person, key, str, path)
        if not (person["given_name"].strip() or person["family_name"].strip()):
            raise PackRefused(f"{path}family_name", f"The pack's person {i + 1} has no name.")
        _date(person, "date_of_birth", path, optional=True)
    if sum(1 for p in people if p["role"] == PersonRole.VICTIM.value) != 1:
        raise PackRefused("people", "The pack must name exactly one victim.")
    assessment = _field(payload, "assessment", dict, "", optional=True)
    if assessment is not None:
        _date(assessment, "assessed_on", "assessment.")
        _field(assessment, "score", int, "assessment.", optional=True)
        answers = _field(assessment, "answers", dict, "assessment.")
        if any(not isinstance(v, str) or v not in {a.value for a in DashAnswer} for v in answers.values()):
            raise PackRefused("assessment.answers", "The pack's DASH answers must each be yes, no or dont_know.")
    for key, fields in (("open_actions", ("text", "agency", "due_date", "status")),
                        ("minutes", ("meeting_date", "discussion", "risks", "decision", "decision_notes"))):
        for i, row in enumerate(_field(payload, key, list, "")):
            for f in fields:
                _field(row, f, str, f"{key}[{i}].")
    return payload


def _draft(pack: dict[str, Any], panel_id: int, today: date) -> MaracDraft:
    case_ = pack["case"]

    def person(p: dict[str, Any]) -> PersonDraft:
        return PersonDraft(given_name=p["given_name"].strip(), family_name=p["family_name"].strip(),
                           date_of_birth=date.fromisoformat(p["date_of_birth"]) if p["date_of_birth"] else None,
                           gender=p["gender"].strip())

    by_role = {r: [p for p in pack["people"] if p["role"] == r.value]
               for r in (PersonRole.VICTIM, PersonRole.PERPETRATOR, PersonRole.CHILD)}
    assessment = pack.get("assessment")
    dash, score_only = None, None
    if assessment is not None:
        answers = assessment["answers"]
        items = [f"q{n:02d}" for n in range(1, 25)]
        on = min(date.fromisoformat(assessment["assessed_on"]), today)
        if all(i in answers for i in items):  # as given: the 24 answers
            dash = DashChecklist(answers=tuple(DashItem(answer=DashAnswer(answers[i])) for i in items),
                                 assessed_on=today, assessor=f"{pack['from_marac']} (transferred)",
                                 notes=f"As assessed on {on:%d %b %Y} at {pack['from_marac']}")
        elif assessment.get("score") is not None:
            score_only = assessment["score"]
    judgement = case_["professional_judgement_reason"].strip()
    from_ = pack["from_marac"].strip()
    summary = f"Summary from {from_} ({case_['reference']}): {case_['summary'].strip() or 'none given'}"
    return MaracDraft(
        panel_id=panel_id, referral_date=today, referrer_name=from_,
        reason=case_["reason"].strip() or transfer_in_reason(from_), summary=summary,
        victim=person(by_role[PersonRole.VICTIM][0]),
        perpetrators=tuple(PerpetratorDraft(person=person(p)) for p in by_role[PersonRole.PERPETRATOR]),
        children=tuple(ChildDraft(person=person(p)) for p in by_role[PersonRole.CHILD]),
        dash=dash, dash_score_only=score_only,
        # A MARAC transfers a case it heard as high risk: the receiving MARAC hears it on that judgement.
        professional_judgement=True, professional_judgement_reason=judgement or transfer_in_reason(from_),
        police_incidents_12m=case_.get("police_incidents_12m"), victim_aware=case_.get("victim_aware"),
        consent_given=case_.get("consent_given"), children_count=case_.get("children_count"),
    )


