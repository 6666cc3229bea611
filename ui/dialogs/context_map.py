"""CARM's map window (issue 20, item 3): young people, adults posing a risk, peer groups, OCGs and
places of the cases referred to a panel in a period, drawn where the service's spring layout puts
them, with the trend alerts beside. Searching highlights the nodes whose names match; Enter or a
double-click on a node opens its record (a person's or a group's chronology; for a place, the case
about it; a place or group that is a CARM context opens the context: ui/dialogs/contexts.py).
Print… prints the map as shown (Ctrl+P).

Opened from View → Map of contexts… (main window). Nothing here reads the database but through
:class:`~cspdesk.services.people.context_map.ContextMapService`.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGraphicsEllipseItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.context_map import ContextMap, MapNode, NodeKind
from cspdesk.reports.context_map import NODE_COLOURS
from cspdesk.services.people.chronology import Subject
from cspdesk.services.context import ServiceContext
from cspdesk.services.people.context_map import ContextMapService, MapQuery
from cspdesk.services.people.contexts import ContextService
from cspdesk.services.errors import ServiceError
from cspdesk.services.partnership.panels import PanelService
from cspdesk_gui import theme
from cspdesk_gui.dialogs.chronology import limit_date_edit, limit_day
from cspdesk_gui.operations import OnDatabaseThread
from cspdesk_gui.signals import emit
from cspdesk_gui.windows import bring_to_front, fit_to_screen

#: How far apart the layout's [-1, 1] is drawn, in scene units (the view then fits it to its size).
SPREAD = 400
#: The item's data key holding its node's key.
NODE_KEY = 0
#: Most names drawn at once: beyond it (an administrator's map of every panel: 1,151 people and
#: places) the names were drawn over one another into an unreadable band. Then only the alerted
#: and the found are named, and the line below the key says how to see fewer.
MOST_NAMES = 60


class MapView(QGraphicsView):
    """The drawn graph, fitted to the view. Double-click on a node: :attr:`node_opened` with its key."""

    node_opened = Signal(str)

    def fit(self) -> None:
        self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt's name
        super().resizeEvent(event)
        self.fit()

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt's name
        item = self.itemAt(event.position().toPoint())
        key = item.data(NODE_KEY) if item is not None else None
        if key:
            emit(self.node_opened, key)
            return
        super().mouseDoubleClickEvent(event)


class ContextMapDialog(QDialog):
    #: Print… opened the preview: the dialog.
    preview_opened = Signal(object)
    #: A node's record was opened: (node key, the window opened or None).
    record_opened = Signal(str, object)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = ContextMapService(ctx)
        self.contexts = OnDatabaseThread(ContextService(ctx))
        self.map: ContextMap | None = None
        self.items: dict[str, QGraphicsEllipseItem] = {}
        self.names_shown = True  # every node's name is drawn (False: too many; see MOST_NAMES)
        self._alerted: set[str] = set()
        self.setObjectName("contextMapDialog")
        self.setWindowTitle("Map of contexts")
        self.setModal(False)
        fit_to_screen(self, 1000, 680)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 10)
        filters = QHBoxLayout()
        self.panel_filter = QComboBox(self)
        self.panel_filter.setObjectName("mapPanel")
        self.panel_filter.setAccessibleName("Panel")
        self.panel_filter.addItem("All my panels", None)
        for panel in PanelService(ctx).list_panels():
            self.panel_filter.addItem(panel.name, panel.id)
        self.start = limit_date_edit(self, "mapFrom", "From")
        self.end = limit_date_edit(self, "mapTo", "To")
        self.search = QLineEdit(self)
        self.search.setObjectName("mapSearch")
        self.search.setPlaceholderText("Find a name on the map")
        self.search.setAccessibleName("Find on the map")
        self.search.textChanged.connect(self.highlight)
        self.search.returnPressed.connect(self.open_found)
        for caption, widget in (("&Panel", self.panel_filter), ("&From", self.start), ("&To", self.end),
                                ("F&ind", self.search)):
            label = QLabel(caption, self)
            label.setBuddy(widget)
            filters.addWidget(label)
            filters.addWidget(widget)
        filters.addStretch(1)
        layout.addLayout(filters)

        split = QSplitter(self)
        self.scene = QGraphicsScene(self)
        self.view = MapView(self.scene, split)
        self.view.setObjectName("mapView")
        self.view.setAccessibleName("Map of contexts")
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.node_opened.connect(self.open_node)
        side = QWidget(split)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(8, 0, 0, 0)
        caption = QLabel("Trend alerts", side)
        caption.setObjectName("sectionCaption")
        side_layout.addWidget(caption)
        self.alerts = QListWidget(side)  # a handful of lines, made here from the service's answer
        self.alerts.setObjectName("mapAlerts")
        self.alerts.setAccessibleName("Trend alerts")
        self.alerts.setWordWrap(True)
        self.alerts.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        side_layout.addWidget(self.alerts, 1)
        # A no-break space as a character, not "&nbsp;": an ampersand in a label reads as an Alt letter.
        self.key_label = QLabel(" ".join(f"<span style='color:{NODE_COLOURS[k]}'>●</span>\u00a0{k.label}<br/>"
                                         for k in NodeKind), side)
        self.key_label.setTextFormat(Qt.TextFormat.RichText)
        side_layout.addWidget(self.key_label)
        self.count_label = QLabel("", side)
        self.count_label.setObjectName("mutedText")
        self.count_label.setWordWrap(True)
        side_layout.addWidget(self.count_label)
        split.addWidget(self.view)
        split.addWidget(side)
        side.setMaximumWidth(self.fontMetrics().horizontalAdvance("M") * 24)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        split.setSizes([800, 240])
        layout.addWidget(split, 1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        self.buttons.rejected.connect(self.reject)
        # Enter belongs to the field it is typed in (the search opens what it found), never to Close.
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
        self.print_button = QPushButton("Print…", self)
        self.print_button.setObjectName("mapPrint")
        self.print_button.setAutoDefault(False)
        self.print_button.setShortcut(QKeySequence("Ctrl+P"))
        self.print_button.setToolTip("Preview the map as shown, then print it or save it as PDF (Ctrl+P)")
        self.print_button.clicked.connect(lambda: self.print_map())
        self.buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout.addWidget(self.buttons)

        self.panel_filter.currentIndexChanged.connect(self.reload)
        for edit in (self.start, self.end):
            edit.dateChanged.connect(self.reload)
        self.reload()

    def query(self) -> MapQuery:
        panel = self.panel_filter.currentData()
        return MapQuery(panels=frozenset({panel}) if panel is not None else None, start=limit_day(self.start),
                        end=limit_day(self.end))

    def reload(self) -> None:
        """Read the map for the filters (one audited view) and draw it."""
        try:
            self.map = self.service.build(self.query())
        except ServiceError as exc:
            self.count_label.setText(str(exc))
            return
        self._draw(self.map)

    def _draw(self, found: ContextMap) -> None:
        self.scene.clear()
        self.items = {}
        ink = theme.colour("text")  # read when drawing: the scheme can change while the program runs
        spots = {n.key: QPointF(n.x * SPREAD, -n.y * SPREAD) for n in found.nodes}
        pen = QPen(QColor("#9E9E9E"), 1)
        for e in found.edges:
            line = self.scene.addLine(spots[e.a].x(), spots[e.a].y(), spots[e.b].x(), spots[e.b].y(), pen)
            line.setToolTip(e.why)
        alerted = self._alerted = {a.key for a in found.alerts}
        self.names_shown = len(found.nodes) <= MOST_NAMES
        for n in found.nodes:
            self._node(n, spots[n.key], n.key in alerted, ink)
        self.alerts.clear()
        self.alerts.addItems([a.describe() for a in found.alerts] or ["None in the period."])
        self.count_label.setText(f"{len(found.nodes)} on the map, {len(found.edges)} links; "
                                 f"from {', '.join(found.panels) or 'no panel'}."
                                 + ("" if self.names_shown else
                                    f" Too many to name them all: the alerted are named; Find names others, "
                                    f"and a panel or a period shows fewer (up to {MOST_NAMES} are named)."))
        self.view.setSceneRect(self.scene.itemsBoundingRect().adjusted(-30, -30, 150, 30))  # room for the names
        self.view.fit()
        self.highlight(self.search.text())

    def _node(self, n: MapNode, at: QPointF, alerted: bool, ink: QColor) -> None:
        radius = 11 if alerted else 8
        dot = self.scene.addEllipse(at.x() - radius, at.y() - radius, 2 * radius, 2 * radius,
                                    QPen(QColor("#D32F2F"), 2.5) if alerted else QPen(Qt.PenStyle.NoPen),
                                    QBrush(QColor(NODE_COLOURS[n.kind])))
        dot.setData(NODE_KEY, n.key)
        dot.setToolTip(f"{n.kind.label}: {n.label} (double-click to open)")
        dot.setZValue(1)
        text = QGraphicsSimpleTextItem(n.label, dot)
        text.setBrush(ink)
        text.setPos(at.x() + radius + 2, at.y() - radius)
        text.setFlag(QGraphicsSimpleTextItem.GraphicsItemFlag.ItemIgnoresTransformations)  # readable at any fit
        text.setData(NODE_KEY, n.key)
        text.setVisible(self.names_shown or alerted)
        self.items[n.key] = dot

    def highlight(self, words: str) -> list[str]:
        """Nodes whose names hold ``words`` are ringed; the others fade. The keys found."""
        wanted = words.strip().casefold()
        found = []
        for key, dot in self.items.items():
            node = self.map.node(key) if self.map is not None else None
            hit = bool(wanted) and node is not None and wanted in node.label.casefold()
            dot.setOpacity(1.0 if hit or not wanted else 0.25)
            if not self.names_shown and node is not None:
                dot.childItems()[0].setVisible(hit or key in self._alerted)  # its name: found, or alerted
            if hit:
                found.append(key)
        return found

    def open_found(self) -> object:
        found = self.highlight(self.search.text())
        return self.open_node(found[0]) if len(found) == 1 else None

    def open_node(self, key: str) -> object:
        """A place's or a group's CARM context when it is one (issue 20); otherwise a person's or a
        group's chronology, and for a place the case about it."""
        from cspdesk_gui.dialogs.case_view import CaseDialog
        from cspdesk_gui.dialogs.chronology import open_chronology
        from cspdesk_gui.dialogs.contexts import open_contexts

        entity, _, number = key.partition(":")
        opened = None
        node = self.map.node(key) if self.map is not None else None
        contexts = self.contexts.contexts_of(key)
        if contexts:
            opened = open_contexts(self, self.ctx, contexts[0].id)
        elif entity in ("person", "group"):
            opened = open_chronology(self, self.ctx, Subject(entity, int(number)))
        elif node is not None and node.case_id is not None:
            try:
                opened = CaseDialog.open_case(self.ctx, node.case_id, self)
            except ServiceError as exc:
                self.count_label.setText(str(exc))
            else:
                opened.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
                bring_to_front(opened)
        emit(self.record_opened, key, opened)
        return opened

    def print_map(self):  # noqa: ANN201 - PreviewDialog
        from cspdesk_gui.printing.preview import open_preview
        from cspdesk_gui.printing.sources import context_map_source

        dialog = open_preview(self, context_map_source(self.ctx, self.query()))
        emit(self.preview_opened, dialog)
        return dialog


def open_context_map(parent: QWidget, ctx: ServiceContext) -> ContextMapDialog:
    dialog = ContextMapDialog(ctx, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    bring_to_front(dialog)
    return dialog
