"""The first run: no database yet. Setting up a partnership (and its first administrator), the
recovery key shown once, and exploring the demo partnership."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QProgressDialog, QWizard
from pypdf import PdfReader

from cspdesk.domain.enums import Sector
from cspdesk.services.access.accounts import AccountService
from cspdesk.services.access.auth import DEMO_PASSWORD, sign_in
from cspdesk.services.partnership.panels import PanelService
from cspdesk.services.partnership.partnership import PartnershipService
from cspdesk.services.partnership.starter import StructureService
from cspdesk.services.database.workspace import close_workspace
from cspdesk_gui.dialogs.first_run_wizard import FirstRunWizard
from cspdesk_gui.dialogs.recovery_key import RecoveryKeyDialog
from cspdesk_gui.first_run import FirstRunWindow
from cspdesk_gui.main_window import Section
from ui_accounts import ADMIN_NAME, ADMIN_PASSWORD, ADMIN_USER, PARTNERSHIP


def _window(qtbot, db):  # noqa: ANN001, ANN202
    window = FirstRunWindow(db)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _next(qtbot, wizard) -> None:  # noqa: ANN001
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)


def _edit_cell(qtbot, table, row: int, column: int, text: str) -> None:  # noqa: ANN001
    """Change a cell as a person does: F2, select all, type, Enter."""
    table.setFocus()
    table.setCurrentCell(row, column)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert editor is not table
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.item(row, column).text() == text, timeout=2000)  # the view commits queued


def _open_wizard(qtbot, window) -> FirstRunWizard:  # noqa: ANN001
    qtbot.mouseClick(window.welcome.set_up_button, Qt.MouseButton.LeftButton)
    wizard = window.setup_dialog
    assert isinstance(wizard, FirstRunWizard)
    qtbot.waitExposed(wizard)
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow)  # keys reach the active window only
    return wizard


def _walk_to_ready(qtbot, wizard, *, confirm: str = ADMIN_PASSWORD) -> None:  # noqa: ANN001
    """Partnership → administrator → panels (MARAC renamed, Community MARAC ticked) → agencies
    (Police renamed, Victim Support left out, a women's centre added) → the last page."""
    qtbot.keyClicks(wizard.partnership_page.name_edit, PARTNERSHIP)
    _next(qtbot, wizard)
    admin = wizard.administrator_page
    assert wizard.currentPage() is admin
    qtbot.keyClicks(admin.admin_name_edit, ADMIN_NAME)
    qtbot.keyClicks(admin.username_edit, ADMIN_USER)
    qtbot.keyClicks(admin.password_edit, ADMIN_PASSWORD)
    qtbot.keyClicks(admin.confirm_edit, confirm)
    _next(qtbot, wizard)
    if confirm != ADMIN_PASSWORD:
        return

    panels = wizard.panels_page
    assert wizard.currentPage() is panels
    table = panels.table
    _edit_cell(qtbot, table, 0, 0, "Testshire MARAC")
    table.setCurrentCell(1, 0)
    qtbot.keyClick(table, Qt.Key.Key_Space)  # tick the Community MARAC
    _edit_cell(qtbot, table, 1, 2, "MARAC")  # the same prefix as the MARAC's: refused, row named
    _next(qtbot, wizard)
    assert wizard.currentPage() is panels
    assert panels.error.text() == ("“Community MARAC” and “Testshire MARAC” have the same reference prefix, MARAC: "
                                   "give each its own.")
    _edit_cell(qtbot, table, 1, 2, "CMARAC")
    _next(qtbot, wizard)

    agencies = wizard.agencies_page
    assert wizard.currentPage() is agencies
    table = agencies.table
    _edit_cell(qtbot, table, 0, 0, "Testshire Police")
    victim_support = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == "Victim Support")
    table.setFocus()
    table.setCurrentCell(victim_support, 0)
    qtbot.keyClick(table, Qt.Key.Key_Space)  # untick
    agencies.new_sector.setCurrentIndex(agencies.new_sector.findData(Sector.DOMESTIC_ABUSE))
    qtbot.keyClicks(agencies.new_name, "Oasis Women's Centre")
    qtbot.keyClick(agencies.new_name, Qt.Key.Key_Return)  # adds; does not finish the page
    assert wizard.currentPage() is agencies
    assert table.item(table.rowCount() - 1, 1).text() == "OWC"
    # Its sector changed in the list after all: F2 on the Sector cell gives the sectors.
    table.setFocus()
    table.setCurrentCell(table.rowCount() - 1, 2)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    sectors = QApplication.focusWidget()
    sectors.setCurrentIndex(sectors.findData(Sector.VOLUNTARY.value))
    qtbot.keyClick(sectors, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.item(table.rowCount() - 1, 2).text() == Sector.VOLUNTARY.label, timeout=2000)
    _next(qtbot, wizard)
    assert wizard.currentPage() is wizard.ready_page


