"""Dialogs. Each calls one service method on accept and reports what changed."""
