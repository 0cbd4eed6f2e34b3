"""LearnerService.svc: the ten MIAP operations, their request readers and response writers.

The wire rules (lrs-soap-facts.md section 2):

* Only the wrapper element is qualified (``findmsg``, ``regmsg``, ``batchmsg``,
  ``vldmsg``, ``reportmsg``); every child and grandchild is unqualified, in requests
  and in responses. The one exception is ``Learner/LinkedULNs``, qualified in the
  ``learner`` namespace, whose ``ULN`` children are unqualified again (``xmlns=""``).
* Responses use the prefixes ``soapenv`` and ``ns2`` (the wrapper's namespace), carry
  no Header and no XML declaration, follow the WSDL's element order (the .NET client is
  order-sensitive) and omit empty optional values; ``Learner`` always has ``<Notes/>``
  and ends with ``VersionNumber``.
* Credentials (OrganisationRef, UKPRN, OrgPassword, UserName) may each be absent, nil
  or valued; both finds put ``FindType`` before them.

Readers return frozen dataclasses of strings (``None`` for absent, empty or nil);
records (a learner, a learner to verify) are dicts keyed by the wire element names, in
wire order, with every field of the type present. Writers take keyword arguments and
mappings keyed by wire names, and return the whole response envelope as bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lrs.soapwire._xml import Value, Writer, attr, lexical
from lrs.soapwire.envelope import Children, Credentials, Operation, QName, SoapRequest, value_of
from lrs.soapwire.faults import SOAP11_ENV_NS, SoapFault

SERVICE = "LearnerService"

FINDMSG_NS = "http://api.lrs.miap.gov.uk/findmsg"
REGMSG_NS = "http://api.lrs.miap.gov.uk/regmsg"
BATCHMSG_NS = "http://api.lrs.miap.gov.uk/batchmsg"
VLDMSG_NS = "http://api.lrs.miap.gov.uk/vldmsg"
REPORTMSG_NS = "http://api.lrs.miap.gov.uk/reportmsg"
LEARNER_NS = "http://api.lrs.miap.gov.uk/learner"

VERIFY_LEARNER_ACTION = "http://tempuri.org/LearnerPortType/verifyLearner"

UNQUALIFIED = ("",)

# --- Element orders (section 2.3), shared by readers, writers and the WSDL tests. -----

CREDENTIALS = ("OrganisationRef", "UKPRN", "OrgPassword", "UserName")

DEMOGRAPHICS_SEARCH = (
    "FamilyName",
    "GivenName",
    "DateOfBirth",
    "Gender",
    "LastKnownPostCode",
    "PreviousFamilyName",
    "SchoolAtAge16",
    "PlaceOfBirth",
    "EmailAddress",
)
ULN_SEARCH = ("ULN", "FamilyName", "GivenName")
FIND_RESPONSE_ECHO = ("ULN", *DEMOGRAPHICS_SEARCH)

LEARNER = (
    "CreatedDate",
    "LastUpdatedDate",
    "ULN",
    "MasterSubstituted",
    "Title",
    "GivenName",
    "MiddleOtherName",
    "FamilyName",
    "PreferredGivenName",
    "PreviousFamilyName",
    "FamilyNameAtAge16",
    "SchoolAtAge16",
    "LastKnownAddressLine1",
    "LastKnownAddressLine2",
    "LastKnownAddressTown",
    "LastKnownAddressCountyOrCity",
    "LastKnownPostCode",
    "DateOfAddressCapture",
    "DateOfBirth",
    "PlaceOfBirth",
    "Gender",
    "EmailAddress",
    "Nationality",
    "ScottishCandidateNumber",
    "VerificationType",
    "OtherVerificationDescription",
    "TierLevel",
    "AbilityToShare",
    "LearnerStatus",
    "LinkedULNs",
    "Notes",
    "VersionNumber",
)
_NOT_REGISTERED = {
    "CreatedDate",
    "LastUpdatedDate",
    "ULN",
    "MasterSubstituted",
    "TierLevel",
    "LearnerStatus",
    "LinkedULNs",
    "VersionNumber",
}
LEARNER_TO_REGISTER = tuple(name for name in LEARNER if name not in _NOT_REGISTERED)
LEARNER_TO_UPDATE = (*LEARNER_TO_REGISTER, "ULN", "VersionNumber")
BATCH_LEARNER = (
    "ULN",
    "MISIdentifier",
    "Title",
    "GivenName",
    "PreferredGivenName",
    "MiddleOtherName",
    "FamilyName",
    "PreviousFamilyName",
    "FamilyNameAtAge16",
    "SchoolAtAge16",
    "LastKnownAddressLine1",
    "LastKnownAddressLine2",
    "LastKnownAddressTown",
    "LastKnownAddressCountyOrCity",
    "LastKnownPostCode",
    "DateOfAddressCapture",
    "DateOfBirth",
    "PlaceOfBirth",
    "EmailAddress",
    "Gender",
    "Nationality",
    "ScottishCandidateNumber",
    "AbilityToShare",
    "VerificationType",
    "OtherVerificationDescription",
    "Notes",
)
OUTPUT_BATCH_LEARNER = (*BATCH_LEARNER, "ReturnCode")
LEARNER_TO_VERIFY = ("ULN", "FamilyName", "GivenName", "DateOfBirth", "Gender")
BATCH_LEARNER_TO_VERIFY = ("MISIdentifier", *LEARNER_TO_VERIFY)
VERIFIED_LEARNER = (
    "SearchedULN",
    "SearchedFamilyName",
    "SearchedGivenName",
    "SearchedDateOfBirth",
    "SearchedGender",
    "ResponseCode",
    "ULN",
    "FamilyName",
    "GivenName",
    "DateOfBirth",
    "Gender",
    "FailureFlag",
)
VERIFIED_BATCH_LEARNER = ("MISIdentifier", *VERIFIED_LEARNER)
RETRIEVED_ULN = (
    "ULN",
    "MasterULN",
    "ResponseCode",
    "FamilyName",
    "GivenName",
    "DateOfBirth",
    "Gender",
)
BATCH_OUTPUT_COUNTS = (
    "NewLearnersCount",
    "ExistsUpdatedLearnersCount",
    "PossibleMatchLearnersCount",
    "LearnersNotFoundCount",
    "RejectedLearnersCount",
)

Record = dict[str, str | None]


# --- Requests ----------------------------------------------------------------------


@dataclass(frozen=True)
class FindByDemographicsRequest:
    """learnerByDemographics. ``search`` holds FamilyName … EmailAddress in wire order."""

    credentials: Credentials
    find_type: str | None
    search: Record


@dataclass(frozen=True)
class FindByUlnRequest:
    """learnerByULN. ``search`` holds ULN, FamilyName and GivenName."""

    credentials: Credentials
    find_type: str | None
    search: Record


@dataclass(frozen=True)
class RegisterLearnerRequest:
    """registerSingleLearner. ``learner`` has the LearnerToRegister fields, or is None."""

    credentials: Credentials
    learner: Record | None


@dataclass(frozen=True)
class UpdateLearnerRequest:
    """updateSingleLearner. ``learner`` has the LearnerToUpdate fields, or is None."""

    credentials: Credentials
    learner: Record | None


@dataclass(frozen=True)
class SubmitBatchRequest:
    """submitBatchRegistration: BatchLearner records in the order sent."""

    credentials: Credentials
    job_type: str | None
    learner_record_count: str | None
    learners: list[Record]


@dataclass(frozen=True)
class GetSubmitBatchOutputRequest:
    credentials: Credentials
    job_id: str | None


@dataclass(frozen=True)
class SubmitVerifyBatchRequest:
    """submitVerifyBatch: MIAPBatchLearnerToVerify records in the order sent."""

    credentials: Credentials
    learner_record_count: str | None
    org_email: str | None
    learners: list[Record]


@dataclass(frozen=True)
class GetVerifyBatchOutputRequest:
    credentials: Credentials
    job_id: str | None


@dataclass(frozen=True)
class RetrieveUlnsRequest:
    """retrieveULNs: the ULNs in the order sent (an empty ``<ULN/>`` reads as None)."""

    credentials: Credentials
    ulns: list[str | None]


@dataclass(frozen=True)
class VerifyLearnerRequest:
    """verifyLearner. ``learner`` has ULN, FamilyName, GivenName, DateOfBirth, Gender."""

    credentials: Credentials
    learner: Record | None


LearnerServiceRequest = (
    FindByDemographicsRequest
    | FindByUlnRequest
    | RegisterLearnerRequest
    | UpdateLearnerRequest
    | SubmitBatchRequest
    | GetSubmitBatchOutputRequest
    | SubmitVerifyBatchRequest
    | GetVerifyBatchOutputRequest
    | RetrieveUlnsRequest
    | VerifyLearnerRequest
)


def _children(element: Any, path: str, allowed: Sequence[str], **kw: Any) -> Children:
    return Children(element, path=path, namespaces=UNQUALIFIED, allowed=allowed, **kw)


def _credentials(children: Children) -> Credentials:
    return Credentials(
        organisation_ref=children.value("OrganisationRef"),
        ukprn=children.value("UKPRN"),
        password=children.value("OrgPassword"),
        username=children.value("UserName"),
    )


def _record(element: Any | None, path: str, names: Sequence[str]) -> Record | None:
    if element is None:
        return None
    children = _children(element, path, names)
    return {name: children.value(name) for name in names}


def _records(elements: list[Any], path: str, names: Sequence[str]) -> list[Record]:
    records = []
    for index, element in enumerate(elements, start=1):
        record = _record(element, f"{path}[{index}]", names)
        records.append(record if record is not None else dict.fromkeys(names))
    return records


def _read_find_by_demographics(body: Any) -> FindByDemographicsRequest:
    path = "FindLearnerByDemographics"
    c = _children(body, path, ("FindType", *CREDENTIALS, *DEMOGRAPHICS_SEARCH))
    return FindByDemographicsRequest(
        credentials=_credentials(c),
        find_type=c.value("FindType"),
        search={name: c.value(name) for name in DEMOGRAPHICS_SEARCH},
    )


def _read_find_by_uln(body: Any) -> FindByUlnRequest:
    c = _children(body, "FindLearnerByULN", ("FindType", *CREDENTIALS, *ULN_SEARCH))
    return FindByUlnRequest(
        credentials=_credentials(c),
        find_type=c.value("FindType"),
        search={name: c.value(name) for name in ULN_SEARCH},
    )


def _read_register(body: Any) -> RegisterLearnerRequest:
    c = _children(body, "RegisterLearner", (*CREDENTIALS, "Learner"))
    learner = _record(c.element("Learner"), c.where("Learner"), LEARNER_TO_REGISTER)
    return RegisterLearnerRequest(credentials=_credentials(c), learner=learner)


def _read_update(body: Any) -> UpdateLearnerRequest:
    c = _children(body, "UpdateLearner", (*CREDENTIALS, "Learner"))
    learner = _record(c.element("Learner"), c.where("Learner"), LEARNER_TO_UPDATE)
    return UpdateLearnerRequest(credentials=_credentials(c), learner=learner)


def _read_submit_batch(body: Any) -> SubmitBatchRequest:
    c = _children(
        body,
        "SubmitBatch",
        (*CREDENTIALS, "JobType", "LearnerRecordCount", "Learner"),
        repeatable=("Learner",),
    )
    return SubmitBatchRequest(
        credentials=_credentials(c),
        job_type=c.value("JobType"),
        learner_record_count=c.value("LearnerRecordCount"),
        learners=_records(c.elements("Learner"), c.where("Learner"), BATCH_LEARNER),
    )


def _read_get_submit_batch_output(body: Any) -> GetSubmitBatchOutputRequest:
    c = _children(body, "GetSubmitBatchOutput", (*CREDENTIALS, "JobID"))
    return GetSubmitBatchOutputRequest(credentials=_credentials(c), job_id=c.value("JobID"))


def _read_submit_verify_batch(body: Any) -> SubmitVerifyBatchRequest:
    c = _children(
        body,
        "SubmitVerifyBatch",
        (*CREDENTIALS, "LearnerRecordCount", "OrgEmail", "Learner"),
        repeatable=("Learner",),
    )
    return SubmitVerifyBatchRequest(
        credentials=_credentials(c),
        learner_record_count=c.value("LearnerRecordCount"),
        org_email=c.value("OrgEmail"),
        learners=_records(c.elements("Learner"), c.where("Learner"), BATCH_LEARNER_TO_VERIFY),
    )


def _read_get_verify_batch_output(body: Any) -> GetVerifyBatchOutputRequest:
    c = _children(body, "GetVerifyBatchOutput", (*CREDENTIALS, "JobID"))
    return GetVerifyBatchOutputRequest(credentials=_credentials(c), job_id=c.value("JobID"))


def _read_retrieve_ulns(body: Any) -> RetrieveUlnsRequest:
    c = _children(body, "RetrieveULNs", (*CREDENTIALS, "ULNsToRetrieve"))
    ulns: list[str | None] = []
    holder = c.element("ULNsToRetrieve")
    if holder is not None:
        inner = _children(holder, c.where("ULNsToRetrieve"), ("ULN",), repeatable=("ULN",))
        ulns = [value_of(el, inner.where("ULN")) for el in inner.elements("ULN")]
    return RetrieveUlnsRequest(credentials=_credentials(c), ulns=ulns)


def _read_verify(body: Any) -> VerifyLearnerRequest:
    c = _children(body, "VerifyLearner", (*CREDENTIALS, "LearnerToVerify"))
    learner = _record(c.element("LearnerToVerify"), c.where("LearnerToVerify"), LEARNER_TO_VERIFY)
    return VerifyLearnerRequest(credentials=_credentials(c), learner=learner)


# --- Operations --------------------------------------------------------------------


def _op(
    name: str,
    namespace: str,
    request: str,
    response: str,
    read: Callable[[Any], Any],
    soap_action: str = "",
) -> Operation:
    return Operation(name, QName(namespace, request), QName(namespace, response), soap_action, read)


OPERATION_LIST: tuple[Operation, ...] = (
    _op(
        "learnerByULN",
        FINDMSG_NS,
        "FindLearnerByULN",
        "FindLearnerResponse",
        _read_find_by_uln,
    ),
    _op(
        "learnerByDemographics",
        FINDMSG_NS,
        "FindLearnerByDemographics",
        "FindLearnerResponse",
        _read_find_by_demographics,
    ),
    _op(
        "registerSingleLearner",
        REGMSG_NS,
        "RegisterLearner",
        "RegisterLearnerResponse",
        _read_register,
    ),
    _op("updateSingleLearner", REGMSG_NS, "UpdateLearner", "UpdateLearnerResponse", _read_update),
    _op(
        "submitBatchRegistration",
        BATCHMSG_NS,
        "SubmitBatch",
        "SubmitBatchResponse",
        _read_submit_batch,
    ),
    _op(
        "getBatchRegistrationOutput",
        BATCHMSG_NS,
        "GetSubmitBatchOutput",
        "GetSubmitBatchOutputResponse",
        _read_get_submit_batch_output,
    ),
    _op(
        "submitVerifyBatch",
        VLDMSG_NS,
        "SubmitVerifyBatch",
        "SubmitVerifyBatchResponse",
        _read_submit_verify_batch,
    ),
    _op(
        "getVerifyBatchOutput",
        VLDMSG_NS,
        "GetVerifyBatchOutput",
        "GetVerifyBatchOutputResponse",
        _read_get_verify_batch_output,
    ),
    _op("retrieveULNs", REPORTMSG_NS, "RetrieveULNs", "RetrieveULNsResponse", _read_retrieve_ulns),
    _op(
        "verifyLearner",
        REPORTMSG_NS,
        "VerifyLearner",
        "VerifyLearnerResponse",
        _read_verify,
        soap_action=VERIFY_LEARNER_ACTION,
    ),
)
OPERATIONS: Mapping[QName, Operation] = {op.request: op for op in OPERATION_LIST}


def operation_for(request: SoapRequest) -> Operation:
    """The operation the Body's element names; WSEC0002 when there is none."""
    operation = OPERATIONS.get(request.operation)
    if operation is None:
        raise SoapFault.unknown_operation(str(request.operation), f"{SERVICE}.svc")
    return operation