def test_the_welcome_page_says_where_the_database_will_be(qtbot, tmp_path):
    db = tmp_path / "new.db"
    window = _window(qtbot, db)
    assert str(db) in window.welcome.database_label.text()
    assert window.welcome.demo_button.isVisible()
    assert not db.exists()


def test_each_page_names_its_mistake_and_nothing_is_made(qtbot, tmp_path):
    db = tmp_path / "new.db"
    window = _window(qtbot, db)
    wizard = _open_wizard(qtbot, window)
    page = wizard.partnership_page
    _next(qtbot, wizard)  # no name
    assert wizard.currentPage() is page
    assert page.errors.text_of("name") == "Give the partnership's name."
    page.name_edit.setText(PARTNERSHIP)
    page.marking_combo.setCurrentText("")
    _next(qtbot, wizard)
    message = page.errors.text_of("protective_marking")
    assert message.startswith("Give the protective marking")
    label = page._fields["protective_marking"][1]
    # The line under a drop-down takes the row's width and its whole height: not squeezed and clipped.
    assert label.width() > page.marking_combo.width()
    assert label.height() >= label.heightForWidth(label.width())
    page.marking_combo.setCurrentText("OFFICIAL-SENSITIVE")
    page.name_edit.clear()

    _walk_to_ready(qtbot, wizard, confirm="something else")
    admin = wizard.administrator_page
    assert wizard.currentPage() is admin
    assert admin.errors.text_of("confirm") == "The two passwords are not the same."
    admin.password_edit.setText("short")
    admin.confirm_edit.setText("short")
    _next(qtbot, wizard)
    assert "at least 10 characters" in admin.errors.text_of("password")
    admin.username_edit.setText("no spaces please")
    admin.password_edit.setText(ADMIN_PASSWORD)
    admin.confirm_edit.setText(ADMIN_PASSWORD)
    _next(qtbot, wizard)
    assert "user name" in admin.errors.text_of("admin_username").lower()

    admin.username_edit.setText(ADMIN_USER)
    _next(qtbot, wizard)
    panels = wizard.panels_page
    panels.set_chosen(set())
    _next(qtbot, wizard)
    assert wizard.currentPage() is panels
    assert "at least one panel" in panels.error.text()
    assert wizard.isVisible()
    # Nothing half-made was left behind by the refusals.
    assert not db.exists()
    assert not db.with_name("new.db.keyring").exists()


def test_a_refusal_from_the_service_goes_back_to_its_page(qtbot, tmp_path):
    db = tmp_path / "new.db"
    window = _window(qtbot, db)
    wizard = _open_wizard(qtbot, window)
    _walk_to_ready(qtbot, wizard)
    db.write_bytes(b"someone else's file")  # made while the wizard was open
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not wizard.is_busy(), timeout=10_000)
    assert wizard.currentPage() is wizard.ready_page
    assert "already exists" in wizard.ready_page.error.text()
    assert db.read_bytes() == b"someone else's file"
    wizard.show_refusal("agencies", "Agency 3: a test refusal.")
    assert wizard.currentPage() is wizard.agencies_page
    assert wizard.agencies_page.error.text() == "Agency 3: a test refusal."


