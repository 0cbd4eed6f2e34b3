"""Batch files of the Learning Records Service, free of any framework.

Learner registration batches (``LRB_<UKPRN>_<DDMMYYYYHHMM>.CSV|XML|XLSX``) and verify
batches (``LRV_…``): streaming readers, validation with return codes, and streaming
writers of the files and of their output files. Nothing here imports Django, so the
offline validator (``python -m lrs.batchfiles.validate FILE``) runs anywhere.
See docs/batch-files.md.
"""

from importlib import resources

from lrs.batchfiles.readers import (
    Batch,
    format_of,
    read_batch,
    read_registration_batch,
    read_verify_batch,
)
from lrs.batchfiles.records import (
    DEFAULT_LIMITS,
    LRB_HEADINGS,
    LRB_LAYOUT,
    LRB_NAMESPACE,
    LRB_OUTPUT_NAMESPACE,
    VERIFY_HEADINGS,
    VERIFY_LAYOUT,
    VERIFY_NAMESPACE,
    VERIFY_OUTPUT_NAMESPACE,
    BatchFileError,
    BatchHeader,
    BatchProblem,
    BatchRecord,
    Layout,
    Limits,
    VerifyRecord,
)
from lrs.batchfiles.return_codes import (
    EXCEPTION_CODES,
    REJECTION_CODES,
    RETURN_CODES,
    VERIFY_RESPONSE_CODES,
    ReturnCode,
)
from lrs.batchfiles.validation import (
    RecordOutcome,
    ValidationReport,
    check_file_name,
    check_registration_record,
    validate_batch,
    validate_file,
    validate_verify_file,
)
from lrs.batchfiles.writers import (
    LRB_OUTPUT_HEADINGS,
    VERIFY_OUTPUT_HEADINGS,
    OutputRecord,
    VerifyOutputRecord,
    neutralise,
    output_file_name,
    write_batch,
    write_output,
    write_verify_batch,
    write_verify_output,
)

SCHEMAS = ("lrb.xsd", "lrb-output.xsd", "verify.xsd", "verify-output.xsd")


def schema_text(name: str) -> str:
    """The text of one of the XSDs shipped with this package (see ``SCHEMAS``)."""
    if name not in SCHEMAS:
        raise ValueError(f"Unknown schema {name!r}; one of {', '.join(SCHEMAS)}")
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


__all__ = [
    "DEFAULT_LIMITS",
    "EXCEPTION_CODES",
    "LRB_HEADINGS",
    "LRB_LAYOUT",
    "LRB_NAMESPACE",
    "LRB_OUTPUT_HEADINGS",
    "LRB_OUTPUT_NAMESPACE",
    "REJECTION_CODES",
    "RETURN_CODES",
    "SCHEMAS",
    "VERIFY_HEADINGS",
    "VERIFY_LAYOUT",
    "VERIFY_NAMESPACE",
    "VERIFY_OUTPUT_HEADINGS",
    "VERIFY_OUTPUT_NAMESPACE",
    "VERIFY_RESPONSE_CODES",
    "Batch",
    "BatchFileError",
    "BatchHeader",
    "BatchProblem",
    "BatchRecord",
    "Layout",
    "Limits",
    "OutputRecord",
    "RecordOutcome",
    "ReturnCode",
    "ValidationReport",
    "VerifyOutputRecord",
    "VerifyRecord",
    "check_file_name",
    "check_registration_record",
    "format_of",
    "neutralise",
    "output_file_name",
    "read_batch",
    "read_registration_batch",
    "read_verify_batch",
    "schema_text",
    "validate_batch",
    "validate_file",
    "validate_verify_file",
    "write_batch",
    "write_output",
    "write_verify_batch",
    "write_verify_output",
]
