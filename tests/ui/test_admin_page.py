"""The Administration page on a real encrypted demo database, signed in as its administrator:
accounts added, reset and disabled through the dialogs (then signing in proves it), security
settings, audit filters and the chain check, retention and erasure, subject access exports."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog

from cspdesk.domain.enums import AuditKind, Role
from cspdesk.services.access import auth
from cspdesk.services.access.accounts import AccountService
from cspdesk.services.audit.audit import AuditQuery, AuditService
from cspdesk.services.context import OpChanges, ServiceContext
from cspdesk.services.partnership.retention import RetentionService
from cspdesk.services.database.workspace import close_workspace
from cspdesk.storage.keyring import keyring_path
from cspdesk_gui.models.account_table import AccountColumn, AccountStatus, StatusRole
from cspdesk_gui.models.audit_table import KindRole
from cspdesk_gui.pages.admin import AdminPage, wait_for_background_calls
from cspdesk_gui.pages.admin import accounts as accounts_module
from cspdesk_gui.pages.admin.account_dialogs import AccountDialog, ResetPasswordDialog
from cspdesk_gui.pages.admin.audit import Period
from cspdesk_gui.pages.admin.retention import CONFIRM_WORD, EraseDialog

PASSWORD = auth.DEMO_PASSWORD


# -- a signed-in administrator on a private copy of one demo database ----------------------------


@pytest.fixture(scope="module")
def _admin_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The demo partnership with a keyring (every demo account's password is PASSWORD), made
    once per module: creating it takes a couple of seconds."""
    folder = tmp_path_factory.mktemp("admin-template")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSPDESK_FAST_KDF", "1")
        mp.setenv("CSPDESK_DATA_DIR", str(folder / "data"))
        created, _accounts = auth.create_demo_database(folder / "d.db")
        close_workspace(created.ctx)
    yield folder / "d.db"


