"""REST endpoints of the learner register. Personal data only ever travels in bodies."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from lrs.api.schemas import (
    POSTCODE_PATTERN,
    Declared,
    Uln,
    code,
    date,
    declared_required,
    person_name,
    responses,
    text,
)
from lrs.core import codes
from lrs.learners.models import Learner
from lrs.learners.services import (
    MAX_VERIFY_BATCH,
    Candidate,
    learner_find,
    learner_lookup,
    learner_register,
    learner_update,
    learner_verify,
    learners_retrieve,
)
from lrs.users.api_auth import api_user
from lrs.validation.learner import (
    ABILITY_TO_SHARE,
    GENDERS,
    MANDATORY,
    VERIFICATION_TYPES,
    Purpose,
)

router = Router(tags=["Learners"])

# The learner record's rules (lrs.validation.learner) as the OpenAPI document declares
# them. The service checks them itself and answers WSEC0001 listing every problem, so
# they are declared here, not enforced by the schema (lrs.api.schemas.Declared).
Name = Annotated[str, person_name()]
RequiredName = Annotated[str, person_name(), Declared(minLength=1)]
Postcode = Annotated[str, Declared(pattern=POSTCODE_PATTERN, maxLength=10)]
# Optional fields may also be sent empty: the service reads "" as not given.
OptionalPostcode = Annotated[
    str, Declared(pattern=POSTCODE_PATTERN.replace("^(?:", "^(?:(?:", 1) + ")?$", maxLength=10)
]
Date = Annotated[str, date()]
Gender = Annotated[str, code(*GENDERS)]
Email = Annotated[str, Declared(format="email", maxLength=254)]


# verification_type 999 (other) needs the evidence described.
_OTHER_NEEDS_TEXT: dict[str, Any] = {
    "if": {
        "properties": {"verification_type": {"const": "999"}},
        "required": ["verification_type"],
    },
    "then": {
        "properties": {"other_verification_description": {"type": "string", "minLength": 1}},
        "required": ["other_verification_description"],
    },
}


class FindIn(Schema):
    given_name: RequiredName
    family_name: RequiredName
    date_of_birth: Date
    gender: Gender
    last_known_postcode: Postcode
    previous_family_name: Name | None = None
    school_at_16: Annotated[str, text(254)] | None = None
    place_of_birth: Annotated[str, text(35)] | None = None
    email_address: Email | None = None


class LearnerFields(Schema):
    title: Annotated[str, text(35)] | None = None
    given_name: Name | None = None
    middle_other_name: Name | None = None
    family_name: Name | None = None
    preferred_given_name: Name | None = None
    previous_family_name: Name | None = None
    family_name_at_16: Name | None = None
    school_at_16: Annotated[str, text(254)] | None = None
    last_known_address_line1: Annotated[str, text(50)] | None = None
    last_known_address_line2: Annotated[str, text(50)] | None = None
    last_known_address_town: Annotated[str, text(50)] | None = None
    last_known_address_county_or_city: Annotated[str, text(50)] | None = None
    last_known_postcode: OptionalPostcode | None = None
    date_of_address_capture: Date | None = None
    date_of_birth: (
        Annotated[
            str,
            date("A date as YYYY-MM-DD; a learner registered must be aged 13 to 110"),
        ]
        | None
    ) = None
    place_of_birth: Annotated[str, text(35)] | None = None
    gender: Annotated[str, code(*GENDERS, optional=True)] | None = None
    email_address: Email | None = None
    nationality: (
        Annotated[
            str,
            Declared(pattern=r"^(?:[A-Za-z]{2,3})?$", description="A 2 or 3 letter country code"),
        ]
        | None
    ) = None
    scottish_candidate_number: Annotated[str, Declared(pattern=r"^(?:[0-9]{9})?$")] | None = None
    verification_type: Annotated[str, code(*VERIFICATION_TYPES, optional=True)] | None = None
    other_verification_description: (
        Annotated[
            str, text(255), Declared(description="Required when verification_type is 999 (other)")
        ]
        | None
    ) = None
    ability_to_share: Annotated[str, code(*ABILITY_TO_SHARE, optional=True)] | None = None
    notes: Annotated[str, text(4000)] | None = None

    model_config = ConfigDict(json_schema_extra=lambda schema: schema.update(_OTHER_NEEDS_TEXT))


def _register_schema(schema: dict[str, Any]) -> None:
    schema.update(_OTHER_NEEDS_TEXT)
    mandatory = MANDATORY[Purpose.REGISTER]
    declared_required(*mandatory)(schema)
    # A mandatory field sent null or empty is missing: only its text form is declared.
    for name in mandatory:
        field = schema["properties"][name]
        (text_form,) = [option for option in field.pop("anyOf") if option.get("type") != "null"]
        field.update(text_form)
        field["minLength"] = 1
        if "enum" in field:
            field["enum"] = [value for value in field["enum"] if value]


class RegisterIn(LearnerFields):
    confirm_new_learner: bool = False
    confirmation_reason: Annotated[str, text(255)] = ""

    model_config = ConfigDict(json_schema_extra=_register_schema)


class UpdateIn(LearnerFields):
    version_number: int


class ExplanationOut(Schema):
    field: str
    level: str
    weight: float


class CandidateOut(Schema):
    uln: str
    score: float
    master_substituted: bool
    explanation: list[ExplanationOut]
    # On the best candidate of a possible answer that scored like an exact match: the
    # safety rule that kept it possible, and why.
    held_back_by: str = ""
    held_back_reason: str = ""


class FindOut(Schema):
    response_code: str
    outcome: str
    candidates: list[CandidateOut]
    held_back_by: str = ""
    held_back_reason: str = ""


class LearnerOut(Schema):
    uln: str
    status: str
    version_number: int
    title: str
    given_name: str
    middle_other_name: str
    family_name: str
    preferred_given_name: str
    previous_family_name: str
    family_name_at_16: str
    school_at_16: str
    last_known_address_line1: str
    last_known_address_line2: str
    last_known_address_town: str
    last_known_address_county_or_city: str
    last_known_postcode: str
    date_of_address_capture: dt.date | None
    date_of_birth: dt.date
    place_of_birth: str
    gender: str
    email_address: str
    nationality: str
    scottish_candidate_number: str
    verification_type: str
    other_verification_description: str
    ability_to_share: str
    notes: str
    created_at: dt.datetime
    updated_at: dt.datetime


class LearnerResultOut(Schema):
    response_code: str
    outcome: str
    learner: LearnerOut


class RefusalOut(Schema):
    code: str
    response_code: str
    message: str
    errors: list[dict[str, str]] = []
    candidates: list[CandidateOut] = []


def _candidate(c: Candidate) -> CandidateOut:
    return CandidateOut(
        uln=c.uln,
        score=c.score,
        master_substituted=c.master_substituted,
        explanation=[
            ExplanationOut(field=e.field, level=e.level, weight=e.weight) for e in c.explanation
        ],
        held_back_by=c.held_back_by,
        held_back_reason=c.held_back_reason,
    )


def _given(payload: Schema) -> dict[str, Any]:
    return payload.dict(exclude_unset=True)


@router.post(
    "/learners/search",
    response=responses({200: FindOut}),
    summary="Find a learner by demographics",
)
def find(request: HttpRequest, payload: FindIn) -> FindOut:
    result = learner_find(actor=api_user(request), data=_given(payload))
    return FindOut(
        response_code=result.response_code,
        outcome=result.outcome,
        candidates=[_candidate(c) for c in result.candidates],
        held_back_by=result.held_back_by,
        held_back_reason=result.held_back_reason,
    )


def _result(code: str, learner: Learner) -> LearnerResultOut:
    return LearnerResultOut(
        response_code=code,
        outcome=codes.DESCRIPTIONS[code],
        learner=LearnerOut.from_orm(learner),
    )


@router.post(
    "/learners",
    response=responses({201: LearnerResultOut, 409: RefusalOut}),
    summary="Register a learner (a find runs first)",
)
def register(request: HttpRequest, payload: RegisterIn) -> Status:
    data = _given(payload)
    confirm = bool(data.pop("confirm_new_learner", False))
    reason = str(data.pop("confirmation_reason", ""))
    result = learner_register(
        actor=api_user(request), data=data, confirm_new_learner=confirm, confirmation_reason=reason
    )
    return Status(201, _result(result.response_code, result.learner))


class VerifyItemIn(Schema):
    uln: str
    given_name: str
    family_name: str
    date_of_birth: str | None = None
    gender: str | None = None


class VerifyIn(Schema):
    # Each item is answered on its own (an invalid ULN gets its own code), so the items'
    # fields have no constraints; only the number of items does.
    learners: Annotated[list[VerifyItemIn], Declared(minItems=1, maxItems=MAX_VERIFY_BATCH)]


class VerifyItemOut(Schema):
    uln: str
    response_code: str
    outcome: str
    failure_flags: list[str]
    found_uln: str


class VerifyOut(Schema):
    results: list[VerifyItemOut]


@router.post(
    "/learners/verify",
    response=responses({200: VerifyOut}),
    summary="Verify one learner, or a list of up to 1,000, by ULN and names",
)
def verify(request: HttpRequest, payload: VerifyIn) -> VerifyOut:
    results = learner_verify(
        actor=api_user(request), items=[item.dict() for item in payload.learners]
    )
    return VerifyOut(
        results=[
            VerifyItemOut(
                uln=r.uln,
                response_code=r.response_code,
                outcome=r.outcome,
                failure_flags=r.failure_flags,
                found_uln=r.found_uln,
            )
            for r in results
        ]
    )


class LookupIn(Schema):
    uln: Uln
    given_name: str
    family_name: str


class LookupOut(Schema):
    response_code: str
    outcome: str
    incoming_uln: str
    learner: LearnerOut | None


@router.post(
    "/learners/lookup",
    response=responses({200: LookupOut}),
    summary="Find a learner by ULN; the names must match or nothing is returned",
)
def lookup(request: HttpRequest, payload: LookupIn) -> LookupOut:
    result = learner_lookup(
        actor=api_user(request),
        uln=payload.uln,
        given_name=payload.given_name,
        family_name=payload.family_name,
    )
    return LookupOut(
        response_code=result.response_code,
        outcome=result.outcome,
        incoming_uln=result.incoming_uln,
        learner=LearnerOut.from_orm(result.learner) if result.learner else None,
    )


class RetrieveIn(Schema):
    # Each ULN is answered on its own (an invalid one gets WSEC0136 in its result).
    ulns: Annotated[list[str], Declared(minItems=1, maxItems=MAX_VERIFY_BATCH)]


class CoreDemographicsOut(Schema):
    given_name: str
    family_name: str
    date_of_birth: dt.date
    gender: str
    last_known_postcode: str


class RetrievedOut(Schema):
    uln: str
    response_code: str
    master_uln: str
    status: str
    learner: CoreDemographicsOut | None = Field(
        description="The core demographics, only for a learner your organisation may already "
        "see (found, registered or looked up with names by it, or shown to it by a batch or "
        "a PLR); otherwise null. A ULN alone never reveals a person, and retrieving never "
        "grants access."
    )


class RetrieveOut(Schema):
    results: list[RetrievedOut]


@router.post(
    "/learners/retrieve",
    response=responses({200: RetrieveOut}),
    summary="For each ULN: its code, master ULN and status",
    description="The core demographics come back only for learners your organisation may "
    "already see; retrieving a ULN never lets you see, update or challenge its learner.",
)
def retrieve(request: HttpRequest, payload: RetrieveIn) -> RetrieveOut:
    results = learners_retrieve(actor=api_user(request), ulns=payload.ulns)
    return RetrieveOut(
        results=[
            RetrievedOut(
                uln=r.uln,
                response_code=r.response_code,
                master_uln=r.master_uln,
                status=r.status,
                learner=CoreDemographicsOut.from_orm(r.learner) if r.learner else None,
            )
            for r in results
        ]
    )


# Registered last: its {uln} would otherwise capture /learners/lookup, /verify, …
@router.patch(
    "/learners/{uln}",
    response=responses({200: LearnerResultOut, 409: RefusalOut}),
    summary="Update a learner, with the version_number last read",
)
def update(request: HttpRequest, uln: Uln, payload: UpdateIn) -> LearnerResultOut:
    data = _given(payload)
    version = int(data.pop("version_number"))
    result = learner_update(actor=api_user(request), uln=uln, version_number=version, data=data)
    return _result(result.response_code, result.learner)
