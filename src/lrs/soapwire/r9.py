"""LearnerServiceR9.svc: the WCF service of learning events, its readers and writers.

The wire rules (lrs-soap-facts.md section 3):

* Requests: the wrapper and its children are qualified in ``http://tempuri.org/``
  (``elementFormDefault="qualified"``); ``invokingOrganisation``'s children are in a
  ``schemas.datacontract.org`` namespace. GetLearnerLearningEvents uses
  ``InvokingOrganisationR10`` (``…/Amor.Qcf.Service.Interface``: OrganisationRef,
  Password, Ukprn, Username); the other operations use ``InvokingOrganisation``
  (``…/Amor.Qcf.Common``: ChannelCode, Estab, LaNumber, Password, Reference, Ukprn,
  Username). Either shape is accepted on every operation; ChannelCode, Estab and
  LaNumber are read and ignored.
* Responses: ``<s:Envelope>``, ``<{Op}Response xmlns="http://tempuri.org/">``,
  ``<{Op}Result xmlns:a="http://api.lrs.qcf.gov.uk/model" xmlns:i="…XMLSchema-instance">``
  and the result's members as ``a:`` elements in DataContract order (base type first,
  then alphabetical). A member whose key is absent from the mapping is omitted; ``None``
  is written ``i:nil="true"``, except for members declared ``EmitDefaultValue=false``,
  which are omitted; ``""`` is an empty element (``<a:FoundULN/>``).

Only GetLearnerLearningEvents is documented in the reference. LearnerByUln,
UpdateLearnerSubsetFields and ViewAudit follow the names and types of the public R9
WSDL (WSDL-R9), and the three data-challenge operations the names of the older 25-op
contract (R9-OLD); what their results contain beyond that is this project's design
(see docs/soap.md, "Gap decisions").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from lrs.soapwire._xml import XSI_NS, Value, Writer, lexical
from lrs.soapwire.envelope import Children, Credentials, Operation, QName, SoapRequest
from lrs.soapwire.faults import SOAP11_ENV_NS, SoapFault

SERVICE = "LearnerServiceR9"

TEMPURI_NS = "http://tempuri.org/"
MODEL_NS = "http://api.lrs.qcf.gov.uk/model"
R10_NS = "http://schemas.datacontract.org/2004/07/Amor.Qcf.Service.Interface"
COMMON_NS = "http://schemas.datacontract.org/2004/07/Amor.Qcf.Common"
MIAP_MODEL_NS = "http://schemas.datacontract.org/2004/07/Amor.Qcf.MIAPModel"
ARRAYS_NS = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"

ACTION_PREFIX = "http://tempuri.org/ILearnerServiceR9/"

FULL = "FULL"
BRIEF = "BRIEF"

INVOKING_ORGANISATION_R10 = ("OrganisationRef", "Password", "Ukprn", "Username")
INVOKING_ORGANISATION = (
    "ChannelCode",
    "Estab",
    "LaNumber",
    "Password",
    "Reference",
    "Ukprn",
    "Username",
)
_CREDENTIAL_NAMES = tuple(sorted({*INVOKING_ORGANISATION_R10, *INVOKING_ORGANISATION}))

# The four children every request opens with; vendorID/vendorId as below.
CALLER_CHILDREN = 4

CHALLENGE_FIELDS = (
    "challengeType",
    "uln",
    "givenName",
    "familyName",
    "dateOfBirth",
    "gender",
    "contactName",
    "telephone",
    "emailAddress",
    "additionalInformation",
    "learningEvent1Id",
    "source1",
    "originalAccreditationNumber",
    "originalAwardingBody",
    "originalQualificationLevel",
    "originalAimTitle",
    "originalAchievedDate",
    "originalAchievedGrade",
    "originalTotalCredits",
    "originalCreditValue",
    "originalLanguageForAssessment",
    "originalProvider",
    "originalType",
    "originalStartDate",
    "originalEndDate",
    "learningEvent2Id",
    "source2",
    "suppliedAccreditationNumber",
    "suppliedAwardingBody",
    "suppliedAimTitle",
    "suppliedAchievedDate",
    "suppliedAchievedGrade",
    "suppliedTotalCredits",
    "suppliedCreditValue",
    "suppliedLanguageForAssessment",
    "suppliedProvider",
    "suppliedType",
    "suppliedQualificationLevel",
    "suppliedStartDate",
    "suppliedEndDate",
)

# Request children in order, per operation. GetLearnerLearningEvents spells vendorID
# with a capital D; every other operation vendorId.
REQUEST_CHILDREN: dict[str, tuple[str, ...]] = {
    "GetLearnerLearningEvents": (
        "invokingOrganisation",
        "userType",
        "vendorID",
        "language",
        "uln",
        "givenName",
        "familyName",
        "dateOfBirth",
        "gender",
        "getType",
    ),
    "LearnerByUln": (
        "invokingOrganisation",
        "userType",
        "vendorId",
        "language",
        "uln",
        "givenName",
        "familyName",
        "findType",
    ),
    "UpdateLearnerSubsetFields": (
        "invokingOrganisation",
        "userType",
        "vendorId",
        "language",
        "uln",
        "versionNumber",
        "emailAddress",
        "telephoneNumber",
        "abilityToShare",
        "schoolAtAge16",
        "preferredGivenName",
    ),
    "ViewAudit": (
        "invokingOrganisation",
        "userType",
        "vendorId",
        "language",
        "learnerUln",
        "learnerGivenName",
        "learnerFamilyName",
        "page",
    ),
    "CreateDataChallenge": (
        "invokingOrganisation",
        "userType",
        "vendorId",
        "language",
        *CHALLENGE_FIELDS,
    ),
    "ListDataChallenge": (
        "invokingOrganisation",
        "userType",
        "vendorId",
        "language",
        "uln",
        "dateCreatedStart",
        "dateCreatedEnd",
    ),
    "DeleteDataChallenge": (
        "invokingOrganisation",
        "userType",
        "vendorId",
        "language",
        "uln",
        "referenceNumber",
    ),
}

Record = dict[str, str | None]

# --- DataContract members of the responses --------------------------------------------

Kind = Literal["string", "int", "dateTime", "complex"]


@dataclass(frozen=True)
class Member:
    """A DataContract data member: its wire type, nillability and EmitDefaultValue."""

    name: str
    kind: Kind = "string"
    nillable: bool = True
    emit_default: bool = True


def _m(name: str, kind: Kind = "string", *, emit_default: bool = True) -> Member:
    # Reference types (strings, lists, records) are nillable; value types are not.
    nillable = kind in ("string", "complex")
    return Member(name, kind, nillable, emit_default)


LEARNING_EVENT: tuple[Member, ...] = (
    _m("AchievementAwardDate"),
    _m("AchievementProviderName", emit_default=False),
    _m("AchievementProviderUkprn"),
    _m("AwardingOrganisationName", emit_default=False),
    _m("AwardingOrganisationUkprn", emit_default=False),
    _m("CollectionType", emit_default=False),
    _m("Credits", "int"),
    _m("DateLoaded", emit_default=False),
    _m("Grade"),
    _m("ID", "int"),
    _m("LanguageForAssessment", emit_default=False),
    _m("Level"),
    _m("ParticipationEndDate", emit_default=False),
    _m("ParticipationStartDate", emit_default=False),
    _m("QualificationType", emit_default=False),
    _m("Restriction", emit_default=False),
    _m("ReturnNumber", emit_default=False),
    _m("Source"),
    _m("Status", emit_default=False),
    _m("Subject"),
    _m("SubjectCode"),
    _m("UnderDataChallenge", emit_default=False),
)

GET_LEARNER_LEARNING_EVENTS_RESULT: tuple[Member, ...] = (
    _m("ResponseCode", emit_default=False),
    _m("FoundULN"),
    _m("IncomingULN"),
    Member("LearnerRecord", "complex", True, emit_default=False),
)

# A subset of the R9 WSDL's Amor.Qcf.MIAPModel Learner: the fields this service keeps.
MIAP_LEARNER: tuple[Member, ...] = (
    _m("AbilityToShare", "int"),
    _m("CreatedDate", "dateTime"),
    Member("DateOfAddressCapture", "dateTime", nillable=True),
    _m("DateOfBirth", "dateTime"),
    _m("EmailAddress"),
    _m("FamilyName"),
    _m("FamilyNameAt16"),
    _m("Gender", "int"),
    _m("GivenName"),
    _m("LastKnownAddressCountyOrCity"),
    _m("LastKnownAddressLine1"),
    _m("LastKnownAddressLine2"),
    _m("LastKnownAddressTown"),
    _m("LastKnownPostCode"),
    _m("LastUpdatedDate", "dateTime"),
    _m("LinkedUlns", "complex"),
    _m("MasterUln"),
    _m("MiddleOtherName"),
    _m("Nationality"),
    _m("Notes"),
    _m("OtherVerificationDescription"),
    _m("PlaceOfBirth"),
    _m("PreferredGivenName"),
    _m("PreviousFamilyName"),
    _m("RecordStatus", "int"),
    _m("SchoolAtAge16"),
    _m("ScottishCandidateNumber"),
    _m("TelephoneNumber"),
    _m("TierLevel", "int"),
    _m("Title"),
    _m("Uln"),
    _m("VerificationType", "int"),
    _m("VersionNumber", "int"),
)

LEARNER_BY_ULN_RESULT: tuple[Member, ...] = (
    _m("ResponseCode", emit_default=False),
    _m("FamilyName"),
    _m("GivenName"),
    Member("Learner", "complex", True, emit_default=False),
    _m("Uln"),
)

PLR_ACCESS_ENTRY: tuple[Member, ...] = (
    _m("Action"),
    _m("DateTime", "dateTime"),
    _m("Organisation"),
    _m("User"),
)

VIEW_AUDIT_RESULT: tuple[Member, ...] = (
    Member("List", "complex"),
    _m("PageCount", "int"),
    _m("PageIndex", "int"),
    _m("PageSize", "int"),
    _m("SortIndex", "int"),
    _m("SortOrder", "int"),
    _m("TotalItems", "int"),
)

CREATE_DATA_CHALLENGE_RESULT: tuple[Member, ...] = (
    _m("ResponseCode", emit_default=False),
    _m("DataChallengeReference"),
    _m("ResponseDescription"),
)

LIST_DATA_CHALLENGE_ITEM: tuple[Member, ...] = (
    _m("CreatedDate", "dateTime"),
    _m("ReferenceNo"),
    Member("ResolvedDate", "dateTime", nillable=True),
    _m("Status"),
    _m("Type"),
)

LIST_DATA_CHALLENGE_RESULT: tuple[Member, ...] = (
    Member("DataChallenges", "complex"),
    _m("ResponseCode"),
)

DELETE_DATA_CHALLENGE_RESULT: tuple[Member, ...] = (_m("ResponseCode", emit_default=False),)


# --- Requests ----------------------------------------------------------------------


@dataclass(frozen=True)
class R9Request:
    """What every R9 request carries besides its own parameters."""

    credentials: Credentials
    user_type: str | None  # ORG (HMPPS), SER (Sunsis), LNR
    vendor_id: str | None
    language: str | None  # ENG


@dataclass(frozen=True)
class GetLearnerLearningEventsRequest(R9Request):
    uln: str | None
    given_name: str | None
    family_name: str | None
    date_of_birth: str | None
    gender: str | None
    get_type: str | None  # FULL or BRIEF


@dataclass(frozen=True)
class LearnerByUlnRequest(R9Request):
    uln: str | None
    given_name: str | None
    family_name: str | None
    find_type: str | None


@dataclass(frozen=True)
class UpdateLearnerSubsetFieldsRequest(R9Request):
    uln: str | None
    version_number: str | None
    email_address: str | None
    telephone_number: str | None
    ability_to_share: str | None  # NotProvided, FPNNotSeen or FPNSeenShareData
    school_at_age16: str | None
    preferred_given_name: str | None


@dataclass(frozen=True)
class ViewAuditRequest(R9Request):
    learner_uln: str | None
    learner_given_name: str | None
    learner_family_name: str | None
    page: str | None


@dataclass(frozen=True)
class CreateDataChallengeRequest(R9Request):
    """``challenge`` holds the 40 challenge parameters keyed by their wire names
    (challengeType, uln … suppliedEndDate), in wire order."""

    challenge: Record


@dataclass(frozen=True)
class ListDataChallengeRequest(R9Request):
    uln: str | None
    date_created_start: str | None
    date_created_end: str | None


@dataclass(frozen=True)
class DeleteDataChallengeRequest(R9Request):
    uln: str | None
    reference_number: str | None


R9ServiceRequest = (
    GetLearnerLearningEventsRequest
    | LearnerByUlnRequest
    | UpdateLearnerSubsetFieldsRequest
    | ViewAuditRequest
    | CreateDataChallengeRequest
    | ListDataChallengeRequest
    | DeleteDataChallengeRequest
)


def _credentials(element: Any | None, path: str) -> Credentials:
    if element is None:
        return Credentials(None, None, None, None)
    c = Children(
        element,
        path=path,
        namespaces=(R10_NS, COMMON_NS),
        allowed=_CREDENTIAL_NAMES,
    )
    # ChannelCode, Estab and LaNumber are still read, so a child holding elements
    # instead of a value is refused like any other.
    for ignored in ("ChannelCode", "Estab", "LaNumber"):
        c.value(ignored)
    organisation_ref = c.value("OrganisationRef")
    if organisation_ref is None:
        organisation_ref = c.value("Reference")
    return Credentials(
        organisation_ref=organisation_ref,
        ukprn=c.value("Ukprn"),
        password=c.value("Password"),
        username=c.value("Username"),
    )


def _snake(name: str) -> str:
    out = []
    for index, ch in enumerate(name):
        if ch.isupper() and index and not name[index - 1].isupper():
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def _reader(name: str, cls: type[R9Request]) -> Callable[[Any], R9Request]:
    names = REQUEST_CHILDREN[name]

    def read(body: Any) -> R9Request:
        c = Children(body, path=name, namespaces=(TEMPURI_NS,), allowed=names)
        common: dict[str, Any] = {
            "credentials": _credentials(
                c.element("invokingOrganisation"), c.where("invokingOrganisation")
            ),
            "user_type": c.value("userType"),
            "vendor_id": c.value("vendorID" if "vendorID" in names else "vendorId"),
            "language": c.value("language"),
        }
        own = names[CALLER_CHILDREN:]
        if cls is CreateDataChallengeRequest:
            common["challenge"] = {param: c.value(param) for param in own}
        else:
            common.update({_snake(param): c.value(param) for param in own})
        return cls(**common)

    return read


# --- Operations --------------------------------------------------------------------


def _op(name: str, cls: type[R9Request]) -> Operation:
    return Operation(
        name=name,
        request=QName(TEMPURI_NS, name),
        response=QName(TEMPURI_NS, f"{name}Response"),
        soap_action=ACTION_PREFIX + name,
        read=_reader(name, cls),
    )


OPERATION_LIST: tuple[Operation, ...] = (
    _op("GetLearnerLearningEvents", GetLearnerLearningEventsRequest),
    _op("LearnerByUln", LearnerByUlnRequest),
    _op("UpdateLearnerSubsetFields", UpdateLearnerSubsetFieldsRequest),
    _op("ViewAudit", ViewAuditRequest),
    _op("CreateDataChallenge", CreateDataChallengeRequest),
    _op("ListDataChallenge", ListDataChallengeRequest),
    _op("DeleteDataChallenge", DeleteDataChallengeRequest),
)
OPERATIONS: Mapping[QName, Operation] = {op.request: op for op in OPERATION_LIST}


def operation_for(request: SoapRequest) -> Operation:
    """The operation the Body's element names; WSEC0002 when there is none."""
    operation = OPERATIONS.get(request.operation)
    if operation is None:
        raise SoapFault.unknown_operation(str(request.operation), f"{SERVICE}.svc")
    return operation


