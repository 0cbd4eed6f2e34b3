"""Achievement files of awarding organisations, free of any framework.

An awarding organisation reports achievements (create, update, withdraw, reinstate,
promote provisional to final) in ``ACH_<UKPRN>_<DDMMYYYYHHMM>.CSV|XML|XLSX`` files.
This package reads them as they stream (with the machinery of ``lrs.tabular``),
checks every field's format, and writes error files. Learner data and business rules
that need the database are applied by the service, with the codes of ``errors``.
Nothing here imports Django: ``python -m lrs.achievementfiles.validate FILE`` runs
anywhere. See docs/achievement-files.md.
"""

from importlib import resources

from lrs.achievementfiles.actions import (
    ALLOWED_ACTIONS,
    AchievementStatus,
    Action,
    parse_action,
    parse_status,
)
from lrs.achievementfiles.errors import (
    ERROR_CODES,
    AchievementProblem,
    ErrorCode,
    ErrorCodeInfo,
    ErrorKind,
    codes_of,
    description,
    kind_of,
)
from lrs.achievementfiles.readers import AchievementFile, read_achievements
from lrs.achievementfiles.records import (
    ACH_ERRORS_NAMESPACE,
    ACH_HEADINGS,
    ACH_LAYOUT,
    ACH_NAMESPACE,
    AchievementHeader,
    AchievementRecord,
    make_header,
)
from lrs.achievementfiles.rules import (
    LANGUAGES,
    Achievement,
    check_award_date,
    check_fields,
    parse_record,
    required_fields,
)
from lrs.achievementfiles.validation import (
    AchievementReport,
    RowOutcome,
    check_achievement_file_name,
    check_achievement_header,
    validate_achievement_file,
    validate_achievements,
)
from lrs.achievementfiles.writers import (
    ERROR_HEADINGS,
    RejectedRow,
    error_file_name,
    error_header,
    rejected_rows,
    write_achievements,
    write_errors,
)
from lrs.tabular.layout import DEFAULT_LIMITS, BatchFileError, Limits

SCHEMAS = ("achievements.xsd", "achievement-errors.xsd")


def schema_text(name: str) -> str:
    """The text of one of the XSDs shipped with this package (see ``SCHEMAS``)."""
    if name not in SCHEMAS:
        raise ValueError(f"Unknown schema {name!r}; one of {', '.join(SCHEMAS)}")
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


__all__ = [
    "ACH_ERRORS_NAMESPACE",
    "ACH_HEADINGS",
    "ACH_LAYOUT",
    "ACH_NAMESPACE",
    "ALLOWED_ACTIONS",
    "DEFAULT_LIMITS",
    "ERROR_CODES",
    "ERROR_HEADINGS",
    "LANGUAGES",
    "SCHEMAS",
    "Achievement",
    "AchievementFile",
    "AchievementHeader",
    "AchievementProblem",
    "AchievementRecord",
    "AchievementReport",
    "AchievementStatus",
    "Action",
    "BatchFileError",
    "ErrorCode",
    "ErrorCodeInfo",
    "ErrorKind",
    "Limits",
    "RejectedRow",
    "RowOutcome",
    "check_achievement_file_name",
    "check_achievement_header",
    "check_award_date",
    "check_fields",
    "codes_of",
    "description",
    "error_file_name",
    "error_header",
    "kind_of",
    "make_header",
    "parse_action",
    "parse_record",
    "parse_status",
    "read_achievements",
    "rejected_rows",
    "required_fields",
    "schema_text",
    "validate_achievement_file",
    "validate_achievements",
    "write_achievements",
    "write_errors",
]
