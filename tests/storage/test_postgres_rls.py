"""Issue 22 item 5: on a server, need-to-know is enforced by PostgreSQL itself.

Each account connects as its own login role; row-level security keeps that role to its panels'
rows, and the audit trail is append-only for it. The hostile tests connect as an officer's role
with plain SQL (psycopg, as ``psql`` would) — not through CSPDesk's services — and try what a
perpetrator's friend with that officer's password would try.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import psycopg
import pytest
from psycopg import errors
from sqlalchemy import URL, create_engine, make_url, select, text

from cspdesk.domain.enums import ActionStatus, CaseStatus, PanelType, RiskLevel, Role
from cspdesk.services.access import auth
from cspdesk.services.access.accounts import AccountService
from cspdesk.services.actions.actions import ActionQuery, ActionService
from cspdesk.services.audit.audit import AuditService
from cspdesk.services.referrals.cases import CaseService
from cspdesk.services.meetings.meetings import MeetingService
from cspdesk.services.referrals.referrals import (
    CarmDraft,
    CsvgDraft,
    GroupDraft,
    LinkedPersonDraft,
    PersonDraft,
    PlaceDraft,
    ReferralService,
    SocpDraft,
)
from cspdesk.services.database.workspace import close_workspace
from cspdesk.storage.models import Action, Case, Panel, UserAccount
from cspdesk.storage.server_roles import account_url, role_name, scram_verifier

pytestmark = pytest.mark.postgres
PASSWORD = auth.DEMO_PASSWORD


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "FAILED_DELAY_STEP", 0.0)


@pytest.fixture(scope="module")
def _demo_server(pg_server: str) -> Iterator[str]:
    """The demo partnership made on the server as an administrator would (every account with its
    role), once for the module; tests that change accounts copy it first."""
    name = "cspdesk_rls_demo"
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    created, _ = auth.create_demo_database(url, password=PASSWORD)
    close_workspace(created.ctx)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def _psql(url: str, username: str, password: str = PASSWORD) -> psycopg.Connection:
    """A plain connection as the account's role, with the account's password, autocommit."""
    u = make_url(account_url(url, username, password))
    return psycopg.connect(host=u.host, port=u.port, dbname=u.database, user=u.username, password=u.password,
                           autocommit=True)


def _bare(url: str) -> str:
    """The server's URL with no login of its own, as a user's computer holds it."""
    u = make_url(url)
    return URL.create(u.drivername, host=u.host, port=u.port, database=u.database).render_as_string()


def _facts(url: str) -> dict:
    """What the owner sees: a MARAC case and its victim, an action on it, and a SOCP case, action
    and subject (a panel officer.idva is not on)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            panels = {t: i for t, i in conn.execute(select(Panel.panel_type, Panel.id).order_by(Panel.id.desc()))}

            def first_case(panel_type: PanelType, column):  # noqa: ANN001, ANN202
                return conn.execute(select(Case.id, column).where(Case.panel_id == panels[panel_type],
                                                                  column.is_not(None)).order_by(Case.id)).first()

            marac_case, marac_victim = first_case(PanelType.MARAC, Case.subject_person_id)
            csvg_case, csvg_person = first_case(PanelType.CSVG, Case.subject_person_id)
            idva = conn.scalar(select(UserAccount.agency_id).where(UserAccount.username == "officer.idva"))
            marac_action = conn.scalar(select(Action.id).where(Action.panel_id == panels[PanelType.MARAC],
                                                               Action.owner_agency_id == idva,
                                                               Action.status == ActionStatus.OPEN).order_by(Action.id))
            csvg_action = conn.scalar(select(Action.id).where(Action.panel_id == panels[PanelType.CSVG])
                                      .order_by(Action.id))
            return {"panels": panels, "marac_case": marac_case, "marac_victim": marac_victim,
                    "csvg_case": csvg_case, "csvg_person": csvg_person, "marac_action": marac_action,
                    "csvg_action": csvg_action,
                    "people": conn.scalar(text("SELECT count(*) FROM person")),
                    "audit": conn.scalar(text("SELECT count(*) FROM audit_event"))}
    finally:
        engine.dispose()