def read_request(request: SoapRequest) -> R9ServiceRequest:
    result: R9ServiceRequest = operation_for(request).read(request.body)
    return result


# --- Responses ---------------------------------------------------------------------


def _envelope(operation: str, content: Callable[[Writer], None]) -> bytes:
    w = Writer()
    w.raw(
        f'<s:Envelope xmlns:s="{SOAP11_ENV_NS}"><s:Body><{operation}Response xmlns="{TEMPURI_NS}">'
    )
    content(w)
    w.raw(f"</{operation}Response></s:Body></s:Envelope>")
    return w.bytes()


def _result(operation: str, content: Callable[[Writer], None]) -> bytes:
    def wrapped(w: Writer) -> None:
        w.open(f"{operation}Result", f' xmlns:a="{MODEL_NS}" xmlns:i="{XSI_NS}"')
        content(w)
        w.close(f"{operation}Result")

    return _envelope(operation, wrapped)


def _struct(
    w: Writer,
    prefix: str,
    values: Mapping[str, Any],
    members: Sequence[Member],
    what: str,
    nested: Mapping[str, Callable[[Writer, str, Any], None]] | None = None,
) -> None:
    """Write ``values`` as the DataContract ``members``, in member order."""
    known = {m.name for m in members}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"{what} has no member(s) {sorted(unknown)}")
    for member in members:
        if member.name not in values:
            continue
        tag = f"{prefix}:{member.name}"
        value = values[member.name]
        if value is None:
            if member.emit_default and member.nillable:
                w.empty(tag, ' i:nil="true"')
            continue
        if nested and member.name in nested:
            nested[member.name](w, tag, value)
            continue
        w.leaf(tag, lexical(value, date_time=member.kind == "dateTime") or "")


