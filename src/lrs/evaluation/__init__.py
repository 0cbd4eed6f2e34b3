"""Evaluation-only data for the matching engine, written apart from ``lrs.synthetic``.

``lrs.synthetic`` makes the register and the queries the engine was calibrated on. This
package makes queries with an error process of its own (keyboard and OCR slips, phonetic
respellings, truncation, names replaced by other people's, moves anywhere, wholly wrong
dates, gender not known, several errors at once) so that the engine is also measured on
errors it was not built from. Calibration never imports it. Framework-free.
"""

from lrs.evaluation.errors import (
    ERROR_KINDS,
    EvalQuery,
    generate_independent_queries,
    twins_across_the_register,
)

__all__ = [
    "ERROR_KINDS",
    "EvalQuery",
    "generate_independent_queries",
    "twins_across_the_register",
]
