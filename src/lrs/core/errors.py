"""Domain errors with stable codes, raised by services and translated by API and portal."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FieldProblem:
    field: str
    rule: str


@dataclass
class ServiceError(Exception):
    """A refusal the caller can act on. ``code`` is stable; ``message`` is for people."""

    code: str
    message: str
    problems: list[FieldProblem] = field(default_factory=list)
    status: int = 400
    # More fields of the answer, JSON-ready (a refused registration's candidates, the
    # real service's response code): every channel that shapes errors adds them as given,
    # so a service never needs to know which channel asked.
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


class ValidationFailed(ServiceError):
    def __init__(self, problems: list[FieldProblem], message: str | None = None) -> None:
        first = problems[0] if problems else None
        super().__init__(
            code="validation_failed",
            message=message or (f"{first.field}: {first.rule}" if first else "Invalid input"),
            problems=problems,
            status=422,
        )


class NotPermitted(ServiceError):
    def __init__(self, message: str = "You do not have permission to do that") -> None:
        super().__init__(code="forbidden", message=message, status=403)


class NotFound(ServiceError):
    def __init__(self, message: str = "Not found") -> None:
        super().__init__(code="not_found", message=message, status=404)


class Conflict(ServiceError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code=code, message=message, status=409)