def test_the_wizard_makes_a_working_empty_partnership(qtbot, tmp_path, make_window):
    db = tmp_path / "new.db"
    window = _window(qtbot, db)
    wizard = _open_wizard(qtbot, window)
    _walk_to_ready(qtbot, wizard)
    summary = wizard.ready_page.summary.text()
    assert PARTNERSHIP in summary and "Testshire MARAC" in summary and "CMARAC-" in summary
    assert "Oasis Women's Centre" in summary and "Victim Support" not in summary
    assert str(db) in summary
    assert not db.exists()  # nothing written before the last button

    with qtbot.waitSignal(wizard.database_created, timeout=10_000) as blocker:
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    created = blocker.args[0]
    assert db.exists()
    assert db.with_name("new.db.keyring").exists()

    key_dialog = window.recovery_key_dialog
    assert isinstance(key_dialog, RecoveryKeyDialog)
    qtbot.waitExposed(key_dialog)
    assert key_dialog.key_label.text() == created.recovery_key
    assert QFontInfo(key_dialog.key_label.font()).fixedPitch()  # monospace: 0 and O, 1 and I differ
    # Continue waits for the box; Escape does not get round it.
    assert not key_dialog.continue_button.isEnabled()
    qtbot.keyClick(key_dialog, Qt.Key.Key_Escape)
    assert key_dialog.isVisible()
    key_dialog.copy()
    assert QApplication.clipboard().text() == created.recovery_key
    saved = tmp_path / "recovery.txt"
    assert key_dialog.save_to(saved)
    assert created.recovery_key in saved.read_text(encoding="utf-8")
    assert PARTNERSHIP in saved.read_text(encoding="utf-8")
    # Printed (here to a PDF file, as a printer driver would get it): the key and the partnership.
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "key.pdf"))
    key_dialog.print_to(printer)
    printed = " ".join(PdfReader(tmp_path / "key.pdf").pages[0].extract_text().split())
    assert created.recovery_key in printed and PARTNERSHIP in printed

    key_dialog.stored_check.setChecked(True)
    with qtbot.waitSignal(window.database_ready, timeout=5000) as ready:
        qtbot.mouseClick(key_dialog.continue_button, Qt.MouseButton.LeftButton)
    close_workspace(ready.args[0])

    # Working and empty: the administrator signs in with the password chosen, and the main window
    # shows the two panels, with no cases, and the partnership in the status bar.
    ctx = sign_in(db, ADMIN_USER, ADMIN_PASSWORD)
    try:
        assert PartnershipService(ctx).get().name == PARTNERSHIP
        rows = PanelService(ctx).list_panels()
        assert [(r.name, r.ref_prefix, r.active_cases) for r in rows] == [
            ("Community MARAC", "CMARAC", 0), ("Testshire MARAC", "MARAC", 0)]
        main = make_window(ctx)
        assert not main.needs_welcome
        assert main.partnership_label.text().startswith(PARTNERSHIP)
        panels_page = main.page(Section.PANELS)
        assert panels_page.model.rowCount() == 2
        agencies = {name for _id, name in AccountService(ctx).agencies()}
        assert {"Testshire Police", "Oasis Women's Centre", "Fire and Rescue Service"} <= agencies
        assert "Victim Support" not in agencies and "Police" not in agencies
        sectors = {a.name: a.sector for a in StructureService(ctx).agencies()}
        assert sectors["Oasis Women's Centre"] is Sector.VOLUNTARY and sectors["Testshire Police"] is Sector.POLICE
    finally:
        main.close()
        close_workspace(ctx)


def test_the_wizard_offers_the_demo_partnership_instead(qtbot, tmp_path):
    db = tmp_path / "new.db"
    window = _window(qtbot, db)
    wizard = _open_wizard(qtbot, window)
    qtbot.keyClicks(wizard.partnership_page.name_edit, "Just looking")
    with qtbot.waitSignal(wizard.demo_requested, timeout=2000):
        wizard.partnership_page.demo_link.linkActivated.emit("demo")  # as a click on the link does
    assert not wizard.isVisible()
    assert window.is_loading_demo()
    qtbot.waitUntil(lambda: window.demo_accounts_dialog is not None, timeout=120_000)
    with qtbot.waitSignal(window.database_ready, timeout=5000) as ready:
        window.demo_accounts_dialog.accept()
    ctx = ready.args[0]
    try:
        assert PartnershipService(ctx).get().name != "Just looking"  # the made-up partnership, not a half-set-up one
        assert len(PanelService(ctx).list_panels()) == 5
    finally:
        close_workspace(ctx)


def test_demo_data_goes_into_a_new_database_with_its_accounts(qtbot, tmp_path):
    db = tmp_path / "demo.db"
    window = _window(qtbot, db)
    qtbot.mouseClick(window.welcome.demo_button, Qt.MouseButton.LeftButton)
    assert window.is_loading_demo()
    progress = window.findChild(QProgressDialog)
    assert progress is not None and progress.isVisible()
    assert not window.welcome.set_up_button.isEnabled()
    qtbot.waitUntil(lambda: window.demo_accounts_dialog is not None, timeout=120_000)
    assert not window.is_loading_demo()

    accounts = window.demo_accounts_dialog
    qtbot.waitExposed(accounts)
    assert accounts.password_label.text() == DEMO_PASSWORD
    names = accounts.usernames()
    assert "admin" in names and "officer.housing" in names
    row = names.index("officer.housing")
    panels = accounts.model.index(row, 4).data()
    assert panels  # an officer sits on named panels
    assert accounts.model.index(row, 2).data() == "Officer"
    with qtbot.waitSignal(window.database_ready, timeout=5000) as ready:
        accounts.accept()
    ctx = ready.args[0]
    try:
        assert ctx.actor.username == "admin"
        assert len(PanelService(ctx).list_panels()) == 5
    finally:
        close_workspace(ctx)
