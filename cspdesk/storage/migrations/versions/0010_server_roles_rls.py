"""server roles and row-level security

Issue 22 item 5: on a PostgreSQL server, need-to-know is enforced by PostgreSQL itself.

- ``user_account.db_role``: the login role each account connects as (both engines carry the
  column; only a server fills it).
- On PostgreSQL only: two group roles per database (``cspdesk:<db>:+users`` and ``…:+admins``)
  holding the grants, SQL functions that create and change an account's login role (run as the
  owner: SECURITY DEFINER), row-level security on every table that holds people, cases, actions,
  OCGs, meetings and their children, and an audit table that accounts may only read (their
  panels' entries) and append to. The owner (the role that runs migrations) keeps every right and
  bypasses the policies; retention's audit redaction goes through ``cspdesk_redact_audit``, which
  runs as the owner and can only put the redaction marker in place.

Revision ID: 0010_rls
Revises: 0004_actions
Create Date: 2026-12-07 09:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_rls"
down_revision: str | None = "0009_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Tables every account's role may read and change (row-level security narrows the rows).
WORK_TABLES = (
    "agency", "member", "panel", "panel_agency", "person", "person_alias", "person_contact_change",
    "subject_group", "group_person",
    "location", "location_person", "case_record", "case_person", "case_flag", "case_status_change",
    "risk_assessment", "risk_answer", "meeting", "attendance", "agenda_item", "minutes_addendum", "action",
    "action_update",
    # Each account's audit signing key (0009_audit): an account keeps its own, an administrator any.
    "audit_signing_key",
)
#: Tables accounts only read; administrators also change them (audit_event: nobody changes it).
READ_TABLES = ("partnership", "panel_membership", "user_account", "audit_event", "alembic_version",
               "audit_checkpoint")  # seals of the chain's head: written by administrators only

ADMIN = "(SELECT cspdesk_is_admin())"
MINE = "(SELECT cspdesk_my_panels())::integer[]"

#: table → the rows an account's role may see and write (administrators see every row).
POLICIES = {
    "case_record": "panel_id = ANY ({mine})",
    "meeting": "panel_id = ANY ({mine})",
    "action": "panel_id = ANY ({mine})",
    "case_person": "case_id IN (SELECT id FROM case_record)",
    "case_flag": "case_id IN (SELECT id FROM case_record)",
    "case_status_change": "case_id IN (SELECT id FROM case_record)",
    "attendance": "meeting_id IN (SELECT id FROM meeting)",
    "agenda_item": "meeting_id IN (SELECT id FROM meeting)",
    "minutes_addendum": "meeting_id IN (SELECT id FROM meeting)",
    "action_update": "action_id IN (SELECT id FROM action)",
    "risk_assessment": "case_id IN (SELECT id FROM case_record) OR group_id IN (SELECT id FROM subject_group)",
    "risk_answer": "assessment_id IN (SELECT id FROM risk_assessment)",
    "subject_group": ("id IN (SELECT subject_group_id FROM case_record) OR id IN (SELECT group_id FROM action)"
                      " OR cspdesk_group_unlinked(id)"),
    "group_person": "group_id IN (SELECT id FROM subject_group)",
    "location": "id IN (SELECT subject_location_id FROM case_record) OR cspdesk_location_unlinked(id)",
    "location_person": "location_id IN (SELECT id FROM location)",
    "person": ("id IN (SELECT subject_person_id FROM case_record) OR id IN (SELECT person_id FROM case_person)"
               " OR id IN (SELECT person_id FROM group_person) OR id IN (SELECT person_id FROM location_person)"
               " OR cspdesk_person_unlinked(id)"),
    "person_alias": "person_id IN (SELECT id FROM person)",
    # A person's earlier addresses and phones (0005_record): seen with the person, never without.
    "person_contact_change": "person_id IN (SELECT id FROM person)",
    "audit_signing_key": "user_id = (SELECT cspdesk_account_id())",
}

_DEFINER = "SECURITY DEFINER SET search_path FROM CURRENT"

FUNCTIONS = [
    # The role name for ``suffix`` (a user name, or +users/+admins, which no user name can be):
    # cspdesk.storage.server_roles.role_name computes the same in Python.
    """CREATE OR REPLACE FUNCTION cspdesk_role_name(suffix text) RETURNS text LANGUAGE sql STABLE AS $$
      SELECT CASE WHEN octet_length('cspdesk:' || current_database() || ':' || suffix) <= 63
                  THEN 'cspdesk:' || current_database() || ':' || suffix
                  ELSE 'cspdesk:' || left(encode(sha256(convert_to(current_database() || ':' || suffix, 'UTF8')),
                                                 'hex'), 40)
             END $$""",
    # Who the current role is, as an account. plpgsql: never inlined into a policy, so a policy on
    # user_account cannot recurse through them; policies call them as (SELECT f()), once a query.
    """CREATE OR REPLACE FUNCTION cspdesk_account_id() RETURNS integer LANGUAGE plpgsql STABLE AS $$
      BEGIN RETURN (SELECT id FROM user_account WHERE db_role = current_user AND is_active); END $$""",
    """CREATE OR REPLACE FUNCTION cspdesk_is_admin() RETURNS boolean LANGUAGE plpgsql STABLE AS $$
      BEGIN RETURN EXISTS (SELECT 1 FROM user_account WHERE db_role = current_user AND is_active
                           AND role = 'administrator'); END $$""",
    """CREATE OR REPLACE FUNCTION cspdesk_my_panels() RETURNS integer[] LANGUAGE plpgsql STABLE AS $$
      BEGIN RETURN (SELECT coalesce(array_agg(pm.panel_id), '{}') FROM panel_membership pm
                    JOIN user_account u ON u.id = pm.user_id WHERE u.db_role = current_user AND u.is_active);
      END $$""",
    # A person, group or place not yet linked to any case (it is written a moment before its case in
    # the same transaction, and INSERT … RETURNING must be able to see it). Run as the owner: the
    # links on other panels count too, so a linked row never becomes visible through this.
    f"""CREATE OR REPLACE FUNCTION cspdesk_person_unlinked(pid integer) RETURNS boolean LANGUAGE sql STABLE
      {_DEFINER} AS $$
      SELECT NOT EXISTS (SELECT 1 FROM case_record WHERE subject_person_id = pid)
         AND NOT EXISTS (SELECT 1 FROM case_person WHERE person_id = pid)
         AND NOT EXISTS (SELECT 1 FROM group_person WHERE person_id = pid)
         AND NOT EXISTS (SELECT 1 FROM location_person WHERE person_id = pid) $$""",
    f"""CREATE OR REPLACE FUNCTION cspdesk_group_unlinked(gid integer) RETURNS boolean LANGUAGE sql STABLE
      {_DEFINER} AS $$
      SELECT NOT EXISTS (SELECT 1 FROM case_record WHERE subject_group_id = gid)
         AND NOT EXISTS (SELECT 1 FROM action WHERE group_id = gid) $$""",
    f"""CREATE OR REPLACE FUNCTION cspdesk_location_unlinked(lid integer) RETURNS boolean LANGUAGE sql STABLE
      {_DEFINER} AS $$ SELECT NOT EXISTS (SELECT 1 FROM case_record WHERE subject_location_id = lid) $$""",
    # The chain head for appending to the audit trail: accounts cannot read other panels' entries.
    f"""CREATE OR REPLACE FUNCTION cspdesk_audit_head() RETURNS TABLE (id integer, hash varchar)
      LANGUAGE sql STABLE {_DEFINER} AS $$
      SELECT e.id, e.hash FROM audit_event e ORDER BY e.id DESC LIMIT 1 $$""",
    # Retention's erasure: the only change ever made to an audit entry, run as the owner. It can
    # only put the redaction marker in place (the digest stays, so `audit verify` still requires a
    # later erasure entry naming each redacted entry).
    f"""CREATE OR REPLACE FUNCTION cspdesk_redact_audit(ids integer[]) RETURNS SETOF integer LANGUAGE sql
      VOLATILE {_DEFINER} AS $$
      UPDATE audit_event SET details = '{{"redacted": true}}'::json WHERE id = ANY (ids) RETURNING id $$""",
    # Only the owner (or a superuser) writes user_account.db_role: an administrator who could point
    # an account at another role could then reset that role's password.
    """CREATE OR REPLACE FUNCTION cspdesk_guard_db_role() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF ((TG_OP = 'INSERT' AND NEW.db_role IS NOT NULL)
            OR (TG_OP = 'UPDATE' AND (NEW.db_role IS DISTINCT FROM OLD.db_role
                                      OR (OLD.db_role IS NOT NULL AND NEW.username <> OLD.username))))
           AND current_user <> pg_get_userbyid((SELECT relowner FROM pg_class WHERE oid = TG_RELID))
           AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
          RAISE EXCEPTION 'user_account.db_role is set by cspdesk_account_role only'
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$""",
    # The group roles and their grants, for this database (idempotent: run again by every call of
    # cspdesk_account_role, so a database copied under another name gets its own groups).
    f"""CREATE OR REPLACE FUNCTION cspdesk_setup_roles() RETURNS void LANGUAGE plpgsql VOLATILE {_DEFINER} AS $$
      DECLARE
        users text := cspdesk_role_name('+users');
        admins text := cspdesk_role_name('+admins');
        t text;
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = users) THEN
          EXECUTE format('CREATE ROLE %I NOLOGIN', users);
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = admins) THEN
          EXECUTE format('CREATE ROLE %I NOLOGIN', admins);
          EXECUTE format('GRANT %I TO %I', users, admins);
        END IF;
        FOREACH t IN ARRAY ARRAY{list(WORK_TABLES)!r} LOOP
          EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO %I', t, users);
        END LOOP;
        FOREACH t IN ARRAY ARRAY{list(READ_TABLES)!r} LOOP
          EXECUTE format('GRANT SELECT ON %I TO %I', t, users);
        END LOOP;
        EXECUTE format('GRANT INSERT ON audit_event TO %I', users);
        EXECUTE format('GRANT UPDATE (password_hash, must_change_password, failed_logins, locked_at) '
                       'ON user_account TO %I', users);
        EXECUTE format('GRANT INSERT, UPDATE, DELETE ON partnership, panel_membership, user_account TO %I', admins);
        EXECUTE format('GRANT INSERT ON audit_checkpoint TO %I', admins);
        EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', current_schema(), users);
        EXECUTE format('GRANT EXECUTE ON FUNCTION cspdesk_account_role(integer, text), '
                       'cspdesk_drop_account_role(text), cspdesk_redact_audit(integer[]) TO %I', admins);
      END $$""",
    # End a role's open connections (a disabled or removed account). The owner may lack the right
    # to signal them (it is neither a superuser nor a member of the role): then they end when they
    # next reconnect, which the role can no longer do.
    f"""CREATE OR REPLACE FUNCTION cspdesk_end_sessions(r text) RETURNS void LANGUAGE plpgsql VOLATILE {_DEFINER} AS $$
      BEGIN
        PERFORM pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = r AND pid <> pg_backend_pid();
      EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'the open sessions of % could not be ended', r;
      END $$""",
    # Create or bring up to date account ``uid``'s login role: LOGIN only while the account is
    # active, a member of +admins only while it is an active administrator, and (when given) the
    # password as a SCRAM verifier (the password itself never reaches the server).
    f"""CREATE OR REPLACE FUNCTION cspdesk_account_role(uid integer, verifier text) RETURNS text
      LANGUAGE plpgsql VOLATILE {_DEFINER} AS $$
      DECLARE
        a user_account%ROWTYPE;
        r text;
        admins text := cspdesk_role_name('+admins');
      BEGIN
        SELECT * INTO a FROM user_account WHERE id = uid;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'account % does not exist', uid USING ERRCODE = 'no_data_found';
        END IF;
        IF verifier IS NOT NULL AND verifier NOT LIKE 'SCRAM-SHA-256$%' THEN
          RAISE EXCEPTION 'a password is given as a SCRAM-SHA-256 verifier' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        PERFORM cspdesk_setup_roles();
        r := cspdesk_role_name(a.username);
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
          IF verifier IS NULL THEN
            RETURN NULL;  -- an account from before roles: it gets one at its next password
          END IF;
          EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', r);
        END IF;
        EXECUTE format('ALTER ROLE %I %s', r, CASE WHEN a.is_active THEN 'LOGIN' ELSE 'NOLOGIN' END);
        IF NOT a.is_active THEN
          PERFORM cspdesk_end_sessions(r);  -- a disabled account's open windows stop now
        END IF;
        IF verifier IS NOT NULL THEN
          EXECUTE format('ALTER ROLE %I PASSWORD %L', r, verifier);
        END IF;
        EXECUTE format('GRANT %I TO %I', cspdesk_role_name('+users'), r);
        IF a.is_active AND a.role = 'administrator' THEN
          EXECUTE format('GRANT %I TO %I', admins, r);
        ELSIF pg_has_role(r, admins, 'MEMBER') THEN
          EXECUTE format('REVOKE %I FROM %I', admins, r);
        END IF;
        UPDATE user_account SET db_role = r WHERE id = uid AND db_role IS DISTINCT FROM r;
        RETURN r;
      END $$""",
    # An account removed from user_account: its role goes too.
    f"""CREATE OR REPLACE FUNCTION cspdesk_drop_account_role(uname text) RETURNS boolean LANGUAGE plpgsql
      VOLATILE {_DEFINER} AS $$
      DECLARE r text := cspdesk_role_name(uname);
      BEGIN
        IF EXISTS (SELECT 1 FROM user_account WHERE username = uname)
           OR NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
          RETURN false;
        END IF;
        PERFORM cspdesk_end_sessions(r);
        EXECUTE format('DROP ROLE %I', r);
        RETURN true;
      END $$""",
]

#: Functions only administrators' roles (and the owner) may call.
ADMIN_ONLY = ("cspdesk_account_role(integer, text)", "cspdesk_redact_audit(integer[])",
              "cspdesk_drop_account_role(text)", "cspdesk_setup_roles()", "cspdesk_end_sessions(text)")


def _policy_statements() -> list[str]:
    out = []
    for table, rule in POLICIES.items():
        out += [f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
                f"CREATE POLICY cspdesk_need_to_know ON {table} USING ({ADMIN} OR {rule.format(mine=MINE)})"]
    out += [
        # Panels: every account sees the list; only its own panels (administrators: any) change.
        "ALTER TABLE panel ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY cspdesk_list ON panel FOR SELECT USING (true)",
        f"CREATE POLICY cspdesk_need_to_know ON panel USING ({ADMIN} OR id = ANY ({MINE}))",
        # Accounts: everyone reads names; an account changes only its own row (and the grants
        # limit which columns), administrators any.
        "ALTER TABLE user_account ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY cspdesk_list ON user_account FOR SELECT USING (true)",
        f"CREATE POLICY cspdesk_own ON user_account FOR UPDATE USING ({ADMIN} OR db_role = current_user)",
        f"CREATE POLICY cspdesk_admin_add ON user_account FOR INSERT WITH CHECK ({ADMIN})",
        f"CREATE POLICY cspdesk_admin_remove ON user_account FOR DELETE USING ({ADMIN})",
        "CREATE TRIGGER cspdesk_guard_db_role BEFORE INSERT OR UPDATE ON user_account "
        "FOR EACH ROW EXECUTE FUNCTION cspdesk_guard_db_role()",
        # The audit trail: appended by anyone; read by administrators, and by an account for its
        # own entries and those about records it can see. No UPDATE or DELETE policy (nor grant).
        "ALTER TABLE audit_event ENABLE ROW LEVEL SECURITY",
        # An account appends entries as itself (or as no one: a failed sign-in), never as another.
        f"CREATE POLICY cspdesk_append ON audit_event FOR INSERT WITH CHECK ({ADMIN} OR user_id IS NULL "
        "OR user_id = (SELECT cspdesk_account_id()))",
        f"""CREATE POLICY cspdesk_need_to_know ON audit_event FOR SELECT USING ({ADMIN}
            OR user_id = (SELECT cspdesk_account_id())
            OR (entity = 'case' AND entity_id IN (SELECT id FROM case_record))
            OR (entity = 'action' AND entity_id IN (SELECT id FROM action))
            OR (entity = 'meeting' AND entity_id IN (SELECT id FROM meeting))
            OR (entity = 'agenda_item' AND entity_id IN (SELECT id FROM agenda_item))
            OR (entity = 'person' AND entity_id IN (SELECT id FROM person))
            OR (entity = 'group' AND entity_id IN (SELECT id FROM subject_group)))""",
    ]
    return out


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("db_role", sa.String(length=63), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_user_account_db_role"), ["db_role"])
    if op.get_bind().dialect.name != "postgresql":
        return  # a file has one key and no roles: CSPDesk itself keeps panels apart there
    for statement in FUNCTIONS:
        op.execute(statement)
    for signature in ADMIN_ONLY:
        op.execute(f"REVOKE EXECUTE ON FUNCTION {signature} FROM PUBLIC")
    for statement in _policy_statements():
        op.execute(statement)
    op.execute("SELECT cspdesk_setup_roles()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS cspdesk_guard_db_role ON user_account")
        for table in (*POLICIES, "panel", "user_account", "audit_event"):
            for name in ("cspdesk_need_to_know", "cspdesk_list", "cspdesk_own", "cspdesk_admin_add",
                         "cspdesk_admin_remove", "cspdesk_append"):
                op.execute(f"DROP POLICY IF EXISTS {name} ON {table}")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        for name in ("cspdesk_drop_account_role(text)", "cspdesk_end_sessions(text)",
                     "cspdesk_account_role(integer, text)", "cspdesk_setup_roles()",
                     "cspdesk_guard_db_role()", "cspdesk_redact_audit(integer[])", "cspdesk_audit_head()",
                     "cspdesk_location_unlinked(integer)", "cspdesk_group_unlinked(integer)",
                     "cspdesk_person_unlinked(integer)", "cspdesk_my_panels()", "cspdesk_is_admin()",
                     "cspdesk_account_id()", "cspdesk_role_name(text)"):
            op.execute(f"DROP FUNCTION IF EXISTS {name}")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_user_account_db_role"), type_="unique")
        batch_op.drop_column("db_role")