def test_an_officers_role_reads_only_its_panels_and_cannot_rewrite_the_trail(_demo_server: str) -> None:
    url = _demo_server
    f = _facts(url)
    # The CSVG victim is on no MARAC case (else the officer may see them through it).
    owner = create_engine(url)
    with owner.connect() as conn:
        assert not conn.scalar(text("SELECT count(*) FROM case_person cp JOIN case_record c ON c.id = cp.case_id "
                                    "WHERE cp.person_id = :p AND c.panel_id = :m"),
                               {"p": f["csvg_person"], "m": f["panels"][PanelType.MARAC]})
    owner.dispose()
    with _psql(url, "officer.idva") as con:  # IDVA Team Leader: MARAC only
        one = lambda sql, *args: con.execute(sql, args).fetchone()  # noqa: E731
        # Its own panel's rows: readable.
        assert one("SELECT id FROM person WHERE id = %s", f["marac_victim"]) is not None
        assert one("SELECT id FROM case_record WHERE id = %s", f["marac_case"]) is not None
        assert one("SELECT id FROM action WHERE id = %s", f["marac_action"]) is not None
        # Another panel's victim, case, action and their audit entries: not there at all.
        assert one("SELECT id, phone, address FROM person WHERE id = %s", f["csvg_person"]) is None
        assert one("SELECT id FROM case_record WHERE id = %s", f["csvg_case"]) is None
        assert one("SELECT id FROM action WHERE id = %s", f["csvg_action"]) is None
        assert one("SELECT id FROM person_alias WHERE person_id = %s", f["csvg_person"]) is None
        assert one("SELECT id FROM audit_event WHERE entity = 'person' AND entity_id = %s", f["csvg_person"]) is None
        assert {r[0] for r in con.execute("SELECT DISTINCT panel_id FROM case_record")} == {
            f["panels"][PanelType.MARAC]}
        assert one("SELECT count(*) FROM person")[0] < f["people"]
        assert one("SELECT count(*) FROM audit_event")[0] < f["audit"]
        # Nor can it change them blind.
        assert con.execute("UPDATE person SET phone = '07700 900000' WHERE id = %s", (f["csvg_person"],)).rowcount == 0
        assert con.execute("DELETE FROM case_record WHERE id = %s", (f["csvg_case"],)).rowcount == 0
        with pytest.raises(errors.InsufficientPrivilege):  # nor move its own case to the other panel
            con.execute("UPDATE case_record SET panel_id = %s WHERE id = %s",
                        (f["panels"][PanelType.CSVG], f["marac_case"]))
        # The audit trail: no changing or deleting any entry, its own included.
        for sql in ("UPDATE audit_event SET details = '{}' WHERE id = (SELECT max(id) FROM audit_event)",
                    "DELETE FROM audit_event WHERE id > 0", "TRUNCATE audit_event"):
            with pytest.raises(errors.InsufficientPrivilege):
                con.execute(sql)
        with pytest.raises(errors.InsufficientPrivilege):  # only the owner's function redacts
            con.execute("SELECT cspdesk_redact_audit(ARRAY[1])")
        # No DDL, no ownership.
        for sql in ("DROP TABLE audit_event", "ALTER TABLE person ADD COLUMN note text",
                    "ALTER TABLE case_record DISABLE ROW LEVEL SECURITY", "DROP POLICY cspdesk_need_to_know ON person",
                    "CREATE TABLE public.copy_of_people (id int)"):
            with pytest.raises(errors.InsufficientPrivilege):
                con.execute(sql)
        # No way up: not its own role or panels, not another account's role or password.
        with pytest.raises(errors.InsufficientPrivilege):
            con.execute("UPDATE user_account SET role = 'administrator' WHERE db_role = current_user")
        with pytest.raises(errors.InsufficientPrivilege):
            con.execute("INSERT INTO panel_membership (panel_id, user_id) "
                        "SELECT %s, id FROM user_account WHERE db_role = current_user",
                        (f["panels"][PanelType.CSVG],))
        with pytest.raises(errors.InsufficientPrivilege):
            con.execute("SELECT cspdesk_account_role(1, %s)", (scram_verifier("taken over!"),))
        with pytest.raises(errors.InsufficientPrivilege):
            con.execute(f'ALTER ROLE "{role_name(make_url(url).database, "admin")}" PASSWORD \'taken over!\'')
        assert one("SELECT password_hash FROM user_account WHERE username = 'admin'")[0] is None
        # It may append to the trail (every service does), and reads the head to chain to; but only
        # as itself, not in an administrator's name.
        assert one("SELECT id FROM cspdesk_audit_head()")[0] == f["audit"]
        with pytest.raises(errors.InsufficientPrivilege):
            con.execute("INSERT INTO audit_event (id, at, user_id, username, kind, entity, details, details_digest, "
                        "prev_hash, hash) SELECT h.id + 1, now(), u.id, 'admin', 'delete', 'person', '{}', '', '', '' "
                        "FROM cspdesk_audit_head() h, user_account u WHERE u.username = 'admin'")


