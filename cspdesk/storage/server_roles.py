"""Each account's own PostgreSQL login role, on a server (issue 22 item 5).

On a server every CSPDesk account connects as its own login role, and PostgreSQL itself keeps each
role to its panels' rows (row-level security, migration ``0010_rls``). The roles are made and
changed by SQL functions in the database that run as its owner (``cspdesk_account_role``), so the
roles of administrators need no CREATEROLE of their own; only the owner (the role in the URL the
administrator gave, which runs the migrations) needs it.

The password never reaches the server in clear: it is sent as a SCRAM-SHA-256 verifier, the form
PostgreSQL stores (RFC 5803), computed here. A login role is named after the database and the
account (:func:`role_name`), so one server can hold several partnerships' databases.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import unicodedata
from collections.abc import Callable

from sqlalchemy import make_url, text
from sqlalchemy.orm import Session

#: PostgreSQL's own default for SCRAM verifiers (scram_iterations).
SCRAM_ITERATIONS = 4096
_MAX_ROLE_BYTES = 63


def role_name(database: str, suffix: str) -> str:
    """The role for ``suffix`` (a user name, or ``+users`` / ``+admins`` for the groups) in
    ``database``: ``cspdesk:<database>:<suffix>``, or a digest of both when that is longer than
    PostgreSQL's 63 bytes. The same as the SQL function ``cspdesk_role_name``."""
    name = f"cspdesk:{database}:{suffix}"
    if len(name.encode("utf-8")) <= _MAX_ROLE_BYTES:
        return name
    return "cspdesk:" + hashlib.sha256(f"{database}:{suffix}".encode()).hexdigest()[:40]


