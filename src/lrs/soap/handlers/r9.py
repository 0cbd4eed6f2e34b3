"""LearnerServiceR9 operations: learning events, find by ULN, subset update, the record of
views, and event data challenges.

Each handler calls the service or selector the REST API and portal call, and writes the
answer with lrs.soapwire.r9. Business outcomes the R9 results carry in ResponseCode
(WSEC0206, WSEC0208, WSEC0136, WSRC0013 …) are answered in the result with HTTP 200;
other service errors propagate to the view, which turns them into faults. The choices
the reference leaves open are listed in docs/soap.md.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from lrs.access import Capability
from lrs.challenges.models import Challenge
from lrs.challenges.selectors import ChallengeFilter, challenge_get, challenge_list
from lrs.challenges.services import challenge_raise, challenge_withdraw
from lrs.core import codes
from lrs.core.errors import FieldProblem, NotFound, ValidationFailed
from lrs.learners.models import Learner
from lrs.learners.selectors import learner_resolve_uln, learners_linked
from lrs.learners.services import LearnerError, learner_lookup, learner_update
from lrs.records.models import LearningEvent
from lrs.records.selectors import plr_viewers
from lrs.records.services import PlrDetail, plr_get
from lrs.soap.codes import CHALLENGE_OK, CHALLENGE_OK_DESCRIPTION
from lrs.soap.handlers import Handler
from lrs.soapwire import r9 as wire
from lrs.soapwire.faults import SoapFault
from lrs.users.models import User

# Refusals of a PLR request that the R9 result carries as its ResponseCode.
_PLR_REFUSALS = frozenset({codes.NOT_SHARED, codes.NOT_VERIFIED, codes.INVALID_ULN})

# UpdateLearnerSubsetFields' abilityToShare enumeration -> the register's codes.
ABILITY_TO_SHARE = {"FPNNotSeen": "0", "FPNSeenShareData": "1"}
NOT_PROVIDED = "NotProvided"

# As the portal's "Who has viewed this record" page.
AUDIT_PAGE_SIZE = 50
SORT_NEWEST_FIRST = 1

# Service field names -> the R9 parameter that carried them, to name it in a fault.
_PLR_PARAMS = {
    "detail": "getType",
    "uln": "uln",
    "given_name": "givenName",
    "family_name": "familyName",
    "date_of_birth": "dateOfBirth",
    "gender": "gender",
}
_UPDATE_PARAMS = {
    "email_address": "emailAddress",
    "school_at_16": "schoolAtAge16",
    "preferred_given_name": "preferredGivenName",
    "ability_to_share": "abilityToShare",
}
_CHALLENGE_PARAMS = {
    "type": "challengeType",
    "event_id": "learningEvent1Id",
    "second_event_id": "learningEvent2Id",
    "contact_name": "contactName",
    "contact_email": "emailAddress",
    "contact_telephone": "telephone",
    "explanation": "additionalInformation",
}
# The "supplied" (corrected) values of a challenge -> the service's supplied_values keys.
_SUPPLIED = {
    "suppliedAchievedGrade": "grade",
    "suppliedAchievedDate": "achieved_date",
    "suppliedTotalCredits": "credits",
    "suppliedQualificationLevel": "level",
    "suppliedLanguageForAssessment": "language",
    "suppliedProvider": "provider_ukprn",
}


def _invalid(operation: str, exc: LearnerError | ValidationFailed, params: Mapping[str, str]):
    problem = exc.problems[0] if exc.problems else FieldProblem("", exc.message)
    name = params.get(problem.field.split(".")[0], problem.field)
    return SoapFault.invalid(f"{operation}/{name}" if name else operation, problem.rule)


# --- GetLearnerLearningEvents ------------------------------------------------------------


def _text(value: str | None) -> str | None:
    return value or None


def _event(event: LearningEvent, full: bool) -> dict[str, Any]:
    # The same members per detail as the REST API's learning events.
    brief: dict[str, Any] = {
        "AchievementAwardDate": event.award_date,
        "Grade": _text(event.grade),
        "ID": event.pk,
        "Level": _text(event.level),
        "QualificationType": _text(event.qualification_type),
        "Source": event.source,
        "Status": event.status,
        "Subject": event.subject,
        "SubjectCode": event.subject_code,
    }
    if not full:
        return brief
    return {
        **brief,
        "AchievementProviderName": _text(event.achievement_provider_name),
        "AchievementProviderUkprn": _text(event.achievement_provider_ukprn),
        "AwardingOrganisationName": _text(event.awarding_organisation_name),
        "AwardingOrganisationUkprn": _text(event.awarding_organisation_ukprn),
        "Credits": event.credits,
        "DateLoaded": timezone.localtime(event.date_loaded) if event.date_loaded else None,
        "LanguageForAssessment": _text(event.language_for_assessment),
        "Restriction": _text(event.restriction),
        "UnderDataChallenge": "Y" if event.under_data_challenge else "N",
    }


def get_learner_learning_events(request: wire.GetLearnerLearningEventsRequest, user: User) -> bytes:
    incoming = (request.uln or "").strip()
    detail = (request.get_type or PlrDetail.FULL).upper()
    try:
        result = plr_get(
            actor=user,
            uln=incoming,
            given_name=request.given_name or "",
            family_name=request.family_name or "",
            date_of_birth=request.date_of_birth,
            gender=request.gender,
            detail=detail,
        )
    except LearnerError as exc:
        if exc.response_code == codes.INVALID_REQUEST:
            raise _invalid("GetLearnerLearningEvents", exc, _PLR_PARAMS) from None
        if exc.response_code not in _PLR_REFUSALS:
            raise
        found = ""
        if exc.response_code == codes.NOT_SHARED:
            # plr_get has verified the names by now: the learner it found may be named.
            learner, _ = learner_resolve_uln(incoming)
            found = learner.uln if learner else ""
        return wire.get_learner_learning_events_response(
            response_code=exc.response_code,
            found_uln=found,
            incoming_uln=incoming,
            learning_events=[],
        )
    full = detail == PlrDetail.FULL
    return wire.get_learner_learning_events_response(
        response_code=result.response_code,
        found_uln=result.found_uln,
        incoming_uln=result.incoming_uln,
        learning_events=[_event(e, full) for e in result.events],
    )


# --- LearnerByUln ------------------------------------------------------------------------


def _int(value: str) -> int | None:
    # The register keeps these codes as text; the R9 members are xs:int.
    return int(value) if value.isdigit() else None


def _miap_learner(learner: Learner, linked: list[str], substituted: bool) -> dict[str, Any]:
    def s(value: str) -> str | None:
        return value or None

    return {
        "AbilityToShare": _int(learner.ability_to_share),
        "CreatedDate": timezone.localtime(learner.created_at),
        "DateOfAddressCapture": learner.date_of_address_capture,
        "DateOfBirth": learner.date_of_birth,
        "EmailAddress": s(learner.email_address),
        "FamilyName": learner.family_name,
        "FamilyNameAt16": s(learner.family_name_at_16),
        "Gender": _int(learner.gender),
        "GivenName": learner.given_name,
        "LastKnownAddressCountyOrCity": s(learner.last_known_address_county_or_city),
        "LastKnownAddressLine1": s(learner.last_known_address_line1),
        "LastKnownAddressLine2": s(learner.last_known_address_line2),
        "LastKnownAddressTown": s(learner.last_known_address_town),
        "LastKnownPostCode": learner.last_known_postcode,
        "LastUpdatedDate": timezone.localtime(learner.updated_at),
        "LinkedUlns": linked,
        "MasterUln": learner.uln if substituted else None,
        "MiddleOtherName": s(learner.middle_other_name),
        "Nationality": s(learner.nationality),
        "Notes": s(learner.notes),
        "OtherVerificationDescription": s(learner.other_verification_description),
        "PlaceOfBirth": s(learner.place_of_birth),
        "PreferredGivenName": s(learner.preferred_given_name),
        "PreviousFamilyName": s(learner.previous_family_name),
        "RecordStatus": _int(learner.status),
        "SchoolAtAge16": s(learner.school_at_16),
        "ScottishCandidateNumber": s(learner.scottish_candidate_number),
        "Title": s(learner.title),
        "Uln": learner.uln,
        "VerificationType": _int(learner.verification_type),
        "VersionNumber": learner.version_number,
    }


def learner_by_uln(request: wire.LearnerByUlnRequest, user: User) -> bytes:
    incoming = (request.uln or "").strip()
    echo: dict[str, str | None] = {
        "uln": request.uln,
        "family_name": request.family_name,
        "given_name": request.given_name,
    }
    try:
        result = learner_lookup(
            actor=user,
            uln=incoming,
            given_name=request.given_name or "",
            family_name=request.family_name or "",
        )
    except LearnerError as exc:
        if exc.response_code != codes.INVALID_ULN:
            raise
        return wire.learner_by_uln_response(
            response_code=exc.response_code,
            uln=echo["uln"],
            family_name=echo["family_name"],
            given_name=echo["given_name"],
        )
    learner = None
    if result.learner is not None:
        linked = [lr.uln for lr in learners_linked(actor=user, master=result.learner)]
        learner = _miap_learner(
            result.learner, linked, result.response_code == codes.MASTER_SUBSTITUTED
        )
    return wire.learner_by_uln_response(
        response_code=result.response_code,
        uln=echo["uln"],
        family_name=echo["family_name"],
        given_name=echo["given_name"],
        learner=learner,
    )


# --- UpdateLearnerSubsetFields -----------------------------------------------------------


def update_learner_subset_fields(
    request: wire.UpdateLearnerSubsetFieldsRequest, user: User
) -> bytes:
    operation = "UpdateLearnerSubsetFields"
    try:
        version = int((request.version_number or "").strip())
    except ValueError:
        raise SoapFault.invalid(f"{operation}/versionNumber", "must be a whole number") from None
    data: dict[str, str] = {}
    share = request.ability_to_share
    if share is not None and share != NOT_PROVIDED:
        if share not in ABILITY_TO_SHARE:
            raise SoapFault.invalid(
                f"{operation}/abilityToShare",
                f"use one of {NOT_PROVIDED}, {', '.join(ABILITY_TO_SHARE)}",
            )
        data["ability_to_share"] = ABILITY_TO_SHARE[share]
    # An absent parameter leaves its field as it is; telephoneNumber has no field here.
    for name, value in (
        ("email_address", request.email_address),
        ("school_at_16", request.school_at_age16),
        ("preferred_given_name", request.preferred_given_name),
    ):
        if value is not None:
            data[name] = value
    try:
        result = learner_update(
            actor=user,
            uln=(request.uln or "").strip(),
            version_number=version,
            data=data,
        )
    except LearnerError as exc:
        if exc.response_code == codes.INVALID_REQUEST:
            raise _invalid(operation, exc, _UPDATE_PARAMS) from None
        return wire.update_learner_subset_fields_response(response_code=exc.response_code)
    return wire.update_learner_subset_fields_response(response_code=result.response_code)


# --- ViewAudit ---------------------------------------------------------------------------


def view_audit(request: wire.ViewAuditRequest, user: User) -> bytes:
    try:
        page = int((request.page or "1").strip())
    except ValueError:
        raise SoapFault.invalid("ViewAudit/page", "must be a whole number") from None
    if page < 1:
        raise SoapFault.invalid("ViewAudit/page", "pages are numbered from 1")
    try:
        found = learner_lookup(
            actor=user,
            uln=(request.learner_uln or "").strip(),
            given_name=request.learner_given_name or "",
            family_name=request.learner_family_name or "",
        )
    except LearnerError as exc:
        if exc.response_code != codes.INVALID_ULN:
            raise
        raise SoapFault(exc.response_code, description=_description(exc.response_code)) from None
    if found.learner is None:
        raise SoapFault(codes.NOT_VERIFIED, description=_description(codes.NOT_VERIFIED))
    entries = plr_viewers(actor=user, learner=found.learner).order_by("-occurred_at", "-id")
    total = entries.count()
    start = (page - 1) * AUDIT_PAGE_SIZE
    return wire.view_audit_response(
        entries=[
            {
                "Action": entry.action,
                "DateTime": timezone.localtime(entry.occurred_at),
                "Organisation": (
                    entry.organisation.name if entry.organisation else entry.organisation_ukprn
                )
                or None,
                "User": entry.actor_username or None,
            }
            for entry in entries[start : start + AUDIT_PAGE_SIZE]
        ],
        page_count=math.ceil(total / AUDIT_PAGE_SIZE),
        page_index=page,
        page_size=AUDIT_PAGE_SIZE,
        total_items=total,
        sort_order=SORT_NEWEST_FIRST,
    )


def _description(code: str) -> str:
    # The "Title, sentence." style of the wire layer's fault descriptions.
    return f"{codes.DESCRIPTIONS[code]}, The learner's ULN and names do not identify a learner."


# --- Data challenges ---------------------------------------------------------------------


def _event_public_id(value: str | None, param: str) -> str:
    """The public id the challenge service takes for the R9 event ID (its integer key).

    Visibility is still the service's to decide: it refuses an event the caller may not
    see exactly as one that does not exist.
    """
    if not value:
        return ""
    try:
        pk = int(value.strip())
    except ValueError:
        raise SoapFault.invalid(f"CreateDataChallenge/{param}", "must be a whole number") from None
    public_id = LearningEvent.objects.filter(pk=pk).values_list("public_id", flat=True).first()
    return str(public_id) if public_id else "00000000-0000-0000-0000-000000000000"


def create_data_challenge(request: wire.CreateDataChallengeRequest, user: User) -> bytes:
    values = request.challenge
    supplied = {key: values[param] for param, key in _SUPPLIED.items() if values.get(param)}
    try:
        challenge = challenge_raise(
            actor=user,
            type=values.get("challengeType") or "",
            event_id=_event_public_id(values.get("learningEvent1Id"), "learningEvent1Id"),
            second_event_id=_event_public_id(values.get("learningEvent2Id"), "learningEvent2Id"),
            contact_name=values.get("contactName") or "",
            contact_email=values.get("emailAddress") or "",
            contact_telephone=values.get("telephone") or "",
            explanation=values.get("additionalInformation") or "",
            supplied_values=supplied,
        )
    except ValidationFailed as exc:
        raise _invalid("CreateDataChallenge", exc, _CHALLENGE_PARAMS) from None
    return wire.create_data_challenge_response(
        response_code=CHALLENGE_OK,
        data_challenge_reference=challenge.reference,
        response_description=CHALLENGE_OK_DESCRIPTION,
    )


def _date(value: str | None, param: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise SoapFault.invalid(f"ListDataChallenge/{param}", "must be a date") from None


def _challenge_item(challenge: Challenge) -> dict[str, Any]:
    return {
        "CreatedDate": timezone.localtime(challenge.created_at),
        "ReferenceNo": challenge.reference,
        "ResolvedDate": timezone.localtime(challenge.resolved_at)
        if challenge.resolved_at
        else None,
        "Status": challenge.status,
        "Type": challenge.type,
    }


def list_data_challenge(request: wire.ListDataChallengeRequest, user: User) -> bytes:
    start = _date(request.date_created_start, "dateCreatedStart")
    end = _date(request.date_created_end, "dateCreatedEnd")
    found = challenge_list(
        actor=user,
        filters=ChallengeFilter(
            uln=request.uln.strip() if request.uln else None, created_from=start, created_to=end
        ),
    )
    return wire.list_data_challenge_response(
        response_code=CHALLENGE_OK,
        data_challenges=[_challenge_item(c) for c in found],
    )


def delete_data_challenge(request: wire.DeleteDataChallengeRequest, user: User) -> bytes:
    challenge = challenge_get(actor=user, reference=request.reference_number or "")
    if request.uln and challenge.learner.uln != request.uln.strip():
        # The same answer as an unknown reference: the pair must identify the challenge.
        raise NotFound("No such challenge")
    challenge_withdraw(actor=user, challenge=challenge)
    return wire.delete_data_challenge_response(response_code=CHALLENGE_OK)


HANDLERS: dict[str, Handler] = {
    "GetLearnerLearningEvents": get_learner_learning_events,
    "LearnerByUln": learner_by_uln,
    "UpdateLearnerSubsetFields": update_learner_subset_fields,
    "ViewAudit": view_audit,
    "CreateDataChallenge": create_data_challenge,
    "ListDataChallenge": list_data_challenge,
    "DeleteDataChallenge": delete_data_challenge,
}

# Checked by the view when it authenticates the caller; the services check them again.
# ListDataChallenge has none: raisers, owners and the service desk may all list.
CAPABILITIES: dict[str, Capability] = {
    "GetLearnerLearningEvents": Capability.VIEW_PLR,
    "LearnerByUln": Capability.FIND_LEARNER,
    "UpdateLearnerSubsetFields": Capability.UPDATE_LEARNER,
    "ViewAudit": Capability.VIEW_PLR,
    "CreateDataChallenge": Capability.RAISE_CHALLENGE,
    "DeleteDataChallenge": Capability.RAISE_CHALLENGE,
}
