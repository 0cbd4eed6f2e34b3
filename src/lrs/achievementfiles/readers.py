"""Streaming reader of achievement files: CSV, XML and XLSX.

``read_achievements`` opens a file with the readers of ``lrs.tabular`` (hardened XML
parsing, CSV and XLSX streaming, limits, formula quotes removed) in the achievement
layout, and checks each row's fields as it is read: every ``AchievementRecord`` comes
with its field data problems in ``format_problems``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import cast

from lrs.achievementfiles.errors import AchievementProblem, ErrorCode
from lrs.achievementfiles.records import ACH_LAYOUT, AchievementHeader, AchievementRecord
from lrs.achievementfiles.rules import check_fields
from lrs.tabular.layout import DEFAULT_LIMITS, BatchFileError, BatchProblem, Limits
from lrs.tabular.readers import Source, TabularFile, read_tabular


def file_problem(problem: BatchProblem, code: ErrorCode) -> AchievementProblem:
    """A problem of ``lrs.tabular`` as an achievement file problem with ``code``."""
    return AchievementProblem(problem.row, problem.field, problem.rule, code, problem.line)


class AchievementFile:
    """An open achievement file: its format, header, problems so far, and its rows.

    Iterate once for the records; each has its field data problems in
    ``format_problems``. ``problems`` (file-level, FL03: a RecordCount that is not a
    number, header columns filled after row 2) is complete when the iteration ends. A
    fault that stops reading raises ``BatchFileError`` (its ``problem`` says why; the
    validator files it as FL02). Use it as a context manager to close the file.
    """

    def __init__(self, batch: TabularFile[AchievementRecord], *, check: bool = True) -> None:
        self._batch = batch
        self._check = check
        self.format: str = batch.format
        self.file_name: str = batch.file_name
        self.header: AchievementHeader = batch.header
        self.limits: Limits = batch.limits

    @property
    def records_read(self) -> int:
        return self._batch.records_read

    @property
    def problems(self) -> list[AchievementProblem]:
        return [file_problem(p, ErrorCode.FL03) for p in self._batch.problems]

    def __iter__(self) -> Iterator[AchievementRecord]:
        for record in self._batch:
            if self._check:
                found = check_fields(record, fmt=self.format)
                if found:
                    record = dataclasses.replace(
                        record, format_problems=(*record.format_problems, *found)
                    )
            yield record

    def close(self) -> None:
        self._batch.close()

    def __enter__(self) -> AchievementFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_achievements(
    source: Source,
    *,
    filename: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    check: bool = True,
) -> AchievementFile:
    """Open an achievement file (a path or a binary file object) and read its header.

    The format comes from ``filename`` (required for a file object; a path's own name
    by default): .CSV, .XML or .XLSX in any case. ``check=False`` skips the field rules
    (the records then carry only the reader's FD01 problems). Raises
    ``BatchFileError`` when the file cannot be read at all.
    """
    batch = read_tabular(source, layout=ACH_LAYOUT, filename=filename, limits=limits)
    return AchievementFile(cast(TabularFile[AchievementRecord], batch), check=check)


__all__ = ["AchievementFile", "BatchFileError", "file_problem", "read_achievements"]
