"""A meeting checked out of a server, run with the server stopped, and checked back in (issue 21).

Its own PostgreSQL server (tests/pg.py), so the test can stop it while the meeting runs and start it
again for the check-in; the demo partnership made on it as an administrator would (every account
with its own login role). Real encrypted meeting files, a real SIGKILL of a real check-in.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, func, make_url, select, text

from cspdesk.domain.enums import ActionStatus, AttendanceStatus, Decision, MeetingStatus, PanelType
from cspdesk.services.access import auth
from cspdesk.services.audit import audit
from cspdesk.services.database.workspace import close_workspace
from cspdesk.services.errors import ServiceError
from cspdesk.services.meetings.meetings import MeetingService
from cspdesk.services.offline import checkin, checkout
from cspdesk.services.offline_guard import MeetingCheckedOut
from cspdesk.storage.model_offline import MeetingCheckout
from cspdesk.storage.models import Action, ActionUpdate, AgendaItem, Attendance, AuditEvent, Meeting, Panel

pytestmark = pytest.mark.postgres
PASSWORD = auth.DEMO_PASSWORD
CHAIR = "chair.marac"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "FAILED_DELAY_STEP", 0.0)


class Server:
    """A private PostgreSQL server the test may stop and start again."""

    def __init__(self, url: str) -> None:
        self.url = url
        engine = create_engine(url)
        with engine.connect() as conn:
            self.data = conn.execute(text("SHOW data_directory")).scalar_one()
            self.port = conn.execute(text("SHOW port")).scalar_one()
            self.sockets = conn.execute(text("SHOW unix_socket_directories")).scalar_one()
        engine.dispose()
        self.as_user = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
        from pg import _pg_bin

        self.pg_ctl = _pg_bin("pg_ctl")

    def stop(self) -> None:
        subprocess.run([*self.as_user, self.pg_ctl, "-D", self.data, "-m", "fast", "-w", "stop"], check=True,
                       capture_output=True)

    def start(self) -> None:
        subprocess.run([*self.as_user, self.pg_ctl, "-D", self.data, "-l", str(Path(self.data).parent / "log"), "-w",
                        "-o", f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.sockets} -c fsync=off",
                        "start"], check=True, capture_output=True)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    from pg import PostgresUnavailable, postgres_server

    if os.environ.get("CSPDESK_TEST_PG_URL"):
        pytest.skip("stops its server: needs one the tests start themselves")
    try:
        with postgres_server() as url:
            name = "cspdesk_offline_demo"
            admin = create_engine(url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            demo = make_url(url).set(database=name).render_as_string(hide_password=False)
            created, _ = auth.create_demo_database(demo, password=PASSWORD)
            close_workspace(created.ctx)
            yield Server(demo)
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))


def _marac_meeting(ctx, cases: int = 1, taken: set[int] = set()) -> int:  # noqa: ANN001, B006 - shared on purpose
    """A planned MARAC meeting with ``cases`` cases or more on its agenda that no other test has used
    (the demo has few: each test takes its own)."""
    service = MeetingService(ctx)
    with ctx.reading() as s:
        panel = s.scalar(select(Panel.id).where(Panel.panel_type == PanelType.MARAC))
    for row in sorted(service.list_meetings(panel), key=lambda r: r.cases):  # the smallest that will do
        if row.status is MeetingStatus.PLANNED and row.cases >= cases and row.id not in taken:
            taken.add(row.id)
            return row.id
    raise AssertionError("the demo has no planned MARAC meeting with cases left")


def _new_meeting(ctx, hour: int) -> int:  # noqa: ANN001
    """A new planned MARAC meeting of no business (for tests that need no cases)."""
    with ctx.reading() as s:
        panel = s.scalar(select(Panel.id).where(Panel.panel_type == PanelType.MARAC))
    return MeetingService(ctx).plan_meetings(panel, datetime(2031, 3, 4, hour, 0)).value[0]


@contextmanager
def _owner(server: Server) -> Iterator[Connection]:
    """A plain connection as the database's owner, to look at what the server holds."""
    engine = create_engine(server.url)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def _run_meeting(file: Path) -> dict:
    """The whole meeting, in the meeting file, as the chair: attendance, notes, reviews of every
    earlier action, an agreed action per case, decisions, the end, the minutes finalised."""
    ctx = auth.sign_in(file, CHAIR, PASSWORD)
    service = MeetingService(ctx)
    detail = service.get_meeting(_only_meeting(ctx))
    mid = detail.row.id
    service.start_meeting(mid)
    with ctx.reading() as s:
        agency = s.scalar(select(Action.owner_agency_id).where(Action.owner_agency_id.is_not(None)).limit(1))
    service.set_attendance(mid, agency_id=agency, name="A. Attendee", status=AttendanceStatus.PRESENT)
    reviewed, agreed = [], []
    for item in detail.case_items:
        service.save_notes(item.id, discussion=f"Discussed offline {item.id}", risks="Risks noted offline")
        for earlier in service.earlier_actions(item.id):
            service.review_action(earlier.id, ActionStatus.COMPLETED, note="Done, said offline", meeting_id=mid)
            reviewed.append(earlier.id)
        agreed.append(service.add_agreed_action(item.id, agency_id=agency, text=f"Agreed offline {item.id}").value.id)
        service.record_decision(item.id, Decision.CONTINUE, "Continue, offline")
    service.end_meeting(mid)
    service.finalise_minutes(mid)
    with ctx.reading() as s:
        entries = s.scalar(select(func.count()).select_from(AuditEvent))
    close_workspace(ctx)
    return {"meeting": mid, "items": [i.id for i in detail.case_items], "reviewed": reviewed, "agreed": agreed,
            "entries": entries}


