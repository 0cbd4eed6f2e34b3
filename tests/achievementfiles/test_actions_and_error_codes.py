"""Action codes, status codes and the error code table (the single source of truth)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lrs.achievementfiles import (
    ALLOWED_ACTIONS,
    ERROR_CODES,
    AchievementStatus,
    Action,
    ErrorCode,
    ErrorKind,
    codes_of,
    description,
    kind_of,
    parse_action,
    parse_status,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "achievement-files.md"


def test_the_five_actions_have_the_documented_integer_codes_one_to_five():
    assert {a.name: a.value for a in Action} == {
        "CREATE": 1,
        "UPDATE": 2,
        "WITHDRAW": 3,
        "REINSTATE": 4,
        "PROMOTE": 5,
    }
    assert Action.PROMOTE.label == "promote provisional to final"
    assert not Action.CREATE.needs_existing_event
    assert all(a.needs_existing_event for a in Action if a is not Action.CREATE)


@pytest.mark.parametrize("text", ["1", " 2 ", "3", "4", "5"])
def test_each_action_code_parses_with_surrounding_spaces(text):
    assert parse_action(text) == Action(int(text))


@pytest.mark.parametrize("text", ["0", "6", "12", "1.0", "x", "", "\u0661"])
def test_an_unknown_action_code_is_refused_naming_every_allowed_code(text):
    with pytest.raises(ValueError, match="use 1 \\(create\\)") as caught:
        parse_action(text)
    assert ALLOWED_ACTIONS in str(caught.value)
    assert "5 (promote provisional to final)" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "code"), [("withdraw", 3), ("Delete", 3), ("CREATE", 1), ("promote", 5)]
)
def test_an_action_written_as_a_word_is_refused_with_its_number(text, code):
    with pytest.raises(ValueError, match=f"write {code} for"):
        parse_action(text)


def test_status_is_f_or_p_in_any_case_and_empty_means_not_given():
    assert parse_status("F") is AchievementStatus.FINAL
    assert parse_status(" p ") is AchievementStatus.PROVISIONAL
    assert parse_status("") is None
    with pytest.raises(ValueError, match="F \\(final\\) or P \\(provisional\\)"):
        parse_status("Y")


def test_every_error_code_has_the_kind_its_prefix_says():
    prefixes = {
        "FL": ErrorKind.FILE,
        "FD": ErrorKind.FIELD,
        "LD": ErrorKind.LEARNER,
        "BR": ErrorKind.BUSINESS,
    }
    assert set(ERROR_CODES) == set(ErrorCode)
    for code, info in ERROR_CODES.items():
        assert info.kind is prefixes[code[:2]], code
        assert kind_of(code) is info.kind
        assert description(code) == info.description
    assert len(codes_of(ErrorKind.FIELD)) == 17
    assert ErrorCode.BR06 in codes_of(ErrorKind.BUSINESS)


def test_error_codes_are_numbered_without_gaps_within_each_kind():
    for prefix in ("FL", "FD", "LD", "BR"):
        numbers = sorted(int(c[2:]) for c in ErrorCode if c.startswith(prefix))
        assert numbers == list(range(1, len(numbers) + 1)), prefix


def test_an_unknown_error_code_is_a_value_error():
    with pytest.raises(ValueError, match="XX01"):
        kind_of("XX01")


def test_the_documentation_lists_every_error_code_with_its_kind():
    text = DOC.read_text(encoding="utf-8")
    for code, info in ERROR_CODES.items():
        row = re.search(rf"^\| {code} \| (\w+) \|", text, flags=re.MULTILINE)
        assert row, f"{code} is not in the table of {DOC.name}"
        assert row.group(1) == info.kind, code
