import pytest
from django.db import connection

from lrs.core.sql import array_literal


def test_array_literal_quotes_every_element_and_escapes_quotes_and_backslashes():
    assert array_literal(["AB12CDJ", "SMITH20070314"]) == '{"AB12CDJ","SMITH20070314"}'
    assert array_literal([3, 1]) == '{"3","1"}'
    assert array_literal([]) == "{}"
    assert array_literal(['say "hi"', "back\\slash"]) == '{"say \\"hi\\"","back\\\\slash"}'


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL array literal")
@pytest.mark.django_db
def test_array_literal_round_trips_through_postgresql_as_text_and_as_numbers():
    awkward = ["plain", "with,comma", "{braces}", 'quote"d', "back\\slash", "sp ace", "NULL", ""]
    with connection.cursor() as cursor:
        cursor.execute("SELECT unnest(%s::varchar[])", [array_literal(awkward)])
        assert [value for (value,) in cursor.fetchall()] == awkward
        cursor.execute("SELECT unnest(%s::bigint[])", [array_literal([7, 10**12])])
        assert [value for (value,) in cursor.fetchall()] == [7, 10**12]
