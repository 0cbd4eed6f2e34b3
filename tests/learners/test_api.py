import pytest
from django.core.cache import cache

from lrs.access import Role
from lrs.core import codes
from tests.factories import make_organisation, make_token, make_user
from tests.learners.helpers import person

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


def test_a_high_score_kept_possible_names_the_rule_and_never_claims_certainty(client, headers):
    assert post(client, "/api/v1/learners", person(), headers).status_code == 201
    # A nickname for the learner, who has also moved: it could as well be a twin.
    found = post(
        client,
        "/api/v1/learners/search",
        person(given_name="Ollie", last_known_postcode="B15 2TT"),
        headers,
    ).json()
    assert found["response_code"] == codes.POSSIBLE
    assert found["held_back_by"] == "given_name_differs"
    assert "twin or sibling" in found["held_back_reason"]
    best = found["candidates"][0]
    assert best["held_back_by"] == found["held_back_by"]
    assert best["score"] <= 0.5


def test_a_possible_with_too_little_evidence_says_so(client, headers):
    assert post(client, "/api/v1/learners", person(), headers).status_code == 201
    # A slip in the decade of birth and a move: the learner, perhaps, but no more.
    found = post(
        client,
        "/api/v1/learners/search",
        person(date_of_birth="2018-03-14", last_known_postcode="B15 2TT"),
        headers,
    ).json()
    assert found["response_code"] == codes.POSSIBLE
    assert found["held_back_by"] in ("evidence_too_weak", "date_of_birth_differs")
    assert found["held_back_reason"]
    assert found["candidates"][0]["held_back_reason"] == found["held_back_reason"]


def test_a_stranger_sharing_only_given_name_and_birthday_is_no_match(client, headers):
    assert post(client, "/api/v1/learners", person(), headers).status_code == 201
    found = post(
        client,
        "/api/v1/learners/search",
        person(family_name="Okonkwo", last_known_postcode="M1 1AE"),
        headers,
    ).json()
    assert found["response_code"] == codes.NO_MATCH
    assert found["held_back_by"] == ""


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


def test_verify_lookup_and_retrieve_through_the_api(client, headers):
    uln = post(client, "/api/v1/learners", person(), headers).json()["learner"]["uln"]
    verified = post(
        client,
        "/api/v1/learners/verify",
        {"learners": [{"uln": uln, "given_name": "Olivia", "family_name": "Thornbury"}]},
        headers,
    ).json()["results"][0]
    assert (verified["response_code"], verified["failure_flags"]) == (codes.VERIFY_MATCH, [])
    looked_up = post(
        client,
        "/api/v1/learners/lookup",
        {"uln": uln, "given_name": "Olivia", "family_name": "Thornbury"},
        headers,
    ).json()
    assert looked_up["response_code"] == codes.EXACT
    assert looked_up["learner"]["last_known_postcode"] == "CV4 9EE"
    refused = post(
        client,
        "/api/v1/learners/lookup",
        {"uln": uln, "given_name": "Someone", "family_name": "Else"},
        headers,
    ).json()
    assert (refused["response_code"], refused["learner"]) == (codes.NO_MATCH, None)
    retrieved = post(
        client, "/api/v1/learners/retrieve", {"ulns": [uln, "9276308686"]}, headers
    ).json()["results"]
    assert [r["response_code"] for r in retrieved] == [codes.EXACT, codes.NO_MATCH]
    assert retrieved[0]["learner"]["given_name"] == "Olivia"


def test_an_invalid_uln_in_a_lookup_is_wsec0136(client, headers):
    response = post(
        client,
        "/api/v1/learners/lookup",
        {"uln": "9276308687", "given_name": "A", "family_name": "B"},
        headers,
    )
    assert response.status_code == 422
    assert response.json()["response_code"] == codes.INVALID_ULN


def test_personal_data_is_never_needed_in_a_learner_url():
    from lrs.api.urls import api

    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        if "learners" not in path:
            continue
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                assert parameter["name"] == "uln", (path, parameter["name"])


def test_a_request_missing_a_field_or_of_the_wrong_shape_is_wsec0001(client, headers):
    response = post(client, "/api/v1/learners/verify", {"learners": "nope"}, headers)
    assert response.status_code == 422
    assert response.json()["response_code"] == codes.INVALID_REQUEST
    missing = post(client, "/api/v1/learners/search", {"given_name": "Ann"}, headers)
    assert missing.status_code == 422
    assert missing.json()["response_code"] == codes.INVALID_REQUEST
    assert {"family_name", "date_of_birth", "gender", "last_known_postcode"} <= {
        e["field"] for e in missing.json()["errors"]
    }


def test_a_role_refusal_carries_wsec0006(client):
    ao = make_user(make_organisation("awarding_organisation"), Role.AWARDING_ORGANISATION_USER)
    response = post(
        client, "/api/v1/learners/search", person(), {"Authorization": f"Bearer {make_token(ao)}"}
    )
    assert response.status_code == 403
    assert response.json()["response_code"] == codes.INSUFFICIENT_ACCESS
