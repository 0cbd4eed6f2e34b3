"""What a batch file holds: its header, its records, its layouts and its problems.

Two kinds of batch file share one shape (a header of four fields, then records):

- the learner registration batch (``LRB``, file version ``2A``) of learning providers;
- the verify batch (``LRV``, file version ``V1``) of awarding organisations.

Every value is kept as the text that was in the file (``""`` when absent), so the output
file can echo it and the validator can say exactly what was wrong with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from lrs.tabular.layout import DEFAULT_LIMITS as DEFAULT_LIMITS
from lrs.tabular.layout import FORMATS as FORMATS
from lrs.tabular.layout import HEADER_COLUMNS as HEADER_COLUMNS
from lrs.tabular.layout import BatchFileError as BatchFileError
from lrs.tabular.layout import BatchHeader as BatchHeader
from lrs.tabular.layout import BatchProblem as BatchProblem
from lrs.tabular.layout import Column as Column
from lrs.tabular.layout import Layout as Layout
from lrs.tabular.layout import Limits as Limits
from lrs.tabular.layout import R as R

LRB_NAMESPACE = "urn:lrs:batch:lrb:2A"
LRB_OUTPUT_NAMESPACE = "urn:lrs:batch:lrb-output:2A"
VERIFY_NAMESPACE = "urn:lrs:batch:verify:V1"
VERIFY_OUTPUT_NAMESPACE = "urn:lrs:batch:verify-output:V1"

LRB_FILE_VERSION = "2A"
VERIFY_FILE_VERSION = "V1"


@dataclass(frozen=True, slots=True)
class BatchRecord:
    """One learner of a registration batch, as written in the file.

    The learner fields carry the snake_case names of ``lrs.validation.learner``.
    ``format_problems`` are layout faults of this row found by the reader (a row with
    the wrong number of columns, say); they make the record RC011.
    """

    row: int
    uln: str = ""
    mis_identifier: str = ""
    title: str = ""
    given_name: str = ""
    preferred_given_name: str = ""
    middle_other_name: str = ""
    family_name: str = ""
    previous_family_name: str = ""
    family_name_at_16: str = ""
    school_at_16: str = ""
    last_known_address_line1: str = ""
    last_known_address_line2: str = ""
    last_known_address_town: str = ""
    last_known_address_county_or_city: str = ""
    last_known_postcode: str = ""
    date_of_address_capture: str = ""
    date_of_birth: str = ""
    place_of_birth: str = ""
    email_address: str = ""
    gender: str = ""
    nationality: str = ""
    scottish_candidate_number: str = ""
    ability_to_share: str = ""
    verification_type: str = ""
    other_verification_description: str = ""
    notes: str = ""
    line: int | None = None
    format_problems: tuple[BatchProblem, ...] = field(default=(), compare=False)

    def learner_data(self) -> dict[str, str]:
        """The learner fields, ready for ``lrs.validation.learner.validate_learner``."""
        return {name: getattr(self, name) for name in LEARNER_FIELDS}


@dataclass(frozen=True, slots=True)
class VerifyRecord:
    """One learner of a verify batch: a ULN and the details to check against it."""

    row: int
    mis_identifier: str = ""
    uln: str = ""
    family_name: str = ""
    given_name: str = ""
    date_of_birth: str = ""
    gender: str = ""
    line: int | None = None
    format_problems: tuple[BatchProblem, ...] = field(default=(), compare=False)


_NOT_LEARNER = {"row", "uln", "mis_identifier", "line", "format_problems"}
LEARNER_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(BatchRecord) if f.name not in _NOT_LEARNER
)


def _same(name: str, attr: str) -> Column:
    return Column(name, name, attr)


# The order of the real service's CSV headings 5-30, which is also the order of its
# BatchLearner element. XML uses the learner record's element names, which differ from
# the CSV headings in two places (FamilyNameAtAge16, LastKnownAddressCountyOrCity).
LRB_COLUMNS: tuple[Column, ...] = (
    _same("ULN", "uln"),
    _same("MISIdentifier", "mis_identifier"),
    _same("Title", "title"),
    _same("GivenName", "given_name"),
    _same("PreferredGivenName", "preferred_given_name"),
    _same("MiddleOtherName", "middle_other_name"),
    _same("FamilyName", "family_name"),
    _same("PreviousFamilyName", "previous_family_name"),
    Column("FamilyNameAt16", "FamilyNameAtAge16", "family_name_at_16"),
    _same("SchoolAtAge16", "school_at_16"),
    _same("LastKnownAddressLine1", "last_known_address_line1"),
    _same("LastKnownAddressLine2", "last_known_address_line2"),
    _same("LastKnownAddressTown", "last_known_address_town"),
    Column(
        "LastKnownAddressCountyorCity",
        "LastKnownAddressCountyOrCity",
        "last_known_address_county_or_city",
    ),
    _same("LastKnownPostCode", "last_known_postcode"),
    _same("DateOfAddressCapture", "date_of_address_capture"),
    _same("DateOfBirth", "date_of_birth"),
    _same("PlaceOfBirth", "place_of_birth"),
    _same("EmailAddress", "email_address"),
    _same("Gender", "gender"),
    _same("Nationality", "nationality"),
    _same("ScottishCandidateNumber", "scottish_candidate_number"),
    _same("AbilityToShare", "ability_to_share"),
    _same("VerificationType", "verification_type"),
    _same("OtherVerificationDescription", "other_verification_description"),
    _same("Notes", "notes"),
)

# The order of the real service's MIAPBatchLearnerToVerify element.
VERIFY_COLUMNS: tuple[Column, ...] = (
    _same("MISIdentifier", "mis_identifier"),
    _same("ULN", "uln"),
    _same("FamilyName", "family_name"),
    _same("GivenName", "given_name"),
    _same("DateOfBirth", "date_of_birth"),
    _same("Gender", "gender"),
)

LRB_LAYOUT: Layout[BatchRecord] = Layout(
    name="learner registration batch",
    prefix="LRB",
    file_version=LRB_FILE_VERSION,
    namespace=LRB_NAMESPACE,
    root="LearnerBatch",
    columns=LRB_COLUMNS,
    factory=BatchRecord,
    xsd="lrb.xsd",
)

VERIFY_LAYOUT: Layout[VerifyRecord] = Layout(
    name="verify batch",
    prefix="LRV",
    file_version=VERIFY_FILE_VERSION,
    namespace=VERIFY_NAMESPACE,
    root="VerifyBatch",
    columns=VERIFY_COLUMNS,
    factory=VerifyRecord,
    xsd="verify.xsd",
    format_code="WSEC0001",
    date_attrs=frozenset({"date_of_birth"}),
)

LRB_HEADINGS = LRB_LAYOUT.headings
VERIFY_HEADINGS = VERIFY_LAYOUT.headings