def test_the_apps_own_flows_work_as_the_accounts_roles(_demo_server: str, pg_server: str) -> None:
    url = _demo_server
    f = _facts(url)
    # An officer updates an action on its panel: the window's store is the officer's own role.
    officer = auth.sign_in(url, "officer.idva", PASSWORD)
    try:
        assert make_url(officer.store.target.url).username == role_name(make_url(url).database, "officer.idva")
        actions = ActionService(officer)
        assert f["csvg_action"] not in actions.action_ids(ActionQuery())
        actions.update_status(f["marac_action"], ActionStatus.ONGOING, "Safety plan started")
        actions.add_note(f["marac_action"], "Refuge place confirmed")
        assert actions.action_rows([f["marac_action"]])[0].status is ActionStatus.ONGOING
        assert auth.verify_password(officer, PASSWORD) and not auth.verify_password(officer, "not the password")
    finally:
        close_workspace(officer)
    # A coordinator takes a referral and runs a meeting on its panel.
    coord = auth.sign_in(url, "coord.csvg", PASSWORD)
    try:
        csvg = f["panels"][PanelType.CSVG]
        made = ReferralService(coord).create(CsvgDraft(
            panel_id=csvg, referral_date=date(2026, 11, 2), person=PersonDraft(given_name="Robin", family_name="Hale"),
            risk_level=RiskLevel.MEDIUM, presenting_issues="Repeated calls about the stairwell")).value
        assert CaseService(coord).get_case(made.case_id).row.reference == made.reference
        ReferralService(coord).change_status(made.case_id, CaseStatus.ACCEPTED)
        meetings = MeetingService(coord)
        meeting_id = meetings.plan_meetings(csvg, datetime(2026, 12, 1, 10, 0)).value[0]
        item = meetings.add_case(meeting_id, made.case_id).value
        meetings.save_notes(item.id, discussion="Housing to visit.")
        agreed = meetings.add_agreed_action(item.id, agency_id=_an_agency(coord, csvg), text="Visit the block",
                                            due_date=date(2026, 12, 15)).value
        assert agreed.id in ActionService(coord).action_ids(ActionQuery(panel_id=csvg))
    finally:
        close_workspace(coord)
    # An OCG with its nominals, and a place: new groups, places and people written as the roles
    # of the SOCP and CARM coordinators, seen by them through their cases.
    _refer_as(url, "coord.socp", SocpDraft(
        panel_id=f["panels"][PanelType.SOCP], referral_date=date(2026, 11, 2), ocg=GroupDraft(name="Harbour Street Crew"),
        nominals=(LinkedPersonDraft(person=PersonDraft(given_name="Lee", family_name="Marsh"), role="runner"),),
        threat_scores={"harm": 3, "likelihood": 3, "position": 2, "reach": 1}))
    _refer_as(url, "coord", CarmDraft(
        panel_id=f["panels"][PanelType.CARM], referral_date=date(2026, 11, 2),
        place=PlaceDraft(name="The underpass", postcode="ME14 1AA"),
        linked=(LinkedPersonDraft(person=PersonDraft(given_name="Kai", family_name="Dunnock")),)))
    # The MARAC officer does not see the new CSVG person; the administrator's role sees everything,
    # and the trail written by all these roles verifies.
    with _psql(url, "officer.idva") as con:
        for family in ("Hale", "Marsh", "Dunnock"):
            assert con.execute("SELECT id FROM person WHERE family_name = %s", (family,)).fetchone() is None
        assert con.execute("SELECT id FROM subject_group WHERE name = 'Harbour Street Crew'").fetchone() is None
        assert con.execute("SELECT id FROM location WHERE name = 'The underpass'").fetchone() is None
    admin = auth.sign_in(url, "admin", PASSWORD)
    try:
        assert make_url(admin.store.target.url).username == role_name(make_url(url).database, "admin")
        assert f["csvg_case"] in CaseService(admin).case_ids()
        assert AuditService(admin).verify().ok
    finally:
        close_workspace(admin)


