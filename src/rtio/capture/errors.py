"""Refusals of the capture service, each with the HTTP status the pages and the API return.

Free of Django, so the command line can catch them before Django is configured.
"""

from __future__ import annotations


class CaptureError(Exception):
    """A refused operation: ``status`` is the HTTP status the web page and the API return."""

    status = 400

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class InvalidError(CaptureError):
    """Bad input: a hard check failed, or a required reason is missing."""

    status = 400


class ForbiddenError(CaptureError):
    """The caller's role may not do this."""

    status = 403


class NotFoundError(CaptureError):
    """No such record among the caller's sites."""

    status = 404


class ConflictError(CaptureError):
    """The record's state forbids it (locked, not eligible, list not live, ...)."""

    status = 409
