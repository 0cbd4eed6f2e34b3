"""Streaming readers of tabular files (batch and achievement files): CSV, XML and XLSX.

``read_tabular`` opens a file of any ``Layout``, reads its header at once and then
yields its records one at a time, so a file of 100,000 learners never sits in memory. A
fault that stops reading (wrong headings, a DTD, a truncated file…) raises
``BatchFileError`` whose ``problem`` says what is wrong and how to fix it; smaller faults
are collected in ``TabularFile.problems`` (file level) or ``record.format_problems`` (one
row) and reading goes on.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import difflib
import io
import os
import zipfile
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Generic, cast
from xml.etree.ElementTree import ParseError

from lrs.tabular.layout import (
    DEFAULT_LIMITS,
    FORMATS,
    BatchFileError,
    BatchHeader,
    BatchProblem,
    Layout,
    Limits,
    R,
)
from lrs.tabular.xmlsafe import XSI_NAMESPACE, HardenedXMLParser, XmlSecurityError

Source = str | os.PathLike[str] | IO[bytes]

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_MAX_LINE = 1024 * 1024
_CHUNK = 64 * 1024


def format_of(filename: str) -> str:
    """CSV, XML or XLSX from the file name's extension (any case)."""
    extension = Path(filename).suffix.lstrip(".").upper()
    if extension in FORMATS:
        return extension
    if extension == "XLS":
        raise BatchFileError(
            "Old Excel 97-2003 workbooks (.xls) are not accepted: save the workbook as "
            "Excel Workbook (.xlsx) or as CSV UTF-8 (.csv)"
        )
    shown = f".{extension}" if extension else "no extension"
    raise BatchFileError(
        f"The file name {filename!r} has {shown}; a batch file must end .CSV, .XML or .XLSX"
    )


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _too_big(size: int, limits: Limits, noun: str = "learner") -> BatchFileError:
    return BatchFileError(
        f"The file is {_mb(size)}; the limit is {_mb(limits.max_bytes)}. "
        f"Split the {noun}s over several smaller files."
    )


class _CountingReader(io.RawIOBase):
    """Replays the sniffed first bytes, then the stream, refusing to pass max_bytes."""

    def __init__(
        self, first: bytes, stream: IO[bytes], limits: Limits, noun: str = "learner"
    ) -> None:
        self._first = first
        self._stream = stream
        self._limits = limits
        self._noun = noun
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._first:
            n = min(len(view), len(self._first))
            view[:n] = self._first[:n]
            self._first = self._first[n:]
        else:
            data = self._stream.read(len(view))
            n = len(data)
            view[:n] = data
        self.count += n
        if self.count > self._limits.max_bytes:
            raise _too_big(self.count, self._limits, self._noun)
        return n