def _only_meeting(ctx) -> int:  # noqa: ANN001
    with ctx.reading() as s:
        return s.scalar(select(MeetingCheckout.meeting_id))


def test_a_whole_meeting_offline_with_the_server_stopped_then_checked_in(server: Server, tmp_path: Path) -> None:
    chair = auth.sign_in(server.url, CHAIR, PASSWORD)
    coord = auth.sign_in(server.url, "coord", PASSWORD)
    mid = _marac_meeting(chair, cases=2)
    file = tmp_path / "meeting.cspdesk"
    report = checkout.check_out(chair, mid, file, password=PASSWORD).value
    assert file.exists() and report.counts["agenda_item"] >= 2
    assert b"SQLite format 3" not in file.read_bytes()[:64]  # encrypted, like any local database

    # Others see it read-only on the server, with a plain message.
    item = MeetingService(coord).get_meeting(mid).case_items[0]
    with pytest.raises(MeetingCheckedOut, match="checked out by chair.marac"):
        MeetingService(coord).save_notes(item.id, discussion="on the server meanwhile")
    with pytest.raises(MeetingCheckedOut):
        MeetingService(coord).start_meeting(mid)
    with pytest.raises(checkout.CheckoutRefused, match="already checked out"):
        checkout.check_out(chair, mid, tmp_path / "second.cspdesk", password=PASSWORD)
    assert mid in checkout.checkouts(coord)
    # The Meetings page marks it: status "Planned (checked out)", who has it and until when.
    row = next(r for r in MeetingService(coord).list_meetings() if r.id == mid)
    assert row.checked_out_by == CHAIR and row.checked_out_until is not None
    assert f"checked out by {CHAIR} until" in row.status_text and "read-only here" in row.status_text

    # Meanwhile on the server, someone changes an earlier action the meeting will review: a conflict.
    with chair.reading() as s:
        earlier = s.scalar(select(Action.id).where(Action.case_id.in_(select(AgendaItem.case_id).where(
            AgendaItem.meeting_id == mid)), Action.status == ActionStatus.OPEN).order_by(Action.id))
    assert earlier is not None
    MeetingService(coord).review_action(earlier, ActionStatus.ONGOING, note="Update from the server")
    close_workspace(coord)
    close_workspace(chair)
    with _owner(server) as conn:
        audit_before = conn.scalar(select(func.count()).select_from(AuditEvent))

    server.stop()
    try:
        with pytest.raises(ServiceError):
            auth.sign_in(server.url, CHAIR, PASSWORD)  # no server: the meeting runs on the file alone
        done = _run_meeting(file)
    finally:
        server.start()
    assert done["meeting"] == mid and earlier in done["reviewed"]
    spare = tmp_path / "copy-of-meeting.cspdesk"
    shutil.copyfile(file, spare)
    shutil.copyfile(file.with_name(file.name + ".keyring"), spare.with_name(spare.name + ".keyring"))

    chair = auth.sign_in(server.url, CHAIR, PASSWORD)
    with pytest.raises(checkin.CheckinConflicts) as refused:
        checkin.check_in(chair, file, password=PASSWORD)
    assert [c.key for c in refused.value.conflicts] == [f"action:{earlier}"]
    assert "status" in refused.value.conflicts[0].fields
    with _owner(server) as conn:  # nothing written: the trail and the notes as they were
        assert conn.scalar(select(func.count()).select_from(AuditEvent)) == audit_before + 1  # the chair's sign-in
        assert conn.scalar(select(AgendaItem.discussion).where(AgendaItem.id == item.id)) == ""
    assert file.exists()

    result = checkin.check_in(chair, file, password=PASSWORD, keep={f"action:{earlier}": "mine"}).value
    assert not file.exists() and not file.with_name(file.name + ".keyring").exists()  # wiped
    assert result.audit_entries == done["entries"]
    with _owner(server) as conn:
        for item_id in done["items"]:
            row = conn.execute(select(AgendaItem.discussion, AgendaItem.decision).where(AgendaItem.id == item_id)).one()
            assert row.discussion == f"Discussed offline {item_id}" and row.decision is Decision.CONTINUE
        texts = set(conn.scalars(select(Action.text).where(Action.meeting_id == mid)))
        assert {f"Agreed offline {i}" for i in done["items"]} <= texts
        statuses = set(conn.scalars(select(Action.status).where(Action.id.in_(done["reviewed"]))))
        assert statuses == {ActionStatus.COMPLETED}  # mine kept for the conflict too
        assert conn.scalar(select(func.count()).select_from(ActionUpdate).where(
            ActionUpdate.action_id == earlier, ActionUpdate.text == "Update from the server")) == 1  # theirs' log stays
        assert conn.scalar(select(Meeting.status).where(Meeting.id == mid)) is MeetingStatus.FINALISED
        assert "A. Attendee" in set(conn.scalars(select(Attendance.attendee_name).where(Attendance.meeting_id == mid)))
        assert conn.scalar(select(MeetingCheckout.state).where(MeetingCheckout.meeting_id == mid)) == "in"
    with chair.reading() as s:
        offline = [e for e in s.scalars(select(AuditEvent).where(AuditEvent.id > audit_before).order_by(AuditEvent.id))
                   if "offline" in (e.details or {})]
        assert len(offline) == done["entries"]
        assert all(checkin.offline_entry_ok(s, e) for e in offline)  # signed as made, in the file
        assert [e.details["offline"]["entry"] for e in offline] == sorted(e.details["offline"]["entry"] for e in offline)
    admin = auth.sign_in(server.url, "admin", PASSWORD)
    with admin.reading() as s:
        assert audit.verify_chain(s).ok  # the server's chain holds with the entries appended

    # A second check-in is refused: the copy says so, and the wiped file is gone.
    with pytest.raises(checkin.CheckinRefused, match="already checked in"):
        checkin.check_in(chair, spare, password=PASSWORD)
    with pytest.raises(checkin.CheckinRefused, match="checked in already"):
        checkin.check_in(chair, file, password=PASSWORD)
    MeetingService(admin).add_addendum(mid, "Back on the server: writable again")
    close_workspace(admin)
    close_workspace(chair)