def read_request(request: SoapRequest) -> LearnerServiceRequest:
    """Read the operation's request; WSEC0002 for an unknown element, WSEC0001 for a
    child that is unknown, repeated, mis-namespaced, or holds elements instead of text."""
    result: LearnerServiceRequest = operation_for(request).read(request.body)
    return result


# --- Responses ---------------------------------------------------------------------


def _envelope(namespace: str, wrapper: str, content: Callable[[Writer], None]) -> bytes:
    w = Writer()
    w.raw(
        f'<soapenv:Envelope xmlns:soapenv="{SOAP11_ENV_NS}"><soapenv:Body>'
        f'<ns2:{wrapper} xmlns:ns2="{attr(namespace)}">'
    )
    content(w)
    w.raw(f"</ns2:{wrapper}></soapenv:Body></soapenv:Envelope>")
    return w.bytes()


def _check_keys(values: Mapping[str, Any], names: Sequence[str], what: str) -> None:
    unknown = set(values) - set(names)
    if unknown:
        raise ValueError(f"{what} has no element(s) {sorted(unknown)}; allowed: {names}")


def _leaf(w: Writer, name: str, value: Value) -> None:
    """An optional simple element: omitted when None or empty (as live)."""
    text = lexical(value)
    if text:
        w.leaf(name, text)


