"""reference.py: the reference data comes from the code's own definitions."""

from __future__ import annotations

import pytest

from lrs import achievementfiles, batchfiles
from lrs.achievementfiles.records import ACH_LAYOUT
from lrs.batchfiles.records import LRB_LAYOUT, VERIFY_LAYOUT
from lrs.batchfiles.return_codes import RETURN_CODES, VERIFY_RESPONSE_CODES
from lrs.batchfiles.writers import LRB_OUTPUT_HEADINGS, VERIFY_OUTPUT_HEADINGS
from lrs.challenges import lifecycle
from lrs.core import codes as learner_codes
from lrs.guidance import reference
from lrs.soapwire import faults


def test_every_return_code_is_listed_with_its_own_description():
    entries = reference.all_codes()
    for code, info in RETURN_CODES.items():
        assert entries[code].meaning == info.description
        assert entries[code].group == "return-codes"


def test_the_soap_fault_description_is_the_meaning_of_a_web_service_error_code():
    assert reference.all_codes()["WSEC0002"].meaning == faults.DESCRIPTIONS["WSEC0002"]


def test_the_verify_batch_description_is_the_meaning_of_a_verification_code():
    entry = reference.all_codes()["WSVRC005"]
    assert entry.meaning == VERIFY_RESPONSE_CODES["WSVRC005"]
    assert reference.VERIFY_OUTPUT in entry.appears_in


def test_learner_web_service_codes_are_all_listed():
    entries = reference.all_codes()
    for code, text in learner_codes.DESCRIPTIONS.items():
        assert code in entries
        if code.startswith("WSRC"):
            assert entries[code].meaning == text


def test_the_soap_service_codes_take_their_meaning_from_the_code():
    from lrs.soap import codes as soap_codes

    codes = reference.all_codes()
    assert codes["WSRC0018"].meaning == soap_codes.BATCH_DESCRIPTIONS["WSRC0018"] == "Unknown job"
    assert codes["WSEC0004"].meaning == soap_codes.FAULT_DESCRIPTIONS["WSEC0004"]


def test_every_code_has_a_meaning_and_says_where_it_appears():
    for entry in reference.all_codes().values():
        assert entry.meaning, entry.code
        assert entry.appears_in, entry.code


def test_achievement_error_codes_are_grouped_by_their_kind():
    groups = {g.slug: g for g in reference.code_groups()}
    for kind in achievementfiles.ErrorKind:
        codes = [e.code for e in groups[f"achievement-{kind.value}-errors"].codes]
        assert codes == [str(c) for c in achievementfiles.codes_of(kind)]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("RC007", "RC007"), ("  rc007 ", "RC007"), ("wsrc 0004", "WSRC0004"), ("fd05", "FD05")],
)
def test_find_code_ignores_case_and_spaces(typed, expected):
    entry = reference.find_code(typed)
    assert entry is not None
    assert entry.code == expected


@pytest.mark.parametrize("typed", ["", "RC999", "XX01", "RC007; drop", "../lrb", "a" * 500])
def test_find_code_answers_none_for_anything_that_is_not_a_code(typed):
    assert reference.find_code(typed) is None


def test_the_batch_layouts_follow_the_readers_columns_in_order():
    layouts = {layout.slug: layout for layout in reference.batch_layouts()}
    assert [f.heading for f in layouts["learner-batch"].fields] == list(LRB_LAYOUT.headings)
    assert [f.heading for f in layouts["verify-batch"].fields] == list(VERIFY_LAYOUT.headings)
    assert [f.heading for f in layouts["learner-batch-output"].fields] == list(LRB_OUTPUT_HEADINGS)
    assert [f.heading for f in layouts["verify-batch-output"].fields] == list(
        VERIFY_OUTPUT_HEADINGS
    )


def test_the_learner_batch_layout_marks_the_mandatory_fields_and_lengths():
    fields = {f.heading: f for f in reference.batch_layouts()[0].fields}
    assert fields["GivenName"].mandatory == "Yes"
    assert "35 characters" in fields["GivenName"].rule
    assert fields["Title"].mandatory == "No"
    assert fields["DateOfBirth"].rule.startswith("A date written YYYY-MM-DD")
    assert "aged 13 to 110" in fields["DateOfBirth"].rule


def test_the_verify_layout_needs_the_uln_and_both_names():
    fields = {f.heading: f for f in reference.batch_layouts()[2].fields}
    assert {h for h, f in fields.items() if f.mandatory == "Yes"} >= {
        "ULN",
        "FamilyName",
        "GivenName",
    }
    assert fields["DateOfBirth"].mandatory == "No"


def test_the_achievement_layout_says_which_action_needs_a_reason():
    fields = {f.heading: f for f in reference.achievement_layouts()[0].fields}
    assert [f.heading for f in reference.achievement_layouts()[0].fields] == list(
        ACH_LAYOUT.headings
    )
    assert fields["ActionReason"].mandatory == "For withdraw (3)"
    assert fields["Uln"].mandatory == "Yes"


def test_action_codes_and_statuses_come_from_the_achievement_package():
    assert [a.code for a in reference.action_codes()] == [
        str(a.value) for a in achievementfiles.Action
    ]
    assert reference.achievement_statuses() == (("F", "final"), ("P", "provisional"))


def test_the_challenge_reference_reads_the_deadlines_from_settings(settings):
    settings.LRS_CHALLENGE_ACKNOWLEDGE_DAYS = 7
    settings.LRS_CHALLENGE_RESOLVE_DAYS = 30
    settings.LRS_CHALLENGE_REMINDER_DAYS = 3
    data = reference.challenge_reference()
    assert (data.acknowledge_days, data.resolve_days, data.reminder_days) == (7, 30, 3)
    assert len(data.moves) == len(lifecycle.TRANSITIONS)
    assert [s[0] for s in data.statuses] == [str(s) for s in lifecycle.Status]


def test_only_the_packaged_xsds_can_be_read():
    for name in (*batchfiles.SCHEMAS, *achievementfiles.SCHEMAS):
        assert reference.xsd_bytes(name)
    for name in ("../settings.py", "lrb", "records.py", "/etc/passwd", "LRB.XSD"):
        assert reference.xsd_bytes(name) is None


def test_link_titles_are_readable():
    assert reference.link_title("/guidance/reference/batch-files/") == "Batch file layouts"
    assert (
        reference.link_title("/guidance/providers/resolving-exceptions/")
        == "Resolving exceptions (learning providers)"
    )