def scram_verifier(password: str, *, salt: bytes | None = None, iterations: int = SCRAM_ITERATIONS) -> str:
    """``SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`` for ``password``. libpq
    normalises a password with SASLprep (NFKC for our purposes) before hashing it; so do we, so a
    password with accents signs in."""
    salt = salt if salt is not None else os.urandom(16)
    prepared = unicodedata.normalize("NFKC", password).encode("utf-8")
    salted = hashlib.pbkdf2_hmac("sha256", prepared, salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def account_url(url: str, username: str, password: str) -> str:
    """``url`` (the server's, as given) with the account's own role and password instead of any
    credentials it carried: the connection the app makes once the account has signed in."""
    parsed = make_url(url)
    assert parsed.database is not None
    return parsed.set(username=role_name(parsed.database, username), password=password).render_as_string(
        hide_password=False)


def url_has_credentials(url: str) -> bool:
    """Does the URL name a user of its own (the owner's, or a shared one from before roles)?"""
    return bool(make_url(url).username)


def connected_as_account(url: str, username: str) -> bool:
    """Is ``url`` the connection of account ``username``'s own role?"""
    parsed = make_url(url)
    return parsed.database is not None and parsed.username == role_name(parsed.database, username)


def is_authentication_failure(exc: BaseException) -> bool:
    """Did the server refuse the connection for its credentials (wrong password, no such role, a
    role that may not log in), rather than being out of reach?"""
    message = str(getattr(exc, "orig", None) or exc)
    return any(m in message for m in ("authentication failed", "not permitted to log in", "role \"",
                                      "no password supplied"))


def has_account_roles(session: Session) -> bool:
    """Is this a server database whose accounts have roles (migration 0010_rls applied)?"""
    if session.get_bind().dialect.name != "postgresql":
        return False
    return session.scalar(text("SELECT to_regproc('cspdesk_account_role') IS NOT NULL")) is True


def sync_account(session: Session, user_id: int, password: str | None) -> str | None:
    """Create or bring up to date the login role of account ``user_id`` inside the caller's
    transaction (after its row is flushed): LOGIN only while active, administrators' rights only
    while an active administrator, and ``password`` when given. Returns the role's name, or None
    for an account from before roles when no password is given (it gets one at its next)."""
    verifier = scram_verifier(password) if password is not None else None
    role: str | None = session.scalar(text("SELECT cspdesk_account_role(:uid, :verifier)"),
                                      {"uid": user_id, "verifier": verifier})
    return role


def set_own_password(session: Session, password: str) -> None:
    """The connected account's role changes its own password (PostgreSQL lets any role do so)."""
    verifier = scram_verifier(password)
    # ALTER ROLE takes no bind parameters; a verifier holds only base64, digits, '$' and ':'.
    assert "'" not in verifier and "\\" not in verifier
    # (Sent as it is: a verifier's ':' would read as bind parameters to text().)
    session.connection().exec_driver_sql(f"ALTER ROLE CURRENT_USER PASSWORD '{verifier}'")


def drop_account_role(session: Session, username: str) -> bool:
    """Drop the role of an account already deleted from ``user_account`` (in this transaction)."""
    return bool(session.scalar(text("SELECT cspdesk_drop_account_role(:u)"), {"u": username}))


def redact_audit(session: Session, event_ids: list[int]) -> list[int]:
    """Retention's redaction on a server: done by ``cspdesk_redact_audit``, which runs as the
    owner (no account's role may change an audit entry) and can only put the marker in place."""
    return list(session.scalars(text("SELECT cspdesk_redact_audit(:ids)"), {"ids": event_ids}))


def audit_head(session: Session) -> tuple[int, str] | None:
    """The newest audit entry's id and hash, for chaining the next one (an account's role may not
    read other panels' entries, but every role appends to the one trail)."""
    row = session.execute(text("SELECT id, hash FROM cspdesk_audit_head()")).first()
    return (row.id, row.hash) if row else None


def locked_audit_head(session: Session) -> tuple[int, str] | None:
    """:func:`audit_head` after taking the chain's advisory lock, in one round trip (0019_latency)."""
    row = session.execute(text("SELECT id, hash FROM cspdesk_audit_locked_head()")).first()
    return (row.id, row.hash) if row else None


def password_opens_role(url: str, username: str, password: str) -> bool:
    """Does ``password`` open the account's role? (The server checks it: SCRAM.)"""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.pool import NullPool

    engine = create_engine(account_url(url, username, password), poolclass=NullPool, hide_parameters=True)
    try:
        with engine.connect():
            return True
    except DBAPIError:
        return False
    finally:
        engine.dispose()


def grant_new_tables(execute: Callable[[str], object], tables: tuple[str, ...], policies: dict[str, str]) -> None:
    """Grants and row-level policies for tables a migration after ``0010_rls`` adds (on a server).

    A migration adding tables declares ``WORK_TABLES`` (every table it adds that accounts may read
    and change) and ``POLICIES`` (table → the rows an account may see, as in ``0010_rls``; ``{mine}``
    stands for the account's panel ids) at module level — ``tests/storage/test_postgres_rls.py``
    checks every table has both — and calls this from ``upgrade()`` on PostgreSQL only::

        if op.get_bind().dialect.name == "postgresql":
            grant_new_tables(op.execute, WORK_TABLES, POLICIES)
    """
    if tables:
        names = ", ".join("'" + t.replace("'", "''") + "'" for t in tables)
        # The group roles first: a database copied under another name (a test's clone of a template)
        # has none of its own yet; cspdesk_setup_roles makes them (idempotent).
        execute(f"""DO $$ DECLARE t text; users text := cspdesk_role_name('+users'); BEGIN
              PERFORM cspdesk_setup_roles();
              FOREACH t IN ARRAY ARRAY[{names}] LOOP
                EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO %I', t, users);
              END LOOP;
              EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', current_schema(), users);
            END $$""")
    admin, mine = "(SELECT cspdesk_is_admin())", "(SELECT cspdesk_my_panels())::integer[]"
    for table, rule in policies.items():
        execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        execute(f"CREATE POLICY cspdesk_need_to_know ON {table} USING ({admin} OR {rule.format(mine=mine)})")