def _flat(
    w: Writer,
    values: Mapping[str, Any],
    names: Sequence[str],
    what: str,
    repeated: Sequence[str] = (),
) -> None:
    _check_keys(values, names, what)
    for name in names:
        value = values.get(name)
        if name in repeated:
            for item in value or ():
                _leaf(w, name, item)
        else:
            _leaf(w, name, value)


def _learner(w: Writer, learner: Mapping[str, Any]) -> None:
    _check_keys(learner, LEARNER, "Learner")
    version = lexical(learner.get("VersionNumber"))
    if not version:
        raise ValueError("Learner needs a VersionNumber (minOccurs=1)")
    w.open("Learner")
    for name in LEARNER:
        if name == "LinkedULNs":
            linked = [lexical(uln) for uln in learner.get("LinkedULNs") or ()]
            linked_ulns = [uln for uln in linked if uln]
            ns = f' xmlns="{LEARNER_NS}"'
            if not linked_ulns:
                w.empty("LinkedULNs", ns)
            else:
                w.open("LinkedULNs", ns)
                for uln in linked_ulns:
                    w.leaf("ULN", uln, ' xmlns=""')
                w.close("LinkedULNs")
        elif name == "Notes":
            w.leaf("Notes", lexical(learner.get("Notes")) or "")
        elif name == "VersionNumber":
            w.leaf("VersionNumber", version)
        else:
            _leaf(w, name, learner.get(name))
    w.close("Learner")