def _refer_as(url: str, username: str, draft) -> None:  # noqa: ANN001 - any panel's draft
    """``username`` signs in (its own role), makes the referral, and sees the case it made."""
    ctx = auth.sign_in(url, username, PASSWORD)
    try:
        made = ReferralService(ctx).create(draft).value
        assert made.case_id in CaseService(ctx).case_ids()
    finally:
        close_workspace(ctx)


def _an_agency(ctx, panel_id: int) -> int:  # noqa: ANN001
    return MeetingService(ctx).panel_choices(panel_id).agencies[0].id


def test_accounts_and_their_roles_move_together(pg_url: str) -> None:
    """Added → a role that logs in; disabled → NOLOGIN; reset → the new password; an own change →
    the old one stops working; made administrator → sees every panel."""
    created = auth.create_database(pg_url, admin_username="admin", admin_name="Ada", password="correct horse battery",
                                   partnership_name="Safer Testshire")
    close_workspace(created.ctx)
    admin = auth.sign_in(pg_url, "admin", "correct horse battery")  # the administrator's own role
    assert make_url(admin.store.target.url).username == role_name(make_url(pg_url).database, "admin")
    accounts = AccountService(admin)
    sam = accounts.add_account("sam", "Sam", Role.OFFICER, agency_id=None, panel_ids=frozenset(),
                               temporary_password="temporary pass 1").value
    _psql(pg_url, "sam", "temporary pass 1").close()
    owner = create_engine(pg_url)
    with owner.connect() as conn:
        row = conn.execute(select(UserAccount.db_role, UserAccount.password_hash).where(UserAccount.id == sam.id)).one()
    owner.dispose()
    assert row == (role_name(make_url(pg_url).database, "sam"), None)  # the server holds the only verifier

    open_window = auth.sign_in(pg_url, "sam", "temporary pass 1")
    accounts.disable_account(sam.id)
    with pytest.raises(Exception, match="terminat|closed|not permitted"):  # its open window stops too
        AccountService(open_window).me()
    close_workspace(open_window)
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        _psql(pg_url, "sam", "temporary pass 1")
    with pytest.raises(auth.SignInFailed, match="disabled"):
        auth.sign_in(pg_url, "sam", "temporary pass 1")

    accounts.reset_password(sam.id, "second pass 22")
    with pytest.raises(psycopg.OperationalError, match="authentication failed"):
        _psql(pg_url, "sam", "temporary pass 1")
    ctx = auth.sign_in(pg_url, "sam", "second pass 22")
    AccountService(ctx).change_password("second pass 22", "third pass 333")
    with pytest.raises(psycopg.OperationalError, match="authentication failed"):
        _psql(pg_url, "sam", "second pass 22")
    assert AccountService(ctx).me().must_change_password is False  # a fresh connection, with the new password
    close_workspace(ctx)

    accounts.update_account(sam.id, display_name="Sam", role=Role.ADMINISTRATOR, agency_id=None,
                            panel_ids=frozenset())
    with _psql(pg_url, "sam", "third pass 333") as con:
        assert con.execute("SELECT cspdesk_is_admin()").fetchone()[0] is True
    accounts.update_account(sam.id, display_name="Sam", role=Role.VIEWER, agency_id=None, panel_ids=frozenset())
    with _psql(pg_url, "sam", "third pass 333") as con:
        assert con.execute("SELECT cspdesk_is_admin()").fetchone()[0] is False
        with pytest.raises(errors.InsufficientPrivilege):  # an administrator's rights went with the role
            con.execute("INSERT INTO panel_membership (panel_id, user_id) VALUES (1, 1)")

    accounts.remove_account(sam.id)
    with pytest.raises(psycopg.OperationalError, match="authentication failed"):
        _psql(pg_url, "sam", "third pass 333")
    owner = create_engine(pg_url)
    with owner.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM pg_roles WHERE rolname = :r"),
                           {"r": role_name(make_url(pg_url).database, "sam")}) == 0
    owner.dispose()
    close_workspace(admin)


