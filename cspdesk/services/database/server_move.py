"""Moving a partnership from its local file to a PostgreSQL server (``cspdesk migrate``).

Every table is copied row for row with its ids, in one transaction on the server, from one
consistent read of the file: the audit trail keeps its ids, times and digests, so its hash chain
still verifies there. The file is opened read-only (signing in read-only writes nothing: no audit
entry, no keyring change), so its bytes are exactly as they were.

Before anything is committed the server's row counts are compared with the file's, table by
table, and the chain is verified on the server; any difference rolls the whole copy back. Only an
empty server database is accepted: a partnership is never merged into another.

Accounts: on a file the keyring checks passwords; on a server, argon2id hashes in the database do.
The administrator who moves the partnership keeps their password (it is hashed for the server);
every other account needs a new temporary password from an administrator on the server (the
report names them).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, String, Table, bindparam, func, inspect, select
from sqlalchemy.orm import Session

from cspdesk.domain.enums import AuditKind
from cspdesk.services.audit import audit
from cspdesk.services.audit import audit_signing
from cspdesk.services.context import Permission, ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk.storage.engine import DatabaseTarget, StoreOpenError, open_store
from cspdesk.storage.migrate import HEAD_REVISION, SchemaTooNewError, current_revision, upgrade_to_head
from cspdesk.storage.models import Base, UserAccount

ProgressFn = Callable[[int, str], None]
#: Rows read and written per round trip.
CHUNK = 2000


class MoveRefused(ServiceError):
    """The partnership was not moved; the message says why. Nothing was left on the server."""


@dataclass(frozen=True)
class MoveReport:
    source: str
    target: str
    #: Rows per table, the same in the file and (verified) on the server.
    counts: dict[str, int]
    audit_entries: int
    #: Accounts that need a new password on the server (every one but the mover's).
    accounts_needing_password: tuple[str, ...]
    seconds: float

    @property
    def total_rows(self) -> int:
        return sum(self.counts.values())


def _tables() -> list[Table]:
    """Every table, parents before children (foreign keys)."""
    return list(Base.metadata.sorted_tables)


def _label(table: Table) -> str:
    return table.name.replace("_", " ")


def _check_lengths(table: Table, rows: list[dict[str, Any]]) -> None:
    """SQLite stores a string of any length; PostgreSQL refuses one longer than its column. Find
    such values before writing, and name the row and field (never the value: it may be personal)."""
    limits = [(c.name, c.type.length) for c in table.columns if isinstance(c.type, String) and c.type.length]
    for row in rows:
        for name, limit in limits:
            value = row.get(name)
            if isinstance(value, str) and len(value) > limit:
                ident = row.get("id", "")
                raise MoveRefused(
                    f"The {_label(table)} {ident} has a {name.replace('_', ' ')} of {len(value)} characters; the "
                    f"server takes at most {limit}. Shorten it in CSPDesk, then move the partnership again."
                )


def _target_state(url: str) -> None:
    """Refuse a server database that is not empty (or not reachable); migrate an empty one."""
    try:
        store = open_store(DatabaseTarget(url=url), migrate=False)
    except StoreOpenError as exc:
        raise MoveRefused(str(exc)) from None
    try:
        ours = {t.name for t in _tables()} | {"alembic_version"}
        with store.engine.connect() as conn:
            present = set(inspect(conn).get_table_names())
            foreign = sorted(present - ours)
            if foreign:
                raise MoveRefused(
                    f"The server database {store.describe()} already holds other tables ({', '.join(foreign[:5])}). "
                    "Move the partnership into a new, empty database: ask the server's administrator for one."
                )
            filled = []
            for table in _tables():
                if table.name in present and conn.execute(select(func.count()).select_from(table)).scalar():
                    filled.append(_label(table))
            if filled:
                raise MoveRefused(
                    f"The server database {store.describe()} is not empty (it already holds "
                    f"{', '.join(filled[:4])}{'…' if len(filled) > 4 else ''}). CSPDesk moves a partnership only "
                    "into an empty database, so nothing there is overwritten or mixed: name a new, empty one."
                )
        try:
            upgrade_to_head(store.engine)
        except SchemaTooNewError as exc:
            raise MoveRefused(str(exc)) from None
    finally:
        store.dispose()


def _copy_table(src: Connection, dst: Connection, table: Table) -> int:
    """Copy every row with its ids. A column pointing into its own table (a case's earlier case)
    is written after all the rows are in, as the rows it points to may come later."""
    self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    pk = list(table.primary_key.columns)
    result = src.execution_options(yield_per=CHUNK).execute(select(table).order_by(*pk))
    later: list[dict[str, Any]] = []
    copied = 0
    for part in result.partitions():
        rows = [dict(r._mapping) for r in part]
        _check_lengths(table, rows)
        for row in rows:
            links = {c: row[c] for c in self_refs if row[c] is not None}
            if links:
                later.append({"_id": row["id"], **{f"_{c}": v for c, v in links.items()}})
                for c in links:
                    row[c] = None
        dst.execute(table.insert(), rows)
        copied += len(rows)
    for column in self_refs:
        params = [{"_id": r["_id"], f"_{column}": r[f"_{column}"]} for r in later if f"_{column}" in r]
        if params:
            dst.execute(table.update().where(table.c.id == bindparam("_id"))
                        .values({column: bindparam(f"_{column}")}), params)
    return copied


def _reset_sequences(dst: Connection) -> None:
    """Ids came from the file: move each id sequence past them, so the server's own inserts carry
    on after the last one (and an empty table starts at 1)."""
    quote = dst.dialect.identifier_preparer.quote
    for table in _tables():
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or pk[0].name != "id":
            continue
        name = quote(table.name)
        dst.exec_driver_sql(
            f"SELECT setval(seq, COALESCE((SELECT max(id) FROM {name}), 1), "
            f"(SELECT max(id) FROM {name}) IS NOT NULL) "
            f"FROM pg_get_serial_sequence('{name}', 'id') AS seq WHERE seq IS NOT NULL"
        )


def move_to_server(ctx: ServiceContext, url: str, *, password: str,
                   progress: ProgressFn | None = None) -> MoveReport:
    """Copy the partnership ``ctx`` has open (a local file; an administrator signed in, best
    read-only) into the empty PostgreSQL database at ``url``; verify counts and the audit chain
    there; give the signed-in administrator ``password`` on the server. Raises
    :class:`MoveRefused` (nothing left on the server) when it cannot."""
    ctx.require(Permission.ADMINISTER)
    start = time.perf_counter()
    report = progress or (lambda percent, message: None)
    source = ctx.store
    if not source.is_sqlite:
        raise MoveRefused("This partnership is already on a server. Its administrator moves it with the server's tools.")
    target = DatabaseTarget.parse(url)
    if target.url is None or not target.url.startswith("postgresql"):
        raise MoveRefused("--to names a PostgreSQL server: postgresql+psycopg://user:password@host/dbname")
    if current_revision(source.engine) != HEAD_REVISION:
        raise MoveRefused(f"{source.describe()} was last opened by another version of CSPDesk. Sign in to it once "
                          "with this version (which updates it), then move it.")

    report(0, "Checking the server database")
    _target_state(target.url)
    server = open_store(target, migrate=False)
    tables = _tables()
    counts: dict[str, int] = {}
    try:
        with source.engine.connect() as src, src.begin():  # one consistent read of the file
            expected = {t.name: src.execute(select(func.count()).select_from(t)).scalar() or 0 for t in tables}
            total = max(1, sum(expected.values()))
            done = 0
            with server.engine.begin() as dst:
                for table in tables:
                    report(int(90 * done / total), f"Copying {_label(table)} ({expected[table.name]:,} rows)")
                    _copy_table(src, dst, table)
                    done += expected[table.name]
                _reset_sequences(dst)

                report(92, "Checking the copy")
                counts = {t.name: dst.execute(select(func.count()).select_from(t)).scalar() or 0 for t in tables}
                wrong = [f"{_label(t)} ({counts[t.name]:,} on the server, {expected[t.name]:,} in the file)"
                         for t in tables if counts[t.name] != expected[t.name]]
                if wrong:
                    raise MoveRefused("The copy did not match the file, so nothing was kept on the server: "
                                      + "; ".join(wrong) + ".")
                session = Session(bind=dst)
                chain = audit.verify_chain(session)
                if not chain.ok:
                    raise MoveRefused(
                        f"The audit trail does not verify on the server (entry {chain.first_break_id}: "
                        f"{chain.problem}), so nothing was kept there. Run 'cspdesk audit verify' on the file."
                    )
                session.expunge_all()

                from argon2 import PasswordHasher

                mover = session.get(UserAccount, ctx.actor.user_id) if ctx.actor.user_id is not None else None
                if mover is not None:
                    mover.password_hash = PasswordHasher().hash(password)
                    if ctx.signer is not None:  # the same signing key, under the server password
                        audit_signing.rewrap(session, ctx.signer, password)
                    mover.failed_logins = 0
                    mover.locked_at = None
                others = tuple(sorted(
                    u.username for u in session.scalars(select(UserAccount).where(UserAccount.is_active))
                    if mover is None or u.id != mover.id
                ))
                audit_signing.use(session, ctx.signer)
                audit.record(session, ctx.actor, AuditKind.CREATE, "database", None,
                             {"moved_from_file": source.target.path.name if source.target.path else "",
                              "rows": sum(counts.values()), "audit_entries": chain.entries},
                             at=ctx.now())
                session.flush()
                session.close()
    finally:
        server.dispose()
    report(100, "Done")
    return MoveReport(source=source.describe(), target=target.describe(), counts=counts,
                      audit_entries=chain.entries, accounts_needing_password=others,
                      seconds=time.perf_counter() - start)
