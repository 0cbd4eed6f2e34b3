"""XML batch files: the structure of lrb.xsd, hardened parsing, and specific refusals."""

from __future__ import annotations

import io
from importlib import resources

import defusedxml.ElementTree as SafeET
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrs.batchfiles import (
    LRB_LAYOUT,
    LRB_NAMESPACE,
    VERIFY_LAYOUT,
    BatchFileError,
    read_batch,
    schema_text,
    validate_file,
)
from lrs.batchfiles.records import HEADER_COLUMNS
from tests.batchfiles.conftest import TODAY, UKPRN, batch_bytes, learner, name

XS = "{http://www.w3.org/2001/XMLSchema}"


def _read(content: bytes | str):
    data = content.encode("utf-8") if isinstance(content, str) else content
    batch = read_batch(io.BytesIO(data), filename=name("XML"))
    return batch, list(batch)


def _file_error(content: bytes | str) -> str:
    with pytest.raises(BatchFileError) as caught:
        _read(content)
    return caught.value.problem.rule


def _document(
    learners: str = "<Learner><MISIdentifier>S1</MISIdentifier></Learner>",
    prolog: str = "",
    count: int = 1,
) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}'
        f'<LearnerBatch xmlns="{LRB_NAMESPACE}">\n'
        f"<Header><FileVersion>2A</FileVersion><FileName>{name('XML')}</FileName>"
        f"<UKPRN>{UKPRN}</UKPRN><LearnerRecordCount>{count}</LearnerRecordCount></Header>\n"
        f"{learners}\n</LearnerBatch>\n"
    )


def test_an_xml_file_round_trips_every_field():
    records = [learner(1, notes="a < b & c"), learner(2, family_name="O'Brien")]
    records = [r.__class__(**{**_fields(r), "line": None}) for r in records]
    batch, got = _read(batch_bytes(records, fmt="XML"))
    assert batch.format == "XML"
    assert batch.header.learner_record_count == 2
    assert [_fields(r) | {"line": None} for r in got] == [_fields(r) for r in records]
    assert got[0].row == 1
    assert got[1].row == 2
    assert got[0].line is not None


def _fields(record):
    from dataclasses import asdict

    return asdict(record)


@settings(max_examples=40, deadline=None)
@given(
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cs", "Cc"),
        ),
        max_size=60,
    )
)
def test_any_text_in_a_field_survives_an_xml_round_trip(value):
    _, got = _read(batch_bytes([learner(1, notes=value)], fmt="XML"))
    assert got[0].notes == value


def test_the_xsd_describes_exactly_the_elements_the_reader_enforces_in_order():
    for layout in (LRB_LAYOUT, VERIFY_LAYOUT):
        tree = SafeET.fromstring(schema_text(layout.xsd))
        assert tree.get("targetNamespace") == layout.namespace
        assert tree.get("elementFormDefault") == "qualified"
        (root,) = tree.findall(f"{XS}element")
        assert root.get("name") == layout.root
        types = {t.get("name"): t for t in tree.findall(f"{XS}complexType")}
        header = [e.get("name") for e in types["BatchHeader"].iter(f"{XS}element")]
        assert header == [c.element for c in HEADER_COLUMNS]
        learner_type = root.find(f".//{XS}element[@name='Learner']").get("type")
        fields = list(types[learner_type].iter(f"{XS}element"))
        assert [e.get("name") for e in fields] == [c.element for c in layout.columns]
        assert all(e.get("minOccurs") == "0" for e in fields)


def test_the_xsd_files_ship_as_package_data():
    files = resources.files("lrs.batchfiles")
    for schema in ("lrb.xsd", "lrb-output.xsd", "verify.xsd", "verify-output.xsd"):
        assert files.joinpath(schema).is_file()


def test_an_external_entity_xxe_is_refused_naming_it():
    prolog = '<!DOCTYPE LearnerBatch [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    doc = _document("<Learner><Notes>&xxe;</Notes></Learner>", prolog)
    rule = _file_error(doc)
    assert "external entity 'xxe'" in rule
    assert "XXE" in rule
    assert "root:" not in rule


def test_a_billion_laughs_entity_expansion_bomb_is_refused_naming_it():
    prolog = (
        "<!DOCTYPE LearnerBatch [\n"
        '<!ENTITY lol "lol">\n'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n'
        "]>\n"
    )
    rule = _file_error(_document("<Learner><Notes>&lol3;</Notes></Learner>", prolog))
    assert "entity expansion" in rule
    assert "billion laughs" in rule


def test_a_parameter_entity_reaching_out_is_refused_as_external():
    prolog = '<!DOCTYPE x [<!ENTITY % remote SYSTEM "http://example.invalid/x.dtd"> %remote;]>\n'
    assert "external entity" in _file_error(_document(prolog=prolog))


def test_a_plain_dtd_is_refused_as_a_dtd():
    prolog = "<!DOCTYPE LearnerBatch [<!ELEMENT LearnerBatch ANY>]>\n"
    rule = _file_error(_document(prolog=prolog))
    assert "document type declaration (DTD)" in rule