def _list_of(
    item_tag: str, members: Sequence[Member], what: str
) -> Callable[[Writer, str, Any], None]:
    def write(w: Writer, tag: str, items: Sequence[Mapping[str, Any]]) -> None:
        if not items:
            w.empty(tag)
            return
        w.open(tag)
        for item in items:
            w.open(f"a:{item_tag}")
            _struct(w, "a", item, members, what)
            w.close(f"a:{item_tag}")
        w.close(tag)

    return write


_LEARNING_EVENTS = _list_of("LearningEvent", LEARNING_EVENT, "LearningEvent")


def get_learner_learning_events_response(
    *,
    response_code: str | None,
    found_uln: str | None,
    incoming_uln: str | None,
    learning_events: Sequence[Mapping[str, Value]] | None,
) -> bytes:
    """GetLearnerLearningEventsResponse.

    ``found_uln=""`` gives ``<a:FoundULN/>`` (WSEC0208) and ``None`` gives
    ``i:nil``; ``learning_events=[]`` gives ``<a:LearnerRecord/>`` (WSEC0206, WSEC0208)
    and ``None`` omits it. Each event maps LearningEvent member names to values; see
    the module docstring for absent keys and ``None``.
    """
    values = {
        "ResponseCode": response_code,
        "FoundULN": found_uln,
        "IncomingULN": incoming_uln,
        "LearnerRecord": learning_events,
    }
    return _result(
        "GetLearnerLearningEvents",
        lambda w: _struct(
            w,
            "a",
            values,
            GET_LEARNER_LEARNING_EVENTS_RESULT,
            "GetLearnerLearningEventsResult",
            {"LearnerRecord": _LEARNING_EVENTS},
        ),
    )


