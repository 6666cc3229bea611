"""Stored search keys (issue 23): ``case_search_key`` holds every word a case is found by, each
with the case's referral date, so a search of any term — two letters too — is one index walk in
the list's order that stops at its limit, on SQLite and PostgreSQL alike (no FTS5 or pg_trgm,
which one engine lacks and the other needs a superuser to install).

The words (and the case list's stored sort keys, cspdesk.storage.sort_keys) are kept by the
database session itself: :func:`keep_search_keys` hooks a session
factory so every flush that adds or changes a case, a person linked to one, an alias, a group or a
place rewrites the keys of the cases concerned, in the same transaction. Rows written with Core
(the demo generator) call :func:`refresh_search_keys` themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, event, insert, select, union
from sqlalchemy.orm import Session, sessionmaker

from cspdesk.storage.models import (
    Agency,
    Case,
    CasePerson,
    CaseSearchKey,
    Location,
    Panel,
    Person,
    PersonAlias,
    SubjectGroup,
)
from cspdesk.storage.sort_keys import refresh_case_sort_keys

#: Cases whose keys are rewritten per round of statements (bound parameters stay well within limits).
_BATCH = 500
_WORD = 200  # the column's length


def group_owner(group_id: int) -> int:
    return -2 * group_id


def location_owner(location_id: int) -> int:
    return -2 * location_id - 1


def _rows_for(conn: Connection | Session, case_ids: Sequence[int]) -> list[dict[str, Any]]:
    cases = conn.execute(
        select(Case.id, Case.panel_id, Case.referral_date, Case.reference, Case.subject_person_id,
               Case.subject_group_id, Case.subject_location_id).where(Case.id.in_(case_ids))
    ).all()
    people: dict[int, set[int]] = {c.id: ({c.subject_person_id} if c.subject_person_id else set()) for c in cases}
    for case_id, person_id in conn.execute(
        select(CasePerson.case_id, CasePerson.person_id).where(CasePerson.case_id.in_(case_ids))
    ):
        people[case_id].add(person_id)
    person_ids = sorted({p for ps in people.values() for p in ps})
    words: dict[int, set[str]] = {p: set() for p in person_ids}
    if person_ids:
        for pid, given, family in conn.execute(
            select(Person.id, Person.given_norm, Person.family_norm).where(Person.id.in_(person_ids))
        ):
            words[pid].update(given.split() + family.split())
        for pid, alias in conn.execute(
            select(PersonAlias.person_id, PersonAlias.alias_norm).where(PersonAlias.person_id.in_(person_ids))
        ):
            words[pid].update(alias.split())
    group_ids = sorted({c.subject_group_id for c in cases if c.subject_group_id})
    place_ids = sorted({c.subject_location_id for c in cases if c.subject_location_id})
    groups = dict(conn.execute(select(SubjectGroup.id, SubjectGroup.name_norm).where(SubjectGroup.id.in_(group_ids))).all()) \
        if group_ids else {}
    places = dict(conn.execute(select(Location.id, Location.name_norm).where(Location.id.in_(place_ids))).all()) \
        if place_ids else {}
    out: list[dict[str, Any]] = []
    for c in cases:
        # The reference as it is (upper case): its keys never meet a name's (normalised, lower case).
        owned: list[tuple[int, Iterable[str]]] = [(0, [c.reference])]
        owned += [(pid, words.get(pid, ())) for pid in sorted(people[c.id])]
        if c.subject_group_id:
            owned.append((group_owner(c.subject_group_id), (groups.get(c.subject_group_id) or "").split()))
        if c.subject_location_id:
            owned.append((location_owner(c.subject_location_id), (places.get(c.subject_location_id) or "").split()))
        for owner, owner_words in owned:
            for word in sorted(set(owner_words)):
                word = word[:_WORD]
                out.append({"case_id": c.id, "panel_id": c.panel_id, "referral_date": c.referral_date,
                            "owner": owner, "word": word, "key2": word[:2], "key3": word[:3]})
    return out


def refresh_search_keys(conn: Connection | Session, case_ids: Iterable[int] | None = None) -> None:
    """Rewrite the search keys of the cases given (every case when None), in the caller's transaction."""
    table = cast(Table, CaseSearchKey.__table__)
    if case_ids is None:
        conn.execute(delete(table))
        ids = list(conn.scalars(select(Case.id).order_by(Case.id)))
    else:
        ids = sorted(set(case_ids))
    for start in range(0, len(ids), _BATCH):
        batch = ids[start:start + _BATCH]
        if case_ids is not None:
            conn.execute(delete(table).where(table.c.case_id.in_(batch)))
        rows = _rows_for(conn, batch)
        if rows:
            conn.execute(insert(table), rows)