def test_a_cancelled_checkout_cannot_be_checked_in(server: Server, tmp_path: Path) -> None:
    chair = auth.sign_in(server.url, CHAIR, PASSWORD)
    admin = auth.sign_in(server.url, "admin", PASSWORD)
    mid = _new_meeting(chair, 9)
    file = tmp_path / "meeting.cspdesk"
    checkout.check_out(chair, mid, file, password=PASSWORD)
    with pytest.raises(ServiceError, match="does not allow"):
        checkout.cancel_checkout(chair, mid)
    checkout.cancel_checkout(admin, mid)
    MeetingService(admin).start_meeting(mid)  # writable on the server again
    with pytest.raises(checkin.CheckinRefused, match="cancelled by admin.*cannot be checked in"):
        checkin.check_in(chair, file, password=PASSWORD)
    assert file.exists()
    close_workspace(admin)
    close_workspace(chair)


def test_a_sigkill_during_check_in_leaves_the_server_as_before_and_the_file_to_check_in_again(
        server: Server, tmp_path: Path) -> None:
    chair = auth.sign_in(server.url, CHAIR, PASSWORD)
    mid = _marac_meeting(chair)
    file = tmp_path / "meeting.cspdesk"
    checkout.check_out(chair, mid, file, password=PASSWORD)
    close_workspace(chair)
    done = _run_meeting(file)
    before = file.read_bytes()
    with _owner(server) as conn:
        audit_before = conn.scalar(select(func.count()).select_from(AuditEvent))

    env = {**os.environ, "CSPDESK_PASSWORD": PASSWORD, checkin.PAUSE_ENV: "60"}
    with subprocess.Popen([sys.executable, "-m", "cspdesk", "checkin", str(file), "--db", server.url, "--user", CHAIR],
                          env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            line = proc.stdout.readline()  # written, not committed: the check-in waits before its COMMIT
            assert "about to commit" in line, proc.stderr.read() if proc.poll() is not None else line
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    assert file.read_bytes() == before  # the file intact
    with _owner(server) as conn:  # the server as before (the sign-in's own entry aside)
        assert conn.scalar(select(func.count()).select_from(AuditEvent)) <= audit_before + 2
        assert conn.scalar(select(MeetingCheckout.state).where(MeetingCheckout.meeting_id == mid)) == "out"
        assert conn.scalar(select(AgendaItem.discussion).where(AgendaItem.id == done["items"][0])) == ""
        assert conn.scalar(select(Meeting.status).where(Meeting.id == mid)) is MeetingStatus.PLANNED

    env.pop(checkin.PAUSE_ENV)
    again = subprocess.run([sys.executable, "-m", "cspdesk", "checkin", str(file), "--db", server.url, "--user", CHAIR],
                           env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "checked in meeting" in again.stdout and not file.exists()
    with _owner(server) as conn:
        assert conn.scalar(select(Meeting.status).where(Meeting.id == mid)) is MeetingStatus.FINALISED
        assert conn.scalar(select(AgendaItem.discussion).where(AgendaItem.id == done["items"][0])) == \
            f"Discussed offline {done['items'][0]}"


def test_the_commands_check_out_and_cancel(server: Server, tmp_path: Path) -> None:
    chair = auth.sign_in(server.url, CHAIR, PASSWORD)
    mid = _new_meeting(chair, 14)
    close_workspace(chair)
    file = tmp_path / "meeting.cspmeeting"
    env = {**os.environ, "CSPDESK_PASSWORD": PASSWORD}

    def cspdesk(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "cspdesk", *args, "--db", server.url], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)

    out = cspdesk("checkout", "--meeting", str(mid), "--to", str(file), "--until", "2030-01-31", "--user", "coord")
    assert out.returncode == 0, out.stderr
    assert f"checked out meeting {mid} until 31 Jan 2030" in out.stdout and file.exists()
    again = cspdesk("checkout", "--meeting", str(mid), "--to", str(tmp_path / "b.cspmeeting"), "--user", CHAIR)
    assert again.returncode == 2 and "already checked out by coord until 31 Jan 2030" in again.stderr
    # A coordinator's window backs a database up by itself, but never a meeting file: it is wiped later.
    from cspdesk.services.database.backup import BackupService

    opened = auth.sign_in(file, "coord", PASSWORD)
    MeetingService(opened).start_meeting(mid)
    assert BackupService(opened).backup_if_due() is None and BackupService(opened).backup_on_close() is None
    assert BackupService(opened).list_backups() == []
    close_workspace(opened)
    assert not (tmp_path / "b.cspmeeting").exists()  # a refused checkout leaves no file
    assert cspdesk("checkout", "--cancel", "--meeting", str(mid), "--user", CHAIR).returncode == 2
    cancelled = cspdesk("checkout", "--cancel", "--meeting", str(mid), "--user", "admin")
    assert cancelled.returncode == 0, cancelled.stderr
    refused = cspdesk("checkin", str(file), "--user", "coord")
    assert refused.returncode == 2 and "cannot be checked in" in refused.stderr
    with _owner(server) as conn:
        assert conn.scalar(select(MeetingCheckout.state).where(MeetingCheckout.meeting_id == mid)) == "cancelled"