def _miap_learner(w: Writer, tag: str, learner: Mapping[str, Any]) -> None:
    def linked(w: Writer, tag: str, ulns: Sequence[str]) -> None:
        if not ulns:
            w.empty(tag, f' xmlns:c="{ARRAYS_NS}"')
            return
        w.open(tag, f' xmlns:c="{ARRAYS_NS}"')
        for uln in ulns:
            w.leaf("c:string", lexical(uln) or "")
        w.close(tag)

    w.open(tag, f' xmlns:b="{MIAP_MODEL_NS}"')
    _struct(w, "b", learner, MIAP_LEARNER, "Learner", {"LinkedUlns": linked})
    w.close(tag)


def learner_by_uln_response(
    *,
    response_code: str | None,
    uln: str | None = None,
    family_name: str | None = None,
    given_name: str | None = None,
    learner: Mapping[str, Any] | None = None,
) -> bytes:
    """LearnerByUlnResponse (gap: its members follow WSDL-R9; the Learner is the
    subset :data:`MIAP_LEARNER` of its MIAPModel Learner, with ``LinkedUlns`` a list)."""
    values = {
        "ResponseCode": response_code,
        "FamilyName": family_name,
        "GivenName": given_name,
        "Learner": learner,
        "Uln": uln,
    }
    return _result(
        "LearnerByUln",
        lambda w: _struct(
            w, "a", values, LEARNER_BY_ULN_RESULT, "LearnerByUlnResult", {"Learner": _miap_learner}
        ),
    )


