"""Handlers of the LearnerService.svc operations that work on single learners.

Each calls the same service as the REST API (lrs.learners.services) and writes the
result with the lrs.soapwire writer. Business outcomes come back as response codes
(HTTP 200); a refusal for invalid input becomes a WSEC0001 fault naming the wire
element; a role refusal (NotPermitted) is translated by the view into WSEC0006.

Decisions where the reference is silent:

* FindType ``FUL`` returns the learner records; ``CHK`` ("check") runs the same find
  and answers the same ResponseCode and search echo, but no Learner records.
* UpdateLearner replaces the record with what is sent: LearnerToUpdate is the whole
  learner (read, change, send back with VersionNumber), so an absent optional element
  clears that value. Mandatory values cannot be cleared (WSEC0001).
* VerifyLearner returns the register's ULN when the learner matched (WSVRC001-004), and
  its names, date of birth and gender only to an organisation that may already see the
  learner; on WSVRC005/006 only the searched values and the flags. A ULN and a name
  never disclose anyone's date of birth, gender or spelling of their name.
* RetrieveULNs returns, per ULN, the service's own code (WSRC0004, WSRC0022 for a
  linked ULN with its master, WSRC0001 not found, WSEC0136 invalid); the names, date
  of birth and gender only of learners the organisation may already see.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from lrs.access import Capability
from lrs.core import codes
from lrs.learners.models import Learner
from lrs.learners.selectors import learner_linked_ulns, learner_with_uln, learners_with_linked
from lrs.learners.services import (
    LearnerError,
    learner_find,
    learner_lookup,
    learner_register,
    learner_update,
    learner_verify,
    learners_retrieve,
    learners_visible_ids,
)
from lrs.soap.handlers import Handler
from lrs.soapwire import learner_service as wire
from lrs.soapwire.faults import SoapFault
from lrs.users.models import User

# Wire element name -> Learner model field (and service data key).
LEARNER_FIELDS: dict[str, str] = {
    "Title": "title",
    "GivenName": "given_name",
    "MiddleOtherName": "middle_other_name",
    "FamilyName": "family_name",
    "PreferredGivenName": "preferred_given_name",
    "PreviousFamilyName": "previous_family_name",
    "FamilyNameAtAge16": "family_name_at_16",
    "SchoolAtAge16": "school_at_16",
    "LastKnownAddressLine1": "last_known_address_line1",
    "LastKnownAddressLine2": "last_known_address_line2",
    "LastKnownAddressTown": "last_known_address_town",
    "LastKnownAddressCountyOrCity": "last_known_address_county_or_city",
    "LastKnownPostCode": "last_known_postcode",
    "DateOfAddressCapture": "date_of_address_capture",
    "DateOfBirth": "date_of_birth",
    "PlaceOfBirth": "place_of_birth",
    "Gender": "gender",
    "EmailAddress": "email_address",
    "Nationality": "nationality",
    "ScottishCandidateNumber": "scottish_candidate_number",
    "VerificationType": "verification_type",
    "OtherVerificationDescription": "other_verification_description",
    "AbilityToShare": "ability_to_share",
    "Notes": "notes",
}
WIRE_NAMES: dict[str, str] = {field: name for name, field in LEARNER_FIELDS.items()}

CAPABILITIES: dict[str, Capability] = {
    "FindLearnerByDemographics": Capability.FIND_LEARNER,
    "FindLearnerByULN": Capability.FIND_LEARNER,
    "RegisterLearner": Capability.REGISTER_LEARNER,
    "UpdateLearner": Capability.UPDATE_LEARNER,
    "VerifyLearner": Capability.VERIFY_LEARNER,
    "RetrieveULNs": Capability.RETRIEVE_ULNS,
}

FIND_TYPES = ("FUL", "CHK")


def _invalid(path: str, error: LearnerError, names: Mapping[str, str] = WIRE_NAMES) -> SoapFault:
    """WSEC0001 naming the wire element of the service's first problem."""
    if error.problems:
        problem = error.problems[0]
        element = names.get(problem.field, problem.field)
        return SoapFault.invalid(f"{path}/{element}", problem.rule)
    return SoapFault.invalid(path, error.message)


