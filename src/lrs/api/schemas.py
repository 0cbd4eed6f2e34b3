from __future__ import annotations

from ninja import Schema


class FieldError(Schema):
    field: str
    rule: str


class ErrorOut(Schema):
    """Every error the API returns: a stable machine code and a sentence for people."""

    code: str
    message: str
    errors: list[FieldError] = []
    # The real service's code where one applies (WSEC0001 for an invalid request,
    # WSEC0006 for insufficient access, WSRC…/WSEC… from the learner register).
    response_code: str | None = None


ERROR_RESPONSES: dict[int, type[Schema]] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


def responses(ok: dict[int, object]) -> dict[int, object]:
    """The success responses of an operation plus the documented error responses."""
    return {**ok, **ERROR_RESPONSES}
