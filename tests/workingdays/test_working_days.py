import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from lrs.workingdays import add_working_days, is_working_day, working_days_between


def test_weekends_and_bank_holidays_are_not_working_days():
    assert not is_working_day(dt.date(2026, 11, 28))  # Saturday
    assert not is_working_day(dt.date(2026, 12, 25))  # Christmas Day
    assert not is_working_day(dt.date(2026, 12, 28))  # Boxing Day (observed)
    assert is_working_day(dt.date(2026, 12, 29))


def test_ten_working_days_from_a_friday_before_christmas_skip_the_holidays():
    # 18 Dec 2026 is a Friday; 25, 28 Dec and 1 Jan are bank holidays.
    assert add_working_days(dt.date(2026, 12, 18), 10) == dt.date(2027, 1, 6)


def test_easter_is_skipped():
    # Thursday 2 April 2026; Good Friday 3 April and Easter Monday 6 April.
    assert add_working_days(dt.date(2026, 4, 2), 1) == dt.date(2026, 4, 7)


@given(st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2030, 12, 31)), st.integers(0, 60))
def test_counting_back_the_days_added_gives_the_same_number(start, days):
    end = add_working_days(start, days)
    assert working_days_between(start, end) == days
    assert days == 0 or is_working_day(end)
