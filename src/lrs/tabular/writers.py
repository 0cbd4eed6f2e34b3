"""Streaming writers of tabular files (batch and achievement files): CSV, XML, XLSX.

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
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import XMLGenerator

from lrs.tabular.layout import FORMATS, HEADER_COLUMNS, BatchHeader, Column, Layout

Target = str | os.PathLike[str] | IO[bytes]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 and XLSX cannot hold.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


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


def write_fields(xml: XmlWriter, layout: Layout[Any], record: Any) -> None:
    for column in layout.columns:
        value = getattr(record, column.attr)
        if value:
            xml.leaf(column.element, value, 2)


def write_layout(
    target: Target,
    header: BatchHeader,
    records: Iterable[Any],
    *,
    fmt: str,
    layout: Layout[Any],
    bom: bool = False,
) -> int:
    """Write a file of ``layout``: its header, then its records.

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
            lambda xml, record: write_fields(xml, layout, record),
            record_element=layout.record_element,
            header_columns=layout.header_columns,
        )
    attrs = [c.attr for c in layout.columns]
    rows = ([getattr(record, a) for a in attrs] for record in records)
    return write_tabular(target, fmt, layout.headings, header, rows, bom=bom, sheet=layout.sheet)
