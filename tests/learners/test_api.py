import pytest
from django.core.cache import cache

from lrs.access import Role
from lrs.learners import codes
from tests.factories import make_organisation, make_token, make_user
from tests.learners.test_find_and_register import person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_throttle():
    cache.clear()


@pytest.fixture
def headers():
    user = make_user(make_organisation(), Role.ONLINE_USER)
    return {"Authorization": f"Bearer {make_token(user)}"}


def post(client, url, body, headers):
    return client.post(url, body, content_type="application/json", headers=headers)


def test_register_then_find_through_the_api_with_scores_and_explanations(client, headers):
    registered = post(client, "/api/v1/learners", person(), headers)
    assert registered.status_code == 201, registered.content
    body = registered.json()
    assert body["response_code"] == codes.REGISTERED
    uln = body["learner"]["uln"]
    found = post(client, "/api/v1/learners/search", person(), headers).json()
    assert found["response_code"] == codes.EXACT
    assert found["candidates"][0]["uln"] == uln
    assert found["candidates"][0]["explanation"]


def test_a_duplicate_registration_is_409_with_wsrc0021(client, headers):
    post(client, "/api/v1/learners", person(), headers)
    response = post(client, "/api/v1/learners", person(), headers)
    assert response.status_code == 409
    assert response.json()["response_code"] == codes.ALREADY_REGISTERED


def test_invalid_fields_are_422_with_wsec0001_naming_each_field(client, headers):
    response = post(client, "/api/v1/learners/search", person(gender="7"), headers)
    assert response.status_code == 422
    body = response.json()
    assert body["response_code"] == codes.INVALID_REQUEST
    assert [e["field"] for e in body["errors"]] == ["gender"]


def test_update_through_the_api_needs_the_current_version(client, headers):
    uln = post(client, "/api/v1/learners", person(), headers).json()["learner"]["uln"]
    ok = client.patch(
        f"/api/v1/learners/{uln}",
        {"version_number": 1, "title": "Ms"},
        content_type="application/json",
        headers=headers,
    )
    assert ok.json()["response_code"] == codes.UPDATED
    stale = client.patch(
        f"/api/v1/learners/{uln}",
        {"version_number": 1, "title": "Dr"},
        content_type="application/json",
        headers=headers,
    )
    assert stale.status_code == 409
    assert stale.json()["response_code"] == codes.STALE_VERSION


def test_view_learner_only_users_get_403_on_register(client):
    viewer = make_user(make_organisation(), Role.VIEW_LEARNER_ONLY)
    response = post(
        client, "/api/v1/learners", person(), {"Authorization": f"Bearer {make_token(viewer)}"}
    )
    assert response.status_code == 403