@pytest.fixture
def db(_admin_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CSPDESK_FAST_KDF", "1")
    monkeypatch.setattr(auth, "FAILED_DELAY_STEP", 0.0)  # wrong passwords are slowed down; not here
    path = tmp_path / "d.db"
    for source in (_admin_template, keyring_path(_admin_template)):
        shutil.copyfile(source, path.with_name(source.name))
    for suffix in ("-wal", "-shm"):
        extra = _admin_template.with_name(_admin_template.name + suffix)
        if extra.exists():
            shutil.copyfile(extra, path.with_name(path.name + suffix))
    return path


@pytest.fixture
def admin_ctx(db: Path) -> Iterator[ServiceContext]:
    ctx = auth.sign_in(db, "admin", PASSWORD)
    yield ctx
    wait_for_background_calls()
    close_workspace(ctx)


@pytest.fixture
def make_page(qtbot) -> Callable[[ServiceContext], AdminPage]:  # noqa: ANN001
    def make(ctx: ServiceContext) -> AdminPage:
        page = AdminPage(ctx)
        qtbot.addWidget(page)
        page.resize(1100, 720)
        with qtbot.waitExposed(page):
            page.show()
        return page

    return make


@pytest.fixture
def page(admin_ctx: ServiceContext, make_page) -> AdminPage:  # noqa: ANN001
    return make_page(admin_ctx)


def _sign_in_works(db: Path, username: str, password: str) -> ServiceContext:
    ctx = auth.sign_in(db, username, password)
    close_workspace(ctx)
    return ctx


class _Driver:
    """Acts on the next modal dialog once it is showing (``exec()`` blocks the test otherwise).
    If the action fails, the dialog is rejected so the test ends, and the failure re-raised."""

    def __init__(self) -> None:
        self.error: BaseException | None = None
        self.seen: QDialog | None = None

    def next_dialog(self, kind: type[QDialog], action: Callable[[QDialog], None], *, tries: int = 50) -> None:
        def run() -> None:
            dialog = QApplication.activeModalWidget()
            if dialog is None:
                dialog = next((w for w in QApplication.topLevelWidgets()
                               if isinstance(w, kind) and w.isVisible()), None)
            if dialog is None and run.tries > 0:  # not showing yet
                run.tries -= 1
                QTimer.singleShot(20, run)
                return
            try:
                assert isinstance(dialog, kind), dialog
                self.seen = dialog
                action(dialog)
            except BaseException as exc:  # noqa: BLE001 - re-raised by check()
                self.error = exc
                for widget in QApplication.topLevelWidgets():
                    if isinstance(widget, QDialog) and widget.isVisible():
                        widget.reject()

        run.tries = tries  # type: ignore[attr-defined]
        QTimer.singleShot(0, run)

    def check(self) -> None:
        if self.error is not None:
            raise self.error


@pytest.fixture
def driver() -> _Driver:
    return _Driver()


def _select(page: AdminPage, username: str) -> None:
    tab = page.accounts_tab
    account = next(a for a in AccountService(page.ctx).list_accounts() if a.username == username)
    tab.select_account(account.id)
    assert tab.current_account() is not None and tab.current_account().username == username


# -- the page ------------------------------------------------------------------------------------


def test_the_page_opens_on_accounts_and_reads_other_tabs_only_when_shown(page: AdminPage):
    assert page.title == "Administration"
    assert page.current_tab() is page.accounts_tab
    assert not page.accounts_tab.is_stale()
    assert page.audit_tab.is_stale() and not page.audit_tab.model.is_loaded()
    page.show_tab(page.audit_tab)
    assert page.audit_tab.model.is_loaded()
    # "&&" is a literal ampersand; a single "&" marks the mnemonic.
    assert [page.tabs.tabText(i).replace("&&", "+").replace("&", "").replace("+", "&")
            for i in range(page.tabs.count())] == [
        "Accounts", "Partnership", "Panels & agencies", "Also known to", "Security", "Backups", "Audit trail",
        "Retention", "Subject access"]


def test_someone_who_is_not_an_administrator_is_told_so(db: Path, make_page):  # noqa: ANN001
    ctx = auth.sign_in(db, "viewer", PASSWORD)
    try:
        page = make_page(ctx)  # showing it must not call a service that refuses
        assert page._stack.currentWidget() is page.refused_label
        assert "Administration is for administrators" in page.refused_label.text()
        assert "Viewer" in page.refused_label.text()
        assert page.accounts_tab.model.rowCount() == 0
    finally:
        close_workspace(ctx)


# -- accounts --------------------------------------------------------------------------------------


def test_accounts_are_listed_with_their_status(page: AdminPage):
    model = page.accounts_tab.model
    rows = AccountService(page.ctx).list_accounts()
    assert model.rowCount() == len(rows) == 16
    admin_row = model.row_of(next(r.id for r in rows if r.username == "admin"))
    assert model.index(admin_row, AccountColumn.PANELS).data() == "All panels"
    assert model.index(admin_row, AccountColumn.STATUS).data() == "Active"
    assert page.accounts_tab.count_label.text() == "16 accounts"


def test_an_account_added_through_the_dialog_can_sign_in(page: AdminPage, db: Path, driver: _Driver, qtbot):  # noqa: ANN001
    panels = {p.name: p.id for p in page.accounts_tab._panels.list_panels()}
    generated: list[str] = []

    def fill(dialog: AccountDialog) -> None:
        # A duplicate user name first: the dialog stays open and says so under the field.
        dialog.username_edit.setText("coord")
        dialog.name_edit.setText("Sam Patel")
        dialog.role_combo.setCurrentIndex(dialog.role_combo.findData(Role.COORDINATOR))
        dialog.agency_combo.setCurrentIndex(dialog.agency_combo.findText("Kent Police"))
        dialog.set_panel_checked(panels["Swale MARAC"])
        dialog.password_field.generate_button.click()
        generated.append(dialog.password_field.text())
        dialog.ok_button.click()
        assert dialog.isVisible()
        assert dialog.error_text() == "There is already an account called coord."
        assert not dialog.username_error.isHidden()
        assert dialog.focusWidget() is dialog.username_edit
        dialog.username_edit.setText("s.patel")
        dialog.ok_button.click()

    driver.next_dialog(AccountDialog, fill)
    with qtbot.waitSignal(page.changes_made, raising=False) as blocker:
        page.accounts_tab.add_button.click()
    driver.check()
    assert blocker.signal_triggered
    assert blocker.args == [OpChanges(partnership=True)]

    tab = page.accounts_tab
    new = tab.current_account()
    assert new is not None and new.username == "s.patel"
    assert tab.model.index(tab.model.row_of(new.id), AccountColumn.STATUS).data() == "Must change password"
    assert tab.model.index(tab.model.row_of(new.id), AccountColumn.PANELS).data() == "Swale MARAC"
    assert "Added s.patel" in tab.message.text() and tab.message.tone == "good"

    ctx = _sign_in_works(db, "s.patel", generated[0])
    assert ctx.actor.role is Role.COORDINATOR
    assert ctx.actor.panel_ids == frozenset({panels["Swale MARAC"]})


def test_a_short_temporary_password_is_refused_under_its_field(page: AdminPage, driver: _Driver):
    def fill(dialog: AccountDialog) -> None:
        dialog.username_edit.setText("k.short")
        dialog.name_edit.setText("Kim Short")
        dialog.password_field.edit.setText("short")
        dialog.ok_button.click()
        assert dialog.isVisible()
        assert not dialog.password_error.isHidden()
        assert "at least 10 characters" in dialog.password_error.text()
        dialog.reject()

    driver.next_dialog(AccountDialog, fill)
    assert page.accounts_tab.add_account() is None
    driver.check()
    assert "k.short" not in {a.username for a in AccountService(page.ctx).list_accounts()}


def test_editing_an_account_changes_its_role_and_panels(page: AdminPage, driver: _Driver):
    _select(page, "viewer")

    def change(dialog: AccountDialog) -> None:
        assert dialog.username_edit.isReadOnly()
        assert dialog.name_edit.text() == "Abigail Spencer"
        dialog.role_combo.setCurrentIndex(dialog.role_combo.findData(Role.OFFICER))
        for panel_id in dialog.panel_ids():
            dialog.set_panel_checked(panel_id, False)
        dialog.ok_button.click()

    driver.next_dialog(AccountDialog, change)
    result = page.accounts_tab.edit_account()
    driver.check()
    assert result is not None
    assert result.value.role is Role.OFFICER and result.value.panel_ids == frozenset()
    row = page.accounts_tab.model.row_of(result.value.id)
    assert page.accounts_tab.model.index(row, AccountColumn.PANELS).data() == "None"


def test_reset_password_lets_the_account_in_with_the_new_one_only(page: AdminPage, db: Path, driver: _Driver):
    _select(page, "officer.idva")
    chosen: list[str] = []

    def reset(dialog: ResetPasswordDialog) -> None:
        dialog.password_field.generate_button.click()
        chosen.append(dialog.password_field.text())
        dialog.ok_button.click()

    driver.next_dialog(ResetPasswordDialog, reset)
    result = page.accounts_tab.reset_password()
    driver.check()
    assert result is not None and result.value.must_change_password
    assert _sign_in_works(db, "officer.idva", chosen[0]).actor.username == "officer.idva"
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(db, "officer.idva", PASSWORD)


def test_disable_asks_first_and_then_the_account_cannot_sign_in(
    page: AdminPage, db: Path, monkeypatch: pytest.MonkeyPatch
):
    asked: list[str] = []
    answer = [False]

    def confirm(_parent, _title, text, _yes, **_kwargs) -> bool:  # noqa: ANN001
        asked.append(text)
        return answer[0]

    monkeypatch.setattr(accounts_module.common, "confirm", confirm)
    _select(page, "officer.housing")
    assert page.accounts_tab.disable_account() is None  # said no
    assert asked == ["Disable Paige Webb (officer.housing)?"]
    _sign_in_works(db, "officer.housing", PASSWORD)

    answer[0] = True
    page.accounts_tab.disable_button.click()
    tab = page.accounts_tab
    current = tab.current_account()
    assert current is not None and current.username == "officer.housing" and not current.is_active
    assert tab.model.index(tab.model.row_of(current.id), AccountColumn.STATUS).data(StatusRole) == AccountStatus.DISABLED
    assert not tab.disable_button.isEnabled()  # already disabled
    assert tab.count_label.text() == "16 accounts, 1 disabled"
    with pytest.raises(auth.SignInFailed, match="disabled|not right"):
        auth.sign_in(db, "officer.housing", PASSWORD)


def test_the_delete_key_on_the_list_asks_to_disable(page: AdminPage, monkeypatch: pytest.MonkeyPatch, qtbot):  # noqa: ANN001
    asked: list[str] = []
    monkeypatch.setattr(accounts_module.common, "confirm", lambda *a, **k: asked.append(a[2]) or False)
    _select(page, "coord")
    page.accounts_tab.table.setFocus()
    qtbot.keyClick(page.accounts_tab.table, Qt.Key.Key_Delete)
    assert asked == ["Disable Gary Cox (coord)?"]


def test_disabling_your_own_account_is_refused_with_the_services_words(
    page: AdminPage, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(accounts_module.common, "confirm", lambda *a, **k: pytest.fail("asked about yourself"))
    _select(page, "admin")
    page.accounts_tab.disable_button.click()
    assert page.accounts_tab.message.text() == "You cannot disable your own account."
    assert page.accounts_tab.message.tone == "bad"
    assert page.accounts_tab.current_account().is_active


def test_enter_on_an_account_opens_it_for_editing(page: AdminPage, driver: _Driver, qtbot):  # noqa: ANN001
    _select(page, "chair.csp")
    driver.next_dialog(AccountDialog, lambda dialog: dialog.reject())
    page.accounts_tab.table.setFocus()
    qtbot.keyClick(page.accounts_tab.table, Qt.Key.Key_Return)
    driver.check()
    assert driver.seen is not None and driver.seen.windowTitle() == "Edit chair.csp"


# -- security ------------------------------------------------------------------------------------


def test_security_settings_are_saved(page: AdminPage, qtbot):  # noqa: ANN001
    page.show_tab(page.security_tab)
    tab = page.security_tab
    assert (tab.idle_spin.value(), tab.attempts_spin.value()) == (10, 5)
    assert not tab.save_button.isEnabled()
    tab.idle_spin.setValue(15)
    tab.attempts_spin.setValue(4)
    assert tab.save_button.isEnabled()
    with qtbot.waitSignal(page.changes_made):
        tab.save_button.click()
    settings = AccountService(page.ctx).security_settings()
    assert (settings.idle_lock_minutes, settings.max_failed_attempts) == (15, 4)
    assert tab.message.text() == "Saved." and not tab.save_button.isEnabled()
    # The page's other tabs read again when next shown: the audit trail has the change.
    page.show_tab(page.audit_tab)
    assert page.audit_tab.model.index(0, 3).data().startswith("Partnership")


def test_the_database_key_is_changed_on_request(page: AdminPage, db: Path, qtbot,  # noqa: ANN001
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from cspdesk.storage.engine import StoreOpenError, open_store
    from cspdesk_gui.pages.admin import security as security_module

    page.show_tab(page.security_tab)
    tab = page.security_tab
    assert tab.key_box.isVisible() and tab.rekey_button.isEnabled()
    old_key = page.ctx.vault.db_key
    asked: list[str] = []

    def answer(yes: bool):  # noqa: ANN202
        def confirm(_parent, title, *_args, **_kwargs) -> bool:  # noqa: ANN001
            asked.append(title)
            return yes
        return confirm

    monkeypatch.setattr(security_module.common, "confirm", answer(False))
    tab.rekey_button.click()
    assert asked == ["Change the database key"] and page.ctx.vault.db_key == old_key  # declined: nothing

    monkeypatch.setattr(security_module.common, "confirm", answer(True))
    with qtbot.waitSignal(tab.key_changed, timeout=30000) as changed:
        tab.rekey_button.click()
        assert not tab.rekey_button.isEnabled() and tab.rekey_progress.isVisible()
    assert changed.args[0].accounts > 1
    assert tab.key_message.text().startswith("The database has a new key, for ")
    assert tab.rekey_button.isEnabled() and not tab.rekey_progress.isVisible()
    assert page.ctx.vault.db_key != old_key
    with pytest.raises(StoreOpenError):
        open_store(db, key=old_key, create=False, migrate=False, read_only=True)
    assert AccountService(page.ctx).me().username == "admin"  # the window carries on with the new key
    _sign_in_works(db, "coord", PASSWORD)


# -- the audit trail -----------------------------------------------------------------------------


def test_audit_filters_narrow_the_rows(db: Path, admin_ctx: ServiceContext, make_page):  # noqa: ANN001
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(db, "coord", "not the password")
    _sign_in_works(db, "coord", PASSWORD)  # carries the failed attempt into the trail
    page = make_page(admin_ctx)
    page.show_tab(page.audit_tab)
    tab = page.audit_tab
    total = AuditService(admin_ctx).count()
    assert tab.model.rowCount() == total
    assert tab.count_label.text() == f"{total:,} entries"

    tab.kind_combo.setCurrentIndex(tab.kind_combo.findData(AuditKind.LOGIN_FAILED))
    assert tab.model.rowCount() == 1
    assert tab.model.index(0, 2).data() == "Failed login"
    assert tab.model.index(0, 1).data() == "coord"
    assert tab.model.index(0, 0).data(KindRole) == AuditKind.LOGIN_FAILED
    assert tab.count_label.text() == f"1 of {total:,} entries"

    tab.kind_combo.setCurrentIndex(tab.kind_combo.findData(AuditKind.LOGIN))
    tab.user_combo.setCurrentIndex(tab.user_combo.findData("coord"))
    assert tab.model.rowCount() == 1
    assert tab.model.query == AuditQuery(kinds=frozenset({AuditKind.LOGIN}), username="coord")

    tab.period_combo.setCurrentIndex(tab.period_combo.findData(Period.BETWEEN))
    assert tab.from_edit.isVisible() and tab.to_edit.isVisible()
    tab.from_edit.setDate(QDate(2001, 1, 1))
    tab.to_edit.setDate(QDate(2001, 12, 31))
    assert tab.model.query.since == date(2001, 1, 1) and tab.model.query.until == date(2001, 12, 31)
    assert tab.model.rowCount() == 0
    assert tab._stack.currentWidget() is tab.empty_label
    assert "No audit entries match these filters" in tab.empty_label.text()

    tab.period_combo.setCurrentIndex(tab.period_combo.findData(Period.TODAY))
    assert not tab.from_edit.isVisible()
    assert tab.model.query.since == admin_ctx.today() and tab.model.rowCount() == 1


def test_verify_chain_says_intact_and_seal_now_seals_the_newest_entry(page: AdminPage, qtbot):  # noqa: ANN001
    page.show_tab(page.audit_tab)
    tab = page.audit_tab
    entries = AuditService(page.ctx).count()
    with qtbot.waitSignal(tab.chain_verified, timeout=10_000) as blocker:
        tab.verify_button.click()
        assert tab.is_verifying() and not tab.verify_button.isEnabled()
    report = blocker.args[0]
    assert report.ok and report.entries == entries
    assert tab.message.text().startswith(f"Intact: {entries} entries.")
    assert tab.message.tone == "good" and tab.verify_button.isEnabled()

    # Seal now signs the newest entry; the next check names it as the last seal.
    with qtbot.waitSignal(tab.chain_sealed, timeout=10_000) as sealed:
        tab.seal_button.click()
    assert sealed.args[0].entry == entries and tab.seal_button.isEnabled()
    assert tab.message.text().startswith(f"Sealed at entry {entries}:")
    with qtbot.waitSignal(tab.chain_verified, timeout=10_000) as again:
        tab.verify_button.click()
    assert again.args[0].last_sealed_entry == entries
    assert f"the last covers entry {entries}" in tab.message.text()


# -- retention -----------------------------------------------------------------------------------


def _past_retention(ctx: ServiceContext) -> RetentionService:
    """Every panel keeps closed cases one year, and the clock is two months on: some are due."""
    service = RetentionService(ctx)
    for period in service.retention_settings():
        service.set_retention(period.panel_id, 1)
    today = date.today() + timedelta(days=60)
    ctx.today = lambda: today
    assert service.cases_past_retention()
    return service


def test_retention_periods_are_saved(page: AdminPage, qtbot):  # noqa: ANN001
    page.show_tab(page.retention_tab)
    tab = page.retention_tab
    periods = RetentionService(page.ctx).retention_settings()
    assert set(tab._spins) == {p.panel_id for p in periods}
    first = periods[0]
    spin = tab._spins[first.panel_id]
    assert spin.text() == f"{first.retention_years} years"
    spin.setValue(1)
    assert spin.text() == "1 year"
    with qtbot.waitSignal(page.changes_made) as blocker:
        assert tab.save_button.isEnabled()
        tab.save_button.click()
    assert blocker.args == [OpChanges(panels=True)]
    assert RetentionService(page.ctx).retention_settings()[0].retention_years == 1
    assert tab.periods_message.text() == "Saved 1 retention period."


def test_erasing_ticked_cases_needs_a_reason_and_the_typed_word(page: AdminPage, driver: _Driver, qtbot):  # noqa: ANN001
    service = _past_retention(page.ctx)
    due = service.cases_past_retention()
    page.show_tab(page.retention_tab)
    tab = page.retention_tab
    tab.refresh()
    assert tab.model.rowCount() == len(due)
    assert not tab.erase_button.isEnabled()
    tab.model.toggle(0)
    tab.model.toggle(1)
    assert tab.erase_button.isEnabled() and tab.count_label.text().endswith("2 ticked")
    chosen = {r.reference for r in tab.model.ticked_cases()}

    def confirm(dialog: EraseDialog) -> None:
        assert dialog.heading.text() == "Erase 2 cases? This cannot be undone."
        assert set(dialog.case_list.text().split(", ")) == chosen
        assert not dialog.erase_button.isEnabled()
        dialog.confirm_edit.setText("erase")  # the word, exactly
        assert not dialog.erase_button.isEnabled()
        dialog.confirm_edit.setText(CONFIRM_WORD)
        assert dialog.erase_button.isEnabled()
        # No reason: the service refuses, and says so under the reason.
        dialog.erase_button.click()
        qtbot.waitUntil(lambda: not dialog.is_busy())
        assert dialog.isVisible() and not dialog.reason_error.isHidden()
        assert dialog.error_text() == "Say why these cases are being erased."
        dialog.reason_edit.setText("Retention period ended")
        dialog.erase_button.click()

    driver.next_dialog(EraseDialog, confirm)
    with qtbot.waitSignal(tab.erased, timeout=30_000) as blocker:
        tab.erase_button.click()
    driver.check()
    report = blocker.args[0]
    assert set(report.references) == chosen and report.counts["cases"] == 2
    assert tab.model.rowCount() == len(due) - 2
    assert chosen.isdisjoint(r.reference for r in service.cases_past_retention())
    assert tab.message.text().startswith("Erased 2 cases")
    assert AuditService(page.ctx).verify().ok


def test_cancelling_the_erasure_erases_nothing(page: AdminPage, driver: _Driver):
    service = _past_retention(page.ctx)
    before = len(service.cases_past_retention())
    page.show_tab(page.retention_tab)
    page.retention_tab.refresh()
    page.retention_tab.tick_all_button.click()
    driver.next_dialog(EraseDialog, lambda dialog: dialog.cancel_button.click())
    assert page.retention_tab.erase_selected() is None
    driver.check()
    assert len(service.cases_past_retention()) == before


def test_no_cases_past_retention_says_so(page: AdminPage):
    page.show_tab(page.retention_tab)
    tab = page.retention_tab
    assert tab.model.rowCount() == 0  # the demo keeps closed cases six years; none is that old
    assert tab._stack.currentWidget() is tab.empty_label
    assert "Nothing needs erasing" in tab.empty_label.text()
    assert not tab.erase_button.isEnabled() and not tab.tick_all_button.isEnabled()


# -- subject access ------------------------------------------------------------------------------


def test_subject_access_export_writes_both_files(
    page: AdminPage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qtbot  # noqa: ANN001
):
    page.show_tab(page.subject_access_tab)
    tab = page.subject_access_tab
    assert "Type a name" in tab.empty_label.text()
    assert not tab.export_button.isEnabled()
    qtbot.keyClicks(tab.search_box, "ha")
    qtbot.waitUntil(lambda: tab.model.rowCount() > 0)  # after the typing pauses
    person = tab.current_person()
    assert person is not None and tab.export_button.isEnabled()

    out = tmp_path / "sar"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(out)))
    with qtbot.waitSignal(tab.exported, timeout=30_000) as blocker:
        tab.export_button.click()
    json_path, pdf_path = blocker.args
    assert Path(json_path).is_file() and Path(pdf_path).is_file()
    assert Path(json_path).parent == out and Path(pdf_path).read_bytes().startswith(b"%PDF")
    assert str(pdf_path) in tab.message.text() and str(json_path) in tab.message.text()
    exports = AuditService(page.ctx).event_ids(AuditQuery(kinds=frozenset({AuditKind.EXPORT}), entity="person",
                                                          entity_id=person.id))
    assert len(exports) == 1


def test_subject_access_search_with_no_match_says_so(page: AdminPage, monkeypatch: pytest.MonkeyPatch):
    page.show_tab(page.subject_access_tab)
    tab = page.subject_access_tab
    tab.search_box.setText("Zzyzx")
    tab.search()
    assert tab.model.rowCount() == 0
    assert tab.empty_label.text() == "Nobody recorded has a name or alias starting with “Zzyzx”."
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: pytest.fail("asked")))
    tab.export()  # nothing chosen: nothing asked


