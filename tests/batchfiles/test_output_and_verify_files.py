"""Output files, verify batches and their outputs, and formula neutralising."""

from __future__ import annotations

import csv
import io

import defusedxml.ElementTree as SafeET
import pytest
from openpyxl import load_workbook

from lrs.batchfiles import (
    LRB_OUTPUT_HEADINGS,
    LRB_OUTPUT_NAMESPACE,
    VERIFY_HEADINGS,
    VERIFY_OUTPUT_HEADINGS,
    VERIFY_OUTPUT_NAMESPACE,
    BatchHeader,
    OutputRecord,
    VerifyOutputRecord,
    VerifyRecord,
    neutralise,
    output_file_name,
    read_verify_batch,
    schema_text,
    validate_file,
    validate_verify_file,
    write_output,
    write_verify_batch,
    write_verify_output,
)
from tests.batchfiles.conftest import STAMP, TODAY, UKPRN, learner, name

XS = "{http://www.w3.org/2001/XMLSchema}"


def _results():
    return [
        OutputRecord(learner(2), "RC001", uln="9276308686"),
        OutputRecord(
            learner(3, family_name='=HYPERLINK("http://x")'),
            "RC011",
            detail="FamilyName: names may contain letters only",
        ),
        OutputRecord(
            learner(4, uln="9276308686"), "RC007", candidate_ulns=("9276308686", "1000000006")
        ),
    ]


def _output(fmt: str) -> bytes:
    buffer = io.BytesIO()
    header = BatchHeader("2A", output_file_name(name(fmt)), UKPRN, 3)
    assert write_output(buffer, header, _results(), fmt=fmt) == 3
    return buffer.getvalue()


