from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from ninja import Schema
from pydantic import GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema


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
    # A body that is not JSON, or not a JSON object.
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    # A body over the upload limit.
    413: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


def responses(ok: dict[int, object]) -> dict[int, object]:
    """The success responses of an operation plus the documented error responses."""
    return {**ok, **ERROR_RESPONSES}


class Declared:
    """Constraints the OpenAPI document declares for a field whose values the service
    checks itself: ``Annotated[str, Declared(pattern=…, maxLength=…)]``.

    They describe exactly what the service accepts, so clients and fuzzers know it, but
    pydantic does not enforce them: a bad value still reaches the service, which refuses
    it with its own specific answer (a learner register code such as WSEC0001 or
    WSEC0136 with every problem listed, audited where the service audits) rather than a
    generic schema error that would stop at the first.
    """

    def __init__(self, **constraints: Any) -> None:
        self.constraints = constraints

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema.update(self.constraints)
        return schema


def declared_required(*names: str) -> Callable[[dict[str, Any]], None]:
    """A model's ``json_schema_extra`` declaring fields required that the service itself
    insists on (with its own error listing every missing one)."""

    def extra(schema: dict[str, Any]) -> None:
        schema["required"] = sorted({*schema.get("required", []), *names})

    return extra


# The custom formats below are described in words (the document's descriptions) and
# registered with the schemathesis run (tests/api/test_schemathesis.py) so it generates
# values that meet them.
ULN_PATTERN = r"^[1-9][0-9]{9}$"
Uln = Annotated[
    str,
    Declared(
        pattern=ULN_PATTERN,
        format="uln",
        description=(
            "A unique learner number: 10 digits, not starting with 0, the last a check digit"
        ),
    ),
]
UKPRN_PATTERN = r"^[0-9]{8}$"
Ukprn = Annotated[
    str, Declared(pattern=UKPRN_PATTERN, description="A UK provider reference number: 8 digits")
]
# A UK postcode (either case, one space or none) or a BFPO number.
POSTCODE_PATTERN = (
    r"^(?:[A-Za-z]{1,2}[0-9][0-9A-Za-z]? ?[0-9][ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2}"
    r"|[Gg][Ii][Rr] ?0[Aa]{2}"
    r"|[Bb][Ff][Pp][Oo] ?(?:[Cc][Oo] ?)?[0-9]{1,4})$"
)


# No digit and none of the ASCII symbols a name may not hold: the pattern a validator
# can check; "person-name" says the rest in words (letters of any alphabet).
_NOT_IN_A_NAME = r"^[^0-9_!\"#$%&()*+,/:;<=>?@\[\\\]^`{|}~\t\n\r]*$"


def person_name(max_length: int = 35) -> Declared:
    return Declared(
        maxLength=max_length,
        pattern=_NOT_IN_A_NAME,
        format="person-name",
        description=(
            f"Up to {max_length} characters: letters of any alphabet (accents allowed), "
            "spaces, hyphens, apostrophes and full stops, with at least one letter"
        ),
    )


def text(max_length: int) -> Declared:
    return Declared(maxLength=max_length)


def code(*values: str, optional: bool = False) -> Declared:
    """One of a list of codes; an optional field may also be sent empty (not given)."""
    return Declared(enum=[*values, *([""] if optional else [])])


def date(description: str = "") -> Declared:
    return Declared(
        format="date",
        description=description or "A date as YYYY-MM-DD, not in the future",
    )