def _mandatory(path: str, value: str | None, rule: str = "is mandatory.") -> str:
    if value is None or not value.strip():
        raise SoapFault.invalid(path, rule)
    return value


def _service_data(record: Mapping[str, str | None]) -> dict[str, Any]:
    return {LEARNER_FIELDS[name]: value for name, value in record.items() if name in LEARNER_FIELDS}


def learner_record(
    learner: Learner, *, master_substituted: bool = False, linked: list[str] | None = None
) -> dict[str, Any]:
    """The wire Learner of a stored learner; ``linked``, its linked ULNs, if known."""
    record: dict[str, Any] = {
        name: getattr(learner, field) or None for name, field in LEARNER_FIELDS.items()
    }
    record.update(
        CreatedDate=timezone.localtime(learner.created_at).date(),
        LastUpdatedDate=timezone.localtime(learner.updated_at).date(),
        ULN=learner.uln,
        MasterSubstituted="Y" if master_substituted else None,
        LearnerStatus=learner.status,
        LinkedULNs=linked if linked is not None else learner_linked_ulns(learner=learner),
        VersionNumber=learner.version_number,
    )
    return record


def _find_type(path: str, value: str | None) -> str:
    find_type = _mandatory(path, value, "is mandatory: FUL or CHK.")
    if find_type not in FIND_TYPES:
        raise SoapFault.invalid(path, "must be FUL or CHK.")
    return find_type


def find_by_demographics(request: wire.FindByDemographicsRequest, user: User) -> bytes:
    path = "FindLearnerByDemographics"
    find_type = _find_type(f"{path}/FindType", request.find_type)
    data = {
        LEARNER_FIELDS[name]: value for name, value in request.search.items() if value is not None
    }
    try:
        result = learner_find(actor=user, data=data)
    except LearnerError as error:
        if error.response_code == codes.INVALID_REQUEST:
            raise _invalid(path, error) from None
        return wire.find_learner_response(response_code=error.response_code, search=request.search)
    learners: list[dict[str, Any]] = []
    if find_type == "FUL":
        found = learners_with_linked(actor=user, ids=[c.learner_id for c in result.candidates])
        learners = [
            learner_record(
                found[c.learner_id][0],
                master_substituted=c.master_substituted,
                linked=found[c.learner_id][1],
            )
            for c in result.candidates
            if c.learner_id in found
        ]
    return wire.find_learner_response(
        response_code=result.response_code, search=request.search, learners=learners
    )


def find_by_uln(request: wire.FindByUlnRequest, user: User) -> bytes:
    path = "FindLearnerByULN"
    find_type = _find_type(f"{path}/FindType", request.find_type)
    uln = _mandatory(f"{path}/ULN", request.search.get("ULN"))
    given = _mandatory(f"{path}/GivenName", request.search.get("GivenName"))
    family = _mandatory(f"{path}/FamilyName", request.search.get("FamilyName"))
    try:
        result = learner_lookup(actor=user, uln=uln, given_name=given, family_name=family)
    except LearnerError as error:
        if error.response_code == codes.INVALID_REQUEST:
            raise _invalid(path, error) from None
        return wire.find_learner_response(response_code=error.response_code, search=request.search)
    learners = []
    if result.learner is not None and find_type == "FUL":
        learners = [
            learner_record(result.learner, master_substituted=result.learner.uln != uln.strip())
        ]
    return wire.find_learner_response(
        response_code=result.response_code, search=request.search, learners=learners
    )


def register(request: wire.RegisterLearnerRequest, user: User) -> bytes:
    path = "RegisterLearner/Learner"
    if request.learner is None:
        raise SoapFault.invalid(path, "is mandatory.")
    try:
        result = learner_register(actor=user, data=_service_data(request.learner))
    except LearnerError as error:
        if error.response_code == codes.INVALID_REQUEST:
            raise _invalid(path, error) from None
        return wire.register_learner_response(response_code=error.response_code)
    return wire.register_learner_response(
        response_code=result.response_code, uln=result.learner.uln
    )