def test_an_external_dtd_is_refused_without_being_fetched():
    prolog = '<!DOCTYPE LearnerBatch SYSTEM "http://example.invalid/lrb.dtd">\n'
    rule = _file_error(_document(prolog=prolog))
    assert "external DTD" in rule
    assert "never fetched" in rule


def test_a_wrong_root_element_is_named():
    rule = _file_error(f'<Batch xmlns="{LRB_NAMESPACE}"/>')
    assert f'the root element must be <LearnerBatch xmlns="{LRB_NAMESPACE}">' in rule


def test_elements_without_the_namespace_are_refused_saying_which_namespace():
    rule = _file_error(_document().replace(f' xmlns="{LRB_NAMESPACE}"', ""))
    assert LRB_NAMESPACE in rule


def test_an_unknown_element_is_named_with_a_suggestion():
    rule = _file_error(_document("<Learner><Surname>X</Surname></Learner>"))
    assert "<Surname> is not an element of <Learner>" in rule
    assert "line 4" in rule.lower()


def test_the_csv_spelling_of_an_element_suggests_the_xml_one():
    rule = _file_error(_document("<Learner><FamilyNameAt16>X</FamilyNameAt16></Learner>"))
    assert "did you mean <FamilyNameAtAge16>?" in rule


def test_elements_out_of_order_are_refused_saying_the_order():
    doc = _document("<Learner><FamilyName>X</FamilyName><GivenName>Y</GivenName></Learner>")
    rule = _file_error(doc)
    assert "<GivenName> must come before <FamilyName>" in rule


def test_an_element_twice_is_refused():
    doc = _document("<Learner><GivenName>X</GivenName><GivenName>Y</GivenName></Learner>")
    assert "<GivenName> appears twice" in _file_error(doc)


def test_a_learner_before_the_header_is_refused():
    doc = f'<LearnerBatch xmlns="{LRB_NAMESPACE}"><Learner/></LearnerBatch>'
    assert "<Header> must come before the first <Learner>" in _file_error(doc)


def test_a_header_missing_a_field_is_refused_naming_it():
    doc = _document().replace(f"<UKPRN>{UKPRN}</UKPRN>", "")
    rule = _file_error(doc)
    assert "<LearnerRecordCount> must come before" not in rule
    assert "<UKPRN>" in rule


def test_nested_elements_inside_a_field_and_stray_text_are_refused():
    assert "holds text only" in _file_error(_document("<Learner><Notes><b>x</b></Notes></Learner>"))
    assert "not allowed directly inside <Learner>" in _file_error(
        _document("<Learner>loose<Notes>x</Notes></Learner>")
    )


def test_attributes_are_refused_except_the_schema_location_on_the_root():
    assert "may not carry the attribute" in _file_error(
        _document('<Learner id="1"><Notes>x</Notes></Learner>')
    )
    ok = _document().replace(
        f'xmlns="{LRB_NAMESPACE}"',
        f'xmlns="{LRB_NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{LRB_NAMESPACE} lrb.xsd"',
    )
    _, got = _read(ok)
    assert got[0].mis_identifier == "S1"


def test_a_truncated_xml_file_is_refused_as_truncated():
    doc = _document()
    rule = _file_error(doc[: len(doc) // 2 + 40])
    assert "truncated" in rule


def test_binary_garbage_named_xml_is_refused_as_binary():
    assert "binary data" in _file_error(bytes(range(256)) * 4)


def test_a_csv_file_named_xml_is_recognised():
    rule = _file_error(batch_bytes([learner()], fmt="CSV"))
    assert "not XML" in rule
    assert "CSV file" in rule


def test_malformed_xml_gives_line_and_column():
    rule = _file_error(_document("<Learner><Notes>x</Note></Learner>"))
    assert "not well-formed" in rule
    assert "line 4" in rule


def test_a_utf16_xml_file_is_read():
    records = [learner(1)]
    doc = batch_bytes(records, fmt="XML").decode("utf-8")
    doc = doc.replace('encoding="utf-8"', 'encoding="UTF-16"')
    _, got = _read(doc.encode("utf-16"))
    assert got[0].given_name == "Ann"


def test_a_valid_xml_file_validates_with_learner_positions_as_rows(write):
    records = [learner(1), learner(2, given_name="")]
    path = write(batch_bytes(records, fmt="XML"), name("XML"))
    report = validate_file(path, today=TODAY)
    assert report.file_accepted, report.lines()
    (outcome,) = report.rejected
    assert outcome.row == 2
    assert outcome.return_code == "RC006"
    assert outcome.problems[0].field == "GivenName"
    assert outcome.problems[0].line is not None


def test_xml_problems_use_element_names_not_csv_headings(write):
    records = [learner(1, family_name_at_16="B4d!")]
    report = validate_file(write(batch_bytes(records, fmt="XML"), name("XML")), today=TODAY)
    assert report.rejected[0].problems[0].field == "FamilyNameAtAge16"


def test_an_unknown_declared_encoding_is_refused_with_the_fix():
    doc = batch_bytes([learner(1)], fmt="XML").replace(b'"utf-8"', b'"klingon"', 1)
    rule = _file_error(doc)
    assert "unknown encoding: klingon" in rule
    assert 'declare encoding="UTF-8"' in rule
