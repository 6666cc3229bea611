"""The Administration page's item models: the lazy audit trail, accounts, cases past retention and
people found for a subject access request; and the small helpers they use."""

from __future__ import annotations

import re
from datetime import date

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QTableView

from cspdesk.domain.enums import AuditKind, CaseStatus, Role, SubjectKind
from cspdesk.services.access.accounts import AccountService
from cspdesk.services.audit.audit import AuditQuery, AuditService
from cspdesk.services.access.auth import check_new_password
from cspdesk.services.partnership.retention import RetentionCaseRow
from cspdesk.services.papers.subject_access import PersonMatch
from cspdesk_gui.models.account_table import (
    AccountColumn,
    AccountIdRole,
    AccountStatus,
    AccountTableModel,
    StatusRole,
    account_status,
)
from cspdesk_gui.models.audit_table import AuditColumn, AuditIdRole, AuditTableModel
from cspdesk_gui.models.paged import PENDING_TEXT
from cspdesk_gui.pages.admin.account_dialogs import role_description
from cspdesk_gui.pages.admin.common import generate_password
from cspdesk_gui.pages.admin.retention import RetentionCaseModel, RetentionColumn
from cspdesk_gui.pages.admin.subject_access import PersonColumn, PersonMatchModel


@pytest.fixture
def audit(demo_ctx):  # noqa: ANN001, ANN201
    """The demo partnership with a few more audit entries than generating it writes."""
    accounts = AccountService(demo_ctx)
    for n in range(3):
        accounts.set_security_settings(10 + n, 5)
    accounts.set_security_settings(12, 6)
    accounts.set_security_settings(12, 7)
    return AuditService(demo_ctx)


def _audit_model(service: AuditService, query: AuditQuery = AuditQuery(), **kwargs) -> AuditTableModel:  # noqa: B008
    model = AuditTableModel(service, **kwargs)
    model.set_query(query)
    return model


# -- the audit trail ----------------------------------------------------------------------------


def test_the_audit_model_passes_the_model_tester(qtmodeltester, audit):  # noqa: ANN001
    model = _audit_model(audit, page_size=2)
    assert model.rowCount() >= 4
    qtmodeltester.check(model)


def test_an_empty_audit_model_passes_the_model_tester(qtmodeltester, audit):  # noqa: ANN001
    model = _audit_model(audit, AuditQuery(username="nobody-at-all"))
    assert model.rowCount() == 0
    qtmodeltester.check(model)


def test_the_audit_model_holds_ids_and_reads_rows_a_page_at_a_time(audit):  # noqa: ANN001
    model = _audit_model(audit, page_size=2)
    ids = audit.event_ids(AuditQuery())
    assert [model.index(r, 0).data(AuditIdRole) for r in range(model.rowCount())] == ids
    assert model.fetch_count == 0  # ids, counts, headers and flags read no rows
    for column in AuditColumn:
        model.headerData(column, Qt.Orientation.Horizontal)
        model.flags(model.index(0, column))
    assert model.fetch_count == 0
    model.index(0, AuditColumn.WHAT).data()
    model.index(1, AuditColumn.DETAILS).data()
    assert model.fetch_count == 0 and model.cached_pages() == [0]  # page 0 came with the ids
    assert model.index(2, AuditColumn.USER).data() == PENDING_TEXT  # read on the database thread
    model.row_now(2)
    assert model.fetch_count == 1 and model.cached_pages() == [0, 1]


def test_audit_rows_read_in_words(audit):  # noqa: ANN001
    model = _audit_model(audit, AuditQuery(kinds=frozenset({AuditKind.UPDATE})))
    assert model.rowCount() == 5
    assert model.index(0, AuditColumn.WHAT).data() == "Update"
    assert model.index(0, AuditColumn.RECORD).data() == "Partnership"
    assert model.index(0, AuditColumn.DETAILS).data() == "Changed max failed attempts: 6 → 7"
    assert model.index(3, AuditColumn.DETAILS).data() == "Changed idle lock minutes: 10 → 11"
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d:\d\d", model.index(0, AuditColumn.WHEN).data())
    assert "UTC" in model.index(0, AuditColumn.WHEN).data(Qt.ItemDataRole.ToolTipRole)


# -- accounts ------------------------------------------------------------------------------------


def _accounts(demo_ctx):  # noqa: ANN001, ANN202
    model = AccountTableModel()
    panels = {1: "Swale MARAC", 2: "Maidstone CSVG"}
    model.set_rows(AccountService(demo_ctx).list_accounts(), panels)
    return model


def test_the_account_model_passes_the_model_tester(qtmodeltester, demo_ctx):  # noqa: ANN001
    model = _accounts(demo_ctx)
    assert model.rowCount() > 5
    qtmodeltester.check(model)
    model.sort(AccountColumn.ROLE, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)


