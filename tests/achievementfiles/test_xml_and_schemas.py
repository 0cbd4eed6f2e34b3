"""XML achievement files: the structure of achievements.xsd, hostile documents refused
by the hardened parser, and the XSDs agreeing with the layouts."""

from __future__ import annotations

import io

import defusedxml.ElementTree as SafeET
import pytest

from lrs.achievementfiles import (
    ACH_ERRORS_NAMESPACE,
    ACH_LAYOUT,
    ACH_NAMESPACE,
    SCHEMAS,
    BatchFileError,
    ErrorCode,
    read_achievements,
    schema_text,
    validate_achievement_file,
)
from lrs.achievementfiles.records import ACH_HEADER_COLUMNS
from lrs.achievementfiles.writers import ERROR_EXTRA
from tests.achievementfiles.conftest import AO_UKPRN, TODAY, name

XS = "{http://www.w3.org/2001/XMLSchema}"
ONE = (
    "<Achievement><Uln>9276308686</Uln><GivenName>Ann</GivenName>"
    "<FamilyName>Example</FamilyName></Achievement>"
)


def _document(achievements: str = ONE, prolog: str = "", count: int = 1) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}'
        f'<AchievementFile xmlns="{ACH_NAMESPACE}">\n'
        f"<Header><FileVersion>1</FileVersion><FileName>{name('XML')}</FileName>"
        f"<UKPRN>{AO_UKPRN}</UKPRN><RecordCount>{count}</RecordCount></Header>\n"
        f"{achievements}\n</AchievementFile>\n"
    )


def _refusal(content: str | bytes) -> str:
    data = content.encode() if isinstance(content, str) else content
    with (
        pytest.raises(BatchFileError) as caught,
        read_achievements(io.BytesIO(data), filename=name("XML")) as file,
    ):
        list(file)
    return caught.value.problem.rule


def test_a_hand_written_document_reads_its_header_and_achievements():
    with read_achievements(io.BytesIO(_document().encode()), filename=name("XML")) as file:
        assert file.header.record_count == 1
        (record,) = list(file)
    assert (record.row, record.uln, record.family_name) == (1, "9276308686", "Example")
    assert record.line == 4
    # Only what is in the document: the create's other mandatory fields are missing.
    assert {p.code for p in record.format_problems} == {ErrorCode.FD02}


def test_an_external_entity_xxe_is_refused_before_anything_is_read():
    prolog = '<!DOCTYPE AchievementFile [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    rule = _refusal(_document(ONE.replace("Ann", "&xxe;"), prolog))
    assert "external entity" in rule
    assert "XXE" in rule


def test_a_billion_laughs_entity_expansion_is_refused():
    prolog = (
        '<!DOCTYPE AchievementFile [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
    )
    rule = _refusal(_document(ONE.replace("Ann", "&lol2;"), prolog))
    assert "billion laughs" in rule


def test_any_dtd_is_refused_even_without_entities():
    assert "document type declaration (DTD)" in _refusal(
        _document(prolog="<!DOCTYPE AchievementFile>\n")
    )
    assert "external DTD" in _refusal(
        _document(prolog='<!DOCTYPE AchievementFile SYSTEM "http://example.com/a.dtd">\n')
    )


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("<AchievementFile", "truncated"),
        ("<<<>>>", "not well-formed"),
        ("this is not xml", "does not start with '<'"),
        (_document().replace(ACH_NAMESPACE, "urn:lrs:batch:lrb:2A"), "root element must be"),
        (_document().replace("AchievementFile", "LearnerBatch"), "root element must be"),
        (_document(ONE.replace("Uln>", "ULN>")), "did you mean <Uln>"),
        (
            _document("<Achievement><GivenName>A</GivenName><Uln>1</Uln></Achievement>"),
            "<Uln> must come before <GivenName>",
        ),
        (_document(ONE.replace("<Uln>", '<Uln id="1">')), "may not carry the attribute"),
        (_document(ONE.replace("Ann", "<b>Ann</b>")), "a field holds text only"),
        (_document().replace("<RecordCount>1</RecordCount>", ""), "<Header> lacks <RecordCount>"),
        (_document().replace("RecordCount", "LearnerRecordCount"), "is not an element of <Header>"),
        (_document("<Learner/>"), "<Learner> is not allowed in <AchievementFile>"),
    ],
)
def test_garbage_and_documents_breaking_the_schema_are_refused_with_a_reason(content, words):
    assert words in _refusal(content)


def test_hostile_xml_rejects_the_whole_file_in_the_report():
    prolog = '<!DOCTYPE AchievementFile [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    report = validate_achievement_file(
        io.BytesIO(_document(ONE, prolog).encode()), filename=name("XML"), today=TODAY
    )
    assert not report.file_accepted
    assert report.file_problems[-1].code == ErrorCode.FL02
    assert "passwd" in report.rejection_reason


def _sequence(schema: str, type_name: str) -> list[str]:
    root = SafeET.fromstring(schema_text(schema))
    for complex_type in root.iter(f"{XS}complexType"):
        if complex_type.get("name") == type_name:
            return [e.get("name") for e in complex_type.find(f"{XS}sequence")]
    raise AssertionError(type_name)


def test_achievements_xsd_lists_the_layout_s_elements_in_the_reader_s_order():
    root = SafeET.fromstring(schema_text("achievements.xsd"))
    assert root.get("targetNamespace") == ACH_NAMESPACE == "urn:lrs:achievements:1"
    top = root.find(f"{XS}element")
    assert top.get("name") == ACH_LAYOUT.root
    assert _sequence("achievements.xsd", "AchievementHeader") == [
        c.element for c in ACH_HEADER_COLUMNS
    ]
    assert _sequence("achievements.xsd", "Achievement") == [c.element for c in ACH_LAYOUT.columns]


def test_achievement_errors_xsd_lists_the_input_elements_then_the_error_elements():
    root = SafeET.fromstring(schema_text("achievement-errors.xsd"))
    assert root.get("targetNamespace") == ACH_ERRORS_NAMESPACE == "urn:lrs:achievements:errors:1"
    assert _sequence("achievement-errors.xsd", "RejectedAchievement") == [
        *(c.element for c in ACH_LAYOUT.columns),
        "InputRow",
        "Error",
    ]
    assert _sequence("achievement-errors.xsd", "Error") == [
        "ErrorKind",
        "ErrorCode",
        "ErrorField",
        "ErrorMessage",
    ]
    assert ERROR_EXTRA == ("InputRow", "ErrorKind", "ErrorCode", "ErrorMessage")


def test_only_the_shipped_schemas_can_be_read():
    assert SCHEMAS == ("achievements.xsd", "achievement-errors.xsd")
    with pytest.raises(ValueError, match="Unknown schema"):
        schema_text("../records.py")
