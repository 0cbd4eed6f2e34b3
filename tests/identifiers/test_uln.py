import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs.identifiers import uln


def test_published_hesa_example_9276308686_is_valid():
    assert uln.is_valid("9276308686")
    assert uln.check_digit("927630868") == 6


@pytest.mark.parametrize(
    ("value", "reason_fragment"),
    [
        ("9276308687", "do not make up a real ULN"),
        ("927630868", "exactly 10 digits"),
        ("92763086861", "exactly 10 digits"),
        ("0276308686", "cannot start with 0"),
        ("92763O8686", "only the digits"),
        ("".join(chr(0xFF10 + int(d)) for d in "9276308686"), "only the digits"),
        ("9999999999", "temporary ULN"),
        ("", "exactly 10 digits"),
    ],
)
def test_invalid_ulns_are_refused_with_the_rule_they_break(value, reason_fragment):
    result = uln.check(value)
    assert not result.valid
    assert reason_fragment in result.reason


def test_a_prefix_whose_weighted_sum_is_divisible_by_eleven_has_no_check_digit():
    # 1*10 + 0*9 + ... + 1*... : find one by search to avoid hand arithmetic
    prefix = next(
        f"{n:09d}"
        for n in range(100_000_000, 100_001_000)
        if sum(int(d) * w for d, w in zip(f"{n:09d}", uln.PREFIX_WEIGHTS)) % 11 == 0
    )
    assert uln.check_digit(prefix) is None
    for digit in range(10):
        assert not uln.is_valid(prefix + str(digit))


@given(st.integers(min_value=100_000_000, max_value=999_999_999))
def test_every_prefix_with_a_check_digit_yields_exactly_one_valid_uln(prefix_number):
    prefix = str(prefix_number)
    digit = uln.check_digit(prefix)
    valid = [d for d in range(10) if uln.is_valid(f"{prefix}{d}")]
    if digit is None or f"{prefix}{digit}" == uln.TEMPORARY_ULN:
        assert valid == []
    else:
        assert valid == [digit]


@given(st.text(max_size=12))
def test_check_never_raises_on_arbitrary_text(text):
    result = uln.check(text)
    assert result.valid == (
        len(text) == 10 and text.isascii() and text.isdigit() and uln.is_valid(text)
    )


@given(st.integers(min_value=100_000_000, max_value=999_999_999), st.integers(0, 8))
def test_any_single_digit_change_of_a_valid_uln_is_detected(prefix_number, position):
    prefix = str(prefix_number)
    digit = uln.check_digit(prefix)
    if digit is None:
        return
    valid = f"{prefix}{digit}"
    for replacement in "0123456789":
        if replacement == valid[position]:
            continue
        mutated = valid[:position] + replacement + valid[position + 1 :]
        assert not uln.is_valid(mutated)


def test_weighted_sum_of_all_ten_digits_of_a_valid_uln_is_ten_mod_eleven():
    for value in uln.random_ulns(200):
        total = sum(int(d) * w for d, w in zip(value, range(10, 0, -1)))
        assert total % 11 == 10


def test_random_ulns_are_valid_distinct_and_not_sequential():
    values = list(uln.random_ulns(1000))
    assert len(set(values)) == 1000
    assert all(uln.is_valid(v) for v in values)
    # Unpredictable: consecutive allocations are not neighbours.
    gaps = [abs(int(a) - int(b)) for a, b in itertools.pairwise(values)]
    assert sorted(gaps)[len(gaps) // 2] > 1_000_000
