"""Domain errors raised by the store and turned into HTTP answers by the API."""
from __future__ import annotations


class HookyError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotFound(HookyError):
    status = 404
    code = "not_found"


class Conflict(HookyError):
    status = 409
    code = "conflict"


class Invalid(HookyError):
    status = 400
    code = "invalid"

    @classmethod
    def field(cls, name: str, problem: str) -> "Invalid":
        return cls(f"{name}: {problem}", {name: [problem]})


class Forbidden(HookyError):
    status = 403
    code = "forbidden"
