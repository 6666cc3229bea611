"""The old name of :mod:`cspdesk_gui.operations` (the one way to run an operation), kept so code written
against it still runs: ``run_in_background`` is :func:`cspdesk_gui.operations.run_op`, ``BackgroundCall`` is
:class:`cspdesk_gui.operations.OpCall`. New code imports from :mod:`cspdesk_gui.operations`."""

from __future__ import annotations

from cspdesk_gui.operations import Cancelled, OpCall, finish_running_ops, run_op, running_ops

BackgroundCall = OpCall
run_in_background = run_op
finish_running_calls = finish_running_ops
running_calls = running_ops

__all__ = ["BackgroundCall", "Cancelled", "finish_running_calls", "run_in_background", "running_calls"]
