"""The panel list model."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt

from cspdesk.domain.enums import PanelType
from cspdesk.services.partnership.panels import PanelRow, PanelService
from cspdesk_gui.models.panel_table import PanelColumn, PanelIdRole, PanelTableModel


def test_passes_the_model_tester_on_demo_panels(qtmodeltester, demo_ctx):
    model = PanelTableModel()
    model.set_rows(PanelService(demo_ctx).list_panels())
    assert model.rowCount() == 5
    qtmodeltester.check(model)


def test_an_empty_model_passes_the_model_tester(qtmodeltester):
    model = PanelTableModel()
    qtmodeltester.check(model)


def test_cells():
    model = PanelTableModel()
    model.set_rows(
        [
            PanelRow(7, "MARAC Maidstone", PanelType.MARAC, "MARAC", 1234, 3, datetime(2026, 11, 12, 10, 0)),
            PanelRow(8, "Community MARAC", PanelType.CSVG, "CSVG", 0, 0, None),
        ]
    )
    cell = lambda r, c: model.index(r, c).data()  # noqa: E731
    assert [cell(0, c) for c in PanelColumn] == ["MARAC Maidstone", "MARAC", "1,234", "3", "12 Nov 2026, 10:00"]
    assert [cell(1, c) for c in PanelColumn] == ["Community MARAC", "CSVG / Community MARAC", "0", "0", "None planned"]
    assert model.index(1, 0).data(PanelIdRole) == 8
    for column in (PanelColumn.ACTIVE_CASES, PanelColumn.OVERDUE_ACTIONS):
        assert model.index(0, column).data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
        assert model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.TextAlignmentRole)
    # Overdue actions stand out; none overdue does not.
    assert model.index(0, PanelColumn.OVERDUE_ACTIONS).data(Qt.ItemDataRole.ForegroundRole).color().name() == "#a61b1b"
    assert model.index(1, PanelColumn.OVERDUE_ACTIONS).data(Qt.ItemDataRole.ForegroundRole).color().name() != "#a61b1b"
