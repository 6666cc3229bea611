"""The PySide6 layer: windows, dialogs and item models. It reaches data only through cspdesk.services."""
