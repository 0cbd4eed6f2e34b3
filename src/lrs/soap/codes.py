"""The web service's own codes that lrs.core.codes does not hold, with their words.

A module of constants only, so the guidance pages (and anything else that explains the
codes) read them without loading the SOAP views and handlers.
"""

from __future__ import annotations

# Faults (WSEC) the SOAP channel raises itself.
INTERNAL_ERROR = "WSEC0000"
RATE_LIMITED = "WSEC0004"
FAULT_DESCRIPTIONS = {
    INTERNAL_ERROR: "Internal error, or time limit exceeded",
    RATE_LIMITED: "Service not available, Too many requests; try again later.",
}

# Batch job answers (WSRC) of the learner service.
SUBMITTED = "WSRC0007"
INCOMPLETE = "WSRC0008"
SUCCESSFUL = "WSRC0009"
FAILED = "WSRC0010"
RECORD_COUNT_INCORRECT = "WSRC0017"
UNKNOWN_JOB = "WSRC0018"
BATCH_DESCRIPTIONS = {
    SUBMITTED: "Batch submitted",
    INCOMPLETE: "Batch incomplete",
    SUCCESSFUL: "Batch successful",
    FAILED: "Batch failed",
    RECORD_COUNT_INCORRECT: "Record count incorrect",
    UNKNOWN_JOB: "Unknown job",
}

# The challenge operations have no published codes: WSRC0000 is this service's "done".
CHALLENGE_OK = "WSRC0000"
CHALLENGE_OK_DESCRIPTION = "Data challenge submitted"
