"""Identity matching for the Learning Records Service, free of any web framework.

A find works in three steps:

1. ``query_keys(query)`` gives the blocking-key values to look up; the register stores
   ``stored_keys(record)`` in indexed columns, so candidates come back from a cheap
   ``WHERE bk_a IN (...) OR bk_b IN (...)``.
2. ``score(query, candidate)`` (or ``Scorer.score_all``) weighs every field's agreement
   (Fellegi-Sunter log-likelihood weights) into a score in [0, 1] with an explanation.
3. ``classify(results)`` turns the scored candidates into EXACT, POSSIBLE, TOO_MANY or
   NONE under the safety rules in ``classify.py``. ``match`` does 2 and 3 together.
4. When that answers NONE, a second look: ``household_keys(query)`` (everyone at the
   query's postcode unit) and ``classify_second_look(first, second)``, which offers only
   the new candidates born alike with a given or family name not wholly another.

See docs/matching.md for the design and measured quality.
"""

from lrs.matching.classify import (
    HELD_BACK_REASONS,
    MAX_POSSIBLE,
    Classification,
    Outcome,
    Thresholds,
    classify,
    classify_second_look,
    default_thresholds,
    exact_block,
    has_evidence_beyond_given_and_dob,
    is_exact_candidate,
    kept_by_second_look,
    match,
)
from lrs.matching.compare import Comparison, compare_fields
from lrs.matching.demographics import (
    FORM_VERSION,
    GENDERS,
    Demographics,
    Prepared,
    from_form,
    prepare,
    stored_form,
)
from lrs.matching.keys import (
    KEY_COLUMNS,
    KEY_MAX_LENGTHS,
    household_keys,
    loose_key,
    query_keys,
    stored_keys,
)
from lrs.matching.normalise import (
    InvalidPostcodeError,
    PostcodeParts,
    normalise_postcode,
    postcode_parts,
    try_normalise_postcode,
)
from lrs.matching.score import (
    ExplanationEntry,
    FrequencyTable,
    MatchResult,
    Scorer,
    Weights,
    default_scorer,
    default_weights,
    score,
)

__all__ = [
    "FORM_VERSION",
    "GENDERS",
    "HELD_BACK_REASONS",
    "KEY_COLUMNS",
    "KEY_MAX_LENGTHS",
    "MAX_POSSIBLE",
    "Classification",
    "Comparison",
    "Demographics",
    "ExplanationEntry",
    "FrequencyTable",
    "InvalidPostcodeError",
    "MatchResult",
    "Outcome",
    "PostcodeParts",
    "Prepared",
    "Scorer",
    "Thresholds",
    "Weights",
    "classify",
    "classify_second_look",
    "compare_fields",
    "default_scorer",
    "default_thresholds",
    "default_weights",
    "exact_block",
    "from_form",
    "has_evidence_beyond_given_and_dob",
    "household_keys",
    "is_exact_candidate",
    "kept_by_second_look",
    "loose_key",
    "match",
    "normalise_postcode",
    "postcode_parts",
    "prepare",
    "query_keys",
    "score",
    "stored_form",
    "stored_keys",
    "try_normalise_postcode",
]
