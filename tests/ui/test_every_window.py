"""Every window and dialog of ui/ under both walkers (issue 24): it fits a 1366×768 and a 1024×700
laptop (tests/ui/fit_walk.py) and goes round by keyboard, named, in reading order
(tests/ui/a11y_walk.py). The first-run wizard is walked page by page.

``test_every_window_class_is_walked`` lists every QDialog / QWizard / QMainWindow subclass under
ui/ and fails on one that is neither walked here, walked by another test (named in
``WALKED_ELSEWHERE``), nor exempt with a reason — a new dialog cannot slip past the walkers.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from a11y_walk import check_keyboard_and_names, focus_stops
from fit_walk import check
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QWidget

import cspdesk_gui
from cspdesk.domain.enums import MeetingStatus
from cspdesk.services.access.accounts import AccountService
from cspdesk.services.referrals.cases import CaseService
from cspdesk.services.meetings.meetings import MeetingService
from cspdesk.services.partnership.panels import PanelService

#: Walked by both walkers in another module: class → where.
WALKED_ELSEWHERE = {
    "MainWindow": "test_screen_fit.test_the_main_window_and_every_page_fit, test_accessibility (every page)",
    "ReferralDialog": "test_screen_fit.test_the_referral_form_fits_and_scrolls, "
                      "test_accessibility.test_the_referral_form_by_keyboard_named_and_big_enough",
    "MeetingModeWindow": "test_screen_fit.test_meeting_mode_fits_with_the_agreed_actions_and_decision, "
                         "test_accessibility.test_meeting_mode_by_keyboard_named_and_without_clashes",
    "CaseDialog": "test_screen_fit.test_the_case_dialog_fits, test_accessibility.test_the_case_view_by_keyboard_and_named",
    "NewMeetingDialog": "test_screen_fit.test_the_smaller_dialogs_fit, "
                        "test_accessibility.test_meeting_account_about_and_password_dialogs_by_keyboard_and_named",
    "AboutDialog": "test_screen_fit.test_the_smaller_dialogs_fit, "
                   "test_accessibility.test_meeting_account_about_and_password_dialogs_by_keyboard_and_named",
    "SignInDialog": "test_screen_fit.test_the_smaller_dialogs_fit, test_accessibility.test_small_dialogs_by_keyboard_and_named",
    "ActionStatusDialog": "test_screen_fit.test_the_smaller_dialogs_fit, "
                          "test_accessibility.test_small_dialogs_by_keyboard_and_named",
    # ReferralDialog(ctx, panel) opens the panel type's own form class (issue 23): each is walked
    # as the referral form, per panel type, at 200 % and on the laptop screens.
    "MaracReferralForm": "test_screen_fit (the referral form), test_text_scaling[marac], test_keyboard_path",
    "CsvgReferralForm": "test_text_scaling.test_the_referral_form_at_200_percent_with_16_pt_text[csvg]",
    "SocpReferralForm": "test_text_scaling.test_the_referral_form_at_200_percent_with_16_pt_text[socp]",
    "CarmReferralForm": "test_text_scaling.test_the_referral_form_at_200_percent_with_16_pt_text[carm]",
    "SubjectReferralForm": "the base of the CSVG and CARM forms above (never opened on its own)",
}

#: Not walked, with the reason.
EXEMPT: dict[str, str] = {
    "_FormDialog": "the base of the order, DVDS and transfer dialogs (issue 19), walked as each of them",
    "_StepForm": "the base of ApplicationDialog and ReviewDialog (ui/dialogs/community_trigger.py), walked as them",
    "_FileAndPassword": "the base of CheckoutDialog and CheckinDialog, never shown itself",
    # Issue 21: they need a PostgreSQL server (a meeting is checked out of one), which the walkers do not start.
    "CheckoutDialog": "tests/ui/test_offline_dialogs.py, on a server; not yet in the fit and keyboard walkers",
    "CheckinDialog": "tests/ui/test_offline_dialogs.py, on a server; not yet in the fit and keyboard walkers",
    "ConflictDialog": "tests/ui/test_offline_dialogs.py; not yet in the fit and keyboard walkers",
}


def _marac(ctx) -> int:  # noqa: ANN001
    return next(p.id for p in PanelService(ctx).list_panels() if p.panel_type.value == "marac")


def _assessment(ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
    from cspdesk_gui.referrals.assessment import AssessmentDialog

    service = CaseService(ctx)
    detail = service.get_case(service.case_ids()[0])
    return AssessmentDialog(ctx, detail.row.id, detail.row.panel_id, detail.row.reference)


def _referral_import(ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
    from cspdesk_gui.referrals.import_dialog import ImportDialog

    return ImportDialog(ctx, PanelService(ctx).list_panels())


def _action_import(ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
    from cspdesk.services.records_io.action_import import ActionImportService
    from cspdesk_gui.dialogs.action_import import ActionImportDialog

    return ActionImportDialog(ActionImportService(ctx), [(p.id, p.name) for p in PanelService(ctx).list_panels()])


def _recovery_key(_ctx, tmp: Path) -> QWidget:  # noqa: ANN001
    from cspdesk_gui.dialogs.recovery_key import RecoveryKeyDialog

    return RecoveryKeyDialog("ABCD-EFGH-JKLM-NPQR-STUV-WXYZ-2345-6789", str(tmp / "partnership.db"),
                             partnership="Swale Community Safety Partnership")


def _ocg_archive(_ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
    from cspdesk_gui.dialogs.ocg_archive import OcgArchiveDialog

    return OcgArchiveDialog("The Eastside group", lambda *_a: None, today=date(2026, 12, 7))


def _demo_accounts(_ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
    from cspdesk.domain.enums import Role
    from cspdesk.services.access.auth import DEMO_PASSWORD, DemoAccount
    from cspdesk_gui.dialogs.demo_accounts import DemoAccountsDialog

    accounts = [DemoAccount("admin", "Priya Shah", Role.ADMINISTRATOR, "Swale Borough Council", ()),
                DemoAccount("coordinator", "Sam Okafor", Role.COORDINATOR, "Kent Police", ("Swale MARAC",))]
    return DemoAccountsDialog(accounts, DEMO_PASSWORD, signed_in_as="admin")


def _restore_signed_in(ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
    from cspdesk_gui.dialogs.restore import RestoreDialog

    return RestoreDialog(ctx=ctx)


def _restore_signed_out(_ctx, tmp: Path) -> QWidget:  # noqa: ANN001
    from cspdesk_gui.dialogs.restore import RestoreDialog

    return RestoreDialog(db=tmp / "partnership.db", username="admin")


def _recovery(_ctx, tmp: Path) -> QWidget:  # noqa: ANN001
    from cspdesk_gui.dialogs.sign_in import RecoveryDialog

    return RecoveryDialog(tmp / "partnership.db")


def _cancel_meeting(ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
    from cspdesk_gui.dialogs.cancel_meeting import CancelMeetingDialog

    service = MeetingService(ctx)
    planned = next(m for m in service.list_meetings(_marac(ctx)) if m.status is MeetingStatus.PLANNED)
    return CancelMeetingDialog(service, service.get_meeting(planned.id))


def _case_orders(ctx):  # noqa: ANN001, ANN202 - a CaseOrdersSection
    """The orders section of the demo's newest MARAC case (issue 19), whose dialogs are walked."""
    from cspdesk.services.referrals.cases import CaseQuery, CaseService
    from cspdesk_gui.dialogs.case_orders import CaseOrdersSection

    case_id = CaseService(ctx).case_ids(CaseQuery(panel_id=_marac(ctx)), limit=1)[0]
    section = CaseOrdersSection(ctx, case_id, "MARAC-2026-0001", [(1, "A Person")], can_edit=True)
    section.dialog_opened.connect(lambda dialog: dialog.hide())  # the walk shows it itself
    return section


