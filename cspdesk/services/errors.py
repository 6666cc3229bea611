"""Errors services raise. Every message is written for the person at the keyboard."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of all errors a service raises on purpose."""


class ValidationError(ServiceError):
    """Bad input. ``field`` names the field (or row) at fault, for the form to highlight."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFound(ServiceError):
    """The record asked for does not exist (or is not visible to this user)."""


class PermissionDenied(ServiceError):
    """The acting user's role or panel membership does not allow this."""


class DemoRefused(ServiceError):
    """Demo data is only ever written into an empty database."""