def find_learner_response(
    *,
    response_code: str,
    search: Mapping[str, Value] | None = None,
    learners: Sequence[Mapping[str, Any]] = (),
) -> bytes:
    """FindLearnerResponse for both finds.

    ``search`` echoes the search fields as sent (keys ULN, FamilyName … EmailAddress;
    empty ones are omitted). Each learner maps Learner element names to values;
    ``LinkedULNs`` is a list of ULNs and ``VersionNumber`` is required.
    """
    echo = search or {}
    _check_keys(echo, FIND_RESPONSE_ECHO, "FindLearnerResponse search echo")

    def content(w: Writer) -> None:
        w.leaf("ResponseCode", response_code)
        for name in FIND_RESPONSE_ECHO:
            _leaf(w, name, echo.get(name))
        for learner in learners:
            _learner(w, learner)

    return _envelope(FINDMSG_NS, "FindLearnerResponse", content)


def register_learner_response(*, response_code: str, uln: Value = None) -> bytes:
    def content(w: Writer) -> None:
        w.leaf("ResponseCode", response_code)
        _leaf(w, "ULN", uln)

    return _envelope(REGMSG_NS, "RegisterLearnerResponse", content)


def update_learner_response(*, response_code: str) -> bytes:
    return _envelope(
        REGMSG_NS, "UpdateLearnerResponse", lambda w: w.leaf("ResponseCode", response_code)
    )


