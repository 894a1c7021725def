"""Errors a service raises. The web and API layers turn each into a clear 4xx answer."""

from __future__ import annotations


class DomainError(Exception):
    """Base: something the user asked for cannot be done, with a message that says why."""

    code = "invalid"
    status = 400

    def __init__(
        self, message: str, *, fields: dict[str, list[str]] | None = None, code: str | None = None
    ):
        super().__init__(message)
        self.message = str(message)
        self.fields = fields or {}
        if code:
            self.code = code


class NotAllowed(DomainError):
    code = "forbidden"
    status = 403


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409


class InvalidTransition(Conflict):
    """The workflow table has no move for this state and action."""

    code = "invalid_transition"