def test_an_account_from_before_roles_gets_its_role_at_its_next_sign_in(pg_url: str) -> None:
    """A server set up before migration 0010: the account has only an argon2 hash. Signing in
    through the owner's URL checks it once, gives the account its role, and drops the hash."""
    from argon2 import PasswordHasher

    created = auth.create_database(pg_url, admin_username="admin", admin_name="Ada", password="correct horse battery")
    close_workspace(created.ctx)
    engine = create_engine(pg_url)
    with engine.begin() as conn:  # as a pre-roles server held it
        conn.execute(text("UPDATE user_account SET db_role = NULL, password_hash = :h"),
                     {"h": PasswordHasher().hash("correct horse battery")})
        conn.execute(text(f'DROP ROLE "{role_name(make_url(pg_url).database, "admin")}"'))
    ctx = auth.sign_in(pg_url, "admin", "correct horse battery")
    try:
        assert make_url(ctx.store.target.url).username == role_name(make_url(pg_url).database, "admin")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT db_role IS NOT NULL, password_hash FROM user_account")).one() == (True, None)
    finally:
        close_workspace(ctx)
        engine.dispose()
    # and from now on without the owner's credentials in the URL at all.
    bare = _bare(pg_url)
    assert make_url(bare).username is None and make_url(bare).password is None
    assert auth.database_exists(bare)  # the window's first screen offers to sign in
    close_workspace(auth.sign_in(bare, "admin", "correct horse battery"))
    with pytest.raises(auth.SignInFailed, match="not right"):
        auth.sign_in(bare, "admin", "wrong horse battery")


def test_policies_read_membership_through_indexes(_demo_server: str) -> None:
    """What every policy reads (the account by its role, its panels) is found by index, and the
    panel list is worked out once per query, not once per row."""
    with _psql(_demo_server, "officer.idva") as con:
        plan = "\n".join(r[0] for r in con.execute("EXPLAIN SELECT id FROM action WHERE due_date < now()"))
    assert "InitPlan" in plan
    engine = create_engine(_demo_server)
    with engine.connect() as conn:
        indexed = {r[0] for r in conn.execute(text(
            "SELECT indexdef FROM pg_indexes WHERE tablename IN ('user_account', 'panel_membership')"))}
    engine.dispose()
    assert any("(db_role)" in d for d in indexed) and any("(user_id)" in d for d in indexed)