def update(request: wire.UpdateLearnerRequest, user: User) -> bytes:
    path = "UpdateLearner/Learner"
    if request.learner is None:
        raise SoapFault.invalid(path, "is mandatory.")
    uln = _mandatory(f"{path}/ULN", request.learner.get("ULN"))
    raw_version = _mandatory(f"{path}/VersionNumber", request.learner.get("VersionNumber"))
    try:
        version = int(raw_version.strip())
    except ValueError:
        raise SoapFault.invalid(f"{path}/VersionNumber", "must be a whole number.") from None
    try:
        result = learner_update(
            actor=user,
            uln=uln.strip(),
            version_number=version,
            data=_service_data(request.learner),
        )
    except LearnerError as error:
        if error.response_code == codes.INVALID_REQUEST:
            raise _invalid(path, error) from None
        return wire.update_learner_response(response_code=error.response_code)
    return wire.update_learner_response(response_code=result.response_code)


_MATCHED = frozenset(
    {
        codes.VERIFY_MATCH,
        codes.VERIFY_LINKED_MATCH,
        codes.VERIFY_SIMILAR,
        codes.VERIFY_SIMILAR_LINKED,
    }
)


def verify(request: wire.VerifyLearnerRequest, user: User) -> bytes:
    path = "VerifyLearner/LearnerToVerify"
    if request.learner is None:
        raise SoapFault.invalid(path, "is mandatory.")
    searched = request.learner
    uln = _mandatory(f"{path}/ULN", searched.get("ULN"))
    given = _mandatory(f"{path}/GivenName", searched.get("GivenName"))
    family = _mandatory(f"{path}/FamilyName", searched.get("FamilyName"))
    item = {
        "uln": uln,
        "given_name": given,
        "family_name": family,
        "date_of_birth": searched.get("DateOfBirth"),
        "gender": searched.get("Gender"),
    }
    try:
        [result] = learner_verify(actor=user, items=[item])
    except LearnerError as error:
        raise _invalid(path, error) from None
    # The .NET client accepts only WSVRC codes here, so the service's refusals of the
    # input itself are faults naming the element.
    if result.response_code == codes.INVALID_ULN:
        raise SoapFault.invalid(f"{path}/ULN", result.outcome)
    if result.response_code == codes.INVALID_REQUEST:
        raise SoapFault.invalid(f"{path}/DateOfBirth", result.outcome.partition(": ")[2])
    verified: dict[str, Any] = {
        "SearchedULN": uln,
        "SearchedFamilyName": family,
        "SearchedGivenName": given,
        "SearchedDateOfBirth": searched.get("DateOfBirth"),
        "SearchedGender": searched.get("Gender"),
        "ResponseCode": result.response_code,
        "FailureFlag": list(result.failure_flags),
    }
    if result.response_code in _MATCHED and result.found_uln:
        found = learner_with_uln(result.found_uln)
        if found is not None:
            verified["ULN"] = found.uln
            if learners_visible_ids(actor=user, learner_ids=[found.pk]):
                verified.update(
                    FamilyName=found.family_name,
                    GivenName=found.given_name,
                    DateOfBirth=found.date_of_birth,
                    Gender=found.gender,
                )
    return wire.verify_learner_response(verified_learner=verified)


def retrieve_ulns(request: wire.RetrieveUlnsRequest, user: User) -> bytes:
    path = "RetrieveULNs/ULNsToRetrieve"
    ulns = [uln or "" for uln in request.ulns]
    try:
        results = learners_retrieve(actor=user, ulns=ulns)
    except LearnerError as error:
        raise _invalid(path, error, {"ulns": "ULN"}) from None
    retrieved = []
    for r in results:
        item: dict[str, Any] = {"ULN": r.uln, "ResponseCode": r.response_code}
        if r.master_uln:
            item["MasterULN"] = r.master_uln
        if r.learner is not None:
            item.update(
                FamilyName=r.learner.family_name,
                GivenName=r.learner.given_name,
                DateOfBirth=r.learner.date_of_birth,
                Gender=r.learner.gender,
            )
        retrieved.append(item)
    return wire.retrieve_ulns_response(retrieved=retrieved)


HANDLERS: dict[str, Handler] = {
    "FindLearnerByDemographics": find_by_demographics,
    "FindLearnerByULN": find_by_uln,
    "RegisterLearner": register,
    "UpdateLearner": update,
    "VerifyLearner": verify,
    "RetrieveULNs": retrieve_ulns,
}
