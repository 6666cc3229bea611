"""A process that edits one action the way a service does, for the two-process conflict test.

Run by ``multiprocessing`` (spawn: a fresh interpreter, its own connections) from
tests/core/test_concurrent_edits.py. ``change_action`` is what the action tracker's status/due
date change does: read the action, check the version the user saw, change it, log it, audit it,
in one unit of work.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cspdesk.domain.enums import ActionStatus, AuditKind, Role
from cspdesk.services.audit import audit
from cspdesk.services.concurrency import expect_version
from cspdesk.services.context import Actor, ServiceContext
from cspdesk.services.errors import EditConflict
from cspdesk.storage.models import Action, ActionUpdate

#: What each side changes: different fields, so that "nothing is lost" can be seen in the end.
NEW_DUE = date(2027, 1, 15)


def apply(action: Action, change: str) -> dict[str, Any]:
    """Make ``change`` to ``action``; return the old values of what it touched."""
    if change == "status":
        old = {"status": action.status}
        action.status = ActionStatus.ONGOING
    else:
        old = {"due_date": action.due_date}
        action.due_date = NEW_DUE
    return old


def change_action(ctx: ServiceContext, action_id: int, change: str, seen_version: int | None,
                  *, barrier: Any = None) -> int:
    """One unit of work. ``seen_version``: what the user's form showed. ``barrier``: wait there
    after reading the action *inside* the transaction (the PostgreSQL race: both read the same
    version, then both write). Returns the new version."""
    with ctx.unit_of_work() as s:
        action = s.get(Action, action_id)
        assert action is not None
        if barrier is not None:
            barrier.wait(60)
        expect_version(s, action, seen_version)
        old = apply(action, change)
        new = {k: getattr(action, k) for k in old}
        now = ctx.now()
        action.updated_at = now
        s.add(ActionUpdate(action_id=action_id, at=now, by_user_id=ctx.actor.user_id, by_name=ctx.actor.username,
                           text=f"changed {change}"))
        s.flush()
        audit.record(s, ctx.actor, AuditKind.UPDATE, "action", action_id,
                     {"changes": audit.changed_fields(old, new)}, at=now)
    return action.version


def edit_in_process(db: str, key_hex: str, actor: tuple[int, str], action_id: int, change: str, race: bool,
                    barrier: Any, results: Any) -> None:
    """The body of one process: open the database, read the action's version (as a form would),
    wait for the other process, then save. Reports ("saved", version) or ("conflict", details)."""
    from cspdesk.services.database.workspace import close_workspace, open_workspace

    ctx = open_workspace(db, key=bytes.fromhex(key_hex) if key_hex else None)
    ctx.actor = Actor(user_id=actor[0], username=actor[1], role=Role.COORDINATOR)
    try:
        if race:
            # Both transactions read version N, then both write: the database's version check decides.
            version = change_action(ctx, action_id, change, None, barrier=barrier)
        else:
            with ctx.reading() as s:
                seen = s.get(Action, action_id).version
            barrier.wait(60)  # both have read version N before either saves
            version = change_action(ctx, action_id, change, seen)
        results.put((change, "saved", version, "", (), ()))
    except EditConflict as exc:
        results.put((change, "conflict", exc.current_version, str(exc), exc.fields, exc.changed_by))
    except BaseException as exc:  # noqa: BLE001 - the test reports it
        results.put((change, "error", None, f"{type(exc).__name__}: {exc}", (), ()))
    finally:
        close_workspace(ctx)
