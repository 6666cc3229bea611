"""cspdesk_gui.signals.emit: PySide6 6.12.0's SignalInstance.emit() drops a reference to True on every call;
enough emits abort CPython 3.11 ("bool_dealloc"). The wrapper gives it back."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from cspdesk_gui.signals import emit


class _Sender(QObject):
    happened = Signal(int, str)


def test_emit_leaves_the_reference_count_of_true_alone():
    sender = _Sender()
    received = []
    sender.happened.connect(lambda n, text: received.append(n))
    before = sys.getrefcount(True)
    for n in range(2000):
        emit(sender.happened, n, "x")
    # Unfixed, the count would be 2,000 lower; allow for the odd reference held elsewhere.
    assert abs(sys.getrefcount(True) - before) < 20
    assert len(received) == 2000


def test_no_bare_emit_in_the_ui_package():
    """Every emit in ui/ goes through cspdesk_gui.signals.emit (a bare .emit() is the bug coming back)."""
    root = Path(__file__).resolve().parents[2] / "ui"
    offenders = [
        f"{path.relative_to(root.parent)}:{number}"
        for path in root.rglob("*.py")
        if path.name != "signals.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\.emit\(", line)
    ]
    assert offenders == []