_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _sniff(first: bytes, fmt: str) -> None:
    """Refuse, with a reason, a file whose first bytes show it is not ``fmt`` at all."""
    if not first.strip():
        raise BatchFileError("The file is empty")
    if first.startswith(b"PK\x03\x04"):
        if fmt != "XLSX":
            raise BatchFileError(
                f"This file is an Excel workbook (XLSX, a ZIP archive) but its name ends "
                f".{fmt}: name it .XLSX, or save it from Excel as CSV UTF-8"
            )
        return
    if first.startswith(b"\xd0\xcf\x11\xe0"):
        raise BatchFileError(
            "This file is an old Excel 97-2003 workbook (.xls): save it as Excel Workbook "
            "(.xlsx) or as CSV UTF-8 (.csv)"
        )
    if first.startswith(b"%PDF"):
        raise BatchFileError("This file is a PDF document, not a batch file")
    if fmt == "XLSX":
        raise BatchFileError(
            "This file is not an Excel workbook: an .XLSX file is a ZIP archive, and this "
            "one looks like text. If it is a CSV or XML file, give it that extension"
        )
    utf16 = first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if utf16 and fmt == "CSV":
        raise BatchFileError(
            "This file is UTF-16 text (Excel's 'Unicode Text'); save it as CSV UTF-8 "
            "(Comma delimited) instead"
        )
    if not utf16:
        control = sum(1 for b in first if b < 0x20 and b not in (0x09, 0x0A, 0x0D))
        if b"\x00" in first or control > max(2, len(first) // 100):
            raise BatchFileError(
                "This file holds binary data, not text: it is not a CSV or XML batch file "
                "(is it damaged, encrypted or in another format?)"
            )
    if fmt == "XML":
        body = first
        for bom in _BOMS:
            body = body.removeprefix(bom)
        if not utf16 and not body.lstrip().startswith(b"<"):
            hint = (
                " It looks like a CSV file: name it .CSV."
                if body.lstrip().startswith(b"FileVersion")
                else ""
            )
            raise BatchFileError(f"This file is not XML: it does not start with '<'.{hint}")


def _unneutralise(value: str) -> str:
    """Undo the quote our writers put before a value a spreadsheet would run."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


class TabularFile(Generic[R]):
    """An open batch file: its format, header, problems so far, and its records.

    Iterate once over the batch for its records. ``problems`` is complete when the
    iteration ends. Use it as a context manager to close the file.
    """

    def __init__(
        self,
        *,
        layout: Layout[R],
        fmt: str,
        file_name: str,
        source: Iterator[Any],
        problems: list[BatchProblem],
        limits: Limits,
        closer: Callable[[], None],
    ) -> None:
        self.layout: Layout[R] = layout
        self.format = fmt
        self.file_name = file_name
        self.problems = problems
        self.limits = limits
        self.records_read = 0
        self._source = source
        self._closer = closer
        try:
            self.header: BatchHeader = next(source)
        except StopIteration:
            self.close()
            raise BatchFileError("The file holds no header") from None
        except BaseException:
            self.close()
            raise

    def __iter__(self) -> Iterator[R]:
        try:
            for record in self._source:
                self.records_read += 1
                if self.records_read > self.limits.max_records:
                    raise BatchFileError(
                        f"The file holds more than {self.limits.max_records:,} "
                        f"{self.layout.record_noun} records, the most one file may hold: split "
                        "it into smaller files",
                        row=record.row,
                    )
                yield cast(R, record)
        finally:
            self.close()

    def close(self) -> None:
        self._closer()

    def __enter__(self) -> TabularFile[R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_tabular(
    source: Source,
    *,
    layout: Layout[Any],
    filename: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> TabularFile[Any]:
    """Open a file of ``layout`` (a path or a binary file object) and read its header.

    The format comes from ``filename`` (required for a file object; a path's own name by
    default): .CSV, .XML or .XLSX in any case. Raises ``BatchFileError``.
    """
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        name = filename or path.name
        fmt = format_of(name)
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise _too_big(size, limits, layout.record_noun)
        stream: IO[bytes] = path.open("rb")
        owned = True
    else:
        if filename is None:
            raise TypeError("read_batch needs filename= when given a file object")
        name = filename
        fmt = format_of(name)
        stream = source
        owned = False
        if stream.seekable():
            here = stream.tell()
            size = stream.seek(0, io.SEEK_END) - here
            stream.seek(here)
            if size > limits.max_bytes:
                raise _too_big(size, limits, layout.record_noun)

    def closer() -> None:
        if owned:
            stream.close()

    problems: list[BatchProblem] = []
    try:
        first = stream.read(8192)
        _sniff(first, fmt)
        counted = _CountingReader(first, stream, limits, layout.record_noun)
        if fmt == "CSV":
            buffered = io.BufferedReader(counted, buffer_size=_CHUNK)
            rows = _csv_rows(buffered, len(layout.headings))
            records: Iterator[Any] = _tabular(rows, layout, problems, strict_width=True)
        elif fmt == "XML":
            records = _xml_records(io.BufferedReader(counted, buffer_size=_CHUNK), layout, problems)
        else:
            records = _tabular(_xlsx_rows(stream, limits), layout, problems, strict_width=False)
    except BaseException:
        closer()
        raise
    return TabularFile(
        layout=layout,
        fmt=fmt,
        file_name=name,
        source=records,
        problems=problems,
        limits=limits,
        closer=closer,
    )


# --- CSV ----------------------------------------------------------------------------


def _decoded_lines(stream: IO[bytes], state: dict[str, int]) -> Iterator[str]:
    """Lines of UTF-8 text (a BOM dropped); a decoding fault names its line and byte."""
    offset = 0
    line_no = 0
    while True:
        raw = stream.readline(_MAX_LINE)
        if not raw:
            return
        line_no += 1
        state["line"] = line_no
        if len(raw) == _MAX_LINE and not raw.endswith(b"\n"):
            raise BatchFileError(
                f"Line {line_no} is longer than 1 MB: this is not a CSV batch file, or a "
                'quote (") was left open',
                line=line_no,
            )
        if line_no == 1:
            raw = raw.removeprefix(codecs.BOM_UTF8)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.start + 1].hex().upper()
            try:
                raw.decode("cp1252")
                hint = (
                    " It looks like Windows-1252 ('ANSI') text: in Excel choose Save As, "
                    "CSV UTF-8 (Comma delimited)."
                )
            except UnicodeDecodeError:
                hint = " Save it as CSV UTF-8 (Comma delimited)."
            raise BatchFileError(
                f"The file is not UTF-8 text: byte 0x{bad} at byte {offset + exc.start + 1} "
                f"(line {line_no}) cannot be read.{hint}",
                line=line_no,
            ) from None
        offset += len(raw)
        state["last_newline"] = int(raw.endswith(b"\n"))
        yield text


def _delimiter_problem(cells: list[str]) -> str | None:
    if len(cells) > 3:
        return None
    joined = ",".join(cells)
    for delimiter, name in ((";", "semicolons (;)"), ("\t", "tabs")):
        if joined.count(delimiter) >= 3 and "FileVersion" in joined:
            return (
                f"Row 1 is separated by {name}, not commas: a batch CSV must use commas. "
                "This happens when Excel saves CSV with a non-English list separator; save "
                "it as CSV UTF-8 (Comma delimited), or change the list separator to a comma"
            )
    return None


def _csv_rows(stream: IO[bytes], width: int) -> Iterator[tuple[int, list[str]]]:
    state = {"line": 0, "last_newline": 1}
    reader = csv.reader(_decoded_lines(stream, state), strict=True)
    row = 0
    pending: tuple[int, list[str]] | None = None
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "unexpected end of data" in str(exc) or "field larger" in str(exc):
                raise BatchFileError(
                    f"A quoted value that starts on row {row + 1} is never closed: the file "
                    'is truncated (cut short), or a closing quote (") is missing',
                    row=row + 1,
                    line=state["line"],
                ) from None
            raise BatchFileError(
                f'Row {row + 1} is not valid CSV ({exc}): a value containing a quote (") '
                'must be quoted and its quotes doubled ("")',
                row=row + 1,
                line=state["line"],
            ) from None
        row += 1
        if row == 1:
            problem = _delimiter_problem(cells)
            if problem:
                raise BatchFileError(problem, row=1)
        if pending is not None:
            yield pending
        pending = (row, cells)
    if pending is not None:
        last_row, cells = pending
        filled = len(cells)
        if last_row > 1 and 0 < filled < width and any(c.strip() for c in cells):
            ending = "" if state["last_newline"] else " and does not end with a line break"
            raise BatchFileError(
                f"The last row (row {last_row}) has only {filled} of the {width} columns"
                f"{ending}: the file is truncated (cut short). Send the complete file",
                row=last_row,
            )
        yield pending


# --- XLSX ---------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(stream: IO[bytes], limits: Limits) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # imported here: only XLSX files need it

    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise BatchFileError(
            "This XLSX workbook is damaged or truncated (it is not a complete ZIP archive)"
        ) from None
    if expanded > limits.max_uncompressed_bytes:
        raise BatchFileError(
            f"This workbook expands to {_mb(expanded)}, more than the "
            f"{_mb(limits.max_uncompressed_bytes)} allowed: split it into smaller files"
        )
    stream.seek(0)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise BatchFileError(f"This XLSX workbook cannot be opened: {exc}") from None
    try:
        if not workbook.worksheets:
            raise BatchFileError("This workbook has no worksheet")
        sheet = workbook.worksheets[0]
        rows = enumerate(sheet.iter_rows(min_row=1, values_only=True), 1)
        number = 0
        while True:
            try:
                number, values = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # a damaged sheet fails in many ways; say where
                raise BatchFileError(
                    f"The worksheet cannot be read after row {number}: {exc}. The workbook "
                    "may be damaged; open it in Excel and save it again",
                    row=number + 1,
                ) from None
            yield number, [_cell_text(v) for v in values]
    finally:
        workbook.close()


# --- CSV and XLSX: the shared tabular layout ----------------------------------------


def _headings_problem(found: list[str], layout: Layout[Any]) -> str | None:
    expected = list(layout.headings)
    cells = [c.strip() for c in found]
    while cells and not cells[-1]:
        cells.pop()
    if cells == expected:
        return None
    notes: list[str] = []
    lower = {h.lower(): h for h in expected}
    xml_names = {c.element: c.heading for c in layout.columns if c.element != c.heading}
    unknown = [c for c in cells if c not in expected]
    missing = [h for h in expected if h not in cells]
    for cell in unknown:
        right = lower.get(cell.lower()) or xml_names.get(cell)
        if right and right in missing:
            notes.append(f"{cell!r} must be written {right!r} (headings are case-sensitive)")
            missing.remove(right)
        elif not cell:
            notes.append("a heading is empty")
        else:
            close = difflib.get_close_matches(cell, missing, n=1)
            guess = f" (did you mean {close[0]}?)" if close else ""
            notes.append(f"{cell!r} is not a heading of this layout{guess}")
    if missing:
        notes.append("missing: " + ", ".join(missing))
    twice = sorted({c for c in cells if cells.count(c) > 1 and c})
    if twice:
        notes.append("appearing more than once: " + ", ".join(twice))
    if not notes:
        moved = [
            f"{cell} is in column {i} but belongs in column {expected.index(cell) + 1}"
            for i, cell in enumerate(cells, 1)
            if cell in expected and expected.index(cell) + 1 != i
        ]
        notes.append("the headings are in the wrong order: " + "; ".join(moved[:6]))
        if len(moved) > 6:
            notes[-1] += f"; and {len(moved) - 6} more"
    return (
        f"Row 1 must hold the {len(expected)} headings of a {layout.name} (file version "
        f"{layout.file_version}) in order, spelt exactly: " + "; ".join(notes) + ". "
        "The headings are: " + ", ".join(expected)
    )


def _parse_count(text: str) -> int | None:
    text = text.strip()
    if text.isascii() and text.isdigit():
        return int(text)
    return None


def _make_header(
    values: list[str], problems: list[BatchProblem], row: int | None, layout: Layout[Any]
) -> BatchHeader:
    file_version, file_name, ukprn, count_text = (v.strip() for v in values)
    count = _parse_count(count_text)
    if count is None:
        heading = layout.count_heading
        problems.append(
            BatchProblem(
                row=row,
                field=heading,
                rule=f"{heading} {count_text!r} is not a whole number: give the "
                f"number of {layout.record_noun} records in the file",
            )
        )
    return BatchHeader(file_version, file_name, ukprn, count)


def _tabular(
    rows: Iterator[tuple[int, list[str]]],
    layout: Layout[Any],
    problems: list[BatchProblem],
    *,
    strict_width: bool,
) -> Iterator[Any]:
    width = len(layout.headings)
    first = len(layout.header_columns)
    try:
        _, headings = next(rows)
    except StopIteration:
        raise BatchFileError("The file is empty") from None
    problem = _headings_problem(headings, layout)
    if problem:
        raise BatchFileError(problem, row=1)
    try:
        row, cells = next(rows)
    except StopIteration:
        raise BatchFileError(
            f"Row 2 is missing: columns 1-{first} of row 2 hold the header values ("
            + ", ".join(c.heading for c in layout.header_columns)
            + f") and the rest of row 2 the first {layout.record_noun}",
            row=2,
        ) from None
    cells, format_problems = _fit(row, cells, width, strict_width, layout.format_code)
    yield _make_header(cells[:first], problems, 2, layout)
    attrs = [c.attr for c in layout.columns]
    if any(c.strip() for c in cells[first:]):
        yield _record(layout, row, attrs, cells, format_problems)
    filled_rows: list[int] = []
    filled_count = 0
    for row, raw_cells in rows:
        if not any(c.strip() for c in raw_cells):
            continue
        cells, format_problems = _fit(row, raw_cells, width, strict_width, layout.format_code)
        if any(c.strip() for c in cells[:first]):
            filled_count += 1
            if len(filled_rows) < 5:
                filled_rows.append(row)
        if any(c.strip() for c in cells[first:]):
            yield _record(layout, row, attrs, cells, format_problems)
    if filled_count:
        shown = ", ".join(str(r) for r in filled_rows)
        more = f" and {filled_count - len(filled_rows):,} more" if filled_count > 5 else ""
        problems.append(
            BatchProblem(
                row=filled_rows[0],
                field=None,
                rule=f"Columns 1-{first} ("
                + ", ".join(c.heading for c in layout.header_columns)
                + ") hold "
                f"values on rows {shown}{more}: only row 2 may fill them; leave them empty on "
                "every later row",
            )
        )


def _fit(
    row: int, cells: list[str], width: int, strict: bool, code: str
) -> tuple[list[str], tuple[BatchProblem, ...]]:
    extra = cells[width:]
    cells = cells[:width]
    found: tuple[BatchProblem, ...] = ()
    if any(c.strip() for c in extra):
        found = (
            BatchProblem(
                row=row,
                field=None,
                rule=f"This row has {width + len(extra)} columns but the layout has {width}: "
                "is there a comma in a value that is not quoted?",
                code=code,
            ),
        )
    elif strict and len(cells) < width:
        found = (
            BatchProblem(
                row=row,
                field=None,
                rule=f"This row has {len(cells)} columns but the layout has {width}: a "
                "separator is missing",
                code=code,
            ),
        )
    if len(cells) < width:
        cells = cells + [""] * (width - len(cells))
    return [_unneutralise(c) for c in cells], found


def _record(
    layout: Layout[Any],
    row: int,
    attrs: list[str],
    cells: list[str],
    format_problems: tuple[BatchProblem, ...],
) -> Any:
    values = dict(zip(attrs, cells[len(layout.header_columns) :]))
    return layout.make(row, values, format_problems=format_problems)


# --- XML ----------------------------------------------------------------------------


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


class _XmlBuilder:
    """An ElementTree parser target that checks the structure of the layout's XSD
    (``lrb.xsd``, ``verify.xsd``…) as elements arrive and queues each finished record,
    keeping no tree."""

    def __init__(self, layout: Layout[Any], problems: list[BatchProblem]) -> None:
        self.layout = layout
        self.ns = layout.namespace
        self.parser: HardenedXMLParser | None = None
        self.stack: list[str] = []
        self.header: BatchHeader | None = None
        self.header_problems = problems
        self.pending: deque[Any] = deque()
        self.records = 0
        self.values: dict[str, str] = {}
        self.text: list[str] = []
        self.last_index = -1
        self.record_line = 0
        self.header_elements = [c.element for c in layout.header_columns]
        self.record_elements = [c.element for c in layout.columns]
        self.attr_of = {c.element: c.attr for c in (*layout.header_columns, *layout.columns)}
        self.done = False

    @property
    def line(self) -> int:
        return self.parser.line if self.parser else 0

    def fail(self, rule: str) -> BatchFileError:
        row = self.records if self.stack[1:2] == [self.layout.record_element] else None
        return BatchFileError(f"Line {self.line}: {rule}", row=row, line=self.line)

    def _check_attributes(self, local: str, attrib: dict[str, str], depth: int) -> None:
        # As the XSD says: no attributes, except where the schema is on the root.
        for name in attrib:
            namespace, attribute = _split(name)
            if not (depth == 0 and namespace == XSI_NAMESPACE and attribute == "schemaLocation"):
                raise self.fail(f"<{local}> may not carry the attribute {name!r}")

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        namespace, local = _split(tag)
        depth = len(self.stack)
        root = self.layout.root
        if depth == 0:
            if local != root or namespace != self.ns:
                found = f"<{local}> in namespace {namespace!r}" if namespace else f"<{local}>"
                raise self.fail(
                    f'the root element must be <{root} xmlns="{self.ns}">; found {found}'
                )
        else:
            if self.done:
                raise self.fail("nothing may follow the end of the root element")
            if namespace != self.ns:
                raise self.fail(
                    f"<{local}> must be in the namespace {self.ns!r} (found "
                    f'{namespace or "no namespace"!r}): declare xmlns="{self.ns}" on <{root}>'
                )
            if depth == 1:
                self._start_top(local)
            elif depth == 2:
                parent = self.stack[1]
                names = self.header_elements if parent == "Header" else self.record_elements
                self._start_field(local, parent, names)
            else:
                raise self.fail(
                    f"<{local}> may not appear inside <{self.stack[-1]}>: a field holds text only"
                )
        self._check_attributes(local, attrib, depth)
        self.stack.append(local)
        self.text = []

    def _start_top(self, local: str) -> None:
        record = self.layout.record_element
        if local == "Header":
            if self.header is not None or self.records:
                raise self.fail(f"there must be exactly one <Header>, before the first <{record}>")
        elif local == record:
            if self.header is None:
                raise self.fail(f"<Header> must come before the first <{record}>")
            self.records += 1
            self.record_line = self.line
        else:
            raise self.fail(
                f"<{local}> is not allowed in <{self.layout.root}>: only <Header> then "
                f"<{record}> elements"
            )
        self.values = {}
        self.last_index = -1

    def _start_field(self, local: str, parent: str, names: list[str]) -> None:
        if local not in names:
            lowered = {n.lower(): n for n in names}
            right = lowered.get(local.lower())
            close = [right] if right else difflib.get_close_matches(local, names, n=1)
            guess = f" (did you mean <{close[0]}>?)" if close else ""
            raise self.fail(
                f"<{local}> is not an element of <{parent}>{guess}. Its elements, "
                "in order: " + ", ".join(names)
            )
        index = names.index(local)
        if index == self.last_index:
            raise self.fail(f"<{local}> appears twice in one <{parent}>")
        if index < self.last_index:
            raise self.fail(
                f"<{local}> must come before <{names[self.last_index]}> in <{parent}>; the "
                "order is: " + ", ".join(names)
            )
        self.last_index = index

    def data(self, text: str) -> None:
        if len(self.stack) == 3:
            self.text.append(text)
        elif text.strip():
            where = f"<{self.stack[-1]}>" if self.stack else "the document"
            raise self.fail(f"text {text.strip()[:40]!r} is not allowed directly inside {where}")

    def end(self, tag: str) -> None:
        _, local = _split(tag)
        depth = len(self.stack)
        self.stack.pop()
        if depth == 3:
            self.values[self.attr_of[local]] = "".join(self.text)
            self.text = []
        elif depth == 2 and local == "Header":
            missing = [n for n in self.header_elements if self.attr_of[n] not in self.values]
            if missing:
                raise self.fail("<Header> lacks " + ", ".join(f"<{m}>" for m in missing))
            self.header = _make_header(
                [self.values[self.attr_of[n]] for n in self.header_elements],
                self.header_problems,
                None,
                self.layout,
            )
        elif depth == 2:
            self.pending.append(self.layout.make(self.records, self.values, line=self.record_line))
        elif depth == 1:
            self.done = True

    def close(self) -> None:
        return None


def _xml_records(
    stream: IO[bytes], layout: Layout[Any], problems: list[BatchProblem]
) -> Iterator[Any]:
    builder = _XmlBuilder(layout, problems)
    parser = HardenedXMLParser(builder)
    builder.parser = parser
    header_sent = False
    finished = False
    while not finished:
        chunk = stream.read(_CHUNK)
        try:
            if chunk:
                parser.feed(chunk)
            else:
                finished = True
                parser.close()
        except XmlSecurityError as exc:
            raise BatchFileError(str(exc), line=parser.line) from None
        except (LookupError, UnicodeError) as exc:
            raise BatchFileError(
                f'The file\'s text cannot be read ({exc}): declare encoding="UTF-8" and save '
                "it as UTF-8",
                line=parser.line,
            ) from None
        except ParseError as exc:
            line, column = getattr(exc, "position", (parser.line, 0))
            reason = str(exc).split(":")[0]
            if finished:
                raise BatchFileError(
                    f"The XML ends at line {line} before the document is complete ({reason}): "
                    f"the file is truncated (cut short) or </{layout.root}> is missing",
                    line=line,
                ) from None
            raise BatchFileError(
                f"The file is not well-formed XML at line {line}, column {column + 1}: {reason}",
                line=line,
            ) from None
        if not header_sent and builder.header is not None:
            header_sent = True
            yield builder.header
        while builder.pending:
            yield builder.pending.popleft()
    if not header_sent:
        raise BatchFileError(f"The file has no <Header> inside <{layout.root}>")
