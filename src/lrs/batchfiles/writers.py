"""Streaming writers: batch files, their output files, verify batches and their outputs.

CSV rows and XML elements are written one record at a time; XLSX goes through
openpyxl's write-only workbook, which keeps rows in a temporary file, not in memory.

Spreadsheet formula injection: in CSV and XLSX every value that starts with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return is written with a single quote (``'``) in
front, so a spreadsheet shows it as text instead of running it. The readers remove that
quote again. XML is never neutralised (no spreadsheet evaluates it).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import XMLGenerator

from lrs.batchfiles import return_codes
from lrs.batchfiles.records import (
    FORMATS,
    HEADER_COLUMNS,
    LRB_LAYOUT,
    LRB_OUTPUT_NAMESPACE,
    VERIFY_LAYOUT,
    VERIFY_OUTPUT_NAMESPACE,
    BatchHeader,
    BatchRecord,
    Column,
    Layout,
    VerifyRecord,
)

Target = str | os.PathLike[str] | IO[bytes]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 and XLSX cannot hold.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

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


def neutralise(value: str) -> str:
    """``value`` made safe to open in a spreadsheet: a leading ' before = + - @ tab CR."""
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _xml_text(value: str) -> str:
    return _ILLEGAL.sub("\ufffd", value)


def _xml_chars(value: str) -> str:
    # An XML parser turns CR LF and CR into LF, so write line breaks as LF.
    return _xml_text(value.replace("\r\n", "\n").replace("\r", "\n"))


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


@contextmanager
def _binary(target: Target) -> Iterator[IO[bytes]]:
    if isinstance(target, str | os.PathLike):
        with Path(target).open("wb") as stream:
            yield stream
    else:
        yield target


def check_format(fmt: str) -> str:
    """``fmt`` in upper case; ValueError unless it is CSV, XML or XLSX."""
    fmt = fmt.upper()
    if fmt not in FORMATS:
        raise ValueError(f"Unknown batch file format {fmt!r}; use one of {', '.join(FORMATS)}")
    return fmt


def _header_cells(header: BatchHeader) -> list[str]:
    count = "" if header.learner_record_count is None else str(header.learner_record_count)
    return [header.file_version, header.file_name, header.ukprn, count]


def write_tabular(
    target: Target,
    fmt: str,
    headings: Sequence[str],
    header: BatchHeader,
    rows: Iterable[list[str]],
    *,
    bom: bool,
    sheet: str = "Learners",
) -> int:
    """Row 1 the headings; row 2 the header in columns 1-4 beside the first record.

    CSV or XLSX (``fmt``); every value is neutralised. Returns the number of rows.
    """
    count = 0

    def lines() -> Iterator[list[str]]:
        nonlocal count
        yield list(headings)
        first = True
        for cells in rows:
            count += 1
            safe = [neutralise(c) for c in cells]
            if first:
                yield _header_cells(header) + safe
                first = False
            else:
                yield ["", "", "", "", *safe]
        if first:
            yield _header_cells(header) + [""] * (len(headings) - 4)

    with _binary(target) as stream:
        if fmt == "CSV":
            text = io.TextIOWrapper(
                stream, encoding="utf-8-sig" if bom else "utf-8", newline="", write_through=True
            )
            try:
                writer = csv.writer(text, lineterminator="\r\n")
                for line in lines():
                    writer.writerow(line)
                text.flush()
            finally:
                text.detach()
        else:
            from openpyxl import Workbook  # imported here: only XLSX files need it

            workbook = Workbook(write_only=True)
            worksheet = workbook.create_sheet(sheet)
            for line in lines():
                worksheet.append([_xml_text(c) if c else None for c in line])
            workbook.save(stream)
    return count


class XmlWriter:
    """A thin streaming XML writer with one default namespace."""

    def __init__(self, stream: IO[bytes], namespace: str) -> None:
        self.out = XMLGenerator(stream, encoding="utf-8", short_empty_elements=True)
        self.ns = namespace

    def start_document(self, root: str) -> None:
        self.out.startDocument()
        self.out.startPrefixMapping(None, self.ns)
        self.out.startElementNS((self.ns, root), root, {})  # type: ignore[arg-type]
        self.out.ignorableWhitespace("\n")

    def end_document(self, root: str) -> None:
        self.out.endElementNS((self.ns, root), root)
        self.out.endPrefixMapping(None)
        self.out.ignorableWhitespace("\n")
        self.out.endDocument()

    def start(self, name: str, indent: int) -> None:
        self.out.ignorableWhitespace("  " * indent)
        self.out.startElementNS((self.ns, name), name, {})  # type: ignore[arg-type]
        self.out.ignorableWhitespace("\n")

    def end(self, name: str, indent: int) -> None:
        self.out.ignorableWhitespace("  " * indent)
        self.out.endElementNS((self.ns, name), name)
        self.out.ignorableWhitespace("\n")

    def leaf(self, name: str, value: str, indent: int) -> None:
        self.out.ignorableWhitespace("  " * indent)
        self.out.startElementNS((self.ns, name), name, {})  # type: ignore[arg-type]
        self.out.characters(_xml_chars(value))
        self.out.endElementNS((self.ns, name), name)
        self.out.ignorableWhitespace("\n")

    def header(self, header: BatchHeader, columns: Sequence[Column] = HEADER_COLUMNS) -> None:
        self.start("Header", 1)
        for column, value in zip(columns, _header_cells(header)):
            self.leaf(column.element, value, 2)
        self.end("Header", 1)


def write_xml(
    target: Target,
    namespace: str,
    root: str,
    header: BatchHeader,
    items: Iterable[Any],
    write_item: Callable[[XmlWriter, Any], None],
    *,
    record_element: str = "Learner",
    header_columns: Sequence[Column] = HEADER_COLUMNS,
) -> int:
    """``<root>``, its ``<Header>``, then one ``<record_element>`` per item, filled by
    ``write_item``. Returns the number of items."""
    count = 0
    with _binary(target) as stream:
        xml = XmlWriter(stream, namespace)
        xml.start_document(root)
        xml.header(header, header_columns)
        for item in items:
            count += 1
            xml.start(record_element, 1)
            write_item(xml, item)
            xml.end(record_element, 1)
        xml.end_document(root)
    return count


def _fields(xml: XmlWriter, layout: Layout[Any], record: Any) -> None:
    for column in layout.columns:
        value = getattr(record, column.attr)
        if value:
            xml.leaf(column.element, value, 2)


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
    fmt = check_format(fmt)
    if fmt == "XML":
        return write_xml(
            target,
            layout.namespace,
            layout.root,
            header,
            records,
            lambda xml, record: _fields(xml, layout, record),
            record_element=layout.record_element,
            header_columns=layout.header_columns,
        )
    attrs = [c.attr for c in layout.columns]
    rows = ([getattr(record, a) for a in attrs] for record in records)
    return write_tabular(target, fmt, layout.headings, header, rows, bom=bom, sheet=layout.sheet)


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
            _fields(xml, VERIFY_LAYOUT, result.record)
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