def test_python_and_the_server_name_roles_alike(_demo_server: str) -> None:
    """The app connects as the role the server's functions made: both compute the same name, a
    digest when the plain one would pass PostgreSQL's 63 bytes."""
    database = make_url(_demo_server).database
    long_name = "a.very.long.user.name.from.a.partner.agency@example.police.uk"
    engine = create_engine(_demo_server)
    with engine.connect() as conn:
        for suffix in ("officer.idva", long_name, "+users"):
            assert conn.scalar(text("SELECT cspdesk_role_name(:s)"), {"s": suffix}) == role_name(database, suffix)
    engine.dispose()
    assert len(role_name(database, long_name).encode()) <= 63 and role_name(database, "x") == f"cspdesk:{database}:x"


def test_a_database_with_roles_still_migrates_and_serves_the_owner(_demo_server: str) -> None:
    """The owner (the URL the administrator gave) is not held to the policies: migrations,
    retention and backups see every row."""
    from cspdesk.services.database.workspace import open_workspace

    ctx = open_workspace(_demo_server)
    try:
        with ctx.reading() as s:
            assert s.scalar(select(Case.id).limit(1)) is not None
            assert s.scalar(text("SELECT count(*) FROM person")) == _facts(_demo_server)["people"]
    finally:
        close_workspace(ctx)


def test_retention_erases_as_an_administrators_role_and_redacts_through_the_owner(_demo_server: str) -> None:
    """Erasure runs as the administrator's role (rows go under the policies' administrator rule);
    the audit entries about them are redacted by the owner's function, the only change any entry
    can get, and the trail still verifies. (Last in the module: it deletes from the shared demo.)"""
    from cspdesk.services.partnership.retention import RetentionService

    f = _facts(_demo_server)
    admin = auth.sign_in(_demo_server, "admin", PASSWORD)
    try:
        service = RetentionService(admin)
        service.set_retention(f["panels"][PanelType.MARAC], 1)
        admin.today = lambda: date.today() + timedelta(days=3 * 365)  # the demo's closed cases then past it
        due = [r.case_id for r in service.cases_past_retention()][:3]
        assert due
        for case_id in due:
            CaseService(admin).get_case(case_id)  # a view, audited: an entry about the case to redact
        report = service.erase_cases(due, "Retention period ended").value
        assert report.counts["audit_entries_redacted"] >= len(due)
        assert not set(due) & set(CaseService(admin).case_ids())
        assert AuditService(admin).verify().ok
    finally:
        close_workspace(admin)


def test_the_database_administrator_recovers_an_administrator_with_the_owners_url(pg_url: str) -> None:
    """No recovery key on a server: `cspdesk recover --db OWNER_URL --user admin` gives the
    administrator's role a new password (and a role at all, for a database copied under a new name)."""
    from cspdesk.cli import main

    created = auth.create_database(pg_url, admin_username="admin", admin_name="Ada", password="correct horse battery")
    close_workspace(created.ctx)
    engine = create_engine(pg_url)
    with engine.begin() as conn:  # locked out, and its role gone (as in a copy under another name)
        conn.execute(text("UPDATE user_account SET locked_at = now(), db_role = NULL"))
        conn.execute(text(f'DROP ROLE "{role_name(make_url(pg_url).database, "admin")}"'))
    engine.dispose()
    bare = _bare(pg_url)
    with pytest.raises(auth.SignInFailed, match="database administrator"):
        auth.recover(bare, "", "admin", "a brand new pass 4")
    import os

    os.environ["CSPDESK_NEW_PASSWORD"] = "a brand new pass 4"
    try:
        assert main(["recover", "--db", pg_url, "--user", "admin"]) == 0
    finally:
        del os.environ["CSPDESK_NEW_PASSWORD"]
    ctx = auth.sign_in(bare, "admin", "a brand new pass 4")
    assert ctx.actor.role is Role.ADMINISTRATOR
    close_workspace(ctx)


