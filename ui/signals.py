"""Emitting Qt signals from Python: always through :func:`emit`, never ``signal.emit(...)``.

Why: PySide6 6.12.0's ``SignalInstance.emit()`` returns ``True`` without taking a reference to it,
so every emit from Python leaves ``True``'s reference count one lower. On CPython 3.11 (where
``True`` is not yet immortal) a few hundred emits bring it to zero and the interpreter aborts with
"Fatal Python error: bool_dealloc: deallocating True or False" — at the latest when it exits.
Signals Qt emits itself (clicked, timeout, …) are not affected.

At import we emit a private signal a few times and measure. Only if each emit dropped exactly one
reference does :func:`emit` give the reference back; on a fixed PySide6, or on Python 3.12+ where
``True`` is immortal, the probe measures nothing and :func:`emit` is a plain emit.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal, SignalInstance

_PROBES = 8


class _Probe(QObject):
    probed = Signal()


def _incref_true(times: int = 1) -> None:
    for _ in range(times):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))


def _emit_drops_a_reference() -> bool:
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(_PROBES):
        probe.probed.emit()
    dropped = before - sys.getrefcount(True)
    if dropped == _PROBES:
        _incref_true(dropped)  # give back what the probe itself took
        return True
    return False


#: True where ``SignalInstance.emit()`` leaks a reference to ``True`` (PySide6 6.12.0).
EMIT_DROPS_TRUE = _emit_drops_a_reference()


def emit(signal: SignalInstance, *args: object) -> None:
    """``signal.emit(*args)``, without PySide6 6.12.0's reference-count bug. Safe from any thread
    (the reference is given back while the GIL is held)."""
    signal.emit(*args)
    if EMIT_DROPS_TRUE:
        _incref_true()