def update_learner_subset_fields_response(*, response_code: str | None) -> bytes:
    """UpdateLearnerSubsetFieldsResponse: its result is a plain tempuri string."""

    def content(w: Writer) -> None:
        tag = "UpdateLearnerSubsetFieldsResult"
        if response_code is None:
            w.empty(tag, f' xmlns:i="{XSI_NS}" i:nil="true"')
        else:
            w.leaf(tag, response_code)

    return _envelope("UpdateLearnerSubsetFields", content)


def view_audit_response(
    *,
    entries: Sequence[Mapping[str, Value]] | None,
    page_count: int,
    page_index: int,
    page_size: int,
    total_items: int,
    sort_index: int = 0,
    sort_order: int = 0,
) -> bytes:
    """ViewAuditResponse: one page of a learner's PLR views. Each entry maps Action,
    DateTime, Organisation and User. The result has no ResponseCode (as WSDL-R9), so
    refusals (learner not verified, …) are faults."""
    values = {
        "List": entries,
        "PageCount": page_count,
        "PageIndex": page_index,
        "PageSize": page_size,
        "SortIndex": sort_index,
        "SortOrder": sort_order,
        "TotalItems": total_items,
    }
    entries_writer = _list_of("PlrAccessEntryResponse", PLR_ACCESS_ENTRY, "PlrAccessEntryResponse")
    return _result(
        "ViewAudit",
        lambda w: _struct(
            w, "a", values, VIEW_AUDIT_RESULT, "ViewAuditResult", {"List": entries_writer}
        ),
    )