def test_cancelling_the_folder_choice_exports_nothing(page: AdminPage, monkeypatch: pytest.MonkeyPatch):
    page.show_tab(page.subject_access_tab)
    tab = page.subject_access_tab
    tab.search_box.setText("ha")
    tab.search()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: ""))
    tab.export()
    assert not tab.is_exporting() and tab.message.text() == ""


@pytest.mark.parametrize(("field", "typed", "message"), [
    ("name", "N" * 10_000, "The name must be 200 characters or fewer (this one is 10,000)."),
    ("username", "u" * 81, "A user name must be 80 characters or fewer (this one is 81)."),
])
def test_a_name_over_its_limit_is_refused_under_its_field_never_cut(
        page: AdminPage, driver: _Driver, field: str, typed: str, message: str):
    """A pasted 10,000-character name was cut to 200 in silence (the field's maxLength) and saved."""
    def fill(dialog: AccountDialog) -> None:
        dialog.username_edit.setText(typed if field == "username" else "long.name")
        dialog.name_edit.setText(typed if field == "name" else "Lee Long")
        dialog.password_field.generate_button.click()
        dialog.ok_button.click()
        assert dialog.isVisible()
        assert dialog.error_text() == message
        error = dialog.name_error if field == "name" else dialog.username_error
        assert not error.isHidden()
        assert len((dialog.name_edit if field == "name" else dialog.username_edit).text()) == len(typed)
        dialog.reject()

    driver.next_dialog(AccountDialog, fill)
    assert page.accounts_tab.add_account() is None
    driver.check()
    assert {a.display_name for a in AccountService(page.ctx).list_accounts()}.isdisjoint({"Lee Long", typed})