def _job_id(w: Writer, job_id: int | str | None) -> None:
    # JobID is a minOccurs=1 xs:long: a refused submission still needs one, and 0 is
    # what a .NET client would read for a missing one anyway.
    w.leaf("JobID", lexical(job_id) or "0")


def submit_batch_response(*, response_code: str, job_id: int | str | None) -> bytes:
    def content(w: Writer) -> None:
        w.leaf("ResponseCode", response_code)
        _job_id(w, job_id)

    return _envelope(BATCHMSG_NS, "SubmitBatchResponse", content)


def get_submit_batch_output_response(
    *,
    response_code: str,
    job_status: str | None = None,
    counts: Mapping[str, int | None] | None = None,
    job_started: Value = None,
    job_finished: Value = None,
    learners: Sequence[Mapping[str, Any]] = (),
) -> bytes:
    """GetSubmitBatchOutputResponse. ``counts`` is keyed by NewLearnersCount,
    ExistsUpdatedLearnersCount, PossibleMatchLearnersCount, LearnersNotFoundCount and
    RejectedLearnersCount; ``learners`` are OutputBatchLearner mappings."""
    tally = counts or {}
    _check_keys(tally, BATCH_OUTPUT_COUNTS, "GetSubmitBatchOutputResponse counts")

    def content(w: Writer) -> None:
        w.leaf("ResponseCode", response_code)
        _leaf(w, "JobStatus", job_status)
        for name in BATCH_OUTPUT_COUNTS:
            _leaf(w, name, tally.get(name))
        _leaf(w, "JobStartedDateTime", job_started)
        _leaf(w, "JobFinishedDateTime", job_finished)
        for learner in learners:
            w.open("Learner")
            _flat(w, learner, OUTPUT_BATCH_LEARNER, "OutputBatchLearner")
            w.close("Learner")

    return _envelope(BATCHMSG_NS, "GetSubmitBatchOutputResponse", content)