def create_data_challenge_response(
    *,
    response_code: str | None,
    data_challenge_reference: str | None = None,
    response_description: str | None = None,
) -> bytes:
    values = {
        "ResponseCode": response_code,
        "DataChallengeReference": data_challenge_reference,
        "ResponseDescription": response_description,
    }
    return _result(
        "CreateDataChallenge",
        lambda w: _struct(
            w, "a", values, CREATE_DATA_CHALLENGE_RESULT, "CreateDataChallengeResult"
        ),
    )


def list_data_challenge_response(
    *,
    response_code: str | None,
    data_challenges: Sequence[Mapping[str, Value]] | None,
) -> bytes:
    """ListDataChallengeResponse; each challenge maps CreatedDate, ReferenceNo,
    ResolvedDate, Status and Type."""
    values = {"DataChallenges": data_challenges, "ResponseCode": response_code}
    items = _list_of("ListDataChallengeItem", LIST_DATA_CHALLENGE_ITEM, "ListDataChallengeItem")
    return _result(
        "ListDataChallenge",
        lambda w: _struct(
            w,
            "a",
            values,
            LIST_DATA_CHALLENGE_RESULT,
            "ListDataChallengeResult",
            {"DataChallenges": items},
        ),
    )


def delete_data_challenge_response(*, response_code: str | None) -> bytes:
    values = {"ResponseCode": response_code}
    return _result(
        "DeleteDataChallenge",
        lambda w: _struct(
            w, "a", values, DELETE_DATA_CHALLENGE_RESULT, "DeleteDataChallengeResult"
        ),
    )
