"""The kernel of LRS's tabular file formats, free of any framework.

Batch files (``lrs.batchfiles``) and achievement files (``lrs.achievementfiles``) are
the same shape: a header of four fields, then records, in CSV, XML or XLSX. This
package holds what they share: the ``Layout`` that describes a kind of file and the
limits on it (``layout``), hardened streaming readers that split each row into its
header and record columns (``readers``, ``xmlsafe``), streaming writers (``writers``)
and the validation driver with its checks of the file name and header
(``validation``). Each file package keeps only its own records and rules. Nothing here
imports Django.
"""

from lrs.tabular.layout import (
    DEFAULT_LIMITS,
    FORMATS,
    BatchFileError,
    BatchHeader,
    BatchProblem,
    Column,
    Layout,
    Limits,
)
from lrs.tabular.readers import TabularFile, format_of, read_tabular
from lrs.tabular.validation import FileVerdict, validate_records, validate_source
from lrs.tabular.writers import write_layout

__all__ = [
    "DEFAULT_LIMITS",
    "FORMATS",
    "BatchFileError",
    "BatchHeader",
    "BatchProblem",
    "Column",
    "FileVerdict",
    "Layout",
    "Limits",
    "TabularFile",
    "format_of",
    "read_tabular",
    "validate_records",
    "validate_source",
    "write_layout",
]
