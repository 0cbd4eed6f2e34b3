"""Response codes of the learner web service (interface facts, section 4).

Pure constants in core, below every app: learners decides them, and records, batches,
SOAP, guidance and misuse's pages name them without importing learners (misuse sits
below learners, whose finds feed its watch)."""

from __future__ import annotations

NO_MATCH = "WSRC0001"
TOO_MANY = "WSRC0002"
POSSIBLE = "WSRC0003"
EXACT = "WSRC0004"
REGISTERED = "WSRC0005"
UPDATED = "WSRC0006"
STALE_VERSION = "WSRC0013"
INVALID_SHARE_CHANGE = "WSRC0014"
INSUFFICIENT_DATA = "WSRC0015"
UNKNOWN_ULN_FOR_UPDATE = "WSRC0019"
NO_CHANGE = "WSRC0020"
ALREADY_REGISTERED = "WSRC0021"
MASTER_SUBSTITUTED = "WSRC0022"
INVALID_REQUEST = "WSEC0001"
INSUFFICIENT_ACCESS = "WSEC0006"
INVALID_ULN = "WSEC0136"
NOT_SHARED = "WSEC0206"
NOT_VERIFIED = "WSEC0208"

VERIFY_MATCH = "WSVRC001"
VERIFY_LINKED_MATCH = "WSVRC002"
VERIFY_SIMILAR = "WSVRC003"
VERIFY_SIMILAR_LINKED = "WSVRC004"
VERIFY_NO_MATCH = "WSVRC005"
VERIFY_ULN_NOT_FOUND = "WSVRC006"

DESCRIPTIONS: dict[str, str] = {
    NO_MATCH: "No match",
    TOO_MANY: "Too many matches: supply more optional data to narrow the search",
    POSSIBLE: "Possible matches",
    EXACT: "Exact match",
    REGISTERED: "Learner successfully registered",
    UPDATED: "Learner successfully updated",
    STALE_VERSION: "The learner has been updated since you last obtained it",
    INVALID_SHARE_CHANGE: "Invalid change of ability to share",
    INSUFFICIENT_DATA: "Insufficient data",
    UNKNOWN_ULN_FOR_UPDATE: "ULN not found for update",
    NO_CHANGE: "No changes found, learner not updated",
    ALREADY_REGISTERED: "A learner with the same mandatory fields already exists",
    MASTER_SUBSTITUTED: "Master record substituted for the linked learner",
    INVALID_REQUEST: "Invalid request",
    INSUFFICIENT_ACCESS: "Insufficient access",
    INVALID_ULN: "Supplied ULN is invalid",
    NOT_SHARED: "Learner has not agreed to share: no learning events returned",
    NOT_VERIFIED: "Learner could not be verified",
    VERIFY_MATCH: "Successful match",
    VERIFY_LINKED_MATCH: "Successful linked match",
    VERIFY_SIMILAR: "Similar match",
    VERIFY_SIMILAR_LINKED: "Similar linked match",
    VERIFY_NO_MATCH: "Learner does not match",
    VERIFY_ULN_NOT_FOUND: "ULN not found",
}