def test_an_empty_account_model_passes_the_model_tester(qtmodeltester):  # noqa: ANN001
    model = AccountTableModel()
    model.set_rows([], {})
    qtmodeltester.check(model)


def test_sorting_accounts_keeps_the_selection_on_its_account(qtbot, demo_ctx):  # noqa: ANN001
    model = _accounts(demo_ctx)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.selectionModel().setCurrentIndex(
        model.index(3, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
    chosen = model.index(3, 0).data(AccountIdRole)
    model.sort(AccountColumn.NAME, Qt.SortOrder.DescendingOrder)
    names = [model.index(r, AccountColumn.NAME).data() for r in range(model.rowCount())]
    assert names == sorted(names, key=str.casefold, reverse=True)
    assert view.currentIndex().data(AccountIdRole) == chosen


def test_account_status_is_the_one_that_matters_most(demo_ctx):  # noqa: ANN001
    from dataclasses import replace

    row = AccountService(demo_ctx).list_accounts()[0]
    assert account_status(row) is AccountStatus.ACTIVE
    assert account_status(replace(row, must_change_password=True)) is AccountStatus.MUST_CHANGE_PASSWORD
    assert account_status(replace(row, must_change_password=True, locked=True)) is AccountStatus.LOCKED
    assert account_status(replace(row, locked=True, is_active=False)) is AccountStatus.DISABLED
    model = AccountTableModel()
    model.set_rows([replace(row, locked=True)], {})
    assert model.index(0, AccountColumn.STATUS).data() == "Locked"
    assert model.index(0, AccountColumn.STATUS).data(StatusRole) == AccountStatus.LOCKED
    assert "resetting the password unlocks" in model.index(0, AccountColumn.STATUS).data(
        Qt.ItemDataRole.ToolTipRole).lower()


def test_role_descriptions_follow_the_permissions():
    assert role_description(Role.VIEWER) == "Can see cases, on their panels only."
    assert role_description(Role.OFFICER) == "Can see cases and update actions, on their panels only."
    assert "every panel" in role_description(Role.ADMINISTRATOR)


def test_generated_passwords_are_long_enough_readable_and_different():
    seen = {generate_password() for _ in range(50)}
    assert len(seen) == 50
    for password in seen:
        check_new_password(password, field="temporary_password")
        assert re.fullmatch(r"[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}", password)
        assert not set(password) & set("0o1li5s2z")


# -- retention and subject access ------------------------------------------------------------------


def _retention_rows() -> list[RetentionCaseRow]:
    return [
        RetentionCaseRow(n, f"MARAC-2019-{n:04d}", 1, "Swale MARAC", SubjectKind.PERSON, CaseStatus.CLOSED,
                         date(2019, 3, n), date(2025, 3, n), n % 2)
        for n in range(1, 6)
    ]


def test_the_retention_model_passes_the_model_tester_and_ticks(qtmodeltester, qtbot):  # noqa: ANN001
    model = RetentionCaseModel()
    model.set_rows(_retention_rows())
    qtmodeltester.check(model)
    with qtbot.waitSignal(model.ticked_changed) as blocker:
        assert model.setData(model.index(1, RetentionColumn.REFERENCE), Qt.CheckState.Checked,
                             Qt.ItemDataRole.CheckStateRole)
    assert blocker.args == [1]
    assert [r.case_id for r in model.ticked_cases()] == [2]
    assert model.index(0, RetentionColumn.YEARS_PAST).data() == "1"
    assert model.index(1, RetentionColumn.YEARS_PAST).data() == "Under 1"
    model.set_ticked(None)
    assert len(model.ticked_cases()) == 5
    model.set_rows(_retention_rows()[:2])  # ticks stay only on cases still listed
    assert [r.case_id for r in model.ticked_cases()] == [1, 2]
    assert not model.setData(model.index(0, RetentionColumn.PANEL), Qt.CheckState.Checked,
                             Qt.ItemDataRole.CheckStateRole)


def test_the_person_model_passes_the_model_tester(qtmodeltester):  # noqa: ANN001
    model = PersonMatchModel()
    model.set_rows([PersonMatch(1, "Hannah Bell", date(1957, 3, 20), 2), PersonMatch(2, "Dean Hall", None, 1)])
    qtmodeltester.check(model)
    assert model.index(0, PersonColumn.DATE_OF_BIRTH).data() == "20 Mar 1957"
    assert model.index(1, PersonColumn.DATE_OF_BIRTH).data() == "Not recorded"
    assert model.index(0, PersonColumn.CASES).data() == "2"