def test_every_table_has_its_grant_and_every_record_table_its_policy() -> None:
    """A table added later without a grant is refused to every account; one holding people's
    records without a policy would be open to every panel. Both fail here first."""
    import importlib.util

    from cspdesk.storage.migrate import MIGRATIONS_DIR
    from cspdesk.storage.models import Base

    # 0010_rls lists the tables it found; each later migration adding tables declares its own
    # WORK_TABLES / READ_TABLES / POLICIES and grants them (server_roles.grant_new_tables).
    work: set[str] = set()
    read: set[str] = set()
    policies: set[str] = set()
    for path in sorted((MIGRATIONS_DIR / "versions").glob("0*.py")):
        spec = importlib.util.spec_from_file_location(f"migration_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        work |= set(getattr(module, "WORK_TABLES", ()))
        read |= set(getattr(module, "READ_TABLES", ()))
        policies |= set(getattr(module, "POLICIES", {}))
    assert set(Base.metadata.tables) - work - read == set()
    # Tables every panel shares by design (the partnership's agencies and panels).
    shared = {"agency", "member", "panel", "panel_agency"}
    assert work - policies - shared == set()


def test_triage_and_case_reviews_are_kept_to_their_panels(_demo_server: str) -> None:
    """Issue 19, part C: a MARAC's triage meetings and their items, a CSVG's ASB case reviews and
    their incidents and recommendations — each read only by its panel's accounts."""
    url = _demo_server
    f = _facts(url)
    marac, csvg = f["panels"][PanelType.MARAC], f["panels"][PanelType.CSVG]
    owner = create_engine(url)
    try:
        with owner.begin() as conn:
            triage = conn.scalar(text("INSERT INTO triage_meeting (panel_id, held_on, window_first, window_last, "
                                      "created_at) VALUES (:p, '2026-12-01', '2026-11-30', '2026-12-01', now()) "
                                      "RETURNING id"), {"p": marac})
            conn.execute(text("INSERT INTO triage_item (triage_meeting_id, case_id, position, minute) "
                              "VALUES (:t, :c, 1, 'Visible high risk')"), {"t": triage, "c": f["marac_case"]})
            trigger = conn.scalar(text(
                "INSERT INTO community_trigger (panel_id, reference, ref_year, ref_seq, received_on, applicant_name, "
                "applicant_address, applicant_is_victim, on_behalf_of, summary, decision_reason, review_notes, "
                "created_at, updated_at) VALUES (:p, 'RLS-CT-1', 2026, 901, '2026-11-02', 'An Applicant', '', true, "
                "'', '', '', '', now(), now()) RETURNING id"), {"p": csvg})
            conn.execute(text("INSERT INTO community_trigger_incident (trigger_id, occurred_on, complainant, "
                              "description) VALUES (:t, '2026-10-01', '', 'Noise')"), {"t": trigger})
            conn.execute(text("INSERT INTO community_trigger_recommendation (trigger_id, position, text) "
                              "VALUES (:t, 1, 'Patrols')"), {"t": trigger})
        tables = ("triage_meeting", "triage_item", "community_trigger", "community_trigger_incident",
                  "community_trigger_recommendation")
        with _psql(url, "officer.idva") as con:  # MARAC only
            seen = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # noqa: S608
            assert seen == {"triage_meeting": 1, "triage_item": 1, "community_trigger": 0,
                            "community_trigger_incident": 0, "community_trigger_recommendation": 0}
            assert con.execute("UPDATE community_trigger SET applicant_name = 'x' WHERE id = %s",
                               (trigger,)).rowcount == 0
        with _psql(url, "coord.csvg") as con:  # CSVG only
            seen = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # noqa: S608
            assert seen == {"triage_meeting": 0, "triage_item": 0, "community_trigger": 1,
                            "community_trigger_incident": 1, "community_trigger_recommendation": 1}
    finally:
        with owner.begin() as conn:
            conn.execute(text("DELETE FROM triage_meeting WHERE panel_id = :p AND held_on = '2026-12-01'"),
                         {"p": marac})
            conn.execute(text("DELETE FROM community_trigger WHERE reference = 'RLS-CT-1'"))
        owner.dispose()