def submit_verify_batch_response(*, response_code: str, job_id: int | str | None) -> bytes:
    def content(w: Writer) -> None:
        w.leaf("ResponseCode", response_code)
        _job_id(w, job_id)

    return _envelope(VLDMSG_NS, "SubmitVerifyBatchResponse", content)


def get_verify_batch_output_response(
    *,
    response_code: str,
    job_status: str | None = None,
    job_started: Value = None,
    job_finished: Value = None,
    verified_learners: Sequence[Mapping[str, Any]] = (),
) -> bytes:
    """GetVerifyBatchOutputResponse; each verified learner is a MIAPVerifiedBatchLearner
    mapping whose ``FailureFlag`` is a list of flags (written last, one element each)."""

    def content(w: Writer) -> None:
        w.leaf("ResponseCode", response_code)
        _leaf(w, "JobStatus", job_status)
        _leaf(w, "JobStartedDateTime", job_started)
        _leaf(w, "JobFinishedDateTime", job_finished)
        for learner in verified_learners:
            w.open("VerifiedLearner")
            _flat(
                w,
                learner,
                VERIFIED_BATCH_LEARNER,
                "MIAPVerifiedBatchLearner",
                repeated=("FailureFlag",),
            )
            w.close("VerifiedLearner")

    return _envelope(VLDMSG_NS, "GetVerifyBatchOutputResponse", content)


def retrieve_ulns_response(*, retrieved: Sequence[Mapping[str, Any]]) -> bytes:
    """RetrieveULNsResponse: one MIAPRetrievedULN mapping per ULN asked for. There is no
    top-level ResponseCode; each VerifiedULN carries its own."""

    def content(w: Writer) -> None:
        if not retrieved:
            w.empty("RetrievedULNs")
            return
        w.open("RetrievedULNs")
        for item in retrieved:
            w.open("VerifiedULN")
            _flat(w, item, RETRIEVED_ULN, "MIAPRetrievedULN")
            w.close("VerifiedULN")
        w.close("RetrievedULNs")

    return _envelope(REPORTMSG_NS, "RetrieveULNsResponse", content)


def verify_learner_response(*, verified_learner: Mapping[str, Any]) -> bytes:
    """VerifyLearnerResponse; ``verified_learner`` is a MIAPVerifiedLearner mapping with
    ``FailureFlag`` a list (VRF1…VRF8). Always present: the .NET client throws on a
    missing VerifiedLearner."""

    def content(w: Writer) -> None:
        w.open("VerifiedLearner")
        _flat(
            w,
            verified_learner,
            VERIFIED_LEARNER,
            "MIAPVerifiedLearner",
            repeated=("FailureFlag",),
        )
        w.close("VerifiedLearner")

    return _envelope(REPORTMSG_NS, "VerifyLearnerResponse", content)
