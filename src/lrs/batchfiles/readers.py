"""Readers of batch files: those of ``lrs.tabular`` in the batch layouts.

``read_batch`` opens a file, reads its header at once and then yields its records one at
a time (see ``lrs.tabular.readers``).
"""

from __future__ import annotations

from typing import Any, cast

from lrs.batchfiles.records import LRB_LAYOUT, VERIFY_LAYOUT, BatchRecord, VerifyRecord
from lrs.tabular.layout import DEFAULT_LIMITS, Layout, Limits
from lrs.tabular.readers import Source as Source
from lrs.tabular.readers import TabularFile, read_tabular
from lrs.tabular.readers import format_of as format_of

# An open batch file: its format, header, problems so far and its records.
Batch = TabularFile


def read_batch(
    source: Source,
    *,
    filename: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    layout: Layout[Any] = LRB_LAYOUT,
) -> TabularFile[Any]:
    """Open a batch file (registration by default) like ``read_tabular``."""
    return read_tabular(source, layout=layout, filename=filename, limits=limits)


def read_verify_batch(
    source: Source, *, filename: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> TabularFile[VerifyRecord]:
    """Open a verify batch (``LRV_…``) like ``read_batch``."""
    return cast(
        TabularFile[VerifyRecord],
        read_batch(source, filename=filename, limits=limits, layout=VERIFY_LAYOUT),
    )


def read_registration_batch(
    source: Source, *, filename: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> TabularFile[BatchRecord]:
    """``read_batch`` typed for learner registration batches."""
    return cast(TabularFile[BatchRecord], read_batch(source, filename=filename, limits=limits))
