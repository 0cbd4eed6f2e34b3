import datetime as dt

import pytest

from lrs.matching import Demographics


@pytest.fixture
def person() -> Demographics:
    return Demographics(
        given_name="Olivia",
        family_name="Hartley-Smith",
        date_of_birth=dt.date(2007, 3, 14),
        gender="2",
        postcode="CV4 9EE",
    )