@pytest.mark.parametrize("value", ["=1+1", "+44 1234", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_values_a_spreadsheet_would_run_get_a_leading_quote(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Ann", "O'Brien", "", "1=1", " =x"])
def test_ordinary_values_are_left_alone(value):
    assert neutralise(value) == value


def test_the_output_file_name_adds_output_before_the_extension():
    assert output_file_name(f"LRB_{UKPRN}_{STAMP}.CSV") == f"LRB_{UKPRN}_{STAMP}_OUTPUT.CSV"


def test_the_csv_output_echoes_each_record_with_its_code_description_uln_and_candidates():
    text = _output("CSV").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == LRB_OUTPUT_HEADINGS
    first = dict(zip(rows[0], rows[1]))
    assert first["FileName"] == f"LRB_{UKPRN}_{STAMP}_OUTPUT.CSV"
    assert first["ULN"] == "9276308686"
    assert first["ReturnCode"] == "RC001"
    assert first["ReturnDescription"] == "New learner registered: a new ULN was issued"
    assert first["MISIdentifier"] == "S00002"
    second = dict(zip(rows[0], rows[2]))
    assert second["FamilyName"] == '\'=HYPERLINK("http://x")'
    assert second["ReturnDetail"].startswith("FamilyName:")
    third = dict(zip(rows[0], rows[3]))
    assert third["CandidateULNs"] == "9276308686 1000000006"
    assert third["SuppliedULN"] == "9276308686"
    assert third["ULN"] == ""


def test_the_xlsx_output_holds_text_not_formulas():
    workbook = load_workbook(io.BytesIO(_output("XLSX")), read_only=True)
    rows = [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]
    headings = rows[0]
    assert tuple(headings) == LRB_OUTPUT_HEADINGS
    family = rows[2][headings.index("FamilyName")]
    assert family == '\'=HYPERLINK("http://x")'
    assert rows[1][headings.index("ReturnCode")] == "RC001"


def test_the_xml_output_follows_lrb_output_xsd_and_is_not_neutralised():
    root = SafeET.fromstring(_output("XML"))
    ns = {"o": LRB_OUTPUT_NAMESPACE}
    assert root.tag == f"{{{LRB_OUTPUT_NAMESPACE}}}LearnerBatchOutput"
    learners = root.findall("o:Learner", ns)
    assert [x.findtext("o:ReturnCode", namespaces=ns) for x in learners] == [
        "RC001",
        "RC011",
        "RC007",
    ]
    assert learners[1].findtext("o:FamilyName", namespaces=ns) == '=HYPERLINK("http://x")'
    assert [u.text for u in learners[2].findall("o:CandidateULNs/o:ULN", ns)] == [
        "9276308686",
        "1000000006",
    ]
    _assert_follows_schema(root, "lrb-output.xsd", "OutputBatchLearner")


def _assert_follows_schema(root, xsd: str, learner_type: str) -> None:
    """Each Learner's children appear in the XSD's order and are all declared there."""
    schema = SafeET.fromstring(schema_text(xsd))
    (complex_type,) = [
        t for t in schema.findall(f"{XS}complexType") if t.get("name") == learner_type
    ]
    order = [e.get("name") for e in complex_type.find(f"{XS}sequence")]
    for element in root.iter(root.tag.replace(root.tag.split("}")[1], "Learner")):
        names = [child.tag.split("}")[1] for child in element]
        positions = [order.index(n) for n in names]
        assert positions == sorted(positions), names


def _verify_records():
    return [
        VerifyRecord(
            row=2,
            mis_identifier="C1",
            uln="9276308686",
            family_name="Example",
            given_name="Ann",
            date_of_birth="2001-04-03",
            gender="2",
        ),
        VerifyRecord(
            row=3, mis_identifier="C2", uln="9276308686", family_name="Jones", given_name="Bob"
        ),
    ]


def _verify_file(fmt: str) -> bytes:
    buffer = io.BytesIO()
    header = BatchHeader("V1", name(fmt, prefix="LRV"), UKPRN, 2)
    write_verify_batch(buffer, header, _verify_records(), fmt=fmt)
    return buffer.getvalue()


def test_the_verify_layout_is_mis_identifier_uln_names_and_optional_details():
    assert VERIFY_HEADINGS == (
        "FileVersion",
        "FileName",
        "UKPRN",
        "LearnerRecordCount",
        "MISIdentifier",
        "ULN",
        "FamilyName",
        "GivenName",
        "DateOfBirth",
        "Gender",
    )


@pytest.mark.parametrize("fmt", ["CSV", "XML", "XLSX"])
def test_a_verify_batch_round_trips_and_validates_in_each_format(fmt):
    batch = read_verify_batch(io.BytesIO(_verify_file(fmt)), filename=name(fmt, prefix="LRV"))
    assert batch.header.file_version == "V1"
    got = [r.__class__(**{**_as_dict(r), "line": None, "row": r.row}) for r in batch]
    assert [(_as_dict(r) | {"row": 0}) for r in got] == [
        (_as_dict(r) | {"row": 0}) for r in _verify_records()
    ]
    report = validate_file(
        io.BytesIO(_verify_file(fmt)), filename=name(fmt, prefix="LRV"), today=TODAY
    )
    assert report.kind == "LRV"
    assert report.ok, report.lines()


def _as_dict(record):
    from dataclasses import asdict

    return asdict(record)


def test_a_verify_batch_rejects_rows_with_an_invalid_uln_or_missing_names():
    records = [
        VerifyRecord(row=2, uln="9276308685", family_name="Example", given_name="Ann"),
        VerifyRecord(
            row=3, uln="9276308686", family_name="", given_name="Ann", date_of_birth="03/04/2001"
        ),
    ]
    buffer = io.BytesIO()
    write_verify_batch(buffer, BatchHeader("V1", name(prefix="LRV"), UKPRN, 2), records, fmt="CSV")
    buffer.seek(0)
    report = validate_verify_file(buffer, filename=name(prefix="LRV"), today=TODAY)
    codes = {o.row: o.return_code for o in report.rejected}
    assert codes == {2: "WSEC0136", 3: "WSEC0001"}
    fields = {p.field for p in report.rejected[1].problems}
    assert fields == {"FamilyName", "DateOfBirth"}


def test_a_verify_file_with_the_registration_prefix_is_a_file_problem():
    report = validate_verify_file(
        io.BytesIO(_verify_file("CSV")), filename=name("CSV"), today=TODAY
    )
    assert any("must start LRV_" in p.rule for p in report.file_problems)


def _verify_output(fmt: str) -> bytes:
    records = _verify_records()
    results = [
        VerifyOutputRecord(records[0], "WSVRC001", matched_uln="9276308686"),
        VerifyOutputRecord(
            records[1], "WSVRC005", matched_uln="9276308686", failure_flags=("VRF1", "VRF5")
        ),
    ]
    buffer = io.BytesIO()
    header = BatchHeader("V1", output_file_name(name(fmt, prefix="LRV")), UKPRN, 2)
    write_verify_output(buffer, header, results, fmt=fmt)
    return buffer.getvalue()


def test_the_verify_csv_output_carries_the_code_and_failure_flags_per_row():
    rows = list(csv.reader(io.StringIO(_verify_output("CSV").decode("utf-8-sig"))))
    assert tuple(rows[0]) == VERIFY_OUTPUT_HEADINGS
    second = dict(zip(rows[0], rows[2]))
    assert second["ResponseCode"] == "WSVRC005"
    assert second["ResponseDescription"] == "Learner does not match the ULN"
    assert second["FailureFlags"] == "VRF1 VRF5"


def test_the_verify_xml_output_repeats_failure_flag_elements():
    root = SafeET.fromstring(_verify_output("XML"))
    ns = {"v": VERIFY_OUTPUT_NAMESPACE}
    learners = root.findall("v:Learner", ns)
    assert [f.text for f in learners[1].findall("v:FailureFlag", ns)] == ["VRF1", "VRF5"]
    _assert_follows_schema(root, "verify-output.xsd", "VerifiedBatchLearner")


def test_the_verify_xlsx_output_opens():
    workbook = load_workbook(io.BytesIO(_verify_output("XLSX")), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[1][rows[0].index("ResponseCode")] == "WSVRC001"


def test_control_characters_cannot_break_xml_or_xlsx_output():
    record = learner(2, notes="bell\x07 and nul\x00")
    for fmt in ("XML", "XLSX"):
        buffer = io.BytesIO()
        write_output(
            buffer, BatchHeader("2A", "x", UKPRN, 1), [OutputRecord(record, "RC011")], fmt=fmt
        )
        assert buffer.getvalue()
    SafeET.fromstring(_output("XML"))
