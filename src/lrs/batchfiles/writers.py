"""Writers of batch files, their output files, verify batches and their outputs, on the
streaming writers of ``lrs.tabular.writers`` (which say how values are made safe for
spreadsheets)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lrs.batchfiles import return_codes
from lrs.batchfiles.records import (
    LRB_LAYOUT,
    LRB_OUTPUT_NAMESPACE,
    VERIFY_LAYOUT,
    VERIFY_OUTPUT_NAMESPACE,
    BatchHeader,
    BatchRecord,
    Layout,
    VerifyRecord,
)
from lrs.tabular.writers import FORMULA_STARTS as FORMULA_STARTS
from lrs.tabular.writers import Target as Target
from lrs.tabular.writers import XmlWriter as XmlWriter
from lrs.tabular.writers import check_format as check_format
from lrs.tabular.writers import neutralise as neutralise
from lrs.tabular.writers import write_fields, write_layout
from lrs.tabular.writers import write_tabular as write_tabular
from lrs.tabular.writers import write_xml as write_xml

LRB_OUTPUT_EXTRA = (
    "SuppliedULN",
    "ReturnCode",
    "ReturnDescription",
    "CandidateULNs",
    "ReturnDetail",
)
VERIFY_OUTPUT_EXTRA = (
    "ResponseCode",
    "ResponseDescription",
    "MatchedULN",
    "FailureFlags",
    "ResponseDetail",
)
LRB_OUTPUT_HEADINGS = (*LRB_LAYOUT.headings, *LRB_OUTPUT_EXTRA)
VERIFY_OUTPUT_HEADINGS = (*VERIFY_LAYOUT.headings, *VERIFY_OUTPUT_EXTRA)


def output_file_name(input_name: str) -> str:
    """``LRB_10012345_010920241030.CSV`` → ``LRB_10012345_010920241030_OUTPUT.CSV``."""
    path = Path(input_name)
    return f"{path.stem}_OUTPUT{path.suffix}"


@dataclass(frozen=True)
class OutputRecord:
    """The outcome of one learner of a registration batch, for the output file.

    ``uln`` is the ULN returned (issued, found, verified or the master of a linked
    ULN); ``candidate_ulns`` are the possible matches of an exception (RC007, RC008,
    RC010); ``detail`` says why a record was rejected.
    """

    record: BatchRecord
    return_code: str
    uln: str = ""
    candidate_ulns: tuple[str, ...] = ()
    detail: str = ""

    @property
    def description(self) -> str:
        return return_codes.description(self.return_code)


@dataclass(frozen=True)
class VerifyOutputRecord:
    """The outcome of one learner of a verify batch.

    ``matched_uln`` is the ULN that was compared (the master of a linked ULN for
    WSVRC002/WSVRC004); ``failure_flags`` are VRF1-VRF8.
    """

    record: VerifyRecord
    response_code: str
    matched_uln: str = ""
    failure_flags: tuple[str, ...] = ()
    detail: str = ""

    @property
    def description(self) -> str:
        return return_codes.verify_description(self.response_code)


def write_batch(
    target: Target,
    header: BatchHeader,
    records: Iterable[Any],
    *,
    fmt: str,
    layout: Layout[Any] = LRB_LAYOUT,
    bom: bool = False,
) -> int:
    """Write a batch file (registration by default; ``layout=VERIFY_LAYOUT`` for verify).

    Returns the number of records written. XML leaves out empty fields.
    """
    return write_layout(target, header, records, fmt=fmt, layout=layout, bom=bom)


def write_verify_batch(
    target: Target, header: BatchHeader, records: Iterable[VerifyRecord], *, fmt: str
) -> int:
    return write_batch(target, header, records, fmt=fmt, layout=VERIFY_LAYOUT)


def write_output(
    target: Target,
    header: BatchHeader,
    results: Iterable[OutputRecord],
    *,
    fmt: str,
    bom: bool = True,
) -> int:
    """Write the output file of a registration batch in ``fmt`` (that of the input).

    ``header.file_name`` should be the output file's name (see ``output_file_name``).
    CSV output carries a UTF-8 BOM by default so that Excel shows accents correctly.
    """
    fmt = check_format(fmt)
    attrs = [c.attr for c in LRB_LAYOUT.columns]
    if fmt == "XML":

        def item(xml: XmlWriter, result: OutputRecord) -> None:
            for column in LRB_LAYOUT.columns:
                value = result.uln if column.attr == "uln" else getattr(result.record, column.attr)
                if value:
                    xml.leaf(column.element, value, 2)
            if result.record.uln:
                xml.leaf("SuppliedULN", result.record.uln, 2)
            xml.leaf("ReturnCode", result.return_code, 2)
            xml.leaf("ReturnDescription", result.description, 2)
            if result.candidate_ulns:
                xml.start("CandidateULNs", 2)
                for uln in result.candidate_ulns:
                    xml.leaf("ULN", uln, 3)
                xml.end("CandidateULNs", 2)
            if result.detail:
                xml.leaf("ReturnDetail", result.detail, 2)

        return write_xml(target, LRB_OUTPUT_NAMESPACE, "LearnerBatchOutput", header, results, item)

    def rows() -> Iterator[list[str]]:
        for result in results:
            cells = [getattr(result.record, a) for a in attrs]
            cells[0] = result.uln
            yield [
                *cells,
                result.record.uln,
                result.return_code,
                result.description,
                " ".join(result.candidate_ulns),
                result.detail,
            ]

    return write_tabular(target, fmt, LRB_OUTPUT_HEADINGS, header, rows(), bom=bom)


def write_verify_output(
    target: Target,
    header: BatchHeader,
    results: Iterable[VerifyOutputRecord],
    *,
    fmt: str,
    bom: bool = True,
) -> int:
    """Write the output file of a verify batch: each row's WSVRC code and failure flags."""
    fmt = check_format(fmt)
    if fmt == "XML":

        def item(xml: XmlWriter, result: VerifyOutputRecord) -> None:
            write_fields(xml, VERIFY_LAYOUT, result.record)
            xml.leaf("ResponseCode", result.response_code, 2)
            xml.leaf("ResponseDescription", result.description, 2)
            if result.matched_uln:
                xml.leaf("MatchedULN", result.matched_uln, 2)
            for flag in result.failure_flags:
                xml.leaf("FailureFlag", flag, 2)
            if result.detail:
                xml.leaf("ResponseDetail", result.detail, 2)

        return write_xml(
            target, VERIFY_OUTPUT_NAMESPACE, "VerifyBatchOutput", header, results, item
        )
    attrs = [c.attr for c in VERIFY_LAYOUT.columns]
    rows = (
        [
            *(getattr(result.record, a) for a in attrs),
            result.response_code,
            result.description,
            result.matched_uln,
            " ".join(result.failure_flags),
            result.detail,
        ]
        for result in results
    )
    return write_tabular(target, fmt, VERIFY_OUTPUT_HEADINGS, header, rows, bom=bom)