def _transfer_in(ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
    from cspdesk_gui.dialogs.case_orders import TransferInDialog

    return TransferInDialog(ctx, [(_marac(ctx), "Swale MARAC")])


def _change_password(ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
    from cspdesk_gui.dialogs.change_password import ChangePasswordDialog

    return ChangePasswordDialog(ctx)


def _server_connection(_ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
    from cspdesk_gui.dialogs.server_connection import ServerConnectionDialog

    return ServerConnectionDialog()


def _partnership_setup(ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
    from cspdesk_gui.dialogs.partnership_setup import PartnershipSetupDialog

    return PartnershipSetupDialog(ctx)


def _preview(_ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from cspdesk_gui.printing.preview import PreviewDialog
    from cspdesk_gui.printing.sources import PrintSource

    out = _tmp / "two pages.pdf"
    pdf = canvas.Canvas(str(out), pagesize=A4, invariant=1)
    for n in (1, 2):
        pdf.drawString(72, 760, f"Page {n}")
        pdf.showPage()
    pdf.save()
    data = out.read_bytes()
    return PreviewDialog(PrintSource(title="Two pages", file_name="Two pages.pdf", render=lambda: data,
                                     save=lambda path: Path(path).write_bytes(data),
                                     record_printed=lambda _pages, _printer: None))


def _structure(kind: str) -> Callable[..., QWidget]:
    def make(ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
        from cspdesk_gui.pages.admin.structure import StructureTab

        tab = StructureTab(ctx)
        dialog = tab.panel_dialog() if kind == "panel" else tab.agency_dialog(None)
        dialog.destroyed.connect(tab.deleteLater)
        return dialog

    return make


def _account(ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
    from cspdesk_gui.pages.admin.account_dialogs import AccountDialog

    accounts = AccountService(ctx)
    return AccountDialog(accounts, panels=[(p.id, p.name) for p in PanelService(ctx).list_panels()],
                         agencies=accounts.agencies())


def _reset_password(ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
    from cspdesk_gui.pages.admin.account_dialogs import ResetPasswordDialog

    accounts = AccountService(ctx)
    return ResetPasswordDialog(accounts, next(a for a in accounts.list_accounts() if a.username != "admin"))


def _erase(ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
    from cspdesk.domain.enums import CaseStatus, SubjectKind
    from cspdesk.services.partnership.retention import RetentionCaseRow, RetentionService
    from cspdesk_gui.pages.admin.retention import EraseDialog

    row = RetentionCaseRow(1, "MARAC-2019-0001", _marac(ctx), "Swale MARAC", SubjectKind.PERSON, CaseStatus.CLOSED,
                           date(2019, 6, 1), date(2025, 6, 1), 1)
    return EraseDialog(RetentionService(ctx), [row])


def _child_details(ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
    """Issue 19: a child's school, Encompass and children's services, from the case view."""
    from cspdesk.services.referrals.cases import CaseQuery
    from cspdesk.services.referrals.children import ChildrenService
    from cspdesk_gui.dialogs.case_children import ChildDetailsDialog

    children = ChildrenService(ctx)
    for case_id in CaseService(ctx).case_ids(CaseQuery(panel_id=_marac(ctx), statuses=None))[:200]:
        found = children.children(case_id)
        if found:
            return ChildDetailsDialog(ctx, case_id, found[0])
    raise AssertionError("no MARAC case with children in the demo data")


def _agencies(ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
    from cspdesk_gui.dialogs.agencies import AgenciesDialog

    planned = next(m for m in MeetingService(ctx).list_meetings(_marac(ctx)) if m.status is MeetingStatus.PLANNED)
    return AgenciesDialog(ctx, planned.id, "Swale MARAC, planned meeting")


def _chronology(ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
    from cspdesk.services.people.chronology import ChronologyService
    from cspdesk_gui.dialogs.chronology import ChronologyDialog

    service = CaseService(ctx)
    subject = next(p.person_id for case_id in service.case_ids() for p in service.get_case(case_id).people)
    return ChronologyDialog(ctx, ChronologyService(ctx).person(subject))


def _context_map(ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
    from cspdesk_gui.dialogs.context_map import ContextMapDialog

    return ContextMapDialog(ctx)


def _contexts(ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
    """Issue 20: CARM's contexts (an administrator sees every panel's)."""
    from cspdesk_gui.dialogs.contexts import ContextsDialog

    return ContextsDialog(ctx)


def _first_run_window(_ctx, tmp: Path) -> QWidget:  # noqa: ANN001
    from cspdesk_gui.first_run import FirstRunWindow

    return FirstRunWindow(tmp / "new.db")


def _wizard_page(page_id: int) -> Callable[..., QWidget]:
    def make(_ctx, tmp: Path) -> QWidget:  # noqa: ANN001
        from cspdesk_gui.dialogs.first_run_wizard import FirstRunWizard

        wizard = FirstRunWizard(tmp / "new.db")
        wizard.setStartId(page_id)
        return wizard

    return make


def _triage(ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
    from cspdesk_gui.dialogs.triage import TriageDialog

    dialog = TriageDialog(ctx)
    dialog.open_day()  # the day's triage, as a person sees it after Enter
    return dialog


def _community_trigger(ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
    from cspdesk_gui.dialogs.community_trigger import CommunityTriggerDialog

    return CommunityTriggerDialog(ctx)


def _trigger_form(which: str) -> Callable[..., QWidget]:
    def make(ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
        from cspdesk_gui.dialogs.community_trigger import ApplicationDialog, ReviewDialog

        panel = next(p.id for p in PanelService(ctx).list_panels() if p.panel_type.value == "csvg")
        cls = ApplicationDialog if which == "application" else ReviewDialog
        return cls(None, panel, {}, date(2026, 11, 2))

    return make


def _trigger_settings(ctx, _tmp: Path) -> QWidget:  # noqa: ANN001
    from cspdesk.services.referrals.community_trigger import CommunityTriggerService
    from cspdesk_gui.dialogs.community_trigger import TriggerSettingsDialog

    return TriggerSettingsDialog(CommunityTriggerService(ctx))


#: what → (the class it makes, how to make it from a signed-in administrator's context and a folder)
WINDOWS: dict[str, tuple[str, Callable[..., QWidget]]] = {
    "first-run": ("FirstRunWindow", _first_run_window),
    **{f"wizard-{n + 1}-{step}": ("FirstRunWizard", _wizard_page(n))
       for n, step in enumerate(("partnership", "administrator", "panels", "agencies", "ready"))},
    "assessment": ("AssessmentDialog", _assessment),
    "import-referrals": ("ImportDialog", _referral_import),
    "import-actions": ("ActionImportDialog", _action_import),
    "recovery-key": ("RecoveryKeyDialog", _recovery_key),
    "ocg-archive": ("OcgArchiveDialog", _ocg_archive),
    "demo-accounts": ("DemoAccountsDialog", _demo_accounts),
    "restore-signed-in": ("RestoreDialog", _restore_signed_in),
    "restore-signed-out": ("RestoreDialog", _restore_signed_out),
    "recovery": ("RecoveryDialog", _recovery),
    "cancel-meeting": ("CancelMeetingDialog", _cancel_meeting),
    "change-password": ("ChangePasswordDialog", _change_password),
    "server-connection": ("ServerConnectionDialog", _server_connection),
    "partnership-setup": ("PartnershipSetupDialog", _partnership_setup),
    "print-preview": ("PreviewDialog", _preview),
    "structure-panel": ("_FieldsDialog", _structure("panel")),
    "structure-agency": ("_FieldsDialog", _structure("agency")),
    "account": ("AccountDialog", _account),
    "reset-password": ("ResetPasswordDialog", _reset_password),
    "erase": ("EraseDialog", _erase),
    "protective-order": ("OrderDialog", lambda ctx, _tmp: _case_orders(ctx).add_order()),
    "dvds-request": ("DvdsDialog", lambda ctx, _tmp: _case_orders(ctx).add_dvds()),
    "transfer-out": ("TransferOutDialog", lambda ctx, _tmp: _case_orders(ctx).transfer_out()),
    "transfer-in": ("TransferInDialog", _transfer_in),
    "triage": ("TriageDialog", _triage),
    "community-trigger": ("CommunityTriggerDialog", _community_trigger),
    "trigger-application": ("ApplicationDialog", _trigger_form("application")),
    "trigger-review": ("ReviewDialog", _trigger_form("review")),
    "trigger-settings": ("TriggerSettingsDialog", _trigger_settings),
    "child-details": ("ChildDetailsDialog", _child_details),
    "agencies": ("AgenciesDialog", _agencies),
    "chronology": ("ChronologyDialog", _chronology),
    "context-map": ("ContextMapDialog", _context_map),
    "contexts": ("ContextsDialog", _contexts),
}


def _window_classes() -> dict[str, str]:
    """Every QDialog (QWizard included) and QMainWindow subclass defined under ui/: name → module."""
    found = {}
    for info in pkgutil.walk_packages(cspdesk_gui.__path__, "ui."):
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, (QDialog, QMainWindow)):
                found[name] = module.__name__
    return found


def test_every_window_class_is_walked():
    walked = {cls for cls, _make in WINDOWS.values()} | set(WALKED_ELSEWHERE)
    classes = _window_classes()
    assert "FirstRunWizard" in classes and "MainWindow" in classes  # the search finds what it should
    missing = sorted(f"{module}.{name}" for name, module in classes.items() if name not in walked | set(EXEMPT))
    assert missing == [], "walk these in tests/ui/test_every_window.py, or list them in EXEMPT with a reason"
    gone = sorted((walked | set(EXEMPT)) - set(classes))
    assert gone == [], "listed here but no longer in ui/"


def _shown(qtbot, widget: QWidget) -> QWidget:  # noqa: ANN001
    qtbot.addWidget(widget)
    with qtbot.waitExposed(widget), qtbot.waitActive(widget):
        widget.show()
        widget.activateWindow()
    from cspdesk_gui.background import running_calls

    qtbot.waitUntil(lambda: running_calls() == 0, timeout=30_000)  # as a person sees it: loaded (the preview's pages)
    QApplication.processEvents()
    return widget


@pytest.mark.parametrize("what", list(WINDOWS))
def test_every_window_fits_a_laptop(qtbot, demo_admin_ctx, tmp_path, laptop, what):
    name, area = laptop
    window = _shown(qtbot, WINDOWS[what][1](demo_admin_ctx, tmp_path))
    assert check(window, area, f"{what}-{name}") == []


@pytest.mark.parametrize("what", list(WINDOWS))
def test_every_window_by_keyboard_and_named(qtbot, demo_admin_ctx, tmp_path, what):
    window = _shown(qtbot, WINDOWS[what][1](demo_admin_ctx, tmp_path))
    check_keyboard_and_names(qtbot, window, _first_in_reading_order(window))


def _first_in_reading_order(window: QWidget) -> QWidget:
    """The leftmost control of the top line (so that coming round again is no step back)."""
    stops = [(w, QRect(w.mapTo(window, QPoint(0, 0)), w.size())) for w in focus_stops(window)]
    first_line = min(r.bottom() for _w, r in stops)
    return min((item for item in stops if item[1].top() < first_line), key=lambda item: item[1].left())[0]
