import pytest

from lrs.access import OrganisationType, Role
from lrs.audit.services import audit_record
from tests.factories import make_organisation, make_user
from tests.portal.helpers import error_summary_links, sign_in_as, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client):
    user = make_user(make_organisation(OrganisationType.SERVICE_DESK), Role.SERVICE_DESK_USER)
    sign_in_as(client, user)
    return user


def _rows(response) -> list[str]:
    html = response.content.decode()
    start = html.find('id="audit-entries"')
    if start == -1:
        return []
    body = html[html.find("<tbody", start) : html.find("</tbody>", start)]
    return [" ".join(row.split()) for row in body.split("</tr>") if "<td" in row]


def test_only_the_service_desk_can_search_the_audit_log(client):
    for org_type, role in [
        (OrganisationType.SCHOOL, Role.SUPER_USER),
        (OrganisationType.AWARDING_ORGANISATION, Role.SUPER_USER),
        (OrganisationType.FURTHER_EDUCATION_COLLEGE, Role.BATCH_USER),
    ]:
        sign_in_as(client, make_user(make_organisation(org_type), role))
        response = client.get("/audit/")
        assert response.status_code == 403
        assert "You do not have permission to see this page" in text_of(response)


def test_a_service_desk_super_user_can_search_too(client):
    sign_in_as(client, make_user(make_organisation(OrganisationType.SERVICE_DESK), Role.SUPER_USER))
    assert client.get("/audit/").status_code == 200


def test_the_log_is_listed_newest_first(client, desk):
    audit_record(action="test.first", object_type="thing", object_id="1")
    audit_record(action="test.second", object_type="thing", object_id="2")
    rows = _rows(client.get("/audit/"))
    first = next(i for i, row in enumerate(rows) if "test.first" in row)
    second = next(i for i, row in enumerate(rows) if "test.second" in row)
    assert second < first


def test_filters_narrow_the_results(client, desk):
    school = make_organisation(OrganisationType.SCHOOL)
    teacher = make_user(school, Role.SUPER_USER, username="teacher")
    audit_record(
        action="learner.find", actor=teacher, object_type="learner", object_id="1234567890"
    )
    audit_record(action="learner.find", actor=desk, object_type="learner", object_id="999")
    by_user = _rows(client.get("/audit/", {"username": "teacher", "action": "learner."}))
    assert len(by_user) == 1
    assert "1234567890" in by_user[0]
    by_ukprn = _rows(client.get("/audit/", {"ukprn": school.ukprn, "action": "learner.find"}))
    assert len(by_ukprn) == 1
    by_object = _rows(client.get("/audit/", {"object_id": "999"}))
    assert len(by_object) == 1
    none = client.get("/audit/", {"username": "nobody"})
    assert "No entries match these filters." in text_of(none)


def test_the_outcome_and_date_filters_work(client, desk):
    audit_record(action="test.refused", outcome="refused")
    refused = _rows(client.get("/audit/", {"outcome": "refused", "action": "test."}))
    assert len(refused) == 1
    assert "Refused" in refused[0]
    long_ago = client.get(
        "/audit/",
        {"date_to_day": "1", "date_to_month": "1", "date_to_year": "2001", "action": "test."},
    )
    assert _rows(long_ago) == []


def test_results_are_paginated_with_the_gov_uk_pagination_component(client, desk):
    for number in range(55):
        audit_record(action="test.bulk", object_type="thing", object_id=str(number))
    first = client.get("/audit/", {"action": "test.bulk"})
    assert len(_rows(first)) == 50
    html = first.content.decode()
    assert 'class="govuk-pagination"' in html
    assert 'href="?action=test.bulk&amp;page=2"' in html
    assert "Showing 1 to 50 of 55 entries" in text_of(first)
    second = client.get("/audit/", {"action": "test.bulk", "page": "2"})
    assert len(_rows(second)) == 5
    assert 'aria-current="page"' in second.content.decode()


def test_bad_filters_are_shown_in_the_error_summary(client, desk):
    response = client.get(
        "/audit/",
        {
            "ukprn": "123",
            "date_from_day": "5",
            "date_from_month": "5",
            "date_from_year": "2025",
            "date_to_day": "1",
            "date_to_month": "1",
            "date_to_year": "2025",
        },
    )
    assert error_summary_links(response) == [
        ("#ukprn", "A UKPRN is 8 digits, like 10012345"),
        ("#date_to_day", "Date to must be the same as or after date from"),
    ]
    assert _rows(response) == []