def _cases_touched(session: Session) -> set[int]:
    """Ids of the cases whose words the objects this flush wrote may have changed."""
    cases: set[int] = set()
    persons: set[int] = set()
    groups: set[int] = set()
    places: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Case):
            if obj not in session.deleted and obj.id is not None:
                cases.add(obj.id)
        elif isinstance(obj, CasePerson):
            if obj.case_id is not None:
                cases.add(obj.case_id)
        elif isinstance(obj, PersonAlias):
            if obj.person_id is not None:
                persons.add(obj.person_id)
        elif isinstance(obj, Person) and obj in session.dirty:
            persons.add(obj.id)
        elif isinstance(obj, SubjectGroup) and obj in session.dirty:
            groups.add(obj.id)
        elif isinstance(obj, Location) and obj in session.dirty:
            places.add(obj.id)
    lookups = []
    if persons:
        lookups += [select(Case.id).where(Case.subject_person_id.in_(sorted(persons))),
                    select(CasePerson.case_id).where(CasePerson.person_id.in_(sorted(persons)))]
    if groups:
        lookups.append(select(Case.id).where(Case.subject_group_id.in_(sorted(groups))))
    if places:
        lookups.append(select(Case.id).where(Case.subject_location_id.in_(sorted(places))))
    if lookups:
        cases.update(session.connection().scalars(union(*lookups)))
    return cases


def _cases_resorted(session: Session) -> set[int]:
    """Ids of the cases whose stored sort keys this flush may have changed: cases written, and
    every case of a panel or referring agency renamed."""
    cases = {o.id for o in (*session.new, *session.dirty) if isinstance(o, Case) and o.id is not None}
    panels = {o.id for o in session.dirty if isinstance(o, Panel)}
    agencies = {o.id for o in session.dirty if isinstance(o, Agency)}
    lookups = []
    if panels:
        lookups.append(select(Case.id).where(Case.panel_id.in_(sorted(panels))))
    if agencies:
        lookups.append(select(Case.id).where(Case.referring_agency_id.in_(sorted(agencies))))
    if lookups:
        cases.update(session.connection().scalars(union(*lookups)))
    return cases


_PENDING = "cspdesk_search_keys_pending"


def _after_flush(session: Session, _context: object) -> None:
    """Note the cases this flush touched; their keys are rewritten once, as the transaction
    commits (an import of 3,000 referrals flushes once a row: rewriting at each flush read every
    case's people 3,000 times over)."""
    touched, resorted = session.info.setdefault(_PENDING, (set(), set()))
    touched |= _cases_touched(session)
    resorted |= _cases_resorted(session)


def _before_commit(session: Session) -> None:
    session.flush()  # what is still pending is noted first
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    touched, resorted = pending
    if touched:
        refresh_search_keys(session.connection(), touched)
    if resorted:
        refresh_case_sort_keys(session.connection(), resorted)


def _after_rollback(session: Session, _previous: object = None) -> None:
    session.info.pop(_PENDING, None)


def keep_search_keys(factory: sessionmaker[Session]) -> None:
    """Have every session ``factory`` makes keep ``case_search_key`` (and the stored sort keys) up
    to date: noted as it flushes, written once as the transaction commits."""
    for name, fn in (("after_flush", _after_flush), ("before_commit", _before_commit),
                     ("after_soft_rollback", _after_rollback)):
        if not event.contains(factory, name, fn):
            event.listen(factory, name, fn)
